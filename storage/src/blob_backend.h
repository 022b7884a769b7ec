#pragma once

// What BlobStore's two backends (files: blob_store.cpp, database: blob_store_database.cpp) share,
// and the interface BlobStore drives them through. BlobStore itself holds the logic that does not
// depend on where bytes live: hashing, continuing saved states, recognising appends, verifying
// what is read.
//
// The low-level SHA256_CTX is deprecated in OpenSSL 3.0 in favour of EVP, but an EVP context
// cannot be serialised, and the state at the end of each version must be saved for the signer.
// Storage must not depend on the signing module, so Sha256State below is a copy of
// vanthu::signing::ResumableSha256 (signing/src/resumable_sha256.cpp) writing the same text form;
// keep the two in step.
#ifndef OPENSSL_SUPPRESS_DEPRECATED
#define OPENSSL_SUPPRESS_DEPRECATED 1
#endif
#include <openssl/sha.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

#include "vanthu/storage/blob_store.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage::detail {

/// The buffer a put copies through and a reader's chunk size in the database.
constexpr size_t kBufferSize = 1 << 20;
constexpr const char* kStateMagic = "sha256-state/1";

inline std::string toHex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex.push_back(digits[c >> 4]);
    hex.push_back(digits[c & 15]);
  }
  return hex;
}

