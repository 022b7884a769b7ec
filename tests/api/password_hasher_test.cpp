#include "vanthu/api/password_hasher.h"

#include <catch2/catch.hpp>

using namespace vanthu::api;

TEST_CASE("passwords are stored as salted PBKDF2-SHA256 with 600,000 iterations", "[api][auth]") {
  std::string hash = hashPassword("Mật khẩu đúng 123");
  CHECK(hash.rfind("$pbkdf2-sha256$i=600000$", 0) == 0);
  CHECK(hash.find("Mật khẩu") == std::string::npos);
  CHECK(verifyPassword("Mật khẩu đúng 123", hash));
  CHECK_FALSE(verifyPassword("Mật khẩu đúng 124", hash));
  CHECK_FALSE(verifyPassword("", hash));
  // A fresh salt each time: equal passwords give different hashes.
  CHECK(hashPassword("Mật khẩu đúng 123") != hash);
}

TEST_CASE("malformed or hostile hashes never verify", "[api][auth]") {
  std::string good = hashPassword("x", 1000);
  REQUIRE(verifyPassword("x", good));
  CHECK_FALSE(verifyPassword("x", ""));
  CHECK_FALSE(verifyPassword("x", "plaintext"));
  CHECK_FALSE(verifyPassword("x", "$pbkdf2-sha256$i=abc$AAAA$BBBB"));
  CHECK_FALSE(
      verifyPassword("x", "$pbkdf2-sha256$i=999999999$" + good.substr(good.find('$', 20) + 1)));
  CHECK_FALSE(verifyPassword("x", good.substr(0, good.size() - 4)));
  CHECK_FALSE(verifyPassword("x", "$pbkdf2-sha256$i=1000$$"));
}
