#include "vanthu/signing/signature_appearance.h"

#include <openssl/rand.h>
#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <cmath>
#include <ctime>
#include <map>

#include "appearance_builder.h"
#include "podofo_support.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

using namespace PoDoFo;

std::vector<char32_t> codePoints(const std::string& utf8) {
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(utf8);
  std::vector<char32_t> points;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    points.push_back(static_cast<char32_t>(text.char32At(i)));
  }
  return points;
}

std::string hexCodePoint(char32_t cp) {
  char text[16];
  std::snprintf(text, sizeof text, "U+%04X", static_cast<unsigned>(cp));
  return text;
}

PdfString pdfText(const std::string& utf8) {
  return PdfString(reinterpret_cast<const pdf_utf8*>(utf8.c_str()));
}

class Fonts {
 public:
  Fonts(PdfMemDocument& doc, const std::filesystem::path& directory) {
    load(doc, directory / "LiberationSerif-Regular.ttf", false, regular_);
    load(doc, directory / "LiberationSerif-Bold.ttf", true, bold_);
  }

  PdfFont* get(bool bold, double size) const {
    PdfFont* font = bold ? bold_ : regular_;
    font->SetFontSize(static_cast<float>(size));
    return font;
  }

  void checkCoverage(const std::string& text) const {
    for (PdfFont* font : {regular_, bold_}) {
      const PdfFontMetrics* metrics = font->GetFontMetrics();
      for (char32_t cp : codePoints(text)) {
        bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
        if (control || cp > 0xFFFF || metrics->GetGlyphId(static_cast<long>(cp)) <= 0) {
          throw Error(ErrorCode::InvalidArgument,
                      "character " + hexCodePoint(cp) + " in \"" + text +
                          "\" has no glyph in Liberation Serif; the signature cannot show it");
        }
      }
    }
  }

  double width(bool bold, double size, const std::string& text) const {
    const PdfFontMetrics* metrics = get(bold, size)->GetFontMetrics();
    double total = 0;
    for (char32_t cp : codePoints(text)) {
      total += metrics->UnicodeCharWidth(static_cast<unsigned short>(cp));
    }
    return total;
  }

 private:
  static void load(PdfMemDocument& doc, const std::filesystem::path& file, bool bold,
                   PdfFont*& out) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(file, error)) {
      throw Error(ErrorCode::IoFailure, "font " + file.string() +
                                            " not found: install fonts-liberation2 (Liberation "
                                            "Serif 2 has the Vietnamese glyphs)");
    }
    out = doc.CreateFontSubset("LiberationSerif", bold, false, false,
                               new PdfIdentityEncoding(0, 0xffff, true), file.c_str());
    if (out == nullptr) throw Error(ErrorCode::IoFailure, "cannot load the font " + file.string());
  }

  PdfFont* regular_ = nullptr;
  PdfFont* bold_ = nullptr;
};

struct Line {
  std::string text;
  bool bold = false;
  double size = 10;
};

// Greedy word wrap by font metrics; a single word wider than the box shrinks instead.
std::vector<Line> wrap(const Fonts& fonts, const Line& line, double width) {
  std::vector<Line> lines;
  std::string current;
  size_t start = 0;
  while (start <= line.text.size()) {
    size_t end = line.text.find(' ', start);
    if (end == std::string::npos) end = line.text.size();
    std::string word = line.text.substr(start, end - start);
    std::string candidate = current.empty() ? word : current + " " + word;
    if (!current.empty() && fonts.width(line.bold, line.size, candidate) > width) {
      lines.push_back({current, line.bold, line.size});
      current = word;
    } else {
      current = candidate;
    }
    start = end + 1;
  }
  if (!current.empty()) lines.push_back({current, line.bold, line.size});
  for (auto& wrapped : lines) {
    double w = fonts.width(wrapped.bold, wrapped.size, wrapped.text);
    if (w > width) wrapped.size = wrapped.size * width / w;
  }
  return lines;
}

void drawLine(PdfPainter& painter, const Fonts& fonts, const Line& line, double x, double y,
              double boxWidth, bool centred, bool right = false) {
  painter.SetFont(fonts.get(line.bold, line.size));
  double w = fonts.width(line.bold, line.size, line.text);
  double left = centred ? x + (boxWidth - w) / 2 : right ? x + boxWidth - w : x;
  painter.DrawText(left, y, pdfText(line.text));
}

// Loaded before any painting starts: PoDoFo leaks an open content stream when an exception
// leaves a painter half-way, so everything that can fail happens first.
std::unique_ptr<PdfImage> loadImage(PdfMemDocument& doc, const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) {
    throw Error(ErrorCode::IoFailure, "signature image " + file.string() + " not found");
  }
  auto image = std::make_unique<PdfImage>(&doc);
  image->LoadFromPng(file.c_str());
  return image;
}

