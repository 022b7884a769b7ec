// An outgoing document's two signatures end to end on real PDFs: the leader certifies (P=2)
// with the number/date fields and the seal field, the clerk fills number and date and the
// organisation signs the seal field with a time-stamp. Judged by pdfsig, qpdf, pdftotext and our
// own verifier.

#include "vanthu/signing/official_signing.h"

#include <catch2/catch.hpp>

#include "signing_fixture.h"
#include "vanthu/demo/demo_images.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/page_text.h"
#include "vanthu/signing/signature_fields.h"
#include "vanthu/signing/signature_validator.h"
#include "vanthu/signing/timestamp_authority.h"
#include "vanthu/signing/timestamp_server.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::count;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

std::string collapse(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == '\t' || c == '\f') c = ' ';
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

struct Fixture {
  test::TempDir dir;
  test::SigningPki pki{dir.path()};
  fs::path samples = dir / "samples";
  fs::path signatureImage = dir / "signature.png";
  fs::path sealImage = dir / "seal.png";
  std::unique_ptr<TimestampAuthority> authority;
  std::unique_ptr<TimestampServer> tsa;
  std::unique_ptr<HttpFetcher> fetcher = makeHttpFetcher();
  std::unique_ptr<HttpTimeStamper> stamper;
  LevelServices services;

  Fixture() {
    fs::create_directories(samples);
    demo::writeSampleDocuments(samples);
    demo::writeSignatureImage(signatureImage, 7);
    demo::writeSealImage(sealImage);
    auto [certificate, key] = pki.timestampingCredential();
    TimestampAuthorityOptions options;
    options.chain = {Certificate::fromPem(readFile(pki.caPem()))};
    authority = std::make_unique<TimestampAuthority>(certificate, key, options);
    tsa = std::make_unique<TimestampServer>(*authority);
    tsa->start();
    stamper = std::make_unique<HttpTimeStamper>(tsa->url(), *fetcher);
    services.timeStamper = stamper.get();
    services.trustAnchors = {Certificate::fromPem(readFile(pki.rootPem()))};
  }

  LeaderSigningRequest leaderRequest(std::vector<std::string> position) const {
    LeaderSigningRequest request;
    request.rectangle = PdfRect{334, 175, 150, 90};  // the sample's signer block
    request.appearance.kind = AppearanceKind::Signer;
    request.appearance.image = signatureImage;
    request.appearance.headingLines = std::move(position);
    request.appearance.name = "Đỗ Minh Tuấn";
    return request;
  }

  IssuanceRequest issuance(int number) const {
    IssuanceRequest request;
    request.number = number;
    request.year = 2026;
    request.month = 1;
    request.day = 5;
    request.seal.kind = AppearanceKind::Organisation;
    request.seal.image = sealImage;
    request.seal.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
    return request;
  }
};

