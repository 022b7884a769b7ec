// /api/v1/openapi.json against the routes the server really serves (issue 6, point 5), over real
// HTTP on loopback; and the generator refusing routes whose documentation does not add up.

#include "openapi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <sstream>

#include "router.h"
#include "test_support.h"
#include "vanthu/api/http_server.h"

using namespace vanthu;
using Poco::JSON::Array;
using Poco::JSON::Object;
using vanthu::test::TempDir;

namespace {

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;

  bool isProblem() const { return contentType.rfind("application/problem+json", 0) == 0; }
  std::string code() const {
    return Poco::JSON::Parser().parse(body).extract<Object::Ptr>()->getValue<std::string>("code");
  }
};

Reply call(uint16_t port, const std::string& method, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (method == "POST" || method == "PUT" || method == "PATCH") request.setContentLength(0);
  session.sendRequest(request);
  Reply reply;
  std::istream& in = session.receiveResponse(reply.headers);
  Poco::StreamCopier::copyToString(in, reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// "/api/v1/auth/tokens/{id}" -> "/api/v1/auth/tokens/some-id": a concrete path the pattern matches.
std::string concretePath(const std::string& pattern) {
  std::string path;
  bool inParameter = false;
  for (char c : pattern) {
    if (c == '{') {
      inParameter = true;
      path += "some-id";
    } else if (c == '}') {
      inParameter = false;
    } else if (!inParameter) {
      path += c;
    }
  }
  return path;
}

struct DocumentedServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;
  Object::Ptr document;

  DocumentedServer() {
    config.dataDir = dir.path();
    config.port = 0;
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
    auto reply = call(server->port(), "GET", "/api/v1/openapi.json");
    REQUIRE(reply.status == 200);
    REQUIRE(reply.contentType.rfind("application/json", 0) == 0);
    document = Poco::JSON::Parser().parse(reply.body).extract<Object::Ptr>();
  }

  // (METHOD, path) -> operation, for every operation of the document.
  std::map<std::pair<std::string, std::string>, Object::Ptr> operations() const {
    std::map<std::pair<std::string, std::string>, Object::Ptr> all;
    auto paths = document->getObject("paths");
    for (const auto& [path, item] : *paths) {
      for (const auto& [method, operation] : *item.extract<Object::Ptr>()) {
        all[{upper(method), path}] = operation.extract<Object::Ptr>();
      }
    }
    return all;
  }
};

void collectRefs(const Poco::Dynamic::Var& value, std::vector<std::string>& refs) {
  if (value.type() == typeid(Object::Ptr)) {
    for (const auto& [name, member] : *value.extract<Object::Ptr>()) {
      if (name == "$ref") refs.push_back(member.convert<std::string>());
      collectRefs(member, refs);
    }
  } else if (value.type() == typeid(Array::Ptr)) {
    for (const auto& member : *value.extract<Array::Ptr>()) collectRefs(member, refs);
  }
}

// Follows a local JSON pointer ("#/components/schemas/User") through `document`.
bool resolves(const Object::Ptr& document, const std::string& ref) {
  if (ref.rfind("#/", 0) != 0) return false;
  Poco::Dynamic::Var at = document;
  std::istringstream parts(ref.substr(2));
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (at.type() != typeid(Object::Ptr)) return false;
    auto object = at.extract<Object::Ptr>();
    if (!object->has(part)) return false;
    at = object->get(part);
  }
  return true;
}

api::RouteSpec routeNaming(const std::string& pattern, const std::string& requestBody,
                           const std::string& response) {
  return {"POST",
          pattern,
          api::Access::anyone(),
          {"A route", "tests", requestBody, 200, response, {}, {}}};
}

void noHandler(api::RequestContext&) {}

}  // namespace

TEST_CASE("the OpenAPI document has every route the server serves, with its method",
          "[api][openapi]") {
  DocumentedServer s;
  CHECK(s.document->getValue<std::string>("openapi") == "3.1.0");
  auto operations = s.operations();
  auto routes = s.server->routes();
  REQUIRE(routes.size() >= 12);  // auth, operations, web and the document itself
  for (const auto& [method, pattern] : routes) {
    INFO(method << " " << pattern);
    CHECK(operations.count({method, pattern}) == 1);
  }
  CHECK(operations.size() == routes.size());
  CHECK(operations.count({"GET", "/api/v1/openapi.json"}) == 1);
}

