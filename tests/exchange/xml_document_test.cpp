#include "vanthu/exchange/xml_document.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "vanthu/exchange/edxml_problem.h"

using vanthu::ErrorCode;
using vanthu::exchange::EdxmlProblem;
using vanthu::exchange::problemOf;
using vanthu::exchange::ReadLimits;
using vanthu::exchange::XmlDocument;

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

// What `run` writes to stderr (file descriptor 2), libxml2's own printing included.
template <typename F>
std::string stderrOf(F run) {
  std::fflush(stderr);
  FILE* capture = std::tmpfile();
  REQUIRE(capture != nullptr);
  int saved = dup(2);
  dup2(fileno(capture), 2);
  run();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::string text;
  std::rewind(capture);
  for (int c = std::fgetc(capture); c != EOF; c = std::fgetc(capture)) text.push_back(char(c));
  std::fclose(capture);
  return text;
}

std::string nested(int depth) {
  std::string xml;
  for (int i = 0; i < depth; ++i) xml += "<e>\n";
  for (int i = 0; i < depth; ++i) xml += "</e>";
  return xml;
}

}  // namespace

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
  CHECK(problemOf(doc.status()) == EdxmlProblem::NotWellFormed);
  CHECK(startsWith(doc.status().message(), "not_well_formed: broken.xml:3:"));
}

TEST_CASE("an external entity is never resolved", "[exchange][xml][security]") {
  auto doc = XmlDocument::parse(
      "<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x SYSTEM "
      "\"file:///etc/passwd\">]>\n<a>&x;</a>",
      "xxe.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
  CHECK(problemOf(doc.status()) == EdxmlProblem::DoctypeRefused);
  CHECK(startsWith(doc.status().message(), "doctype_refused: xxe.xml:2: a DOCTYPE is not allowed"));
  CHECK(doc.status().message().find("root:") == std::string::npos);
}

TEST_CASE("an external DTD and a parameter entity are refused before anything is fetched",
          "[exchange][xml][security]") {
  for (const char* xml : {
           "<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
           "<!DOCTYPE a PUBLIC \"-//x//y\" \"http://127.0.0.1:9/evil.dtd\"><a/>",
           "<!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]><a/>",
       }) {
    auto doc = XmlDocument::parse(xml, "dtd.xml");
    REQUIRE_FALSE(doc.isOk());
    CHECK(problemOf(doc.status()) == EdxmlProblem::DoctypeRefused);
  }
}

TEST_CASE("an entity that was never declared is not looked up anywhere",
          "[exchange][xml][security]") {
  auto doc = XmlDocument::parse("<a>&passwd;</a>", "undeclared.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(problemOf(doc.status()) == EdxmlProblem::NotWellFormed);
}

TEST_CASE("entity expansion bombs are refused", "[exchange][xml][security]") {
  std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE lol [<!ENTITY lol \"lol\">";
  for (int level = 1; level <= 9; ++level) {
    std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
    bomb += "<!ENTITY lol" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) bomb += "&" + previous + ";";
    bomb += "\">";
  }
  bomb += "]>\n<lolz>&lol9;</lolz>";
  auto doc = XmlDocument::parse(bomb, "bomb.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
  CHECK(problemOf(doc.status()) == EdxmlProblem::DoctypeRefused);
  CHECK(startsWith(doc.status().message(), "doctype_refused: bomb.xml:2:"));
}

TEST_CASE("deep nesting is refused at the limit, with the line", "[exchange][xml][security]") {
  SECTION("the default limit of 32") {
    CHECK(XmlDocument::parse(nested(32), "deep.xml").isOk());
    auto doc = XmlDocument::parse(nested(100000), "deep.xml");
    REQUIRE_FALSE(doc.isOk());
    CHECK(doc.status().code() == ErrorCode::InvalidXml);
    CHECK(problemOf(doc.status()) == EdxmlProblem::TooDeep);
    CHECK(doc.status().message() == "too_deep: deep.xml:33: elements nested deeper than 32");
  }
  SECTION("a limit of the caller's") {
    ReadLimits limits;
    limits.maxDepth = 4;
    CHECK(XmlDocument::parse(nested(4), "deep.xml", limits).isOk());
    auto doc = XmlDocument::parse(nested(5), "deep.xml", limits);
    REQUIRE_FALSE(doc.isOk());
    CHECK(problemOf(doc.status()) == EdxmlProblem::TooDeep);
  }
}

TEST_CASE("input over the size limit is refused before it is parsed", "[exchange][xml]") {
  ReadLimits limits;
  limits.maxPackageBytes = 64;
  std::string xml = "<a>" + std::string(100, 'x') + "</a>";
  auto doc = XmlDocument::parse(xml, "big.xml", limits);
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::PayloadTooLarge);
  CHECK(problemOf(doc.status()) == EdxmlProblem::PackageTooLarge);
  CHECK(startsWith(doc.status().message(), "package_too_large: big.xml: 107 bytes"));
}

TEST_CASE("a text node larger than libxml2's default cap is read", "[exchange][xml]") {
  // A base64 attachment of 8 MB is already over libxml2's 10 MB limit for one text node.
  std::string text(12u * 1024 * 1024, 'A');
  auto doc = XmlDocument::parse("<a>" + text + "</a>", "large.xml");
  REQUIRE(doc.isOk());
  CHECK(doc.value().rootText().size() == text.size());
}

TEST_CASE("empty input is refused", "[exchange][xml]") {
  auto doc = XmlDocument::parse("", "empty.xml");
  REQUIRE_FALSE(doc.isOk());
  CHECK(doc.status().code() == ErrorCode::InvalidXml);
  CHECK(problemOf(doc.status()) == EdxmlProblem::NotWellFormed);
}

TEST_CASE("bytes the declared encoding cannot convert are refused without printing anything",
          "[exchange][xml]") {
  // libxml2 raises conversion failures outside the parser context, to a handler that prints.
  std::string xml = "<?xml version=\"1.0\" encoding=\"EUC-JP\"?>\n<a>\xC4\x90T<b/></a>";
  vanthu::Status status;
  std::string printed = stderrOf([&] { status = XmlDocument::parse(xml, "euc.xml").status(); });
  CHECK_FALSE(status.isOk());
  CHECK(problemOf(status) == EdxmlProblem::NotWellFormed);
  CHECK(printed.empty());
}
