#pragma once

#include <string>

#include "vanthu/workflow/register_table.h"

namespace vanthu::api {

/// `table` as a PDF: A4 landscape, the title and the organisation on the first page, the column
/// headings on every page, long cells wrapped within their column (a row taller than a page
/// continues on the next), "Trang n/N" at the foot. Liberation Serif from VANTHU_FONT_DIR is
/// embedded as an Identity-H subset with ToUnicode, so Vietnamese prints and extracts intact; a
/// character it has no glyph for prints as '?'. Throws vanthu::Error (IoFailure) when the font
/// is missing or PoDoFo fails.
std::string renderRegisterPdf(const workflow::RegisterTable& table);

}  // namespace vanthu::api
