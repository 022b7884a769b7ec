// The clerk's number and date: empty text fields added by the leader's certifying update are
// filled afterwards as form filling (allowed by DocMDP P=2), then the organisation signs.

#include <array>
#include <catch2/catch.hpp>
#include <cstring>

#include "signing_fixture.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/page_text.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::count;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

// The blanks of the sample decision's header (A4, points from the bottom left): after "Số:",
// and after "ngày" and "tháng" in "Thái Nguyên, ngày      tháng      năm 2026".
const PdfRect kNumber{146, 842 - 116, 22, 15};
const PdfRect kDay{380, 842 - 116, 22, 15};
const PdfRect kMonth{437, 842 - 116, 22, 15};

}  // namespace

TEST_CASE("leader certifies with empty number/date fields, clerk fills them, seal signs",
          "[pdf][sign][form]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  fs::create_directories(dir / "samples");
  demo::writeSampleDocuments(dir / "samples");
  auto leader = pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto seal = pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::EcP256);

  SignatureRequest certify;
  certify.certification = CertificationLevel::FormFilling;
  certify.textFields = {{"so", 1, kNumber}, {"ngay", 1, kDay}, {"thang", 1, kMonth}};
  auto signedByLeader = dir / "1-leader.pdf";
  signPdf(dir / "samples" / "quyet-dinh.pdf", signedByLeader, certify, *leader);

  auto numbered = dir / "2-numbered.pdf";
  fillTextFields(signedByLeader, numbered, {{"so", "15"}, {"ngay", "05"}, {"thang", "01"}});
  auto sealed = dir / "3-sealed.pdf";
  signPdf(numbered, sealed, {}, *seal);

  std::string a = readFile(signedByLeader), b = readFile(numbered), c = readFile(sealed);
  CHECK(b.compare(0, a.size(), a) == 0);
  CHECK(c.compare(0, b.size(), b) == 0);
  CHECK(runCommand("qpdf --check " + shellQuote(sealed.string())).exitCode == 0);

  auto report = test::pdfsig(pki, sealed);
  INFO(report.output);
  CHECK(count(report.output, "Signature is Valid") == 2);
  CHECK(count(report.output, "Certificate is Trusted") == 2);

  // The values are in the fields and on the page, where the blanks were.
  auto fields =
      runCommand("mutool show " + shellQuote(sealed.string()) + " trailer/Root/AcroForm/Fields");
  INFO(fields.output);
  auto words = runCommand("pdftotext -bbox -f 1 -l 1 " + shellQuote(sealed.string()) + " -");
  INFO(words.output);
  auto at = words.output.find(">15</word>");
  REQUIRE(at != std::string::npos);
  auto line =
      words.output.substr(words.output.rfind("<word", at), at - words.output.rfind("<word", at));
  double xMin = std::stod(line.substr(line.find("xMin=\"") + 6));
  CHECK(xMin > kNumber.x - 1);
  CHECK(xMin < kNumber.x + kNumber.width);
  CHECK(words.output.find(">05</word>") != std::string::npos);
  CHECK(words.output.find(">01</word>") != std::string::npos);

  SECTION("the fill changed only the field objects") {
    // The update between the leader's and the seal's revision holds three fields and their
    // appearances, nothing else that existed before.
    std::string update = b.substr(a.size());
    CHECK(update.find("/Type/Catalog") == std::string::npos);
    CHECK(update.find("/Type/Page") == std::string::npos);
    CHECK(update.find("/Fields") == std::string::npos);
    CHECK(count(update, "/FT/Tx") == 3);
  }
  SECTION("the fields can be placed from the page text instead") {
    SignatureRequest automatic;
    automatic.certification = CertificationLevel::FormFilling;
    automatic.numberDateFields = true;
    auto leaderAuto = dir / "auto-1.pdf";
    signPdf(dir / "samples" / "cong-van.pdf", leaderAuto, automatic, *leader);
    auto filled = dir / "auto-2.pdf";
    fillTextFields(leaderAuto, filled, {{"so", "27"}, {"ngay", "09"}, {"thang", "02"}});
    auto found = findNumberAndDateBlanks(dir / "samples" / "cong-van.pdf");
    auto boxes = runCommand("pdftotext -bbox -f 1 -l 1 " + shellQuote(filled.string()) + " -");
    auto found27 = boxes.output.find(">27</word>");
    REQUIRE(found27 != std::string::npos);
    auto word = boxes.output.substr(boxes.output.rfind("<word", found27));
    double x = std::stod(word.substr(word.find("xMin=\"") + 6));
    CHECK(x >= found.number->x - 0.5);
    CHECK(x <= found.number->x + found.number->width);
    CHECK(count(test::pdfsig(pki, filled).output, "Signature is Valid") == 1);
  }
  SECTION("an unknown field is refused") {
    try {
      fillTextFields(signedByLeader, dir / "x.pdf", {{"nope", "1"}});
      FAIL("filled a field that does not exist");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::NotFound);
    }
    CHECK_FALSE(fs::exists(dir / "x.pdf"));
  }
}

