#pragma once

// Writing edXML packages and status messages (QCVN 102:2016). The envelope elements carry the
// `edXML:` prefix (the VDXP validator refuses them without it); every element is in the namespace
// http://www.mic.gov.vn/TBT/QCVN_102_2016, bound both as default and as `edXML`. Dates are written
// year first (edxml_date.h). The output validates against samples/edxml/edxml.xsd.
//
// Attachments are base64-encoded straight into the output as it is written: no encoded copy of a
// file is held in memory.

#include <ostream>
#include <string>

#include "vanthu/exchange/edxml_package.h"
#include "vanthu/exchange/status_message.h"
#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

/// The XML namespace of QCVN 102:2016 edXML.
constexpr const char* kEdxmlNamespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016";

/// Checks what the standard requires before anything is written: agency codes parse, required
/// fields are set, dates are real days, codes in range, content ids unique. A refusal names the
/// field (edxml_problem.h); nothing is written then.
Status checkPackage(const EdxmlPackage& package);
Status checkStatusMessage(const StatusMessage& message);

/// Writes `package` to `out` (UTF-8). Refuses as checkPackage does; IoFailure if `out` fails.
Status writePackage(const EdxmlPackage& package, std::ostream& out);
/// The package as one string (for small packages and tests).
Result<std::string> buildPackageXml(const EdxmlPackage& package);

Status writeStatusMessage(const StatusMessage& message, std::ostream& out);
Result<std::string> buildStatusMessageXml(const StatusMessage& message);

}  // namespace vanthu::exchange
