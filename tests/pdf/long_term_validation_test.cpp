#include "vanthu/signing/long_term_validation.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>

#include "signing_fixture.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::count;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

std::string sha1Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr);
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

}  // namespace

TEST_CASE("a DSS update carries chains, CRLs and a VRI entry and breaks nothing",
          "[pdf][ltv][dss]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  fs::create_directories(dir / "samples");
  demo::writeSampleDocuments(dir / "samples");
  auto key = pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto signedPdf = dir / "signed.pdf";
  signPdf(dir / "samples" / "ke-hoach.pdf", signedPdf, {}, *key);  // an xref-stream file
  REQUIRE(signedFieldNames(signedPdf) == std::vector<std::string>{"Signature1"});

  ValidationData data;
  data.certificates.push_back(key->certificate().toDer());
  for (const auto& issuer : key->chain()) data.certificates.push_back(issuer.toDer());
  data.crls = pki.crls();
  auto ltv = dir / "ltv.pdf";
  addDocumentSecurityStore(signedPdf, ltv, data, {"Signature1"});

  std::string before = readFile(signedPdf);
  std::string after = readFile(ltv);
  CHECK(after.compare(0, before.size(), before) == 0);
  auto qpdf = runCommand("qpdf --check " + shellQuote(ltv.string()));
  CHECK(qpdf.exitCode == 0);
  auto report = test::pdfsig(pki, ltv);
  INFO(report.output);
  CHECK(report.output.find("Signature is Valid") != std::string::npos);
  CHECK(report.output.find("Certificate is Trusted") != std::string::npos);

  auto dss = runCommand("mutool show " + shellQuote(ltv.string()) + " trailer/Root/DSS");
  INFO(dss.output);
  CHECK(dss.output.find("/Certs") != std::string::npos);
  CHECK(dss.output.find("/CRLs") != std::string::npos);
  auto certs = runCommand("mutool show " + shellQuote(ltv.string()) + " trailer/Root/DSS/Certs");
  CHECK(count(certs.output, " R") == 3);

  // The VRI key is the SHA-1 of the signature's /Contents bytes.
  auto signatures = test::embeddedSignatures(after);
  REQUIRE(signatures.size() == 1);
  const auto& range = signatures[0].byteRange;
  std::string hexContents = after.substr(range[1] + 1, range[2] - range[1] - 2);
  std::string contents;
  for (size_t i = 0; i + 1 < hexContents.size(); i += 2) {
    contents.push_back(static_cast<char>(std::stoi(hexContents.substr(i, 2), nullptr, 16)));
  }
  auto vri = runCommand("mutool show " + shellQuote(ltv.string()) + " trailer/Root/DSS/VRI");
  INFO(vri.output);
  CHECK(vri.output.find("/" + sha1Hex(contents)) != std::string::npos);

  SECTION("a second update adds only what is new") {
    ValidationData again = data;
    auto other = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
    again.certificates.push_back(other->certificate().toDer());
    auto twice = dir / "twice.pdf";
    addDocumentSecurityStore(ltv, twice, again);
    auto certsAgain =
        runCommand("mutool show " + shellQuote(twice.string()) + " trailer/Root/DSS/Certs");
    CHECK(count(certsAgain.output, " R") == 4);
    auto vriAgain =
        runCommand("mutool show " + shellQuote(twice.string()) + " trailer/Root/DSS/VRI");
    CHECK(vriAgain.output.find("/" + sha1Hex(contents)) != std::string::npos);  // kept
    CHECK(runCommand("qpdf --check " + shellQuote(twice.string())).exitCode == 0);
  }

  SECTION("a VRI for a field that is not signed is refused") {
    try {
      addDocumentSecurityStore(signedPdf, dir / "bad.pdf", data, {"NoSuchField"});
      FAIL("a VRI entry for a missing field was written");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::NotFound);
    }
    CHECK_FALSE(fs::exists(dir / "bad.pdf"));
  }
}
