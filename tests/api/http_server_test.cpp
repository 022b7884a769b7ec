#include "vanthu/api/http_server.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "test_support.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_template_repository.h"
#include "vanthu/workflow/error.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;
};

Reply call(uint16_t port, const std::string& method, const std::string& path,
           const std::string& requestId = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!requestId.empty()) request.set("X-Request-Id", requestId);
  session.sendRequest(request);
  Reply reply;
  std::istream& body = session.receiveResponse(reply.headers);
  Poco::StreamCopier::copyToString(body, reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

struct RunningServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  RunningServer() {
    config.dataDir = dir.path();
    config.port = 0;
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }
};

}  // namespace

TEST_CASE("/healthz answers 200 with status ok over real HTTP", "[api][http]") {
  RunningServer s;
  auto reply = call(s.server->port(), "GET", "/healthz");
  CHECK(reply.status == 200);
  CHECK(reply.contentType.rfind("application/json", 0) == 0);
  CHECK(json(reply.body)->getValue<std::string>("status") == "ok");
  CHECK(reply.headers.get("X-Content-Type-Options") == "nosniff");
  CHECK(reply.headers.has("X-Request-Id"));
}

TEST_CASE("/readyz checks the database", "[api][http]") {
  RunningServer s;
  auto reply = call(s.server->port(), "GET", "/readyz");
  REQUIRE(reply.status == 200);
  auto body = json(reply.body);
  CHECK(body->getValue<std::string>("database") == "ok");
  CHECK(body->getValue<int>("schema_version") >= 1);
}

TEST_CASE("unknown routes and methods get problem+json with a stable code", "[api][http]") {
  RunningServer s;
  auto missing = call(s.server->port(), "GET", "/api/v1/no-such-thing", "trace-me-1");
  CHECK(missing.status == 404);
  CHECK(missing.contentType.rfind("application/problem+json", 0) == 0);
  auto problem = json(missing.body);
  CHECK(problem->getValue<std::string>("code") == "route_not_found");
  CHECK(problem->getValue<int>("status") == 404);
  CHECK(problem->getValue<std::string>("instance") == "/api/v1/no-such-thing");
  CHECK(problem->getValue<std::string>("request_id") == "trace-me-1");

  auto wrongMethod = call(s.server->port(), "DELETE", "/healthz");
  CHECK(wrongMethod.status == 405);
  CHECK(wrongMethod.headers.get("Allow") == "GET");
  CHECK(json(wrongMethod.body)->getValue<std::string>("code") == "method_not_allowed");
}

TEST_CASE("a hostile request id is replaced, not echoed into logs", "[api][http]") {
  RunningServer s;
  auto reply = call(s.server->port(), "GET", "/healthz", "evil\"id{}");
  CHECK(reply.headers.get("X-Request-Id") != "evil\"id{}");
  CHECK(s.logs.str().find("evil") == std::string::npos);
}

TEST_CASE("every request is logged as one JSON line", "[api][http]") {
  RunningServer s;
  call(s.server->port(), "GET", "/healthz", "log-line-check");
  s.server->stop();
  std::istringstream lines(s.logs.str());
  std::string line;
  bool found = false;
  while (std::getline(lines, line)) {
    auto entry = json(line);  // throws if a line is not JSON
    if (entry->has("request_id") &&
        entry->getValue<std::string>("request_id") == "log-line-check") {
      CHECK(entry->getValue<std::string>("event") == "request");
      CHECK(entry->getValue<std::string>("status") == "200");
      CHECK(entry->getValue<std::string>("path") == "/healthz");
      found = true;
    }
  }
  CHECK(found);
}

TEST_CASE("a port that is taken is reported with what to do", "[api][http]") {
  RunningServer first;
  TempDir dir;
  std::ostringstream logs;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = first.server->port();
  api::HttpServer second(config, log);
  try {
    second.start();
    FAIL("a second server bound the same port");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::IoFailure);
    CHECK(std::string(e.what()).find("--port") != std::string::npos);
  }
  // The first server is unharmed.
  CHECK(call(first.server->port(), "GET", "/healthz").status == 200);
}

