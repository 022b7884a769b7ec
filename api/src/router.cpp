#include "router.h"

#include <stdexcept>

namespace vanthu::api {
namespace {

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> segments;
  size_t start = 1;  // paths start with '/'
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

bool isParameter(const std::string& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

Access Access::anyone() {
  Access access;
  access.authenticated = false;
  return access;
}

Access Access::anyUser() {
  return Access{};
}

Access Access::usersWith(std::vector<workflow::Role> roles) {
  Access access;
  access.roles = std::move(roles);
  return access;
}

Access Access::orApiToken(std::string scope) const {
  Access access = *this;
  access.apiTokenScope = std::move(scope);
  return access;
}

Status Access::permits(const Principal& principal) const {
  if (!authenticated) return Status::ok();
  if (!principal.isUser()) {
    if (!apiTokenScope)
      return Status::forbidden("this route is for users; API tokens may not use it");
    if (!apiTokenScope->empty() && !principal.hasScope(*apiTokenScope)) {
      return Status::forbidden("the API token lacks the scope '" + *apiTokenScope + "'");
    }
    return Status::ok();
  }
  if (roles.empty()) return Status::ok();
  for (const auto& grant : principal.roles) {
    if (grant.organisationId != principal.organisationId) continue;
    for (auto role : roles) {
      if (grant.role == role) return Status::ok();
    }
  }
  std::string names;
  for (auto role : roles) {
    if (!names.empty()) names += ", ";
    names += std::string(workflow::roleName(role));
  }
  return Status::forbidden("this needs one of the roles " + names + " in your organisation");
}

void Router::add(RouteSpec spec, Handler handler) {
  auto segments = splitPath(spec.pattern);
  routes_.push_back({std::move(spec), std::move(segments), std::move(handler)});
}

Router::Match Router::match(const std::string& method, const std::string& path) const {
  Match result;
  result.failure = ErrorCode::RouteNotFound;
  if (path.empty() || path[0] != '/') return result;
  auto segments = splitPath(path);
  for (const auto& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    std::map<std::string, std::string> parameters;
    bool matches = true;
    for (size_t i = 0; i < segments.size() && matches; ++i) {
      const auto& expected = route.segments[i];
      if (isParameter(expected)) {
        if (segments[i].empty()) matches = false;
        parameters[expected.substr(1, expected.size() - 2)] = segments[i];
      } else if (expected != segments[i]) {
        matches = false;
      }
    }
    if (!matches) continue;
    if (route.spec.method == method) {
      result.handler = &route.handler;
      result.spec = &route.spec;
      result.failure = ErrorCode::Unknown;
      result.parameters = std::move(parameters);
      return result;
    }
    result.failure = ErrorCode::MethodNotAllowed;
    if (!result.allowedMethods.empty()) result.allowedMethods += ", ";
    result.allowedMethods += route.spec.method;
  }
  return result;
}

void Router::addSchema(const std::string& name, std::string jsonSchema) {
  auto [at, added] = schemas_.emplace(name, jsonSchema);
  if (!added && at->second != jsonSchema) {
    throw std::logic_error("schema " + name + " is defined twice, differently");
  }
}

std::vector<RouteSpec> Router::routes() const {
  std::vector<RouteSpec> all;
  all.reserve(routes_.size());
  for (const auto& route : routes_) all.push_back(route.spec);
  return all;
}

}  // namespace vanthu::api
