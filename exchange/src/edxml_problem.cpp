#include "vanthu/exchange/edxml_problem.h"

#include <array>

namespace vanthu::exchange {
namespace {

// Indexed by EdxmlProblem; names never change once released.
constexpr std::array<std::string_view, 16> kNames = {
    "unknown",
    "not_well_formed",
    "doctype_refused",
    "unsupported_encoding",
    "too_deep",
    "wrong_namespace",
    "wrong_root",
    "missing_element",
    "invalid_value",
    "unknown_status_code",
    "bad_agency_code",
    "invalid_base64",
    "attachment_too_large",
    "package_too_large",
    "manifest_mismatch",
    "schema_invalid",
};

}  // namespace

std::string_view edxmlProblemName(EdxmlProblem problem) {
  auto index = static_cast<size_t>(problem);
  return index < kNames.size() ? kNames[index] : kNames[0];
}

Status edxmlFailure(EdxmlProblem problem, const std::string& detail) {
  ErrorCode code =
      problem == EdxmlProblem::AttachmentTooLarge || problem == EdxmlProblem::PackageTooLarge
          ? ErrorCode::PayloadTooLarge
          : ErrorCode::InvalidXml;
  return Status(code, std::string(edxmlProblemName(problem)) + ": " + detail);
}

std::optional<EdxmlProblem> problemOf(const Status& status) {
  if (status.code() != ErrorCode::InvalidXml && status.code() != ErrorCode::PayloadTooLarge) {
    return std::nullopt;
  }
  const std::string& message = status.message();
  for (size_t i = 1; i < kNames.size(); ++i) {
    const auto& name = kNames[i];
    if (message.size() > name.size() && message.compare(0, name.size(), name) == 0 &&
        message[name.size()] == ':') {
      return static_cast<EdxmlProblem>(i);
    }
  }
  return std::nullopt;
}

}  // namespace vanthu::exchange
