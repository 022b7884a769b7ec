#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// Documents and their versions (list, read, upload, metadata changes, content) and the public
/// verification of a PDF (issue 6, points 2 and 4). Who sees what: workflow/document_access.h.
void registerDocumentRoutes(Router& router, ApiServices& services);

}  // namespace vanthu::api