// Whether pdftotext finds `word` on page 1 of `pdf` starting inside `blank` (the value drawn in a
// field's box; plain text order puts field values elsewhere in the flow).
bool wordInBlank(const fs::path& pdf, const std::string& word,
                 const std::optional<PdfRect>& blank) {
  REQUIRE(blank.has_value());
  auto words = runCommand("pdftotext -bbox -f 1 -l 1 " + shellQuote(pdf.string()) + " -").output;
  for (size_t at = 0; (at = words.find(">" + word + "</word>", at)) != std::string::npos; ++at) {
    auto open = words.rfind("<word", at);
    auto tag = words.substr(open, at - open);
    double xMin = std::stod(tag.substr(tag.find("xMin=\"") + 6));
    double yMax = std::stod(tag.substr(tag.find("yMax=\"") + 6));
    double baseline = 842 - yMax;  // A4, from the bottom
    if (xMin > blank->x - 1 && xMin < blank->x + blank->width && baseline > blank->y - 6 &&
        baseline < blank->y + blank->height + 6) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("a deputy signs KT., the clerk numbers and seals: both signatures valid",
          "[pdf][official]") {
  Fixture f;
  auto deputy = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::Rsa2048);

  auto signedByLeader = f.dir / "1-signed.pdf";
  signAsLeader(f.samples / "quyet-dinh.pdf", signedByLeader,
               f.leaderRequest({"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"}), *deputy, f.services);
  auto issued = f.dir / "2-issued.pdf";
  issueOfficialDocument(signedByLeader, issued, f.issuance(15), *organisation, f.services);

  // Each step appended to the one before.
  std::string a = readFile(f.samples / "quyet-dinh.pdf"), b = readFile(signedByLeader),
              c = readFile(issued);
  CHECK(b.compare(0, a.size(), a) == 0);
  CHECK(c.compare(0, b.size(), b) == 0);
  CHECK(runCommand("qpdf --check " + shellQuote(issued.string())).exitCode == 0);
  CHECK_FALSE(fs::exists(issued.string() + ".filled.tmp"));

  auto report = test::pdfsig(f.pki, issued);
  INFO(report.output);
  CHECK(count(report.output, "Signature is Valid") == 2);
  CHECK(count(report.output, "Certificate is Trusted") == 2);
  CHECK(report.output.find("Signature Field Name: " + std::string(kSealFieldName)) !=
        std::string::npos);

  // The number and the date are on the page, in the header's blanks.
  auto blanks = findNumberAndDateBlanks(f.samples / "quyet-dinh.pdf");
  CHECK(wordInBlank(issued, "15", blanks.number));
  CHECK(wordInBlank(issued, "05", blanks.day));
  CHECK(wordInBlank(issued, "01", blanks.month));
  auto text =
      collapse(runCommand("pdftotext -enc UTF-8 " + shellQuote(issued.string()) + " -").output);
  CHECK(text.find("KT. CHỦ TỊCH") != std::string::npos);

  // Our verifier: the leader's certification allows form filling and the changes after it are
  // exactly that; the organisation's signature carries a time-stamp (B-T).
  ValidationOptions options;
  options.trustAnchors = f.services.trustAnchors;
  auto verified = validatePdf(issued, options);
  INFO(reportToJson(verified));
  REQUIRE(verified.signatures.size() == 2);
  const auto& leader = verified.signatures[0];
  const auto& seal = verified.signatures[1];
  CHECK(leader.certification == "form-filling");
  CHECK(leader.modificationsAfter == ModificationLevel::FormFilling);
  CHECK(leader.indication == Indication::TotalPassed);
  CHECK(seal.field == kSealFieldName);
  CHECK(seal.level == "B-T");
  CHECK_FALSE(seal.timestampTime.empty());
  CHECK(seal.indication == Indication::TotalPassed);
  CHECK(verified.verdict == Indication::TotalPassed);
}

TEST_CASE("issuing refuses what cannot be a number or a date, and a file the leader did not sign",
          "[pdf][official]") {
  Fixture f;
  auto leader = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::EcP256);
  auto signedByLeader = f.dir / "signed.pdf";
  signAsLeader(f.samples / "cong-van.pdf", signedByLeader, f.leaderRequest({"CHỦ TỊCH"}), *leader,
               f.services);
  auto expectCode = [&](const fs::path& input, const IssuanceRequest& request, ErrorCode code) {
    auto out = f.dir / "out.pdf";
    try {
      issueOfficialDocument(input, out, request, *organisation, f.services);
      FAIL("issued");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(e.code() == code);
    }
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(out.string() + ".filled.tmp"));
  };
  auto zero = f.issuance(0);
  expectCode(signedByLeader, zero, ErrorCode::InvalidArgument);
  auto february30 = f.issuance(3);
  february30.month = 2;
  february30.day = 30;
  expectCode(signedByLeader, february30, ErrorCode::InvalidArgument);
  // Never signed by the leader: no fields to fill.
  expectCode(f.samples / "cong-van.pdf", f.issuance(3), ErrorCode::NotFound);

  // Leap years have a 29 February; the fields are then "29" and "02".
  auto leapDay = f.issuance(4);
  leapDay.year = 2028;
  leapDay.month = 2;
  leapDay.day = 29;
  auto out = f.dir / "leap.pdf";
  issueOfficialDocument(signedByLeader, out, leapDay, *organisation, f.services);
  auto blanks = findNumberAndDateBlanks(f.samples / "cong-van.pdf");
  CHECK(wordInBlank(out, "04", blanks.number));
  CHECK(wordInBlank(out, "29", blanks.day));
  CHECK(wordInBlank(out, "02", blanks.month));
}

