#pragma once

// A base64 decoder (RFC 4648 §4) that takes its input in pieces: the text of an attachment is
// decoded from libxml2's text nodes as they lie in the tree, straight into the result, so the
// encoded text is never copied. ASCII white space anywhere is skipped (line-wrapped base64).

#include <cstddef>
#include <string>
#include <string_view>

namespace vanthu::exchange {

class Base64Decoder {
 public:
  /// Appends decoded bytes to `*out` (not owned; must outlive the decoder).
  explicit Base64Decoder(std::string* out) : out_(out) {}

  /// Decodes the next piece. False, with error() set, at the first character that cannot be
  /// there (outside the alphabet, or data after padding).
  bool feed(std::string_view text);
  /// False, with error() set, if the input stopped inside a 4-character group.
  bool finish();
  const std::string& error() const { return error_; }

  /// The number of base64 characters (white space not counted) in `text`.
  static size_t countSignificant(std::string_view text);

 private:
  std::string* out_;
  unsigned quantum_ = 0;  // bits collected so far, 6 per character
  int collected_ = 0;     // characters of the current group
  int padding_ = 0;       // '=' seen
  size_t position_ = 0;   // characters fed, for messages
  std::string error_;
};

}  // namespace vanthu::exchange
