#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// The audit log read over HTTP: a document's trail (GET /api/v1/documents/{id}/audit), the
/// latest signed tree head (GET /api/v1/audit/checkpoints/latest) and an entry's RFC 9162
/// inclusion proof against a checkpoint (GET /api/v1/audit/proof/{entry}). Read only: nothing
/// here appends to the log or signs a checkpoint.
void registerAuditRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
