#pragma once

// Translating OpenSSL's thread-local error queue into vanthu::Error (CONVENTIONS, What to absorb
// 5).

#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {

/// Empties this thread's OpenSSL error queue and returns its entries, oldest first, joined by
/// "; " (each as ERR_error_string_n formats it, plus the file:line and the data OpenSSL attached).
/// Returns "" when the queue is empty.
std::string drainOpenSslErrors();

/// Throws vanthu::Error(code, what + ": " + drainOpenSslErrors()), or just `what` when the queue is
/// empty (OpenSSL does not always say why). Always drains the queue so that a stale entry never
/// leaks into a later, unrelated message.
[[noreturn]] void throwOpenSsl(ErrorCode code, const std::string& what);

/// Empties the queue without reporting (after a failure that was handled, e.g. a MAC mismatch
/// already mapped to ErrorCode::InvalidPassword).
void clearOpenSslErrors();

}  // namespace vanthu::signing::detail
