#pragma once

// SHA-256 whose state can be saved after any number of bytes and resumed later, in another
// process. Storage saves the state after each stored PDF version; the next signature's digest
// continues it instead of re-reading the whole file (DESIGN §6: signing costs what the update
// costs, not what the file costs).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace vanthu::signing {

class ResumableSha256 {
 public:
  ResumableSha256();

  void update(const void* data, size_t size);
  /// Bytes hashed so far.
  uint64_t length() const;
  /// The digest of everything so far; the state stays usable.
  std::string digest() const;

  /// An opaque text form of the state ("sha256-state/1 ..."), safe to store.
  std::string save() const;
  /// InvalidArgument for text that is not a saved state.
  static ResumableSha256 restore(const std::string& saved);
  /// Hashes a whole file. IoFailure if it cannot be read.
  static ResumableSha256 ofFile(const std::filesystem::path& file);

 private:
  uint32_t h_[8];
  uint32_t nl_ = 0;
  uint32_t nh_ = 0;
  uint32_t data_[16];
  unsigned num_ = 0;
};

}  // namespace vanthu::signing
