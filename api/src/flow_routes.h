#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// The outgoing approval flow over HTTP (DESIGN §2, §4): POST /api/v1/documents/{id}/actions
/// and the timeline GET /api/v1/documents/{id}/acts. The rules: outgoing_flow_service.h.
void registerFlowRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
