#pragma once

// The Merkle tree of RFC 9162 §2.1 (the same as RFC 6962 §2.1), over SHA-256:
//   MTH({})      = SHA-256()
//   MTH({d0})    = SHA-256(0x00 || d0)                       leaf hash
//   MTH(D[n])    = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = largest power of 2 < n
//
// Proof generation works on "complete subtrees": the subtree at (level, index) covers the leaves
// index*2^level .. (index+1)*2^level - 1 and never changes once all its leaves exist. A store that
// keeps those hashes can answer any MTH needed by a proof with O(log n) lookups (a NodeReader),
// so proofs cost O(log n) reads however large the log grows.

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace vanthu::storage::merkle {

using Hash = std::array<uint8_t, 32>;

Hash sha256(std::string_view data);
/// SHA-256(0x00 || data).
Hash leafHash(std::string_view data);
/// SHA-256(0x01 || left || right).
Hash nodeHash(const Hash& left, const Hash& right);
/// MTH of the empty tree: SHA-256 of nothing.
Hash emptyRootHash();

std::string toHex(const Hash& hash);
/// False when `hex` is not 64 hex digits.
bool fromHex(std::string_view hex, Hash& out);

/// The largest power of two strictly smaller than n (n >= 2).
uint64_t splitPoint(uint64_t n);

/// Returns the stored hash of the complete subtree (level, index). Throws if it is missing.
using NodeReader = std::function<Hash(unsigned level, uint64_t index)>;

/// MTH of the leaves [begin, end) following the RFC recursion, reading complete aligned subtrees
/// whole: O(log n) reads for the ranges proofs need. begin < end.
Hash rangeHash(uint64_t begin, uint64_t end, const NodeReader& read);
/// MTH of the first `size` leaves.
Hash rootHash(uint64_t size, const NodeReader& read);

/// PATH(index, D[size]) of RFC 9162 §2.1.3.1. index < size.
std::vector<Hash> inclusionProof(uint64_t index, uint64_t size, const NodeReader& read);
/// PROOF(first, D[second]) of RFC 9162 §2.1.4.1. 0 < first <= second; empty when equal.
std::vector<Hash> consistencyProof(uint64_t first, uint64_t second, const NodeReader& read);

/// RFC 9162 §2.1.3.2, step by step.
bool verifyInclusion(uint64_t leafIndex, uint64_t treeSize, const Hash& leaf,
                     const std::vector<Hash>& proof, const Hash& root);
/// RFC 9162 §2.1.4.2, step by step. The RFC assumes 0 < first < second; as in the usual
/// implementations, first == second is accepted with an empty proof and equal roots, and
/// everything else outside that range is rejected.
bool verifyConsistency(uint64_t first, uint64_t second, const Hash& firstRoot,
                       const Hash& secondRoot, const std::vector<Hash>& proof);

/// A complete subtree hash, as produced while appending.
struct Node {
  unsigned level = 0;
  uint64_t index = 0;
  Hash hash{};
};

/// The right edge of a growing tree: one hash per 1-bit of the size (O(log n) memory). Lets a
/// verifier stream millions of leaves and still get every root and every complete subtree.
class CompactRange {
 public:
  /// The right edge of a tree of `size` leaves from its stored complete subtrees: one read per
  /// 1-bit of `size`. Throws what `read` throws.
  static CompactRange at(uint64_t size, const NodeReader& read);
  /// Appends a leaf hash; adds to `created` the complete subtrees it finishes, leaf first.
  void append(const Hash& leaf, std::vector<Node>& created);
  uint64_t size() const { return size_; }
  /// MTH of the leaves appended so far.
  Hash root() const;

 private:
  struct Peak {
    unsigned level;
    Hash hash;
  };
  std::vector<Peak> peaks_;  // levels strictly decreasing, left to right
  uint64_t size_ = 0;
};

/// A NodeReader over leaf hashes in memory (computes each subtree; for tests and small trees).
NodeReader inMemoryReader(const std::vector<Hash>& leaves);

}  // namespace vanthu::storage::merkle
