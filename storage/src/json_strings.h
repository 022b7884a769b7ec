#pragma once

// A list of strings kept in one text column as a JSON array (["a","b"]), without a JSON library:
// the storage module links none.

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace vanthu::storage::sql {

inline std::string jsonStringArray(const std::vector<std::string>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ",";
    out += '"';
    for (unsigned char c : values[i]) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        out += escaped;
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  }
  return out + "]";
}

/// What jsonStringArray() wrote; nullopt for anything else.
inline std::optional<std::vector<std::string>> parseJsonStringArray(const std::string& text) {
  std::vector<std::string> values;
  size_t i = 0;
  auto skipSpace = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n' || text[i] == '\t')) ++i;
  };
  skipSpace();
  if (i >= text.size() || text[i] != '[') return std::nullopt;
  ++i;
  skipSpace();
  if (i < text.size() && text[i] == ']') return values;
  while (true) {
    skipSpace();
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    ++i;
    std::string value;
    while (i < text.size() && text[i] != '"') {
      if (text[i] == '\\') {
        if (i + 1 >= text.size()) return std::nullopt;
        char next = text[i + 1];
        if (next == 'u') {
          if (i + 5 >= text.size()) return std::nullopt;
          try {
            value += static_cast<char>(std::stoi(text.substr(i + 2, 4), nullptr, 16));
          } catch (const std::exception&) {
            return std::nullopt;
          }
          i += 6;
          continue;
        }
        value += next;
        i += 2;
        continue;
      }
      value += text[i++];
    }
    if (i >= text.size()) return std::nullopt;
    ++i;
    values.push_back(std::move(value));
    skipSpace();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == ']') return values;
    return std::nullopt;
  }
}

}  // namespace vanthu::storage::sql
