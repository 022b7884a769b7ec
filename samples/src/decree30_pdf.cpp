#include "vanthu/demo/decree30_pdf.h"

#include <podofo/podofo.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>

#include "vanthu/workflow/error.h"

namespace vanthu::demo {
namespace {

namespace fs = std::filesystem;
using namespace PoDoFo;  // NOLINT(google-build-using-namespace): confined to this file

// --- Page geometry (Decree 30, Phụ lục I: A4, margins top/bottom 20-25, left 30-35, right 15-20)
constexpr double kMm = 72.0 / 25.4;
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.89;
constexpr double kMarginTop = 20 * kMm;
constexpr double kMarginBottom = 20 * kMm;
constexpr double kMarginLeft = 30 * kMm;
constexpr double kMarginRight = 15 * kMm;
constexpr double kContentWidth = kPageWidth - kMarginLeft - kMarginRight;
// The header is a two-cell table: agency at the left, motto at the right. The signer block uses
// the right cell too so that it lines up with the motto, as in the Phụ lục I samples.
constexpr double kLeftColumnWidth = 64 * kMm;
constexpr double kRightColumnX = kMarginLeft + kLeftColumnWidth;
constexpr double kRightColumnWidth = kContentWidth - kLeftColumnWidth;

constexpr double kHeaderSize = 12.5;  // agency names and quốc hiệu: 12-13 pt
constexpr double kMottoSize = 13.5;   // tiêu ngữ: 13-14 pt
constexpr double kBodySize = 13.5;    // nội dung: 13-14 pt
constexpr double kTitleSize = 14;     // tên loại and trích yếu: 13-14 pt
constexpr double kRecipientsTitleSize = 12;
constexpr double kRecipientsSize = 11;
constexpr double kLineFactor = 1.2;              // leading of header lines
constexpr double kBodyLeading = 18.5;            // body line spacing, 1.2-1.5 lines of 13.5 pt
constexpr double kParagraphSpacing = 6;          // at least 6 pt between paragraphs
constexpr double kFirstLineIndent = 12.7 * kMm;  // 1-1.27 cm
constexpr double kSignatureSpace = 35 * kMm;     // room for the handwritten signature and the seal
constexpr double kRuleWidth = 0.6;

enum class Style : uint8_t { Regular, Bold, Italic, BoldItalic };
constexpr std::array<const char*, 4> kFontFiles = {
    "LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf"};

struct TextRun {
  Style style;
  double size;
  double x;
  double y;  // baseline
  std::string text;
};

struct Rule {
  double x1;
  double x2;
  double y;
};

struct Page {
  std::vector<TextRun> runs;
  std::vector<Rule> rules;
};

[[noreturn]] void throwPdfError(const PdfError& e, const std::string& what) {
  std::string detail = PdfError::ErrorName(e.GetError());
  if (const char* message = PdfError::ErrorMessage(e.GetError())) {
    detail += std::string(" (") + message + ")";
  }
  for (const auto& info : e.GetCallstack()) {
    if (!info.GetInformation().empty()) detail += ": " + info.GetInformation();
  }
  const auto code = e.GetError();
  const bool io = code == ePdfError_FileNotFound || code == ePdfError_InvalidDeviceOperation ||
                  code == ePdfError_OutOfMemory;
  throw Error(io ? ErrorCode::IoFailure : ErrorCode::Internal, what + ": PoDoFo: " + detail);
}

std::string codePointName(char32_t cp) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(cp));
  return buffer;
}

/// Decodes UTF-8 strictly; the caller's strings are NFC literals, so anything else is a bug there.
std::vector<char32_t> decodeUtf8(const std::string& text) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
      length = 1;
      cp = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2;
      cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3;
      cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4;
      cp = lead & 0x07;
    } else {
      throw Error(ErrorCode::InvalidArgument, "malformed UTF-8 in \"" + text + "\"");
    }
    if (i + length > text.size()) {
      throw Error(ErrorCode::InvalidArgument, "truncated UTF-8 in \"" + text + "\"");
    }
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        throw Error(ErrorCode::InvalidArgument, "malformed UTF-8 in \"" + text + "\"");
      }
      cp = (cp << 6) | (next & 0x3F);
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

