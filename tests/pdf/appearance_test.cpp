// Visible signatures as Decree 30/2020 Phụ lục I wants them, judged by pdftotext, pdffonts and a
// rendering of the page.

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "signing_fixture.h"
#include "vanthu/demo/demo_images.h"
#include "vanthu/demo/png_canvas.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

std::string collapse(const std::string& text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    bool white = c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f';
    if (white) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

struct Fixture {
  test::TempDir dir;
  test::SigningPki pki{dir.path()};
  fs::path samples = dir / "samples";
  fs::path signatureImage = dir / "signature.png";
  fs::path sealImage = dir / "seal.png";
  Fixture() {
    fs::create_directories(samples);
    demo::writeSampleDocuments(samples);
    demo::writeSignatureImage(signatureImage, 7);
    demo::writeSealImage(sealImage);
  }
};

// The gap between "CHỦ TỊCH" and "Phạm Quốc Hùng" in the signer block of the sample decision:
// the position and the name are printed in the document, the leader's signature adds the image.
const PdfRect kLeaderBox{334, 175, 150, 90};
const double kSeal = 113.4;
// The image (600x240) fitted into the box: 150 x 60 at x 334..484, y 190..250.
const double kImageLeft = 334, kImageThird = 384, kImageBottom = 190, kImageTop = 250;

}  // namespace

TEST_CASE("leader and organisation signatures look as Decree 30 says", "[pdf][appearance]") {
  Fixture f;
  auto leader = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::Rsa2048);

  SignatureRequest first;
  first.certification = CertificationLevel::FormFilling;
  first.rectangle = kLeaderBox;
  first.appearance = SignatureAppearance{};
  first.appearance->kind = AppearanceKind::Signer;
  first.appearance->image = f.signatureImage;
  first.appearance->showTime = false;
  auto one = f.dir / "leader.pdf";
  signPdf(f.samples / "quyet-dinh.pdf", one, first, *leader);

  // The seal's right edge on the first third of the image, its centre level with the image's;
  // name and time under it.
  SignatureRequest seal;
  const double sealBottom = (kImageBottom + kImageTop) / 2 - kSeal / 2;
  seal.rectangle = PdfRect{kImageThird - kSeal, sealBottom - 24, kSeal, kSeal + 24};
  seal.appearance = SignatureAppearance{};
  seal.appearance->kind = AppearanceKind::Organisation;
  seal.appearance->image = f.sealImage;
  seal.appearance->name = "Ủy ban nhân dân tỉnh Thái Nguyên";
  auto two = f.dir / "sealed.pdf";
  signPdf(one, two, seal, *organisation);

  auto report = test::pdfsig(f.pki, two);
  INFO(report.output);
  CHECK(report.output.find("Total document signed") != std::string::npos);

  SECTION("pdftotext returns the appearance text exactly") {
    auto text = runCommand("pdftotext -enc UTF-8 " + shellQuote(two.string()) + " -");
    REQUIRE(text.exitCode == 0);
    std::string page = collapse(text.output);
    for (const auto& line : appearanceText(*seal.appearance, appearanceTime(seal.signingTime))) {
      INFO(line);
      CHECK(page.find(line) != std::string::npos);
    }
  }

  SECTION("the fonts are embedded subsets with a different random tag per signature") {
    auto tagsOf = [](const fs::path& pdf) {
      auto fonts = runCommand("pdffonts " + shellQuote(pdf.string()));
      std::vector<std::string> tags;
      std::istringstream lines(fonts.output);
      std::string line;
      while (std::getline(lines, line)) {
        auto plus = line.find("+LiberationSerif");
        if (plus == std::string::npos) continue;
        CHECK(line.find("yes yes yes") != std::string::npos);  // embedded, subset, ToUnicode
        CHECK(line.find("Identity-H") != std::string::npos);
        tags.push_back(line.substr(plus - 6, 6));
      }
      return tags;
    };
    auto before = tagsOf(f.samples / "quyet-dinh.pdf");
    std::vector<std::string> tags;
    for (const auto& tag : tagsOf(two)) {
      if (std::find(before.begin(), before.end(), tag) == before.end()) tags.push_back(tag);
    }
    REQUIRE(tags.size() >= 2);  // the seal's text needs two faces, the leader's none
    std::sort(tags.begin(), tags.end());
    CHECK(std::unique(tags.begin(), tags.end()) == tags.end());
    for (const auto& tag : tags) CHECK(tag != "AAAAAA");
  }

  SECTION("the rendered page shows the red seal over the left third of the blue signature") {
    // 72 dpi: one pixel per point; y is measured from the top of the 842 pt page.
    auto render = runCommand("pdftoppm -r 72 -png -f 1 -l 1 " + shellQuote(two.string()) + " " +
                             shellQuote((f.dir / "page").string()));
    REQUIRE(render.exitCode == 0);
    fs::path png = f.dir / "page-1.png";
    REQUIRE(fs::exists(png));
    auto page = demo::PngCanvas::readPng(png);
    auto isRed = [](const demo::Rgba& p) { return p.r > 150 && p.g < 110 && p.b < 110; };
    auto isBlue = [](const demo::Rgba& p) { return p.b > 110 && p.r < 110 && p.b > p.r + 40; };
    auto count = [&](int x0, int x1, int y0, int y1, auto predicate) {
      int n = 0;
      for (int y = y0; y < y1; ++y) {
        for (int x = x0; x < x1; ++x) n += predicate(page.pixel(x, y)) ? 1 : 0;
      }
      return n;
    };
    const int top = 842 - int(kImageTop);  // the signature image, in pixels from the top
    const int bottom = 842 - int(kImageBottom);
    const int left = int(kImageLeft), third = int(kImageThird), right = int(kImageLeft + 150);
    int blueLeftThird = count(left, third, top, bottom, isBlue);
    int redLeftThird = count(left, third, top, bottom, isRed);
    int blueRest = count(third, right, top, bottom, isBlue);
    int redRest = count(third + 10, right, top, bottom, isRed);
    INFO("blue left third " << blueLeftThird << ", red left third " << redLeftThird
                            << ", blue rest " << blueRest << ", red rest " << redRest);
    CHECK(redLeftThird > 100);  // the seal covers the left third ...
    CHECK(blueRest > 100);      // ... and the rest of the signature stays blue
    CHECK(redRest < redLeftThird / 10);
    CHECK(count(int(kImageThird - kSeal), left, top - 20, bottom + 20, isRed) > 300);
  }
}