void drawImageFitted(PdfPainter& painter, PdfImage& image, double x, double y, double width,
                     double height) {
  double scale = std::min(width / image.GetWidth(), height / image.GetHeight());
  double w = image.GetWidth() * scale;
  double h = image.GetHeight() * scale;
  painter.DrawImage(x + (width - w) / 2, y + (height - h) / 2, &image, scale, scale);
}

}  // namespace

std::string normalizeNfc(const std::string& utf8) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  u_strFromUTF8(nullptr, 0, &length, utf8.data(), static_cast<int32_t>(utf8.size()), &status);
  if (status == U_INVALID_CHAR_FOUND || status == U_ILLEGAL_CHAR_FOUND) {
    throw Error(ErrorCode::InvalidArgument, "text is not valid UTF-8");
  }
  status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) throw Error(ErrorCode::Internal, "ICU has no NFC normaliser");
  icu::UnicodeString normalised = nfc->normalize(icu::UnicodeString::fromUTF8(utf8), status);
  if (U_FAILURE(status)) throw Error(ErrorCode::InvalidArgument, "text cannot be normalised");
  std::string out;
  normalised.toUTF8String(out);
  return out;
}

std::string upperCaseVietnamese(const std::string& utf8) {
  std::string nfc = normalizeNfc(utf8);
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(nfc);
  text.toUpper(icu::Locale("vi"));
  std::string out;
  text.toUTF8String(out);
  return normalizeNfc(out);
}

std::string appearanceTime(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when) + 7 * 3600;
  std::tm local{};
  gmtime_r(&t, &local);
  char text[40];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S+07:00", &local);
  return text;
}

std::vector<std::string> appearanceText(const SignatureAppearance& appearance,
                                        const std::string& isoTime) {
  std::vector<std::string> lines;
  for (const auto& heading : appearance.headingLines) lines.push_back(normalizeNfc(heading));
  if (!appearance.name.empty()) lines.push_back(normalizeNfc(appearance.name));
  if (appearance.showTime) lines.push_back(isoTime);
  return lines;
}

