#include "vanthu/signing/page_text.h"

#include <array>
#include <cmath>
#include <map>
#include <sstream>

#include "podofo_support.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

using namespace PoDoFo;
using Matrix = std::array<double, 6>;  // a b c d e f

Matrix multiply(const Matrix& m, const Matrix& n) {
  return {m[0] * n[0] + m[1] * n[2],        m[0] * n[1] + m[1] * n[3],
          m[2] * n[0] + m[3] * n[2],        m[2] * n[1] + m[3] * n[3],
          m[4] * n[0] + m[5] * n[2] + n[4], m[4] * n[1] + m[5] * n[3] + n[5]};
}

constexpr Matrix kIdentity{1, 0, 0, 1, 0, 0};

bool isText(const PdfVariant& value) {
  return value.IsString() || value.IsHexString();
}

double number(const PdfVariant& value) {
  if (value.IsReal()) return value.GetReal();
  if (value.IsNumber()) return static_cast<double>(value.GetNumber());
  return 0;
}

std::string streamText(PdfObject* object) {
  if (object == nullptr || !object->HasStream()) return {};
  char* data = nullptr;
  pdf_long length = 0;
  object->GetStream()->GetFilteredCopy(&data, &length);
  std::string text(data, static_cast<size_t>(length));
  podofo_free(data);
  return text;
}

uint32_t hexValue(const std::string& hex) {
  uint32_t value = 0;
  for (char c : hex) {
    int digit = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
    if (digit < 0) continue;  // whitespace inside a hex string is allowed
    value = value << 4 | static_cast<uint32_t>(digit);
  }
  return value;
}

// UTF-16BE hex → the first code point.
char32_t unicodeOf(const std::string& hex) {
  if (hex.size() < 4) return static_cast<char32_t>(hexValue(hex));
  uint32_t first = hexValue(hex.substr(0, 4));
  if (first >= 0xD800 && first < 0xDC00 && hex.size() >= 8) {
    uint32_t second = hexValue(hex.substr(4, 4));
    return static_cast<char32_t>(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00));
  }
  return static_cast<char32_t>(first);
}

// A font as far as placing glyphs needs it.
struct FontInfo {
  int codeBytes = 1;
  std::map<uint32_t, double> widths;  // code → width in 1/1000 em
  double defaultWidth = 1000;
  std::map<uint32_t, char32_t> unicode;
};

void parseToUnicode(const std::string& cmap, FontInfo& font) {
  std::istringstream in(cmap);
  std::string token;
  std::vector<std::string> pending;
  auto hexOf = [](const std::string& t) {
    return t.size() >= 2 ? t.substr(1, t.size() - 2) : std::string();
  };
  while (in >> token) {
    if (token == "beginbfchar") {
      std::string source, target;
      while (in >> source && source != "endbfchar" && in >> target) {
        if (source.front() != '<' || target.front() != '<') continue;
        font.unicode[hexValue(hexOf(source))] = unicodeOf(hexOf(target));
      }
    } else if (token == "beginbfrange") {
      std::string low, high, target;
      while (in >> low && low != "endbfrange" && in >> high >> target) {
        uint32_t from = hexValue(hexOf(low));
        uint32_t to = hexValue(hexOf(high));
        if (target.front() == '<') {
          char32_t start = unicodeOf(hexOf(target));
          for (uint32_t code = from; code <= to && code - from < 65536; ++code) {
            font.unicode[code] = start + (code - from);
          }
        } else if (target.front() == '[') {
          // "[ <0020> <0021> ]": everything up to the closing bracket, then one code each.
          std::string items = target.substr(1);
          if (items.find(']') == std::string::npos) {
            std::string rest;
            std::getline(in, rest, ']');
            items += " " + rest;
          }
          std::istringstream list(items.substr(0, items.find(']')));
          std::string item;
          for (uint32_t code = from; code <= to && list >> item; ++code) {
            if (item.size() >= 2 && item.front() == '<')
              font.unicode[code] = unicodeOf(hexOf(item));
          }
        }
      }
    }
  }
}

