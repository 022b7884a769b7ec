#pragma once

// Hashes the signed bytes of every signature of a file in one pass. Each signature's first
// range is [0, gap): a prefix of the file. One running digest over the file is copied at every
// gap start (and at the end, for the file's own SHA-256), so only the short tail after each gap
// is hashed again. Five signatures on a 200 MB scan cost one pass, not five.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace vanthu::signing::detail {

using ByteRanges = std::vector<std::pair<uint64_t, uint64_t>>;  ///< [start, end) each

class PrefixHasher {
 public:
  /// `cuts`: the offsets where a signature's first range ends; the file end is added.
  PrefixHasher(const char* data, uint64_t size, std::vector<uint64_t> cuts);
  ~PrefixHasher();
  PrefixHasher(const PrefixHasher&) = delete;
  PrefixHasher& operator=(const PrefixHasher&) = delete;

  /// The digest (raw bytes) of `ranges` with the OpenSSL digest `name` ("SHA256", "SHA1", ...).
  /// Throws vanthu::Error(InvalidArgument) for a digest OpenSSL does not know.
  std::string digest(const std::string& name, const ByteRanges& ranges);

 private:
  struct Snapshots;
  const char* data_;
  uint64_t size_;
  std::vector<uint64_t> cuts_;
  std::map<std::string, std::unique_ptr<Snapshots>> byDigest_;
};

}  // namespace vanthu::signing::detail
