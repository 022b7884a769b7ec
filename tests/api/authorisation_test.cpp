// Who may call what (issue 6, point 2), as one table: every route the server serves × every role
// (and no login, and an API token) × the caller's own organisation and another one. The table
// below is written from the rules the product promises, not read from the routes' declarations,
// and the test fails when the server serves a route the table does not list — so a new route
// cannot ship without someone deciding who may call it.
//
// Two organisations: a province ("tinh") and a commune under it ("xa"), each with one user per
// role, a target user, a document, key references and delegations. Real HTTP on loopback, a real
// SQLite database.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"

using namespace vanthu;
using Poco::JSON::Object;
using vanthu::test::TempDir;
using workflow::Role;

namespace {

const std::string kPassword = "mat-khau-phan-quyen-2026";
const std::vector<std::string> kOrganisations = {"tinh", "xa"};
const std::string kBoundary = "vanthu-authz-boundary";

struct Reply {
  int status = 0;
  std::string contentType;
  std::string etag;
  std::string body;
  Object::Ptr json() const { return Poco::JSON::Parser().parse(body).extract<Object::Ptr>(); }
};

struct Request {
  Request(std::string p, std::string b = "", std::string type = "application/json",
          std::string match = "")
      : path(std::move(p)),
        body(std::move(b)),
        contentType(std::move(type)),
        ifMatch(std::move(match)) {}
  std::string path;
  std::string body;
  std::string contentType;
  std::string ifMatch;
};

std::string text(const Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

std::string userId(const std::string& organisation, Role role) {
  return organisation + "-" + std::string(workflow::roleName(role));
}

std::string other(const std::string& organisation) {
  return organisation == "tinh" ? "xa" : "tinh";
}

// A caller: nobody, a user holding one role, or an API token with the scope documents:read.
struct Caller {
  enum class Kind { Anonymous, User, ApiToken } kind = Kind::Anonymous;
  std::string organisation;
  Role role = Role::Unknown;
  std::string bearer;

  std::string name() const {
    if (kind == Kind::Anonymous) return "anonymous";
    if (kind == Kind::ApiToken) return organisation + " API token (documents:read)";
    return userId(organisation, role);
  }
};

struct Fixture {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  std::string certificatePem;
  std::map<std::string, std::string> documentOf;  // organisation → a document its specialist made
  std::map<std::string, std::string> adminToken;  // organisation → its administrator's token
  int counter = 0;

  Fixture() {
    config.dataDir = dir.path();
    config.port = 0;
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      REQUIRE(directory.addTier({"commune", "Cấp xã", 4, std::nullopt}).isOk());
      workflow::Organisation province;
      province.id = "tinh";
      province.code = "000.00.00.H55";
      province.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
      province.abbreviation = "UBND";
      province.tierCode = "province";
      REQUIRE(directory.addOrganisation(province).isOk());
      workflow::Organisation commune;
      commune.id = "xa";
      commune.code = "000.01.23.H55";
      commune.name = "Ủy ban nhân dân xã Phú Bình";
      commune.abbreviation = "UBND";
      commune.tierCode = "commune";
      commune.parentId = "tinh";
      REQUIRE(directory.addOrganisation(commune).isOk());
      for (const auto& organisation : kOrganisations) {
        REQUIRE(directory.addUnit({organisation + "-vp", organisation, "Văn phòng", "VP"}).isOk());
        for (auto role : workflow::allRoles()) {
          addUser(directory, userId(organisation, role), organisation, role);
        }
        addUser(directory, organisation + "-target", organisation, Role::Specialist);
        REQUIRE(storage::SqlDocumentRepository(*database)
                    .createRegister(
                        {organisation + "-so-di", organisation, "Sổ văn bản đi", "outgoing"})
                    .isOk());
      }
    }
    std::filesystem::create_directories(dir.path() / "pki" / "crl");
    std::ofstream(dir.path() / "pki" / "crl" / "demo-government-ca.crl") << "a CRL";
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Warning, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();

    auto pem = dir.path() / "certificate.pem";
    std::string command =
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
        "-keyout '" +
        (dir.path() / "key.pem").string() + "' -out '" + pem.string() +
        "' -subj '/CN=Nguyen Van A' -days 30 2>/dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    certificatePem = test::readFile(pem);

    for (const auto& organisation : kOrganisations) {
      adminToken[organisation] = login(userId(organisation, Role::Administrator));
      auto created = call("POST",
                          {"/api/v1/documents", multipart("Văn bản của " + organisation),
                           "multipart/form-data; boundary=" + kBoundary},
                          login(userId(organisation, Role::Specialist)));
      INFO(created.body);
      REQUIRE(created.status == 201);
      documentOf[organisation] = created.json()->getValue<std::string>("id");
    }
  }

  static void addUser(storage::SqlDirectoryRepository& directory, const std::string& id,
                      const std::string& organisation, Role role) {
    workflow::User user;
    user.id = id;
    user.username = id;
    user.fullName = id;
    user.organisationId = organisation;
    user.unitId = organisation + "-vp";
    user.passwordHash = api::hashPassword(kPassword, 1000);  // fast for tests
    REQUIRE(directory.addUser(user).isOk());
    REQUIRE(directory.grantRole({id, role, organisation, std::nullopt}).isOk());
  }

  static std::string multipart(const std::string& subject,
                               const std::string& direction = "outgoing") {
    Object metadata;
    metadata.set("direction", direction);
    metadata.set("document_type", "");
    metadata.set("subject", subject);
    std::string pdf =
        test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
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

  Reply call(const std::string& method, const Request& request, const std::string& bearer) {
    Poco::Net::HTTPClientSession session("127.0.0.1", server->port());
    Poco::Net::HTTPRequest http(method, request.path, Poco::Net::HTTPMessage::HTTP_1_1);
    if (!bearer.empty()) http.set("Authorization", "Bearer " + bearer);
    if (!request.ifMatch.empty()) http.set("If-Match", request.ifMatch);
    if (!request.body.empty()) {
      http.setContentType(request.contentType);
      http.setContentLength(static_cast<std::streamsize>(request.body.size()));
    }
    session.sendRequest(http) << request.body;
    Poco::Net::HTTPResponse response;
    Reply reply;
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.status = static_cast<int>(response.getStatus());
    reply.contentType = response.getContentType();
    reply.etag = response.get("ETag", "");
    return reply;
  }

  std::string login(const std::string& username) {
    Object body;
    body.set("username", username);
    body.set("password", kPassword);
    auto reply = call("POST", {"/api/v1/auth/login", text(body)}, "");
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    return reply.json()->getValue<std::string>("token");
  }

  std::string unique(const std::string& prefix) { return prefix + std::to_string(++counter); }

  // Fresh things to delete, so that every allowed DELETE has something to act on.
  std::string newApiToken(const std::string& organisation) {
    Object body;
    body.set("name", unique("may-"));
    Poco::JSON::Array::Ptr scopes = new Poco::JSON::Array;
    scopes->add("documents:read");
    body.set("scopes", scopes);
    auto reply = call("POST", {"/api/v1/auth/tokens", text(body)}, adminToken[organisation]);
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  }
  std::string newApiTokenSecret(const std::string& organisation) {
    Object body;
    body.set("name", unique("doc-"));
    Poco::JSON::Array::Ptr scopes = new Poco::JSON::Array;
    scopes->add("documents:read");
    body.set("scopes", scopes);
    auto reply = call("POST", {"/api/v1/auth/tokens", text(body)}, adminToken[organisation]);
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("token");
  }
  std::string newKey(const std::string& organisation) {
    auto reply = call("POST", {"/api/v1/keys", keyBody(organisation)}, adminToken[organisation]);
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  }
  std::string keyBody(const std::string& organisation) {
    Object body;
    body.set("source", "external");
    body.set("user_id", organisation + "-target");
    body.set("certificate", certificatePem);
    // The certificate names "Nguyen Van A", not the target: who may register is the point here
    // (the name check: tests/api/admin_test.cpp).
    body.set("accept_other_name", true);
    return text(body);
  }
  std::string newDelegation(const std::string& organisation) {
    auto reply = call("POST", {"/api/v1/delegations", delegationBody(organisation, true)},
                      adminToken[organisation]);
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  }
  static std::string delegationBody(const std::string& organisation, bool fromLeader) {
    Object body;
    if (fromLeader) body.set("from_user_id", userId(organisation, Role::Leader));
    body.set("to_user_id", userId(organisation, Role::DeputyLeader));
    body.set("scope", "sign");
    body.set("starts_at", "2026-01-01T00:00:00Z");
    body.set("ends_at", "2036-01-01T00:00:00Z");
    return text(body);
  }
  // A fresh outgoing draft of the organisation's specialist, for actions that move it on.
  std::string newDraft(const std::string& organisation) {
    auto& token = drafterToken[organisation];
    if (token.empty()) token = login(userId(organisation, Role::Specialist));
    auto created = call("POST",
                        {"/api/v1/documents", multipart("Dự thảo để rút"),
                         "multipart/form-data; boundary=" + kBoundary},
                        token);
    REQUIRE(created.status == 201);
    return created.json()->getValue<std::string>("id");
  }
  std::map<std::string, std::string> drafterToken;
  // The organisation's incoming document, received by its clerk (made once).
  std::string incomingOf(const std::string& organisation) {
    auto& id = incoming[organisation];
    if (!id.empty()) return id;
    auto created = call("POST",
                        {"/api/v1/documents", multipart("Công văn đến", "incoming"),
                         "multipart/form-data; boundary=" + kBoundary},
                        login(userId(organisation, Role::Clerk)));
    REQUIRE(created.status == 201);
    id = created.json()->getValue<std::string>("id");
    return id;
  }
  std::map<std::string, std::string> incoming;
  std::string documentEtag(const std::string& organisation) {
    auto reply =
        call("GET", {"/api/v1/documents/" + documentOf[organisation]}, adminToken[organisation]);
    REQUIRE(reply.status == 200);
    return reply.etag;
  }
};

// Which callers a route admits, before any question of organisation.
struct Rule {
  bool anyone = false;     // no login needed
  std::set<Role> roles;    // empty with !anyone: any signed-in user
  bool apiTokens = false;  // API tokens with documents:read are admitted
  bool usersOnlyRole = false;

  bool admits(const Caller& caller) const {
    if (anyone) return true;
    if (caller.kind == Caller::Kind::Anonymous) return false;
    if (caller.kind == Caller::Kind::ApiToken) return apiTokens;
    return roles.empty() || roles.count(caller.role) > 0;
  }
};

Rule anyone() {
  Rule rule;
  rule.anyone = true;
  return rule;
}
Rule anyUser(bool apiTokens = false) {
  Rule rule;
  rule.apiTokens = apiTokens;
  return rule;
}
Rule only(std::set<Role> roles) {
  Rule rule;
  rule.roles = std::move(roles);
  return rule;
}

// Whether the thing a request names (in the path or body) belongs to an organisation, and who
// from another organisation may reach it.
enum class Reach {
  NotScoped,    // no organisation's thing is named
  OwnOnly,      // only callers of the owning organisation
  Directory,    // the directory of agencies: every signed-in user of every organisation
  OwnAndAbove,  // the owning organisation and the organisations above it (administration)
};

struct Row {
  std::string method;
  std::string pattern;
  Rule rule;
  Reach reach = Reach::NotScoped;
  // The request against the thing of organisation `target`, made by `caller`.
  std::function<Request(Fixture&, const Caller&, const std::string& target)> request;
  // Beyond the rule: a caller the handler refuses for its own reasons (e.g. not the creator).
  std::function<bool(const Caller&)> refusedByHandler;
};

Request get(const std::string& path) {
  return {path, "", "application/json", ""};
}

std::vector<Row> table() {
  const std::set<Role> drafters = {Role::Specialist, Role::DepartmentHead, Role::OfficeChief,
                                   Role::Leader,     Role::DeputyLeader,   Role::Clerk};
  const std::set<Role> admin = {Role::Administrator};
  auto path = [](std::string text) {
    return [text](Fixture&, const Caller&, const std::string&) { return get(text); };
  };
  auto document = [](std::string suffix) {
    return [suffix](Fixture& f, const Caller&, const std::string& target) {
      return get("/api/v1/documents/" + f.documentOf[target] + suffix);
    };
  };
  auto json = [](std::string target, std::string body) {
    return [target, body](Fixture&, const Caller&, const std::string&) {
      return Request{target, body, "application/json", ""};
    };
  };
  std::vector<Row> rows;
  // Operations and public services.
  rows.push_back({"GET", "/", anyone(), Reach::NotScoped, path("/"), {}});
  rows.push_back({"GET", "/web/{file}", anyone(), Reach::NotScoped, path("/web/app.js"), {}});
  rows.push_back(
      {"GET", "/web/pdfjs/{file}", anyone(), Reach::NotScoped, path("/web/pdfjs/pdf.min.mjs"), {}});
  rows.push_back({"GET", "/healthz", anyone(), Reach::NotScoped, path("/healthz"), {}});
  rows.push_back({"GET", "/readyz", anyone(), Reach::NotScoped, path("/readyz"), {}});
  rows.push_back({"GET", "/metrics", anyone(), Reach::NotScoped, path("/metrics"), {}});
  rows.push_back({"GET",
                  "/api/v1/openapi.json",
                  anyone(),
                  Reach::NotScoped,
                  path("/api/v1/openapi.json"),
                  {}});
  rows.push_back(
      {"GET", "/pki/{file}", anyone(), Reach::NotScoped, path("/pki/demo-government-ca.crl"), {}});
  rows.push_back({"POST",
                  "/api/v1/verify",
                  anyone(),
                  Reach::NotScoped,
                  [](Fixture&, const Caller&, const std::string&) {
                    return Request{"/api/v1/verify",
                                   test::readFile(test::sourceDir() /
                                                  "tests/data/corpus/unsigned/dss_EmptyPage.pdf"),
                                   "application/pdf", ""};
                  },
                  {}});
  // Authentication.
  rows.push_back(
      {"POST",
       "/api/v1/auth/login",
       anyone(),
       Reach::NotScoped,
       json("/api/v1/auth/login", R"({"username":"tinh-clerk","password":")" + kPassword + "\"}"),
       {}});
  rows.push_back({"POST",
                  "/api/v1/auth/refresh",
                  anyone(),
                  Reach::NotScoped,
                  json("/api/v1/auth/refresh", "{}"),
                  {}});
  rows.push_back({"POST",
                  "/api/v1/auth/logout",
                  anyUser(),
                  Reach::NotScoped,
                  path("/api/v1/auth/logout"),
                  {}});
  // A body without the new password: an admitted caller gets 400, after the access check.
  rows.push_back({"POST",
                  "/api/v1/auth/password",
                  anyUser(),
                  Reach::NotScoped,
                  json("/api/v1/auth/password", R"({"current_password":"x"})"),
                  {}});
  rows.push_back({"GET", "/api/v1/me", anyUser(true), Reach::NotScoped, path("/api/v1/me"), {}});
  rows.push_back(
      {"GET", "/api/v1/me/keys", anyUser(), Reach::NotScoped, path("/api/v1/me/keys"), {}});
  rows.push_back({"POST",
                  "/api/v1/auth/tokens",
                  only(admin),
                  Reach::NotScoped,
                  json("/api/v1/auth/tokens", R"({"name":"may","scopes":["documents:read"]})"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/auth/tokens",
                  only(admin),
                  Reach::NotScoped,
                  path("/api/v1/auth/tokens"),
                  {}});
  rows.push_back({"DELETE",
                  "/api/v1/auth/tokens/{id}",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return get("/api/v1/auth/tokens/" + f.newApiToken(target));
                  },
                  {}});
  // Documents: read by the organisation (and its read tokens), changed by the creator.
  auto creatorOnly = [](const Caller& caller) {
    return caller.kind != Caller::Kind::User || caller.role != Role::Specialist;
  };
  auto creatorOrAdmin = [](const Caller& caller) {
    return caller.kind != Caller::Kind::User ||
           (caller.role != Role::Specialist && caller.role != Role::Administrator);
  };
  rows.push_back({"GET",
                  "/api/v1/documents",
                  anyUser(true),
                  Reach::NotScoped,
                  path("/api/v1/documents?box=outgoing"),
                  {}});
  rows.push_back({"POST",
                  "/api/v1/documents",
                  only(drafters),
                  Reach::NotScoped,
                  [](Fixture&, const Caller&, const std::string&) {
                    return Request{"/api/v1/documents", Fixture::multipart("Dự thảo"),
                                   "multipart/form-data; boundary=" + kBoundary, ""};
                  },
                  {}});
  rows.push_back(
      {"GET", "/api/v1/documents/{id}", anyUser(true), Reach::OwnOnly, document(""), {}});
  rows.push_back({"PATCH", "/api/v1/documents/{id}", anyUser(), Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return Request{"/api/v1/documents/" + f.documentOf[target],
                                   R"({"subject":"Về việc sửa đổi"})", "application/json",
                                   f.documentEtag(target)};
                  },
                  creatorOrAdmin});
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/versions",
                  anyUser(true),
                  Reach::OwnOnly,
                  document("/versions"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/versions/{n}/content",
                  anyUser(true),
                  Reach::OwnOnly,
                  document("/versions/1/content"),
                  {}});
  rows.push_back({"POST", "/api/v1/documents/{id}/versions", only(drafters), Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    auto body = Fixture::multipart("Bản sửa");
                    return Request{"/api/v1/documents/" + f.documentOf[target] + "/versions", body,
                                   "multipart/form-data; boundary=" + kBoundary,
                                   f.documentEtag(target)};
                  },
                  creatorOnly});
  // Attachments: added by the document's creator (the row before the reads makes attachment 1 of
  // each organisation's document, which the content row then reads).
  rows.push_back(
      {"POST", "/api/v1/documents/{id}/attachments", only(drafters), Reach::OwnOnly,
       [](Fixture& f, const Caller&, const std::string& target) {
         std::string pdf =
             test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
         std::string body = "--" + kBoundary +
                            "\r\nContent-Disposition: form-data; name=\"file\"; "
                            "filename=\"phu-luc.pdf\"\r\nContent-Type: "
                            "application/pdf\r\n\r\n" +
                            pdf + "\r\n--" + kBoundary + "--\r\n";
         return Request{"/api/v1/documents/" + f.documentOf[target] + "/attachments", body,
                        "multipart/form-data; boundary=" + kBoundary, f.documentEtag(target)};
       },
       creatorOnly});
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/attachments",
                  anyUser(true),
                  Reach::OwnOnly,
                  document("/attachments"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/attachments/{n}/content",
                  anyUser(true),
                  Reach::OwnOnly,
                  document("/attachments/1/content"),
                  {}});
  // The approval flow: every user of the organisation reaches the route, the flow decides who
  // acts (only the drafter withdraws a draft); the timeline is read by the organisation.
  rows.push_back({"POST", "/api/v1/documents/{id}/actions", anyUser(), Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return Request{"/api/v1/documents/" + f.newDraft(target) + "/actions",
                                   R"({"action":"withdraw","comment":"Không ban hành nữa"})",
                                   "application/json", "\"1\""};
                  },
                  [](const Caller& caller) {
                    return caller.kind != Caller::Kind::User || caller.role != Role::Specialist;
                  }});
  rows.push_back(
      {"GET", "/api/v1/documents/{id}/acts", anyUser(), Reach::OwnOnly, document("/acts"), {}});
  // The exchange: a document's recipients are read by the organisation and set by its drafter, a
  // clerk or an administrator; its tracking is read by the organisation; the inbox takes
  // deliveries for the caller's own organisation from clerks, administrators and API tokens with
  // exchange:inbox (the table's tokens have documents:read only). The body here is no package:
  // an admitted caller gets 422.
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/recipients",
                  anyUser(),
                  Reach::OwnOnly,
                  document("/recipients"),
                  {}});
  rows.push_back({"PUT", "/api/v1/documents/{id}/recipients", anyUser(), Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return Request{"/api/v1/documents/" + f.documentOf[target] + "/recipients",
                                   R"({"recipients":["000.00.22.H55"]})", "application/json", ""};
                  },
                  [](const Caller& caller) {
                    return caller.kind == Caller::Kind::User && caller.role != Role::Specialist &&
                           caller.role != Role::Clerk && caller.role != Role::Administrator;
                  }});
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/exchange",
                  anyUser(),
                  Reach::OwnOnly,
                  document("/exchange"),
                  {}});
  // A message the outbox gave up, of the organisation's document, sent again: the first admitted
  // caller requeues it (200), later ones find it pending (409); another organisation's: 404.
  rows.push_back(
      {"POST",
       "/api/v1/exchange/outbox/{id}/retry",
       only({Role::Clerk, Role::Administrator}),
       Reach::OwnOnly,
       [](Fixture& f, const Caller&, const std::string& target) {
         const std::string id = "given-up-" + target;
         auto database = storage::Database::open({f.config.resolvedDatabaseUrl()});
         storage::SqlExchangeRepository outbox(*database);
         if (!outbox.outboxMessage(id)) {
           workflow::OutboxMessage message;
           message.id = id;
           message.documentId = f.documentOf[target];
           message.recipientCode = "000.00.00.H55";
           message.kind = "status";
           message.payloadHash = std::string(64, '0');
           message.nextAttemptAt = message.createdAt = "2999-01-01T00:00:00Z";
           REQUIRE(outbox.enqueue(message).isOk());
           // Taken and given up by a sender of the test's own, at a time the
           // server's sender never reaches.
           auto taken =
               outbox.claimDue("2999-01-01T00:00:00Z", "test", "2999-01-01T00:05:00Z", 100);
           for (const auto& each : taken) {
             REQUIRE(outbox.markAttemptFailed(each.id, "test", "refused", "", true).isOk());
           }
         }
         return Request{"/api/v1/exchange/outbox/" + id + "/retry", "", "application/json", ""};
       },
       {}});
  rows.push_back({"POST",
                  "/api/v1/exchange/inbox",
                  only({Role::Clerk, Role::Administrator}),
                  Reach::NotScoped,
                  [](Fixture&, const Caller&, const std::string&) {
                    return Request{"/api/v1/exchange/inbox", "<x/>", "application/xml", ""};
                  },
                  {}});
  // A pending external signature is read only by the user who prepared it (api.external_signing
  // walks that path); for everyone else, owner of the document or not, the id is unknown.
  rows.push_back({"GET", "/api/v1/documents/{id}/pending-signatures/{pending_id}", anyUser(),
                  Reach::OwnOnly, document("/pending-signatures/0123456789abcdef0123456789abcdef"),
                  [](const Caller&) { return true; }});
  // The audit log: a document's trail and its entries' proofs as the document; the latest
  // signed tree head to every signed-in user. A checkpoint is signed first where one is needed.
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/audit",
                  anyUser(true),
                  Reach::OwnOnly,
                  document("/audit"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/audit/checkpoints/latest",
                  anyUser(true),
                  Reach::NotScoped,
                  [](Fixture& f, const Caller&, const std::string&) {
                    auto database = storage::Database::open({f.config.resolvedDatabaseUrl()});
                    std::shared_ptr<const storage::AuditSigningKey> key =
                        storage::AuditSigningKey::loadOrCreate(
                            storage::auditKeyPath(f.config.dataDir));
                    storage::SqlAuditLog log(*database, key);
                    if (!log.latestCheckpoint()) log.checkpoint();
                    return get("/api/v1/audit/checkpoints/latest");
                  },
                  {}});
  rows.push_back({"GET",
                  "/api/v1/audit/proof/{entry}",
                  anyUser(true),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    auto database = storage::Database::open({f.config.resolvedDatabaseUrl()});
                    std::shared_ptr<const storage::AuditSigningKey> key =
                        storage::AuditSigningKey::loadOrCreate(
                            storage::auditKeyPath(f.config.dataDir));
                    storage::SqlAuditLog log(*database, key);
                    auto entries = log.entriesOfDocument(f.documentOf[target]);
                    REQUIRE_FALSE(entries.empty());
                    auto latest = log.latestCheckpoint();
                    if (!latest || latest->treeSize <= entries.back().sequence) log.checkpoint();
                    return get("/api/v1/audit/proof/" + std::to_string(entries.back().sequence));
                  },
                  {}});
  // The incoming state is read by the organisation, as the document itself.
  rows.push_back({"GET",
                  "/api/v1/documents/{id}/incoming",
                  anyUser(),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return get("/api/v1/documents/" + f.incomingOf(target) + "/incoming");
                  },
                  {}});
  rows.push_back(
      {"GET", "/api/v1/dashboard", anyUser(), Reach::NotScoped, path("/api/v1/dashboard"), {}});
  // Bulk actions: any user may send them; each item is decided as the single route decides it,
  // and reported in a 200 (another organisation's document: a 404 item, not a refused request).
  rows.push_back({"POST",
                  "/api/v1/documents/actions",
                  anyUser(),
                  Reach::NotScoped,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return Request{"/api/v1/documents/actions",
                                   R"({"items":[{"id":")" + f.newDraft(target) +
                                       R"(","if_match":1,"action":"withdraw","comment":"Thôi"}]})",
                                   "application/json", ""};
                  },
                  {}});
  // The directory of agencies is read by everyone; administrators change their own part of it
  // (and, for organisations, the ones below theirs).
  rows.push_back({"GET", "/api/v1/tiers", anyUser(), Reach::NotScoped, path("/api/v1/tiers"), {}});
  rows.push_back({"GET",
                  "/api/v1/organizations",
                  anyUser(),
                  Reach::NotScoped,
                  path("/api/v1/organizations"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/organizations/{id}",
                  anyUser(),
                  Reach::Directory,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/organizations/" + target);
                  },
                  {}});
  rows.push_back({"POST",
                  "/api/v1/organizations",
                  only(admin),
                  Reach::OwnAndAbove,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    Object body;
                    int n = ++f.counter;
                    body.set("code", "000." + std::string(n < 10 ? "0" : "") + std::to_string(n) +
                                         ".45.H55");
                    body.set("name", "Ủy ban nhân dân xã " + std::to_string(n));
                    body.set("abbreviation", "UBND");
                    body.set("tier", "commune");
                    body.set("parent_id", target);
                    return Request{"/api/v1/organizations", text(body), "application/json", ""};
                  },
                  {}});
  rows.push_back({"PATCH",
                  "/api/v1/organizations/{id}",
                  only(admin),
                  Reach::OwnAndAbove,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/organizations/" + target,
                                   R"({"endpoint":"https://)" + target + R"(.example.vn/edxml"})",
                                   "application/json", ""};
                  },
                  {}});
  rows.push_back({"GET",
                  "/api/v1/organizations/{id}/units",
                  anyUser(),
                  Reach::Directory,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/organizations/" + target + "/units");
                  },
                  {}});
  rows.push_back({"POST",
                  "/api/v1/organizations/{id}/units",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    Object body;
                    body.set("id", f.unique(target + "-phong-"));
                    body.set("name", "Phòng Tư pháp");
                    body.set("abbreviation", "TP");
                    return Request{"/api/v1/organizations/" + target + "/units", text(body),
                                   "application/json", ""};
                  },
                  {}});
  rows.push_back({"PATCH",
                  "/api/v1/units/{id}",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/units/" + target + "-vp", R"({"name":"Văn phòng"})",
                                   "application/json", ""};
                  },
                  {}});
  rows.push_back({"GET",
                  "/api/v1/units/{id}/members",
                  anyUser(),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/units/" + target + "-vp/members");
                  },
                  {}});
  // Users, roles and keys: an organisation's own administrators only.
  rows.push_back(
      {"GET", "/api/v1/users", only(admin), Reach::NotScoped, path("/api/v1/users"), {}});
  rows.push_back({"POST",
                  "/api/v1/users",
                  only(admin),
                  Reach::NotScoped,
                  [](Fixture& f, const Caller&, const std::string&) {
                    Object body;
                    body.set("username", f.unique("nguoi-dung-"));
                    body.set("password", "mat-khau-moi-du-dai");
                    body.set("full_name", "Nguyễn Văn Mới");
                    return Request{"/api/v1/users", text(body), "application/json", ""};
                  },
                  {}});
  rows.push_back({"GET",
                  "/api/v1/users/{id}",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/users/" + target + "-target");
                  },
                  {}});
  rows.push_back({"PATCH",
                  "/api/v1/users/{id}",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/users/" + target + "-target",
                                   R"({"position":"Chuyên viên chính"})", "application/json", ""};
                  },
                  {}});
  rows.push_back({"POST",
                  "/api/v1/users/{id}/roles",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/users/" + target + "-target/roles",
                                   R"({"role":"clerk"})", "application/json", ""};
                  },
                  {}});
  rows.push_back(
      {"DELETE",
       "/api/v1/users/{id}/roles/{role}",
       only(admin),
       Reach::OwnOnly,
       [](Fixture& f, const Caller&, const std::string& target) {
         // Granted afresh by the owning administrator, so there is one to remove.
         auto granted = f.call(
             "POST", {"/api/v1/users/" + target + "-target/roles", R"({"role":"office_chief"})"},
             f.adminToken[target]);
         REQUIRE((granted.status == 201 || granted.status == 200 || granted.status == 409));
         return get("/api/v1/users/" + target + "-target/roles/office_chief");
       },
       {}});
  rows.push_back({"GET", "/api/v1/keys", only(admin), Reach::NotScoped, path("/api/v1/keys"), {}});
  rows.push_back({"POST",
                  "/api/v1/keys",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return Request{"/api/v1/keys", f.keyBody(target), "application/json", ""};
                  },
                  {}});
  rows.push_back({"DELETE",
                  "/api/v1/keys/{id}",
                  only(admin),
                  Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return get("/api/v1/keys/" + f.newKey(target));
                  },
                  {}});
  // Delegations: users lend their own authority within their organisation; the giver or an
  // administrator revokes.
  rows.push_back(
      {"GET", "/api/v1/delegations", anyUser(), Reach::NotScoped, path("/api/v1/delegations"), {}});
  rows.push_back({"POST",
                  "/api/v1/delegations",
                  anyUser(),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/delegations", Fixture::delegationBody(target, false),
                                   "application/json", ""};
                  },
                  {}});
  rows.push_back({"DELETE", "/api/v1/delegations/{id}", anyUser(), Reach::OwnOnly,
                  [](Fixture& f, const Caller&, const std::string& target) {
                    return get("/api/v1/delegations/" + f.newDelegation(target));
                  },
                  [](const Caller& caller) {
                    return caller.kind != Caller::Kind::User ||
                           (caller.role != Role::Leader && caller.role != Role::Administrator);
                  }});
  // Registers (Decree 30, Phụ lục IV): kept by the records office, inspected by the office
  // chief and the leaders; the administrator runs the system. Not for API tokens.
  const std::set<Role> registerKeepers = {Role::Clerk, Role::OfficeChief, Role::Leader,
                                          Role::DeputyLeader, Role::Administrator};
  rows.push_back({"GET",
                  "/api/v1/registers",
                  only(registerKeepers),
                  Reach::NotScoped,
                  path("/api/v1/registers"),
                  {}});
  rows.push_back({"GET",
                  "/api/v1/registers/{id}/export",
                  only(registerKeepers),
                  Reach::OwnOnly,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/registers/" + target +
                               "-so-di/export?year=2026&format=csv");
                  },
                  {}});
  // Workflow templates: read by every user, versioned by administrators.
  rows.push_back(
      {"GET", "/api/v1/templates", anyUser(), Reach::NotScoped, path("/api/v1/templates"), {}});
  rows.push_back({"GET",
                  "/api/v1/templates/{id}",
                  anyUser(),
                  Reach::NotScoped,
                  path("/api/v1/templates/outgoing-4"),
                  {}});
  rows.push_back({"PUT",
                  "/api/v1/templates/{id}",
                  only(admin),
                  Reach::NotScoped,
                  [](Fixture&, const Caller& caller, const std::string&) {
                    std::string body =
                        R"({"name":"Quy trình rút gọn","direction":"outgoing",)"
                        R"("levels":[)"
                        R"({"number":1,"name":"Soạn","role":"specialist","action":"draft"},)"
                        R"({"number":2,"name":"Ký","role":"leader","action":"sign"},)"
                        R"({"number":3,"name":"Phát hành","role":"clerk","action":"issue"}]})";
                    return Request{"/api/v1/templates/" + caller.organisation + "-rut-gon", body,
                                   "application/json", ""};
                  },
                  {}});
  // An organisation's default outgoing template: chosen by its administrators and those above.
  rows.push_back({"GET",
                  "/api/v1/organizations/{id}/outgoing-template",
                  only(admin),
                  Reach::OwnAndAbove,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return get("/api/v1/organizations/" + target + "/outgoing-template");
                  },
                  {}});
  rows.push_back({"PUT",
                  "/api/v1/organizations/{id}/outgoing-template",
                  only(admin),
                  Reach::OwnAndAbove,
                  [](Fixture&, const Caller&, const std::string& target) {
                    return Request{"/api/v1/organizations/" + target + "/outgoing-template",
                                   R"({"template_id":"outgoing-commune"})", "application/json", ""};
                  },
                  {}});
  // The holiday calendar: administrators read it and replace their organisation's own days.
  rows.push_back({"GET",
                  "/api/v1/admin/holidays",
                  only(admin),
                  Reach::NotScoped,
                  path("/api/v1/admin/holidays"),
                  {}});
  rows.push_back({"PUT",
                  "/api/v1/admin/holidays",
                  only(admin),
                  Reach::NotScoped,
                  [](Fixture&, const Caller&, const std::string&) {
                    return Request{"/api/v1/admin/holidays",
                                   R"({"scope":"organisation","items":[{"date":"2026-06-10",)"
                                   R"("name":"Ngày thành lập","kind":"day_off"}]})",
                                   "application/json", ""};
                  },
                  {}});
  return rows;
}

