#include "openapi.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPResponse.h>

#include <cctype>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>

#include "http_support.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kSchemaPrefix = "#/components/schemas/";
// "multipart:DocumentUpload": a form whose parts a schema describes.
constexpr const char* kMultipartPrefix = "multipart:";

Object::Ptr newObject() {
  return new Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

Object::Ptr parseObject(const std::string& text, const std::string& what) {
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    auto parsed = parser.parse(text);
    if (parsed.type() == typeid(Object::Ptr)) return parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    throw std::logic_error(what + " is not valid JSON: " + e.displayText());
  }
  throw std::logic_error(what + " is not a JSON object");
}

Object::Ptr schemaRef(const std::string& name) {
  auto ref = newObject();
  ref->set("$ref", kSchemaPrefix + name);
  return ref;
}

Object::Ptr typedSchema(const std::string& type, const std::string& format = "") {
  auto schema = newObject();
  schema->set("type", type);
  if (!format.empty()) schema->set("format", format);
  return schema;
}

// What a tag groups; a tag a route file uses that is not here still gets a description.
std::string tagDescription(const std::string& tag) {
  static const std::map<std::string, std::string> known = {
      {"auth", "Logging in, sessions, passwords and API tokens"},
      {"operations", "Liveness, readiness, the published CRLs and this document"},
      {"web", "The web workplace"},
      {"administration", "Organisations, units, users and roles (administrators)"},
      {"documents", "Documents, their versions and the workflow actions on them"},
      {"audit", "The audit log, its checkpoints and inclusion proofs"},
      {"verification", "Verifying the signatures of PDF files"},
      {"exchange", "Document exchange with other agencies (edXML)"},
      {"registers", "The Decree 30 registers of outgoing and incoming documents, exported"},
  };
  auto it = known.find(tag);
  return it != known.end() ? it->second : "Routes of the " + tag + " group";
}

std::string reasonFor(int status) {
  return Poco::Net::HTTPResponse::getReasonForStatus(
      static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
}

// "POST" + "/api/v1/auth/tokens/{id}" -> "postApiV1AuthTokensById"; "/" -> "getRoot".
std::string operationIdFor(const std::string& method, const std::string& pattern) {
  std::string id;
  for (char c : method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upperNext = true;
  bool any = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '{') {
      id += "By";
      upperNext = true;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upperNext = true;
      continue;
    }
    id += upperNext ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upperNext = false;
    any = true;
  }
  if (!any) id += "Root";
  return id;
}