namespace detail {

PdfObject* buildAppearance(PdfMemDocument& doc, const SignatureAppearance& appearance, double width,
                           double height, const std::string& isoTime) {
  if (width < 20 || height < 10) {
    throw Error(ErrorCode::InvalidArgument, "the signature box is too small to show anything");
  }
  Fonts fonts(doc, appearance.fontDirectory);
  const double size = appearance.fontSize;
  const double leading = size * 1.25;
  std::vector<std::string> headings;
  for (const auto& heading : appearance.headingLines) headings.push_back(normalizeNfc(heading));
  std::string name = normalizeNfc(appearance.name);
  for (const auto& text : headings) fonts.checkCoverage(text);
  fonts.checkCoverage(name);

  if (appearance.kind == AppearanceKind::Unknown) {
    throw Error(ErrorCode::InvalidArgument, "the appearance kind is not set");
  }
  std::unique_ptr<PdfImage> image;
  if (!appearance.image.empty() && appearance.kind != AppearanceKind::Attachment) {
    image = loadImage(doc, appearance.image);
  }
  // The organisation's layout, checked before drawing starts.
  const double seal = appearance.sealDiameter;
  const double small = size * 0.75;
  const double smallLeading = small * 1.25;
  const bool textRight = width >= seal + 60;
  const double textX = textRight ? seal + 4 : 0;
  const double textWidth = textRight ? width - textX : width;
  std::vector<Line> sealLines;
  if (appearance.kind == AppearanceKind::Organisation) {
    for (const auto& heading : headings) {
      for (auto& l : wrap(fonts, {heading, false, small}, textWidth)) sealLines.push_back(l);
    }
    for (auto& l : wrap(fonts, {name, true, small}, textWidth)) sealLines.push_back(l);
    if (appearance.showTime) sealLines.push_back({isoTime, false, small * 0.95});
    const double textHeight = static_cast<double>(sealLines.size()) * smallLeading;
    if (height + 0.01 < seal || width + 0.01 < seal ||
        (!textRight && height + 0.01 < seal + textHeight)) {
      throw Error(ErrorCode::InvalidArgument,
                  "an organisation signature box must hold the seal at its actual size (" +
                      std::to_string(static_cast<int>(std::ceil(seal))) +
                      " points) and its text beside or under it");
    }
  }

  PdfXObject xobject(PoDoFo::PdfRect(0, 0, width, height), &doc);
  PdfPainter painter;
  painter.SetPage(&xobject);
  painter.SetColor(0, 0, 0);
  switch (appearance.kind) {
    case AppearanceKind::Signer: {
      // Position above, name and time below, the blue signature between them.
      double top = height;
      for (const auto& heading : headings) {
        for (const auto& line : wrap(fonts, {heading, true, size}, width)) {
          top -= leading;
          drawLine(painter, fonts, line, 0, top + size * 0.25, width, true);
        }
      }
      double bottom = 0;
      if (appearance.showTime) {
        drawLine(painter, fonts, {isoTime, false, size * 0.8}, 0, bottom + size * 0.2, width, true);
        bottom += leading * 0.85;
      }
      if (!name.empty()) {
        for (const auto& line : wrap(fonts, {name, true, size}, width)) {
          drawLine(painter, fonts, line, 0, bottom + size * 0.25, width, true);
          bottom += leading;
        }
      }
      if (image && top - bottom > 4)
        drawImageFitted(painter, *image, 0, bottom, width, top - bottom);
      break;
    }
    case AppearanceKind::Organisation: {
      // The seal at its actual size (placed by the caller over the left third of the signer's
      // image); the organisation's name and the time in small type beside it when the box is
      // wide enough, else under it.
      const double textHeight = static_cast<double>(sealLines.size()) * smallLeading;
      const double sealY = height - seal;
      if (image) drawImageFitted(painter, *image, 0, sealY, seal, seal);
      double y = textRight ? sealY + seal / 2 + textHeight / 2 : sealY;
      for (const auto& line : sealLines) {
        y -= smallLeading;
        drawLine(painter, fonts, line, textX, y + small * 0.3, textWidth, !textRight);
      }
      break;
    }
    case AppearanceKind::Attachment: {
      // No image; Times-compatible, upright, black, right-aligned at the top right.
      std::vector<Line> lines;
      for (const auto& heading : headings) lines.push_back({heading, false, size});
      if (!name.empty()) lines.push_back({name, false, size});
      if (appearance.showTime) lines.push_back({isoTime, false, size});
      double y = height;
      for (const auto& line : lines) {
        y -= leading;
        drawLine(painter, fonts, line, 0, y + size * 0.25, width, false, true);
      }
      break;
    }
    case AppearanceKind::Unknown:
      break;  // refused above
  }
  painter.FinishPage();
  return xobject.GetObject();
}

std::vector<PdfObject*> buildTextFieldAppearances(PdfMemDocument& doc,
                                                  const std::vector<TextFieldLook>& fields,
                                                  double fontSize,
                                                  const std::filesystem::path& fontDirectory) {
  // One font set for all fields: PoDoFo's font cache would drop (and leak) the encoding of every
  // further request for the same face.
  Fonts fonts(doc, fontDirectory);
  std::vector<std::string> values;
  for (const auto& field : fields) {
    values.push_back(normalizeNfc(field.text));
    fonts.checkCoverage(values.back());
  }
  std::vector<PdfObject*> looks;
  for (size_t i = 0; i < fields.size(); ++i) {
    const auto& field = fields[i];
    double size = fontSize;
    double textWidth = fonts.width(false, size, values[i]);
    if (textWidth > field.width - 2 && textWidth > 0) {
      size = size * (field.width - 2) / textWidth;
      textWidth = fonts.width(false, size, values[i]);
    }
    PdfXObject xobject(PoDoFo::PdfRect(0, 0, field.width, field.height), &doc);
    PdfPainter painter;
    painter.SetPage(&xobject);
    painter.GetCanvas()->Append("/Tx BMC\n");
    painter.SetColor(0, 0, 0);
    painter.SetFont(fonts.get(false, size));
    painter.DrawText((field.width - textWidth) / 2, (field.height - size * 0.7) / 2,
                     pdfText(values[i]));
    painter.GetCanvas()->Append("EMC\n");
    painter.FinishPage();
    looks.push_back(xobject.GetObject());
  }
  return looks;
}

void randomiseSubsetTags(PdfMemDocument& doc, const std::set<PdfReference>& created) {
  std::map<std::string, std::string> tags;  // PoDoFo's tag -> ours
  auto retag = [&](PdfObject* object, const char* key) {
    PdfObject* value = object->GetDictionary().GetKey(PdfName(key));
    if (value == nullptr || !value->IsName()) return;
    std::string name = value->GetName().GetName();
    if (name.size() < 8 || name[6] != '+') return;
    std::string old = name.substr(0, 6);
    for (char c : old) {
      if (c < 'A' || c > 'Z') return;
    }
    auto found = tags.find(old);
    if (found == tags.end()) {
      unsigned char random[6];
      if (RAND_bytes(random, sizeof random) != 1) {
        throw Error(ErrorCode::CryptoFailure, "the random number generator failed");
      }
      std::string tag;
      for (unsigned char r : random) tag += static_cast<char>('A' + r % 26);
      found = tags.emplace(old, tag).first;
    }
    object->GetDictionary().AddKey(PdfName(key), PdfName(found->second + name.substr(6)));
  };
  for (const auto& reference : created) {
    PdfObject* object = doc.GetObjects().GetObject(reference);
    if (object == nullptr || !object->IsDictionary()) continue;
    retag(object, "BaseFont");
    retag(object, "FontName");
  }
}

}  // namespace detail
}  // namespace vanthu::signing
