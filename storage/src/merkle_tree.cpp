#include "vanthu/storage/merkle_tree.h"

#include <openssl/evp.h>

#include <memory>

#include "vanthu/workflow/error.h"

namespace vanthu::storage::merkle {
namespace {

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// SHA-256 over the concatenation of `parts`; one context, no copies of the inputs.
Hash digest(std::initializer_list<std::string_view> parts) {
  std::unique_ptr<EVP_MD_CTX, DigestContextDeleter> context(EVP_MD_CTX_new());
  Hash out{};
  unsigned int length = 0;
  bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1;
  for (auto part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(context.get(), out.data(), &length) == 1 && length == out.size();
  if (!ok) throw Error(ErrorCode::CryptoFailure, "SHA-256 failed");
  return out;
}

std::string_view view(const Hash& hash) {
  return {reinterpret_cast<const char*>(hash.data()), hash.size()};
}

bool isPowerOfTwo(uint64_t n) {
  return n != 0 && (n & (n - 1)) == 0;
}

unsigned log2Exact(uint64_t n) {
  unsigned level = 0;
  while ((uint64_t{1} << level) < n) ++level;
  return level;
}

void path(uint64_t m, uint64_t begin, uint64_t end, const NodeReader& read,
          std::vector<Hash>& out) {
  uint64_t n = end - begin;
  if (n <= 1) return;
  uint64_t k = splitPoint(n);
  if (m < k) {
    path(m, begin, begin + k, read, out);
    out.push_back(rangeHash(begin + k, end, read));
  } else {
    path(m - k, begin + k, end, read, out);
    out.push_back(rangeHash(begin, begin + k, read));
  }
}

void subproof(uint64_t m, uint64_t begin, uint64_t end, bool complete, const NodeReader& read,
              std::vector<Hash>& out) {
  uint64_t n = end - begin;
  if (m == n) {
    if (!complete) out.push_back(rangeHash(begin, end, read));
    return;
  }
  uint64_t k = splitPoint(n);
  if (m <= k) {
    subproof(m, begin, begin + k, complete, read, out);
    out.push_back(rangeHash(begin + k, end, read));
  } else {
    subproof(m - k, begin + k, end, false, read, out);
    out.push_back(rangeHash(begin, begin + k, read));
  }
}

// "Right-shift both fn and sn equally until either LSB(fn) is set or fn is 0."
void shiftUntilOddOrZero(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

Hash sha256(std::string_view data) {
  return digest({data});
}

Hash leafHash(std::string_view data) {
  static const char prefix = 0x00;
  return digest({std::string_view(&prefix, 1), data});
}

Hash nodeHash(const Hash& left, const Hash& right) {
  static const char prefix = 0x01;
  return digest({std::string_view(&prefix, 1), view(left), view(right)});
}

Hash emptyRootHash() {
  return sha256({});
}

std::string toHex(const Hash& hash) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(hash.size() * 2);
  for (uint8_t byte : hash) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0f]);
  }
  return out;
}

bool fromHex(std::string_view hex, Hash& out) {
  if (hex.size() != out.size() * 2) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < out.size(); ++i) {
    int high = nibble(hex[2 * i]);
    int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return true;
}

uint64_t splitPoint(uint64_t n) {
  uint64_t k = 1;
  while (k < n - k) k <<= 1;  // k < n/2 rounded up: stops at the largest power of 2 below n
  return k;
}

Hash rangeHash(uint64_t begin, uint64_t end, const NodeReader& read) {
  uint64_t n = end - begin;
  if (n == 0) throw Error(ErrorCode::Internal, "Merkle range is empty");
  // A complete aligned subtree is stored whole: one read instead of a recursion.
  if (isPowerOfTwo(n) && begin % n == 0) return read(log2Exact(n), begin / n);
  uint64_t k = splitPoint(n);
  return nodeHash(rangeHash(begin, begin + k, read), rangeHash(begin + k, end, read));
}

Hash rootHash(uint64_t size, const NodeReader& read) {
  return size == 0 ? emptyRootHash() : rangeHash(0, size, read);
}

std::vector<Hash> inclusionProof(uint64_t index, uint64_t size, const NodeReader& read) {
  if (index >= size) throw Error(ErrorCode::InvalidArgument, "leaf index outside the tree");
  std::vector<Hash> out;
  path(index, 0, size, read, out);
  return out;
}

