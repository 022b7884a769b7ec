#include "base64_decoder.h"

#include <array>

namespace vanthu::exchange {
namespace {

constexpr int kSkip = -2;
constexpr int kInvalid = -1;
constexpr int kPad = 64;

constexpr std::array<int, 256> makeTable() {
  std::array<int, 256> table{};
  for (auto& v : table) v = kInvalid;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  table[static_cast<unsigned char>('=')] = kPad;
  for (char c : {' ', '\t', '\r', '\n'}) table[static_cast<unsigned char>(c)] = kSkip;
  return table;
}

constexpr std::array<int, 256> kTable = makeTable();

}  // namespace

size_t Base64Decoder::countSignificant(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += kTable[static_cast<unsigned char>(c)] != kSkip ? 1 : 0;
  return count;
}

bool Base64Decoder::feed(std::string_view text) {
  for (char c : text) {
    ++position_;
    int value = kTable[static_cast<unsigned char>(c)];
    if (value == kSkip) continue;
    if (value == kInvalid) {
      error_ = "character " + std::to_string(position_) + " is not base64";
      return false;
    }
    if (value == kPad) {
      // Padding only completes the third or fourth character of a group.
      if (collected_ < 2) {
        error_ = "padding at character " + std::to_string(position_) + " inside a group";
        return false;
      }
      ++padding_;
      ++collected_;
    } else {
      if (padding_ > 0) {
        error_ = "data after padding at character " + std::to_string(position_);
        return false;
      }
      quantum_ = (quantum_ << 6) | static_cast<unsigned>(value);
      ++collected_;
    }
    if (collected_ == 4) {
      quantum_ <<= 6 * padding_;
      out_->push_back(static_cast<char>((quantum_ >> 16) & 0xff));
      if (padding_ < 2) out_->push_back(static_cast<char>((quantum_ >> 8) & 0xff));
      if (padding_ < 1) out_->push_back(static_cast<char>(quantum_ & 0xff));
      quantum_ = 0;
      collected_ = 0;
      // After a padded group nothing but white space may follow: keep padding_ set.
      if (padding_ > 0) padding_ = 4;
    }
  }
  return true;
}

bool Base64Decoder::finish() {
  if (collected_ != 0) {
    error_ = "the text ends inside a 4-character group";
    return false;
  }
  return true;
}

}  // namespace vanthu::exchange