TEST_CASE("Decree 30 writes days below 10 and the months January and February with a zero",
          "[pdf][official]") {
  CHECK(decree30Day(5) == "05");
  CHECK(decree30Day(10) == "10");
  CHECK(decree30Day(31) == "31");
  CHECK(decree30Month(1) == "01");
  CHECK(decree30Month(2) == "02");
  CHECK(decree30Month(3) == "3");
  CHECK(decree30Month(12) == "12");
}

TEST_CASE("positions are printed in Vietnamese capitals", "[pdf][official]") {
  CHECK(upperCaseVietnamese("Phó Chủ tịch") == "PHÓ CHỦ TỊCH");
  CHECK(upperCaseVietnamese("Chánh Văn phòng") == "CHÁNH VĂN PHÒNG");
  CHECK(upperCaseVietnamese("đỗ ư ơ ầ ỹ") == "ĐỖ Ư Ơ Ầ Ỹ");
  CHECK_THROWS_AS(upperCaseVietnamese(std::string("\xff\xfe", 2)), Error);
}

TEST_CASE("after approval signatures the leader signs an approval, not a certification",
          "[pdf][official]") {
  Fixture f;
  auto departmentHead = f.pki.signer("Trần Văn Bình", KeyAlgorithm::EcP256);
  auto officeChief = f.pki.signer("Lê Thị Hương", KeyAlgorithm::Rsa2048);
  auto leader = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::Rsa2048);

  ApprovalSigningRequest approval;
  approval.reason = "Đồng ý";
  auto approved = f.dir / "1-approved.pdf";
  signApproval(f.samples / "quyet-dinh.pdf", approved, approval, *departmentHead, f.services);
  auto reviewed = f.dir / "2-reviewed.pdf";
  signApproval(approved, reviewed, approval, *officeChief, f.services);

  // The approvals are invisible: a zero rectangle, printable and neither hidden nor invisible
  // (PDF/A), and no DocMDP.
  auto form = readPdfForm(reviewed);
  REQUIRE(form.signatureFields.size() == 2);
  for (const auto& field : form.signatureFields) {
    CHECK(field.signedAlready);
    CHECK(field.rectangle.width == 0);
    CHECK(field.rectangle.height == 0);
    CHECK(field.rectangle.x == 0);
  }
  auto objects =
      runCommand("qpdf --qdf --object-streams=disable " + shellQuote(reviewed.string()) + " -")
          .output;
  CHECK(objects.find("/Perms") == std::string::npos);
  for (size_t at = 0; (at = objects.find("/FT /Sig", at)) != std::string::npos; ++at) {
    auto begin = objects.rfind("<<", at);
    auto end = objects.find(">>", at);
    auto widget = objects.substr(begin, end - begin);
    INFO(widget);
    auto flags = widget.find("/F ");
    REQUIRE(flags != std::string::npos);
    int value = std::stoi(widget.substr(flags + 3));
    CHECK((value & 4) == 4);   // Print
    CHECK((value & 3) == 0);   // neither Invisible nor Hidden
    CHECK((value & 32) == 0);  // nor NoView
  }

  auto signedByLeader = f.dir / "3-signed.pdf";
  signAsLeader(reviewed, signedByLeader, f.leaderRequest({"CHỦ TỊCH"}), *leader, f.services);
  auto leaderForm = readPdfForm(signedByLeader);
  bool sealField = false;
  for (const auto& field : leaderForm.signatureFields) {
    if (field.name == kSealFieldName) sealField = !field.signedAlready;
  }
  CHECK(sealField);
  auto issued = f.dir / "4-issued.pdf";
  issueOfficialDocument(signedByLeader, issued, f.issuance(7), *organisation, f.services);

  auto report = test::pdfsig(f.pki, issued);
  INFO(report.output);
  CHECK(count(report.output, "Signature is Valid") == 4);
  CHECK(count(report.output, "Certificate is Trusted") == 4);
  auto blanks = findNumberAndDateBlanks(f.samples / "quyet-dinh.pdf");
  CHECK(wordInBlank(issued, "07", blanks.number));
  auto text =
      collapse(runCommand("pdftotext -enc UTF-8 " + shellQuote(issued.string()) + " -").output);
  CHECK(text.find("CHỦ TỊCH") != std::string::npos);

  ValidationOptions options;
  options.trustAnchors = f.services.trustAnchors;
  auto verified = validatePdf(issued, options);
  INFO(reportToJson(verified));
  REQUIRE(verified.signatures.size() == 4);
  for (const auto& signature : verified.signatures) {
    CHECK(signature.certification == "none");
    CHECK(signature.indication == Indication::TotalPassed);
  }
  CHECK(verified.signatures[3].field == kSealFieldName);
  CHECK(verified.verdict == Indication::TotalPassed);

  // Without approvals the same request certifies (P=2), as before.
  auto certified = f.dir / "certified.pdf";
  signAsLeader(f.samples / "quyet-dinh.pdf", certified, f.leaderRequest({"CHỦ TỊCH"}), *leader,
               f.services);
  auto alone = validatePdf(certified, options);
  REQUIRE(alone.signatures.size() == 1);
  CHECK(alone.signatures[0].certification == "form-filling");
}

