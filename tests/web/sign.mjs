// External signing in the signing dialog: the administrator registers an external key for the
// leader (the certificate of the demo leader; the private key stays with the test, as it would
// on the leader's USB token), a document is walked to `signing` through the API, then in the
// browser the leader chooses the external key (no password asked), gets the digest, pastes a
// wrong value first (a clear message, the pasted text kept, nothing signed), then the raw
// signature the test makes over the digest with `openssl pkeyutl` and the key taken from the
// demo PKCS#12 with `openssl pkcs12`: the document is `signed`, and poppler's `pdfsig` finds the
// signature of the downloaded PDF valid.
//
// Usage: node tests/web/sign.mjs BIN_DIR   (VANTHU_WEB_SCREENSHOTS=DIR also saves the screenshots)
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { p12Password, run } from './harness.mjs';
import {
  apiAs, apiDocument, documentAtSigning, latestVersion, pdfsig, privateKeyPem, signatureWidgets,
} from './signtools.mjs';

await run(async (hx) => {
  const { base, data, tmp } = hx;
  const check = hx.check.bind(hx);

  // The administrator registers the leader's external key: the certificate only.
  const admin = await apiAs(base, 'admin');
  const registered = await admin('/api/v1/keys', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ source: 'external', user_id: 'user-lanhdao', certificate: readFileSync(path.join(data, 'pki/users/lanhdao.pem'), 'utf8') }),
  });
  const key = await registered.json();
  check(registered.status === 201 && key.source === 'external', `the administrator registers an external key for the leader (${registered.status} ${key.id})`);

  const subject = `Quyết định ký ngoài (kiểm thử giao diện ${Date.now()})`;
  const id = await documentAtSigning(base, path.join(data, 'samples/quyet-dinh.pdf'), subject);
  const leaderApi = await apiAs(base, 'lanhdao');
  check((await apiDocument(leaderApi, id)).status === 'signing', `document ${id} is at signing`);

  // The leader chooses the external key: no password field; the dialog prepares the signature.
  const leader = await hx.newPage();
  await hx.login(leader, 'lanhdao');
  await hx.openDocument(leader, id);
  await leader.click('[data-testid=action-sign]');
  await leader.waitForSelector('[data-testid=action-dialog][data-action=sign]');
  const choice = `[data-testid="sign-key-${key.id}"]`;
  check(await leader.getAttribute(choice, 'data-source') === 'external', 'the dialog lists the external key');
  check((await leader.textContent('[data-testid=action-dialog] .key-list')).includes('Ký ngoài'), 'the key list names the external source');
  check((await leader.textContent('[data-testid=action-dialog] .key-list')).includes('PKCS#12'), 'and the PKCS#12 key');
  await leader.check(choice);
  check(await leader.isHidden('[data-testid=field-password]'), 'an external key asks for no password');
  await leader.click('[data-testid=dialog-confirm]');
  await leader.waitForSelector('[data-testid=sign-pending]');
  const pendingId = await leader.getAttribute('[data-testid=sign-pending]', 'data-pending');
  const hex = (await leader.inputValue('[data-testid=sign-digest-hex]')).toLowerCase();
  const base64 = await leader.inputValue('[data-testid=sign-digest-base64]');
  const algorithm = (await leader.textContent('[data-testid=sign-algorithm]')).trim();
  check(/^[0-9a-f]{64,128}$/.test(hex) && Buffer.from(base64, 'base64').toString('hex') === hex,
    `the digest in hex and base64, the same bytes (${algorithm})`);
  check((await leader.textContent('[data-testid=sign-expires]')).trim().length > 0, 'the expiry is shown');
  const pending = await (await leaderApi(`/api/v1/documents/${id}/pending-signatures/${pendingId}`)).json();
  check(pending.to_be_signed_digest_hex && pending.to_be_signed_digest_hex.toLowerCase() === hex,
    'the digest shown is the server\'s pending signature');
  check((await apiDocument(leaderApi, id)).status === 'signing', 'preparing changes nothing: still signing');

  // A wrong value: a clear message, the pasted text kept, the document unchanged.
  const wrong = randomBytes(256).toString('base64');
  await leader.fill('[data-testid=sign-returned]', wrong);
  await leader.click('[data-testid=sign-complete]');
  await leader.waitForSelector('[data-testid=dialog-error]:has-text("không khớp")');
  check(await leader.inputValue('[data-testid=sign-returned]') === wrong, 'a wrong signature value: the pasted text is kept');
  check((await apiDocument(leaderApi, id)).status === 'signing', 'a wrong signature value signs nothing');
  await hx.shot(leader, 'sign-external');

  // The right value: the raw signature over the digest, made outside vanthu.
  const keyPath = path.join(tmp, 'lanhdao-key.pem');
  writeFileSync(keyPath, privateKeyPem(path.join(data, 'pki/users/lanhdao.p12'), p12Password), { mode: 0o600 });
  const digestPath = path.join(tmp, 'digest.bin');
  writeFileSync(digestPath, Buffer.from(hex, 'hex'));
  const digestName = algorithm.toLowerCase().replace(/[^a-z0-9]/g, '');
  const signature = execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', keyPath, '-pkeyopt', `digest:${digestName}`, '-in', digestPath]);
  await leader.fill('[data-testid=sign-returned]', signature.toString('base64').replace(/(.{64})/g, '$1\n'));
  await leader.click('[data-testid=sign-complete]');
  await leader.waitForSelector('[data-testid=doc-title] [data-status="signed"]');
  await hx.settled(leader, 'doc');
  check((await apiDocument(leaderApi, id)).status === 'signed', 'the external signature completes: signed (the server says)');

  const signedPath = path.join(tmp, 'signed-external.pdf');
  writeFileSync(signedPath, await latestVersion(base, 'lanhdao', id));
  const report = pdfsig(signedPath);
  check(/Signature Validation: Signature is Valid/.test(report) && /Phạm Quốc Hùng/.test(report),
    `pdfsig: the leader's signature is valid${/Signature is Valid/.test(report) ? '' : `\n${report}`}`);
  check(signatureWidgets(signedPath).filter((widget) => widget.signed).length === 1, 'one signed signature field');
});
