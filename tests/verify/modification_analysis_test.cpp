// What changed after a signature, on files signed by our own signer and then updated, either
// with the project's API (form filling, another signature) or with hand-written incremental
// updates (page content, re-pointing to shadow objects, a new annotation).

#include "verify/modification_analysis.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "signing_fixture.h"
#include "test_support.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/pdf_signer.h"

using namespace vanthu;
using namespace vanthu::signing;
using namespace vanthu::signing::detail;
namespace fs = std::filesystem;

namespace {

const PdfRect kNumber{146, 842 - 116, 22, 15};

std::string joined(const std::vector<std::string>& lines) {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  return text;
}

bool anyContains(const std::vector<std::string>& lines, const std::string& what) {
  for (const auto& line : lines) {
    if (line.find(what) != std::string::npos) return true;
  }
  return false;
}

std::string serialise(const PoDoFo::PdfObject& object) {
  std::string text;
  object.ToString(text);
  return text;
}

// Appends an incremental update with `objects` (number → body including any stream) and a
// classic table whose trailer has /Prev to the file's last section.
void appendUpdate(const fs::path& path, const std::map<uint32_t, std::string>& objects) {
  MappedFile file(path);
  RevisionIndex index = readRevisions(file);
  RevisionViews views(file, index);
  const auto& trailer = views.at(index.revisions.size() - 1).trailer();
  std::string root = serialise(*trailer.GetDictionary().GetKey("Root"));
  int64_t size = index.revisions.back().size;
  for (const auto& [number, body] : objects) size = std::max<int64_t>(size, number + 1);
  std::string pdf(file.bytes());
  std::string update;
  std::map<uint32_t, size_t> offsets;
  for (const auto& [number, body] : objects) {
    offsets[number] = pdf.size() + update.size();
    update += std::to_string(number) + " 0 obj\n" + body + "\nendobj\n";
  }
  size_t xref = pdf.size() + update.size();
  update += "xref\n";
  for (const auto& [number, offset] : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%u 1\n%010zu 00000 n \n", number, offset);
    update += line;
  }
  update += "trailer\n<< /Size " + std::to_string(size) + " /Root " + root + " /Prev " +
            std::to_string(index.revisions.back().xrefOffset) + " >>\nstartxref\n" +
            std::to_string(xref) + "\n%%EOF\n";
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << update;
}

struct Document {
  std::unique_ptr<MappedFile> file;
  RevisionIndex index;
  std::unique_ptr<RevisionViews> views;
  explicit Document(const fs::path& path)
      : file(std::make_unique<MappedFile>(path)), index(readRevisions(*file)) {
    views = std::make_unique<RevisionViews>(*file, index);
  }
  RevisionView& last() { return views->at(index.revisions.size() - 1); }
  // The first page's reference and dictionary in the newest revision.
  std::pair<PoDoFo::PdfReference, const PoDoFo::PdfObject*> page1() {
    const auto* pages = last().get(*last().catalog(), "Pages");
    const auto& kid = last().get(*pages, "Kids")->GetArray()[0];
    return {kid.GetReference(), last().resolve(&kid)};
  }
};

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<test::SigningPki> pki;
  std::unique_ptr<test::InMemoryKey> key;
  Fixture() {
    fs::create_directories(dir / "samples");
    fs::create_directories(dir / "pki");
    demo::writeSampleDocuments(dir / "samples");
    pki = std::make_unique<test::SigningPki>(dir / "pki");
    key = pki->signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  }
  // The sample decision certified with `level` and an empty text field "so".
  fs::path certified(CertificationLevel level, const fs::path& input = {}) {
    SignatureRequest request;
    request.certification = level;
    request.fieldName = "Leader";
    request.textFields = {{"so", 1, kNumber}};
    fs::path out = dir / "certified.pdf";
    signPdf(input.empty() ? dir / "samples" / "quyet-dinh.pdf" : input, out, request, *key);
    return out;
  }
};

