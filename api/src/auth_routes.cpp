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

#include "vanthu/api/problem.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

constexpr const char* kJson = "application/json; charset=utf-8";
constexpr const char* kProblemJson = "application/problem+json; charset=utf-8";
constexpr std::streamsize kMaxBody = 16 * 1024;

void sendBody(RequestContext& context, int status, const std::string& type,
              const std::string& body) {
  context.response.setStatus(static_cast<HTTPResponse::HTTPStatus>(status));
  context.response.setContentType(type);
  context.response.setContentLength(static_cast<std::streamsize>(body.size()));
  context.response.send() << body;
}

void sendJson(RequestContext& context, int status, const Object& object) {
  std::ostringstream body;
  object.stringify(body);
  sendBody(context, status, kJson, body.str());
}

void sendProblem(RequestContext& context, const Status& status, int64_t retryAfter = 0) {
  if (status.code() == ErrorCode::Unauthenticated) {
    context.response.set("WWW-Authenticate", "Bearer");
  }
  if (retryAfter > 0) context.response.set("Retry-After", std::to_string(retryAfter));
  sendBody(context, httpStatusFor(status.code()), kProblemJson,
           problemJson(status.code(), status.message(), context.path, context.requestId));
}

void sendNoContent(RequestContext& context) {
  context.response.setStatus(HTTPResponse::HTTP_NO_CONTENT);
  context.response.setContentLength(0);
  context.response.send();
}

std::string isoTime(int64_t seconds) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(seconds),
                                         "%Y-%m-%dT%H:%M:%SZ");
}

/// The request body as a JSON object with no fields but `allowed`; else the 4xx to send.
Result<Object::Ptr> readJsonObject(RequestContext& context, const std::set<std::string>& allowed) {
  const std::string& type = context.request.getContentType();
  if (!type.empty() && type.rfind("application/json", 0) != 0) {
    return Status(ErrorCode::UnsupportedMediaType, "the body must be application/json");
  }
  if (context.request.getContentLength() > kMaxBody) {
    return Status(ErrorCode::PayloadTooLarge, "the body is over 16 KiB");
  }
  std::string body;
  char buffer[4096];
  auto& in = context.request.stream();
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    body.append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(body.size()) > kMaxBody) {
      return Status(ErrorCode::PayloadTooLarge, "the body is over 16 KiB");
    }
  }
  Object::Ptr object;
  try {
    auto parsed = Poco::JSON::Parser().parse(body);
    if (parsed.type() != typeid(Object::Ptr)) {
      return Status::invalidArgument("the body must be a JSON object");
    }
    object = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    return Status::invalidArgument("the body is not valid JSON");
  }
  for (const auto& [name, value] : *object) {
    if (allowed.count(name) == 0) {
      return Status::invalidArgument("unknown field '" + name + "'");
    }
  }
  return object;
}

/// A required string field: present, a JSON string, not empty.
Result<std::string> requiredString(const Object& object, const std::string& name) {
  if (!object.has(name)) return Status::invalidArgument("field '" + name + "' is required");
  auto value = object.get(name);
  if (!value.isString()) return Status::invalidArgument("field '" + name + "' must be a string");
  auto text = value.convert<std::string>();
  if (text.empty()) return Status::invalidArgument("field '" + name + "' must not be empty");
  if (text.size() > 1024) return Status::invalidArgument("field '" + name + "' is too long");
  return text;
}

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

std::optional<Principal> requirePrincipal(RequestContext& context, Authenticator& authenticator,
                                          const std::optional<std::string>& apiTokenScope) {
  auto principal = authenticator.authenticate(context.request.get("Authorization", ""));
  if (!principal) {
    sendProblem(context, principal.status());
    return std::nullopt;
  }
  if (!principal.value().isUser()) {
    if (!apiTokenScope) {
      sendProblem(context, Status::forbidden("this route is for users; API tokens may not use it"));
      return std::nullopt;
    }
    if (!apiTokenScope->empty() && !principal.value().hasScope(*apiTokenScope)) {
      sendProblem(context,
                  Status::forbidden("the API token lacks the scope '" + *apiTokenScope + "'"));
      return std::nullopt;
    }
  }
  return std::move(principal).value();
}

void registerAuthRoutes(Router& router, Authenticator& auth, StructuredLog& log) {
  router.add("POST", "/api/v1/auth/login", [&auth, &log](RequestContext& context) {
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
    log.info("login_succeeded", {{"request_id", context.requestId}, {"user_id", issued.user.id}});
    sendIssued(context, issued);
  });

  router.add("POST", "/api/v1/auth/refresh", [&auth, &log](RequestContext& context) {
    auto body = readJsonObject(context, {"refresh_token"});
    if (!body) return sendProblem(context, body.status());
    auto token = requiredString(*body.value(), "refresh_token");
    if (!token) return sendProblem(context, token.status());
    auto outcome = auth.refresh(token.value());
    if (auto* failure = std::get_if<AuthFailure>(&outcome)) {
      log.warning("refresh_failed",
                  {{"request_id", context.requestId}, {"reason", failure->status.message()}});
      return sendProblem(context, failure->status);
    }
    sendIssued(context, std::get<IssuedTokens>(outcome));
  });

  router.add("POST", "/api/v1/auth/logout", [&auth, &log](RequestContext& context) {
    auto principal = requirePrincipal(context, auth);
    if (!principal) return;
    if (auto status = auth.logout(*principal); !status) return sendProblem(context, status);
    log.info("logout", {{"request_id", context.requestId}, {"user_id", principal->userId}});
    sendNoContent(context);
  });

  router.add("POST", "/api/v1/auth/password", [&auth, &log](RequestContext& context) {
    auto principal = requirePrincipal(context, auth);
    if (!principal) return;
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

  router.add("GET", "/api/v1/me", [&auth](RequestContext& context) {
    auto principal = requirePrincipal(context, auth, std::string());
    if (!principal) return;
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
    if (!user) return sendProblem(context, Status::notFound("the user no longer exists"));
    sendJson(context, 200, *userJson(*user, principal->roles));
  });

  router.add("POST", "/api/v1/auth/tokens", [&auth, &log](RequestContext& context) {
    auto principal = requirePrincipal(context, auth);
    if (!principal) return;
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
        return sendProblem(context,
                           Status::invalidArgument("field 'scopes' must be an array of strings"));
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
        return sendProblem(
            context, Status::invalidArgument("field 'expires_at' must be an ISO 8601 time such as "
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

  router.add("GET", "/api/v1/auth/tokens", [&auth](RequestContext& context) {
    auto principal = requirePrincipal(context, auth);
    if (!principal) return;
    auto tokens = auth.listApiTokens(*principal);
    if (!tokens) return sendProblem(context, tokens.status());
    Array::Ptr items = new Array;
    for (const auto& token : tokens.value()) items->add(apiTokenJson(token));
    Object body;
    body.set("items", items);
    sendJson(context, 200, body);
  });

  router.add("DELETE", "/api/v1/auth/tokens/{id}", [&auth, &log](RequestContext& context) {
    auto principal = requirePrincipal(context, auth);
    if (!principal) return;
    const auto& id = context.pathParameters["id"];
    if (auto status = auth.revokeApiToken(*principal, id); !status) {
      return sendProblem(context, status);
    }
    log.info("api_token_revoked",
             {{"request_id", context.requestId}, {"user_id", principal->userId}, {"token_id", id}});
    sendNoContent(context);
  });
}

}  // namespace vanthu::api
