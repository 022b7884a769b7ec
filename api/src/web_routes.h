#pragma once

#include "api_services.h"
#include "router.h"

namespace vanthu::api {

/// The web workplace: GET / (its page), GET /web/{file} (its modules and styles) and
/// GET /web/pdfjs/{file} (pdf.js from web/node_modules, served here: no CDN). Files come only
/// from web.root; names are checked against a narrow pattern, so no path can leave it.
void registerWebRoutes(Router& router, ApiServices& services);

/// Whether `file` may name a file of the web root: lower-case letters, digits, '-' and '.'
/// inside, one of the served extensions, no leading dot, no "..".
bool isServedWebFileName(const std::string& file);

/// The Content-Type for a served file name ("app.js" → "text/javascript; charset=utf-8").
std::string webContentType(const std::string& file);

}  // namespace vanthu::api
