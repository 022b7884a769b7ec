#pragma once

// Method + path pattern → handler, with what each route declares about itself: who may call it
// (Access, enforced by the dispatcher before the handler runs) and how it is documented (RouteDoc,
// from which /api/v1/openapi.json is generated, so the two cannot drift).

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "authenticator.h"
#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {

/// Who may call a route. The dispatcher authenticates and checks this before the handler runs;
/// finer rules (which organisation, which document) are the handler's, on `principal`.
struct Access {
  bool authenticated = true;
  /// A user must hold one of these roles in their own organisation; empty: any signed-in user.
  std::vector<workflow::Role> roles;
  /// API tokens: refused when empty; "" takes any token; a name only tokens with that scope.
  std::optional<std::string> apiTokenScope;

  /// No login needed (health, verification, the published CRLs, login itself).
  static Access anyone();
  /// Any signed-in user of any role.
  static Access anyUser();
  /// A user holding one of `roles` in their own organisation.
  static Access usersWith(std::vector<workflow::Role> roles);
  /// Also lets API tokens with `scope` ("" for any token) call the route.
  Access orApiToken(std::string scope) const;

  /// Whether `principal` passes this rule; the reason when not (for the 403 detail).
  Status permits(const Principal& principal) const;
};

/// A query parameter, for the OpenAPI document.
struct QueryParameter {
  std::string name;
  std::string type;  ///< "string" or "integer"
  std::string description;
  bool required = false;
};

/// What OpenAPI says about a route. Schemas are names of components in openapi.cpp.
struct RouteDoc {
  std::string summary;
  std::string tag;
  /// "" no body; a schema name for JSON; "pdf" for application/pdf; "multipart" for a form;
  /// "edxml" for application/xml.
  std::string requestBody;
  int successStatus = 200;
  /// "" none (204 and the like); a schema name for JSON; "pdf", "csv", "html", "text", "crl"
  /// or "static" (a file with its own Content-Type) otherwise; several joined by "|"
  /// ("csv|pdf") when the request chooses one.
  std::string response;
  std::vector<QueryParameter> query;
  /// Extra error statuses worth listing beyond 400/401/403/500 (e.g. 404, 409, 412, 413, 429).
  std::vector<int> errors;
  /// Other 2xx answers and their JSON schema names (e.g. 202 for a signature that waits for
  /// the signer's external key).
  std::vector<std::pair<int, std::string>> otherSuccesses = {};
};

struct RequestContext {
  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::string requestId;
  std::string path;  ///< without the query string
  std::map<std::string, std::string> pathParameters;
  /// The caller; set by the dispatcher for every route whose Access needs authentication.
  std::optional<Principal> principal;
  /// The matched route's pattern ("/api/v1/documents/{id}"), for metrics and logs.
  std::string routePattern;
};

using Handler = std::function<void(RequestContext&)>;

struct RouteSpec {
  std::string method;
  std::string pattern;
  Access access;
  RouteDoc doc;
};

class Router {
 public:
  void add(RouteSpec spec, Handler handler);

  struct Match {
    const Handler* handler = nullptr;        ///< null when nothing matched
    const RouteSpec* spec = nullptr;         ///< set with handler
    ErrorCode failure = ErrorCode::Unknown;  ///< RouteNotFound or MethodNotAllowed
    std::string allowedMethods;              ///< for the Allow header of a 405
    std::map<std::string, std::string> parameters;
  };
  Match match(const std::string& method, const std::string& path) const;

  /// Every route registered, in order: the OpenAPI generator and the authorisation table
  /// test walk it.
  std::vector<RouteSpec> routes() const;

  /// A JSON Schema (as JSON text) for components/schemas of the OpenAPI document; route files
  /// add the schemas their RouteDocs name. A name added twice with different text is a
  /// programming fault (std::logic_error).
  void addSchema(const std::string& name, std::string jsonSchema);
  const std::map<std::string, std::string>& schemas() const { return schemas_; }

 private:
  struct Route {
    RouteSpec spec;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
  std::map<std::string, std::string> schemas_;
};

}  // namespace vanthu::api
