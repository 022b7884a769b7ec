#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// Several documents acted on in one request (POST /api/v1/documents/actions): each item is the
/// body of the single-document route plus its document id and its If-Match revision, applied
/// in its own transaction, with its own result in the items' order.
void registerBulkRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
