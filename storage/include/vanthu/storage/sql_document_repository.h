#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/document_access.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::storage {

/// What a list narrows to beyond DocumentQuery (the HTTP lists' q and boxes).
struct DocumentListFilter {
  /// Case-insensitive substring of the subject or the notation; "" for any. Not indexed: it is
  /// evaluated only on the rows the organisation/direction index yields.
  std::string text;
  /// Only documents this user created; "" for anyone's.
  std::string createdBy;
  /// Only documents that left draft and are not issued yet (no register number).
  bool inFlight = false;
  /// Only documents with one of these ids (the "pending" box); none when set and empty.
  std::optional<std::vector<std::string>> onlyIds;
};

/// DocumentRepository on the metadata database (SQLite or PostgreSQL). Parameterised SQL only;
/// there is no UPDATE or DELETE of versions in it. Borrows `database`, which must outlive it;
/// one repository per connection (not thread-safe, as Database).
class SqlDocumentRepository final : public workflow::DocumentRepository {
 public:
  explicit SqlDocumentRepository(Database& database) : database_(database) {}

  Status createDocument(const workflow::DocumentRecord& document) override;
  std::optional<workflow::DocumentRecord> findDocument(const std::string& id) override;
  Result<int64_t> updateDocument(const workflow::DocumentRecord& document,
                                 int64_t expectedRevision) override;
  Result<workflow::DocumentPage> listDocuments(const workflow::DocumentQuery& query) override;
  Result<int> addVersion(const workflow::DocumentVersion& version) override;
  std::vector<workflow::DocumentVersion> versions(const std::string& documentId) override;
  std::optional<workflow::DocumentVersion> version(const std::string& documentId,
                                                   int number) override;
  Status createRegister(const workflow::Register& registerRecord) override;
  Result<int> issue(const std::string& documentId, int64_t expectedRevision,
                    const std::string& registerId, int year, const std::string& notation) override;

  /// listDocuments() restricted to what `visibility` lets the caller see and to `filter`; the
  /// total counts the same rows. InvalidArgument as listDocuments().
  Result<workflow::DocumentPage> listVisibleDocuments(
      const workflow::DocumentQuery& query, const workflow::DocumentVisibility& visibility,
      const DocumentListFilter& filter);

  /// Runs `work` in one transaction: committed when it returns OK, rolled back when it does not
  /// or throws. createDocument() and addVersion() join it, and so does SqlAuditLog::append() on
  /// the same database, so a document, its first version and its audit entry land together.
  Status inTransaction(const std::function<Status()>& work);

  /// Takes the document's write lock for the rest of the caller's transaction, before anything
  /// is read (PostgreSQL: the row; SQLite: the database), so that a read-decide-write unit of
  /// work waits for a concurrent one instead of failing half-way. Call it inside
  /// inTransaction(); NotFound for an unknown id.
  Status lockDocument(const std::string& id);

  /// Every blob hash the metadata refers to (document versions, exchange packages): what blob
  /// garbage collection must keep. StorageFailure if the database cannot be read.
  std::set<std::string> referencedBlobHashes();

 private:
  Database& database_;
};

}  // namespace vanthu::storage
