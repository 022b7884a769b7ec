#pragma once

// Where text sits on a page: enough of a content-stream interpreter to place each shown glyph
// (text matrices, fonts' widths and ToUnicode maps), so the signer can find the blanks of a
// Decree 30 header — the number after "Số:" and the day and month of the date line — and put the
// clerk's fields there.

#include <filesystem>
#include <optional>
#include <vector>

#include "vanthu/signing/pdf_signer.h"

namespace vanthu::signing {

struct PlacedGlyph {
  char32_t codePoint = 0;  ///< from the font's ToUnicode map (0 when it has none)
  double x = 0;            ///< baseline start, user space
  double y = 0;
  double width = 0;  ///< advance in user space
  double fontSize = 0;
};

/// The glyphs `page` (1-based) shows, in content order. InvalidPdf / InvalidArgument (no such
/// page) on failure. Handles text matrices and cm, Tj/TJ/'/", Type0 (Identity-H) and simple
/// fonts with /W, /Widths and ToUnicode; form XObjects and Type3 fonts are not followed.
std::vector<PlacedGlyph> pageGlyphs(const std::filesystem::path& pdf, int page);

struct NumberDateBlanks {
  std::optional<PdfRect> number;  ///< between "Số:" and the "/" of the notation
  std::optional<PdfRect> day;     ///< between "ngày" and "tháng"
  std::optional<PdfRect> month;   ///< between "tháng" and "năm"
};

/// Finds the blanks of a Decree 30 header on `page`. Absent entries were not found.
NumberDateBlanks findNumberAndDateBlanks(const std::filesystem::path& pdf, int page = 1);

}  // namespace vanthu::signing
