// A bounded, seeded stand-in for fuzzing that runs in every ctest: thousands of mutations of a
// valid package and status message (bytes flipped, inserted, deleted, pieces of XML spliced in)
// must each be read or refused with a known problem, never crash, hang or escape as an
// exception. The libFuzzer harness (edxml_fuzz.cpp) explores the same entry points without a
// bound where clang is available.

#include <catch2/catch.hpp>
#include <random>

#include "edxml_samples.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_schema.h"
#include "vanthu/exchange/edxml_writer.h"

using namespace vanthu::exchange;
using namespace vanthu::exchange::test;

namespace {

// Fragments that reach the parser's interesting states.
const char* const kSplices[] = {
    "<!DOCTYPE edXML [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
    "<!ENTITY a \"&a;&a;\">",
    "&x;",
    "&#0;",
    "&#x110000;",
    "<![CDATA[",
    "]]>",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\"/>",
    "xmlns=\"urn:other\"",
    "<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><"
    "a><a>",
    "====",
    "\xff\xfe",
    "\xc3\x28",
    "99/99/9999",
    "000.00.00.H4",
    "</edXML>",
};

std::string mutate(const std::string& original, std::mt19937& random) {
  std::string text = original;
  int edits = 1 + static_cast<int>(random() % 4);
  for (int i = 0; i < edits && !text.empty(); ++i) {
    size_t at = random() % text.size();
    switch (random() % 5) {
      case 0:
        text[at] = static_cast<char>(random() & 0xff);
        break;
      case 1:
        text.erase(at, 1 + random() % 64);
        break;
      case 2:
        text.insert(at, 1, static_cast<char>(random() & 0xff));
        break;
      case 3:
        text.insert(at, kSplices[random() % (sizeof kSplices / sizeof kSplices[0])]);
        break;
      default: {  // duplicate a slice: repeated elements, unbalanced tags
        size_t length = std::min<size_t>(1 + random() % 200, text.size() - at);
        text.insert(random() % text.size(), text.substr(at, length));
      }
    }
  }
  return text;
}

template <typename Read>
void mutateAndRead(const std::string& valid, uint32_t seed, int iterations, Read read) {
  std::mt19937 random(seed);
  int accepted = 0;
  for (int i = 0; i < iterations; ++i) {
    std::string input = mutate(valid, random);
    vanthu::Status status = read(input);
    if (status.isOk()) {
      ++accepted;
      continue;
    }
    // Every refusal names a known problem: a message without one is an unclassified path.
    if (!problemOf(status).has_value()) {
      FAIL("seed " << seed << " iteration " << i << ": " << status.toString());
    }
  }
  // Some mutations land in text and leave a valid package: the mutator is not just breaking it.
  CHECK(accepted > 0);
  CHECK(accepted < iterations);
}

}  // namespace

TEST_CASE("edxml seeded mutations of a package are read or refused cleanly",
          "[exchange][edxml][fuzz]") {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  ReadLimits limits;
  limits.maxAttachmentBytes = 4096;
  mutateAndRead(xml.value(), 20261129, 3000, [&](const std::string& input) {
    return readPackage(input, "mutated.edxml", limits).status();
  });
}

TEST_CASE("edxml seeded mutations are validated by the XSD cleanly", "[exchange][edxml][fuzz]") {
  auto xml = buildPackageXml(samplePackage());
  REQUIRE(xml.isOk());
  mutateAndRead(xml.value(), 102, 1000, [&](const std::string& input) {
    return EdxmlSchema::package().validate(input, "mutated.edxml");
  });
}

TEST_CASE("edxml seeded mutations of a status message are read or refused cleanly",
          "[exchange][edxml][fuzz]") {
  auto xml = buildStatusMessageXml(sampleStatus(StatusCode::Assigned));
  REQUIRE(xml.isOk());
  mutateAndRead(xml.value(), 2016, 3000, [&](const std::string& input) {
    return readStatusMessage(input, "mutated.edxml").status();
  });
}
