#pragma once

// The audit log on the metadata database (tables audit_entries, audit_nodes, audit_checkpoints,
// audit_keys; migration 2). The code has INSERT and SELECT statements on them and nothing else;
// triggers refuse UPDATE and DELETE as a second line, and `verify()` finds whatever a person with
// the database file changed anyway.
//
// Signed tree head (checkpoint), after RFC 9162 §4.10 TreeHeadDataV2, TLS presentation encoding:
//
//   uint64 timestamp      milliseconds since the Unix epoch
//   uint64 tree_size
//   uint8  32             length of root_hash (opaque NodeHash<32..2^8-1>)
//   opaque root_hash[32]
//   uint16 0              sth_extensions: none
//
// (51 bytes, big-endian) signed with Ed25519 (pure, RFC 8032) by the instance key. key_id is
// SHA-256 of the key's DER SubjectPublicKeyInfo (as the log ID of RFC 6962). Anyone with the
// public key PEM (`vanthu audit verify` prints where it is) can check a checkpoint offline.
//
// Time-stamping a checkpoint by a TSA (RFC 3161) is optional: `onCheckpoint` is where it plugs
// in when one is configured, and addCheckpointTimestamp() stores the token; nothing here talks
// to the network. The TSA stamps checkpointTimestampData(): the 51 signed bytes followed by the
// 64-byte raw Ed25519 signature, so the token proves the signed tree head existed at its time.
// verify() hands each stored token to `checkTimestamp` (the signing module's validator, wired by
// the caller: storage does not judge CMS).

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/audit.h"

namespace vanthu::storage {

/// The instance's Ed25519 key that signs checkpoints. OpenSSL stays behind the pimpl.
class AuditSigningKey {
 public:
  /// Loads the PEM private key at `path`, or creates a new Ed25519 key there (mode 0600, parent
  /// directory 0700 if it has to be made) when the file does not exist.
  /// Throws Error(IoFailure) or Error(CryptoFailure) naming the file.
  static std::unique_ptr<AuditSigningKey> loadOrCreate(const std::filesystem::path& path);
  ~AuditSigningKey();
  AuditSigningKey(const AuditSigningKey&) = delete;
  AuditSigningKey& operator=(const AuditSigningKey&) = delete;

  /// "-----BEGIN PUBLIC KEY-----..." for third parties.
  const std::string& publicKeyPem() const;
  /// Hex SHA-256 of the DER SubjectPublicKeyInfo.
  const std::string& keyId() const;
  /// Raw 64-byte Ed25519 signature of `message`.
  std::string sign(const std::string& message) const;

  struct Impl;

 private:
  explicit AuditSigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The key id (hex SHA-256 of DER SubjectPublicKeyInfo) of a PEM public key or private key.
/// Throws Error(CryptoFailure) when `pem` holds no key.
std::string auditKeyIdOfPem(const std::string& pem);

/// The 51 signed bytes of a checkpoint (see the top of this file).
std::string signedTreeHeadBytes(uint64_t timestampMs, uint64_t treeSize,
                                const std::string& rootHashHex);

/// Checks an Ed25519 `signatureHex` over signedTreeHeadBytes(checkpoint) with a PEM public key.
bool verifyCheckpointSignature(const workflow::AuditCheckpoint& checkpoint,
                               const std::string& publicKeyPem);

/// The bytes a TSA time-stamps for `checkpoint` (see the top of this file).
std::string checkpointTimestampData(const workflow::AuditCheckpoint& checkpoint);

/// A stored time-stamp token over a checkpoint.
struct AuditCheckpointTimestamp {
  uint64_t treeSize = 0;
  std::string checkpointSignature;  ///< hex, as in AuditCheckpoint::signature
  std::string tokenDer;             ///< the DER TimeStampToken
  std::string genTime;              ///< ISO 8601 UTC, as the TSA said (for listing)
  std::string authority;            ///< the TSA's URL or name, for people
};

/// Where the instance key lives in a data directory.
std::filesystem::path auditKeyPath(const std::filesystem::path& dataDir);

struct SqlAuditLogOptions {
  /// Sign a checkpoint after every N appended entries (0: only when checkpoint() is called).
  uint64_t checkpointEvery = 0;
  /// Called with each new checkpoint after it is stored (e.g. to time-stamp it with a TSA).
  std::function<void(const workflow::AuditCheckpoint&)> onCheckpoint;
  /// Public keys (PEM) whose checkpoints verify() accepts besides the signing key's (rotated
  /// keys, or a verifier without the private key).
  std::vector<std::string> trustedPublicKeys;
  /// Judges a stored time-stamp token: given the DER token and checkpointTimestampData() of its
  /// checkpoint, returns "" when it is valid, else what is wrong. Unset: tokens are counted and
  /// matched to their checkpoints but not judged.
  std::function<std::string(const std::string& tokenDer, const std::string& stampedData)>
      checkTimestamp;
};

/// Counters for tests and metrics: how much the database was asked.
struct SqlAuditLogStats {
  uint64_t queries = 0;  ///< SELECT statements run
  uint64_t rowsRead = 0;
};

/// workflow::AuditLog on SQL. Borrows `database`, which must outlive it; like Database, not
/// thread-safe (one per connection, or guarded by the caller). `signingKey` may be null for a
/// read-only verifier: then checkpoint() throws and verify() trusts only trustedPublicKeys.
class SqlAuditLog final : public workflow::AuditLog {
 public:
  SqlAuditLog(Database& database, std::shared_ptr<const AuditSigningKey> signingKey,
              SqlAuditLogOptions options = {});

