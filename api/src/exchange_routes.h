#pragma once

// The exchange's routes (issue 8): the inbox other agencies deliver to, a document's recipients,
// and its per-recipient tracking.

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

class ExchangeService;

void registerExchangeRoutes(Router& router, ApiServices& services, ExchangeService& exchange);

}  // namespace vanthu::api
