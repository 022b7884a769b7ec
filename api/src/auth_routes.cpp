#include "auth_routes.h"

#include <Poco/DateTime.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <set>
#include <sstream>

#include "http_support.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

void roleGrantsJson(const std::vector<workflow::RoleGrant>& grants, Array& out) {
  for (const auto& grant : grants) {
    Object::Ptr role = new Object;
    role->set("role", std::string(workflow::roleName(grant.role)));
    role->set("organisation_id", grant.organisationId);
    if (grant.unitId) {
      role->set("unit_id", *grant.unitId);
    } else {
      role->set("unit_id", Poco::Dynamic::Var());
    }
    out.add(role);
  }
}

Object::Ptr userJson(const workflow::User& user, const std::vector<workflow::RoleGrant>& grants) {
  Object::Ptr json = new Object;
  json->set("id", user.id);
  json->set("username", user.username);
  json->set("full_name", user.fullName);
  json->set("organisation_id", user.organisationId);
  Array::Ptr roles = new Array;
  roleGrantsJson(grants, *roles);
  json->set("roles", roles);
  return json;
}

void sendIssued(RequestContext& context, const IssuedTokens& issued) {
  Object body;
  body.set("token", issued.accessToken);
  body.set("token_type", "Bearer");
  body.set("expires_in", issued.expiresIn);
  body.set("refresh_token", issued.refreshToken);
  body.set("user", userJson(issued.user, issued.roles));
  sendJson(context, 200, body);
}

Object::Ptr apiTokenJson(const workflow::ApiToken& token) {
  Object::Ptr json = new Object;
  json->set("id", token.id);
  json->set("name", token.name);
  json->set("organisation_id", token.organisationId);
  json->set("created_by", token.createdBy);
  Array::Ptr scopes = new Array;
  for (const auto& scope : token.scopes) scopes->add(scope);
  json->set("scopes", scopes);
  json->set("created_at", isoTime(token.createdAt));
  json->set("expires_at",
            token.expiresAt ? Poco::Dynamic::Var(isoTime(token.expiresAt)) : Poco::Dynamic::Var());
  json->set("revoked_at",
            token.revokedAt ? Poco::Dynamic::Var(isoTime(token.revokedAt)) : Poco::Dynamic::Var());
  return json;
}

}  // namespace