std::vector<Caller> callers(Fixture& f) {
  std::vector<Caller> all;
  all.push_back({});
  for (const auto& organisation : kOrganisations) {
    for (auto role : workflow::allRoles()) {
      all.push_back({Caller::Kind::User, organisation, role, f.login(userId(organisation, role))});
    }
    all.push_back(
        {Caller::Kind::ApiToken, organisation, Role::Unknown, f.newApiTokenSecret(organisation)});
  }
  return all;
}

bool isProblem(const Reply& reply) {
  return reply.contentType.rfind("application/problem+json", 0) == 0;
}

}  // namespace

TEST_CASE("every route × every role × own and other organisation: allowed and denied as promised",
          "[api][authorisation]") {
  Fixture f;
  auto rows = table();

  // The table covers exactly the routes the server serves.
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : f.server->routes()) served.insert(route);
  std::set<std::pair<std::string, std::string>> listed;
  for (const auto& row : rows) listed.insert({row.method, row.pattern});
  for (const auto& route : served) {
    INFO(route.first << " " << route.second << " is served but has no row in the table");
    CHECK(listed.count(route) == 1);
  }
  for (const auto& route : listed) {
    INFO(route.first << " " << route.second << " is in the table but not served");
    CHECK(served.count(route) == 1);
  }

  auto everyone = callers(f);
  int checked = 0;
  for (const auto& row : rows) {
    for (const auto& caller : everyone) {
      std::vector<std::string> targets;
      if (row.reach == Reach::NotScoped) {
        targets.push_back(caller.organisation.empty() ? "tinh" : caller.organisation);
      } else if (caller.organisation.empty()) {
        targets = kOrganisations;
      } else {
        targets = {caller.organisation, other(caller.organisation)};
      }
      for (const auto& target : targets) {
        bool own = caller.organisation.empty() || target == caller.organisation ||
                   row.reach == Reach::NotScoped;
        bool reachable = own || row.reach == Reach::Directory ||
                         (row.reach == Reach::OwnAndAbove && caller.organisation == "tinh");
        bool allowed = row.rule.admits(caller) && reachable &&
                       !(row.refusedByHandler && row.refusedByHandler(caller));
        // Logging out ends the session; a fresh login keeps the caller's token for later rows.
        std::string bearer = caller.bearer;
        if (row.pattern == "/api/v1/auth/logout" && caller.kind == Caller::Kind::User) {
          bearer = f.login(userId(caller.organisation, caller.role));
        }
        auto request = row.request(f, caller, target);
        auto reply = f.call(row.method, request, bearer);
        ++checked;
        INFO(row.method << " " << request.path << " by " << caller.name() << " on " << target
                        << "'s thing: " << reply.status << " " << reply.body.substr(0, 300));
        CHECK(reply.status < 500);
        if (allowed) {
          CHECK(reply.status != 401);
          CHECK(reply.status != 403);
          CHECK(reply.status != 404);
        } else if (caller.kind == Caller::Kind::Anonymous) {
          CHECK(reply.status == 401);
        } else if (!row.rule.admits(caller)) {
          CHECK(reply.status == 403);
        } else {
          // Another organisation's thing, or refused by the handler: it either is not visible
          // (404, which does not even say it exists) or is refused (403).
          CHECK((reply.status == 403 || reply.status == 404));
        }
        if (reply.status >= 400) CHECK(isProblem(reply));
      }
    }
  }
  // 48 routes × 17 callers, scoped ones twice: a table this size cannot pass by accident.
  CHECK(checked > 1000);
}
