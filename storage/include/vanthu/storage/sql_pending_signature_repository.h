#pragma once

// Pending external signatures (DESIGN §6, keys "external"): a signature prepared on the server
// whose key is at the signer's desk. Between handing out the digest and taking back the signature
// value, the prepared state lives here (and its work file in the blob store), so a restart loses
// nothing. Every call joins the caller's transaction when there is one.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage {

/// How long an entry is kept after it expires, to answer "expired" rather than "not found";
/// then removeExpired takes it, and its work blob goes with the next blob collection.
inline constexpr int64_t kPendingSignatureRetentionSeconds = 24 * 60 * 60;

struct PendingSignature {
  std::string id;
  std::string documentId;
  std::string userId;            ///< who prepared it; only they may complete it
  std::string keyId;             ///< the external key reference
  std::string action;            ///< the document action it completes ("sign")
  int64_t documentRevision = 0;  ///< the document's revision when prepared
  int versionNumber = 0;         ///< the version the signature was prepared over
  std::string prepared;          ///< signing::PreparedSignature::serialize(), work file aside
  std::string workBlobHash;      ///< the prepared PDF (with the empty /Contents)
  int64_t createdAt = 0;         ///< Unix seconds
  int64_t expiresAt = 0;
  int64_t completedAt = 0;  ///< 0 until completed
};

class SqlPendingSignatureRepository {
 public:
  explicit SqlPendingSignatureRepository(Database& database) : database_(database) {}

  /// AlreadyExists for a taken id; InvalidArgument for an unknown document.
  Status add(const PendingSignature& pending);
  std::optional<PendingSignature> find(const std::string& id);
  /// Marks it completed at `at` if it is not yet: InvalidState (Conflict for the caller) when it
  /// was completed already, NotFound when there is no such entry.
  Status markCompleted(const std::string& id, int64_t at);
  /// Removes the entries that expired before `before` (completed or not) and returns how many.
  /// Their work blobs are then unreferenced and go with the next blob collection.
  int64_t removeExpired(int64_t before);
  /// The work blobs of the entries not completed (for the blob garbage collector).
  std::set<std::string> workBlobHashes();

 private:
  Database& database_;
};

}  // namespace vanthu::storage