/// The four faces of Liberation Serif, embedded as Identity-H subsets, plus their metrics.
class FontSet {
 public:
  explicit FontSet(PdfMemDocument& doc) {
    const fs::path dir = VANTHU_FONT_DIR;
    for (size_t i = 0; i < kFontFiles.size(); ++i) {
      const fs::path file = dir / kFontFiles[i];
      std::error_code ec;
      if (!fs::is_regular_file(file, ec)) {
        throw Error(ErrorCode::IoFailure,
                    "font file " + file.string() +
                        " not found: install fonts-liberation2 or configure VANTHU_FONT_DIR");
      }
      const bool bold = i == 1 || i == 3;
      const bool italic = i == 2 || i == 3;
      // Identity-H with ToUnicode is what makes Vietnamese extractable; the subset keeps files
      // small (~20 KB per face instead of ~200 KB).
      fonts_[i] =
          doc.CreateFontSubset("LiberationSerif", bold, italic, false,
                               new PdfIdentityEncoding(0, 0xffff, true), file.string().c_str());
      if (fonts_[i] == nullptr) {
        throw Error(ErrorCode::IoFailure, "PoDoFo could not load the font " + file.string());
      }
    }
  }

  PdfFont* font(Style style, double size) const {
    PdfFont* f = fonts_[static_cast<size_t>(style)];
    f->SetFontSize(static_cast<float>(size));
    return f;
  }

  /// Throws InvalidArgument naming the first character `style` cannot show. The font has no
  /// fallback, so a missing glyph would silently print as a box and extract as nothing.
  void checkCoverage(Style style, const std::string& text) const {
    const PdfFontMetrics* metrics = fonts_[static_cast<size_t>(style)]->GetFontMetrics();
    for (char32_t cp : decodeUtf8(text)) {
      const bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
      // Identity-H here maps 2-byte codes to Unicode, so only the BMP is reachable.
      if (control || cp > 0xFFFF || metrics->GetGlyphId(static_cast<long>(cp)) <= 0) {
        std::string shown = control ? std::string() : " '" + encodeOne(cp) + "'";
        throw Error(ErrorCode::InvalidArgument,
                    "character " + codePointName(cp) + shown + " in \"" + text +
                        "\" has no glyph in Liberation Serif; the document cannot show it");
      }
    }
  }

  double width(Style style, double size, const std::string& text) const {
    const PdfFontMetrics* metrics = font(style, size)->GetFontMetrics();
    double total = 0;
    for (char32_t cp : decodeUtf8(text)) {
      total += metrics->UnicodeCharWidth(static_cast<unsigned short>(cp));
    }
    return total;
  }

 private:
  static std::string encodeOne(char32_t cp) {
    std::string out;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
  }

  std::array<PdfFont*, 4> fonts_{};  // owned by the document's font cache
};

