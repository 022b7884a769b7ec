#include "vanthu/api/problem.h"

#include <Poco/JSON/Object.h>

#include <sstream>

namespace vanthu::api {
namespace {

const char* titleFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "Invalid request";
    case ErrorCode::InvalidConfig:
      return "Invalid configuration";
    case ErrorCode::NotFound:
      return "Not found";
    case ErrorCode::AlreadyExists:
      return "Already exists";
    case ErrorCode::Unauthenticated:
      return "Authentication required";
    case ErrorCode::Forbidden:
      return "Forbidden";
    case ErrorCode::Conflict:
      return "Conflict";
    case ErrorCode::PreconditionFailed:
      return "Precondition failed";
    case ErrorCode::PayloadTooLarge:
      return "Payload too large";
    case ErrorCode::UnsupportedMediaType:
      return "Unsupported media type";
    case ErrorCode::InvalidState:
      return "Action not allowed in this state";
    case ErrorCode::InvalidPdf:
      return "Unreadable PDF";
    case ErrorCode::InvalidXml:
      return "Unreadable XML";
    case ErrorCode::InvalidPassword:
      return "Wrong key store password";
    case ErrorCode::CertificateInvalid:
      return "Certificate not usable";
    case ErrorCode::CryptoFailure:
      return "Cryptographic operation failed";
    case ErrorCode::StorageFailure:
      return "Storage failure";
    case ErrorCode::DatabaseUnavailable:
      return "Database unavailable";
    case ErrorCode::IoFailure:
      return "Input/output failure";
    case ErrorCode::RouteNotFound:
      return "No such route";
    case ErrorCode::MethodNotAllowed:
      return "Method not allowed";
    case ErrorCode::Internal:
      return "Internal error";
    case ErrorCode::TooManyRequests:
      return "Too many attempts";
    case ErrorCode::PreconditionRequired:
      return "Precondition required";
    case ErrorCode::RequestTimeout:
      return "Request timeout";
    case ErrorCode::Unavailable:
      return "Service unavailable";
    case ErrorCode::NotImplemented:
      return "Not implemented";
    case ErrorCode::SignatureRequired:
      return "Signature required";
    case ErrorCode::SignatureMismatch:
      return "Signature does not verify";
    case ErrorCode::Expired:
      return "Expired";
    case ErrorCode::WrongRecipient:
      return "Not addressed to this agency";
    case ErrorCode::UnknownDocument:
      return "Unknown document";
    case ErrorCode::CertificateNameMismatch:
      return "Certificate names someone else";
    case ErrorCode::Unknown:
      break;
  }
  return "Internal error";
}

}  // namespace

int httpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return 400;
    case ErrorCode::InvalidPdf:
      return 422;
    case ErrorCode::InvalidXml:
      return 422;
    case ErrorCode::InvalidPassword:
      return 422;
    case ErrorCode::CertificateInvalid:
      return 422;
    case ErrorCode::Unauthenticated:
      return 401;
    case ErrorCode::Forbidden:
      return 403;
    case ErrorCode::NotFound:
      return 404;
    case ErrorCode::RouteNotFound:
      return 404;
    case ErrorCode::MethodNotAllowed:
      return 405;
    case ErrorCode::AlreadyExists:
      return 409;
    case ErrorCode::Conflict:
      return 409;
    case ErrorCode::InvalidState:
      return 409;
    case ErrorCode::PreconditionFailed:
      return 412;
    case ErrorCode::PayloadTooLarge:
      return 413;
    case ErrorCode::UnsupportedMediaType:
      return 415;
    case ErrorCode::DatabaseUnavailable:
      return 503;
    case ErrorCode::InvalidConfig:
      return 500;
    case ErrorCode::CryptoFailure:
      return 500;
    case ErrorCode::StorageFailure:
      return 500;
    case ErrorCode::IoFailure:
      return 500;
    case ErrorCode::Internal:
      return 500;
    case ErrorCode::TooManyRequests:
      return 429;
    case ErrorCode::PreconditionRequired:
      return 428;
    case ErrorCode::RequestTimeout:
      return 408;
    case ErrorCode::Unavailable:
      return 503;
    case ErrorCode::NotImplemented:
      return 501;
    case ErrorCode::SignatureRequired:
      return 422;
    case ErrorCode::SignatureMismatch:
      return 422;
    case ErrorCode::Expired:
      return 410;
    case ErrorCode::WrongRecipient:
    case ErrorCode::UnknownDocument:
    case ErrorCode::CertificateNameMismatch:
      return 422;
    case ErrorCode::Unknown:
      break;
  }
  return 500;
}

std::string problemJson(ErrorCode code, const std::string& detail, const std::string& instance,
                        const std::string& requestId) {
  Poco::JSON::Object body;
  std::string name(errorCodeName(code));
  body.set("type", "https://vanthu.invalid/problems/" + name);
  body.set("title", titleFor(code));
  body.set("status", httpStatusFor(code));
  body.set("code", name);
  body.set("detail", detail);
  body.set("instance", instance);
  if (!requestId.empty()) body.set("request_id", requestId);
  std::ostringstream out;
  body.stringify(out);
  return out.str();
}

}  // namespace vanthu::api
