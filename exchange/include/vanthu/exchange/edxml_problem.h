#pragma once

// Why an edXML package or status message was refused. Every refusal is a Status whose code is
// the general one (InvalidXml, or PayloadTooLarge for size limits) and whose message starts with
// the problem's stable name: "missing_element: package.xml:12: MessageHeader has no Subject".
// The name is the finer, stable code callers branch on (problemOf) and logs and clients can
// match; the rest of the message is for people and may change.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

enum class EdxmlProblem : uint8_t {
  Unknown = 0,
  NotWellFormed,        ///< not_well_formed: the bytes are not XML
  DoctypeRefused,       ///< doctype_refused: a DOCTYPE (DTDs, entities) is never accepted
  UnsupportedEncoding,  ///< unsupported_encoding: only UTF-8 packages are read
  TooDeep,              ///< too_deep: elements nested beyond the depth limit
  WrongNamespace,       ///< wrong_namespace: not in the QCVN 102 namespace
  WrongRoot,            ///< wrong_root: not an edXML package / status message
  MissingElement,       ///< missing_element: a required element is absent or empty
  InvalidValue,         ///< invalid_value: a date, number or code out of its range
  UnknownStatusCode,    ///< unknown_status_code: not one of 01-06, 13, 15, 16
  BadAgencyCode,        ///< bad_agency_code: an OrganId that is not an agency code
  InvalidBase64,        ///< invalid_base64: an attachment that does not decode
  AttachmentTooLarge,   ///< attachment_too_large: over the configured limit
  PackageTooLarge,      ///< package_too_large: the whole package over the limit
  ManifestMismatch,     ///< manifest_mismatch: References and Attachments disagree
  SchemaInvalid,        ///< schema_invalid: the XSD refuses the document
};

/// The stable snake_case name, e.g. "missing_element".
std::string_view edxmlProblemName(EdxmlProblem problem);

/// A refusal for `problem`: code InvalidXml (PayloadTooLarge for the size problems), message
/// "<name>: <detail>".
Status edxmlFailure(EdxmlProblem problem, const std::string& detail);

/// The problem a refusal names, if `status` is one made by edxmlFailure.
std::optional<EdxmlProblem> problemOf(const Status& status);

}  // namespace vanthu::exchange
