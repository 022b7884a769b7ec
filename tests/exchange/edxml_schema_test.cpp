#include "vanthu/exchange/edxml_schema.h"

#include <catch2/catch.hpp>

#include "edxml_samples.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_writer.h"

using namespace vanthu::exchange;
using namespace vanthu::exchange::test;

namespace {

EdxmlSchema loadSchema(const std::string& name) {
  auto schema = EdxmlSchema::load(sampleSchema(name));
  INFO(schema.status().toString());
  REQUIRE(schema.isOk());
  return std::move(schema).value();
}

}  // namespace

TEST_CASE("edxml packages we write validate against the shipped XSD", "[exchange][edxml][xsd]") {
  EdxmlSchema schema = loadSchema("edxml.xsd");
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  auto status = schema.validate(xml.value(), "package.edxml");
  INFO(status.toString());
  CHECK(status.isOk());
}

TEST_CASE("edxml status messages we write validate against the shipped XSD",
          "[exchange][edxml][xsd]") {
  EdxmlSchema schema = loadSchema("edxml-status.xsd");
  auto xml = buildStatusMessageXml(sampleStatus(StatusCode::Completed));
  REQUIRE(xml.isOk());
  auto status = schema.validate(xml.value(), "status.edxml");
  INFO(status.toString());
  CHECK(status.isOk());
  // A package is not a status message.
  auto package = buildPackageXml(samplePackage());
  REQUIRE(package.isOk());
  CHECK(problemOf(schema.validate(package.value(), "package.edxml")) ==
        EdxmlProblem::SchemaInvalid);
}

TEST_CASE("edxml the XSD refuses invalid packages with line and element",
          "[exchange][edxml][xsd]") {
  EdxmlSchema schema = loadSchema("edxml.xsd");
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  auto lineOf = [&](const std::string& needle) {
    auto at = xml.value().find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + std::count(xml.value().begin(), xml.value().begin() + static_cast<long>(at), '\n');
  };
  SECTION("an element out of order") {
    std::string bad = replaced(xml.value(), "<Subject>", "<Unexpected/><Subject>");
    auto status = schema.validate(bad, "bad.edxml");
    REQUIRE(problemOf(status) == EdxmlProblem::SchemaInvalid);
    CHECK(status.message().find("bad.edxml:" + std::to_string(lineOf("<Subject>")) + ":") !=
          std::string::npos);
    CHECK(status.message().find("Unexpected") != std::string::npos);
  }
  SECTION("a priority out of range") {
    std::string bad = replaced(xml.value(), "<Priority>2<", "<Priority>9<");
    auto status = schema.validate(bad, "bad.edxml");
    REQUIRE(problemOf(status) == EdxmlProblem::SchemaInvalid);
    CHECK(status.message().find(":" + std::to_string(lineOf("<Priority>")) + ":") !=
          std::string::npos);
    CHECK(status.message().find("Priority") != std::string::npos);
  }
  SECTION("an agency code of the wrong form") {
    std::string bad = replaced(xml.value(), "<OrganId>000.00.01.H49<", "<OrganId>H49<");
    auto status = schema.validate(bad, "bad.edxml");
    REQUIRE(problemOf(status) == EdxmlProblem::SchemaInvalid);
    CHECK(status.message().find("OrganId") != std::string::npos);
  }
  SECTION("a missing subject") {
    auto from = xml.value().find("<Subject>");
    auto to = xml.value().find("</Subject>") + std::string("</Subject>").size();
    std::string bad = xml.value().substr(0, from) + xml.value().substr(to);
    auto status = schema.validate(bad, "bad.edxml");
    REQUIRE(problemOf(status) == EdxmlProblem::SchemaInvalid);
    CHECK(status.message().find("Subject") != std::string::npos);
  }
  SECTION("a DOCTYPE never reaches validation") {
    std::string bad =
        replaced(xml.value(), "<edXML ", "<!DOCTYPE edXML [<!ENTITY x \"y\">]>\n<edXML ");
    CHECK(problemOf(schema.validate(bad, "bad.edxml")) == EdxmlProblem::DoctypeRefused);
  }
}

TEST_CASE("edxml a schema that imports from elsewhere is not loaded",
          "[exchange][edxml][xsd][security]") {
  vanthu::test::TempDir dir;
  vanthu::test::writeText(
      dir / "importing.xsd",
      "<xs:schema xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\n"
      "<xs:import namespace=\"urn:x\" schemaLocation=\"http://127.0.0.1:9/x.xsd\"/>\n"
      "<xs:include schemaLocation=\"/etc/passwd\"/>\n"
      "<xs:element name=\"a\" type=\"xs:string\"/>\n</xs:schema>\n");
  auto schema = EdxmlSchema::load(dir / "importing.xsd");
  REQUIRE_FALSE(schema.isOk());
  CHECK(schema.status().code() == vanthu::ErrorCode::InvalidConfig);
  INFO(schema.status().message());
  CHECK(schema.status().message().find("importing.xsd:2:") != std::string::npos);
  CHECK(schema.status().message().find("http://127.0.0.1:9/x.xsd") != std::string::npos);
  auto absent = EdxmlSchema::load(dir / "absent.xsd");
  REQUIRE_FALSE(absent.isOk());
  CHECK(absent.status().code() == vanthu::ErrorCode::InvalidConfig);
}

TEST_CASE("edxml the built-in schemas are the shipped files", "[exchange][edxml][xsd]") {
  CHECK(vanthu::test::readFile(sampleSchema("edxml.xsd")) == std::string(packageSchemaText()));
  CHECK(vanthu::test::readFile(sampleSchema("edxml-status.xsd")) ==
        std::string(statusSchemaText()));
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  CHECK(EdxmlSchema::package().validate(xml.value(), "package.edxml").isOk());
  auto status = buildStatusMessageXml(sampleStatus(StatusCode::Arrived));
  REQUIRE(status.isOk());
  CHECK(EdxmlSchema::statusMessage().validate(status.value(), "status.edxml").isOk());
  CHECK_FALSE(EdxmlSchema::package().validate(status.value(), "status.edxml").isOk());
}

TEST_CASE("edxml a package file is validated as it is read", "[exchange][edxml][xsd]") {
  vanthu::test::TempDir dir;
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  vanthu::test::writeText(dir / "package.edxml", xml.value());
  CHECK(EdxmlSchema::package().validateFile(dir / "package.edxml").isOk());
  vanthu::test::writeText(dir / "bad.edxml", replaced(xml.value(), "<Priority>2<", "<Priority>9<"));
  CHECK(problemOf(EdxmlSchema::package().validateFile(dir / "bad.edxml")) ==
        EdxmlProblem::SchemaInvalid);
  CHECK(EdxmlSchema::package().validateFile(dir / "absent.edxml").code() ==
        vanthu::ErrorCode::IoFailure);
}
