// Bad input at the request level for every route that exists (issue 6, "Bad input"): malformed
// and hostile bodies, wrong types, unknown fields, wrong content types, bad Authorization headers
// and tokens, SQL injection and path traversal. Each answer must be a clean 4xx problem+json with
// a stable code, the data must be intact afterwards, and the server must still answer /healthz.
// Real HTTP over loopback against a real SQLite data directory.

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
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <sstream>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/workflow/error.h"

using namespace vanthu;
using Poco::JSON::Object;
using vanthu::test::TempDir;

namespace {

const std::string kAdminPassword = "mat-khau-quan-tri-2026";
const std::string kClerkPassword = "mat-khau-van-thu-2026";
const std::vector<std::string> kSqlInjections = {"' OR 1=1 --", "'; DROP TABLE users; --",
                                                 "admin'--", "\" OR \"\"=\""};

struct Request {
  Request(std::string method_, std::string path_, std::string body_ = "",
          std::string contentType_ = "application/json",
          std::optional<std::string> authorization_ = std::nullopt)
      : method(std::move(method_)),
        path(std::move(path_)),
        body(std::move(body_)),
        contentType(std::move(contentType_)),
        authorization(std::move(authorization_)) {}

  std::string method;
  std::string path;
  std::string body;
  std::string contentType;
  std::optional<std::string> authorization;
  bool chunked = false;
};

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;

  Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }
};