ModificationFindings analyse(const fs::path& path, size_t signedRevision, int permission) {
  Document document(path);
  ChangePolicy policy;
  policy.docMdpPermission = permission;
  return analyseChangesAfter(*document.views, signedRevision, "Leader", policy);
}

}  // namespace

TEST_CASE("nothing after the signed revision", "[verify][diff]") {
  auto path = test::sourceDir() / "tests/data/corpus/signed/dss_pdf-signed-original.pdf";
  Document document(path);
  REQUIRE(document.index.revisions.size() == 2);
  auto findings = analyseChangesAfter(*document.views, 1, "Signature1", {});
  CHECK(findings.level == ModificationLevel::None);
  CHECK(findings.changes.empty());
  CHECK(findings.suspicious.empty());
  CHECK(findings.violations.empty());
}

TEST_CASE("P=2 certification, the field filled, a second signature: form filling",
          "[verify][diff][slow]") {
  Fixture f;
  fs::path certified = f.certified(CertificationLevel::FormFilling);
  fs::path filled = f.dir / "filled.pdf";
  fillTextFields(certified, filled, {{"so", "15"}});
  fs::path sealed = f.dir / "sealed.pdf";
  signPdf(filled, sealed, {}, *f.key);

  auto findings = analyse(sealed, 1, 2);
  INFO(joined(findings.changes) + joined(findings.suspicious) + joined(findings.violations));
  CHECK(findings.level == ModificationLevel::FormFilling);
  CHECK(findings.suspicious.empty());
  CHECK(findings.violations.empty());
  CHECK(anyContains(findings.changes, "field 'so' value filled"));

  SECTION("a locked field's value may not change") {
    Document document(sealed);
    ChangePolicy policy;
    policy.docMdpPermission = 2;
    policy.lockedFields = {"so"};
    auto locked = analyseChangesAfter(*document.views, 1, "Leader", policy);
    CHECK(anyContains(locked.violations, "field 'so' is locked"));
  }
  SECTION("P=1 forbids it") {
    auto strict = analyse(sealed, 1, 1);
    CHECK_FALSE(strict.violations.empty());
  }
}

TEST_CASE("an update that changes page /Contents is OTHER", "[verify][diff][slow]") {
  Fixture f;
  fs::path path = f.certified(CertificationLevel::FormFilling);
  uint32_t fresh = 0;
  std::string page;
  PoDoFo::PdfReference pageRef;
  {
    Document document(path);
    fresh = static_cast<uint32_t>(document.index.revisions.back().size);
    auto [ref, object] = document.page1();
    PoDoFo::PdfObject copy(*object);
    copy.GetDictionary().AddKey("Contents", PoDoFo::PdfReference(fresh, 0));
    page = serialise(copy);
    pageRef = ref;
  }
  appendUpdate(path, {{pageRef.ObjectNumber(), page},
                      {fresh, "<< /Length 17 >>\nstream\n0 0 100 100 re f\nendstream"}});
  auto findings = analyse(path, 1, 2);
  INFO(joined(findings.suspicious));
  CHECK(findings.level == ModificationLevel::Other);
  CHECK(anyContains(findings.suspicious, "changes /Contents of page 1"));
  CHECK_FALSE(findings.violations.empty());
}

