#pragma once

#include <set>
#include <string>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::storage {

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

  /// Every blob hash the metadata refers to (document versions, exchange packages): what blob
  /// garbage collection must keep. StorageFailure if the database cannot be read.
  std::set<std::string> referencedBlobHashes();

 private:
  Database& database_;
};

}  // namespace vanthu::storage
