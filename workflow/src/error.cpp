#include "vanthu/workflow/error.h"

#include <array>

namespace vanthu {
namespace {

struct CodeName {
  ErrorCode code;
  std::string_view name;
};

// The wire names. Append only: clients and other agencies' systems match on them.
constexpr std::array kCodeNames = {
    CodeName{ErrorCode::InvalidArgument, "invalid_argument"},
    CodeName{ErrorCode::InvalidConfig, "invalid_config"},
    CodeName{ErrorCode::NotFound, "not_found"},
    CodeName{ErrorCode::AlreadyExists, "already_exists"},
    CodeName{ErrorCode::Unauthenticated, "unauthenticated"},
    CodeName{ErrorCode::Forbidden, "forbidden"},
    CodeName{ErrorCode::Conflict, "conflict"},
    CodeName{ErrorCode::PreconditionFailed, "precondition_failed"},
    CodeName{ErrorCode::PayloadTooLarge, "payload_too_large"},
    CodeName{ErrorCode::UnsupportedMediaType, "unsupported_media_type"},
    CodeName{ErrorCode::InvalidState, "invalid_state"},
    CodeName{ErrorCode::InvalidPdf, "invalid_pdf"},
    CodeName{ErrorCode::InvalidXml, "invalid_xml"},
    CodeName{ErrorCode::InvalidPassword, "invalid_password"},
    CodeName{ErrorCode::CertificateInvalid, "certificate_invalid"},
    CodeName{ErrorCode::CryptoFailure, "crypto_failure"},
    CodeName{ErrorCode::StorageFailure, "storage_failure"},
    CodeName{ErrorCode::DatabaseUnavailable, "database_unavailable"},
    CodeName{ErrorCode::IoFailure, "io_failure"},
    CodeName{ErrorCode::RouteNotFound, "route_not_found"},
    CodeName{ErrorCode::MethodNotAllowed, "method_not_allowed"},
    CodeName{ErrorCode::Internal, "internal"},
    CodeName{ErrorCode::TooManyRequests, "too_many_requests"},
    CodeName{ErrorCode::PreconditionRequired, "precondition_required"},
    CodeName{ErrorCode::RequestTimeout, "request_timeout"},
    CodeName{ErrorCode::Unavailable, "unavailable"},
    CodeName{ErrorCode::NotImplemented, "not_implemented"},
    CodeName{ErrorCode::SignatureRequired, "signature_required"},
    CodeName{ErrorCode::SignatureMismatch, "signature_mismatch"},
    CodeName{ErrorCode::Expired, "expired"},
    CodeName{ErrorCode::WrongRecipient, "wrong_recipient"},
    CodeName{ErrorCode::UnknownDocument, "unknown_document"},
    CodeName{ErrorCode::CertificateNameMismatch, "certificate_name_mismatch"},
};

}  // namespace

std::string_view errorCodeName(ErrorCode code) {
  for (const auto& entry : kCodeNames) {
    if (entry.code == code) return entry.name;
  }
  return "unknown";
}

std::optional<ErrorCode> errorCodeFromName(std::string_view name) {
  for (const auto& entry : kCodeNames) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}

const std::vector<ErrorCode>& allErrorCodes() {
  static const std::vector<ErrorCode> codes = [] {
    std::vector<ErrorCode> all;
    for (const auto& entry : kCodeNames) all.push_back(entry.code);
    return all;
  }();
  return codes;
}

std::string Status::toString() const {
  if (isOk()) return "ok";
  return std::string(errorCodeName(code_)) + ": " + message_;
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message), code_(code) {}

Error& Error::withContext(std::string frame) {
  context_.push_back(std::move(frame));
  return *this;
}

std::string Error::describe() const {
  std::string text = what();
  for (const auto& frame : context_) text += " (while " + frame + ")";
  return text;
}

}  // namespace vanthu
