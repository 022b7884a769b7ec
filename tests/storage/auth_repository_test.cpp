// Authentication state (sessions, refresh-token rotation, lock-outs, API tokens, the shared
// signing secret) on SQLite and (with tests/storage/with_postgres.sh) on a real PostgreSQL.

#include <catch2/catch.hpp>

#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using namespace vanthu::workflow;
using vanthu::test::TempDir;

namespace {

struct AuthFixture {
  TempDir dir;
  std::string url = test::testDatabaseUrl(dir);
  std::unique_ptr<storage::Database> database = storage::Database::open({url});
  storage::SqlAuthRepository auth{*database};

  AuthFixture() {
    storage::SqlDirectoryRepository directory(*database);
    REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
    Organisation o;
    o.id = "ubnd";
    o.code = "000.00.00.H55";
    o.name = "Ủy ban nhân dân tỉnh";
    o.abbreviation = "UBND";
    o.tierCode = "province";
    REQUIRE(directory.addOrganisation(o).isOk());
    User user;
    user.id = "u1";
    user.username = "admin";
    user.fullName = "Quản trị";
    user.organisationId = "ubnd";
    user.passwordHash = "old-hash";
    REQUIRE(directory.addUser(user).isOk());
  }

  AuthSession session(const std::string& id, int64_t created = 1000) {
    AuthSession s;
    s.id = id;
    s.userId = "u1";
    s.createdAt = created;
    s.expiresAt = created + 3600;
    return s;
  }
};

}  // namespace

TEST_CASE("the signing secret is created once and a second candidate gets the stored one",
          "[storage][auth][postgresql]") {
  AuthFixture f;
  CHECK(f.auth.ensureSigningSecret("first") == "first");
  CHECK(f.auth.ensureSigningSecret("second") == "first");
  // Another connection to the same database (another instance) agrees.
  auto other = storage::Database::open({f.url});
  storage::SqlAuthRepository otherAuth(*other);
  CHECK(otherAuth.ensureSigningSecret("third") == "first");
}

TEST_CASE("a refresh token rotates once and using it again revokes the whole session",
          "[storage][auth][postgresql]") {
  AuthFixture f;
  REQUIRE(f.auth.createSession(f.session("s1"), "hash-1").isOk());
  auto check = f.auth.checkSession("s1");
  REQUIRE(check);
  CHECK(check->userActive);
  CHECK(check->organisationId == "ubnd");
  CHECK(check->session.revokedAt == 0);

  auto first = f.auth.rotateRefreshToken("hash-1", "hash-2", 1100);
  CHECK(first.outcome == RefreshOutcome::Rotated);
  REQUIRE(first.session);
  CHECK(first.session->id == "s1");

  auto second = f.auth.rotateRefreshToken("hash-2", "hash-3", 1200);
  CHECK(second.outcome == RefreshOutcome::Rotated);

  // hash-1 again: theft. The session and every token of it end.
  auto reused = f.auth.rotateRefreshToken("hash-1", "hash-x", 1300);
  CHECK(reused.outcome == RefreshOutcome::Reused);
  CHECK(f.auth.checkSession("s1")->session.revokedAt == 1300);
  CHECK(f.auth.checkSession("s1")->session.revokedReason == "refresh_token_reused");
  CHECK(f.auth.rotateRefreshToken("hash-3", "hash-4", 1400).outcome == RefreshOutcome::Ended);
  CHECK(f.auth.rotateRefreshToken("nope", "hash-5", 1400).outcome == RefreshOutcome::Unknown);
}

TEST_CASE("an expired session does not rotate", "[storage][auth][postgresql]") {
  AuthFixture f;
  REQUIRE(f.auth.createSession(f.session("s1", 1000), "hash-1").isOk());
  CHECK(f.auth.rotateRefreshToken("hash-1", "hash-2", 1000 + 3600).outcome ==
        RefreshOutcome::Ended);
}

