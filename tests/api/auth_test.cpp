// Authentication over real HTTP on loopback against a real SQLite database (issue 6, point 1).

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

const std::string kAdminPassword = "mat-khau-quan-tri-2026";
const std::string kClerkPassword = "mat-khau-van-thu-2026";

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;

  Poco::JSON::Object::Ptr json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
  std::string code() const { return json()->getValue<std::string>("code"); }
};

Reply call(uint16_t port, const std::string& method, const std::string& path,
           const std::string& body = "", const std::string& bearer = "",
           const std::string& contentType = "application/json") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
  if (!body.empty()) {
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Reply reply;
  std::istream& in = session.receiveResponse(reply.headers);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

std::string loginBody(const std::string& username, const std::string& password) {
  Poco::JSON::Object body;
  body.set("username", username);
  body.set("password", password);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

std::string base64Url(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder << bytes;
  encoder.close();
  return out.str();
}

int64_t unixNow() {
  return static_cast<int64_t>(std::time(nullptr));
}

// A data directory with one organisation, an administrator and a clerk, then a server on it.
struct AuthServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  explicit AuthServer(int maxFailures = 5, int lockoutSeconds = 900) {
    config.dataDir = dir.path();
    config.port = 0;
    config.authMaxFailedLogins = maxFailures;
    config.authLockout = std::chrono::seconds(lockoutSeconds);
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      workflow::Organisation o;
      o.id = "ubnd";
      o.code = "000.00.00.H55";
      o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
      o.abbreviation = "UBND";
      o.tierCode = "province";
      REQUIRE(directory.addOrganisation(o).isOk());
      REQUIRE(directory.addUnit({"vp", "ubnd", "Văn phòng", "VP"}).isOk());
      addUser(directory, "u-admin", "admin", "Trần Quản Trị", kAdminPassword);
      addUser(directory, "u-clerk", "vanthu", "Lê Văn Thư", kClerkPassword);
      REQUIRE(directory.grantRole({"u-admin", workflow::Role::Administrator, "ubnd", {}}).isOk());
      REQUIRE(directory.grantRole({"u-clerk", workflow::Role::Clerk, "ubnd", {"vp"}}).isOk());
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& username, const std::string& name,
                      const std::string& password) {
    workflow::User user;
    user.id = id;
    user.username = username;
    user.fullName = name;
    user.organisationId = "ubnd";
    user.passwordHash = api::hashPassword(password, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
  }

  uint16_t port() const { return server->port(); }

  Reply login(const std::string& username, const std::string& password) {
    return call(port(), "POST", "/api/v1/auth/login", loginBody(username, password));
  }

  Poco::JSON::Object::Ptr loginOk(const std::string& username, const std::string& password) {
    auto reply = login(username, password);
    REQUIRE(reply.status == 200);
    return reply.json();
  }

  // The secret the server signs with, as another instance on the same database sees it.
  std::string signingSecret() {
    auto database = storage::Database::open({config.resolvedDatabaseUrl()});
    storage::SqlAuthRepository auth(*database);
    return auth.ensureSigningSecret("not-this-one");
  }
};

std::string signToken(const std::string& secret, const std::string& algorithm,
                      const std::string& subject, const std::string& sessionId, int64_t expiresAt,
                      const std::string& organisation = "ubnd") {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(subject);
  token.setId("test-jti");
  token.payload().set("org", organisation);
  token.payload().set("sid", sessionId);
  token.payload().set("iat", static_cast<Poco::Int64>(unixNow() - 10));
  token.payload().set("exp", static_cast<Poco::Int64>(expiresAt));
  Poco::JWT::Signer signer(secret);
  signer.addAlgorithm(algorithm);
  return signer.sign(token, algorithm);
}

// The claims of a token the server issued (no verification: the test reads its own token).
Poco::JSON::Object::Ptr claimsOf(const std::string& jwt) {
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  std::string encoded = jwt.substr(first + 1, second - first - 1);
  while (encoded.size() % 4 != 0) encoded += '=';
  for (char& c : encoded) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  std::istringstream in(encoded);
  Poco::Base64Decoder decoder(in);
  std::string json((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

void checkUnauthorized(const Reply& reply) {
  CHECK(reply.status == 401);
  CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
  CHECK(reply.headers.get("WWW-Authenticate", "").rfind("Bearer", 0) == 0);
  CHECK(reply.code() == "unauthenticated");
}

}  // namespace

TEST_CASE("login returns a short-lived HS256 token, a refresh token and the user with roles",
          "[api][auth]") {
  AuthServer s;
  auto reply = s.login("admin", kAdminPassword);
  REQUIRE(reply.status == 200);
  auto body = reply.json();
  CHECK(body->getValue<std::string>("token_type") == "Bearer");
  CHECK(body->getValue<int>("expires_in") == 900);
  CHECK(body->getValue<std::string>("refresh_token").rfind("vtr_", 0) == 0);
  auto user = body->getObject("user");
  CHECK(user->getValue<std::string>("id") == "u-admin");
  CHECK(user->getValue<std::string>("username") == "admin");
  CHECK(user->getValue<std::string>("full_name") == "Trần Quản Trị");
  CHECK(user->getValue<std::string>("organisation_id") == "ubnd");
  auto roles = user->getArray("roles");
  REQUIRE(roles->size() == 1);
  CHECK(roles->getObject(0)->getValue<std::string>("role") == "administrator");
  CHECK(roles->getObject(0)->isNull("unit_id"));

  auto token = body->getValue<std::string>("token");
  auto claims = claimsOf(token);
  CHECK(claims->getValue<std::string>("sub") == "u-admin");
  CHECK(claims->getValue<std::string>("org") == "ubnd");
  CHECK(claims->has("sid"));
  CHECK(claims->has("jti"));
  CHECK(claims->getValue<Poco::Int64>("exp") - claims->getValue<Poco::Int64>("iat") == 900);

  auto me = call(s.port(), "GET", "/api/v1/me", "", token);
  REQUIRE(me.status == 200);
  CHECK(me.json()->getValue<std::string>("username") == "admin");
  CHECK(me.json()->getArray("roles")->size() == 1);

  // Neither the password nor the tokens reach the log.
  s.server->stop();
  CHECK(s.logs.str().find(kAdminPassword) == std::string::npos);
  CHECK(s.logs.str().find(token) == std::string::npos);
  CHECK(s.logs.str().find(body->getValue<std::string>("refresh_token")) == std::string::npos);
}

TEST_CASE("a wrong password and an unknown user get the same 401", "[api][auth]") {
  AuthServer s;
  auto wrong = s.login("admin", "not-the-password");
  auto unknown = s.login("nobody-here", "not-the-password");
  checkUnauthorized(wrong);
  checkUnauthorized(unknown);
  CHECK(wrong.json()->getValue<std::string>("detail") ==
        unknown.json()->getValue<std::string>("detail"));
  CHECK(wrong.json()->getValue<std::string>("title") ==
        unknown.json()->getValue<std::string>("title"));
  CHECK(wrong.json()->getValue<std::string>("detail").find("nobody") == std::string::npos);

  // An unknown username still costs one full-strength password hash (600,000 iterations take
  // well over 30 ms on any machine; a refused request without one takes about 1 ms).
  auto started = std::chrono::steady_clock::now();
  checkUnauthorized(s.login("another-stranger", "some-password"));
  auto elapsed = std::chrono::steady_clock::now() - started;
  CHECK(elapsed >= std::chrono::milliseconds(30));
}

TEST_CASE("a route that needs a login answers 401 with WWW-Authenticate without a token",
          "[api][auth]") {
  AuthServer s;
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me"));
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", "garbage"));
  checkUnauthorized(call(s.port(), "POST", "/api/v1/auth/logout"));
}

TEST_CASE("failed logins lock the username (429, Retry-After) and it unlocks after the period",
          "[api][auth]") {
  AuthServer s(3, 2);  // 3 failures lock for 2 s (then 4 s, 8 s, ...): at least 1 s whole
  checkUnauthorized(s.login("admin", "wrong-1"));
  checkUnauthorized(s.login("admin", "wrong-2"));
  auto locked = s.login("admin", "wrong-3");
  CHECK(locked.status == 429);
  CHECK(locked.code() == "too_many_requests");
  CHECK(locked.headers.get("Retry-After", "") == "2");
  // Even the right password is refused while locked.
  CHECK(s.login("admin", kAdminPassword).status == 429);
  // An unknown username locks the same way: a lock-out tells nothing about existence.
  for (int i = 0; i < 2; ++i) checkUnauthorized(s.login("ghost", "wrong"));
  CHECK(s.login("ghost", "wrong").status == 429);

  std::this_thread::sleep_for(std::chrono::milliseconds(2600));
  CHECK(s.login("admin", kAdminPassword).status == 200);
  // The success cleared the counters: two failures do not lock again.
  checkUnauthorized(s.login("admin", "wrong-4"));
  checkUnauthorized(s.login("admin", "wrong-5"));
  CHECK(s.login("admin", kAdminPassword).status == 200);
}

TEST_CASE("refresh rotates the token and reusing an old one ends the whole session",
          "[api][auth]") {
  AuthServer s;
  auto login = s.loginOk("admin", kAdminPassword);
  auto first = login->getValue<std::string>("refresh_token");
  auto refreshBody = [](const std::string& token) {
    return "{\"refresh_token\":\"" + token + "\"}";
  };
  auto rotated = call(s.port(), "POST", "/api/v1/auth/refresh", refreshBody(first));
  REQUIRE(rotated.status == 200);
  auto second = rotated.json()->getValue<std::string>("refresh_token");
  auto access = rotated.json()->getValue<std::string>("token");
  CHECK(second != first);
  CHECK(claimsOf(access)->getValue<std::string>("sid") ==
        claimsOf(login->getValue<std::string>("token"))->getValue<std::string>("sid"));
  CHECK(call(s.port(), "GET", "/api/v1/me", "", access).status == 200);

  // The first token again: someone copied it. The session ends for everyone.
  checkUnauthorized(call(s.port(), "POST", "/api/v1/auth/refresh", refreshBody(first)));
  checkUnauthorized(call(s.port(), "POST", "/api/v1/auth/refresh", refreshBody(second)));
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", access));
  checkUnauthorized(call(s.port(), "POST", "/api/v1/auth/refresh", refreshBody("vtr_unknown")));
}

TEST_CASE("logout makes the access token fail at once", "[api][auth]") {
  AuthServer s;
  auto token = s.loginOk("admin", kAdminPassword)->getValue<std::string>("token");
  auto other = s.loginOk("admin", kAdminPassword)->getValue<std::string>("token");
  REQUIRE(call(s.port(), "GET", "/api/v1/me", "", token).status == 200);
  CHECK(call(s.port(), "POST", "/api/v1/auth/logout", "", token).status == 204);
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", token));
  checkUnauthorized(call(s.port(), "POST", "/api/v1/auth/logout", "", token));
  // Only that session ended.
  CHECK(call(s.port(), "GET", "/api/v1/me", "", other).status == 200);
}

TEST_CASE("expired, forged, alg:none, wrong-alg and other-secret tokens are refused",
          "[api][auth]") {
  AuthServer s;
  auto login = s.loginOk("admin", kAdminPassword);
  auto sid = claimsOf(login->getValue<std::string>("token"))->getValue<std::string>("sid");
  auto secret = s.signingSecret();

  // The test's own signing works: a fresh token made the same way is accepted.
  auto good = signToken(secret, "HS256", "u-admin", sid, unixNow() + 300);
  REQUIRE(call(s.port(), "GET", "/api/v1/me", "", good).status == 200);

  SECTION("expired") {
    auto expired = signToken(secret, "HS256", "u-admin", sid, unixNow() - 1);
    auto reply = call(s.port(), "GET", "/api/v1/me", "", expired);
    checkUnauthorized(reply);
    CHECK(reply.json()->getValue<std::string>("detail").find("expired") != std::string::npos);
  }
  SECTION("forged: the payload changed under the same signature") {
    auto parts = good;
    auto first = parts.find('.');
    auto second = parts.find('.', first + 1);
    auto claims = claimsOf(good);
    claims->set("sub", "u-clerk");
    std::ostringstream payload;
    claims->stringify(payload);
    auto forged = parts.substr(0, first + 1) + base64Url(payload.str()) + parts.substr(second);
    checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", forged));
  }
  SECTION("alg:none") {
    auto claims = claimsOf(good);
    std::ostringstream payload;
    claims->stringify(payload);
    auto none = base64Url(R"({"alg":"none","typ":"JWT"})") + "." + base64Url(payload.str()) + ".";
    checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", none));
  }
  SECTION("HS512 with the right secret") {
    auto hs512 = signToken(secret, "HS512", "u-admin", sid, unixNow() + 300);
    checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", hs512));
  }
  SECTION("signed with another secret") {
    auto other = signToken(std::string(64, 'a'), "HS256", "u-admin", sid, unixNow() + 300);
    checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", other));
  }
  SECTION("a session that does not exist") {
    auto stray = signToken(secret, "HS256", "u-admin", "no-such-session", unixNow() + 300);
    checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", stray));
  }
}

TEST_CASE("a password change checks the old password, the length, and ends other sessions",
          "[api][auth]") {
  AuthServer s;
  auto mine = s.loginOk("vanthu", kClerkPassword)->getValue<std::string>("token");
  auto other = s.loginOk("vanthu", kClerkPassword)->getValue<std::string>("token");
  auto change = [&](const std::string& current, const std::string& next) {
    Poco::JSON::Object body;
    body.set("current_password", current);
    body.set("new_password", next);
    std::ostringstream out;
    body.stringify(out);
    return call(s.port(), "POST", "/api/v1/auth/password", out.str(), mine);
  };
  auto tooShort = change(kClerkPassword, "short-pw");
  CHECK(tooShort.status == 400);
  CHECK(tooShort.code() == "invalid_argument");
  auto wrong = change("not-my-password", "a-long-enough-password");
  CHECK(wrong.status == 403);
  CHECK(wrong.code() == "forbidden");
  CHECK(change(kClerkPassword, "mật-khẩu-mới-dài-đủ").status == 204);

  CHECK(call(s.port(), "GET", "/api/v1/me", "", mine).status == 200);
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", other));
  checkUnauthorized(s.login("vanthu", kClerkPassword));
  CHECK(s.login("vanthu", "mật-khẩu-mới-dài-đủ").status == 200);
}

TEST_CASE("API tokens: an administrator creates, lists and revokes and the token works until then",
          "[api][auth]") {
  AuthServer s;
  auto admin = s.loginOk("admin", kAdminPassword)->getValue<std::string>("token");
  auto clerk = s.loginOk("vanthu", kClerkPassword)->getValue<std::string>("token");
  const std::string request =
      R"({"name":"Liên thông trục quốc gia","scopes":["exchange:inbox","verify"]})";

  auto refused = call(s.port(), "POST", "/api/v1/auth/tokens", request, clerk);
  CHECK(refused.status == 403);
  CHECK(refused.code() == "forbidden");

  auto created = call(s.port(), "POST", "/api/v1/auth/tokens", request, admin);
  REQUIRE(created.status == 201);
  auto secret = created.json()->getValue<std::string>("token");
  auto id = created.json()->getValue<std::string>("id");
  CHECK(secret.rfind("vtk_", 0) == 0);
  CHECK(created.json()->getArray("scopes")->size() == 2);
  CHECK(created.json()->isNull("expires_at"));

  auto me = call(s.port(), "GET", "/api/v1/me", "", secret);
  REQUIRE(me.status == 200);
  CHECK(me.json()->getValue<std::string>("token_id") == id);
  CHECK(me.json()->getValue<std::string>("organisation_id") == "ubnd");

  // A machine token cannot manage tokens or log out: those routes are for users.
  auto scoped = call(s.port(), "GET", "/api/v1/auth/tokens", "", secret);
  CHECK(scoped.status == 403);
  CHECK(scoped.code() == "forbidden");
  CHECK(call(s.port(), "POST", "/api/v1/auth/tokens", request, secret).status == 403);

  auto list = call(s.port(), "GET", "/api/v1/auth/tokens", "", admin);
  REQUIRE(list.status == 200);
  auto items = list.json()->getArray("items");
  REQUIRE(items->size() == 1);
  CHECK(items->getObject(0)->getValue<std::string>("id") == id);
  CHECK_FALSE(items->getObject(0)->has("token"));
  CHECK(list.body.find(secret) == std::string::npos);
  CHECK(call(s.port(), "GET", "/api/v1/auth/tokens", "", clerk).status == 403);

  CHECK(call(s.port(), "DELETE", "/api/v1/auth/tokens/" + id, "", clerk).status == 403);
  CHECK(call(s.port(), "DELETE", "/api/v1/auth/tokens/" + id, "", admin).status == 204);
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", secret));
  auto again = call(s.port(), "DELETE", "/api/v1/auth/tokens/" + id, "", admin);
  CHECK(again.status == 404);
  CHECK(again.code() == "not_found");
  auto listed = call(s.port(), "GET", "/api/v1/auth/tokens", "", admin).json();
  CHECK_FALSE(listed->getArray("items")->getObject(0)->isNull("revoked_at"));
  checkUnauthorized(call(s.port(), "GET", "/api/v1/me", "", "vtk_0000"));

  s.server->stop();
  CHECK(s.logs.str().find(secret) == std::string::npos);
}

TEST_CASE("API token requests are checked: scopes and expiry", "[api][auth]") {
  AuthServer s;
  auto admin = s.loginOk("admin", kAdminPassword)->getValue<std::string>("token");
  auto post = [&](const std::string& body) {
    return call(s.port(), "POST", "/api/v1/auth/tokens", body, admin);
  };
  CHECK(post(R"({"name":"x","scopes":["root"]})").code() == "invalid_argument");
  CHECK(post(R"({"name":"x","scopes":[]})").code() == "invalid_argument");
  CHECK(post(R"({"name":"x","scopes":"verify"})").code() == "invalid_argument");
  CHECK(post(R"({"name":"x","scopes":[1]})").code() == "invalid_argument");
  CHECK(post(R"({"name":"x","scopes":["verify"],"expires_at":"2001-01-01T00:00:00Z"})").code() ==
        "invalid_argument");
  CHECK(post(R"({"name":"x","scopes":["verify"],"expires_at":"tomorrow"})").code() ==
        "invalid_argument");
  auto dated = post(R"({"name":"x","scopes":["verify"],"expires_at":"2099-01-01T00:00:00Z"})");
  REQUIRE(dated.status == 201);
  CHECK(dated.json()->getValue<std::string>("expires_at") == "2099-01-01T00:00:00Z");
}

TEST_CASE("malformed bodies, wrong types and unknown fields get 400 invalid_argument",
          "[api][auth]") {
  AuthServer s;
  for (const std::string body :
       {"{not json", "[]", "\"text\"", R"({"username":"admin"})",
        R"({"username":"admin","password":42})", R"({"username":["admin"],"password":"x"})",
        R"({"username":"admin","password":"x","remember":true})",
        R"({"username":"","password":"x"})"}) {
    INFO(body);
    auto reply = call(s.port(), "POST", "/api/v1/auth/login", body);
    CHECK(reply.status == 400);
    CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
    CHECK(reply.code() == "invalid_argument");
  }
  auto refresh = call(s.port(), "POST", "/api/v1/auth/refresh", R"({"token":"x"})");
  CHECK(refresh.code() == "invalid_argument");
  auto wrongType =
      call(s.port(), "POST", "/api/v1/auth/login", loginBody("admin", "x"), "", "text/plain");
  CHECK(wrongType.status == 415);
  CHECK(wrongType.code() == "unsupported_media_type");
  // None of these counted as a failed login.
  CHECK(s.login("admin", kAdminPassword).status == 200);
}
