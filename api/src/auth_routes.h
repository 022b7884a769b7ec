#pragma once

#include <optional>
#include <string>

#include "authenticator.h"
#include "router.h"
#include "vanthu/api/structured_log.h"

namespace vanthu::api {

/// POST /api/v1/auth/login, /refresh, /logout, /password; GET /api/v1/me;
/// POST/GET /api/v1/auth/tokens, DELETE /api/v1/auth/tokens/{id}.
void registerAuthRoutes(Router& router, Authenticator& authenticator, StructuredLog& log);

/// The caller of `context`, or a 401 problem (with WWW-Authenticate: Bearer) already sent.
/// API tokens are refused (403) unless `apiTokenScope` is set: "" takes any API token, a scope
/// name only tokens that carry it.
std::optional<Principal> requirePrincipal(
    RequestContext& context, Authenticator& authenticator,
    const std::optional<std::string>& apiTokenScope = std::nullopt);

}  // namespace vanthu::api