TEST_CASE("sessions are revoked one at a time or all but one", "[storage][auth][postgresql]") {
  AuthFixture f;
  for (auto id : {"s1", "s2", "s3"}) {
    REQUIRE(f.auth.createSession(f.session(id), std::string("hash-") + id).isOk());
  }
  CHECK(f.auth.revokeSession("s1", 2000, "logout"));
  CHECK_FALSE(f.auth.revokeSession("s1", 2001, "logout"));  // already revoked
  CHECK_FALSE(f.auth.revokeSession("none", 2001, "logout"));
  CHECK(f.auth.checkSession("s1")->session.revokedReason == "logout");
  CHECK(f.auth.revokeSessionsOfUser("u1", "s3", 2100, "password_changed") == 1);  // s2
  CHECK(f.auth.checkSession("s2")->session.revokedAt == 2100);
  CHECK(f.auth.checkSession("s3")->session.revokedAt == 0);
  CHECK_FALSE(f.auth.checkSession("none"));
}

TEST_CASE("failed logins lock a username, doubling each time, and a success clears them",
          "[storage][auth][postgresql]") {
  AuthFixture f;
  LockoutPolicy policy;
  policy.maxFailures = 3;
  policy.lockoutSeconds = 60;
  CHECK(f.auth.loginThrottle("admin").failures == 0);
  f.auth.recordLoginFailure("admin", 100, policy);
  auto two = f.auth.recordLoginFailure("admin", 101, policy);
  CHECK(two.failures == 2);
  CHECK(lockedFor(two, 101) == 0);
  auto locked = f.auth.recordLoginFailure("admin", 102, policy);
  CHECK(lockedFor(locked, 102) == 60);
  CHECK(f.auth.loginThrottle("admin").lockedUntil == 162);
  // Unknown usernames are counted the same way (a lock-out tells nothing about existence).
  f.auth.recordLoginFailure("nobody", 100, policy);
  CHECK(f.auth.loginThrottle("nobody").failures == 1);
  // After the lock: three more failures lock for twice as long.
  for (int i = 0; i < 3; ++i) locked = f.auth.recordLoginFailure("admin", 200 + i, policy);
  CHECK(lockedFor(locked, 202) == 120);
  f.auth.clearLoginFailures("admin");
  CHECK(f.auth.loginThrottle("admin").lockouts == 0);
  CHECK(f.auth.loginThrottle("admin").lockedUntil == 0);
}

TEST_CASE("a password hash is replaced", "[storage][auth][postgresql]") {
  AuthFixture f;
  CHECK(f.auth.setPasswordHash("u1", "new-hash").isOk());
  CHECK(f.auth.findUserById("u1")->passwordHash == "new-hash");
  CHECK(f.auth.setPasswordHash("u9", "x").code() == ErrorCode::NotFound);
  CHECK_FALSE(f.auth.findUserById("u9"));
}

TEST_CASE("API tokens are stored by hash, listed per organisation and revoked",
          "[storage][auth][postgresql]") {
  AuthFixture f;
  ApiToken token;
  token.id = "tok1";
  token.name = "liên thông";
  token.organisationId = "ubnd";
  token.createdBy = "u1";
  token.scopes = {"exchange:inbox", "verify"};
  token.tokenHash = "abc";
  token.createdAt = 100;
  token.expiresAt = 5000;
  REQUIRE(f.auth.addApiToken(token).isOk());
  CHECK(f.auth.addApiToken(token).code() == ErrorCode::AlreadyExists);
  auto bad = token;
  bad.id = "tok2";
  bad.tokenHash = "def";
  bad.scopes = {"admin:everything"};
  CHECK(f.auth.addApiToken(bad).code() == ErrorCode::InvalidArgument);

  auto found = f.auth.findApiTokenByHash("abc");
  REQUIRE(found);
  CHECK(found->id == "tok1");
  CHECK(found->name == "liên thông");
  CHECK(found->scopes == std::vector<std::string>{"exchange:inbox", "verify"});
  CHECK(found->expiresAt == 5000);
  CHECK_FALSE(f.auth.findApiTokenByHash("zzz"));

  CHECK(f.auth.listApiTokens("ubnd").size() == 1);
  CHECK(f.auth.listApiTokens("other").empty());
  CHECK_FALSE(f.auth.revokeApiToken("tok1", "other", 200));  // not that organisation's
  CHECK(f.auth.revokeApiToken("tok1", "ubnd", 200));
  CHECK_FALSE(f.auth.revokeApiToken("tok1", "ubnd", 201));
  CHECK(f.auth.findApiTokenByHash("abc")->revokedAt == 200);
}
