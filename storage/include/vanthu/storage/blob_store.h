#pragma once

// Content-addressed blob store (DESIGN §5): every PDF version, attachment and package is stored
// once under its SHA-256, written to a temporary file, fsynced and renamed into place, and never
// rewritten. A version that only appends to an earlier one (every signature is an incremental
// update, DESIGN §6) is stored as "parent + tail", so five signatures on a 200 MB scan cost five
// tails, not five copies. Each version keeps the SHA-256 state at its end so that the signer can
// continue it instead of re-hashing the whole file.
//
// Layout under the root directory:
//   ab/cd/<hash>        the bytes of a blob stored in full (its name is the SHA-256 of its bytes)
//   ab/cd/<hash>.meta   the record of every version: size, saved SHA-256 state, and for a
//                       "parent + tail" version the parent's and the tail's hashes. The record
//                       is written last: a blob exists once its record does.
//   tmp/                files being written; never visible as blobs, removed on failure and by
//                       collectGarbage() when stale.
//
// The same store can instead live in the metadata database (BlobStore::inDatabase(), setting
// storage.blobs = database), so that several server instances on one PostgreSQL share it:
//   blob_records   one row per version: its hash, size, saved SHA-256 state, the parent of a
//                  "parent + tail" version, and the key of the bytes it adds (its content)
//   blob_chunks    those bytes, in chunks of 1 MiB: (content_key, seq) -> bytes
// A put writes its chunks and then its record in one transaction, so a failed or interrupted put
// leaves nothing; rows are inserted and deleted (by collectGarbage()), never updated. Reads fetch
// one chunk at a time. The contract below is the same for both; only the places named in
// messages differ (files, or rows of the database).
//
// Errors: vanthu::Error with ErrorCode::NotFound for a hash that is not stored,
// InvalidArgument for a malformed hash, StorageFailure (with the path and the system's reason) for
// I/O failures and for content that no longer matches its hash, IoFailure when the caller's
// input stream or file cannot be read. Several processes may put into one store at once; garbage
// collection must not run while versions are being added that are not referenced yet (see
// collectGarbage()).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <istream>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace vanthu::storage {

class Database;
namespace detail {
class BlobBackend;
}

/// What a put stored: the SHA-256 of the full content (lower-case hex) and its size in bytes.
struct BlobInfo {
  std::string hash;
  uint64_t size = 0;
};

/// Streams the full content of one stored version, following "parent + tail" chains, and checks
/// the SHA-256 of everything read against the version's hash when the end is reached. Holds one
/// file descriptor (or one 1 MiB chunk of the database) at a time, whatever the blob's size. A
/// reader of a store in the database uses its connection for each chunk it reads.
class BlobReader {
 public:
  ~BlobReader();
  BlobReader(BlobReader&&) noexcept;
  BlobReader& operator=(BlobReader&&) noexcept;

  /// Reads up to `capacity` bytes; returns 0 at the end only. Throws StorageFailure for an I/O
  /// error, a file whose size differs from its record, or (on the call that reaches the end)
  /// content whose SHA-256 is not the version's hash — naming the blob and the file at fault.
  size_t read(char* into, size_t capacity);
  uint64_t size() const;
  const std::string& hash() const;

  /// Where the bytes come from (a backend's files or rows); defined in storage/src.
  struct State;

 private:
  friend class BlobStore;
  explicit BlobReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Result of collectGarbage().
struct GarbageReport {
  std::vector<std::string> removed;  ///< hashes of the versions removed (full blobs and tails)
  uint64_t bytesFreed = 0;           ///< bytes of the files removed, records and stale temporaries
};

class BlobStore {
 public:
  /// Opens the store at `root`, creating the directory (and tmp/) when missing. StorageFailure if
  /// it cannot be created. An existing read-only store can be opened and read.
  explicit BlobStore(std::filesystem::path root);
  /// The store kept in `database` (tables blob_records and blob_chunks, schema version 4), which
  /// must outlive it. Uses the database's connection: like Database, not thread-safe, and a put
  /// runs in its own transaction (or in the caller's, when one is open).
  static BlobStore inDatabase(Database& database);