std::vector<std::string> splitWords(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string collapseWhitespace(const std::string& text) {
  std::string out;
  for (const auto& word : splitWords(text)) {
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

/// Lays the document out into pages of positioned text runs and rules. Kept apart from drawing so
/// that renderedText() predicts exactly what the renderer puts on the page.
class Layouter {
 public:
  Layouter(const FontSet& fonts, const OfficialDocumentLayout& layout)
      : fonts_(fonts), layout_(layout) {}

  std::vector<Page> run() {
    pages_.emplace_back();
    header();
    titleAndPreamble();
    body();
    signatureAndRecipients();
    return std::move(pages_);
  }

 private:
  Page& page() { return pages_.back(); }

  void newPage() {
    pages_.emplace_back();
    cursor_ = kPageHeight - kMarginTop;
    // Page numbers from page 2 on, centred in the top margin (Phụ lục I).
    const std::string number = std::to_string(pages_.size());
    centred(Style::Regular, kBodySize, number, kMarginLeft, kContentWidth,
            kPageHeight - kMarginTop / 2 - kBodySize / 3);
  }

  void ensureRoom(double height) {
    if (cursor_ - height < kMarginBottom) newPage();
  }

  /// Greedy line breaking by the font's advance widths. A single word wider than the line gets a
  /// line of its own (and overflows): our inputs never have one, and hyphenation would change
  /// the extracted text.
  std::vector<std::string> wrap(Style style, double size, const std::string& text,
                                double maxWidth) const {
    // An explicit '\n' breaks the line where the agency wants it ("ỦY BAN NHÂN DÂN" over "TỈNH
    // THÁI NGUYÊN"), which greedy breaking would not choose.
    if (const auto newline = text.find('\n'); newline != std::string::npos) {
      auto lines = wrap(style, size, text.substr(0, newline), maxWidth);
      for (auto& line : wrap(style, size, text.substr(newline + 1), maxWidth)) {
        lines.push_back(std::move(line));
      }
      return lines;
    }
    fonts_.checkCoverage(style, text);
    if (fonts_.width(style, size, text) <= maxWidth) return {text};
    std::vector<std::string> lines;
    std::string line;
    for (const auto& word : splitWords(text)) {
      const std::string candidate = line.empty() ? word : line + " " + word;
      if (!line.empty() && fonts_.width(style, size, candidate) > maxWidth) {
        lines.push_back(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    if (!line.empty()) lines.push_back(line);
    return lines;
  }

  double centred(Style style, double size, const std::string& text, double x, double width,
                 double y) {
    const double w = fonts_.width(style, size, text);
    page().runs.push_back({style, size, x + (width - w) / 2, y, text});
    return w;
  }

  /// Centred, wrapped lines from baseline `y` down; returns the baseline of the last line and
  /// the width of the widest line.
  std::pair<double, double> centredBlock(Style style, double size, const std::string& text,
                                         double x, double width, double y) {
    double widest = 0;
    double baseline = y;
    bool first = true;
    for (const auto& line : wrap(style, size, text, width)) {
      if (!first) baseline -= size * kLineFactor;
      first = false;
      widest = std::max(widest, centred(style, size, line, x, width, baseline));
    }
    return {baseline, widest};
  }

  void header() {
    const double top = kPageHeight - kMarginTop;

    // Left cell: superior agency, issuing agency and its short rule.
    double yLeft = top - kHeaderSize;
    if (!layout_.superiorAgency.empty()) {
      yLeft = centredBlock(Style::Regular, kHeaderSize, layout_.superiorAgency, kMarginLeft,
                           kLeftColumnWidth, yLeft)
                  .first -
              kHeaderSize * kLineFactor;
    }
    auto [agencyBaseline, agencyWidth] = centredBlock(
        Style::Bold, kHeaderSize, layout_.issuingAgency, kMarginLeft, kLeftColumnWidth, yLeft);
    const double agencyRule = agencyWidth * 0.4;  // 1/3 to 1/2 of the line
    const double leftCentre = kMarginLeft + kLeftColumnWidth / 2;
    const double leftRuleY = agencyBaseline - 6;
    page().rules.push_back({leftCentre - agencyRule / 2, leftCentre + agencyRule / 2, leftRuleY});

    // Right cell: quốc hiệu, tiêu ngữ and the rule as long as the tiêu ngữ.
    const std::string nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
    const std::string motto = "Độc lập - Tự do - Hạnh phúc";
    double yRight = top - kHeaderSize;
    yRight =
        centredBlock(Style::Bold, kHeaderSize, nation, kRightColumnX, kRightColumnWidth, yRight)
            .first -
        kMottoSize * kLineFactor;
    auto [mottoBaseline, mottoWidth] =
        centredBlock(Style::Bold, kMottoSize, motto, kRightColumnX, kRightColumnWidth, yRight);
    const double rightCentre = kRightColumnX + kRightColumnWidth / 2;
    const double rightRuleY = mottoBaseline - 6;
    page().rules.push_back(
        {rightCentre - mottoWidth / 2, rightCentre + mottoWidth / 2, rightRuleY});

    // Number and place/date share a baseline below both rules.
    const double row = std::min(leftRuleY, rightRuleY) - 8 - kBodySize;
    double yLeftBottom = row;
    if (!layout_.numberNotation.empty()) {
      yLeftBottom = centredBlock(Style::Regular, kBodySize, layout_.numberNotation, kMarginLeft,
                                 kLeftColumnWidth, row)
                        .first;
    }
    if (layout_.typeName.empty() && !layout_.subject.empty()) {
      // Công văn: the trích yếu goes under the number, after "V/v" (Phụ lục I, ô 5b).
      yLeftBottom = centredBlock(Style::Regular, kHeaderSize, "V/v " + layout_.subject, kMarginLeft,
                                 kLeftColumnWidth, yLeftBottom - kHeaderSize * kLineFactor - 2)
                        .first;
    }
    for (const std::string* mark : {&layout_.urgency, &layout_.confidentiality}) {
      if (mark->empty()) continue;
      yLeftBottom = centredBlock(Style::Bold, kBodySize, *mark, kMarginLeft, kLeftColumnWidth,
                                 yLeftBottom - kBodySize * kLineFactor - 4)
                        .first;
    }
    double yRightBottom = row;
    if (!layout_.placeAndDate.empty()) {
      yRightBottom = centredBlock(Style::Italic, kBodySize, layout_.placeAndDate, kRightColumnX,
                                  kRightColumnWidth, row)
                         .first;
    }
    cursor_ = std::min(yLeftBottom, yRightBottom) - kBodySize * 0.4;
  }

  void titleAndPreamble() {
    if (!layout_.typeName.empty()) {
      cursor_ -= 24;
      cursor_ = centredBlock(Style::Bold, kTitleSize, layout_.typeName, kMarginLeft, kContentWidth,
                             cursor_)
                    .first;
      if (!layout_.subject.empty()) {
        auto [last, widest] =
            centredBlock(Style::Bold, kTitleSize, layout_.subject, kMarginLeft,
                         kContentWidth * 0.85, cursor_ - kTitleSize * kLineFactor);
        cursor_ = last;
        // A short rule under the trích yếu: 1/3 to 1/2 of the longest line.
        const double centre = kMarginLeft + kContentWidth * 0.85 / 2;
        page().rules.push_back({centre - widest * 0.2, centre + widest * 0.2, cursor_ - 5});
        cursor_ -= 5;
      }
    }
    for (const auto& line : layout_.preamble) {
      cursor_ -= kTitleSize * kLineFactor + (line == layout_.preamble.front() ? 10 : 0);
      cursor_ =
          centredBlock(Style::Bold, kTitleSize, line, kMarginLeft, kContentWidth, cursor_).first;
    }
    cursor_ -= 12;
  }

  void body() {
    const double spaceWidth = fonts_.width(Style::Regular, kBodySize, " ");
    for (const auto& paragraph : layout_.bodyParagraphs) {
      fonts_.checkCoverage(Style::Regular, paragraph);
      const auto words = splitWords(paragraph);
      cursor_ -= kParagraphSpacing;
      size_t next = 0;
      bool firstLine = true;
      while (next < words.size()) {
        ensureRoom(kBodyLeading);
        cursor_ -= kBodyLeading;
        const double indent = firstLine ? kFirstLineIndent : 0;
        const double available = kContentWidth - indent;
        // Take as many words as fit with single spaces.
        size_t end = next;
        double wordsWidth = 0;
        while (end < words.size()) {
          const double w = fonts_.width(Style::Regular, kBodySize, words[end]);
          const double spaces = static_cast<double>(end - next) * spaceWidth;
          if (end > next && wordsWidth + w + spaces > available) break;
          wordsWidth += w;
          ++end;
        }
        const bool lastLine = end == words.size();
        const size_t gaps = end - next - 1;
        // Justified: the slack goes into the gaps. Each word is its own run because Identity-H
        // text has no single-byte space for Tw word spacing to act on.
        const double gap = (lastLine || gaps == 0)
                               ? spaceWidth
                               : (available - wordsWidth) / static_cast<double>(gaps);
        double x = kMarginLeft + indent;
        for (size_t i = next; i < end; ++i) {
          page().runs.push_back({Style::Regular, kBodySize, x, cursor_, words[i]});
          x += fonts_.width(Style::Regular, kBodySize, words[i]) + gap;
        }
        next = end;
        firstLine = false;
      }
    }
  }

  void signatureAndRecipients() {
    // Measure both blocks first: they sit side by side and must land on the same page.
    struct Line {
      Style style;
      double size;
      std::string text;
      double gapBefore;
    };
    std::vector<Line> signer;
    if (!layout_.authorityMarker.empty()) {
      signer.push_back({Style::Bold, kBodySize, layout_.authorityMarker, 0});
    }
    if (!layout_.signerPosition.empty()) {
      signer.push_back({Style::Bold, kBodySize, layout_.signerPosition, 0});
    }
    if (!layout_.signerName.empty()) {
      signer.push_back({Style::Bold, kBodySize, layout_.signerName, kSignatureSpace});
    }
    std::vector<Line> recipients;
    if (!layout_.recipients.empty()) {
      recipients.push_back({Style::BoldItalic, kRecipientsTitleSize, "Nơi nhận:", 0});
      for (const auto& r : layout_.recipients) {
        recipients.push_back({Style::Regular, kRecipientsSize, r, 0});
      }
    }
    const double recipientsWidth = kLeftColumnWidth + 10 * kMm;
    auto height = [&](const std::vector<Line>& lines, double width) {
      double h = 0;
      for (const auto& l : lines) {
        h += l.gapBefore + static_cast<double>(wrap(l.style, l.size, l.text, width).size()) *
                               l.size * kLineFactor;
      }
      return h;
    };
    const double needed =
        std::max(height(signer, kRightColumnWidth), height(recipients, recipientsWidth)) + 12;
    if (needed > kPageHeight - kMarginTop - kMarginBottom - 2 * kBodyLeading) {
      throw Error(ErrorCode::InvalidArgument,
                  "the signer block and the recipient list do not fit on one page");
    }
    ensureRoom(needed);
    const double top = cursor_ - 12;

    double y = top;
    for (const auto& l : recipients) {
      const auto lines = wrap(l.style, l.size, l.text, recipientsWidth);
      // Hanging indent: continuation lines start under the text after "- ".
      const double hang = l.text.rfind("- ", 0) == 0 ? fonts_.width(l.style, l.size, "- ") : 0;
      for (size_t i = 0; i < lines.size(); ++i) {
        y -= l.size * kLineFactor;
        page().runs.push_back({l.style, l.size, kMarginLeft + (i == 0 ? 0 : hang), y, lines[i]});
      }
    }
    y = top;
    for (const auto& l : signer) {
      y -= l.gapBefore + l.size * kLineFactor;
      y = centredBlock(l.style, l.size, l.text, kRightColumnX, kRightColumnWidth, y).first;
    }
  }

  const FontSet& fonts_;
  const OfficialDocumentLayout& layout_;
  std::vector<Page> pages_;
  double cursor_ = kPageHeight - kMarginTop;
};

void validateLayout(const OfficialDocumentLayout& layout) {
  if (layout.issuingAgency.empty()) {
    throw Error(ErrorCode::InvalidArgument, "an official document needs the issuing agency");
  }
  if (layout.signerName.empty() || layout.signerPosition.empty()) {
    throw Error(ErrorCode::InvalidArgument,
                "an official document needs the signer's position "
                "and name");
  }
}

void disablePodofoLogging() {
  // PoDoFo logs to stderr by default; our errors travel as exceptions instead.
  static const bool done = [] {
    PdfError::EnableDebug(false);
    PdfError::EnableLogging(false);
    return true;
  }();
  (void)done;
}

std::string serialise(const PdfVariant& value, EPdfWriteMode mode) {
  PdfRefCountedBuffer buffer;
  PdfOutputDevice device(&buffer);
  value.Write(&device, mode, nullptr);
  return std::string(buffer.GetBuffer(), device.Tell());
}

void drawPages(PdfMemDocument& doc, const FontSet& fonts, const std::vector<Page>& pages) {
  for (const auto& p : pages) {
    PdfPage* page = doc.CreatePage(PdfRect(0, 0, kPageWidth, kPageHeight));
    PdfPainter painter;
    painter.SetPage(page);
    for (const auto& run : p.runs) {
      painter.SetFont(fonts.font(run.style, run.size));
      // A blank left for the number or the date ("Số:      /QĐ-UBND") is a gap extractors take
      // for a column break, which scrambles the reading order of the header. /ActualText tells
      // them the run reads as one phrase.
      const bool blank = run.text.find("  ") != std::string::npos;
      if (blank) {
        const PdfString actual(
            reinterpret_cast<const pdf_utf8*>(collapseWhitespace(run.text).c_str()));
        painter.GetCanvas()->Append("/Span <</ActualText " +
                                    serialise(PdfVariant(actual), ePdfWriteMode_Compact) +
                                    ">> BDC\n");
      }
      painter.DrawText(run.x, run.y,
                       PdfString(reinterpret_cast<const pdf_utf8*>(run.text.c_str())));
      if (blank) painter.GetCanvas()->Append("EMC\n");
    }
    painter.SetStrokeWidth(kRuleWidth);
    for (const auto& rule : p.rules) painter.DrawLine(rule.x1, rule.y, rule.x2, rule.y);
    painter.FinishPage();
  }
}

// --- Cross-reference stream writer --------------------------------------------------------------
// PoDoFo 0.9.8 writes xref streams but never object streams, so this writes the file itself:
// stream objects as ordinary indirect objects, every other generation-0 object packed into one
// /ObjStm, then an /XRef stream (W [1 4 2]) with type-2 entries for the packed objects.

std::string serialiseObject(const PdfObject& object, EPdfWriteMode mode) {
  PdfRefCountedBuffer buffer;
  PdfOutputDevice device(&buffer);
  object.WriteObject(&device, mode, nullptr);
  return std::string(buffer.GetBuffer(), device.Tell());
}

/// "N 0 obj <<dict /Filter /FlateDecode /Length n>> stream ... endobj", written by hand because
/// PoDoFo only creates streams on objects owned by a document, and these two must not be.
std::string streamObject(uint32_t number, PdfDictionary dict, const std::string& data,
                         EPdfWriteMode mode) {
  std::unique_ptr<PdfFilter> flate(PdfFilterFactory::Create(ePdfFilter_FlateDecode));
  char* encoded = nullptr;
  pdf_long encodedLength = 0;
  flate->Encode(data.data(), static_cast<pdf_long>(data.size()), &encoded, &encodedLength);
  const std::string compressed(encoded, static_cast<size_t>(encodedLength));
  podofo_free(encoded);
  dict.AddKey(PdfName::KeyFilter, PdfName("FlateDecode"));
  dict.AddKey(PdfName::KeyLength, static_cast<pdf_int64>(compressed.size()));
  return std::to_string(number) + " 0 obj\n" + serialise(PdfVariant(dict), mode) + "\nstream\n" +
         compressed + "\nendstream\nendobj\n";
}

/// A deterministic 16-byte file identifier from the content (FNV-1a, two seeds): the spec asks
/// for uniqueness, not secrecy.
std::string fileIdentifier(const std::string& content) {
  std::string id;
  for (uint64_t hash : {0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL}) {
    for (unsigned char c : content) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
    for (int i = 7; i >= 0; --i) id += static_cast<char>((hash >> (8 * i)) & 0xFF);
  }
  return id;
}

void writeWithObjectStreams(PdfMemDocument& doc, const fs::path& file) {
  // A counting-only write runs the preparation PdfMemDocument::Write does (embedding the font
  // subsets, finishing pending streams) so that the object list below is final.
  {
    PdfOutputDevice counter;
    doc.Write(&counter);
  }
  const EPdfWriteMode mode = ePdfWriteMode_Compact;
  std::map<uint32_t, const PdfObject*> objects;
  for (const PdfObject* object : doc.GetObjects()) {
    objects[static_cast<uint32_t>(object->Reference().ObjectNumber())] = object;
  }
  const uint32_t lastNumber = objects.empty() ? 0 : objects.rbegin()->first;
  const uint32_t objStmNumber = lastNumber + 1;
  const uint32_t xrefNumber = lastNumber + 2;
  const uint32_t size = xrefNumber + 1;

  struct Entry {
    uint8_t type = 0;
    uint32_t field2 = 0;
    uint16_t field3 = 0;
  };
  std::vector<Entry> entries(size);
  entries[0] = {0, 0, 65535};

  std::string out = "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n";
  std::string packedHeader;
  std::string packedBody;
  uint16_t packedCount = 0;
  for (const auto& [number, object] : objects) {
    const bool packable = !object->HasStream() && object->Reference().GenerationNumber() == 0;
    if (packable) {
      packedHeader += std::to_string(number) + " " + std::to_string(packedBody.size()) + " ";
      packedBody += serialise(*object, mode) + "\n";
      entries[number] = {2, objStmNumber, packedCount++};
    } else {
      entries[number] = {1, static_cast<uint32_t>(out.size()),
                         static_cast<uint16_t>(object->Reference().GenerationNumber())};
      out += serialiseObject(*object, mode);
    }
  }

  PdfDictionary objStm;
  objStm.AddKey(PdfName::KeyType, PdfName("ObjStm"));
  objStm.AddKey("N", static_cast<pdf_int64>(packedCount));
  objStm.AddKey("First", static_cast<pdf_int64>(packedHeader.size()));
  entries[objStmNumber] = {1, static_cast<uint32_t>(out.size()), 0};
  out += streamObject(objStmNumber, objStm, packedHeader + packedBody, mode);

  entries[xrefNumber] = {1, static_cast<uint32_t>(out.size()), 0};
  std::string table;
  for (const auto& e : entries) {
    table += static_cast<char>(e.type);
    for (int i = 3; i >= 0; --i) table += static_cast<char>((e.field2 >> (8 * i)) & 0xFF);
    table += static_cast<char>(e.field3 >> 8);
    table += static_cast<char>(e.field3 & 0xFF);
  }
  const PdfDictionary& trailer = doc.GetTrailer()->GetDictionary();
  PdfDictionary xref;
  xref.AddKey(PdfName::KeyType, PdfName("XRef"));
  xref.AddKey(PdfName::KeySize, static_cast<pdf_int64>(size));
  PdfArray widths;
  for (pdf_int64 w : {1, 4, 2}) widths.push_back(PdfObject(w));
  xref.AddKey("W", widths);
  for (const char* key : {"Root", "Info"}) {
    if (const PdfObject* value = trailer.GetKey(key)) xref.AddKey(key, *value);
  }
  std::string id = fileIdentifier(out);
  // PoDoFo would read a leading FE FF as a UTF-16 byte order mark.
  if (static_cast<unsigned char>(id[0]) == 0xFE) id[0] = '\x7E';
  PdfArray ids;
  ids.push_back(PdfObject(PdfString(id.data(), static_cast<pdf_long>(id.size()), true)));
  ids.push_back(ids.back());
  xref.AddKey("ID", ids);
  out += streamObject(xrefNumber, xref, table, mode);
  out += "startxref\n" + std::to_string(entries[xrefNumber].field2) + "\n%%EOF\n";

  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (f == nullptr) {
    throw Error(ErrorCode::IoFailure, "cannot create " + file.string());
  }
  const bool written = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) throw Error(ErrorCode::IoFailure, "cannot write " + file.string());
}

std::vector<Page> layOut(const FontSet& fonts, const OfficialDocumentLayout& layout) {
  validateLayout(layout);
  return Layouter(fonts, layout).run();
}

}  // namespace

void renderOfficialDocument(const OfficialDocumentLayout& layout, const fs::path& out,
                            const PdfWriteOptions& options) {
  disablePodofoLogging();
  const std::string& date = options.creationDate;
  if (date.size() < 16 || date.rfind("D:", 0) != 0) {
    throw Error(ErrorCode::InvalidArgument,
                "creation date \"" + date + "\" is not a PDF date like D:20260105090000+07'00'");
  }
  fs::path temp = out;
  temp += ".tmp";
  try {
    PdfMemDocument doc;
    FontSet fonts(doc);
    const auto pages = layOut(fonts, layout);
    drawPages(doc, fonts, pages);

    PdfInfo* info = doc.GetInfo();
    const std::string title = collapseWhitespace(layout.subject);
    info->SetTitle(PdfString(reinterpret_cast<const pdf_utf8*>(title.c_str())));
    info->SetProducer(PdfString("vanthu"));
    info->SetCreator(PdfString("vanthu demo"));
    // Fixed dates instead of "now" keep the output byte-identical between runs (and the /ID,
    // which PoDoFo derives from the Info dictionary).
    info->GetObject()->GetDictionary().AddKey("CreationDate", PdfString(date));
    info->GetObject()->GetDictionary().AddKey("ModDate", PdfString(date));

    if (options.xrefStream) {
      writeWithObjectStreams(doc, temp);
    } else {
      doc.SetPdfVersion(ePdfVersion_1_4);
      doc.Write(temp.c_str());
    }
  } catch (const PdfError& e) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throwPdfError(e, "rendering " + out.string());
  } catch (...) {
    std::error_code ignored;
    fs::remove(temp, ignored);
    throw;
  }
  std::error_code ec;
  fs::rename(temp, out, ec);
  if (ec) {
    fs::remove(temp, ec);
    throw Error(ErrorCode::IoFailure,
                "cannot move the rendered PDF to " + out.string() + ": " + ec.message());
  }
}

std::string renderedText(const OfficialDocumentLayout& layout) {
  disablePodofoLogging();
  try {
    PdfMemDocument doc;  // only for the fonts' metrics; never written
    FontSet fonts(doc);
    std::string text;
    for (const auto& page : layOut(fonts, layout)) {
      // Content-stream order, which is reading order: page number, header row by row, body
      // word by word, recipients, signer.
      for (const auto& run : page.runs) text += " " + run.text;
    }
    return collapseWhitespace(text);
  } catch (const PdfError& e) {
    throwPdfError(e, "laying out the document");
  }
}

}  // namespace vanthu::demo
