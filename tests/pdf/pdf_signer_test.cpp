#include "vanthu/signing/pdf_signer.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "signing_fixture.h"
#include "test_support.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/resumable_sha256.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::embeddedSignatures;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::SigningPki;
using vanthu::test::TempDir;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  TempDir dir;
  SigningPki pki{dir.path()};
  fs::path samples = dir / "samples";

  Fixture() {
    fs::create_directories(samples);
    demo::writeSampleDocuments(samples);
  }

  fs::path signedCopy(const fs::path& input, const std::string& name, SignatureRequest request,
                      DigestSigner& key) {
    auto out = dir / name;
    signPdf(input, out, request, key);
    return out;
  }
};

std::string lastXrefSectionKind(const std::string& pdf) {
  size_t at = pdf.rfind("startxref");
  size_t offset = std::stoull(pdf.substr(at + 10));
  return pdf.compare(offset, 4, "xref") == 0 ? "table" : "stream";
}

void checkAcceptedByJudges(const Fixture& f, const fs::path& pdf, size_t expectedSignatures) {
  INFO(pdf.string());
  auto qpdf = runCommand("qpdf --check " + shellQuote(pdf.string()));
  CHECK(qpdf.exitCode == 0);
  CHECK(qpdf.output.find("No syntax or stream encoding errors found") != std::string::npos);

  auto report = vanthu::test::pdfsig(f.pki, pdf);
  INFO(report.output);
  CHECK(report.exitCode == 0);
  size_t valid = 0;
  size_t trusted = 0;
  for (size_t at = 0; (at = report.output.find("Signature is Valid", at)) != std::string::npos;
       ++at)
    ++valid;
  for (size_t at = 0; (at = report.output.find("Certificate is Trusted", at)) != std::string::npos;
       ++at)
    ++trusted;
  CHECK(valid == expectedSignatures);
  CHECK(trusted == expectedSignatures);
  CHECK(report.output.find("Total document signed") != std::string::npos);

  // mutool checks every digest (it has no trust store, so it reports the certificate as
  // unverifiable; pdfsig above judges trust).
  auto mutool = runCommand("mutool sign -v " + shellQuote(pdf.string()));
  INFO(mutool.output);
  CHECK(mutool.exitCode == 0);
  CHECK(mutool.output.find("Digest error") == std::string::npos);
  CHECK(mutool.output.find("The document is unchanged since signing.") != std::string::npos);
  size_t editedAfter = 0;
  for (size_t at = 0;
       (at = mutool.output.find("The signature is valid but there have been edits since signing",
                                at)) != std::string::npos;
       ++at) {
    ++editedAfter;
  }
  CHECK(editedAfter == expectedSignatures - 1);

  std::string bytes = readFile(pdf);
  auto signatures = embeddedSignatures(bytes);
  REQUIRE(signatures.size() == expectedSignatures);
  TempDir scratch;
  for (const auto& signature : signatures) {
    auto verify = vanthu::test::opensslVerify(f.pki, signature, scratch.path());
    INFO(verify.output);
    CHECK(verify.exitCode == 0);
  }
  // The last signature covers the whole file.
  const auto& last = signatures.back().byteRange;
  CHECK(last[2] + last[3] == bytes.size());
}

}  // namespace

TEST_CASE("a PAdES signature on a classic-xref PDF is accepted by pdfsig, mutool, qpdf, openssl",
          "[pdf][sign]") {
  Fixture f;
  auto key = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  SignatureRequest request;
  request.reason = "Phê duyệt văn bản";
  request.location = "Thái Nguyên";
  auto input = f.samples / "quyet-dinh.pdf";
  auto output = f.signedCopy(input, "signed.pdf", request, *key);

  checkAcceptedByJudges(f, output, 1);
  CHECK(key->operations == 1);  // one private-key operation per signature

  std::string original = readFile(input);
  std::string result = readFile(output);
  REQUIRE(result.size() > original.size());
  CHECK(result.compare(0, original.size(), original) == 0);  // earlier bytes untouched
  CHECK(lastXrefSectionKind(result) == "table");
  CHECK_FALSE(fs::exists(f.dir / "signed.pdf.partial"));

  auto report = vanthu::test::pdfsig(f.pki, output);
  CHECK(report.output.find("ETSI.CAdES.detached") != std::string::npos);
}