void registerAuthRoutes(Router& router, ApiServices& services) {
  auto& auth = services.authenticator;
  auto& log = services.log;
  std::string roleNames;
  for (auto role : workflow::allRoles()) {
    roleNames += (roleNames.empty() ? "\"" : ", \"") + std::string(workflow::roleName(role)) + "\"";
  }
  std::string scopeNames;
  for (const auto& scope : workflow::knownApiScopes()) {
    scopeNames += (scopeNames.empty() ? "\"" : ", \"") + scope + "\"";
  }
  router.addSchema("LoginRequest", R"({"type": "object", "additionalProperties": false,
    "required": ["username", "password"],
    "properties": {"username": {"type": "string", "minLength": 1, "maxLength": 1024},
                   "password": {"type": "string", "minLength": 1, "maxLength": 1024}}})");
  router.addSchema("RefreshRequest", R"({"type": "object", "additionalProperties": false,
    "required": ["refresh_token"],
    "properties": {"refresh_token": {"type": "string", "minLength": 1, "maxLength": 1024,
                                     "description": "vtr_..., usable once"}}})");
  router.addSchema("RoleGrant",
                   R"({"type": "object", "required": ["role", "organisation_id", "unit_id"],
    "properties": {"role": {"type": "string", "enum": [)" +
                       roleNames + R"(]},
                   "organisation_id": {"type": "string"},
                   "unit_id": {"type": ["string", "null"]}}})");
  router.addSchema("User", R"({"type": "object",
    "required": ["id", "username", "full_name", "organisation_id", "roles"],
    "properties": {"id": {"type": "string"}, "username": {"type": "string"},
                   "full_name": {"type": "string"}, "organisation_id": {"type": "string"},
                   "roles": {"type": "array", "items": {"$ref": "#/components/schemas/RoleGrant"}}}})");
  router.addSchema("TokenResponse", R"({"type": "object",
    "required": ["token", "token_type", "expires_in", "refresh_token", "user"],
    "properties": {"token": {"type": "string", "description": "the access token, a JWT"},
                   "token_type": {"const": "Bearer"},
                   "expires_in": {"type": "integer", "description": "seconds"},
                   "refresh_token": {"type": "string", "description": "vtr_..., usable once"},
                   "user": {"$ref": "#/components/schemas/User"}}})");
  router.addSchema("PasswordChange", R"({"type": "object", "additionalProperties": false,
    "required": ["current_password", "new_password"],
    "properties": {"current_password": {"type": "string", "minLength": 1, "maxLength": 1024},
                   "new_password": {"type": "string", "minLength": 12, "maxLength": 1024}}})");
  router.addSchema("ApiTokenCaller", R"({"type": "object",
    "required": ["token_id", "organisation_id", "scopes"],
    "properties": {"token_id": {"type": "string"}, "organisation_id": {"type": "string"},
                   "scopes": {"type": "array", "items": {"type": "string"}}}})");
  router.addSchema("Me", R"({"description": "the signed-in user, or the API token that called",
    "oneOf": [{"$ref": "#/components/schemas/User"},
              {"$ref": "#/components/schemas/ApiTokenCaller"}]})");
  router.addSchema("ApiTokenRequest", R"({"type": "object", "additionalProperties": false,
    "required": ["name", "scopes"],
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 1024},
                   "scopes": {"type": "array", "minItems": 1,
                              "items": {"type": "string", "enum": [)" +
                                          scopeNames + R"(]}},
                   "expires_at": {"type": ["string", "null"], "format": "date-time"}}})");
  router.addSchema("ApiToken", R"({"type": "object",
    "required": ["id", "name", "organisation_id", "created_by", "scopes", "created_at",
                 "expires_at", "revoked_at"],
    "properties": {"id": {"type": "string"}, "name": {"type": "string"},
                   "organisation_id": {"type": "string"}, "created_by": {"type": "string"},
                   "scopes": {"type": "array", "items": {"type": "string"}},
                   "created_at": {"type": "string", "format": "date-time"},
                   "expires_at": {"type": ["string", "null"], "format": "date-time"},
                   "revoked_at": {"type": ["string", "null"], "format": "date-time"}}})");
  router.addSchema("ApiTokenCreated", R"({"allOf": [{"$ref": "#/components/schemas/ApiToken"},
    {"type": "object", "required": ["token"],
     "properties": {"token": {"type": "string", "description": "vtk_..., shown this once"}}}]})");
  router.addSchema("ApiTokenList", R"({"type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/ApiToken"}}}})");
  router.add({"POST",
              "/api/v1/auth/login",
              Access::anyone(),
              {"Log in with username and password",
               "auth",
               "LoginRequest",
               200,
               "TokenResponse",
               {},
               {429}}},
             [&auth, &log](RequestContext& context) {
               auto body = readJsonObject(context, {"username", "password"});
               if (!body) return sendProblem(context, body.status());
               auto username = requiredString(*body.value(), "username");
               if (!username) return sendProblem(context, username.status());
               auto password = requiredString(*body.value(), "password");
               if (!password) return sendProblem(context, password.status());
               auto outcome = auth.login(username.value(), password.value());
               if (auto* failure = std::get_if<AuthFailure>(&outcome)) {
                 // Neither the username (it may be a mistyped password) nor the password is logged.
                 log.warning(failure->retryAfter > 0 ? "login_locked" : "login_failed",
                             {{"request_id", context.requestId}});
                 return sendProblem(context, failure->status, failure->retryAfter);
               }
               const auto& issued = std::get<IssuedTokens>(outcome);
               log.info("login_succeeded",
                        {{"request_id", context.requestId}, {"user_id", issued.user.id}});
               sendIssued(context, issued);
             });

  router.add({"POST",
              "/api/v1/auth/refresh",
              Access::anyone(),
              {"Exchange a refresh token for new tokens",
               "auth",
               "RefreshRequest",
               200,
               "TokenResponse",
               {},
               {}}},
             [&auth, &log](RequestContext& context) {
               auto body = readJsonObject(context, {"refresh_token"});
               if (!body) return sendProblem(context, body.status());
               auto token = requiredString(*body.value(), "refresh_token");
               if (!token) return sendProblem(context, token.status());
               auto outcome = auth.refresh(token.value());
               if (auto* failure = std::get_if<AuthFailure>(&outcome)) {
                 log.warning("refresh_failed", {{"request_id", context.requestId},
                                                {"reason", failure->status.message()}});
                 return sendProblem(context, failure->status);
               }
               sendIssued(context, std::get<IssuedTokens>(outcome));
             });

  router.add(
      {"POST",
       "/api/v1/auth/logout",
       Access::anyUser(),
       {"End the login session of the token", "auth", "", 204, "", {}, {}}},
      [&auth, &log](RequestContext& context) {
        const auto& principal = context.principal;
        if (auto status = auth.logout(*principal); !status) return sendProblem(context, status);
        log.info("logout", {{"request_id", context.requestId}, {"user_id", principal->userId}});
        sendNoContent(context);
      });

  router.add({"POST",
              "/api/v1/auth/password",
              Access::anyUser(),
              {"Change your password (ends your other sessions)",
               "auth",
               "PasswordChange",
               204,
               "",
               {},
               {429}}},
             [&auth, &log](RequestContext& context) {
               const auto& principal = context.principal;
               auto body = readJsonObject(context, {"current_password", "new_password"});
               if (!body) return sendProblem(context, body.status());
               auto current = requiredString(*body.value(), "current_password");
               if (!current) return sendProblem(context, current.status());
               auto next = requiredString(*body.value(), "new_password");
               if (!next) return sendProblem(context, next.status());
               if (auto failure = auth.changePassword(*principal, current.value(), next.value())) {
                 return sendProblem(context, failure->status, failure->retryAfter);
               }
               log.info("password_changed",
                        {{"request_id", context.requestId}, {"user_id", principal->userId}});
               sendNoContent(context);
             });

  router.add({"GET",
              "/api/v1/me",
              Access::anyUser().orApiToken(""),
              {"Who is calling: the user and their roles, or the API token",
               "auth",
               "",
               200,
               "Me",
               {},
               {}}},
             [&auth](RequestContext& context) {
               const auto& principal = context.principal;
               if (!principal->isUser()) {
                 Object body;
                 body.set("token_id", principal->tokenId);
                 body.set("organisation_id", principal->organisationId);
                 Array::Ptr scopes = new Array;
                 for (const auto& scope : principal->scopes) scopes->add(scope);
                 body.set("scopes", scopes);
                 return sendJson(context, 200, body);
               }
               auto user = auth.user(principal->userId);
               if (!user)
                 return sendProblem(context, Status::notFound("the user no longer exists"));
               sendJson(context, 200, *userJson(*user, principal->roles));
             });

  router.add(
      {"POST",
       "/api/v1/auth/tokens",
       Access::usersWith({workflow::Role::Administrator}),
       {"Create an API token for a machine client (shown once)",
        "auth",
        "ApiTokenRequest",
        201,
        "ApiTokenCreated",
        {},
        {}}},
      [&auth, &log](RequestContext& context) {
        const auto& principal = context.principal;
        auto body = readJsonObject(context, {"name", "scopes", "expires_at"});
        if (!body) return sendProblem(context, body.status());
        auto name = requiredString(*body.value(), "name");
        if (!name) return sendProblem(context, name.status());
        std::vector<std::string> scopes;
        auto scopesValue = body.value()->get("scopes");
        if (scopesValue.isEmpty() || scopesValue.type() != typeid(Array::Ptr)) {
          return sendProblem(context,
                             Status::invalidArgument("field 'scopes' must be an array of strings"));
        }
        for (const auto& scope : *scopesValue.extract<Array::Ptr>()) {
          if (!scope.isString()) {
            return sendProblem(
                context, Status::invalidArgument("field 'scopes' must be an array of strings"));
          }
          scopes.push_back(scope.convert<std::string>());
        }
        int64_t expiresAt = 0;
        if (body.value()->has("expires_at") && !body.value()->isNull("expires_at")) {
          auto value = body.value()->get("expires_at");
          Poco::DateTime parsed;
          int zone = 0;
          if (!value.isString() ||
              !Poco::DateTimeParser::tryParse(Poco::DateTimeFormat::ISO8601_FORMAT,
                                              value.convert<std::string>(), parsed, zone)) {
            return sendProblem(context, Status::invalidArgument(
                                            "field 'expires_at' must be an ISO 8601 time such as "
                                            "2027-01-01T00:00:00Z"));
          }
          parsed.makeUTC(zone);
          expiresAt = static_cast<int64_t>(parsed.timestamp().epochTime());
        }
        auto created = auth.createApiToken(*principal, name.value(), scopes, expiresAt);
        if (!created) return sendProblem(context, created.status());
        log.info("api_token_created", {{"request_id", context.requestId},
                                       {"user_id", principal->userId},
                                       {"token_id", created.value().token.id}});
        auto json = apiTokenJson(created.value().token);
        json->set("token", created.value().secret);  // shown this once
        sendJson(context, 201, *json);
      });

  router.add(
      {"GET",
       "/api/v1/auth/tokens",
       Access::usersWith({workflow::Role::Administrator}),
       {"List the API tokens of your organisation", "auth", "", 200, "ApiTokenList", {}, {}}},
      [&auth](RequestContext& context) {
        const auto& principal = context.principal;
        auto tokens = auth.listApiTokens(*principal);
        if (!tokens) return sendProblem(context, tokens.status());
        Array::Ptr items = new Array;
        for (const auto& token : tokens.value()) items->add(apiTokenJson(token));
        Object body;
        body.set("items", items);
        sendJson(context, 200, body);
      });

  router.add({"DELETE",
              "/api/v1/auth/tokens/{id}",
              Access::usersWith({workflow::Role::Administrator}),
              {"Revoke an API token", "auth", "", 204, "", {}, {404}}},
             [&auth, &log](RequestContext& context) {
               const auto& principal = context.principal;
               const auto& id = context.pathParameters["id"];
               if (auto status = auth.revokeApiToken(*principal, id); !status) {
                 return sendProblem(context, status);
               }
               log.info("api_token_revoked", {{"request_id", context.requestId},
                                              {"user_id", principal->userId},
                                              {"token_id", id}});
               sendNoContent(context);
             });
}

}  // namespace vanthu::api
