#include "vanthu/exchange/xml_document.h"

#include <catch2/catch.hpp>

using vanthu::ErrorCode;
using vanthu::exchange::XmlDocument;

TEST_CASE("well-formed XML is read with its namespace", "[exchange][xml]") {
  auto doc = XmlDocument::parse(
      R"(<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><Subject>Về việc chuyển đổi số</Subject></edXML>)",
      "envelope.xml");
  REQUIRE(doc.isOk());
  CHECK(doc.value().rootName() == "edXML");
  CHECK(doc.value().rootNamespace() == "http://www.mic.gov.vn/TBT/QCVN_102_2016");
  CHECK(doc.value().rootText() == "Về việc chuyển đổi số");
}

TEST_CASE("malformed XML is refused with the line of the fault", "[exchange][xml]") {
  auto doc = XmlDocument::parse("<a>\n<b>\n</a>", "broken.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
  CHECK(doc.status().message().rfind("broken.xml:3:", 0) == 0);
}

TEST_CASE("an external entity is never resolved", "[exchange][xml][security]") {
  auto doc = XmlDocument::parse(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]>\n<a>&x;</a>",
      "xxe.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
}

TEST_CASE("entity expansion bombs are refused", "[exchange][xml][security]") {
  std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lol [<!ENTITY lol \"lol\">";
  bomb += "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">";
  bomb += "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">]>";
  bomb += "<lolz>&lol2;</lolz>";
  auto doc = XmlDocument::parse(bomb, "bomb.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
}

TEST_CASE("empty input is refused", "[exchange][xml]") {
  auto doc = XmlDocument::parse("", "empty.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
}
