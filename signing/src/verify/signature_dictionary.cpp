#include "verify/signature_dictionary.h"

#include <cctype>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {
namespace {

constexpr size_t kMaxNesting = 64;

bool isWhite(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool isDelimiter(char c) {
  return c == '(' || c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' ||
         c == '}' || c == '/' || c == '%';
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  Scanner(std::string_view file, uint64_t offset) : file_(file), at_(offset) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(ErrorCode::InvalidPdf,
                "signature dictionary at offset " + std::to_string(start_) + ": " + what);
  }

  SignatureDictionaryScan run() {
    start_ = at_;
    // "N G obj"
    for (int part = 0; part < 2; ++part) {
      skipWhite();
      if (!readInteger()) fail("no object header");
    }
    skipWhite();
    if (file_.substr(at_, 3) != "obj") fail("no 'obj' keyword");
    at_ += 3;
    skipWhite();
    if (file_.substr(at_, 2) != "<<") fail("the object is not a dictionary");
    at_ += 2;
    SignatureDictionaryScan scan;
    bool byteRangeSeen = false;
    while (true) {
      skipWhite();
      if (at_ >= file_.size()) fail("the dictionary is cut off");
      if (file_.substr(at_, 2) == ">>") break;
      if (file_[at_] != '/') fail("a key is not a name");
      std::string key = readName();
      skipWhite();
      if (key == "ByteRange") {
        if (byteRangeSeen) fail("/ByteRange appears twice");
        byteRangeSeen = true;
        readByteRange(scan);
      } else if (key == "Contents") {
        if (scan.contentsFound || contentsSeen_) fail("/Contents appears twice");
        contentsSeen_ = true;
        if (at_ < file_.size() && file_[at_] == '<' && file_.substr(at_, 2) != "<<") {
          readHexContents(scan);
        } else {
          skipValue(0);
        }
      } else {
        skipValue(0);
      }
    }
    return scan;
  }

 private:
  void skipWhite() {
    while (at_ < file_.size()) {
      if (isWhite(file_[at_])) {
        ++at_;
      } else if (file_[at_] == '%') {
        while (at_ < file_.size() && file_[at_] != '\n' && file_[at_] != '\r') ++at_;
      } else {
        break;
      }
    }
  }

  bool readInteger(int64_t* value = nullptr) {
    size_t begin = at_;
    bool negative = false;
    if (at_ < file_.size() && (file_[at_] == '+' || file_[at_] == '-')) {
      negative = file_[at_] == '-';
      ++at_;
    }
    int64_t result = 0;
    size_t digits = 0;
    while (at_ < file_.size() && std::isdigit(static_cast<unsigned char>(file_[at_]))) {
      if (++digits > 18) fail("a number is too long");
      result = result * 10 + (file_[at_] - '0');
      ++at_;
    }
    if (digits == 0 || (at_ < file_.size() && file_[at_] == '.')) {
      at_ = begin;
      return false;
    }
    if (value != nullptr) *value = negative ? -result : result;
    return true;
  }

  std::string readName() {
    ++at_;  // '/'
    std::string name;
    while (at_ < file_.size() && !isWhite(file_[at_]) && !isDelimiter(file_[at_])) {
      if (file_[at_] == '#' && at_ + 2 < file_.size() && hexValue(file_[at_ + 1]) >= 0 &&
          hexValue(file_[at_ + 2]) >= 0) {
        name += static_cast<char>(hexValue(file_[at_ + 1]) * 16 + hexValue(file_[at_ + 2]));
        at_ += 3;
      } else {
        name += file_[at_++];
      }
    }
    return name;
  }

  void readByteRange(SignatureDictionaryScan& scan) {
    if (at_ >= file_.size() || file_[at_] != '[') {
      skipValue(0);  // not an array: reported as a malformed /ByteRange by the caller
      return;
    }
    ++at_;
    while (true) {
      skipWhite();
      if (at_ >= file_.size()) fail("/ByteRange is cut off");
      if (file_[at_] == ']') {
        ++at_;
        return;
      }
      int64_t value = 0;
      if (!readInteger(&value)) {
        // Not an integer (a reference, a real, a name): the range cannot be trusted.
        scan.byteRange.assign(5, -1);
        skipValue(0);
        continue;
      }
      if (scan.byteRange.size() < 16) scan.byteRange.push_back(value);
    }
  }

  void readHexContents(SignatureDictionaryScan& scan) {
    scan.contentsStart = at_;
    ++at_;
    std::string decoded;
    int pending = -1;
    while (true) {
      if (at_ >= file_.size()) fail("/Contents is cut off");
      char c = file_[at_++];
      if (c == '>') break;
      if (isWhite(c)) continue;
      int value = hexValue(c);
      if (value < 0) fail("/Contents holds a character that is not hexadecimal");
      if (pending < 0) {
        pending = value;
      } else {
        decoded += static_cast<char>(pending * 16 + value);
        pending = -1;
      }
    }
    if (pending >= 0) decoded += static_cast<char>(pending * 16);
    scan.contentsEnd = at_;
    scan.contentsFound = true;
    // Keep the DER structure, drop the placeholder's zero padding.
    size_t total = derLength(decoded);
    if (total == 0 || total > decoded.size()) {
      // BER with indefinite lengths (common from Java and Adobe producers) ends with zero
      // end-of-contents octets that look like padding: hand over everything, the CMS decoder
      // stops where the structure ends.
      scan.contents = decoded;
      return;
    }
    scan.contents = decoded.substr(0, total);
    for (size_t i = total; i < decoded.size(); ++i) {
      if (decoded[i] != '\0') {
        scan.nonZeroPadding = true;
        break;
      }
    }
  }

  // The length of the DER TLV at the start of `der` (definite lengths only), 0 if unreadable.
  static size_t derLength(const std::string& der) {
    if (der.size() < 2) return 0;
    auto first = static_cast<unsigned char>(der[1]);
    if (first < 0x80) return 2 + first;
    size_t count = first & 0x7f;
    if (count == 0 || count > 4 || der.size() < 2 + count) return 0;
    size_t length = 0;
    for (size_t i = 0; i < count; ++i)
      length = (length << 8) | static_cast<unsigned char>(der[2 + i]);
    return 2 + count + length;
  }

  void skipValue(size_t depth) {
    if (depth > kMaxNesting) fail("values nest too deeply");
    skipWhite();
    if (at_ >= file_.size()) fail("a value is cut off");
    char c = file_[at_];
    if (c == '/') {
      readName();
    } else if (c == '(') {
      skipLiteralString();
    } else if (c == '<' && file_.substr(at_, 2) == "<<") {
      at_ += 2;
      while (true) {
        skipWhite();
        if (at_ >= file_.size()) fail("a dictionary is cut off");
        if (file_.substr(at_, 2) == ">>") {
          at_ += 2;
          return;
        }
        skipValue(depth + 1);
      }
    } else if (c == '<') {
      size_t end = file_.find('>', at_);
      if (end == std::string_view::npos) fail("a hex string is cut off");
      at_ = end + 1;
    } else if (c == '[') {
      ++at_;
      while (true) {
        skipWhite();
        if (at_ >= file_.size()) fail("an array is cut off");
        if (file_[at_] == ']') {
          ++at_;
          return;
        }
        skipValue(depth + 1);
      }
    } else if (c == ']' || c == '>' || c == ')' || c == '{' || c == '}') {
      fail(std::string("unexpected '") + c + "'");
    } else {
      // A number or a keyword (true, false, null); "n g R" is one value.
      size_t begin = at_;
      while (at_ < file_.size() && !isWhite(file_[at_]) && !isDelimiter(file_[at_])) ++at_;
      if (at_ == begin) fail("an empty token");
      size_t afterNumber = at_;
      skipWhite();
      if (readInteger()) {
        skipWhite();
        if (at_ < file_.size() && file_[at_] == 'R' &&
            (at_ + 1 >= file_.size() || isWhite(file_[at_ + 1]) || isDelimiter(file_[at_ + 1]))) {
          ++at_;
          return;
        }
      }
      at_ = afterNumber;
    }
  }

  void skipLiteralString() {
    int depth = 0;
    while (at_ < file_.size()) {
      char c = file_[at_++];
      if (c == '\\') {
        ++at_;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (--depth == 0) return;
      }
    }
    fail("a string is cut off");
  }

  std::string_view file_;
  uint64_t at_;
  uint64_t start_ = 0;
  bool contentsSeen_ = false;
};

}  // namespace

SignatureDictionaryScan scanSignatureDictionary(std::string_view file, uint64_t objectOffset) {
  if (objectOffset >= file.size()) {
    throw Error(ErrorCode::InvalidPdf, "the signature dictionary's offset " +
                                           std::to_string(objectOffset) + " is beyond the file");
  }
  return Scanner(file, objectOffset).run();
}

}  // namespace vanthu::signing::detail