TEST_CASE("an attachment signature is text only at the top right of page 1", "[pdf][appearance]") {
  Fixture f;
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::EcP256);
  SignatureRequest request;
  request.appearance = SignatureAppearance{};
  request.appearance->kind = AppearanceKind::Attachment;
  request.appearance->headingLines = {"Số: 15/QĐ-UBND"};
  auto out = f.dir / "attachment.pdf";
  signPdf(f.samples / "ke-hoach.pdf", out, request, *organisation);
  auto text = runCommand("pdftotext -enc UTF-8 -f 1 -l 1 -x 300 -y 0 -W 295 -H 80 " +
                         shellQuote(out.string()) + " -");
  INFO(text.output);
  CHECK(collapse(text.output).find("Số: 15/QĐ-UBND") != std::string::npos);
  CHECK(collapse(text.output).find(appearanceTime(request.signingTime)) != std::string::npos);
  auto images = runCommand("pdfimages -list " + shellQuote(out.string()));
  auto original =
      runCommand("pdfimages -list " + shellQuote((f.samples / "ke-hoach.pdf").string()));
  CHECK(images.output == original.output);  // no image added
}

TEST_CASE("appearance text is NFC and every glyph must exist", "[pdf][appearance]") {
  Fixture f;
  auto key = f.pki.signer("Nguyễn Thị Lan", KeyAlgorithm::EcP256);
  SignatureRequest request;
  request.rectangle = kLeaderBox;
  request.appearance = SignatureAppearance{};
  request.appearance->image = f.signatureImage;

  SECTION("decomposed input comes out composed") {
    // "Nguyễn Thị Lan" typed with combining marks (NFD), as some keyboards produce it.
    request.appearance->name = "Nguye\xcc\x82\xcc\x83n Thi\xcc\xa3 Lan";
    auto out = f.dir / "nfc.pdf";
    signPdf(f.samples / "quyet-dinh.pdf", out, request, *key);
    auto text = runCommand("pdftotext -enc UTF-8 " + shellQuote(out.string()) + " -");
    CHECK(text.output.find("Nguyễn Thị Lan") != std::string::npos);
  }
  SECTION("a character Liberation Serif lacks is an error, not a blank") {
    request.appearance->name = "Nguyễn 测试";
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", f.dir / "x.pdf", request, *key);
          }) == ErrorCode::InvalidArgument);
    CHECK_FALSE(fs::exists(f.dir / "x.pdf"));
  }
  SECTION("a missing image is named") {
    request.appearance->image = f.dir / "no-such.png";
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", f.dir / "x.pdf", request, *key);
          }) == ErrorCode::IoFailure);
  }
  SECTION("a seal box smaller than the seal's actual size is refused") {
    request.appearance->kind = AppearanceKind::Organisation;
    request.rectangle = PdfRect{300, 300, 80, 80};
    CHECK(vanthu::test::errorCodeOf([&] {
            signPdf(f.samples / "quyet-dinh.pdf", f.dir / "x.pdf", request, *key);
          }) == ErrorCode::InvalidArgument);
  }
}
