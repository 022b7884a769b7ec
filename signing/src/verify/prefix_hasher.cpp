#include "verify/prefix_hasher.h"

#include <openssl/evp.h>

#include <algorithm>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {
namespace {

using MdPtr = std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)>;
using ContextPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

ContextPtr newContext() {
  ContextPtr context(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!context) throw Error(ErrorCode::CryptoFailure, "out of memory for a digest");
  return context;
}

void update(EVP_MD_CTX* context, const char* data, uint64_t start, uint64_t end) {
  if (end > start && EVP_DigestUpdate(context, data + start, end - start) != 1) {
    throw Error(ErrorCode::CryptoFailure, "hashing the signed bytes failed");
  }
}

std::string finish(EVP_MD_CTX* context, const EVP_MD* md, const std::string& name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  bool ok = false;
  if (EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) {
    // SHAKE: the output length CMS uses (RFC 8419: 256 bits for SHAKE128, 512 for SHAKE256).
    length = name.find("128") != std::string::npos ? 32 : 64;
    ok = EVP_DigestFinalXOF(context, digest, length) == 1;
  } else {
    ok = EVP_DigestFinal_ex(context, digest, &length) == 1;
  }
  if (!ok) throw Error(ErrorCode::CryptoFailure, "hashing the signed bytes failed");
  return std::string(reinterpret_cast<char*>(digest), length);
}

}  // namespace

struct PrefixHasher::Snapshots {
  MdPtr md{nullptr, &EVP_MD_free};
  std::map<uint64_t, ContextPtr> atCut;  ///< the digest state of [0, cut)
};

PrefixHasher::PrefixHasher(const char* data, uint64_t size, std::vector<uint64_t> cuts)
    : data_(data), size_(size), cuts_(std::move(cuts)) {
  cuts_.push_back(size_);
  std::sort(cuts_.begin(), cuts_.end());
  cuts_.erase(std::unique(cuts_.begin(), cuts_.end()), cuts_.end());
  cuts_.erase(std::remove_if(cuts_.begin(), cuts_.end(), [&](uint64_t cut) { return cut > size_; }),
              cuts_.end());
}

PrefixHasher::~PrefixHasher() = default;

std::string PrefixHasher::digest(const std::string& name, const ByteRanges& ranges) {
  auto& snapshots = byDigest_[name];
  if (!snapshots) {
    auto fresh = std::make_unique<Snapshots>();
    fresh->md.reset(EVP_MD_fetch(nullptr, name.c_str(), nullptr));
    if (!fresh->md) throw Error(ErrorCode::InvalidArgument, "unsupported digest algorithm " + name);
    // One pass over the file, keeping a copy of the state at every cut.
    ContextPtr running = newContext();
    if (EVP_DigestInit_ex(running.get(), fresh->md.get(), nullptr) != 1) {
      throw Error(ErrorCode::CryptoFailure, "cannot start a " + name + " digest");
    }
    uint64_t position = 0;
    for (uint64_t cut : cuts_) {
      update(running.get(), data_, position, cut);
      position = cut;
      ContextPtr copy = newContext();
      if (EVP_MD_CTX_copy_ex(copy.get(), running.get()) != 1) {
        throw Error(ErrorCode::CryptoFailure, "cannot copy a digest state");
      }
      fresh->atCut.emplace(cut, std::move(copy));
    }
    snapshots = std::move(fresh);
  }
  ContextPtr context = newContext();
  size_t next = 0;
  auto found = ranges.empty() || ranges[0].first != 0 ? snapshots->atCut.end()
                                                      : snapshots->atCut.find(ranges[0].second);
  if (found != snapshots->atCut.end()) {
    if (EVP_MD_CTX_copy_ex(context.get(), found->second.get()) != 1) {
      throw Error(ErrorCode::CryptoFailure, "cannot copy a digest state");
    }
    next = 1;
  } else if (EVP_DigestInit_ex(context.get(), snapshots->md.get(), nullptr) != 1) {
    throw Error(ErrorCode::CryptoFailure, "cannot start a " + name + " digest");
  }
  for (; next < ranges.size(); ++next) {
    update(context.get(), data_, ranges[next].first, std::min(ranges[next].second, size_));
  }
  return finish(context.get(), snapshots->md.get(), name);
}

}  // namespace vanthu::signing::detail
