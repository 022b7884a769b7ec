#pragma once

// RFC 9457 problem details: the one mapping from an ErrorCode to an HTTP status and body.

#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::api {

/// The HTTP status for `code`. Every code has one; unknown codes are 500.
int httpStatusFor(ErrorCode code);

/// An application/problem+json body: {"type","title","status","code","detail","instance"}.
/// `requestId` is echoed so a user's report can be matched with the logs.
std::string problemJson(ErrorCode code, const std::string& detail, const std::string& instance,
                        const std::string& requestId);

}  // namespace vanthu::api
