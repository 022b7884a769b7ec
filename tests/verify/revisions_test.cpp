// The strict revision reader on real files: the vendored corpus, the demo documents and files
// signed by our own signer, plus hand-damaged variants (loops, truncation, trailing bytes).

#include <catch2/catch.hpp>
#include <fstream>

#include "signing_fixture.h"
#include "test_support.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/pdf_signer.h"
#include "verify/pdf_revisions.h"

using namespace vanthu;
using namespace vanthu::signing;
using namespace vanthu::signing::detail;
namespace fs = std::filesystem;

namespace {

fs::path corpus(const std::string& name) {
  return test::sourceDir() / "tests" / "data" / "corpus" / name;
}

// Offsets just after each "%%EOF" and its EOL, as a careful reader of the bytes sees them.
std::vector<uint64_t> eofEnds(const std::string& bytes) {
  std::vector<uint64_t> ends;
  for (size_t at = 0; (at = bytes.find("%%EOF", at)) != std::string::npos; at += 5) {
    uint64_t end = at + 5;
    if (end < bytes.size() && bytes[end] == '\r') ++end;
    if (end < bytes.size() && bytes[end] == '\n') ++end;
    ends.push_back(end);
  }
  return ends;
}

std::vector<uint64_t> endsOf(const RevisionIndex& index) {
  std::vector<uint64_t> ends;
  for (const auto& revision : index.revisions) ends.push_back(revision.end);
  return ends;
}

void writeBytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

// A one-page PDF with a classic table and exact offsets.
std::string minimalPdf() {
  std::vector<std::string> objects = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
      "<< /Length 8 >>\nstream\n0 0 m S\n\nendstream",
  };
  std::string pdf = "%PDF-1.7\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  size_t xref = pdf.size();
  pdf += "xref\n0 5\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[21];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  pdf += "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

// Appends an update redefining object 4 whose trailer says /Prev `prev`.
std::string appendUpdate(const std::string& base, const std::string& prev) {
  std::string pdf = base;
  size_t object = pdf.size();
  pdf += "4 0 obj\n<< /Length 0 >>\nstream\n\nendstream\nendobj\n";
  size_t xref = pdf.size();
  char line[21];
  std::snprintf(line, sizeof line, "%010zu 00000 n \n", object);
  pdf += "xref\n4 1\n" + std::string(line) + "trailer\n<< /Size 5 /Root 1 0 R /Prev " + prev +
         " >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
  return pdf;
}

ErrorCode readError(const fs::path& path) {
  return test::errorCodeOf([&] {
    MappedFile file(path);
    readRevisions(file);
  });
}

}  // namespace

TEST_CASE("mapped file: bytes, empty files and missing files", "[verify][revisions]") {
  test::TempDir dir;
  writeBytes(dir / "a.pdf", "%PDF-1.7\nhello");
  MappedFile file(dir / "a.pdf");
  CHECK(file.size() == 14);
  CHECK(file.bytes() == "%PDF-1.7\nhello");
  writeBytes(dir / "empty.pdf", "");
  MappedFile empty(dir / "empty.pdf");
  CHECK(empty.size() == 0);
  CHECK(empty.bytes().empty());
  CHECK(test::errorCodeOf([&] { MappedFile missing(dir / "missing.pdf"); }) == ErrorCode::NotFound);
  CHECK(readError(dir / "empty.pdf") == ErrorCode::InvalidPdf);
}

TEST_CASE("a file with six revisions: each ends after its %%EOF", "[verify][revisions]") {
  auto path = corpus("signed/dss_DSS1376-rev_n.pdf");
  MappedFile file(path);
  RevisionIndex index = readRevisions(file);
  std::string bytes(file.bytes());
  REQUIRE(index.revisions.size() == 6);
  CHECK(endsOf(index) == eofEnds(bytes));
  CHECK(index.eofMarkers.size() == 6);
  CHECK(index.problems.empty());
  CHECK(index.revisions.back().end == bytes.size());
  for (size_t k = 0; k < index.revisions.size(); ++k) {
    CHECK(index.revisionEndingAt(index.revisions[k].end) == k);
    CHECK(index.revisionEndingAt(index.eofMarkers[k]) == k);
    // startxref of each revision points at its own section.
    CHECK(index.revisions[k].xrefOffset < index.revisions[k].end);
    if (k > 0) CHECK(index.revisions[k].xrefOffset >= index.revisions[k - 1].end);
  }
  CHECK_FALSE(index.revisionEndingAt(12345).has_value());

  // Objects of later revisions: lookup sees the newest entry, changedBetween the differences.
  auto changed = index.changedBetween(0, 5);
  CHECK_FALSE(changed.empty());
  CHECK(std::is_sorted(changed.begin(), changed.end()));
  for (uint32_t number : changed) CHECK(index.lookup(0, number) != index.lookup(5, number));

  // Each revision's view sees a catalog.
  RevisionViews views(file, index);
  for (size_t k = 0; k < index.revisions.size(); ++k) {
    CHECK(views.at(k).catalog() != nullptr);
    CHECK(views.at(k).revision() == k);
  }
}