std::vector<std::string> pathParameterNames(const std::string& pattern) {
  std::vector<std::string> names;
  size_t at = 0;
  while ((at = pattern.find('{', at)) != std::string::npos) {
    auto end = pattern.find('}', at);
    if (end == std::string::npos) break;
    names.push_back(pattern.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return names;
}

// The media type object for a RouteDoc body word: a schema name or one of the fixed kinds.
std::pair<std::string, Object::Ptr> mediaTypeFor(const std::string& body,
                                                 const std::map<std::string, std::string>& schemas,
                                                 const std::string& where) {
  auto media = newObject();
  std::string type;
  if (body == "pdf") {
    type = "application/pdf";
    media->set("schema", typedSchema("string", "binary"));
  } else if (body == "multipart") {
    type = "multipart/form-data";
    auto schema = typedSchema("object");
    schema->set("description", "form fields as the operation describes");
    media->set("schema", schema);
  } else if (body.rfind(kMultipartPrefix, 0) == 0) {
    type = "multipart/form-data";
    auto name = body.substr(std::string(kMultipartPrefix).size());
    if (schemas.count(name) == 0) {
      throw std::logic_error(where + " names the schema '" + name +
                             "', which no route file added (Router::addSchema)");
    }
    media->set("schema", schemaRef(name));
  } else if (body == "edxml") {
    type = "application/xml";
    auto schema = typedSchema("string");
    schema->set("description", "an edXML package");
    media->set("schema", schema);
  } else if (body == "html") {
    type = "text/html";
    media->set("schema", typedSchema("string"));
  } else if (body == "csv") {
    type = "text/csv";
    media->set("schema", typedSchema("string"));
  } else if (body == "text") {
    type = "text/plain";
    media->set("schema", typedSchema("string"));
  } else if (body == "static") {
    // A file served as it is (the web workplace's modules, styles, images): its Content-Type
    // is the file's own, so no single media type describes the route.
    type = "*/*";
    auto schema = typedSchema("string", "binary");
    schema->set("description",
                "the file as stored, with its own Content-Type (text/javascript, text/css, ...)");
    media->set("schema", schema);
  } else if (body == "crl") {
    type = "application/pkix-crl";
    media->set("schema", typedSchema("string", "binary"));
  } else {
    if (schemas.count(body) == 0) {
      throw std::logic_error(where + " names the schema '" + body +
                             "', which no route file added (Router::addSchema)");
    }
    type = "application/json";
    media->set("schema", schemaRef(body));
  }
  return {type, media};
}

Object::Ptr problemResponse(int status) {
  auto response = newObject();
  std::string description = reasonFor(status) + ": a problem with a stable code";
  if (status == 401) description += "; WWW-Authenticate: Bearer";
  if (status == 429) description += "; Retry-After says when to try again";
  response->set("description", description);
  if (status == 401 || status == 429) {
    auto headers = newObject();
    auto header = newObject();
    if (status == 401) {
      header->set("description", "Bearer");
      header->set("schema", typedSchema("string"));
      headers->set("WWW-Authenticate", header);
    } else {
      header->set("description", "seconds to wait");
      header->set("schema", typedSchema("integer"));
      headers->set("Retry-After", header);
    }
    response->set("headers", headers);
  }
  auto content = newObject();
  auto media = newObject();
  media->set("schema", schemaRef("Problem"));
  content->set("application/problem+json", media);
  response->set("content", content);
  return response;
}

Array::Ptr rolesOf(const Access& access) {
  Array::Ptr roles = new Array;
  if (!access.authenticated) {
    roles->add("anyone");
  } else if (access.roles.empty()) {
    roles->add("any-user");
  } else {
    for (auto role : access.roles) roles->add(std::string(workflow::roleName(role)));
  }
  return roles;
}

std::string accessDescription(const Access& access) {
  if (!access.authenticated) return "No login needed.";
  std::string text =
      access.roles.empty() ? "Any signed-in user." : "Users holding one of the roles ";
  if (!access.roles.empty()) {
    for (size_t i = 0; i < access.roles.size(); ++i) {
      if (i > 0) text += ", ";
      text += std::string(workflow::roleName(access.roles[i]));
    }
    text += " in their own organisation.";
  }
  if (access.apiTokenScope) {
    text += access.apiTokenScope->empty()
                ? " API tokens with any scope may call it too."
                : " API tokens with the scope " + *access.apiTokenScope + " may call it too.";
  } else {
    text += " API tokens may not call it.";
  }
  return text;
}

Object::Ptr operationFor(const RouteSpec& route, const std::map<std::string, std::string>& schemas,
                         const std::string& operationId) {
  const auto& doc = route.doc;
  const std::string where = route.method + " " + route.pattern;
  if (doc.summary.empty()) throw std::logic_error(where + " has no summary");
  if (doc.tag.empty()) throw std::logic_error(where + " has no tag");
  auto operation = newObject();
  Array::Ptr tags = new Array;
  tags->add(doc.tag);
  operation->set("tags", tags);
  operation->set("summary", doc.summary);
  operation->set("description", accessDescription(route.access));
  operation->set("operationId", operationId);

  Array::Ptr parameters = new Array;
  for (const auto& name : pathParameterNames(route.pattern)) {
    auto parameter = newObject();
    parameter->set("name", name);
    parameter->set("in", "path");
    parameter->set("required", true);
    parameter->set("description", "the " + name + " of the resource");
    parameter->set("schema", typedSchema("string"));
    parameters->add(parameter);
  }
  for (const auto& query : doc.query) {
    if (query.type != "string" && query.type != "integer") {
      throw std::logic_error(where + ": query parameter " + query.name +
                             " must be of type string or integer");
    }
    auto parameter = newObject();
    parameter->set("name", query.name);
    parameter->set("in", "query");
    parameter->set("required", query.required);
    if (!query.description.empty()) parameter->set("description", query.description);
    parameter->set("schema", typedSchema(query.type));
    parameters->add(parameter);
  }
  if (parameters->size() > 0) operation->set("parameters", parameters);

  if (!doc.requestBody.empty()) {
    auto [type, media] = mediaTypeFor(doc.requestBody, schemas, where + " (request body)");
    auto content = newObject();
    content->set(type, media);
    auto body = newObject();
    body->set("required", true);
    body->set("content", content);
    operation->set("requestBody", body);
  }

  auto responses = newObject();
  auto success = newObject();
  success->set("description", reasonFor(doc.successStatus));
  if (!doc.response.empty()) {
    // "csv|pdf": one of several media types, as the request asks.
    auto content = newObject();
    size_t from = 0;
    while (from <= doc.response.size()) {
      size_t bar = doc.response.find('|', from);
      if (bar == std::string::npos) bar = doc.response.size();
      auto [type, media] =
          mediaTypeFor(doc.response.substr(from, bar - from), schemas, where + " (response)");
      content->set(type, media);
      from = bar + 1;
    }
    success->set("content", content);
  }
  responses->set(std::to_string(doc.successStatus), success);
  for (const auto& [status, schema] : doc.otherSuccesses) {
    if (status < 200 || status > 299) {
      throw std::logic_error(where + " lists " + std::to_string(status) + " as a success");
    }
    auto other = newObject();
    other->set("description", reasonFor(status));
    auto [type, media] = mediaTypeFor(schema, schemas, where + " (response)");
    auto content = newObject();
    content->set(type, media);
    other->set("content", content);
    responses->set(std::to_string(status), other);
  }
  std::set<int> errors = {400, 401, 403, 500};
  errors.insert(doc.errors.begin(), doc.errors.end());
  for (int status : errors) {
    if (status < 400 || status > 599) {
      throw std::logic_error(where + " lists " + std::to_string(status) + " as an error");
    }
    responses->set(std::to_string(status), problemResponse(status));
  }
  operation->set("responses", responses);

  Array::Ptr security = new Array;
  if (route.access.authenticated) {
    auto bearer = newObject();
    bearer->set("bearerAuth", Array::Ptr(new Array));
    security->add(bearer);
    if (route.access.apiTokenScope) {
      auto token = newObject();
      token->set("apiToken", Array::Ptr(new Array));
      security->add(token);
    }
  }
  operation->set("security", security);
  operation->set("x-vanthu-roles", rolesOf(route.access));
  if (route.access.apiTokenScope) {
    operation->set("x-vanthu-api-token-scope",
                   route.access.apiTokenScope->empty() ? "*" : *route.access.apiTokenScope);
  }
  return operation;
}

Object::Ptr problemSchema() {
  auto schema = newObject();
  schema->set("type", "object");
  schema->set("description", "An RFC 9457 problem; `code` is stable, `detail` is for people");
  Array::Ptr required = new Array;
  for (const char* name : {"type", "title", "status", "code", "detail", "instance"}) {
    required->add(name);
  }
  schema->set("required", required);
  auto properties = newObject();
  properties->set("type", typedSchema("string", "uri"));
  properties->set("title", typedSchema("string"));
  auto status = typedSchema("integer");
  status->set("minimum", 400);
  status->set("maximum", 599);
  properties->set("status", status);
  auto code = typedSchema("string");
  Array::Ptr codes = new Array;
  for (auto each : allErrorCodes()) codes->add(std::string(errorCodeName(each)));
  code->set("enum", codes);
  properties->set("code", code);
  properties->set("detail", typedSchema("string"));
  properties->set("instance", typedSchema("string"));
  auto requestId = typedSchema("string");
  requestId->set("description", "quote it when reporting a problem");
  properties->set("request_id", requestId);
  schema->set("properties", properties);
  return schema;
}

void collectRefs(const Poco::Dynamic::Var& value, std::vector<std::string>& refs) {
  if (value.type() == typeid(Object::Ptr)) {
    auto object = value.extract<Object::Ptr>();
    for (const auto& [name, member] : *object) {
      if (name == "$ref" && member.isString()) refs.push_back(member.convert<std::string>());
      collectRefs(member, refs);
    }
  } else if (value.type() == typeid(Array::Ptr)) {
    for (const auto& member : *value.extract<Array::Ptr>()) collectRefs(member, refs);
  }
}

}  // namespace

std::string openApiDocument(const Router& router) {
  const auto& schemas = router.schemas();
  if (schemas.count("Problem") > 0) throw std::logic_error("the schema name Problem is reserved");

  auto document = newObject();
  document->set("openapi", "3.1.0");
  auto info = newObject();
  info->set("title", "vanthu HTTP API");
  info->set("version", "1");
  info->set("summary", "Document workflow and e-signature service");
  info->set("description",
            "JSON under /api/v1. Errors are application/problem+json with a stable `code`. "
            "People send `Authorization: Bearer` with the JWT from /api/v1/auth/login; machine "
            "clients send an API token. `x-vanthu-roles` on an operation lists the roles that "
            "may call it (`anyone`, `any-user` or role names, held in the caller's own "
            "organisation); `x-vanthu-api-token-scope` the scope an API token needs (`*`: any).");
  auto license = newObject();
  license->set("name", "Proprietary");
  license->set("identifier", "LicenseRef-vanthu");
  info->set("license", license);
  document->set("info", info);

  Array::Ptr servers = new Array;
  auto server = newObject();
  // Relative: the paths are served by the server this document was fetched from.
  server->set("url", "/");
  server->set("description", "the server that serves this document");
  servers->add(server);
  document->set("servers", servers);

  auto paths = newObject();
  std::set<std::string> operationIds;
  std::set<std::string> tagNames;
  Array::Ptr tags = new Array;
  std::map<std::string, Object::Ptr> pathItems;
  for (const auto& route : router.routes()) {
    auto operationId = operationIdFor(route.method, route.pattern);
    if (!operationIds.insert(operationId).second) {
      throw std::logic_error("two routes have the operationId " + operationId + " (" +
                             route.method + " " + route.pattern + ")");
    }
    auto& item = pathItems[route.pattern];
    if (!item) {
      item = newObject();
      paths->set(route.pattern, item);
    }
    std::string method;
    for (char c : route.method)
      method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (item->has(method)) {
      throw std::logic_error(route.method + " " + route.pattern + " is registered twice");
    }
    item->set(method, operationFor(route, schemas, operationId));
    if (tagNames.insert(route.doc.tag).second) {
      auto tag = newObject();
      tag->set("name", route.doc.tag);
      tag->set("description", tagDescription(route.doc.tag));
      tags->add(tag);
    }
  }
  document->set("tags", tags);
  document->set("paths", paths);

  auto components = newObject();
  auto schemaObjects = newObject();
  schemaObjects->set("Problem", problemSchema());
  for (const auto& [name, text] : schemas) {
    schemaObjects->set(name, parseObject(text, "the schema " + name));
  }
  std::vector<std::string> refs;
  collectRefs(Poco::Dynamic::Var(schemaObjects), refs);
  for (const auto& ref : refs) {
    bool local = ref.rfind(kSchemaPrefix, 0) == 0;
    if (!local || !schemaObjects->has(ref.substr(std::string(kSchemaPrefix).size()))) {
      throw std::logic_error("a schema refers to " + ref + ", which is not a schema here");
    }
  }
  components->set("schemas", schemaObjects);

  auto securitySchemes = newObject();
  auto bearer = newObject();
  bearer->set("type", "http");
  bearer->set("scheme", "bearer");
  bearer->set("bearerFormat", "JWT");
  bearer->set("description", "the access token from /api/v1/auth/login (HS256, short-lived)");
  securitySchemes->set("bearerAuth", bearer);
  auto apiToken = newObject();
  apiToken->set("type", "http");
  apiToken->set("scheme", "bearer");
  apiToken->set("description",
                "an API token (vtk_...) an administrator created, limited to scopes");
  securitySchemes->set("apiToken", apiToken);
  components->set("securitySchemes", securitySchemes);
  document->set("components", components);

  std::ostringstream out;
  document->stringify(out);
  return out.str();
}

void registerOpenApiRoute(Router& router) {
  router.addSchema("OpenApiDocument", R"({
    "type": "object",
    "description": "An OpenAPI 3.1 document",
    "required": ["openapi", "info", "paths"],
    "properties": {"openapi": {"type": "string"}, "info": {"type": "object"},
                   "paths": {"type": "object"}}
  })");
  auto document = std::make_shared<std::string>();
  router.add({"GET",
              "/api/v1/openapi.json",
              Access::anyone(),
              {"This OpenAPI document", "operations", "", 200, "OpenApiDocument", {}, {}}},
             [document](RequestContext& context) { sendBody(context, 200, kJsonType, *document); });
  try {
    *document = openApiDocument(router);
  } catch (const std::logic_error& e) {
    // A route whose documentation does not add up is a build of the server that must not run.
    throw Error(ErrorCode::Internal, std::string("the OpenAPI document: ") + e.what());
  }
}

}  // namespace vanthu::api
