#pragma once

// The OpenAPI 3.1 document of the HTTP API, generated from what the routes declare (method,
// pattern, Access, RouteDoc) and the schemas the route files add, so the document cannot drift
// from the routes.

#include <string>

#include "router.h"

namespace vanthu::api {

/// The OpenAPI 3.1 document (JSON text) of every route of `router`. Besides the RouteDoc words
/// router.h lists, a request body "multipart:NAME" is a multipart/form-data form whose parts the
/// schema NAME describes. Throws std::logic_error
/// when a RouteDoc names a schema no route file added, a schema's $ref points at none, or two
/// routes get the same operationId: a server with such a route must not start.
std::string openApiDocument(const Router& router);

/// GET /api/v1/openapi.json. Register it after every other route: the document is generated
/// once, here, from the routes registered so far (this one included); a route whose
/// documentation does not add up throws vanthu::Error(Internal), so the server does not start.
void registerOpenApiRoute(Router& router);

}  // namespace vanthu::api