TEST_CASE("corpus files of each cross-reference kind", "[verify][revisions]") {
  SECTION("signed once, classic tables") {
    MappedFile file(corpus("signed/dss_pdf-signed-original.pdf"));
    auto index = readRevisions(file);
    CHECK(index.revisions.size() == 2);
    CHECK(endsOf(index) == eofEnds(std::string(file.bytes())));
    CHECK(index.problems.empty());
  }
  SECTION("%%EOF followed by a lone CR") {
    MappedFile file(corpus("signed/dss_pdf-with-eof-cr.pdf"));
    auto index = readRevisions(file);
    CHECK(index.revisions.size() == 2);
    CHECK(endsOf(index) == eofEnds(std::string(file.bytes())));
  }
  SECTION("xref stream and object streams") {
    MappedFile file(corpus("unsigned/dss_pdf-xref-streams.pdf"));
    auto index = readRevisions(file);
    REQUIRE(index.revisions.size() == 1);
    CHECK(index.revisions[0].xrefStream);
    CHECK(index.revisions[0].end == file.size());
    RevisionViews views(file, index);
    CHECK(views.at(0).catalog() != nullptr);
  }
  SECTION("hybrid: the /XRefStm entries belong to the same revision") {
    MappedFile file(corpus("unsigned/pyhanko_minimal-hybrid-xref.pdf"));
    auto index = readRevisions(file);
    REQUIRE(!index.revisions.empty());
    bool hybrid = false;
    for (const auto& revision : index.revisions) hybrid = hybrid || revision.hybrid;
    CHECK(hybrid);
  }
  SECTION("linearized: the first-page section is part of the one revision") {
    MappedFile file(corpus("unsigned/qpdf_minimal-linearized.pdf"));
    auto index = readRevisions(file);
    CHECK(index.revisions.size() == 1);
    CHECK(index.eofMarkers.size() == 2);
    CHECK(index.revisions[0].end == eofEnds(std::string(file.bytes())).back());
    INFO((index.problems.empty() ? std::string() : index.problems[0]));
    CHECK(index.problems.empty());
  }
  SECTION("an incremental update") {
    MappedFile file(corpus("unsigned/qpdf_incremental-2.pdf"));
    auto index = readRevisions(file);
    CHECK(index.revisions.size() == 2);
    CHECK(endsOf(index) == eofEnds(std::string(file.bytes())));
  }
}

TEST_CASE("demo documents and a document signed three times", "[verify][revisions][slow]") {
  test::TempDir dir;
  fs::create_directories(dir / "samples");
  demo::writeSampleDocuments(dir / "samples");

  SECTION("classic and xref-stream samples are one revision each") {
    for (const char* name : {"quyet-dinh.pdf", "ke-hoach.pdf"}) {
      MappedFile file(dir / "samples" / name);
      auto index = readRevisions(file);
      INFO(name);
      CHECK(index.revisions.size() == 1);
      CHECK(index.revisions[0].end == file.size());
      CHECK(index.problems.empty());
      RevisionViews views(file, index);
      const auto* catalog = views.at(0).catalog();
      REQUIRE(catalog != nullptr);
      CHECK(views.at(0).get(*catalog, "Pages") != nullptr);
      CHECK_FALSE(views.at(0).encrypted());
    }
    MappedFile streams(dir / "samples" / "ke-hoach.pdf");
    auto index = readRevisions(streams);
    CHECK(index.revisions[0].xrefStream);
    bool compressed = false;
    for (const auto& [number, entry] : index.revisions[0].entries) {
      compressed = compressed || entry.type == XrefEntryType::InObjectStream;
    }
    CHECK(compressed);
  }

  SECTION("each signature adds a revision; earlier files are prefixes") {
    fs::create_directories(dir / "pki");
    test::SigningPki pki(dir / "pki");
    auto key = pki.signer("Nguyễn Văn An", KeyAlgorithm::EcP256);
    fs::path input = dir / "samples" / "quyet-dinh.pdf";
    std::vector<fs::path> signedFiles;
    for (int i = 1; i <= 3; ++i) {
      fs::path out = dir / ("signed-" + std::to_string(i) + ".pdf");
      signPdf(input, out, {}, *key);
      signedFiles.push_back(out);
      input = out;
    }
    MappedFile last(signedFiles.back());
    auto index = readRevisions(last);
    REQUIRE(index.revisions.size() == 4);
    CHECK(index.problems.empty());
    CHECK(endsOf(index) == eofEnds(std::string(last.bytes())));
    for (size_t i = 0; i < signedFiles.size(); ++i) {
      // The file signed i+1 times ends where revision i+1 of the last one ends.
      CHECK(fs::file_size(signedFiles[i]) == index.revisions[i + 1].end);
    }
    RevisionViews views(last, index);
    for (size_t k = 0; k < 4; ++k) CHECK(views.at(k).catalog() != nullptr);
  }
}