TEST_CASE("the CMS carries exactly content-type, message-digest and signing-certificate-v2",
          "[pdf][sign][cms]") {
  Fixture f;
  auto key = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  auto output = f.signedCopy(f.samples / "quyet-dinh.pdf", "signed.pdf", {}, *key);
  auto signatures = embeddedSignatures(readFile(output));
  REQUIRE(signatures.size() == 1);
  std::ofstream(f.dir / "cms.der", std::ios::binary) << signatures[0].cmsDer;
  auto dump = runCommand("openssl cms -cmsout -print -inform DER -in " +
                         shellQuote((f.dir / "cms.der").string()));
  REQUIRE(dump.exitCode == 0);
  const std::string& text = dump.output;
  CHECK(text.find("contentType") != std::string::npos);
  CHECK(text.find("messageDigest") != std::string::npos);
  CHECK(text.find("id-smime-aa-signingCertificateV2") != std::string::npos);
  CHECK(text.find("signingTime") == std::string::npos);
  CHECK(text.find("SMIMECapabilities") == std::string::npos);
  size_t attributes = 0;
  for (size_t at = 0; (at = text.find("object: ", at)) != std::string::npos; ++at) {
    if (text.compare(at, 20, "object: contentType ") == 0 ||
        text.compare(at, 22, "object: messageDigest ") == 0 ||
        text.compare(at, 41, "object: id-smime-aa-signingCertificateV2 ") == 0) {
      ++attributes;
    }
  }
  CHECK(attributes == 3);
  // The chain is embedded without the root.
  CHECK(text.find("Vanthu Test Signing CA") != std::string::npos);
  CHECK(text.find("subject: C=VN, O=Vanthu Test PKI, CN=Vanthu Test Root CA") == std::string::npos);
}

TEST_CASE("an xref-stream PDF gets an xref stream update with a whole /Prev chain", "[pdf][sign]") {
  Fixture f;
  auto key = f.pki.signer("Trần Văn Bình", KeyAlgorithm::EcP256);
  auto input = f.samples / "ke-hoach.pdf";
  auto output = f.signedCopy(input, "signed.pdf", {}, *key);
  checkAcceptedByJudges(f, output, 1);
  std::string original = readFile(input);
  std::string result = readFile(output);
  CHECK(result.compare(0, original.size(), original) == 0);
  CHECK(lastXrefSectionKind(result) == "stream");
  auto xref = runCommand("qpdf --show-xref " + shellQuote(output.string()));
  CHECK(xref.exitCode == 0);
}

TEST_CASE("three signers in a row: certification P=2, then two approvals", "[pdf][sign][slow]") {
  Fixture f;
  auto leader = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto deputy = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  auto seal = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::Rsa2048);
  for (const char* sample : {"quyet-dinh.pdf", "ke-hoach.pdf", "cong-van.pdf"}) {
    INFO(sample);
    SignatureRequest first;
    first.certification = CertificationLevel::FormFilling;
    auto one = f.signedCopy(f.samples / sample, std::string("1-") + sample, first, *leader);
    auto two = f.signedCopy(one, std::string("2-") + sample, {}, *deputy);
    auto three = f.signedCopy(two, std::string("3-") + sample, {}, *seal);
    checkAcceptedByJudges(f, three, 3);
    std::string a = readFile(one), b = readFile(two), c = readFile(three);
    CHECK(b.compare(0, a.size(), a) == 0);
    CHECK(c.compare(0, b.size(), b) == 0);
    auto permissions = runCommand("mutool show " + shellQuote(three.string()) +
                                  " trailer/Root/Perms/DocMDP/Reference");
    INFO(permissions.output);
    CHECK(permissions.output.find("/TransformMethod /DocMDP") != std::string::npos);
    CHECK(permissions.output.find("/P 2") != std::string::npos);
  }
}

TEST_CASE("two-phase signing survives a restart between the phases", "[pdf][sign][external]") {
  Fixture f;
  auto key = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto work = f.dir / "prepared.pdf";
  auto prepared =
      prepareSignature(f.samples / "quyet-dinh.pdf", work, {}, key->certificate(), key->chain());
  std::string saved = prepared.serialize();
  // ... the digest goes to the token at the user's desk; the server restarts ...
  auto restored = PreparedSignature::deserialize(saved);
  CHECK(restored.toBeSignedDigest == prepared.toBeSignedDigest);
  std::string value = key->signDigest(restored.toBeSignedDigest, restored.digest);
  auto output = f.dir / "signed.pdf";
  completeSignature(restored, value, output);
  checkAcceptedByJudges(f, output, 1);

  SECTION("a signature from the wrong key is refused and nothing is written") {
    auto other = f.pki.signer("Someone Else", KeyAlgorithm::EcP256);
    auto again = prepareSignature(f.samples / "quyet-dinh.pdf", f.dir / "p2.pdf", {},
                                  key->certificate(), key->chain());
    std::string wrong = other->signDigest(again.toBeSignedDigest, again.digest);
    CHECK(vanthu::test::errorCodeOf([&] { completeSignature(again, wrong, f.dir / "bad.pdf"); }) ==
          ErrorCode::CryptoFailure);
    CHECK_FALSE(fs::exists(f.dir / "bad.pdf"));
  }
}