TEST_CASE("every operation in the OpenAPI document is a route the server answers",
          "[api][openapi]") {
  DocumentedServer s;
  for (const auto& [key, operation] : s.operations()) {
    const auto& [method, pattern] = key;
    INFO(method << " " << pattern);
    auto reply = call(s.server->port(), method, concretePath(pattern));
    // A route's own 404 (no such CRL) is fine: it comes with another code.
    CHECK(reply.status != 405);
    if (reply.isProblem()) {
      CHECK(reply.code() != "route_not_found");
      CHECK(reply.code() != "method_not_allowed");
    }
  }
}

TEST_CASE("every $ref of the OpenAPI document resolves and operationIds are unique",
          "[api][openapi]") {
  DocumentedServer s;
  std::vector<std::string> refs;
  collectRefs(Poco::Dynamic::Var(s.document), refs);
  CHECK(refs.size() > 20);
  for (const auto& ref : refs) {
    INFO(ref);
    CHECK(resolves(s.document, ref));
  }
  std::set<std::string> ids;
  for (const auto& [key, operation] : s.operations()) {
    INFO(key.first << " " << key.second);
    auto id = operation->getValue<std::string>("operationId");
    CHECK(ids.insert(id).second);
    CHECK(!operation->getValue<std::string>("summary").empty());
  }
}

TEST_CASE("the OpenAPI document lists the problems, the security and the roles of each route",
          "[api][openapi]") {
  DocumentedServer s;
  auto problem = s.document->getObject("components")->getObject("schemas")->getObject("Problem");
  REQUIRE(problem);
  auto codes = problem->getObject("properties")->getObject("code")->getArray("enum");
  std::set<std::string> documented;
  for (const auto& code : *codes) documented.insert(code.convert<std::string>());
  for (auto code : allErrorCodes()) CHECK(documented.count(std::string(errorCodeName(code))) == 1);

  auto operations = s.operations();
  for (const auto& [key, operation] : operations) {
    INFO(key.first << " " << key.second);
    auto responses = operation->getObject("responses");
    for (const char* status : {"400", "401", "403", "500"}) {
      REQUIRE(responses->has(status));
      CHECK(responses->getObject(status)->getObject("content")->has("application/problem+json"));
    }
    CHECK(operation->getArray("x-vanthu-roles")->size() >= 1);
  }
  // Spot checks against what the route files declare.
  auto login = operations.at({"POST", "/api/v1/auth/login"});
  CHECK(login->getArray("security")->size() == 0);
  CHECK(login->getArray("x-vanthu-roles")->getElement<std::string>(0) == "anyone");
  CHECK(login->getObject("responses")->has("429"));
  CHECK(login->getObject("requestBody")
            ->getObject("content")
            ->getObject("application/json")
            ->getObject("schema")
            ->getValue<std::string>("$ref") == "#/components/schemas/LoginRequest");
  auto me = operations.at({"GET", "/api/v1/me"});
  CHECK(me->getArray("security")->size() == 2);
  CHECK(me->getValue<std::string>("x-vanthu-api-token-scope") == "*");
  auto tokens = operations.at({"POST", "/api/v1/auth/tokens"});
  CHECK(tokens->getArray("x-vanthu-roles")->getElement<std::string>(0) == "administrator");
  CHECK(tokens->getObject("responses")->has("201"));
  CHECK(!tokens->has("x-vanthu-api-token-scope"));
  auto revoke = operations.at({"DELETE", "/api/v1/auth/tokens/{id}"});
  auto parameter = revoke->getArray("parameters")->getObject(0);
  CHECK(parameter->getValue<std::string>("name") == "id");
  CHECK(parameter->getValue<std::string>("in") == "path");
  CHECK(parameter->getValue<bool>("required"));
  auto crl = operations.at({"GET", "/pki/{file}"});
  CHECK(crl->getObject("responses")
            ->getObject("200")
            ->getObject("content")
            ->has("application/pkix-crl"));
}

TEST_CASE("every route that needs a login answers 401 without a token, the others do not",
          "[api][openapi]") {
  DocumentedServer s;
  int needLogin = 0;
  for (const auto& [key, operation] : s.operations()) {
    const auto& [method, pattern] = key;
    INFO(method << " " << pattern);
    bool open = operation->getArray("security")->size() == 0;
    auto reply = call(s.server->port(), method, concretePath(pattern));
    if (open) {
      CHECK(reply.status != 401);
    } else {
      ++needLogin;
      CHECK(reply.status == 401);
      REQUIRE(reply.isProblem());
      CHECK(reply.code() == "unauthenticated");
      CHECK(reply.headers.get("WWW-Authenticate", "") == "Bearer");
    }
  }
  CHECK(needLogin >= 6);
}

