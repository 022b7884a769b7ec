#include "register_pdf.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::api {
namespace {

namespace fs = std::filesystem;
using namespace PoDoFo;  // NOLINT(google-build-using-namespace): confined to this file

constexpr double kMm = 72.0 / 25.4;
constexpr double kPageWidth = 841.89;  // A4 landscape
constexpr double kPageHeight = 595.276;
constexpr double kMarginX = 12 * kMm;
constexpr double kMarginTop = 12 * kMm;
constexpr double kMarginBottom = 14 * kMm;
constexpr double kTableWidth = kPageWidth - 2 * kMarginX;
constexpr double kTitleSize = 14;
constexpr double kSubtitleSize = 11;
constexpr double kCellSize = 9;
constexpr double kLeading = kCellSize * 1.25;
constexpr double kPadding = 3;
constexpr double kFooterSize = 9;
constexpr double kRuleWidth = 0.5;

// The faces the samples use for Decree 30 documents (samples/src/decree30_pdf.cpp), embedded
// the same way: Identity-H subsets, whose ToUnicode map keeps the diacritics extractable.
class Fonts {
 public:
  explicit Fonts(PdfMemDocument& doc) {
    regular_ = load(doc, "LiberationSerif-Regular.ttf", false);
    bold_ = load(doc, "LiberationSerif-Bold.ttf", true);
  }

  PdfFont* font(bool bold, double size) const {
    PdfFont* f = bold ? bold_ : regular_;
    f->SetFontSize(static_cast<float>(size));
    return f;
  }

  double width(bool bold, double size, const std::u32string& text) const {
    const PdfFontMetrics* metrics = font(bold, size)->GetFontMetrics();
    double total = 0;
    for (char32_t cp : text) total += metrics->UnicodeCharWidth(static_cast<unsigned short>(cp));
    return total;
  }

  /// The text the font can show: control characters become spaces (line feeds stay), characters
  /// without a glyph (or outside the BMP, which Identity-H here cannot reach) become '?'.
  std::u32string printable(const std::u32string& text) const {
    std::u32string out;
    for (char32_t cp : text) {
      if (cp == U'\n') {
        out += cp;
      } else if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0)) {
        out += U' ';
      } else if (cp > 0xFFFF ||
                 (regular_->GetFontMetrics()->GetGlyphId(static_cast<long>(cp)) <= 0 ||
                  bold_->GetFontMetrics()->GetGlyphId(static_cast<long>(cp)) <= 0)) {
        out += U'?';
      } else {
        out += cp;
      }
    }
    return out;
  }

 private:
  static PdfFont* load(PdfMemDocument& doc, const char* name, bool bold) {
    const fs::path file = fs::path(VANTHU_FONT_DIR) / name;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      throw Error(ErrorCode::IoFailure,
                  "font file " + file.string() +
                      " not found: install fonts-liberation2 or configure VANTHU_FONT_DIR");
    }
    PdfFont* font =
        doc.CreateFontSubset("LiberationSerif", bold, false, false,
                             new PdfIdentityEncoding(0, 0xffff, true), file.string().c_str());
    if (font == nullptr) {
      throw Error(ErrorCode::IoFailure, "PoDoFo could not load the font " + file.string());
    }
    return font;
  }

  PdfFont* regular_ = nullptr;  // owned by the document's font cache
  PdfFont* bold_ = nullptr;
};

/// Lenient UTF-8: a malformed byte becomes U+FFFD (and then '?'), never an exception: a register
/// prints whatever the database holds.
std::u32string decode(const std::string& text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = lead < 0x80             ? 1
                    : (lead & 0xE0) == 0xC0 ? 2
                    : (lead & 0xF0) == 0xE0 ? 3
                    : (lead & 0xF8) == 0xF0 ? 4
                                            : 0;
    char32_t cp = length == 1   ? lead
                  : length == 2 ? lead & 0x1F
                  : length == 3 ? lead & 0x0F
                                : lead & 0x07;
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (!valid) {
      out += U'\uFFFD';
      ++i;
      continue;
    }
    out += cp;
    i += length;
  }
  return out;
}

