#pragma once

// PoDoFo 0.9.8 behind one door: quiet logging and the translation of PdfError into vanthu::Error
// (CONVENTIONS, What to absorb 5: map PdfErrorCode to our codes, never swallow it).

#include <podofo/podofo.h>

#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {

/// PoDoFo prints to stderr by default; a service must not.
void quietPodofo();

/// Throws the vanthu::Error for `error`: InvalidPassword for a wrong or missing password,
/// IoFailure for file trouble, InvalidPdf for anything that says the file is broken, else
/// `fallback`. `what` says what was being done ("reading in.pdf").
[[noreturn]] void throwPdfError(const PoDoFo::PdfError& error, const std::string& what,
                                ErrorCode fallback = ErrorCode::InvalidPdf);

}  // namespace vanthu::signing::detail
