// node signpdf.js (copied next to node_modules by script/bench) IN OUT P12 : @signpdf/signpdf with a plain placeholder (a new field) and a P12 signer.
const fs = require('fs');
const { SignPdf } = require('@signpdf/signpdf');
const { P12Signer } = require('@signpdf/signer-p12');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
(async () => {
  const [input, output, p12] = process.argv.slice(2);
  const signer = new P12Signer(fs.readFileSync(p12), { passphrase: process.env.PW });
  const withPlaceholder = plainAddPlaceholder({ pdfBuffer: fs.readFileSync(input), reason: 'bench', contactInfo: '', name: 'bench', location: '', signatureLength: 16384 });
  const signed = await new SignPdf().sign(withPlaceholder, signer);
  fs.writeFileSync(output, signed);
})().catch((e) => { console.error(e.message || e); process.exit(1); });
