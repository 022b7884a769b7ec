#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/document_access.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::storage {

/// The order of a list; every order ends on the id, so that pages neither repeat nor skip.
enum class DocumentSort : uint8_t {
  Updated,  ///< the latest change (the default, newest first)
  Created,  ///< creation (for an incoming document: its arrival)
  Number,  ///< register year then number (số đi / số đến); unnumbered documents last either way
  Subject,  ///< trích yếu, in the database's collation
};

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
  /// Only documents of this type (its Decree 30 abbreviation, "" for công văn); any when unset.
  std::optional<std::string> documentType;
  /// Only documents created at or after / before these times (ISO 8601 UTC prefixes such as
  /// "2026-11-28T17:00:00", compared as text with created_at); "" for no bound.
  std::string createdFrom;
  std::string createdBefore;
  /// Only documents with this counterpart: an outgoing one with a recipient whose organisation
  /// code is this (exactly) or whose organisation name contains it; an incoming one received
  /// through the exchange from a sender whose code is this or whose name contains it. "" for any.
  std::string counterpart;
  DocumentSort sort = DocumentSort::Updated;
  bool ascending = false;
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

  /// The counterparts of each of `ids` that has one: an outgoing document's recipients (their
  /// organisation names, else codes, in the order given), an incoming one's exchange sender.
  std::map<std::string, std::vector<std::string>> counterparts(const std::vector<std::string>& ids);

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
