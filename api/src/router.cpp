#include "router.h"

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

void Router::add(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back({method, pattern, splitPath(pattern), std::move(handler)});
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
    if (route.method == method) {
      result.handler = &route.handler;
      result.failure = ErrorCode::Unknown;
      result.parameters = std::move(parameters);
      return result;
    }
    result.failure = ErrorCode::MethodNotAllowed;
    if (!result.allowedMethods.empty()) result.allowedMethods += ", ";
    result.allowedMethods += route.method;
  }
  return result;
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& route : routes_) all.emplace_back(route.method, route.pattern);
  return all;
}

}  // namespace vanthu::api