TEST_CASE("bad input gets a precise error and no output", "[pdf][sign][errors]") {
  Fixture f;
  auto key = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto out = f.dir / "out.pdf";

  SECTION("not a PDF") {
    std::ofstream(f.dir / "not.pdf") << "hello, this is text";
    CHECK(vanthu::test::errorCodeOf([&] { signPdf(f.dir / "not.pdf", out, {}, *key); }) ==
          ErrorCode::InvalidPdf);
  }
  SECTION("a missing file") {
    CHECK(vanthu::test::errorCodeOf([&] { signPdf(f.dir / "missing.pdf", out, {}, *key); }) ==
          ErrorCode::IoFailure);
  }
  SECTION("a truncated PDF") {
    std::string bytes = readFile(f.samples / "quyet-dinh.pdf");
    std::ofstream(f.dir / "cut.pdf", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    CHECK(vanthu::test::errorCodeOf([&] { signPdf(f.dir / "cut.pdf", out, {}, *key); }) ==
          ErrorCode::InvalidPdf);
  }
  SECTION("a field that does not exist") {
    SignatureRequest request;
    request.existingField = "NoSuchField";
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", out, request, *key);
          }) == ErrorCode::NotFound);
  }
  SECTION("a second certification") {
    SignatureRequest certify;
    certify.certification = CertificationLevel::FormFilling;
    auto once = f.signedCopy(f.samples / "quyet-dinh.pdf", "once.pdf", certify, *key);
    CHECK(vanthu::test::errorCodeOf([&] { signPdf(once, out, certify, *key); }) ==
          ErrorCode::InvalidState);
  }
  SECTION("a reservation too small for the CMS") {
    SignatureRequest request;
    request.reservedCmsBytes = 1024;
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", out, request, *key);
          }) == ErrorCode::InvalidArgument);
  }
  SECTION("a page that does not exist") {
    SignatureRequest request;
    request.rectangle = PdfRect{100, 100, 200, 80};
    request.page = 9;
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", out, request, *key);
          }) == ErrorCode::InvalidArgument);
  }
  CHECK_FALSE(fs::exists(out));
  CHECK_FALSE(fs::exists(f.dir / "out.pdf.partial"));
}

