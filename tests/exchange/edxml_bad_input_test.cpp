// Every kind of bad input is refused with its stable problem name and a message that says where
// and what.

#include <catch2/catch.hpp>
#include <sstream>

#include "edxml_samples.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_writer.h"

using namespace vanthu::exchange;
using namespace vanthu::exchange::test;
using vanthu::ErrorCode;

namespace {

std::string sampleXml() {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  return xml.value();
}

// Reading `xml` fails with `problem`, and the message holds each of `parts`.
void requireRefused(const std::string& xml, EdxmlProblem problem,
                    std::initializer_list<std::string> parts, const ReadLimits& limits = {}) {
  auto read = readPackage(xml, "in.edxml", limits);
  REQUIRE_FALSE(read.isOk());
  INFO(read.status().toString());
  CHECK(problemOf(read.status()) == problem);
  for (const auto& part : parts) CHECK(read.status().message().find(part) != std::string::npos);
}

}  // namespace

TEST_CASE("edxml external entities are refused before they are declared",
          "[exchange][edxml][security]") {
  std::string xml = sampleXml();
  std::string xxe = replaced(
      xml, "<edXML ", "<!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n<edXML ");
  xxe = replaced(xxe, "<Subject>", "<Subject>&x;");
  requireRefused(xxe, EdxmlProblem::DoctypeRefused, {"in.edxml:2:", "DOCTYPE"});
  std::string remote =
      replaced(xml, "<edXML ", "<!DOCTYPE edXML SYSTEM \"http://127.0.0.1:9/x.dtd\">\n<edXML ");
  requireRefused(remote, EdxmlProblem::DoctypeRefused, {"DOCTYPE"});
}