TEST_CASE("the OpenAPI generator refuses routes whose documentation does not add up",
          "[api][openapi]") {
  SECTION("a request body schema nobody added") {
    api::Router router;
    router.add(routeNaming("/a", "NoSuchRequest", ""), noHandler);
    try {
      api::openApiDocument(router);
      FAIL("no error");
    } catch (const std::logic_error& e) {
      CHECK(std::string(e.what()).find("NoSuchRequest") != std::string::npos);
      CHECK(std::string(e.what()).find("POST /a") != std::string::npos);
    }
  }
  SECTION("a response schema nobody added") {
    api::Router router;
    router.addSchema("Thing", R"({"type": "object"})");
    router.add(routeNaming("/a", "Thing", "NoSuchResponse"), noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("NoSuchResponse"));
  }
  SECTION("a schema that refers to one nobody added") {
    api::Router router;
    router.addSchema("Thing", R"({"$ref": "#/components/schemas/Missing"})");
    router.add(routeNaming("/a", "Thing", ""), noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("Missing"));
  }
  SECTION("a schema that is not JSON") {
    api::Router router;
    router.addSchema("Thing", R"({"type": )");
    router.add(routeNaming("/a", "Thing", ""), noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("Thing"));
  }
  SECTION("two routes whose operationIds collide") {
    api::Router router;
    router.add(routeNaming("/a-b", "", ""), noHandler);
    router.add(routeNaming("/a_b", "", ""), noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("operationId"));
  }
  SECTION("a route without a summary") {
    api::Router router;
    auto spec = routeNaming("/a", "", "");
    spec.doc.summary.clear();
    router.add(spec, noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("summary"));
  }
  SECTION("registering the document's route over such a route stops the server's start") {
    api::Router router;
    router.add(routeNaming("/a", "", "NoSuchResponse"), noHandler);
    CHECK(test::errorCodeOf([&] { api::registerOpenApiRoute(router); }) == ErrorCode::Internal);
  }
  SECTION("a multipart form whose schema nobody added") {
    api::Router router;
    router.add(routeNaming("/a", "multipart:NoSuchForm", ""), noHandler);
    CHECK_THROWS_WITH(api::openApiDocument(router), Catch::Contains("NoSuchForm"));
  }
  SECTION("a multipart form with its schema") {
    api::Router router;
    router.addSchema("Form", R"({"type": "object"})");
    router.add(routeNaming("/a", "multipart:Form", ""), noHandler);
    auto document = Poco::JSON::Parser().parse(api::openApiDocument(router)).extract<Object::Ptr>();
    auto form = document->getObject("paths")
                    ->getObject("/a")
                    ->getObject("post")
                    ->getObject("requestBody")
                    ->getObject("content")
                    ->getObject("multipart/form-data");
    REQUIRE(form);
    CHECK(form->getObject("schema")->getValue<std::string>("$ref") == "#/components/schemas/Form");
  }
  SECTION("a correct route is documented") {
    api::Router router;
    router.addSchema("Thing", R"({"type": "object"})");
    router.add(routeNaming("/things/{id}", "Thing", "pdf"), noHandler);
    auto document = Poco::JSON::Parser().parse(api::openApiDocument(router)).extract<Object::Ptr>();
    auto operation = document->getObject("paths")->getObject("/things/{id}")->getObject("post");
    REQUIRE(operation);
    CHECK(operation->getValue<std::string>("operationId") == "postThingsById");
    CHECK(operation->getObject("responses")
              ->getObject("200")
              ->getObject("content")
              ->has("application/pdf"));
  }
  SECTION("a response in one of several media types lists each") {
    api::Router router;
    router.add(routeNaming("/exports/{id}", "", "csv|pdf"), noHandler);
    auto document = Poco::JSON::Parser().parse(api::openApiDocument(router)).extract<Object::Ptr>();
    auto content = document->getObject("paths")
                       ->getObject("/exports/{id}")
                       ->getObject("post")
                       ->getObject("responses")
                       ->getObject("200")
                       ->getObject("content");
    REQUIRE(content);
    CHECK(content->size() == 2);
    CHECK(content->has("text/csv"));
    CHECK(content->has("application/pdf"));
  }
  SECTION("a response naming an unknown kind among several") {
    api::Router router;
    router.add(routeNaming("/exports/{id}", "", "csv|Nothing"), noHandler);
    CHECK_THROWS_AS(api::openApiDocument(router), std::logic_error);
  }
}
