#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// GET /metrics: Prometheus text format; behind metrics.token when it is set.
void registerMetricsRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