  /// The directory of a store of files; empty for a store in the database.
  const std::filesystem::path& root() const { return root_; }

  /// Stores the bytes of `in` (read to its end) as a full blob. Streams through a temporary file:
  /// memory use does not depend on the size. Storing content that is already there rewrites
  /// nothing. IoFailure if `in` fails; StorageFailure if the store cannot be written.
  BlobInfo put(std::istream& in);
  /// The same for bytes in memory; content already stored needs no write access at all.
  BlobInfo put(std::string_view bytes);
  /// put() of a file's content. IoFailure (naming the file) if it cannot be read.
  BlobInfo putFile(const std::filesystem::path& file);

  /// Stores "parent's content + the bytes of `tail`" as a new version that records only the
  /// tail. The SHA-256 of the whole is computed by continuing the parent's saved state over the
  /// tail: the parent is neither read nor re-hashed. NotFound if the parent is not stored. An
  /// empty tail returns the parent itself.
  BlobInfo putTail(const std::string& parentHash, std::istream& tail);
  BlobInfo putTail(const std::string& parentHash, std::string_view tail);

  /// Stores the full content of a new version of `parentHash`: as "parent + tail" when it starts
  /// with the parent's bytes exactly, else as a full blob. Cost: the parent's files are read once
  /// (compared, not hashed) and the new content is hashed once; only the tail (or, when the
  /// content diverges, the whole new content) is written. The prefix is proved to be the parent
  /// by hashing it, so a parent damaged on disk can never be taken for the real one: that is
  /// reported as StorageFailure. Callers that know they only appended should use putTail(),
  /// which reads nothing but the tail.
  BlobInfo putVersion(const std::string& parentHash, std::istream& content);

  bool exists(const std::string& hash) const;
  /// True when at least one version is stored (cheap: stops at the first).
  bool holdsAny() const;
  /// Size of the full content. NotFound if not stored.
  uint64_t size(const std::string& hash) const;
  /// For "parent + tail" versions: the parent's hash; empty for full blobs. NotFound if absent.
  std::string parentOf(const std::string& hash) const;

  /// A streaming reader of the full content; see BlobReader for the checks.
  BlobReader reader(const std::string& hash) const;
  /// The same as a std::istream. badbit raises exceptions on it, so a corruption or I/O failure
  /// found while reading propagates as the vanthu::Error described for BlobReader::read() rather
  /// than looking like an early end of file.
  std::unique_ptr<std::istream> open(const std::string& hash) const;
  /// The whole content in memory, for small blobs. InvalidArgument if it is over `maxSize`.
  std::string readAll(const std::string& hash, uint64_t maxSize = 64u << 20) const;
  /// Reads the whole content and checks its SHA-256, its size and its saved state. Throws
  /// StorageFailure naming the blob and the damaged file; NotFound if not stored.
  void verify(const std::string& hash) const;

  /// The SHA-256 state at the end of the version's content, in the text form that
  /// vanthu::signing::ResumableSha256::restore() takes ("sha256-state/1 ..."), so that the digest
  /// of a following incremental update continues it. Checked against the hash before it is
  /// returned (StorageFailure if it does not lead to it).
  std::string sha256State(const std::string& hash) const;

  /// Removes every version not reachable from `referenced` (a "parent + tail" version keeps its
  /// parent chain and its tail), plus leftovers of interrupted writes. Referenced hashes that are
  /// not stored are ignored. Versions whose record is younger than `minAge` are kept: a version
  /// that was just put is not yet referenced by its metadata row, so a collection running while
  /// documents are being added must pass a minAge longer than any such window. Putting content
  /// that is already stored makes it young again (only its record's time changes), so an old
  /// orphan uploaded a second time is not collected under the caller's feet.
  GarbageReport collectGarbage(const std::set<std::string>& referenced,
                               std::chrono::seconds minAge = std::chrono::seconds(0));

 private:
  explicit BlobStore(std::shared_ptr<detail::BlobBackend> backend);

  std::filesystem::path root_;
  std::shared_ptr<detail::BlobBackend> backend_;
};

}  // namespace vanthu::storage
