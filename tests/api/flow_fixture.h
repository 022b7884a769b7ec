#pragma once

// The demo organisations and users (samples/src/demo_directory.cpp, their grants as `vanthu demo
// init` gives them) behind a real server on loopback, for the API tests of the flow routes (bulk
// actions, the dashboard). SQLite, or PostgreSQL with VANTHU_TEST_POSTGRES_URL.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/demo/demo_directory.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::flowtest {

using Poco::JSON::Object;
using vanthu::test::TempDir;

inline const std::string kBoundary = "vanthu-flow-boundary";

inline std::string demoPassword() {
  const char* password = std::getenv("VANTHU_DEMO_PASSWORD");
  return password != nullptr && *password != '\0' ? password : "demo-test-password";
}

struct Reply {
  int status = 0;
  std::string contentType;
  std::string etag;
  std::string body;
  Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }
  std::string code() const { return json()->getValue<std::string>("code"); }
};

inline std::string text(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

inline Reply call(uint16_t port, const std::string& method, const std::string& path,
                  const std::string& bearer, const std::string& body = "",
                  const std::string& contentType = "application/json",
                  const std::string& ifMatch = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
  if (!ifMatch.empty()) request.set("If-Match", ifMatch);
  if (!body.empty() || method == "POST") {
    request.setContentType(contentType);
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Reply reply;
  std::istream& in = session.receiveResponse(response);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(response.getStatus());
  reply.contentType = response.getContentType();
  reply.etag = response.get("ETag", "");
  return reply;
}

inline std::string multipart(
    const std::string& subject, const std::string& direction = "outgoing",
    const std::string& pdfFile = "tests/data/corpus/unsigned/dss_EmptyPage.pdf",
    const std::string& confidentiality = "normal") {
  Object metadata;
  metadata.set("direction", direction);
  metadata.set("document_type", "CV");
  metadata.set("subject", subject);
  metadata.set("confidentiality", confidentiality);
  std::string pdf = test::readFile(test::sourceDir() / pdfFile);
  std::string body = "--" + kBoundary +
                     "\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: "
                     "application/json\r\n\r\n" +
                     text(metadata) + "\r\n";
  body += "--" + kBoundary +
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
          "Content-Type: application/pdf\r\n\r\n" +
          pdf + "\r\n";
  return body + "--" + kBoundary + "--\r\n";
}

inline std::string actionBody(const std::string& action, const std::string& comment = "") {
  Object body;
  body.set("action", action);
  if (!comment.empty()) body.set("comment", comment);
  return text(body);
}

inline std::string tag(int64_t revision) {
  return "\"" + std::to_string(revision) + "\"";
}

// The revision a single-document GET's ETag ("<revision>.<digest of the caller's actions>")
// names, as tag() writes it.
inline std::string revisionTag(const std::string& etag) {
  auto dot = etag.find('.');
  return dot == std::string::npos ? etag : etag.substr(0, dot) + "\"";
}

// The demo directory (organisations, units, users and their grants as `vanthu demo init` makes
// them, with fast password hashes), and a server on it.
struct FlowServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  std::map<std::string, std::string> tokens;

  FlowServer() {
    config.dataDir = dir.path();
    config.port = 0;
    config.gcInterval = std::chrono::seconds(0);
    // With tests/storage/with_postgres.sh: the same tests on PostgreSQL, in a fresh schema.
    if (const char* postgres = std::getenv("VANTHU_TEST_POSTGRES_URL")) {
      std::random_device random;
      config.databaseUrl = std::string(postgres) + "?schema=flow" + std::to_string(random()) +
                           std::to_string(random());
    }
    {
      auto database = openDatabase();
      storage::SqlDirectoryRepository directory(*database);
      const auto& demo = demo::demoDirectory();
      for (const auto& tier : demo.tiers) REQUIRE(directory.addTier(tier).isOk());
      for (const auto& organisation : demo.organisations) {
        REQUIRE(directory.addOrganisation(organisation).isOk());
      }
      for (const auto& unit : demo.units) REQUIRE(directory.addUnit(unit).isOk());
      const std::string hash = api::hashPassword(demoPassword(), 1000);  // fast for tests
      for (const auto& demoUser : demo.users) {
        workflow::User user;
        user.id = "user-" + demoUser.username;
        user.username = demoUser.username;
        user.fullName = demoUser.fullName;
        user.position = demoUser.position;
        user.organisationId = demoUser.organisationId;
        if (!demoUser.unitId.empty()) user.unitId = demoUser.unitId;
        user.passwordHash = hash;
        REQUIRE(directory.addUser(user).isOk());
        for (const auto& grant : demo::demoRoleGrants(demoUser, user.id)) {
          REQUIRE(directory.grantRole(grant).isOk());
        }
      }
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Warning, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }

  std::unique_ptr<storage::Database> openDatabase() const {
    return storage::Database::open({config.resolvedDatabaseUrl()});
  }

  uint16_t port() const { return server->port(); }

  std::string token(const std::string& username) {
    auto& token = tokens[username];
    if (token.empty()) {
      Object body;
      body.set("username", username);
      body.set("password", demoPassword());
      auto reply = call(port(), "POST", "/api/v1/auth/login", "", text(body));
      INFO(reply.body);
      REQUIRE(reply.status == 200);
      token = reply.json()->getValue<std::string>("token");
    }
    return token;
  }

  // An outgoing draft of `username`; returns its id.
  std::string draft(const std::string& subject, const std::string& username = "chuyenvien",
                    const std::string& direction = "outgoing",
                    const std::string& confidentiality = "normal") {
    auto reply = call(port(), "POST", "/api/v1/documents", token(username),
                      multipart(subject, direction, "tests/data/corpus/unsigned/dss_EmptyPage.pdf",
                                confidentiality),
                      "multipart/form-data; boundary=" + kBoundary);
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    CHECK(reply.etag == "\"1\"");
    return reply.json()->getValue<std::string>("id");
  }

  Reply act(const std::string& username, const std::string& id, const std::string& body,
            const std::string& ifMatch) {
    return call(port(), "POST", "/api/v1/documents/" + id + "/actions", token(username), body,
                "application/json", ifMatch);
  }

  // The action, which must be accepted; returns the document's new revision.
  int64_t accept(const std::string& username, const std::string& id, const std::string& body,
                 int64_t revision, const std::string& expectedStatus) {
    auto reply = act(username, id, body, tag(revision));
    INFO(username << " " << body << ": " << reply.body);
    REQUIRE(reply.status == 200);
    auto document = reply.json()->getObject("document");
    CHECK(document->getValue<std::string>("status") == expectedStatus);
    CHECK(document->getValue<int64_t>("revision") == revision + 1);
    CHECK(reply.etag == tag(revision + 1));
    return revision + 1;
  }

  Reply acts(const std::string& username, const std::string& id) {
    return call(port(), "GET", "/api/v1/documents/" + id + "/acts", token(username));
  }

  Reply document(const std::string& username, const std::string& id) {
    return call(port(), "GET", "/api/v1/documents/" + id, token(username));
  }

  std::vector<workflow::AuditEntry> audit(const std::string& id) {
    auto database = openDatabase();
    return storage::SqlAuditLog(*database, nullptr).entriesOfDocument(id);
  }
};

inline void checkProblem(const Reply& reply, int status, const std::string& code) {
  INFO(reply.body);
  CHECK(reply.status == status);
  CHECK(reply.contentType.rfind("application/problem+json", 0) == 0);
  if (reply.contentType.rfind("application/problem+json", 0) == 0) CHECK(reply.code() == code);
}

inline Object::Ptr item(const Poco::JSON::Array::Ptr& items, size_t index) {
  return items->getObject(static_cast<unsigned>(index));
}

}  // namespace vanthu::flowtest