TEST_CASE("a saved SHA-256 state of the input continues into the signature digest",
          "[pdf][sign][speed]") {
  Fixture f;
  auto key = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto input = f.samples / "cong-van.pdf";
  SignatureRequest request;
  request.signingTime = std::chrono::system_clock::now();
  auto plain =
      prepareSignature(input, f.dir / "plain.pdf", request, key->certificate(), key->chain());

  // Storage saved the state when it stored the input (here: hash it once, save, restore).
  request.inputSha256State = ResumableSha256::ofFile(input).save();
  auto resumed =
      prepareSignature(input, f.dir / "resumed.pdf", request, key->certificate(), key->chain());
  CHECK(resumed.contentDigest == plain.contentDigest);
  CHECK(readFile(f.dir / "resumed.pdf") == readFile(f.dir / "plain.pdf"));

  SECTION("tail only: the work file is just the update, and input + tail is the signed file") {
    request.tailOnly = true;
    auto tail =
        prepareSignature(input, f.dir / "tail.part", request, key->certificate(), key->chain());
    CHECK(tail.workFileBase == fs::file_size(input));
    CHECK(fs::file_size(f.dir / "tail.part") < 40000);
    std::string value = key->signDigest(tail.toBeSignedDigest, tail.digest);
    completeSignature(tail, value, f.dir / "tail.bin");
    std::ofstream(f.dir / "joined.pdf", std::ios::binary)
        << readFile(input) << readFile(f.dir / "tail.bin");
    checkAcceptedByJudges(f, f.dir / "joined.pdf", 1);
  }
  SECTION("a state for other bytes is refused") {
    request.inputSha256State = ResumableSha256::ofFile(f.samples / "quyet-dinh.pdf").save();
    CHECK(vanthu::test::errorCodeOf([&] {
            prepareSignature(input, f.dir / "x.pdf", request, key->certificate(), key->chain());
          }) == ErrorCode::InvalidArgument);
    request.inputSha256State = "garbage";
    CHECK(vanthu::test::errorCodeOf([&] {
            prepareSignature(input, f.dir / "x.pdf", request, key->certificate(), key->chain());
          }) == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("resumable SHA-256 matches one-shot SHA-256 at every split", "[sign][speed]") {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>(i * 7 + 3);
  auto oneShot = computeDigest(DigestAlgorithm::Sha256, data);
  for (size_t split : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{65}, size_t{200}}) {
    ResumableSha256 first;
    first.update(data.data(), split);
    auto restored = ResumableSha256::restore(first.save());
    restored.update(data.data() + split, data.size() - split);
    CHECK(restored.length() == data.size());
    CHECK(restored.digest() == oneShot);
  }
}

TEST_CASE("other keys, digests and the adbe.pkcs7.detached format are accepted by the judges",
          "[pdf][sign]") {
  Fixture f;
  struct Case {
    KeyAlgorithm key;
    DigestAlgorithm digest;
    SignatureFormat format;
    const char* type;
  };
  for (const auto& c : {Case{KeyAlgorithm::EcP384, DigestAlgorithm::Sha384,
                             SignatureFormat::PadesCades, "ETSI.CAdES.detached"},
                        Case{KeyAlgorithm::Rsa3072, DigestAlgorithm::Sha512,
                             SignatureFormat::PadesCades, "ETSI.CAdES.detached"},
                        Case{KeyAlgorithm::Rsa2048, DigestAlgorithm::Sha256,
                             SignatureFormat::Pkcs7Detached, "adbe.pkcs7.detached"}}) {
    INFO(c.type);
    auto key = f.pki.signer("Lê Thị Hương", c.key);
    SignatureRequest request;
    request.digest = c.digest;
    request.format = c.format;
    auto out = f.signedCopy(f.samples / "quyet-dinh.pdf", std::string("k-") + c.type + ".pdf",
                            request, *key);
    checkAcceptedByJudges(f, out, 1);
    CHECK(vanthu::test::pdfsig(f.pki, out).output.find(c.type) != std::string::npos);
  }
}

TEST_CASE("a certification with no changes allowed (P=1) ends the signing", "[pdf][sign]") {
  Fixture f;
  auto key = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  SignatureRequest certify;
  certify.certification = CertificationLevel::NoChanges;
  auto once = f.signedCopy(f.samples / "quyet-dinh.pdf", "p1.pdf", certify, *key);
  checkAcceptedByJudges(f, once, 1);
  CHECK(runCommand("mutool show " + shellQuote(once.string()) +
                   " trailer/Root/Perms/DocMDP/Reference")
            .output.find("/P 1") != std::string::npos);
  CHECK(vanthu::test::errorCodeOf([&] { signPdf(once, f.dir / "again.pdf", {}, *key); }) ==
        ErrorCode::InvalidState);
}

TEST_CASE("an external signer may send back a whole CMS instead of a signature value",
          "[pdf][sign][external]") {
  Fixture f;
  auto key = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto work = f.dir / "prepared.pdf";
  auto prepared =
      prepareSignature(f.samples / "quyet-dinh.pdf", work, {}, key->certificate(), key->chain());
  // The remote side signs the ByteRange bytes with its own CMS tool (openssl cms here).
  std::string bytes = readFile(work);
  const auto& r = prepared.byteRange;
  std::ofstream(f.dir / "content.bin", std::ios::binary)
      << bytes.substr(0, r[1]) + bytes.substr(r[2], r[3]);
  std::ofstream(f.dir / "signer.pem") << key->certificate().toPem();
  std::ofstream(f.dir / "signer.key") << key->privateKeyPemForTest();
  std::ofstream(f.dir / "ca.pem") << key->chain().front().toPem();
  auto cms = runCommand("openssl cms -sign -binary -md sha256 -in " +
                        shellQuote((f.dir / "content.bin").string()) + " -signer " +
                        shellQuote((f.dir / "signer.pem").string()) + " -inkey " +
                        shellQuote((f.dir / "signer.key").string()) + " -certfile " +
                        shellQuote((f.dir / "ca.pem").string()) + " -outform DER -out " +
                        shellQuote((f.dir / "remote.der").string()));
  REQUIRE(fs::exists(f.dir / "remote.der"));
  completeSignatureWithCms(prepared, readFile(f.dir / "remote.der"), f.dir / "signed.pdf");
  checkAcceptedByJudges(f, f.dir / "signed.pdf", 1);

  SECTION("a CMS over other bytes is refused") {
    SignatureRequest other;
    other.reason = "Một lý do khác";  // other bytes, so another digest
    auto again = prepareSignature(f.samples / "quyet-dinh.pdf", f.dir / "p2.pdf", other,
                                  key->certificate(), key->chain());
    CHECK(vanthu::test::errorCodeOf([&] {
            completeSignatureWithCms(again, readFile(f.dir / "remote.der"), f.dir / "bad.pdf");
          }) == ErrorCode::CryptoFailure);
    CHECK_FALSE(fs::exists(f.dir / "bad.pdf"));
  }
}