TEST_CASE("edxml billion laughs is refused", "[exchange][edxml][security]") {
  std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE edXML [<!ENTITY a \"aaaaaaaaaa\">";
  std::string previous = "a";
  for (int level = 1; level <= 9; ++level) {
    std::string name = "a" + std::to_string(level);
    bomb += "<!ENTITY " + name + " \"";
    for (int i = 0; i < 10; ++i) bomb += "&" + previous + ";";
    bomb += "\">";
    previous = name;
  }
  bomb += "]>\n<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">&" + previous + ";</edXML>";
  requireRefused(bomb, EdxmlProblem::DoctypeRefused, {"in.edxml:2:"});
}

TEST_CASE("edxml a DOCTYPE in UTF-16 is refused too", "[exchange][edxml][security]") {
  std::string ascii =
      "<?xml version=\"1.0\" encoding=\"UTF-16LE\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
  std::string utf16;
  for (char c : ascii) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  auto read = readPackage(utf16, "in.edxml");
  REQUIRE_FALSE(read.isOk());
  CHECK(problemOf(read.status()) == EdxmlProblem::DoctypeRefused);
}

TEST_CASE("edxml deep nesting is refused at the depth limit", "[exchange][edxml][security]") {
  std::string deep = "<edXML xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\">\n";
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  requireRefused(deep, EdxmlProblem::TooDeep, {"in.edxml:2:", "deeper than 32"});
  ReadLimits shallow;
  shallow.maxDepth = 5;
  requireRefused(sampleXml(), EdxmlProblem::TooDeep, {"deeper than 5"}, shallow);
}

TEST_CASE("edxml attachments over the size limit are refused without decoding",
          "[exchange][edxml][limits]") {
  ReadLimits limits;
  limits.maxAttachmentBytes = 500;  // the every-byte attachment is 769 bytes
  auto read = readPackage(sampleXml(), "in.edxml", limits);
  REQUIRE_FALSE(read.isOk());
  CHECK(read.status().code() == ErrorCode::PayloadTooLarge);
  CHECK(problemOf(read.status()) == EdxmlProblem::AttachmentTooLarge);
  CHECK(read.status().message().find("over the limit of 500") != std::string::npos);
  limits.maxAttachmentBytes = 769;
  CHECK(readPackage(sampleXml(), "in.edxml", limits).isOk());
}

TEST_CASE("edxml a 20 MB attachment is read within the limit", "[exchange][edxml][limits]") {
  EdxmlPackage package = samplePackage();
  package.attachments[0].bytes.assign(20u * 1024 * 1024, '\x7f');
  package.attachments[0].bytes[12345] = '\0';
  auto xml = buildPackageXml(package);
  REQUIRE(xml.isOk());
  auto read = readPackage(xml.value(), "big.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value().attachments[0].bytes == package.attachments[0].bytes);
}

TEST_CASE("edxml packages over the size limit are refused", "[exchange][edxml][limits]") {
  ReadLimits limits;
  limits.maxPackageBytes = 1000;
  requireRefused(sampleXml(), EdxmlProblem::PackageTooLarge, {"over the limit of 1000"}, limits);
}

TEST_CASE("edxml invalid base64 is refused with its position", "[exchange][edxml]") {
  std::string xml = sampleXml();
  auto at = xml.find("<ContentTransferEncoded>");
  REQUIRE(at != std::string::npos);
  std::string bad = xml;
  bad.insert(at + std::string("<ContentTransferEncoded>").size() + 4, "*");
  requireRefused(bad, EdxmlProblem::InvalidBase64, {"character 5 is not base64"});
  EdxmlPackage package = samplePackage();
  package.attachments[0].bytes = "abc";  // "YWJj": a whole group, no padding
  auto built = buildPackageXml(package);
  REQUIRE(built.isOk());
  std::string truncated = replaced(built.value(), "YWJj<", "YWJjYW<");
  requireRefused(truncated, EdxmlProblem::InvalidBase64, {"inside a 4-character group"});
}

TEST_CASE("edxml the wrong namespace is refused", "[exchange][edxml]") {
  std::string xml = sampleXml();
  std::string wrongRoot = replaced(xml, "xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"",
                                   "xmlns=\"http://example.org/edxml\"");
  requireRefused(wrongRoot, EdxmlProblem::WrongNamespace,
                 {"in.edxml:2:", "edXML is in namespace 'http://example.org/edxml'"});
  // The prefix bound elsewhere: the envelope is then in the wrong namespace.
  std::string wrongPrefix = replaced(xml, "xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"",
                                     "xmlns:edXML=\"urn:other\"");
  requireRefused(wrongPrefix, EdxmlProblem::WrongNamespace,
                 {"in.edxml:3:", "edXMLEnvelope is in namespace 'urn:other'"});
  requireRefused("<other xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"/>",
                 EdxmlProblem::WrongRoot, {"other"});
}

TEST_CASE("edxml unknown status codes are refused", "[exchange][edxml]") {
  auto xml = buildStatusMessageXml(sampleStatus(StatusCode::Accepted));
  REQUIRE(xml.isOk());
  for (const char* code : {"07", "3", "14", "", "xx"}) {
    INFO(code);
    std::string bad =
        replaced(xml.value(), "<StatusCode>03<", std::string("<StatusCode>") + code + "<");
    auto read = readStatusMessage(bad, "status.edxml");
    REQUIRE_FALSE(read.isOk());
    CHECK(problemOf(read.status()) == EdxmlProblem::UnknownStatusCode);
    CHECK(read.status().message().find("status.edxml:") != std::string::npos);
  }
  StatusMessage unset = sampleStatus(StatusCode::Unknown);
  CHECK(problemOf(buildStatusMessageXml(unset).status()) == EdxmlProblem::UnknownStatusCode);
}

TEST_CASE("edxml missing required elements are refused by name", "[exchange][edxml]") {
  std::string xml = sampleXml();
  auto cut = [&](const std::string& open, const std::string& close) {
    auto from = xml.find(open);
    auto to = xml.find(close, from);
    REQUIRE(from != std::string::npos);
    REQUIRE(to != std::string::npos);
    return xml.substr(0, from) + xml.substr(to + close.size());
  };
  requireRefused(cut("<Subject>", "</Subject>"), EdxmlProblem::MissingElement,
                 {"MessageHeader has no Subject"});
  requireRefused(cut("<From>", "</From>"), EdxmlProblem::MissingElement,
                 {"MessageHeader has no From"});
  requireRefused(cut("<CodeNumber>", "</CodeNumber>"), EdxmlProblem::MissingElement,
                 {"Code has no CodeNumber"});
  requireRefused(replaced(xml, "<FullName>Nguyễn Văn Thắng</FullName>", "<FullName></FullName>"),
                 EdxmlProblem::MissingElement, {"FullName is empty"});
  std::string noRecipients = xml;
  while (noRecipients.find("<To>") != std::string::npos) {
    auto from = noRecipients.find("<To>");
    noRecipients.erase(from, noRecipients.find("</To>", from) + 5 - from);
  }
  requireRefused(noRecipients, EdxmlProblem::MissingElement, {"MessageHeader has no To"});
}

TEST_CASE("edxml an agency code that does not parse is refused", "[exchange][edxml]") {
  std::string xml = sampleXml();
  requireRefused(
      replaced(xml, "<OrganId>000.00.01.H49</OrganId>", "<OrganId>000.00.1.H49</OrganId>"),
      EdxmlProblem::BadAgencyCode, {"000.00.1.H49"});
  requireRefused(
      replaced(xml, "<OrganId>000.00.00.H49</OrganId>", "<OrganId>001.00.00.H49</OrganId>"),
      EdxmlProblem::BadAgencyCode, {"001.00.00.H49"});
  EdxmlPackage package = samplePackage();
  package.header.to[1].organId = "H49";
  auto built = buildPackageXml(package);
  REQUIRE_FALSE(built.isOk());
  CHECK(problemOf(built.status()) == EdxmlProblem::BadAgencyCode);
  CHECK(built.status().message().find("To[2]/OrganId") != std::string::npos);
}

TEST_CASE("edxml values out of range are refused", "[exchange][edxml]") {
  std::string xml = sampleXml();
  requireRefused(replaced(xml, "<Priority>2</Priority>", "<Priority>5</Priority>"),
                 EdxmlProblem::InvalidValue, {"Priority '5' is not a number from 0 to 4"});
  requireRefused(replaced(xml, "<BussinessDocType>2<", "<BussinessDocType>4<"),
                 EdxmlProblem::InvalidValue, {"BussinessDocType"});
  requireRefused(replaced(xml, "<PromulgationDate>2026/11/29<", "<PromulgationDate>2026/02/30<"),
                 EdxmlProblem::InvalidValue, {"PromulgationDate", "2026/02/30"});
  EdxmlPackage package = samplePackage();
  package.header.otherInfo.priority = 7;
  CHECK(problemOf(buildPackageXml(package).status()) == EdxmlProblem::InvalidValue);
}

TEST_CASE("edxml manifest and attachments must agree", "[exchange][edxml]") {
  std::string xml = sampleXml();
  // The second Reference's id no longer matches its Attachment.
  std::string id = "cid:1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b";
  requireRefused(replaced(xml, id, "cid:other"), EdxmlProblem::ManifestMismatch,
                 {"not in edXMLManifest"});
  EdxmlPackage package = samplePackage();
  package.attachments[2].contentId = package.attachments[0].contentId;
  CHECK(problemOf(buildPackageXml(package).status()) == EdxmlProblem::ManifestMismatch);
}

TEST_CASE("edxml malformed XML is refused with its line", "[exchange][edxml]") {
  requireRefused("<edXML>\n<a>\n</edXML>", EdxmlProblem::NotWellFormed, {"in.edxml:3:"});
  requireRefused("", EdxmlProblem::NotWellFormed, {"in.edxml"});
}

TEST_CASE("edxml problem names are stable", "[exchange][edxml]") {
  CHECK(edxmlProblemName(EdxmlProblem::DoctypeRefused) == "doctype_refused");
  CHECK(edxmlProblemName(EdxmlProblem::UnknownStatusCode) == "unknown_status_code");
  CHECK(edxmlProblemName(EdxmlProblem::SchemaInvalid) == "schema_invalid");
  auto failure = edxmlFailure(EdxmlProblem::InvalidBase64, "x");
  CHECK(failure.code() == ErrorCode::InvalidXml);
  CHECK(failure.message() == "invalid_base64: x");
  CHECK(problemOf(failure) == EdxmlProblem::InvalidBase64);
  CHECK_FALSE(problemOf(vanthu::Status::invalidArgument("invalid_base64: x")).has_value());
}

TEST_CASE("edxml text XML cannot carry is refused before anything is written",
          "[exchange][edxml]") {
  EdxmlPackage package = samplePackage();
  package.header.content = std::string("dòng một\x01");
  auto built = buildPackageXml(package);
  REQUIRE_FALSE(built.isOk());
  CHECK(problemOf(built.status()) == EdxmlProblem::InvalidValue);
  CHECK(built.status().message().find("Content holds the control character 1") !=
        std::string::npos);
  package = samplePackage();
  package.header.signerInfo.fullName = "Nguy\xe1\xbb";  // a cut UTF-8 sequence
  std::ostringstream out;
  auto status = writePackage(package, out);
  CHECK(problemOf(status) == EdxmlProblem::InvalidValue);
  CHECK(status.message().find("FullName is not UTF-8") != std::string::npos);
  CHECK(out.str().empty());
}

TEST_CASE("edxml a package file over the size limit is refused while it is read",
          "[exchange][edxml][limits]") {
  vanthu::test::TempDir dir;
  vanthu::test::writeText(dir / "package.edxml", sampleXml());
  ReadLimits limits;
  limits.maxPackageBytes = 1000;
  auto read = readPackageFile(dir / "package.edxml", limits);
  REQUIRE_FALSE(read.isOk());
  CHECK(read.status().code() == ErrorCode::PayloadTooLarge);
  CHECK(problemOf(read.status()) == EdxmlProblem::PackageTooLarge);
  limits = ReadLimits{};
  limits.maxDepth = 4;
  CHECK(problemOf(readPackageFile(dir / "package.edxml", limits).status()) ==
        EdxmlProblem::TooDeep);
}