Reply sendRequest(uint16_t port, const Request& r) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request(r.method, r.path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (r.authorization) request.set("Authorization", *r.authorization);
  if (r.method != "GET" && r.method != "DELETE") {
    if (!r.contentType.empty()) request.setContentType(r.contentType);
    if (r.chunked) {
      request.setChunkedTransferEncoding(true);
    } else {
      request.setContentLength(static_cast<std::streamsize>(r.body.size()));
    }
  }
  session.sendRequest(request) << r.body;
  Reply reply;
  std::istream& in = session.receiveResponse(reply.headers);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

std::string bearer(const std::string& token) {
  return "Bearer " + token;
}

// A problem+json answer with this status and code, whose body agrees with the HTTP status.
void checkProblem(const Reply& reply, int status, const std::string& code) {
  INFO("answer: " << reply.status << " " << reply.body.substr(0, 300));
  CHECK(reply.status == status);
  REQUIRE(reply.contentType.rfind("application/problem+json", 0) == 0);
  Object::Ptr problem;
  REQUIRE_NOTHROW(problem = reply.json());
  CHECK(problem->getValue<std::string>("code") == code);
  CHECK(problem->getValue<int>("status") == reply.status);
  CHECK(errorCodeFromName(problem->getValue<std::string>("code")).has_value());
  CHECK(!problem->getValue<std::string>("request_id").empty());
}

std::string json(const std::map<std::string, std::string>& fields) {
  Object body;
  for (const auto& [name, value] : fields) body.set(name, value);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

std::string tokenRequest(const std::string& name, const std::string& scope) {
  Object body;
  body.set("name", name);
  Poco::JSON::Array::Ptr scopes = new Poco::JSON::Array;
  scopes->add(scope);
  body.set("scopes", scopes);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

std::string percentEncode(const std::string& text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xF];
    }
  }
  return out;
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

// One organisation with an administrator and a clerk; failed logins are not locked out here, so
// the many wrong passwords of these tests are answered 401 and not 429.
struct BadInputServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  std::string adminToken;
  std::string clerkToken;

  BadInputServer() {
    config.dataDir = dir.path() / "data";
    std::filesystem::create_directories(config.dataDir);
    config.port = 0;
    config.authMaxFailedLogins = 100000;
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
      addUser(directory, "u-admin", "admin", kAdminPassword);
      addUser(directory, "u-clerk", "vanthu", kClerkPassword);
      REQUIRE(directory.grantRole({"u-admin", workflow::Role::Administrator, "ubnd", {}}).isOk());
      REQUIRE(directory.grantRole({"u-clerk", workflow::Role::Clerk, "ubnd", {"vp"}}).isOk());
      workflow::Organisation other;
      other.id = "stc";
      other.code = "000.00.01.H55";
      other.name = "Sở Tài chính tỉnh Thái Nguyên";
      other.abbreviation = "STC";
      other.tierCode = "province";
      REQUIRE(directory.addOrganisation(other).isOk());
      addUser(directory, "u-other-admin", "admin.stc", kAdminPassword, "stc");
      REQUIRE(
          directory.grantRole({"u-other-admin", workflow::Role::Administrator, "stc", {}}).isOk());
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
    adminToken = loginToken("admin", kAdminPassword);
    clerkToken = loginToken("vanthu", kClerkPassword);
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& username, const std::string& password,
                      const std::string& organisation = "ubnd") {
    workflow::User user;
    user.id = id;
    user.username = username;
    user.fullName = username;
    user.organisationId = organisation;
    user.passwordHash = api::hashPassword(password, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
  }

  Reply send(const Request& request) const { return sendRequest(server->port(), request); }

  std::string loginToken(const std::string& username, const std::string& password) const {
    auto reply = send(
        {"POST", "/api/v1/auth/login", json({{"username", username}, {"password", password}})});
    REQUIRE(reply.status == 200);
    return reply.json()->getValue<std::string>("token");
  }

  void checkHealthy() const {
    auto reply = send({"GET", "/healthz"});
    REQUIRE(reply.status == 200);
    CHECK(reply.body == R"({"status":"ok"})");
  }

  // What must survive hostile input: the tables, the users with their password hashes, the
  // role grants and the API tokens, as the sqlite3 tool sees them.
  std::string snapshot() const {
    auto database = dir.path() / "data" / "vanthu.db";
    auto result = test::runCommand(
        "sqlite3 " + test::shellQuote(database) +
        " \"SELECT name FROM sqlite_master WHERE type='table' ORDER BY name;"
        " SELECT id, username, password_hash, active FROM users ORDER BY id;"
        " SELECT user_id, role, organisation_id, unit_id FROM role_grants ORDER BY 1, 2, 3;"
        " SELECT id, revoked_at FROM api_tokens ORDER BY id;\"");
    REQUIRE(result.exitCode == 0);
    REQUIRE(result.output.find("users") != std::string::npos);
    return result.output;
  }

  std::string signingSecret() const {
    auto database = storage::Database::open({config.resolvedDatabaseUrl()});
    storage::SqlAuthRepository auth(*database);
    return auth.ensureSigningSecret("not-this-one");
  }
};

// The routes that read a JSON body, with a valid body and the caller that may send it.
struct BodyRoute {
  std::string path;
  std::map<std::string, std::string> validFields;
  std::optional<std::string> authorization;
};

std::vector<BodyRoute> bodyRoutes(const BadInputServer& s) {
  return {
      {"/api/v1/auth/login", {{"username", "admin"}, {"password", kAdminPassword}}, {}},
      {"/api/v1/auth/refresh", {{"refresh_token", "vtr_not-a-real-one"}}, {}},
      {"/api/v1/auth/password",
       {{"current_password", kClerkPassword}, {"new_password", "a-new-password-2026"}},
       bearer(s.clerkToken)},
      {"/api/v1/auth/tokens", {{"name", "Trục liên thông"}}, bearer(s.adminToken)},
  };
}

std::string deeplyNested(size_t depth, const std::string& open, const std::string& close,
                         const std::string& inner) {
  std::string text;
  text.reserve(depth * (open.size() + close.size()) + inner.size());
  for (size_t i = 0; i < depth; ++i) text += open;
  text += inner;
  for (size_t i = 0; i < depth; ++i) text += close;
  return text;
}

std::string signToken(const std::string& secret, const std::string& subject,
                      const std::string& sessionId, const std::string& organisation,
                      std::optional<int64_t> expiresAt) {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(subject);
  token.payload().set("org", organisation);
  token.payload().set("sid", sessionId);
  token.payload().set("iat", static_cast<Poco::Int64>(unixNow() - 10));
  if (expiresAt) token.payload().set("exp", static_cast<Poco::Int64>(*expiresAt));
  Poco::JWT::Signer signer(secret);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

}  // namespace

TEST_CASE("malformed JSON bodies get 400 invalid_argument on every route that reads one",
          "[api][bad-input]") {
  BadInputServer s;
  auto before = s.snapshot();
  const std::vector<std::string> bodies = {
      R"({"username":"adm)",
      R"({"username":"admin","password":"x"} trailing)",
      R"({"username":"admin","password":"x"}{"a":1})",
      R"({"username":"admin","password":"x"}])",
      R"({"username":"admin",})",
      R"({username:"admin"})",
      R"({'username':'admin'})",
      "{\"username\":\"ad\x01min\"}",
      "{\"username\":\"\xff\xfe\"}",
      "[]",
      "null",
      "42",
      "\"text\"",
      "{",
      deeplyNested(10000, "[", "]", ""),
      deeplyNested(10000, R"({"a":)", "}", "1"),
      R"({"username":)" + deeplyNested(10000, "[", "]", "") + "}",
  };
  for (const auto& route : bodyRoutes(s)) {
    for (const auto& body : bodies) {
      INFO(route.path << " <- " << body.substr(0, 60));
      checkProblem(s.send({"POST", route.path, body, "application/json", route.authorization}), 400,
                   "invalid_argument");
    }
    INFO(route.path << " <- an empty body");
    checkProblem(s.send({"POST", route.path, "", "application/json", route.authorization}), 400,
                 "invalid_argument");
    s.checkHealthy();
  }
  CHECK(s.snapshot() == before);
  CHECK(s.loginToken("admin", kAdminPassword).size() > 20);
}