TEST_CASE("the home page is served as HTML", "[api][http]") {
  RunningServer s;
  auto reply = call(s.server->port(), "GET", "/");
  CHECK(reply.status == 200);
  CHECK(reply.contentType.rfind("text/html", 0) == 0);
  CHECK(reply.body.find("Hệ thống quản lý văn bản và điều hành") != std::string::npos);
}

TEST_CASE("the data directory's CRLs are published under /pki/", "[api][http]") {
  RunningServer s;
  std::filesystem::create_directories(s.dir / "pki" / "crl");
  std::ofstream(s.dir / "pki" / "crl" / "demo-government-ca.crl", std::ios::binary) << "DER-BYTES";
  std::ofstream(s.dir / "secret.txt") << "not for the web";

  auto crl = call(s.server->port(), "GET", "/pki/demo-government-ca.crl");
  CHECK(crl.status == 200);
  CHECK(crl.contentType == "application/pkix-crl");
  CHECK(crl.body == "DER-BYTES");

  CHECK(call(s.server->port(), "GET", "/pki/no-such-ca.crl").status == 404);
  for (const char* sneaky : {"/pki/..%2Fsecret.txt", "/pki/../secret.txt", "/pki/secret.txt",
                             "/pki/%2E%2E%2Fsecret.txt", "/pki/DEMO.crl"}) {
    INFO(sneaky);
    auto reply = call(s.server->port(), "GET", sneaky);
    CHECK(reply.status == 404);
    CHECK(reply.body.find("not for the web") == std::string::npos);
  }
}

TEST_CASE("a server refuses to run on an audit log that does not verify, unless told to",
          "[api][audit]") {
  TempDir dir;
  {
    auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
    auto key = storage::AuditSigningKey::loadOrCreate(dir / "keys" / "audit-instance.pem");
    storage::SqlAuditLog audit(*database, std::move(key));
    for (const char* action : {"create", "submit", "approve"}) {
      workflow::AuditEntry entry;
      entry.actor = "chuyenvien";
      entry.action = action;
      entry.documentId = "d1";
      audit.append(entry);
    }
    audit.checkpoint();
  }
  std::ostringstream logs;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  { api::HttpServer healthy(config, log); }  // an intact log: starts

  // Someone edits history behind the server's back (the trigger is in the way, so it goes).
  auto edit = test::runCommand(
      "sqlite3 " + test::shellQuote(dir / "vanthu.db") +
      " \"DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET actor = 'mallory'"
      " WHERE sequence = 1;\"");
  REQUIRE(edit.exitCode == 0);
  try {
    api::HttpServer refused(config, log);
    FAIL("a server started on a broken audit log");
  } catch (const Error& error) {
    CHECK(error.code() == ErrorCode::StorageFailure);
    CHECK(std::string(error.what()).find("entry 1") != std::string::npos);
    CHECK(std::string(error.what()).find("audit.allow_broken") != std::string::npos);
  }
  config.allowBrokenAuditLog = true;
  { api::HttpServer tolerated(config, log); }
  CHECK(logs.str().find("audit log does not verify") != std::string::npos);
}

TEST_CASE("the start-up audit check since the latest checkpoint still refuses a broken tail",
          "[api][audit]") {
  TempDir dir;
  {
    auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
    auto key = storage::AuditSigningKey::loadOrCreate(dir / "keys" / "audit-instance.pem");
    storage::SqlAuditLog audit(*database, std::move(key));
    workflow::AuditEntry entry;
    entry.actor = "chuyenvien";
    entry.documentId = "d1";
    for (int i = 0; i < 40; ++i) {
      entry.action = "note " + std::to_string(i);
      audit.append(entry);
      if (i == 31) audit.checkpoint();
    }
  }
  std::ostringstream logs;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  config.auditStartupCheckSinceCheckpoint = true;
  { api::HttpServer healthy(config, log); }
  CHECK(logs.str().find("\"covered_by_checkpoint\":\"32\"") != std::string::npos);
  CHECK(logs.str().find("\"entries\":\"8\"") != std::string::npos);

  auto edit = test::runCommand(
      "sqlite3 " + test::shellQuote(dir / "vanthu.db") +
      " \"DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET actor = 'mallory'"
      " WHERE sequence = 35;\"");
  REQUIRE(edit.exitCode == 0);
  try {
    api::HttpServer refused(config, log);
    FAIL("a server started on a broken audit log");
  } catch (const Error& error) {
    CHECK(std::string(error.what()).find("entry 35") != std::string::npos);
  }
}