std::vector<Hash> consistencyProof(uint64_t first, uint64_t second, const NodeReader& read) {
  if (first == 0 || first > second) {
    throw Error(ErrorCode::InvalidArgument, "consistency proof needs 0 < first <= second");
  }
  std::vector<Hash> out;
  if (first < second) subproof(first, 0, second, true, read, out);
  return out;
}

bool verifyInclusion(uint64_t leafIndex, uint64_t treeSize, const Hash& leaf,
                     const std::vector<Hash>& proof, const Hash& root) {
  // 1. leaf_index >= tree_size fails.
  if (leafIndex >= treeSize) return false;
  // 2.-3.
  uint64_t fn = leafIndex;
  uint64_t sn = treeSize - 1;
  Hash r = leaf;
  // 4.
  for (const Hash& p : proof) {
    if (sn == 0) return false;        // a.
    if ((fn & 1) == 1 || fn == sn) {  // b.
      r = nodeHash(p, r);
      if ((fn & 1) == 0) shiftUntilOddOrZero(fn, sn);
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;  // c.
    sn >>= 1;
  }
  // 5.
  return sn == 0 && r == root;
}

bool verifyConsistency(uint64_t first, uint64_t second, const Hash& firstRoot,
                       const Hash& secondRoot, const std::vector<Hash>& proof) {
  if (first == second) return proof.empty() && firstRoot == secondRoot;
  if (first == 0 || first > second) return false;
  // 1. An empty path proves nothing.
  if (proof.empty()) return false;
  // 2. A power-of-2 first tree is itself a node of the second: its root starts the path.
  std::vector<Hash> path;
  path.reserve(proof.size() + 1);
  if (isPowerOfTwo(first)) path.push_back(firstRoot);
  path.insert(path.end(), proof.begin(), proof.end());
  // 3.
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  // 4.
  if ((fn & 1) == 1) {
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
  }
  // 5.
  Hash fr = path.front();
  Hash sr = path.front();
  // 6.
  for (size_t i = 1; i < path.size(); ++i) {
    const Hash& c = path[i];
    if (sn == 0) return false;        // a.
    if ((fn & 1) == 1 || fn == sn) {  // b.
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1) == 0) shiftUntilOddOrZero(fn, sn);
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1;  // c.
    sn >>= 1;
  }
  // 7.
  return fr == firstRoot && sr == secondRoot && sn == 0;
}

void CompactRange::append(const Hash& leaf, std::vector<Node>& created) {
  Hash hash = leaf;
  unsigned level = 0;
  uint64_t index = size_;
  created.push_back({level, index, hash});
  // Equal neighbours merge, exactly as a binary counter carries.
  while (!peaks_.empty() && peaks_.back().level == level) {
    hash = nodeHash(peaks_.back().hash, hash);
    peaks_.pop_back();
    ++level;
    index >>= 1;
    created.push_back({level, index, hash});
  }
  peaks_.push_back({level, hash});
  ++size_;
}

CompactRange CompactRange::at(uint64_t size, const NodeReader& read) {
  CompactRange range;
  uint64_t before = 0;
  for (unsigned level = 64; level-- > 0;) {
    uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    range.peaks_.push_back({level, read(level, before >> level)});
    before += width;
  }
  range.size_ = size;
  return range;
}

Hash CompactRange::root() const {
  if (peaks_.empty()) return emptyRootHash();
  // The RFC splits off the largest power of two on the left, so the peaks fold right to left.
  Hash hash = peaks_.back().hash;
  for (size_t i = peaks_.size() - 1; i-- > 0;) hash = nodeHash(peaks_[i].hash, hash);
  return hash;
}

NodeReader inMemoryReader(const std::vector<Hash>& leaves) {
  const std::vector<Hash>* source = &leaves;
  return [source](unsigned level, uint64_t index) {
    uint64_t width = uint64_t{1} << level;
    uint64_t begin = index * width;
    if (begin + width > source->size()) {
      throw Error(ErrorCode::Internal, "Merkle subtree beyond the leaves");
    }
    if (level == 0) return (*source)[begin];
    // Recurse through the reader itself: the two halves are complete subtrees one level down.
    auto self = inMemoryReader(*source);
    return nodeHash(self(level - 1, index * 2), self(level - 1, index * 2 + 1));
  };
}

}  // namespace vanthu::storage::merkle