TEST_CASE("re-pointing page content to an object that existed unreferenced (shadow)",
          "[verify][diff][slow]") {
  Fixture f;
  // The attacker's prepared document: a replacement content stream nothing references yet.
  fs::path prepared = f.dir / "prepared.pdf";
  fs::copy_file(f.dir / "samples" / "quyet-dinh.pdf", prepared);
  uint32_t shadow = 0;
  {
    Document document(prepared);
    shadow = static_cast<uint32_t>(document.index.revisions.back().size);
  }
  appendUpdate(prepared, {{shadow, "<< /Length 17 >>\nstream\n0 0 100 100 re f\nendstream"}});
  fs::path path = f.dir / "signed.pdf";
  signPdf(prepared, path, {}, *f.key);
  std::string page;
  PoDoFo::PdfReference pageRef;
  size_t signedRevision = 0;
  {
    Document document(path);
    signedRevision = document.index.revisions.size() - 1;
    auto [ref, object] = document.page1();
    PoDoFo::PdfObject copy(*object);
    copy.GetDictionary().AddKey("Contents", PoDoFo::PdfReference(shadow, 0));
    page = serialise(copy);
    pageRef = ref;
  }
  appendUpdate(path, {{pageRef.ObjectNumber(), page}});
  auto findings = analyse(path, signedRevision, 0);
  INFO(joined(findings.suspicious) + joined(findings.warnings));
  CHECK(findings.level == ModificationLevel::Other);
  CHECK(anyContains(findings.suspicious, "to object " + std::to_string(shadow) +
                                             " that existed unreferenced when signed"));
  REQUIRE(findings.warnings.size() == 1);
  CHECK(findings.warnings[0].find("not referenced (possible shadow content)") != std::string::npos);
  CHECK(findings.warnings[0].find(std::to_string(shadow)) != std::string::npos);
}

TEST_CASE("a new FreeText annotation: ANNOTATIONS, a violation under P=2, fine under P=3",
          "[verify][diff][slow]") {
  Fixture f;
  for (auto level : {CertificationLevel::FormFilling, CertificationLevel::Annotations}) {
    fs::path path = f.certified(level);
    std::map<uint32_t, std::string> update;
    {
      Document document(path);
      uint32_t annot = static_cast<uint32_t>(document.index.revisions.back().size);
      auto [pageRef, page] = document.page1();
      update[annot] =
          "<< /Type /Annot /Subtype /FreeText /Rect [100 700 300 740] "
          "/Contents (Approved) /DA (/Helv 12 Tf 0 g) /P " +
          serialise(PoDoFo::PdfObject(pageRef)) + " >>";
      const auto* annots = page->GetDictionary().GetKey("Annots");
      REQUIRE(annots != nullptr);
      PoDoFo::PdfObject array(*document.last().resolve(annots));
      array.GetArray().push_back(PoDoFo::PdfReference(annot, 0));
      if (annots->IsReference()) {
        update[annots->GetReference().ObjectNumber()] = serialise(array);
      } else {
        PoDoFo::PdfObject copy(*page);
        copy.GetDictionary().AddKey("Annots", array);
        update[pageRef.ObjectNumber()] = serialise(copy);
      }
    }
    appendUpdate(path, update);
    int permission = level == CertificationLevel::FormFilling ? 2 : 3;
    auto findings = analyse(path, 1, permission);
    INFO(joined(findings.changes) + joined(findings.suspicious) + joined(findings.violations));
    CHECK(findings.level == ModificationLevel::Annotations);
    CHECK(findings.suspicious.empty());
    CHECK(anyContains(findings.changes, "/FreeText annotation"));
    CHECK(findings.violations.empty() == (permission == 3));
    fs::remove(path);
  }
}

TEST_CASE("corpus: a certified file and a multi-revision file", "[verify][diff]") {
  auto corpus = test::sourceDir() / "tests/data/corpus/signed";
  Document certified(corpus / "pyhanko_certified-with-indirect-refs.pdf");
  auto findings =
      analyseChangesAfter(*certified.views, certified.index.revisions.size() - 1, "Sig1", {});
  CHECK(findings.level == ModificationLevel::None);

  Document many(corpus / "dss_DSS1376-rev_n.pdf");
  auto later = analyseChangesAfter(*many.views, 1, "Signature1", {});
  INFO(joined(later.changes) + joined(later.suspicious));
  // Fields filled one per revision, then a second (visible) signature: no DocMDP here.
  CHECK(later.level == ModificationLevel::FormFilling);
  CHECK(later.suspicious.empty());
  CHECK(anyContains(later.changes, "new visible signature widget ('Sig2')"));
}
