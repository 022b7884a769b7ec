#include <catch2/catch.hpp>

#include "edxml_samples.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_writer.h"

using namespace vanthu::exchange;
using namespace vanthu::exchange::test;

TEST_CASE("edxml package round trip is lossless", "[exchange][edxml]") {
  EdxmlPackage original = samplePackage();
  auto xml = buildPackageXml(original);
  REQUIRE(xml.isOk());
  auto read = readPackage(xml.value(), "package.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  const EdxmlPackage& back = read.value();
  CHECK(back.header.from == original.header.from);
  CHECK(back.header.to.size() == 3);
  CHECK(back.header.subject == original.header.subject);
  CHECK(back.header.content == original.header.content);
  CHECK(back.header == original.header);
  CHECK(back.trace == original.trace);
  REQUIRE(back.attachments.size() == 3);
  CHECK(back.attachments[0].bytes == samplePdf());
  CHECK(back.attachments[2].bytes == everyByteValue());
  CHECK(back.attachments == original.attachments);
  CHECK(back == original);
  // Writing what was read gives the same bytes: nothing is lost or reordered.
  auto again = buildPackageXml(back);
  REQUIRE(again.isOk());
  CHECK(again.value() == xml.value());
}

TEST_CASE("edxml package with only required fields round trips", "[exchange][edxml]") {
  EdxmlPackage minimal;
  minimal.header.from.organId = "000.00.00.H49";
  minimal.header.to = {agency("000.00.00.H55", "")};
  minimal.header.code = {"1", "UBND-VP"};
  minimal.header.promulgationInfo.promulgationDate = {2026, 1, 31};
  minimal.header.documentType.type = 18;
  minimal.header.subject = "Thông báo";
  minimal.header.signerInfo.fullName = "Phạm Thị Mai";
  auto xml = buildPackageXml(minimal);
  REQUIRE(xml.isOk());
  auto read = readPackage(xml.value(), "minimal.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value() == minimal);
  CHECK_FALSE(read.value().header.dueDate.has_value());
  CHECK(read.value().attachments.empty());
}

TEST_CASE("edxml output uses the namespace the edXML prefix and year-first dates",
          "[exchange][edxml]") {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  const std::string& text = xml.value();
  CHECK(text.find("xmlns=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"") != std::string::npos);
  CHECK(text.find("xmlns:edXML=\"http://www.mic.gov.vn/TBT/QCVN_102_2016\"") != std::string::npos);
  for (const char* element : {"<edXML:edXMLEnvelope>", "<edXML:edXMLHeader>", "<edXML:edXMLBody>",
                              "<edXML:edXMLManifest version=\"1.0\">"}) {
    CHECK(text.find(element) != std::string::npos);
  }
  CHECK(text.find("<PromulgationDate>2026/11/29</PromulgationDate>") != std::string::npos);
  CHECK(text.find("<Timestamp>2026/11/29 08:30:05</Timestamp>") != std::string::npos);
  CHECK(text.find("<Bussiness>") != std::string::npos);
  CHECK(text.find("Nguyễn Văn Thắng") != std::string::npos);  // UTF-8, not character references
}

TEST_CASE("edxml dates written day first by other clients are read", "[exchange][edxml]") {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  std::string dayFirst =
      replaced(xml.value(), "<PromulgationDate>2026/11/29<", "<PromulgationDate>29/11/2026<");
  dayFirst =
      replaced(dayFirst, "<Timestamp>2026/11/29 08:30:05<", "<Timestamp>29/11/2026 08:30:05<");
  REQUIRE(dayFirst != xml.value());
  auto read = readPackage(dayFirst, "day-first.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value() == samplePackage());
}

TEST_CASE("edxml package is read from a file", "[exchange][edxml]") {
  vanthu::test::TempDir dir;
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  vanthu::test::writeText(dir / "package.edxml", xml.value());
  auto read = readPackageFile(dir / "package.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value() == samplePackage());
  auto absent = readPackageFile(dir / "absent.edxml");
  REQUIRE_FALSE(absent.isOk());
  CHECK(absent.status().code() == vanthu::ErrorCode::IoFailure);
}

TEST_CASE("edxml status message round trip is lossless for every code", "[exchange][edxml]") {
  for (StatusCode code :
       {StatusCode::Arrived, StatusCode::Rejected, StatusCode::Accepted, StatusCode::Assigned,
        StatusCode::InProgress, StatusCode::Completed, StatusCode::TakeBackRequested,
        StatusCode::TakeBackAccepted, StatusCode::TakeBackRefused}) {
    StatusMessage original = sampleStatus(code);
    auto xml = buildStatusMessageXml(original);
    REQUIRE(xml.isOk());
    CHECK(xml.value().find("<StatusCode>" + statusCodeText(code) + "</StatusCode>") !=
          std::string::npos);
    auto read = readStatusMessage(xml.value(), "status.edxml");
    INFO(read.status().toString());
    REQUIRE(read.isOk());
    CHECK(read.value() == original);
  }
}

TEST_CASE("edxml status code texts are two digits", "[exchange][edxml]") {
  CHECK(statusCodeText(StatusCode::Arrived) == "01");
  CHECK(statusCodeText(StatusCode::TakeBackRefused) == "16");
  CHECK(statusCodeFromText("03") == StatusCode::Accepted);
  CHECK_FALSE(statusCodeFromText("3").has_value());
  CHECK_FALSE(statusCodeFromText("07").has_value());
  CHECK_FALSE(statusCodeFromText("14").has_value());
}

TEST_CASE("edxml white space and line ends in text survive the round trip", "[exchange][edxml]") {
  EdxmlPackage package = samplePackage();
  package.header.subject = "  V/v\tthử nghiệm\r\nhai dòng\r  ";
  package.header.toPlaces = {" ", "Như trên;\n"};
  auto xml = buildPackageXml(package);
  REQUIRE(xml.isOk());
  auto read = readPackage(xml.value(), "spaces.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value().header.subject == package.header.subject);
  CHECK(read.value() == package);
}

TEST_CASE("edxml values padded with white space by other clients are read", "[exchange][edxml]") {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  std::string padded = replaced(xml.value(), "<Priority>2<", "<Priority>\n  2\n<");
  padded = replaced(padded, "<OrganId>000.00.00.H49<", "<OrganId> 000.00.00.H49 <");
  padded = replaced(padded, "<PromulgationDate>2026/11/29<", "<PromulgationDate> 29/11/2026<");
  auto read = readPackage(padded, "padded.edxml");
  INFO(read.status().toString());
  REQUIRE(read.isOk());
  CHECK(read.value() == samplePackage());
}