std::string encode(const std::u32string& text) {
  std::string out;
  for (char32_t cp : text) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {  // the BMP only: printable() replaced the rest
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

using Lines = std::vector<std::u32string>;

/// Greedy line breaking by the font's advance widths; a word wider than the line is cut between
/// characters. Line feeds in the text start new lines.
Lines wrap(const Fonts& fonts, bool bold, double size, const std::u32string& text, double width) {
  Lines lines;
  std::u32string paragraph;
  auto flushParagraph = [&]() {
    std::u32string line;
    size_t at = 0;
    while (at <= paragraph.size()) {
      size_t end = paragraph.find(U' ', at);
      if (end == std::u32string::npos) end = paragraph.size();
      std::u32string word = paragraph.substr(at, end - at);
      at = end + 1;
      if (word.empty()) continue;
      std::u32string candidate = line.empty() ? word : line + U' ' + word;
      if (fonts.width(bold, size, candidate) <= width) {
        line = candidate;
        continue;
      }
      if (!line.empty()) lines.push_back(line);
      line.clear();
      for (char32_t cp : word) {  // a word alone too wide: cut it
        if (!line.empty() && fonts.width(bold, size, line + cp) > width) {
          lines.push_back(line);
          line.clear();
        }
        line += cp;
      }
    }
    if (!line.empty() || lines.empty()) lines.push_back(line);
    paragraph.clear();
  };
  for (char32_t cp : text) {
    if (cp == U'\n') {
      flushParagraph();
    } else {
      paragraph += cp;
    }
  }
  flushParagraph();
  if (lines.size() == 1 && lines.front().empty()) lines.clear();
  return lines;
}

// A row, or the part of one that fits on a page: lines [from, from + count) of every cell.
struct Slice {
  const std::vector<Lines>* cells = nullptr;
  size_t from = 0;
  size_t count = 0;
  bool heading = false;
  double top = 0;
};

struct Page {
  std::vector<Slice> slices;
};

double sliceHeight(size_t lines) {
  return static_cast<double>(std::max<size_t>(lines, 1)) * kLeading + 2 * kPadding;
}

size_t lineCount(const std::vector<Lines>& cells) {
  size_t most = 0;
  for (const auto& cell : cells) most = std::max(most, cell.size());
  return most;
}

void drawText(PdfPainter& painter, const Fonts& fonts, bool bold, double size, double x, double y,
              const std::u32string& text) {
  painter.SetFont(fonts.font(bold, size));
  const std::string utf8 = encode(text);
  painter.DrawText(x, y, PdfString(reinterpret_cast<const pdf_utf8*>(utf8.c_str())));
}

void disablePodofoLogging() {
  // PoDoFo logs to stderr by default; failures travel as exceptions instead.
  static const bool done = [] {
    PdfError::EnableDebug(false);
    PdfError::EnableLogging(false);
    return true;
  }();
  (void)done;
}

}  // namespace

std::string renderRegisterPdf(const workflow::RegisterTable& table) {
  disablePodofoLogging();
  try {
    PdfMemDocument doc;
    Fonts fonts(doc);

    // Column widths from the table's weights (equal when it has none).
    const size_t columns = table.headings.size();
    std::vector<double> widths(columns, columns ? kTableWidth / static_cast<double>(columns) : 0);
    double weightSum = 0;
    for (size_t i = 0; i < columns && i < table.columnWeights.size(); ++i) {
      weightSum += table.columnWeights[i];
    }
    if (table.columnWeights.size() == columns && weightSum > 0) {
      for (size_t i = 0; i < columns; ++i) {
        widths[i] = kTableWidth * table.columnWeights[i] / weightSum;
      }
    }
    auto cellsOf = [&](const std::vector<std::string>& texts, bool bold) {
      std::vector<Lines> cells(columns);
      for (size_t i = 0; i < columns && i < texts.size(); ++i) {
        cells[i] = wrap(fonts, bold, kCellSize, fonts.printable(decode(texts[i])),
                        widths[i] - 2 * kPadding);
      }
      return cells;
    };
    const std::vector<Lines> heading = cellsOf(table.headings, true);
    std::vector<std::vector<Lines>> rows;
    rows.reserve(table.rows.size());
    for (const auto& row : table.rows) rows.push_back(cellsOf(row, false));

    const Lines title =
        wrap(fonts, true, kTitleSize, fonts.printable(decode(table.title)), kTableWidth);
    const Lines subtitle =
        wrap(fonts, false, kSubtitleSize, fonts.printable(decode(table.subtitle)), kTableWidth);

    // Lay out: the headings open every page; a row moves to the next page whole when it fits
    // there, else it is split between lines.
    const double headingHeight = sliceHeight(lineCount(heading));
    const double firstTop = kPageHeight - kMarginTop -
                            static_cast<double>(title.size()) * kTitleSize * 1.3 -
                            static_cast<double>(subtitle.size()) * kSubtitleSize * 1.3 - 8;
    std::vector<Page> pages;
    double y = 0;
    auto newPage = [&](double top) {
      pages.emplace_back();
      pages.back().slices.push_back({&heading, 0, lineCount(heading), true, top});
      y = top - headingHeight;
    };
    newPage(firstTop);
    const double freshRoom = kPageHeight - kMarginTop - headingHeight - kMarginBottom;
    for (const auto& row : rows) {
      const size_t total = std::max<size_t>(lineCount(row), 1);
      size_t from = 0;
      while (from < total) {
        const size_t remaining = total - from;
        const double room = y - kMarginBottom;
        if (sliceHeight(remaining) <= room) {
          pages.back().slices.push_back({&row, from, remaining, false, y});
          y -= sliceHeight(remaining);
          break;
        }
        const auto fitting =
            static_cast<size_t>(std::max(0.0, std::floor((room - 2 * kPadding) / kLeading)));
        if (sliceHeight(remaining) <= freshRoom || fitting == 0) {
          newPage(kPageHeight - kMarginTop);
          continue;
        }
        pages.back().slices.push_back({&row, from, fitting, false, y});
        from += fitting;
        newPage(kPageHeight - kMarginTop);
      }
    }

    for (size_t p = 0; p < pages.size(); ++p) {
      PdfPage* page = doc.CreatePage(PdfRect(0, 0, kPageWidth, kPageHeight));
      PdfPainter painter;
      painter.SetPage(page);
      if (p == 0) {
        double line = kPageHeight - kMarginTop - kTitleSize;
        for (const auto& text : title) {
          drawText(painter, fonts, true, kTitleSize,
                   kMarginX + (kTableWidth - fonts.width(true, kTitleSize, text)) / 2, line, text);
          line -= kTitleSize * 1.3;
        }
        for (const auto& text : subtitle) {
          drawText(painter, fonts, false, kSubtitleSize,
                   kMarginX + (kTableWidth - fonts.width(false, kSubtitleSize, text)) / 2, line,
                   text);
          line -= kSubtitleSize * 1.3;
        }
      }
      painter.SetStrokeWidth(kRuleWidth);
      for (const auto& slice : pages[p].slices) {
        const double height = sliceHeight(slice.count);
        double x = kMarginX;
        if (slice.heading) {
          painter.SetColor(0.9, 0.9, 0.9);
          painter.Rectangle(kMarginX, slice.top - height, kTableWidth, height);
          painter.Fill();
          painter.SetColor(0, 0, 0);
        }
        for (size_t c = 0; c < columns; ++c) {
          painter.Rectangle(x, slice.top - height, widths[c], height);
          painter.Stroke();
          const Lines& lines = (*slice.cells)[c];
          for (size_t i = 0; i < slice.count && slice.from + i < lines.size(); ++i) {
            const auto& text = lines[slice.from + i];
            double textX = x + kPadding;
            if (slice.heading) {
              textX = x + (widths[c] - fonts.width(true, kCellSize, text)) / 2;
            }
            drawText(painter, fonts, slice.heading, kCellSize, textX,
                     slice.top - kPadding - kCellSize - static_cast<double>(i) * kLeading, text);
          }
          x += widths[c];
        }
      }
      const std::u32string footer =
          decode("Trang " + std::to_string(p + 1) + "/" + std::to_string(pages.size()));
      drawText(painter, fonts, false, kFooterSize,
               kMarginX + (kTableWidth - fonts.width(false, kFooterSize, footer)) / 2,
               kMarginBottom / 2, footer);
      painter.FinishPage();
    }

    PdfInfo* info = doc.GetInfo();
    info->SetTitle(PdfString(reinterpret_cast<const pdf_utf8*>(table.title.c_str())));
    info->SetProducer(PdfString("vanthu"));
    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    doc.Write(&device);
    return std::string(buffer.GetBuffer(), device.GetLength());
  } catch (const PdfError& e) {
    throw Error(ErrorCode::IoFailure, std::string("rendering the register as PDF failed: ") +
                                          PdfError::ErrorName(e.GetError()));
  }
}

}  // namespace vanthu::api