  workflow::AuditEntry append(workflow::AuditEntry entry) override;
  uint64_t size() override;
  std::optional<workflow::AuditEntry> entry(uint64_t sequence) override;
  std::vector<workflow::AuditEntry> entriesOfDocument(const std::string& documentId) override;

  workflow::AuditCheckpoint checkpoint() override;
  std::optional<workflow::AuditCheckpoint> latestCheckpoint() override;
  std::vector<workflow::AuditCheckpoint> checkpoints() override;

  Result<workflow::AuditInclusionProof> inclusionProof(uint64_t sequence,
                                                       uint64_t treeSize) override;
  Result<workflow::AuditConsistencyProof> consistencyProof(uint64_t first,
                                                           uint64_t second) override;

  workflow::AuditVerification verify() override;

  /// The quick check for every start: the latest checkpoint whose signature verifies is
  /// checked against the stored tree (its root from O(log n) stored nodes, and the inclusion of
  /// the last entry it covers), then every entry after it is checked as verify() does. What the
  /// checkpoint covers is trusted through the tree, not re-read: an old row edited without its
  /// tree nodes is found only by verify(). Falls back to verify() when there is no such
  /// checkpoint or the tree does not give its root, so a break is always reported in full.
  workflow::AuditVerification verifySinceLatestCheckpoint();

  /// Stores a TSA's token over `checkpoint`, which must be stored (NotFound otherwise; the
  /// token itself is the caller's to check before, and verify()'s after). Append-only.
  void addCheckpointTimestamp(const workflow::AuditCheckpoint& checkpoint,
                              const std::string& tokenDer, const std::string& genTime,
                              const std::string& authority);
  std::vector<AuditCheckpointTimestamp> checkpointTimestamps();
  /// Checkpoints with no stored token, oldest first (to stamp after a TSA outage).
  std::vector<workflow::AuditCheckpoint> checkpointsWithoutTimestamp();

  /// Appends several entries in one transaction (bulk import; the same chain as one by one).
  std::vector<workflow::AuditEntry> appendAll(std::vector<workflow::AuditEntry> entries);

  const SqlAuditLogStats& stats() const { return stats_; }
  void resetStats() { stats_ = {}; }

 private:
  workflow::AuditCheckpoint checkpointLocked(uint64_t timestampMs);
  workflow::AuditVerification verifyLog(bool sinceLatestCheckpoint);

  Database& database_;
  std::shared_ptr<const AuditSigningKey> signingKey_;
  SqlAuditLogOptions options_;
  SqlAuditLogStats stats_;
};

/// The canonical bytes of an entry (see workflow/audit.h); `previousHashHex` must be 64 hex digits.
std::string canonicalAuditEntry(const workflow::AuditEntry& entry);

}  // namespace vanthu::storage
