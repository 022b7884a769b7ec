#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// GET /api/v1/dashboard (DESIGN §2, deadlines): what waits for the caller and for the caller's
/// unit (pending, overdue, due soon), the caller's own waiting documents with their due dates,
/// and the organisation's latest acts.
void registerDashboardRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
