#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::api {

struct RequestContext {
  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::string requestId;
  std::string path;  ///< without the query string
  std::map<std::string, std::string> pathParameters;
};

using Handler = std::function<void(RequestContext&)>;

/// Method + path pattern ("/api/v1/documents/{id}") to handler. Patterns match whole segments.
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;        ///< null when nothing matched
    ErrorCode failure = ErrorCode::Unknown;  ///< RouteNotFound or MethodNotAllowed
    std::string allowedMethods;              ///< for the Allow header of a 405
    std::map<std::string, std::string> parameters;
  };
  Match match(const std::string& method, const std::string& path) const;

  /// Every (method, pattern) registered, for the OpenAPI cross-check.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace vanthu::api
