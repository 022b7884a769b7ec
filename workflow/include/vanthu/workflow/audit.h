#pragma once

// The audit log port (DESIGN §5): every action on a document is one entry; entries are only ever
// appended. Each entry carries the hash of the previous one (a hash chain), and all entries are the
// leaves of an RFC 9162 Merkle tree whose roots are periodically signed by the instance key
// ("checkpoints", the signed tree heads of RFC 9162 §4.10). Standard library only: hashes and
// signatures cross this boundary as lowercase hex strings so that the API can serve them as is.
//
// Entry hash (the chain link), version 1. All integers are big-endian, every text field is UTF-8
// preceded by its byte length as a 4-byte unsigned integer:
//
//   canonical(entry) = "vanthu-audit-v1"          (15 bytes, no length prefix: a format tag)
//                   || uint64 sequence
//                   || previousHash               (32 raw bytes; 32 zero bytes for sequence 0)
//                   || len32 time || len32 actor || len32 organisationId || len32 documentId
//                   || len32 action || len32 details || len32 clientAddress
//   hash(entry)     = SHA-256(canonical(entry))
//   leaf(entry)     = SHA-256(0x00 || canonical(entry))       (RFC 9162 §2.1.1 leaf hash)
//
// The length prefixes make the encoding injective: no two different entries share a canonical
// form, whatever bytes their fields hold.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

struct AuditEntry {
  uint64_t sequence = 0;  ///< 0-based position in the log == the Merkle leaf index; set by append
  std::string time;       ///< ISO 8601 UTC ("2025-03-01T08:15:30.123Z"); append fills it if empty
  std::string actor;      ///< user id (or "system")
  std::string organisationId;  ///< empty when not tied to an organisation
  std::string documentId;      ///< empty when not about a document
  std::string action;          ///< "submit", "approve", "sign", "login", ...
  std::string details;         ///< free text or JSON, as the caller chose
  std::string clientAddress;   ///< the client's IP address, empty for local commands
  std::string previousHash;    ///< hex; set by append (64 zeros for the first entry)
  std::string hash;            ///< hex; set by append
};

/// A signed tree head (RFC 9162 §4.10 style). What is signed is documented in sql_audit_log.h.
struct AuditCheckpoint {
  uint64_t treeSize = 0;     ///< entries 0 .. treeSize-1 are covered
  std::string rootHash;      ///< hex MTH of the first treeSize leaves
  uint64_t timestampMs = 0;  ///< milliseconds since the Unix epoch, as signed
  std::string signature;     ///< hex Ed25519 signature
  std::string keyId;         ///< hex SHA-256 of the signing key's DER SubjectPublicKeyInfo
};

/// RFC 9162 §2.1.3 inclusion proof of one entry in the tree of a given size.
struct AuditInclusionProof {
  uint64_t leafIndex = 0;  ///< == the entry's sequence
  uint64_t treeSize = 0;
  std::string leafHash;           ///< hex
  std::vector<std::string> path;  ///< hex, bottom up, ceil(log2(treeSize)) hashes at most
};

/// RFC 9162 §2.1.4 consistency proof between two tree sizes.
struct AuditConsistencyProof {
  uint64_t firstSize = 0;
  uint64_t secondSize = 0;
  std::vector<std::string> path;  ///< hex
};

/// The outcome of recomputing the whole log.
struct AuditVerification {
  uint64_t entries = 0;  ///< entries read
  /// Entries not re-read because a trusted checkpoint covers them (a check since the latest
  /// checkpoint); 0 for a full verification.
  uint64_t coveredByCheckpoint = 0;
  uint64_t checkpoints = 0;  ///< checkpoints read
  uint64_t timestamps = 0;   ///< time-stamp tokens over checkpoints read
  /// Of those, the ones whose token was validated (the verifier was given a way to check them).
  uint64_t timestampsChecked = 0;
  /// Sequence of the first entry that does not verify (content, chain link, leaf or stored tree
  /// node), if any.
  std::optional<uint64_t> firstBrokenEntry;
  /// Tree size of the first checkpoint whose root or signature does not verify, if any.
  std::optional<uint64_t> firstBrokenCheckpoint;
  /// One line per problem, in log order ("entry 41: stored hash ... does not match ..."); capped.
  std::vector<std::string> problems;

  bool ok() const { return problems.empty(); }
};

/// The append-only audit log. There is deliberately no way to change or remove an entry.
/// Storage failures throw vanthu::Error(StorageFailure); caller mistakes come back as Status.
class AuditLog {
 public:
  virtual ~AuditLog() = default;

  /// Appends `entry` (sequence, previousHash and hash are assigned; time too when empty) and
  /// returns it as stored. Durable when this returns.
  virtual AuditEntry append(AuditEntry entry) = 0;
  /// The number of entries.
  virtual uint64_t size() = 0;
  virtual std::optional<AuditEntry> entry(uint64_t sequence) = 0;
  /// The entries about `documentId`, oldest first.
  virtual std::vector<AuditEntry> entriesOfDocument(const std::string& documentId) = 0;

  /// Signs the current tree head and stores it. Throws Error(CryptoFailure) without a signing key.
  virtual AuditCheckpoint checkpoint() = 0;
  virtual std::optional<AuditCheckpoint> latestCheckpoint() = 0;
  virtual std::vector<AuditCheckpoint> checkpoints() = 0;

  /// Proof that entry `sequence` is in the tree of size `treeSize` (sequence < treeSize <= size).
  virtual Result<AuditInclusionProof> inclusionProof(uint64_t sequence, uint64_t treeSize) = 0;
  /// Proof that the tree of size `first` is a prefix of the tree of size `second`
  /// (0 < first <= second <= size).
  virtual Result<AuditConsistencyProof> consistencyProof(uint64_t first, uint64_t second) = 0;

  /// Recomputes every entry hash, chain link, leaf, stored tree node and checkpoint root and
  /// signature; reports the first break precisely.
  virtual AuditVerification verify() = 0;
};

}  // namespace vanthu::workflow
