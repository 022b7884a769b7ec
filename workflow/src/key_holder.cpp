#include "vanthu/workflow/key_holder.h"

#include <cstdint>

namespace vanthu::workflow {
namespace {

// One UTF-8 code point from `text` at `i` (advanced past it); -1 for a byte that does not start
// a valid sequence (advanced past that byte only).
int64_t nextCodePoint(std::string_view text, size_t& i) {
  const auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char first = byte(i);
  size_t length = first < 0x80 ? 1 : (first >> 5) == 0x6 ? 2 : (first >> 4) == 0xE ? 3 : 0;
  if (length == 0 || i + length > text.size()) {
    ++i;
    return -1;
  }
  uint32_t point = length == 1 ? first : length == 2 ? (first & 0x1F) : (first & 0x0F);
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return -1;
    }
    point = (point << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  return point;
}

void appendUtf8(std::string& out, uint32_t point) {
  if (point < 0x80) {
    out += static_cast<char>(point);
  } else if (point < 0x800) {
    out += static_cast<char>(0xC0 | (point >> 6));
    out += static_cast<char>(0x80 | (point & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (point >> 12));
    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (point & 0x3F));
  }
}

uint32_t lower(uint32_t point) {
  if (point >= 'A' && point <= 'Z') return point + 0x20;
  if (point >= 0xC0 && point <= 0xDE && point != 0xD7) return point + 0x20;  // À..Þ but ×
  // Ă Đ Ĩ Ũ Ơ Ư: upper case at the even (Latin Extended-A) or given code point.
  if (point == 0x102 || point == 0x110 || point == 0x128 || point == 0x168) return point + 1;
  if (point == 0x1A0 || point == 0x1AF) return point + 1;
  // Latin Extended Additional's Vietnamese block: upper case even, lower case odd.
  if (point >= 0x1EA0 && point <= 0x1EF9 && point % 2 == 0) return point + 1;
  return point;
}

bool isSpace(uint32_t point) {
  return point == ' ' || point == '\t' || point == '\n' || point == '\r' || point == 0xA0;
}

}  // namespace

std::string foldName(std::string_view text) {
  std::string out;
  bool pendingSpace = false;
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    const int64_t next = nextCodePoint(text, i);
    if (next < 0) {  // not UTF-8: kept as it is
      if (pendingSpace) out += ' ';
      pendingSpace = false;
      out += text[at];
      continue;
    }
    const auto point = static_cast<uint32_t>(next);
    if (isSpace(point)) {
      pendingSpace = !out.empty();
      continue;
    }
    if (pendingSpace) out += ' ';
    pendingSpace = false;
    appendUtf8(out, lower(point));
  }
  return out;
}

bool sameName(std::string_view a, std::string_view b) {
  return foldName(a) == foldName(b);
}

std::optional<std::string> personMismatch(const CertificateHolder& holder,
                                          std::string_view fullName) {
  if (!holder.commonName.empty() && sameName(holder.commonName, fullName)) return std::nullopt;
  return "the certificate names " +
         (holder.commonName.empty() ? std::string("no one (it has no CN)")
                                    : "\"" + holder.commonName + "\"") +
         ", not \"" + std::string(fullName) + "\"";
}

std::optional<std::string> organisationMismatch(const CertificateHolder& holder,
                                                std::string_view name, std::string_view code) {
  if (!holder.uid.empty() && holder.uid == code) return std::nullopt;
  if (!holder.commonName.empty() && sameName(holder.commonName, name)) return std::nullopt;
  return "the certificate names \"" +
         (holder.commonName.empty() ? holder.organisation : holder.commonName) + "\"" +
         (holder.uid.empty() ? std::string() : " (" + holder.uid + ")") + ", not \"" +
         std::string(name) + "\" (" + std::string(code) + ")";
}

}  // namespace vanthu::workflow