TEST_CASE("wrong types, nulls and unknown fields get 400 invalid_argument naming the field",
          "[api][bad-input]") {
  BadInputServer s;
  const std::vector<std::string> wrongValues = {"42",   "true", "[\"x\"]", R"({"x":"y"})",
                                                "null", "\"\"", "1.5e300"};
  for (const auto& route : bodyRoutes(s)) {
    for (const auto& [field, value] : route.validFields) {
      for (const auto& wrong : wrongValues) {
        auto fields = route.validFields;
        fields.erase(field);
        std::string body = json(fields);
        body = (fields.empty() ? "{" : body.substr(0, body.size() - 1) + ",") + "\"" + field +
               "\":" + wrong + "}";
        INFO(route.path << " <- " << body);
        auto reply = s.send({"POST", route.path, body, "application/json", route.authorization});
        checkProblem(reply, 400, "invalid_argument");
        CHECK(reply.json()->getValue<std::string>("detail").find(field) != std::string::npos);
      }
      auto fields = route.validFields;
      fields.erase(field);
      INFO(route.path << " without " << field);
      auto missing =
          s.send({"POST", route.path, json(fields), "application/json", route.authorization});
      checkProblem(missing, 400, "invalid_argument");
    }
    for (const std::string unknown : {"remember", "role", "is_admin", "__proto__", ""}) {
      auto fields = route.validFields;
      fields[unknown] = "x";
      INFO(route.path << " with the unknown field '" << unknown << "'");
      auto reply =
          s.send({"POST", route.path, json(fields), "application/json", route.authorization});
      checkProblem(reply, 400, "invalid_argument");
      CHECK(reply.json()->getValue<std::string>("detail").find("unknown field") !=
            std::string::npos);
    }
    s.checkHealthy();
  }
  // The fields of the API token request that are not strings.
  auto tokens = [&](const std::string& body) {
    return s.send({"POST", "/api/v1/auth/tokens", body, "application/json", bearer(s.adminToken)});
  };
  for (const std::string body :
       {R"({"name":"n","scopes":"exchange:inbox"})", R"({"name":"n","scopes":[42]})",
        R"({"name":"n","scopes":[["verify"]]})", R"({"name":"n","scopes":[]})",
        R"({"name":"n","scopes":["verify"],"expires_at":20271231})",
        R"({"name":"n","scopes":["verify"],"expires_at":"next year"})",
        R"({"name":"n","scopes":["verify"],"expires_at":"2001-01-01T00:00:00Z"})"}) {
    INFO(body);
    checkProblem(tokens(body), 400, "invalid_argument");
  }
  // Nothing above changed the clerk's password or created a token.
  CHECK(s.loginToken("vanthu", kClerkPassword).size() > 20);
  auto list = s.send({"GET", "/api/v1/auth/tokens", "", "", bearer(s.adminToken)});
  REQUIRE(list.status == 200);
  CHECK(list.json()->getArray("items")->size() == 0);
}

