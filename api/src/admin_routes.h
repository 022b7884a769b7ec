#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// Organisations, units, users and their roles, key references, delegations and workflow
/// templates, for the people who run an agency's system (issue 6, point 3).
void registerAdminRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
