// The validator's own parts: the byte-level signature dictionary scanner (the SWA/USF defences
// rest on its offsets), the report's JSON round trip and the exit codes of DESIGN §4.

#include <catch2/catch.hpp>
#include <string>

#include "vanthu/signing/verification_report.h"
#include "vanthu/workflow/error.h"
#include "verify/signature_dictionary.h"

using namespace vanthu;
using namespace vanthu::signing;
using detail::scanSignatureDictionary;

namespace {

std::string sigObject(const std::string& body) {
  return "12 0 obj\n<<" + body + ">>\nendobj\n";
}

}  // namespace

TEST_CASE("the scanner finds /ByteRange and the exact offsets of /Contents") {
  std::string prefix = "%PDF-1.7\n";
  std::string object = sigObject(
      "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached "
      "/ByteRange [0 10 20 30] /Contents <3003020100000000> /M (D:20260101000000Z) "
      "/Name (a \\) tricky (nested) name /Contents <00>)");
  std::string file = prefix + object;
  auto scan = scanSignatureDictionary(file, prefix.size());
  REQUIRE(scan.byteRange == std::vector<int64_t>{0, 10, 20, 30});
  REQUIRE(scan.contentsFound);
  REQUIRE(file.substr(scan.contentsStart, scan.contentsEnd - scan.contentsStart) ==
          "<3003020100000000>");
  REQUIRE(scan.contents == std::string("\x30\x03\x02\x01\x00", 5));
  REQUIRE_FALSE(scan.nonZeroPadding);
}

TEST_CASE("bytes after the CMS structure that are not padding are noticed") {
  std::string file = sigObject("/ByteRange [0 1 2 3] /Contents <30020500FF>");
  auto scan = scanSignatureDictionary(file, 0);
  REQUIRE(scan.contents == std::string("\x30\x02\x05\x00", 4));
  REQUIRE(scan.nonZeroPadding);
}

TEST_CASE("duplicate keys, cut-off dictionaries and non-dictionaries are refused") {
  auto code = [](const std::string& file) {
    try {
      scanSignatureDictionary(file, 0);
    } catch (const Error& error) {
      return error.code();
    }
    return ErrorCode::Internal;
  };
  REQUIRE(code(sigObject("/Contents <00> /Contents <01>")) == ErrorCode::InvalidPdf);
  REQUIRE(code(sigObject("/ByteRange [0 1 2 3] /ByteRange [0 1 2 3]")) == ErrorCode::InvalidPdf);
  REQUIRE(code("12 0 obj\n<< /ByteRange [0 1 2") == ErrorCode::InvalidPdf);
  REQUIRE(code("12 0 obj\n[1 2 3]\nendobj") == ErrorCode::InvalidPdf);
  REQUIRE(code("garbage") == ErrorCode::InvalidPdf);
  REQUIRE(code(sigObject("/Contents <0G>")) == ErrorCode::InvalidPdf);
}

TEST_CASE("a /Contents that is not a hex string, or a reference in /ByteRange, is not accepted") {
  auto literal = scanSignatureDictionary(sigObject("/ByteRange [0 1 2 3] /Contents (abc)"), 0);
  REQUIRE_FALSE(literal.contentsFound);
  auto indirect = scanSignatureDictionary(sigObject("/ByteRange 5 0 R /Contents <00>"), 0);
  REQUIRE(indirect.byteRange.empty());
  auto mixed = scanSignatureDictionary(sigObject("/ByteRange [0 1 2 3 0 R] /Contents <00>"), 0);
  REQUIRE(mixed.byteRange.size() != 4);
}

TEST_CASE("a report survives its JSON form unchanged") {
  FileReport report;
  report.file = "/tmp/quyết định.pdf";
  report.sha256 = std::string(64, 'a');
  report.verdict = Indication::TotalFailed;
  report.revisions = 3;
  report.problems = {"3 bytes after the last %%EOF"};
  SignatureReport signature;
  signature.field = "Chữ ký 1";
  signature.signer = {"CN=Nguyễn Văn A", "CN=CA", "0A1B", "2026-01-01T00:00:00Z",
                      "2027-01-01T00:00:00Z"};
  signature.subfilter = "ETSI.CAdES.detached";
  signature.level = "B-T";
  signature.indication = Indication::TotalFailed;
  signature.subindication = "HASH_FAILURE";
  signature.byteRange = {0, 100, 200, 300};
  signature.coversRevision = 2;
  signature.modificationsAfter = ModificationLevel::FormFilling;
  signature.changes = {"revision 3: field 'so' filled"};
  signature.chain = {signature.signer};
  signature.revocation = {"revoked", "dss", "2026-06-01T00:00:00Z"};
  signature.certification = "form-filling";
  signature.errors = {"the message digest does not match"};
  report.signatures = {signature, signature};
  report.signatures[1].kind = "document-timestamp";

  FileReport back = reportFromJson(reportToJson(report));
  REQUIRE(reportToJson(back) == reportToJson(report));
  REQUIRE(back.signatures[0].field == "Chữ ký 1");
  REQUIRE(back.signatures[0].revocation.revokedAt == "2026-06-01T00:00:00Z");
  REQUIRE(back.signatures[1].kind == "document-timestamp");
  REQUIRE(back.verdict == Indication::TotalFailed);
}

TEST_CASE("JSON that is not a report is refused, not guessed at") {
  for (const char* text : {"", "[]", "{}", "{\"file\": 1}", "not json"}) {
    try {
      reportFromJson(text);
      FAIL("accepted: " << text);
    } catch (const Error& error) {
      REQUIRE(error.code() == ErrorCode::InvalidArgument);
    }
  }
}

TEST_CASE("exit codes: failure first, then unreadable, then indeterminate") {
  FileReport passed;
  passed.verdict = Indication::TotalPassed;
  FileReport failed;
  failed.verdict = Indication::TotalFailed;
  FileReport indeterminate;
  indeterminate.verdict = Indication::Indeterminate;
  FileReport unreadable;
  unreadable.readable = false;
  REQUIRE(verificationExitCode({passed, passed}) == 0);
  REQUIRE(verificationExitCode({passed, indeterminate}) == 2);
  REQUIRE(verificationExitCode({indeterminate, unreadable}) == 3);
  REQUIRE(verificationExitCode({unreadable, failed, indeterminate}) == 1);
}

TEST_CASE("the text report names the verdict and colours only when asked") {
  FileReport report;
  report.file = "a.pdf";
  report.verdict = Indication::TotalPassed;
  SignatureReport signature;
  signature.indication = Indication::TotalPassed;
  signature.field = "Signature1";
  report.signatures = {signature};
  std::string plain = reportToText(report, false);
  REQUIRE(plain.find("verdict: TOTAL_PASSED") != std::string::npos);
  REQUIRE(plain.find('\033') == std::string::npos);
  REQUIRE(reportToText(report, true).find("\033[") != std::string::npos);
}
