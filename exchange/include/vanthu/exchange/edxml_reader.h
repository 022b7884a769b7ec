#pragma once

// Reading edXML packages and status messages from other agencies: untrusted input. The parser
// never touches the network and never loads or expands entities; a DOCTYPE is refused before the
// XML parser sees it, so DTDs, external entities and entity bombs never reach it. Elements nested
// deeper than a limit, attachments and packages over a size limit are refused. Every refusal is
// an edxmlFailure (edxml_problem.h) with the line of the fault where there is one.
//
// The reader checks what the model needs (required elements, values, agency codes, base64); the
// XSD (edxml_schema.h) checks the full structure, element order included.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "vanthu/exchange/edxml_package.h"
#include "vanthu/exchange/status_message.h"
#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

struct ReadLimits {
  /// The largest decoded attachment. A base64 text that cannot decode to less is refused before
  /// it is decoded.
  size_t maxAttachmentBytes = 50u * 1024 * 1024;
  /// The largest package (the XML bytes as received).
  size_t maxPackageBytes = 200u * 1024 * 1024;
  /// The deepest element nesting; edXML itself needs 9 (a Receiver's OrganId), an XML-DSig in
  /// DigitalSignature about 12.
  int maxDepth = 32;
};

/// Reads a package from `bytes`; `name` says where they came from, for messages.
Result<EdxmlPackage> readPackage(std::string_view bytes, std::string_view name,
                                 const ReadLimits& limits = {});
/// Reads a package from a file without holding the file's bytes in memory.
Result<EdxmlPackage> readPackageFile(const std::filesystem::path& path,
                                     const ReadLimits& limits = {});

Result<StatusMessage> readStatusMessage(std::string_view bytes, std::string_view name,
                                        const ReadLimits& limits = {});

}  // namespace vanthu::exchange
