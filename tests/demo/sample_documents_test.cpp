#include "vanthu/demo/sample_documents.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "test_support.h"
#include "vanthu/workflow/error.h"

using vanthu::ErrorCode;
using vanthu::demo::expectedText;
using vanthu::demo::OfficialDocumentLayout;
using vanthu::demo::renderOfficialDocument;
using vanthu::demo::SampleDocument;
using vanthu::demo::sampleDocuments;
using vanthu::demo::writeSampleDocuments;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::TempDir;

namespace {

std::string collapse(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string word; in >> word;) out += (out.empty() ? "" : " ") + word;
  return out;
}

std::vector<std::string> sortedWords(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  std::sort(words.begin(), words.end());
  return words;
}

/// Where `paragraph` starts in `text` at or after `from`, also when a page break put the next
/// page's number between two of its words.
size_t findParagraph(const std::string& text, const std::string& paragraph, size_t from) {
  const std::string whole = collapse(paragraph);
  if (const auto at = text.find(whole, from); at != std::string::npos) return at;
  for (size_t space = whole.find(' '); space != std::string::npos;
       space = whole.find(' ', space + 1)) {
    for (int page = 2; page < 10; ++page) {
      const std::string split =
          whole.substr(0, space) + " " + std::to_string(page) + whole.substr(space);
      if (const auto at = text.find(split, from); at != std::string::npos) return at;
    }
  }
  return std::string::npos;
}

const SampleDocument& sample(const std::string& fileName) {
  for (const auto& d : sampleDocuments()) {
    if (d.fileName == fileName) return d;
  }
  FAIL("no sample " << fileName);
  throw std::logic_error("unreachable");
}

/// Runs `command FILE suffix`, requires exit status 0 and returns the output.
std::string tool(const std::string& command, const std::filesystem::path& file,
                 const std::string& suffix = "") {
  const auto result = runCommand(command + " " + shellQuote(file.string()) + suffix);
  INFO(command << " output: " << result.output);
  REQUIRE(result.exitCode == 0);
  return result.output;
}

vanthu::ErrorCode renderError(const OfficialDocumentLayout& layout,
                              const std::filesystem::path& out, std::string* message = nullptr) {
  try {
    renderOfficialDocument(layout, out);
  } catch (const vanthu::Error& e) {
    if (message != nullptr) *message = e.what();
    return e.code();
  }
  return ErrorCode::Unknown;
}

}  // namespace

TEST_CASE("the demo set holds the three documents of UBND tỉnh Thái Nguyên", "[demo][pdf]") {
  const auto& docs = sampleDocuments();
  REQUIRE(docs.size() >= 3);
  CHECK(sample("quyet-dinh.pdf").layout.typeName == "QUYẾT ĐỊNH");
  CHECK(sample("quyet-dinh.pdf").layout.numberNotation == "Số:      /QĐ-UBND");
  CHECK(sample("quyet-dinh.pdf").layout.signerName == "Phạm Quốc Hùng");
  CHECK_FALSE(sample("quyet-dinh.pdf").options.xrefStream);
  CHECK(sample("cong-van.pdf").layout.typeName.empty());
  CHECK(sample("cong-van.pdf").layout.numberNotation == "Số:      /UBND-VP");
  CHECK(sample("cong-van.pdf").layout.authorityMarker == "KT. CHỦ TỊCH");
  CHECK(sample("cong-van.pdf").layout.signerName == "Đỗ Minh Tuấn");
  CHECK(sample("ke-hoach.pdf").layout.numberNotation == "Số:      /KH-UBND");
  CHECK(sample("ke-hoach.pdf").options.xrefStream);
  for (const auto& d : docs) {
    INFO(d.fileName);
    REQUIRE_FALSE(d.layout.recipients.empty());
    CHECK(d.layout.recipients.back().rfind("- Lưu: VT, ", 0) == 0);
  }
}