TEST_CASE("the leader signs into an empty signature field the document already has",
          "[pdf][official]") {
  Fixture f;
  auto leader = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  // A drafted document with an empty signature field "LanhDao" (made here by an approval
  // signature's update that also adds it; the field stays empty).
  auto withField = f.dir / "with-field.pdf";
  SignatureRequest draft;
  draft.fieldName = "Duyet";
  TextFieldSpec empty;
  empty.name = "LanhDao";
  empty.page = 1;
  empty.rectangle = PdfRect{300, 150, 180, 100};
  empty.signature = true;
  draft.textFields.push_back(empty);
  signPdf(f.samples / "quyet-dinh.pdf", withField, draft,
          *f.pki.signer("Trần Văn Bình", KeyAlgorithm::EcP256));

  auto request = f.leaderRequest({"CHỦ TỊCH"});
  request.existingField = "LanhDao";
  auto out = f.dir / "signed.pdf";
  signAsLeader(withField, out, request, *leader, f.services);
  auto form = readPdfForm(out);
  bool signedInField = false;
  for (const auto& field : form.signatureFields) {
    if (field.name == "LanhDao") {
      signedInField = field.signedAlready && field.page == 1 && field.rectangle.x == 300 &&
                      field.rectangle.width == 180;
    }
  }
  CHECK(signedInField);
  auto report = test::pdfsig(f.pki, out);
  INFO(report.output);
  CHECK(count(report.output, "Signature is Valid") == 2);

  // A field that is not there, or signed already, is refused and writes nothing.
  auto again = f.dir / "again.pdf";
  request.existingField = "KhongCo";
  CHECK_THROWS_MATCHES(
      signAsLeader(withField, again, request, *leader, f.services), Error,
      Catch::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::NotFound; }));
  request.existingField = "LanhDao";
  CHECK_THROWS_MATCHES(
      signAsLeader(out, again, request, *leader, f.services), Error,
      Catch::Predicate<Error>([](const Error& e) { return e.code() == ErrorCode::InvalidState; }));
  CHECK_FALSE(fs::exists(again));
}

