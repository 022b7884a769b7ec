#include "base64_decoder.h"

#include <catch2/catch.hpp>

using vanthu::exchange::Base64Decoder;

namespace {

std::string decode(const std::string& text, bool* ok) {
  std::string out;
  Base64Decoder decoder(&out);
  *ok = decoder.feed(text) && decoder.finish();
  return out;
}

}  // namespace

TEST_CASE("base64 decodes with and without padding and across pieces", "[exchange][base64]") {
  bool ok = false;
  CHECK(decode("", &ok).empty());
  CHECK(ok);
  CHECK(decode("TWFu", &ok) == "Man");
  CHECK(decode("TWE=", &ok) == "Ma");
  CHECK(ok);
  CHECK(decode("TQ==", &ok) == "M");
  CHECK(ok);
  CHECK(decode("TW\r\nFu\n TWE=\n", &ok) == "ManMa");
  CHECK(ok);
  std::string out;
  Base64Decoder decoder(&out);
  REQUIRE(decoder.feed("TW"));
  REQUIRE(decoder.feed("Fu"));
  REQUIRE(decoder.finish());
  CHECK(out == "Man");
}

TEST_CASE("base64 that does not decode is refused", "[exchange][base64]") {
  for (const char* text : {"TWF", "TW!u", "T===", "TQ==TWFu", "TWE=x", "TQ=a", "=TWF"}) {
    INFO(text);
    bool ok = true;
    decode(text, &ok);
    CHECK_FALSE(ok);
  }
  CHECK(Base64Decoder::countSignificant("TW\r\n Fu") == 4);
}