FontInfo describeFont(PdfObject* fontDict) {
  FontInfo font;
  if (fontDict == nullptr || !fontDict->IsDictionary()) return font;
  PdfName subtype = fontDict->GetIndirectKeyAsName(PdfName("Subtype"));
  if (subtype == PdfName("Type0")) {
    font.codeBytes = 2;
    PdfObject* descendants = fontDict->GetIndirectKey(PdfName("DescendantFonts"));
    if (descendants != nullptr && descendants->IsArray() && !descendants->GetArray().empty()) {
      const PdfObject& first = descendants->GetArray()[0];
      PdfObject* cid =
          first.IsReference() ? fontDict->GetOwner()->GetObject(first.GetReference()) : nullptr;
      if (cid != nullptr && cid->IsDictionary()) {
        font.defaultWidth = static_cast<double>(cid->GetIndirectKeyAsLong(PdfName("DW"), 1000));
        PdfObject* w = cid->GetIndirectKey(PdfName("W"));
        if (w != nullptr && w->IsArray()) {
          const PdfArray& entries = w->GetArray();
          for (size_t i = 0; i + 1 < entries.size();) {
            auto start = static_cast<uint32_t>(number(entries[i]));
            if (entries[i + 1].IsArray()) {
              const PdfArray& list = entries[i + 1].GetArray();
              for (size_t k = 0; k < list.size(); ++k) font.widths[start + k] = number(list[k]);
              i += 2;
            } else if (i + 2 < entries.size()) {
              auto end = static_cast<uint32_t>(number(entries[i + 1]));
              for (uint32_t code = start; code <= end && code - start < 65536; ++code) {
                font.widths[code] = number(entries[i + 2]);
              }
              i += 3;
            } else {
              break;
            }
          }
        }
      }
    }
  } else {
    auto first = static_cast<uint32_t>(fontDict->GetIndirectKeyAsLong(PdfName("FirstChar"), 0));
    PdfObject* widths = fontDict->GetIndirectKey(PdfName("Widths"));
    if (widths != nullptr && widths->IsArray()) {
      const PdfArray& list = widths->GetArray();
      for (size_t k = 0; k < list.size(); ++k) font.widths[first + k] = number(list[k]);
    }
    font.defaultWidth = 500;
    for (uint32_t code = 0x20; code < 0x7F; ++code) font.unicode[code] = code;  // ASCII fallback
  }
  parseToUnicode(streamText(fontDict->GetIndirectKey(PdfName("ToUnicode"))), font);
  return font;
}

}  // namespace

std::vector<PlacedGlyph> pageGlyphs(const std::filesystem::path& pdf, int pageNumber) {
  detail::quietPodofo();
  std::vector<PlacedGlyph> glyphs;
  try {
    PdfMemDocument doc;
    doc.Load(pdf.c_str());
    if (pageNumber < 1 || pageNumber > doc.GetPageCount()) {
      throw Error(ErrorCode::InvalidArgument,
                  "page " + std::to_string(pageNumber) + " does not exist in " + pdf.string());
    }
    PdfPage* page = doc.GetPage(pageNumber - 1);
    if (page == nullptr) {
      throw Error(ErrorCode::InvalidPdf,
                  pdf.string() + ": page " + std::to_string(pageNumber) + " cannot be read");
    }
    PdfObject* resources = page->GetResources();
    PdfObject* fontResources =
        resources != nullptr ? resources->GetIndirectKey(PdfName("Font")) : nullptr;
    std::map<std::string, FontInfo> fonts;

    Matrix ctm = kIdentity, tm = kIdentity, tlm = kIdentity;
    std::vector<Matrix> saved;
    double fontSize = 0, charSpacing = 0, wordSpacing = 0, scale = 1, leading = 0, rise = 0;
    FontInfo* font = nullptr;
    std::vector<PdfVariant> operands;

    auto show = [&](const PdfString& text) {
      if (font == nullptr) return;
      const char* data = text.GetString();
      size_t length = text.GetLength();
      for (size_t i = 0; i + font->codeBytes <= length; i += font->codeBytes) {
        uint32_t code = static_cast<unsigned char>(data[i]);
        if (font->codeBytes == 2) code = code << 8 | static_cast<unsigned char>(data[i + 1]);
        auto width = font->widths.count(code) ? font->widths[code] : font->defaultWidth;
        double advance = (width / 1000.0 * fontSize + charSpacing +
                          (font->codeBytes == 1 && code == 32 ? wordSpacing : 0)) *
                         scale;
        Matrix position = multiply({1, 0, 0, 1, 0, rise}, multiply(tm, ctm));
        Matrix after = multiply({1, 0, 0, 1, advance, rise}, multiply(tm, ctm));
        PlacedGlyph glyph;
        glyph.codePoint = font->unicode.count(code) ? font->unicode[code] : 0;
        glyph.x = position[4];
        glyph.y = position[5];
        glyph.width = std::hypot(after[4] - position[4], after[5] - position[5]);
        glyph.fontSize = fontSize * std::hypot(tm[0] * ctm[0], tm[1] * ctm[1]);
        glyphs.push_back(glyph);
        tm = multiply({1, 0, 0, 1, advance, 0}, tm);
      }
    };
    auto nextLine = [&](double tx, double ty) {
      tlm = multiply({1, 0, 0, 1, tx, ty}, tlm);
      tm = tlm;
    };

    PdfContentsTokenizer tokenizer(page);
    EPdfContentsType type;
    const char* keyword = nullptr;
    PdfVariant value;
    while (tokenizer.ReadNext(type, keyword, value)) {
      if (type == ePdfContentsType_Variant) {
        operands.push_back(value);
        continue;
      }
      if (type != ePdfContentsType_Keyword) {
        operands.clear();
        continue;
      }
      std::string op = keyword;
      auto n = [&](size_t i) { return i < operands.size() ? number(operands[i]) : 0.0; };
      if (op == "q") {
        saved.push_back(ctm);
      } else if (op == "Q") {
        if (!saved.empty()) {
          ctm = saved.back();
          saved.pop_back();
        }
      } else if (op == "cm" && operands.size() == 6) {
        ctm = multiply({n(0), n(1), n(2), n(3), n(4), n(5)}, ctm);
      } else if (op == "BT") {
        tm = tlm = kIdentity;
      } else if (op == "Tf" && operands.size() == 2 && operands[0].IsName()) {
        std::string name = operands[0].GetName().GetName();
        fontSize = n(1);
        if (fonts.count(name) == 0) {
          PdfObject* dict = fontResources != nullptr && fontResources->IsDictionary()
                                ? fontResources->GetIndirectKey(PdfName(name))
                                : nullptr;
          fonts[name] = describeFont(dict);
        }
        font = &fonts[name];
      } else if (op == "Tc") {
        charSpacing = n(0);
      } else if (op == "Tw") {
        wordSpacing = n(0);
      } else if (op == "Tz") {
        scale = n(0) / 100.0;
      } else if (op == "TL") {
        leading = n(0);
      } else if (op == "Ts") {
        rise = n(0);
      } else if (op == "Td") {
        nextLine(n(0), n(1));
      } else if (op == "TD") {
        leading = -n(1);
        nextLine(n(0), n(1));
      } else if (op == "Tm" && operands.size() == 6) {
        tlm = tm = {n(0), n(1), n(2), n(3), n(4), n(5)};
      } else if (op == "T*") {
        nextLine(0, -leading);
      } else if (op == "Tj" && !operands.empty() && isText(operands.back())) {
        show(operands.back().GetString());
      } else if ((op == "'" || op == "\"") && !operands.empty() && isText(operands.back())) {
        if (op == "\"" && operands.size() == 3) {
          wordSpacing = n(0);
          charSpacing = n(1);
        }
        nextLine(0, -leading);
        show(operands.back().GetString());
      } else if (op == "TJ" && !operands.empty() && operands.back().IsArray()) {
        for (const auto& item : operands.back().GetArray()) {
          if (isText(item)) {
            show(item.GetString());
          } else if (item.IsNumber() || item.IsReal()) {
            tm = multiply({1, 0, 0, 1, -number(item) / 1000.0 * fontSize * scale, 0}, tm);
          }
        }
      }
      operands.clear();
    }
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "reading the text of " + pdf.string());
  }
  return glyphs;
}

