#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// The holiday calendar deadlines are counted on (GET/PUT /api/v1/admin/holidays): the national
/// days off and weekend days worked instead, and the caller's organisation's own; administrators
/// replace one scope at a time, audited.
void registerHolidayRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
