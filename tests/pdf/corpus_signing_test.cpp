// Signing other producers' PDFs (tests/data/corpus): the real world is not our sample set.

#include <catch2/catch.hpp>

#include "signing_fixture.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::count;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

fs::path corpus(const std::string& name) {
  return test::sourceDir() / "tests" / "data" / "corpus" / name;
}

int qpdfCheck(const fs::path& pdf) {
  return runCommand("qpdf --check " + shellQuote(pdf.string())).exitCode;
}

}  // namespace

TEST_CASE("three signers in a row on other producers' unsigned PDFs", "[pdf][sign][corpus][slow]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto leader = pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto clerk = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto seal = pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::Rsa2048);

  // Already-updated, linearized, hybrid-reference, xref-stream/object-stream, PDF 2.0, forms.
  const char* files[] = {
      "unsigned/qpdf_incremental-1.pdf",
      "unsigned/qpdf_incremental-2.pdf",
      "unsigned/pdf20_via-incremental-save.pdf",
      "unsigned/qpdf_lin5.pdf",
      "unsigned/qpdf_minimal-linearized.pdf",
      "unsigned/qpdf_hybrid-xref.pdf",
      "unsigned/pyhanko_minimal-hybrid-xref.pdf",
      "unsigned/dss_pdf-xref-streams.pdf",
      "unsigned/qpdf_compress-objstm-xref.pdf",
      "unsigned/qpdf_big-ostream.pdf",
      "unsigned/dss_pdf-2.0.pdf",
      "unsigned/pypdfform_vietnamese-form.pdf",
      "unsigned/dss_EmptyPage.pdf",
      "unsigned/signpdf_w3dummy.pdf",
  };
  for (const char* name : files) {
    INFO(name);
    auto input = corpus(name);
    std::string base = fs::path(name).stem().string();
    SignatureRequest certify;
    certify.certification = CertificationLevel::FormFilling;
    auto one = dir / (base + "-1.pdf");
    auto two = dir / (base + "-2.pdf");
    auto three = dir / (base + "-3.pdf");
    signPdf(input, one, certify, *leader);
    signPdf(one, two, {}, *clerk);
    signPdf(two, three, {}, *seal);

    // Every earlier revision is a byte-identical prefix.
    std::string original = readFile(input), a = readFile(one), b = readFile(two),
                c = readFile(three);
    CHECK(a.compare(0, original.size(), original) == 0);
    CHECK(b.compare(0, a.size(), a) == 0);
    CHECK(c.compare(0, b.size(), b) == 0);

    // No new structural problem: qpdf finds nothing in the result that it did not find in the
    // input (a linearized input stops being judged as linearized once updated: fewer warnings).
    INFO(runCommand("qpdf --check " + shellQuote(three.string())).output);
    CHECK(qpdfCheck(three) <= qpdfCheck(input));
    auto report = test::pdfsig(pki, three);
    INFO(report.output);
    CHECK(count(report.output, "Signature is Valid") == 3);
    CHECK(count(report.output, "Certificate is Trusted") == 3);
    CHECK(report.output.find("Total document signed") != std::string::npos);
  }
}

TEST_CASE("signing an already signed file keeps its signatures as they were",
          "[pdf][sign][corpus]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  for (const char* name :
       {"signed/dss_pdf-signed-original.pdf", "signed/dss_doc-firmado-LT.pdf",
        "signed/dss_pkcs7.pdf", "signed/pyhanko_certified-with-indirect-refs.pdf",
        "signed/signpdf_signed-once.pdf", "signed/dss_DSS1376-rev_n.pdf",
        "signed/dss_pdf-with-eof-cr.pdf", "signed/qpdf_digitally-signed.pdf"}) {
    INFO(name);
    auto input = corpus(name);
    auto output = dir / fs::path(name).filename();
    signPdf(input, output, {}, *key);
    std::string before = readFile(input), after = readFile(output);
    CHECK(after.compare(0, before.size(), before) == 0);
    // pdfsig judges the old signatures exactly as before (their own trust problems included)
    // and ours valid and trusted on top.
    auto old = test::pdfsig(pki, input);
    auto now = test::pdfsig(pki, output);
    INFO(now.output);
    CHECK(count(now.output, "Signature is Valid") == count(old.output, "Signature is Valid") + 1);
    CHECK(count(now.output, "Certificate is Trusted") ==
          count(old.output, "Certificate is Trusted") + 1);
  }
}

TEST_CASE("a certified no-changes document is not signed again", "[pdf][sign][corpus]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  CHECK(vanthu::test::errorCodeOf([&] {
          signPdf(corpus("signed/dss_certified-no-change-permitted.pdf"), dir / "out.pdf", {},
                  *key);
        }) == ErrorCode::InvalidState);
  CHECK_FALSE(fs::exists(dir / "out.pdf"));
}

TEST_CASE("encrypted and broken PDFs are refused with precise codes", "[pdf][sign][corpus]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto refuse = [&](const char* name, ErrorCode expected) {
    INFO(name);
    CHECK(vanthu::test::errorCodeOf([&] { signPdf(corpus(name), dir / "out.pdf", {}, *key); }) ==
          expected);
    CHECK_FALSE(fs::exists(dir / "out.pdf"));
    CHECK_FALSE(fs::exists(dir / "out.pdf.partial"));
  };
  refuse("unsigned/podofo_AESV3R6-256.pdf", ErrorCode::InvalidPdf);  // needs a password
  refuse("unsigned/qpdf_encrypted-40-bit-R3.pdf", ErrorCode::InvalidPdf);
  refuse("unsigned/dss_restricted_fields.pdf", ErrorCode::InvalidPdf);
  refuse("unsigned/pyhanko_minimal-badxref.pdf", ErrorCode::InvalidPdf);
  refuse("unsigned/podofo_TestXRefRecovery1.pdf", ErrorCode::InvalidPdf);  // needs repair
  refuse("unsigned/dss_EmptyPage-corrupted.pdf", ErrorCode::InvalidPdf);
}
