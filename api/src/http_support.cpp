#include "http_support.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <sstream>

#include "vanthu/api/problem.h"

namespace vanthu::api {

using Poco::JSON::Object;
using Poco::Net::HTTPResponse;

void sendBody(RequestContext& context, int status, const std::string& type,
              const std::string& body) {
  context.response.setStatusAndReason(static_cast<HTTPResponse::HTTPStatus>(status));
  context.response.setContentType(type);
  context.response.setContentLength(static_cast<std::streamsize>(body.size()));
  context.response.send() << body;
}

void sendJson(RequestContext& context, int status, const Object& object) {
  std::ostringstream body;
  object.stringify(body);
  sendBody(context, status, kJsonType, body.str());
}

void sendProblem(RequestContext& context, const Status& status, int64_t retryAfter) {
  if (status.code() == ErrorCode::Unauthenticated) {
    context.response.set("WWW-Authenticate", "Bearer");
  }
  if (retryAfter > 0) context.response.set("Retry-After", std::to_string(retryAfter));
  sendBody(context, httpStatusFor(status.code()), kProblemJsonType,
           problemJson(status.code(), status.message(), context.path, context.requestId));
}

void sendNoContent(RequestContext& context) {
  context.response.setStatusAndReason(HTTPResponse::HTTP_NO_CONTENT);
  context.response.setContentLength(0);
  context.response.send();
}

Result<Object::Ptr> readJsonObject(RequestContext& context, const std::set<std::string>& allowed,
                                   std::streamsize maxBody) {
  const std::string limit = std::to_string(maxBody / 1024) + " KiB";
  const std::string& type = context.request.getContentType();
  if (!type.empty() && type.rfind("application/json", 0) != 0) {
    return Status(ErrorCode::UnsupportedMediaType, "the body must be application/json");
  }
  char buffer[4096];
  auto& in = context.request.stream();
  // A client that sends its whole body before reading would see a reset connection instead of
  // the 413 if the server closed on unread bytes: read and drop up to a bound, close beyond it.
  auto refuseTooLarge = [&](std::streamsize alreadyRead) {
    constexpr std::streamsize kDrainLimit = 1024 * 1024;
    while (alreadyRead < kDrainLimit && (in.read(buffer, sizeof buffer) || in.gcount() > 0)) {
      alreadyRead += in.gcount();
    }
    if (alreadyRead >= kDrainLimit) context.response.setKeepAlive(false);
    return Status(ErrorCode::PayloadTooLarge, "the body is over " + limit);
  };
  if (context.request.getContentLength() > maxBody) return refuseTooLarge(0);
  std::string body;
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    body.append(buffer, static_cast<size_t>(in.gcount()));
    if (static_cast<std::streamsize>(body.size()) > maxBody) {
      return refuseTooLarge(static_cast<std::streamsize>(body.size()));
    }
  }
  Object::Ptr object;
  try {
    auto parsed = Poco::JSON::Parser().parse(body);
    if (parsed.type() != typeid(Object::Ptr)) {
      return Status::invalidArgument("the body must be a JSON object");
    }
    object = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    return Status::invalidArgument("the body is not valid JSON");
  }
  for (const auto& [name, value] : *object) {
    if (allowed.count(name) == 0) {
      return Status::invalidArgument("unknown field '" + name + "'");
    }
  }
  return object;
}

Result<std::string> requiredString(const Object& object, const std::string& name,
                                   size_t maxLength) {
  if (!object.has(name) || object.isNull(name)) {
    return Status::invalidArgument("field '" + name + "' is required");
  }
  auto text = optionalString(object, name, maxLength);
  if (!text) return text;
  if (text.value().empty())
    return Status::invalidArgument("field '" + name + "' must not be empty");
  return text;
}

Result<std::string> optionalString(const Object& object, const std::string& name,
                                   size_t maxLength) {
  if (!object.has(name) || object.isNull(name)) return std::string();
  auto value = object.get(name);
  if (!value.isString()) return Status::invalidArgument("field '" + name + "' must be a string");
  auto text = value.convert<std::string>();
  if (text.size() > maxLength) {
    return Status::invalidArgument("field '" + name + "' is longer than " +
                                   std::to_string(maxLength) + " bytes");
  }
  return text;
}

std::map<std::string, std::string> queryParameters(const RequestContext& context) {
  std::map<std::string, std::string> parameters;
  try {
    for (auto& [name, value] : Poco::URI(context.request.getURI()).getQueryParameters()) {
      parameters[name] = value;
    }
  } catch (const Poco::Exception&) {
    // The dispatcher already refused URIs that do not parse.
  }
  return parameters;
}

std::string isoTimeNowPrecise() {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%FZ");
}

std::string isoTime(int64_t seconds) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(seconds),
                                         "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace vanthu::api