TEST_CASE("the sample PDFs pass qpdf --check and render in mutool", "[demo][pdf]") {
  TempDir dir;
  const auto paths = writeSampleDocuments(dir.path());
  REQUIRE(paths.size() == sampleDocuments().size());
  for (const auto& path : paths) {
    INFO(path);
    const std::string check = tool("qpdf --check", path);
    CHECK(check.find("No syntax or stream encoding errors found") != std::string::npos);
    CHECK(check.find("WARNING") == std::string::npos);

    const auto draw = runCommand("mutool draw -o /dev/null " + shellQuote(path.string()));
    INFO(draw.output);
    CHECK(draw.exitCode == 0);
    std::string lower = draw.output;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    CHECK(lower.find("error") == std::string::npos);
  }
}

TEST_CASE("pdftotext gives back the exact Vietnamese text", "[demo][pdf]") {
  TempDir dir;
  const auto paths = writeSampleDocuments(dir.path());
  for (size_t i = 0; i < paths.size(); ++i) {
    const auto& doc = sampleDocuments()[i];
    INFO(doc.fileName);
    const std::string expected = expectedText(doc);
    // Content-stream order: exactly the layout's lines, page numbers included.
    CHECK(collapse(tool("pdftotext -raw -enc UTF-8", paths[i], " -")) == expected);
    // Plain (column-detecting) mode: the same words, and every body paragraph intact.
    const std::string plain = collapse(tool("pdftotext -enc UTF-8", paths[i], " -"));
    CHECK(sortedWords(plain) == sortedWords(expected));
    size_t from = 0;
    for (const auto& paragraph : doc.layout.bodyParagraphs) {
      const auto at = findParagraph(plain, paragraph, from);
      INFO(paragraph);
      CHECK(at != std::string::npos);
      if (at != std::string::npos) from = at;
    }
    CHECK(plain.find("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") != std::string::npos);
    CHECK(plain.find("Độc lập - Tự do - Hạnh phúc") != std::string::npos);
    CHECK(plain.find(collapse(doc.layout.numberNotation)) != std::string::npos);
    CHECK(plain.find(doc.layout.signerName) != std::string::npos);
  }
}