TEST_CASE("strictness: loops, truncation, stray bytes", "[verify][revisions]") {
  test::TempDir dir;
  const std::string base = minimalPdf();
  writeBytes(dir / "base.pdf", base);
  {
    MappedFile file(dir / "base.pdf");
    auto index = readRevisions(file);
    REQUIRE(index.revisions.size() == 1);
    CHECK(index.revisions[0].end == base.size());
    CHECK(index.revisions[0].entries.size() == 5);
    CHECK(index.revisions[0].size == 5);
    CHECK(index.problems.empty());
    RevisionViews views(file, index);
    CHECK(views.at(0).object(PoDoFo::PdfReference(3, 0)) != nullptr);
    CHECK(views.at(0).object(PoDoFo::PdfReference(9, 0)) == nullptr);
  }

  SECTION("a well-formed update") {
    size_t xref = base.find("xref\n");
    std::string updated = appendUpdate(base, std::to_string(xref));
    writeBytes(dir / "updated.pdf", updated);
    MappedFile file(dir / "updated.pdf");
    auto index = readRevisions(file);
    REQUIRE(index.revisions.size() == 2);
    CHECK(index.revisions[0].end == base.size());
    CHECK(index.revisions[1].end == updated.size());
    CHECK(index.changedBetween(0, 1) == std::vector<uint32_t>{4});
    CHECK(index.lookup(1, 4)->offset == base.size());
    CHECK(index.lookup(1, 3) == index.lookup(0, 3));
    CHECK_FALSE(index.lookup(1, 7).has_value());
    CHECK(index.problems.empty());
  }

  SECTION("a /Prev loop is invalid") {
    // The update's /Prev points at its own section.
    std::string looped = appendUpdate(base, std::to_string(base.size() + 49));
    REQUIRE(looped.compare(base.size() + 49, 4, "xref") == 0);
    writeBytes(dir / "loop.pdf", looped);
    CHECK(readError(dir / "loop.pdf") == ErrorCode::InvalidPdf);
  }

  SECTION("a /Prev that points at no xref section is invalid, not repaired") {
    writeBytes(dir / "prev.pdf", appendUpdate(base, "20"));
    CHECK(readError(dir / "prev.pdf") == ErrorCode::InvalidPdf);
  }

  SECTION("a truncated file is invalid") {
    writeBytes(dir / "cut.pdf", base.substr(0, base.size() / 2));
    CHECK(readError(dir / "cut.pdf") == ErrorCode::InvalidPdf);
    std::string cutTable = base;
    cutTable.replace(cutTable.find("0000000000 65535 f"), 18, "00000000xx 65535 f");
    writeBytes(dir / "table.pdf", cutTable);
    CHECK(readError(dir / "table.pdf") == ErrorCode::InvalidPdf);
  }

  SECTION("implausible /Size") {
    std::string huge = base;
    huge.replace(huge.find("/Size 5"), 7, "/Size 99999999");
    writeBytes(dir / "huge.pdf", huge);
    CHECK(readError(dir / "huge.pdf") == ErrorCode::InvalidPdf);
  }

  SECTION("bytes after the last %%EOF and an %%EOF no section accounts for") {
    writeBytes(dir / "tail.pdf", base + "abc");
    MappedFile file(dir / "tail.pdf");
    auto index = readRevisions(file);
    REQUIRE(index.problems.size() == 1);
    CHECK(index.problems[0] == "3 bytes after the last %%EOF");

    writeBytes(dir / "eof.pdf", base + "%%EOF\n");
    MappedFile eofFile(dir / "eof.pdf");
    auto eofIndex = readRevisions(eofFile);
    CHECK(eofIndex.eofMarkers.size() == 2);
    CHECK(eofIndex.problems.size() == 2);  // the stray %%EOF and the bytes after the end
  }
}