TEST_CASE("bodies that are not JSON or too large get 415 and 413", "[api][bad-input]") {
  BadInputServer s;
  for (const auto& route : bodyRoutes(s)) {
    auto body = json(route.validFields);
    for (const std::string type :
         {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
          "application/xml", "text/json"}) {
      INFO(route.path << " as " << type);
      checkProblem(s.send({"POST", route.path, body, type, route.authorization}), 415,
                   "unsupported_media_type");
    }
    std::string oversized = R"({"username":")" + std::string(70 * 1024, 'a') + "\"}";
    INFO(route.path << " with a 70 KiB body");
    checkProblem(s.send({"POST", route.path, oversized, "application/json", route.authorization}),
                 413, "payload_too_large");
    Request chunked{"POST", route.path, oversized, "application/json", route.authorization};
    chunked.chunked = true;
    INFO(route.path << " with a 70 KiB chunked body (no Content-Length)");
    checkProblem(s.send(chunked), 413, "payload_too_large");
    s.checkHealthy();
  }
}

TEST_CASE(
    "missing, garbled and foreign Authorization headers get 401 on every route that needs one",
    "[api][bad-input]") {
  BadInputServer s;
  auto login = s.send(
      {"POST", "/api/v1/auth/login", json({{"username", "admin"}, {"password", kAdminPassword}})});
  REQUIRE(login.status == 200);
  auto refreshToken = login.json()->getValue<std::string>("refresh_token");
  const std::vector<std::optional<std::string>> headers = {
      std::nullopt,
      std::string(""),
      std::string("Bearer"),
      std::string("Bearer "),
      std::string("Basic YWRtaW46bWF0LWtoYXU="),
      std::string("Token " + s.adminToken),
      std::string("Bearer " + s.adminToken + " extra"),
      std::string("Bearer a.b.c"),
      std::string("Bearer ...."),
      std::string("Bearer " + std::string(5000, 'x')),
      std::string("Bearer " + std::string(5000, '.')),
      std::string("Bearer vtk_not-a-real-token"),
      std::string("Bearer " + refreshToken),  // a refresh token is not an access token
      std::string("Bearer \xc3\xa9\xc3\xa9.\xff\xfe.xx"),
      std::string("Bearer ' OR 1=1 --"),
  };
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"POST", "/api/v1/auth/logout"}, {"POST", "/api/v1/auth/password"},
      {"GET", "/api/v1/me"},           {"POST", "/api/v1/auth/tokens"},
      {"GET", "/api/v1/auth/tokens"},  {"DELETE", "/api/v1/auth/tokens/t-1"}};
  for (const auto& [method, path] : routes) {
    for (const auto& header : headers) {
      INFO(method << " " << path << " with Authorization: " << header.value_or("(none)"));
      auto reply = s.send({method, path, method == "POST" ? "{}" : "", "application/json", header});
      checkProblem(reply, 401, "unauthenticated");
      CHECK(reply.headers.get("WWW-Authenticate", "") == "Bearer");
    }
  }
  s.checkHealthy();
  // The administrator's session is untouched by all of that.
  CHECK(s.send({"GET", "/api/v1/me", "", "", bearer(s.adminToken)}).status == 200);
}