TEST_CASE("a first start installs the shipped workflow templates, once", "[api][templates]") {
  TempDir dir;
  std::ostringstream logs;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  { api::HttpServer first(config, log); }
  { api::HttpServer second(config, log); }
  auto database = storage::Database::open({"sqlite:" + (dir / "vanthu.db").string()});
  storage::SqlTemplateRepository templates(*database);
  auto four = templates.findTemplate("outgoing-4");
  REQUIRE(four);
  CHECK(four->version == 1);
  CHECK(templates.listTemplates("any").size() == 2);
  std::string text = logs.str();
  size_t installed = 0;
  for (size_t at = text.find("templates_installed"); at != std::string::npos;
       at = text.find("templates_installed", at + 1)) {
    ++installed;
  }
  CHECK(installed == 1);
}

TEST_CASE("server.instance_name is sent as X-Served-By, and nothing without it",
          "[api][http][pool]") {
  RunningServer unnamed;
  CHECK_FALSE(call(unnamed.server->port(), "GET", "/healthz").headers.has("X-Served-By"));

  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  config.instanceName = "api-2";
  config.databasePoolSize = 3;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::HttpServer server(config, log);
  server.start();
  auto reply = call(server.port(), "GET", "/readyz");
  CHECK(reply.status == 200);
  CHECK(reply.headers.get("X-Served-By", "") == "api-2");
  CHECK(logs.str().find("\"pool_size\":\"3\"") != std::string::npos);
}

TEST_CASE("requests on several threads share the pool and all succeed", "[api][http][pool]") {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  config.threads = 8;
  config.databasePoolSize = 2;
  api::StructuredLog log(logs, api::LogLevel::Warning, api::LogFormat::Json);
  api::HttpServer server(config, log);
  server.start();
  std::atomic<int> ready{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 6; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        if (call(server.port(), "GET", "/readyz").status == 200) ++ready;
      }
    });
  }
  for (auto& client : clients) client.join();
  CHECK(ready == 120);
}

TEST_CASE("CORS is off: no cross-origin grant on any answer, preflights are not served",
          "[api][http][cors]") {
  RunningServer s;
  for (const std::string path : {"/healthz", "/api/v1/me", "/api/v1/openapi.json"}) {
    Poco::Net::HTTPClientSession session("127.0.0.1", s.server->port());
    Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Origin", "https://attacker.example");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    INFO(path);
    CHECK(!response.has("Access-Control-Allow-Origin"));
    CHECK(!response.has("Access-Control-Allow-Credentials"));
    // The security headers go on every answer, whatever the status.
    CHECK(response.get("X-Frame-Options", "") == "DENY");
    CHECK(response.get("Content-Security-Policy", "").find("frame-ancestors 'none'") !=
          std::string::npos);
    CHECK(response.get("Cache-Control", "") == "no-store");
  }
  Poco::Net::HTTPClientSession session("127.0.0.1", s.server->port());
  Poco::Net::HTTPRequest preflight("OPTIONS", "/api/v1/documents",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
  preflight.set("Origin", "https://attacker.example");
  preflight.set("Access-Control-Request-Method", "POST");
  session.sendRequest(preflight);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  CHECK(static_cast<int>(response.getStatus()) == 405);
  CHECK(response.getContentType().rfind("application/problem+json", 0) == 0);
  CHECK(!response.has("Access-Control-Allow-Origin"));
  CHECK(!response.has("Access-Control-Allow-Methods"));
}
