// Damaged input must end in a vanthu::Error, never in a crash or a half-written file.

#include <catch2/catch.hpp>
#include <random>

#include "signing_fixture.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
namespace fs = std::filesystem;

TEST_CASE("PDFs with a broken page tree are refused, not crashed on", "[pdf][sign][errors]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  SignatureRequest request;
  request.rectangle = PdfRect{334, 175, 150, 90};
  request.numberDateFields = true;
  for (const char* name : {"broken-page-tree-1.pdf", "broken-page-tree-2.pdf"}) {
    INFO(name);
    auto input = test::sourceDir() / "tests" / "data" / "damaged" / name;
    CHECK(test::errorCodeOf([&] { signPdf(input, dir / "out.pdf", request, *key); }) ==
          ErrorCode::InvalidPdf);
    CHECK_FALSE(fs::exists(dir / "out.pdf"));
  }
}

TEST_CASE("randomly damaged PDFs are signed or refused with a code", "[pdf][sign][errors][slow]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  fs::create_directories(dir / "samples");
  demo::writeSampleDocuments(dir / "samples");
  SignatureRequest request;
  request.rectangle = PdfRect{334, 175, 150, 90};
  request.numberDateFields = true;
  size_t signedCount = 0, refused = 0;
  for (const char* sample : {"quyet-dinh.pdf", "ke-hoach.pdf"}) {
    const std::string original = test::readFile(dir / "samples" / sample);
    for (unsigned seed = 1; seed <= 100; ++seed) {
      std::mt19937 random(seed);
      std::string bytes = original;
      for (unsigned k = 0, n = 1 + random() % 8; k < n; ++k) {
        bytes[random() % bytes.size()] = static_cast<char>(random() % 256);
      }
      auto input = dir / "damaged.pdf";
      auto output = dir / "signed.pdf";
      test::writeText(input, bytes);
      INFO(sample << " seed " << seed);
      ErrorCode code = test::errorCodeOf([&] { signPdf(input, output, request, *key); });
      if (code == ErrorCode::Unknown) {
        ++signedCount;
        CHECK(test::readFile(output).compare(0, bytes.size(), bytes) == 0);
      } else {
        ++refused;
        CHECK((code == ErrorCode::InvalidPdf || code == ErrorCode::InvalidArgument));
        CHECK_FALSE(fs::exists(output));
      }
      fs::remove(output);
      fs::remove(dir / "signed.pdf.partial");
    }
  }
  CHECK(signedCount + refused == 200);
}