TEST_CASE("a pre-existing empty signature field is signed in place", "[pdf][sign][form]") {
  test::TempDir dir;
  test::SigningPki pki(dir.path());
  auto key = pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto corpus = test::sourceDir() / "tests" / "data" / "corpus" / "unsigned";
  for (const char* file :
       {"dss_unsigned-invisible-sig-field.pdf", "pyhanko_minimal-with-field.pdf",
        "pypdfform_template-with-signature-field.pdf", "dss_pdf-two-fields.pdf"}) {
    INFO(file);
    auto report = runCommand("pdfsig -nocert " + shellQuote((corpus / file).string()));
    auto nameAt = report.output.find("Signature Field Name: ");
    REQUIRE(nameAt != std::string::npos);
    std::string field = report.output.substr(nameAt + 22);
    field = field.substr(0, field.find('\n'));
    SignatureRequest request;
    request.existingField = field;
    auto out = dir / file;
    signPdf(corpus / file, out, request, *key);
    auto after = test::pdfsig(pki, out);
    INFO(after.output);
    CHECK(after.output.find("Signature Field Name: " + field) != std::string::npos);
    CHECK(count(after.output, "Signature is Valid") == 1);
    CHECK(after.output.find("Total document signed") != std::string::npos);
    // No new field: the count of signature fields pdfsig lists is unchanged.
    CHECK(count(after.output, "Signature #") == count(report.output, "Signature #"));

    // Signing the same field twice is refused.
    try {
      signPdf(out, dir / "again.pdf", request, *key);
      FAIL("signed a signed field");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::InvalidState);
    }
  }
}

TEST_CASE("the blanks for number and date are found from the page text", "[pdf][form]") {
  test::TempDir dir;
  fs::create_directories(dir / "samples");
  demo::writeSampleDocuments(dir / "samples");
  for (const char* sample : {"quyet-dinh.pdf", "cong-van.pdf", "ke-hoach.pdf"}) {
    INFO(sample);
    auto blanks = findNumberAndDateBlanks(dir / "samples" / sample);
    REQUIRE(blanks.number.has_value());
    REQUIRE(blanks.day.has_value());
    REQUIRE(blanks.month.has_value());
    // pdftotext reads each blank line as one phrase (the generator marks it with /ActualText):
    // its box must hold the blanks, in order, on its line.
    auto words = runCommand("pdftotext -bbox -f 1 -l 1 " +
                            shellQuote((dir / "samples" / sample).string()) + " -");
    auto phraseBox = [&](const std::string& start) {
      auto at = words.output.find(">" + start);
      REQUIRE(at != std::string::npos);
      auto open = words.output.rfind("<word", at);
      auto line = words.output.substr(open, at - open);
      auto value = [&](const char* key) {
        return std::stod(line.substr(line.find(std::string(key) + "=\"") + std::strlen(key) + 2));
      };
      return std::array<double, 4>{value("xMin"), 842 - value("yMax"), value("xMax"),
                                   842 - value("yMin")};
    };
    auto number = phraseBox("Số:");
    auto date = phraseBox("Thái Nguyên, ngày");
    auto inside = [](const PdfRect& blank, const std::array<double, 4>& box) {
      double middle = blank.y + blank.height / 2;
      return blank.x > box[0] && blank.x + blank.width < box[2] && middle > box[1] &&
             middle < box[3];
    };
    CHECK(inside(*blanks.number, number));
    CHECK(inside(*blanks.day, date));
    CHECK(inside(*blanks.month, date));
    CHECK(blanks.day->x + blanks.day->width < blanks.month->x);
    CHECK(blanks.number->width > 8);
  }
}