namespace {

// The index after the glyphs spelling `word` starting at `at`, or npos.
size_t matchWord(const std::vector<PlacedGlyph>& glyphs, size_t at, const std::u32string& word) {
  if (at + word.size() > glyphs.size()) return std::string::npos;
  for (size_t k = 0; k < word.size(); ++k) {
    if (glyphs[at + k].codePoint != word[k]) return std::string::npos;
  }
  return at + word.size();
}

// The box between the end of glyph `before` and the start of glyph `after` on one line.
std::optional<PdfRect> gap(const PlacedGlyph& before, const PlacedGlyph& after) {
  double left = before.x + before.width + 1;
  double right = after.x - 1;
  if (std::fabs(before.y - after.y) > 1 || right - left < 4) return std::nullopt;
  double size = std::max(before.fontSize, 6.0);
  return PdfRect{left, before.y - size * 0.25, right - left, size * 1.15};
}

// After the glyphs ending at `end` (exclusive), skip spaces; the next glyph if it starts `next`.
std::optional<size_t> afterSpaces(const std::vector<PlacedGlyph>& glyphs, size_t end) {
  size_t k = end;
  while (k < glyphs.size() && glyphs[k].codePoint == U' ') ++k;
  if (k == end || k >= glyphs.size()) return std::nullopt;  // no blank there
  return k;
}

}  // namespace

NumberDateBlanks findNumberAndDateBlanks(const std::filesystem::path& pdf, int page) {
  auto glyphs = pageGlyphs(pdf, page);
  NumberDateBlanks blanks;
  for (size_t i = 0; i < glyphs.size(); ++i) {
    if (!blanks.number) {
      size_t end = matchWord(glyphs, i, U"Số:");
      if (end != std::string::npos) {
        auto next = afterSpaces(glyphs, end);
        if (next && glyphs[*next].codePoint == U'/')
          blanks.number = gap(glyphs[end - 1], glyphs[*next]);
      }
    }
    if (!blanks.day) {
      size_t end = matchWord(glyphs, i, U"ngày");
      if (end != std::string::npos) {
        auto next = afterSpaces(glyphs, end);
        if (next && matchWord(glyphs, *next, U"tháng") != std::string::npos) {
          blanks.day = gap(glyphs[end - 1], glyphs[*next]);
          size_t monthEnd = *next + 5;
          auto year = afterSpaces(glyphs, monthEnd);
          if (year && matchWord(glyphs, *year, U"năm") != std::string::npos) {
            blanks.month = gap(glyphs[monthEnd - 1], glyphs[*year]);
          }
        }
      }
    }
  }
  return blanks;
}

}  // namespace vanthu::signing