inline bool isHash(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// Hashes come from callers and become file names: anything else than 64 lower-case hex digits
// could walk out of the store.
inline void requireHash(const std::string& hash) {
  if (!isHash(hash)) {
    throw Error(ErrorCode::InvalidArgument,
                "not a SHA-256 blob hash (64 lower-case hex digits): '" + hash.substr(0, 80) + "'");
  }
}

// SHA-256 whose state survives in text; see the note at the top of the file.
class Sha256State {
 public:
  Sha256State() {
    SHA256_CTX context;
    SHA256_Init(&context);
    load(context);
    std::memset(data_, 0, sizeof data_);
  }

  void update(const void* data, size_t size) {
    SHA256_CTX context = store();
    SHA256_Update(&context, data, size);
    load(context);
  }

  uint64_t length() const { return ((static_cast<uint64_t>(nh_) << 32) | nl_) / 8; }

  std::string hexDigest() const {
    SHA256_CTX context = store();
    unsigned char out[SHA256_DIGEST_LENGTH];
    SHA256_Final(out, &context);
    return toHex(std::string(reinterpret_cast<char*>(out), sizeof out));
  }

  std::string save() const {
    std::ostringstream out;
    out << kStateMagic;
    char word[12];
    auto put = [&](uint32_t value) {
      std::snprintf(word, sizeof word, " %08x", value);
      out << word;
    };
    for (uint32_t value : h_) put(value);
    put(nl_);
    put(nh_);
    for (uint32_t value : data_) put(value);
    out << " " << num_;
    return out.str();
  }

  /// std::nullopt for text that is not a saved state (the caller names the record at fault).
  static std::optional<Sha256State> restore(const std::string& saved) {
    std::istringstream in(saved);
    std::string magic;
    in >> magic;
    if (magic != kStateMagic) return std::nullopt;
    Sha256State state;
    bool good = true;
    auto word = [&](uint32_t& into) {
      std::string text;
      in >> text;
      if (text.size() != 8 || text.find_first_not_of("0123456789abcdef") != std::string::npos) {
        good = false;
        return;
      }
      into = static_cast<uint32_t>(std::stoul(text, nullptr, 16));
    };
    for (auto& value : state.h_) word(value);
    word(state.nl_);
    word(state.nh_);
    for (auto& value : state.data_) word(value);
    in >> state.num_;
    if (!good || in.fail() || state.num_ >= 64 || (state.nl_ / 8) % 64 != state.num_) {
      return std::nullopt;
    }
    return state;
  }

 private:
  SHA256_CTX store() const {
    SHA256_CTX context;
    std::memset(&context, 0, sizeof context);
    std::memcpy(context.h, h_, sizeof h_);
    context.Nl = nl_;
    context.Nh = nh_;
    std::memcpy(context.data, data_, sizeof data_);
    context.num = num_;
    context.md_len = SHA256_DIGEST_LENGTH;
    return context;
  }
  void load(const SHA256_CTX& context) {
    std::memcpy(h_, context.h, sizeof h_);
    nl_ = context.Nl;
    nh_ = context.Nh;
    std::memcpy(data_, context.data, sizeof data_);
    num_ = context.num;
  }

  uint32_t h_[8];
  uint32_t nl_ = 0;
  uint32_t nh_ = 0;
  uint32_t data_[16];
  unsigned num_ = 0;
};

/// What a backend knows of one version.
struct BlobRecord {
  uint64_t size = 0;
  std::string state;   // Sha256State::save() at the end of the content
  std::string parent;  // set for "parent + tail" versions
  bool isLink() const { return !parent.empty(); }
};

/// The bytes of a new version being written; hashes what it writes (its own bytes only: for a
/// tail, the caller continues the parent's state itself). Dropped without a commit, it leaves
/// nothing visible.
class BlobWriter {
 public:
  virtual ~BlobWriter() = default;
  void write(const char* data, size_t size) {
    append(data, size);
    own_.update(data, size);
  }
  uint64_t size() const { return own_.length(); }
  /// Makes the bytes written a full blob; writes nothing more if it is already stored.
  virtual BlobInfo commitFull() = 0;
  /// Makes the bytes written the tail of the version "parent + them", whose state is `whole`.
  virtual BlobInfo commitTail(const std::string& parentHash, const Sha256State& whole) = 0;

 protected:
  virtual void append(const char* data, size_t size) = 0;
  Sha256State own_;
};

class BlobBackend {
 public:
  virtual ~BlobBackend() = default;
  /// For a well-formed hash: whether its record exists.
  virtual bool exists(const std::string& hash) const = 0;
  virtual bool holdsAny() const = 0;
  /// `hash` was put again: from now on it counts as young for collection, so that a caller about
  /// to refer to it is not beaten by a collection that found it unreferenced. Content is never
  /// touched; a store that cannot be written (read-only mount) is left as it is.
  virtual void refresh(const std::string& hash) = 0;
  /// The record; NotFound if absent, StorageFailure (naming the place) if it is damaged.
  virtual BlobRecord load(const std::string& hash) const = 0;
  /// Where the record of `hash` is, for messages (a file, a row).
  virtual std::string recordLocation(const std::string& hash) const = 0;
  /// Where the bytes of `hash` are, for messages.
  virtual std::string contentLocation(const std::string& hash) const = 0;
  /// The reader's source for the whole content of `hash` (the chain resolved).
  virtual std::unique_ptr<BlobReader::State> openReader(const std::string& hash,
                                                        const BlobRecord& record) const = 0;
  virtual std::unique_ptr<BlobWriter> newWriter() = 0;
  virtual GarbageReport collectGarbage(const std::set<std::string>& referenced,
                                       std::chrono::seconds minAge) = 0;
};

}  // namespace vanthu::storage::detail

namespace vanthu::storage {

/// A reader's progress; backends provide the bytes, BlobReader::read() checks the hash.
struct BlobReader::State {
  virtual ~State() = default;
  /// The next bytes of the content, at most `capacity` (> 0); 0 only at its end. Throws
  /// StorageFailure naming the blob and the place for an I/O failure or a part of the wrong size.
  virtual size_t readRaw(char* into, size_t capacity) = 0;
  /// Called when the content does not hash to the version's hash: throws StorageFailure naming
  /// the blob and, where it can tell, the damaged part.
  [[noreturn]] virtual void reportMismatch(const std::string& found) = 0;

  std::string hash;
  uint64_t size = 0;
  bool verify = true;  // false for putVersion's comparison, which proves the bytes otherwise
  detail::Sha256State digest;
  bool done = false;
};

}  // namespace vanthu::storage