TEST_CASE("official: the leader's signature in two phases, the key elsewhere, value or CMS",
          "[pdf][official][external]") {
  Fixture f;
  auto leader = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::EcP256);
  auto other = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  const fs::path input = f.samples / "quyet-dinh.pdf";
  auto expectMismatch = [&](const PreparedSignature& prepared, const ExternalSignatureValue& value,
                            const fs::path& output) {
    try {
      completeLeaderSignature(prepared, value, output, PadesLevel::BaselineB, f.services);
      FAIL("completed");
    } catch (const Error& e) {
      INFO(e.what());
      CHECK(e.code() == ErrorCode::SignatureMismatch);
    }
    CHECK_FALSE(fs::exists(output));
    CHECK(fs::exists(prepared.workFile));  // still there for a right value
  };

  // A raw signature value over the digest handed out.
  auto prepared = prepareLeaderSignature(input, f.dir / "1.work", f.leaderRequest({"CHỦ TỊCH"}),
                                         leader->certificate(), leader->chain());
  CHECK(prepared.toBeSignedDigest == computeDigest(prepared.digest, prepared.signedAttributes));
  auto out = f.dir / "1.pdf";
  ExternalSignatureValue wrong;
  wrong.signatureValue = other->signDigest(prepared.toBeSignedDigest, prepared.digest);
  expectMismatch(prepared, wrong, out);
  ExternalSignatureValue right;
  right.signatureValue = leader->signDigest(prepared.toBeSignedDigest, prepared.digest);
  completeLeaderSignature(prepared, right, out, PadesLevel::BaselineB, f.services);
  CHECK_FALSE(fs::exists(prepared.workFile));

  // A whole CMS from the signer's own software, time-stamped here (B-T).
  auto second = prepareLeaderSignature(input, f.dir / "2.work", f.leaderRequest({"CHỦ TỊCH"}),
                                       leader->certificate(), leader->chain());
  auto out2 = f.dir / "2.pdf";
  CmsSignatureBuilder otherBuilder(other->certificate(), other->chain(), DigestAlgorithm::Sha256);
  ExternalSignatureValue notTheSigner;
  notTheSigner.cms = signContentDigest(otherBuilder, *other, second.contentDigest);
  expectMismatch(second, notTheSigner, out2);
  CmsSignatureBuilder builder(leader->certificate(), leader->chain(), DigestAlgorithm::Sha256);
  ExternalSignatureValue otherBytes;
  otherBytes.cms =
      signContentDigest(builder, *leader, computeDigest(DigestAlgorithm::Sha256, "khác"));
  expectMismatch(second, otherBytes, out2);
  ExternalSignatureValue cms;
  cms.cms = signContentDigest(builder, *leader, second.contentDigest);
  completeLeaderSignature(second, cms, out2, PadesLevel::BaselineT, f.services);

  ValidationOptions options;
  options.trustAnchors = f.services.trustAnchors;
  for (const auto& [file, level] : {std::pair{out, "B-B"}, std::pair{out2, "B-T"}}) {
    INFO(file);
    std::string original = readFile(input), signedFile = readFile(file);
    CHECK(signedFile.compare(0, original.size(), original) == 0);
    auto report = test::pdfsig(f.pki, file);
    INFO(report.output);
    CHECK(count(report.output, "Signature is Valid") == 1);
    CHECK(count(report.output, "Certificate is Trusted") == 1);
    auto verified = validatePdf(file, options);
    INFO(reportToJson(verified));
    REQUIRE(verified.signatures.size() == 1);
    CHECK(verified.signatures[0].certification == "form-filling");
    CHECK(verified.signatures[0].level == level);
    CHECK(verified.verdict == Indication::TotalPassed);
  }
  // The clerk issues on top of the externally signed file as on any other.
  auto organisation = f.pki.signer("Ủy ban nhân dân tỉnh Thái Nguyên", KeyAlgorithm::EcP256);
  auto issued = f.dir / "3.pdf";
  issueOfficialDocument(out2, issued, f.issuance(7), *organisation, f.services);
  CHECK(count(test::pdfsig(f.pki, issued).output, "Signature is Valid") == 2);
}
