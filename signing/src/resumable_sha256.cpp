// The low-level SHA256_CTX is deprecated in OpenSSL 3.0 in favour of EVP, but EVP contexts cannot
// be serialised and this one must be. The state is copied in and out of the struct field by
// field, so nothing depends on its layout beyond the documented members.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "vanthu/signing/resumable_sha256.h"

#include <openssl/sha.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

constexpr const char* kMagic = "sha256-state/1";

}  // namespace

ResumableSha256::ResumableSha256() {
  SHA256_CTX context;
  SHA256_Init(&context);
  std::memcpy(h_, context.h, sizeof h_);
  nl_ = context.Nl;
  nh_ = context.Nh;
  std::memset(data_, 0, sizeof data_);
  num_ = context.num;
}

void ResumableSha256::update(const void* data, size_t size) {
  SHA256_CTX context;
  std::memset(&context, 0, sizeof context);
  std::memcpy(context.h, h_, sizeof h_);
  context.Nl = nl_;
  context.Nh = nh_;
  std::memcpy(context.data, data_, sizeof data_);
  context.num = num_;
  context.md_len = SHA256_DIGEST_LENGTH;
  SHA256_Update(&context, data, size);
  std::memcpy(h_, context.h, sizeof h_);
  nl_ = context.Nl;
  nh_ = context.Nh;
  std::memcpy(data_, context.data, sizeof data_);
  num_ = context.num;
}

uint64_t ResumableSha256::length() const {
  return ((static_cast<uint64_t>(nh_) << 32) | nl_) / 8;
}

std::string ResumableSha256::digest() const {
  SHA256_CTX context;
  std::memset(&context, 0, sizeof context);
  std::memcpy(context.h, h_, sizeof h_);
  context.Nl = nl_;
  context.Nh = nh_;
  std::memcpy(context.data, data_, sizeof data_);
  context.num = num_;
  context.md_len = SHA256_DIGEST_LENGTH;
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256_Final(out, &context);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

std::string ResumableSha256::save() const {
  std::ostringstream out;
  out << kMagic;
  char word[12];
  for (uint32_t value : h_) {
    std::snprintf(word, sizeof word, " %08x", value);
    out << word;
  }
  std::snprintf(word, sizeof word, " %08x", nl_);
  out << word;
  std::snprintf(word, sizeof word, " %08x", nh_);
  out << word;
  for (uint32_t value : data_) {
    std::snprintf(word, sizeof word, " %08x", value);
    out << word;
  }
  out << " " << num_;
  return out.str();
}

ResumableSha256 ResumableSha256::restore(const std::string& saved) {
  std::istringstream in(saved);
  std::string magic;
  in >> magic;
  ResumableSha256 state;
  auto word = [&](uint32_t& into) {
    std::string text;
    in >> text;
    if (text.size() != 8 || text.find_first_not_of("0123456789abcdef") != std::string::npos) {
      throw Error(ErrorCode::InvalidArgument, "not a saved SHA-256 state");
    }
    into = static_cast<uint32_t>(std::stoul(text, nullptr, 16));
  };
  if (magic != kMagic) throw Error(ErrorCode::InvalidArgument, "not a saved SHA-256 state");
  for (auto& value : state.h_) word(value);
  word(state.nl_);
  word(state.nh_);
  for (auto& value : state.data_) word(value);
  in >> state.num_;
  if (in.fail() || state.num_ >= 64 || (state.nl_ / 8) % 64 != state.num_) {
    throw Error(ErrorCode::InvalidArgument, "not a saved SHA-256 state");
  }
  return state;
}

ResumableSha256 ResumableSha256::ofFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + file.string());
  ResumableSha256 state;
  std::vector<char> buffer(1 << 20);
  while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
    state.update(buffer.data(), static_cast<size_t>(in.gcount()));
  }
  return state;
}

}  // namespace vanthu::signing
