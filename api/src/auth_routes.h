#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// POST /api/v1/auth/login, /refresh, /logout, /password; GET /api/v1/me;
/// POST/GET /api/v1/auth/tokens, DELETE /api/v1/auth/tokens/{id}.
void registerAuthRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