TEST_CASE("JWTs with wrong claims or headers get 401 even when the signature is right",
          "[api][bad-input]") {
  // Expired, forged, alg:none, HS512 and another secret are in auth_test.cpp; these are the
  // tokens whose signature verifies but that must still not let anyone in.
  BadInputServer s;
  auto secret = s.signingSecret();
  auto me = s.send({"GET", "/api/v1/me", "", "", bearer(s.adminToken)});
  REQUIRE(me.status == 200);
  auto claims = s.adminToken.substr(s.adminToken.find('.') + 1);
  claims = claims.substr(0, claims.find('.'));
  // The admin's session id, read from the server's own token.
  std::string padded = claims;
  while (padded.size() % 4 != 0) padded += '=';
  for (char& c : padded) {
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  std::istringstream encoded(padded);
  Poco::Base64Decoder decoder(encoded);
  std::string decoded((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  auto sid =
      Poco::JSON::Parser().parse(decoded).extract<Object::Ptr>()->getValue<std::string>("sid");
  auto good = signToken(secret, "u-admin", sid, "ubnd", unixNow() + 300);
  REQUIRE(s.send({"GET", "/api/v1/me", "", "", bearer(good)}).status == 200);

  std::map<std::string, std::string> tokens = {
      {"another user's id on the admin's session",
       signToken(secret, "u-clerk", sid, "ubnd", unixNow() + 300)},
      {"another organisation", signToken(secret, "u-admin", sid, "other-org", unixNow() + 300)},
      {"no expiry", signToken(secret, "u-admin", sid, "ubnd", std::nullopt)},
      {"a session id that is SQL",
       signToken(secret, "u-admin", "' OR 1=1 --", "ubnd", unixNow() + 300)},
  };
  auto rest = good.substr(good.find('.'));  // ".payload.signature"
  tokens["alg RS256 in the header over an HS256 signature"] =
      base64Url(R"({"alg":"RS256","typ":"JWT"})") + rest;
  tokens["alg None"] =
      base64Url(R"({"alg":"None","typ":"JWT"})") + rest.substr(0, rest.rfind('.') + 1);
  tokens["alg none without the final dot"] =
      base64Url(R"({"alg":"none","typ":"JWT"})") + rest.substr(0, rest.rfind('.'));
  tokens["two parts"] = good.substr(0, good.rfind('.'));
  tokens["four parts"] = good + ".x";
  tokens["the signature cut short"] = good.substr(0, good.size() - 5);
  tokens["a header that is not JSON"] = base64Url("not json") + rest;
  for (const auto& [what, token] : tokens) {
    INFO(what);
    checkProblem(s.send({"GET", "/api/v1/me", "", "", bearer(token)}), 401, "unauthenticated");
  }
  s.checkHealthy();
}

TEST_CASE(
    "SQL injection in every string field and path parameter is answered cleanly and changes "
    "nothing",
    "[api][bad-input]") {
  BadInputServer s;
  // A token that must survive: a DELETE whose id were pasted into SQL would revoke it.
  auto created = s.send({"POST", "/api/v1/auth/tokens",
                         R"({"name":"Trục liên thông","scopes":["exchange:inbox"]})",
                         "application/json", bearer(s.adminToken)});
  REQUIRE(created.status == 201);
  auto apiToken = created.json()->getValue<std::string>("token");
  auto before = s.snapshot();

  for (const auto& injection : kSqlInjections) {
    INFO("injection: " << injection);
    checkProblem(s.send({"POST", "/api/v1/auth/login",
                         json({{"username", injection}, {"password", kAdminPassword}})}),
                 401, "unauthenticated");
    checkProblem(s.send({"POST", "/api/v1/auth/login",
                         json({{"username", "admin"}, {"password", injection}})}),
                 401, "unauthenticated");
    checkProblem(s.send({"POST", "/api/v1/auth/refresh", json({{"refresh_token", injection}})}),
                 401, "unauthenticated");
    checkProblem(
        s.send({"POST", "/api/v1/auth/refresh", json({{"refresh_token", "vtr_" + injection}})}),
        401, "unauthenticated");
    checkProblem(
        s.send({"POST", "/api/v1/auth/password",
                json({{"current_password", injection}, {"new_password", "a-new-password-2026"}}),
                "application/json", bearer(s.clerkToken)}),
        403, "forbidden");
    checkProblem(s.send({"GET", "/api/v1/me", "", "", bearer("vtk_" + injection)}), 401,
                 "unauthenticated");
    checkProblem(s.send({"POST", "/api/v1/auth/tokens", tokenRequest("n", injection),
                         "application/json", bearer(s.adminToken)}),
                 400, "invalid_argument");
    checkProblem(s.send({"DELETE", "/api/v1/auth/tokens/" + percentEncode(injection), "", "",
                         bearer(s.adminToken)}),
                 404, "not_found");
    checkProblem(s.send({"GET", "/pki/" + percentEncode(injection)}), 404, "not_found");
    s.checkHealthy();
  }
  CHECK(s.snapshot() == before);
  CHECK(s.send({"GET", "/api/v1/me", "", "", bearer(apiToken)}).status == 200);
  CHECK(s.loginToken("admin", kAdminPassword).size() > 20);
  CHECK(s.loginToken("vanthu", kClerkPassword).size() > 20);

  // A name is data: it is stored and shown exactly as sent, not run.
  for (const auto& injection : kSqlInjections) {
    INFO("name: " << injection);
    auto reply = s.send({"POST", "/api/v1/auth/tokens", tokenRequest(injection, "verify"),
                         "application/json", bearer(s.adminToken)});
    REQUIRE(reply.status == 201);
    CHECK(reply.json()->getValue<std::string>("name") == injection);
  }
  auto list = s.send({"GET", "/api/v1/auth/tokens", "", "", bearer(s.adminToken)});
  REQUIRE(list.status == 200);
  CHECK(list.json()->getArray("items")->size() == 1 + kSqlInjections.size());
  CHECK(s.send({"GET", "/api/v1/me", "", "", bearer(apiToken)}).status == 200);
}

TEST_CASE("path traversal in path parameters gets a 4xx and reads no file outside the data",
          "[api][bad-input]") {
  BadInputServer s;
  const std::string marker = "SECRET-OUTSIDE-THE-CRL-DIRECTORY";
  auto crlDir = s.config.dataDir / "pki" / "crl";
  std::filesystem::create_directories(crlDir);
  test::writeText(crlDir / "test-ca.crl", "CRL-BYTES");
  test::writeText(s.config.dataDir / "pki" / "secret.crl", marker);
  test::writeText(s.dir.path() / "secret.crl", marker);
  test::writeText(s.config.dataDir / "secret.crl", marker);
  // The route does serve what it should, so the refusals below are not an accident.
  auto served = s.send({"GET", "/pki/test-ca.crl"});
  REQUIRE(served.status == 200);
  CHECK(served.body == "CRL-BYTES");

  const std::vector<std::string> traversals = {
      "..%2f..%2fetc%2fpasswd",
      "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
      "..%2fsecret.crl",
      "..%2f..%2fsecret.crl",
      "..%2f..%2f..%2fsecret.crl",
      "%2e%2e%2fsecret.crl",
      "..%5csecret.crl",
      "..",
      "%2e%2e",
      "%00",
      "test-ca.crl%00",
      "secret%00.crl",
      "test-ca.crl%2f..%2f..%2fsecret.crl",
      "%2fetc%2fpasswd",
      "....%2f%2fsecret.crl",
      "%252e%252e%252fsecret.crl",
      "%c0%ae%c0%ae%2fsecret.crl",
  };
  for (const auto& traversal : traversals) {
    INFO(traversal);
    for (const auto& [method, path, authorization] :
         std::vector<std::tuple<std::string, std::string, std::optional<std::string>>>{
             {"GET", "/pki/" + traversal, std::nullopt},
             {"DELETE", "/api/v1/auth/tokens/" + traversal, bearer(s.adminToken)}}) {
      INFO(method << " " << path);
      auto reply = s.send({method, path, "", "", authorization});
      CHECK(reply.status >= 400);
      CHECK(reply.status < 500);
      CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
      CHECK(reply.body.find(marker) == std::string::npos);
      CHECK(reply.body.find("root:") == std::string::npos);
    }
  }
  // An escape that is not one is a malformed request target.
  checkProblem(s.send({"GET", "/pki/%zz.crl"}), 400, "invalid_argument");
  s.checkHealthy();
}

TEST_CASE("a very long URL gets 414 or 400 and the server goes on", "[api][bad-input]") {
  BadInputServer s;
  // Under the HTTP layer's request-line limit the router answers, with a problem.
  auto routed = s.send({"GET", "/api/v1/" + std::string(12 * 1024, 'a')});
  checkProblem(routed, 404, "route_not_found");
  auto longQuery =
      s.send({"GET", "/api/v1/me?q=" + std::string(12 * 1024, 'a'), "", "", bearer(s.adminToken)});
  CHECK(longQuery.status == 200);
  // Over it the request is refused before it reaches a route.
  for (size_t length : {20 * 1024, 200 * 1024}) {
    INFO(length << " bytes");
    int status = 0;
    try {
      status = s.send({"GET", "/api/v1/" + std::string(length, 'a')}).status;
    } catch (const Poco::IOException&) {
      status = -1;  // the server may close the connection after its answer
    }
    CHECK((status == 414 || status == 400 || status == -1));
    s.checkHealthy();
  }
}

TEST_CASE("an administrator of another organisation can neither see nor revoke its API tokens",
          "[api][bad-input]") {
  BadInputServer s;
  auto created = s.send({"POST", "/api/v1/auth/tokens", tokenRequest("Trục liên thông", "verify"),
                         "application/json", bearer(s.adminToken)});
  REQUIRE(created.status == 201);
  auto id = created.json()->getValue<std::string>("id");
  auto apiToken = created.json()->getValue<std::string>("token");
  auto otherAdmin = s.loginToken("admin.stc", kAdminPassword);

  auto list = s.send({"GET", "/api/v1/auth/tokens", "", "", bearer(otherAdmin)});
  REQUIRE(list.status == 200);
  CHECK(list.json()->getArray("items")->size() == 0);
  checkProblem(s.send({"DELETE", "/api/v1/auth/tokens/" + id, "", "", bearer(otherAdmin)}), 404,
               "not_found");
  // Nor can the clerk of the token's own organisation, nor the token itself.
  checkProblem(s.send({"DELETE", "/api/v1/auth/tokens/" + id, "", "", bearer(s.clerkToken)}), 403,
               "forbidden");
  checkProblem(s.send({"DELETE", "/api/v1/auth/tokens/" + id, "", "", bearer(apiToken)}), 403,
               "forbidden");
  checkProblem(s.send({"POST", "/api/v1/auth/tokens", tokenRequest("more", "verify"),
                       "application/json", bearer(apiToken)}),
               403, "forbidden");
  CHECK(s.send({"GET", "/api/v1/me", "", "", bearer(apiToken)}).status == 200);
  // Its own administrator can.
  CHECK(s.send({"DELETE", "/api/v1/auth/tokens/" + id, "", "", bearer(s.adminToken)}).status ==
        204);
  checkProblem(s.send({"GET", "/api/v1/me", "", "", bearer(apiToken)}), 401, "unauthenticated");
}

TEST_CASE(
    "SQL injection and path traversal in the document routes' parameters reveal and change "
    "nothing",
    "[api][bad-input]") {
  BadInputServer s;
  // One confidential-free draft of the clerk's: an id or query pasted into SQL would show it.
  const std::string boundary = "bad-input-boundary-41c2";
  auto part = [&](const std::string& name, const std::string& file, const std::string& type,
                  const std::string& content) {
    std::string header =
        "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"";
    if (!file.empty()) header += "; filename=\"" + file + "\"";
    return header + "\r\nContent-Type: " + type + "\r\n\r\n" + content + "\r\n";
  };
  auto pdf = test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
  auto form = part("metadata", "", "application/json",
                   R"({"direction":"outgoing","subject":"Về việc thử nghiệm"})") +
              part("file", "van-ban.pdf", "application/pdf", pdf) + "--" + boundary + "--\r\n";
  auto created = s.send({"POST", "/api/v1/documents", form,
                         "multipart/form-data; boundary=" + boundary, bearer(s.clerkToken)});
  REQUIRE(created.status == 201);
  auto id = created.json()->getValue<std::string>("id");
  auto snapshot = [&] {
    auto result = test::runCommand(
        "sqlite3 " + test::shellQuote(s.config.dataDir / "vanthu.db") +
        " \"SELECT id, subject, status, revision FROM documents ORDER BY id;"
        " SELECT document_id, number, blob_hash FROM document_versions ORDER BY 1, 2;\"");
    REQUIRE(result.exitCode == 0);
    REQUIRE(result.output.find(id) != std::string::npos);
    return result.output + s.snapshot();
  };
  auto before = snapshot();
  const std::string marker = "SECRET-OUTSIDE-THE-BLOBS";
  test::writeText(s.dir.path() / "secret.pdf", marker);
  test::writeText(s.config.dataDir / "secret.pdf", marker);

  std::vector<std::string> hostile = kSqlInjections;
  for (const std::string traversal :
       {"../../secret.pdf", "../secret.pdf", "..", "\x01", "1 OR 1=1", "%", "_", "*"}) {
    hostile.push_back(traversal);
  }
  auto clerk = bearer(s.clerkToken);
  for (const auto& value : hostile) {
    INFO("value: " << value);
    auto encoded = percentEncode(value);
    for (const auto& path :
         {"/api/v1/documents/" + encoded, "/api/v1/documents/" + encoded + "/versions",
          "/api/v1/documents/" + encoded + "/versions/1/content",
          "/api/v1/documents/" + id + "/versions/" + encoded + "/content"}) {
      INFO("GET " << path);
      auto reply = s.send({"GET", path, "", "", clerk});
      CHECK(reply.status >= 400);
      CHECK(reply.status < 500);
      CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
      CHECK(reply.body.find(marker) == std::string::npos);
      CHECK(reply.body.find("Về việc thử nghiệm") == std::string::npos);
    }
    Request patch{"PATCH", "/api/v1/documents/" + encoded, R"({"subject":"đã bị sửa"})",
                  "application/json", clerk};
    auto patched = s.send(patch);
    CHECK(patched.status >= 400);
    CHECK(patched.status < 500);
    // The search text is data: it finds nothing, and never more than the one document.
    auto search = s.send({"GET", "/api/v1/documents?q=" + encoded, "", "", clerk});
    REQUIRE(search.status == 200);
    CHECK(search.json()->getArray("items")->size() == 0);
    CHECK(search.json()->getValue<int>("total") == 0);
    for (const std::string name : {"page", "limit", "box"}) {
      INFO(name);
      checkProblem(s.send({"GET", "/api/v1/documents?" + name + "=" + encoded, "", "", clerk}), 400,
                   "invalid_argument");
    }
    s.checkHealthy();
  }
  auto all = s.send({"GET", "/api/v1/documents", "", "", clerk});
  REQUIRE(all.status == 200);
  CHECK(all.json()->getValue<int>("total") == 1);
  CHECK(snapshot() == before);
}

TEST_CASE("a request refused before its body is read gets its answer and not a reset connection",
          "[api][bad-input]") {
  BadInputServer s;
  // Bigger than what loopback sockets buffer, so a server that answered without reading would
  // leave the client writing into a closed connection.
  const std::string body(7u << 20, 'x');
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    checkProblem(s.send({"POST", "/api/v1/no-such-route", body, "application/pdf"}), 404,
                 "route_not_found");
    checkProblem(s.send({"PUT", "/api/v1/verify", body, "application/pdf"}), 405,
                 "method_not_allowed");
    checkProblem(s.send({"POST", "/api/v1/documents", body, "application/pdf"}), 401,
                 "unauthenticated");
    checkProblem(
        s.send({"POST", "/api/v1/exchange/inbox", body, "application/xml", bearer("vt_nonsense")}),
        401, "unauthenticated");
    Request chunked{"POST", "/api/v1/users", body, "application/json", bearer(s.clerkToken)};
    chunked.chunked = true;
    checkProblem(s.send(chunked), 403, "forbidden");
  }
  s.checkHealthy();
}