TEST_CASE("expectedText lists the layout's lines in order with page numbers", "[demo][pdf]") {
  const auto& letter = sample("cong-van.pdf");
  const std::string text = expectedText(letter);
  CHECK(text.rfind("ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 0) == 0);
  CHECK(text.find("Số: /UBND-VP V/v " + letter.layout.subject +
                  " KHẨN Thái Nguyên, ngày tháng năm 2026 Kính gửi:") != std::string::npos);
  // Pages 2 and 3 start with their number, somewhere inside the body.
  CHECK(text.find(" 2 ") != std::string::npos);
  CHECK(text.find(" 3 ") != std::string::npos);
  CHECK(text.size() > 5000);
  const auto tail =
      "Nơi nhận: - Như trên; - CT, các PCT UBND tỉnh; - Sở Khoa học và Công nghệ; - "
      "Trung tâm Thông tin tỉnh; - Lưu: VT, VP, HCTC. KT. CHỦ TỊCH PHÓ CHỦ TỊCH Đỗ "
      "Minh Tuấn";
  CHECK(text.size() >= std::string(tail).size());
  CHECK(text.substr(text.size() - std::string(tail).size()) == tail);
}

TEST_CASE("the fonts are embedded subsets with Identity-H", "[demo][pdf]") {
  TempDir dir;
  for (const auto& path : writeSampleDocuments(dir.path())) {
    INFO(path);
    std::istringstream lines(tool("pdffonts", path));
    std::string line;
    std::getline(lines, line);  // header
    std::getline(lines, line);  // rule
    int fonts = 0;
    while (std::getline(lines, line)) {
      if (line.empty()) continue;
      ++fonts;
      INFO(line);
      CHECK(line.find("LiberationSerif") != std::string::npos);
      CHECK(line.find("CID TrueType") != std::string::npos);
      CHECK(line.find("Identity-H") != std::string::npos);
      CHECK(std::regex_search(line, std::regex(R"(Identity-H\s+yes\s+yes\s+yes)")));  // emb sub uni
    }
    CHECK(fonts >= 3);  // regular, bold, italic (+ bold italic for "Nơi nhận:")
  }
}

TEST_CASE("pdfinfo: A4 pages, page counts and the document info", "[demo][pdf]") {
  TempDir dir;
  const auto paths = writeSampleDocuments(dir.path());
  for (size_t i = 0; i < paths.size(); ++i) {
    const auto& doc = sampleDocuments()[i];
    INFO(doc.fileName);
    const std::string info = tool("pdfinfo", paths[i]);
    CHECK(std::regex_search(info, std::regex(R"(Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\))")));
    std::smatch pages;
    REQUIRE(std::regex_search(info, pages, std::regex(R"(Pages:\s+(\d+))")));
    const int count = std::stoi(pages[1]);
    if (doc.fileName == "quyet-dinh.pdf") CHECK(count == 1);
    if (doc.fileName == "cong-van.pdf") CHECK(count >= 3);
    CHECK(info.find("Title:           " + doc.layout.subject) != std::string::npos);
    CHECK(info.find("Producer:        vanthu") != std::string::npos);
    CHECK(info.find("Creator:         vanthu demo") != std::string::npos);
  }
}

TEST_CASE("ke-hoach.pdf has a cross-reference stream and an object stream", "[demo][pdf]") {
  TempDir dir;
  writeSampleDocuments(dir.path());
  const std::string planBytes = readFile(dir / "ke-hoach.pdf");
  CHECK(planBytes.rfind("%PDF-1.5", 0) == 0);
  CHECK(planBytes.find("/Type/XRef") != std::string::npos);
  CHECK(planBytes.find("/Type/ObjStm") != std::string::npos);
  CHECK(planBytes.find("\nxref\n") == std::string::npos);
  CHECK(planBytes.find("trailer") == std::string::npos);

  const std::string xref = tool("qpdf --show-xref", dir / "ke-hoach.pdf");
  CHECK(xref.find("compressed; stream = ") != std::string::npos);  // type-2 entries
  CHECK(xref.find("uncompressed; offset = ") != std::string::npos);

  // The classic files keep a classic table.
  const std::string decisionBytes = readFile(dir / "quyet-dinh.pdf");
  CHECK(decisionBytes.find("\nxref\n") != std::string::npos);
  CHECK(decisionBytes.find("/ObjStm") == std::string::npos);
}

TEST_CASE("rendering is deterministic", "[demo][pdf]") {
  TempDir first;
  TempDir second;
  writeSampleDocuments(first.path());
  writeSampleDocuments(second.path());
  for (const auto& d : sampleDocuments()) {
    INFO(d.fileName);
    CHECK(readFile(first / d.fileName) == readFile(second / d.fileName));
  }
}

TEST_CASE("characters without a glyph are rejected with InvalidArgument", "[demo][pdf]") {
  TempDir dir;
  const auto out = dir / "bad.pdf";
  OfficialDocumentLayout layout = sample("quyet-dinh.pdf").layout;

  SECTION("a CJK ideograph in the body") {
    layout.bodyParagraphs.push_back(
        "Điều 4. Chữ \xE4\xB8\x80 không có trong phông chữ.");  // U+4E00
    std::string message;
    CHECK(renderError(layout, out, &message) == ErrorCode::InvalidArgument);
    CHECK(message.find("U+4E00") != std::string::npos);
  }
  SECTION("an emoji in the signer's name") {
    layout.signerName = "Phạm Quốc Hùng \xF0\x9F\x98\x80";  // U+1F600
    std::string message;
    CHECK(renderError(layout, out, &message) == ErrorCode::InvalidArgument);
    CHECK(message.find("U+1F600") != std::string::npos);
  }
  SECTION("malformed UTF-8 in the subject") {
    layout.subject = "Về việc \xC3";
    CHECK(renderError(layout, out) == ErrorCode::InvalidArgument);
  }
  CHECK_FALSE(std::filesystem::exists(out));
  CHECK(std::filesystem::is_empty(dir.path()));  // no temporary file left behind
}

TEST_CASE("an incomplete layout or an unwritable target is reported", "[demo][pdf]") {
  TempDir dir;
  OfficialDocumentLayout layout = sample("quyet-dinh.pdf").layout;
  SECTION("no signer") {
    layout.signerName.clear();
    CHECK(renderError(layout, dir / "x.pdf") == ErrorCode::InvalidArgument);
  }
  SECTION("a directory that does not exist") {
    std::string message;
    CHECK(renderError(layout, dir / "missing" / "x.pdf", &message) == ErrorCode::IoFailure);
    CHECK(message.find("missing") != std::string::npos);
  }
}
