#pragma once

// The few ways a handler answers, shared by every route file: JSON, problem+json (the one
// mapping from a Status to HTTP), 204, and reading a bounded JSON body with no unknown fields.

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "router.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kProblemJsonType = "application/problem+json; charset=utf-8";

void sendBody(RequestContext& context, int status, const std::string& type,
              const std::string& body);
void sendJson(RequestContext& context, int status, const Poco::JSON::Object& object);
/// The problem for `status`; 401 adds WWW-Authenticate: Bearer, `retryAfter` > 0 Retry-After.
void sendProblem(RequestContext& context, const Status& status, int64_t retryAfter = 0);
void sendNoContent(RequestContext& context);

/// The request body as a JSON object whose field names are all in `allowed`; else the 4xx
/// (UnsupportedMediaType, PayloadTooLarge, InvalidArgument naming the unknown field).
Result<Poco::JSON::Object::Ptr> readJsonObject(RequestContext& context,
                                               const std::set<std::string>& allowed,
                                               std::streamsize maxBody = 64 * 1024);

/// A required string field: present, a JSON string, not empty, at most `maxLength` bytes.
Result<std::string> requiredString(const Poco::JSON::Object& object, const std::string& name,
                                   size_t maxLength = 1024);
/// An optional string field: "" when absent or null; InvalidArgument when not a string.
Result<std::string> optionalString(const Poco::JSON::Object& object, const std::string& name,
                                   size_t maxLength = 1024);

/// The decoded query parameters of the request (the last value wins for a repeated name).
std::map<std::string, std::string> queryParameters(const RequestContext& context);

/// Unix seconds as "2026-11-29T04:00:00Z".
std::string isoTime(int64_t seconds);
/// Now, to the microsecond, ISO 8601 UTC: orders events recorded within one second.
std::string isoTimeNowPrecise();

}  // namespace vanthu::api
