#pragma once

// Attachments (phụ lục): files sent together with a document but kept separate from its PDF.
// Decree 30 has the organisation sign each one at issuance; the file as uploaded and the file as
// signed are both kept. Every call joins the caller's transaction when there is one.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage {

struct Attachment {
  std::string documentId;
  int number = 0;    ///< 1, 2, ... per document; assigned by add()
  std::string name;  ///< the file name to show and to download under
  std::string blobHash;
  int64_t size = 0;
  std::string createdBy;
  std::string createdAt;                      ///< ISO 8601 UTC
  std::optional<std::string> signedBlobHash;  ///< set at issuance
  std::optional<int64_t> signedSize;
};

class SqlAttachmentRepository {
 public:
  explicit SqlAttachmentRepository(Database& database) : database_(database) {}
  /// Stores `attachment` as the document's next one and returns its number. InvalidArgument for
  /// an unknown document.
  Result<int> add(const Attachment& attachment);
  std::vector<Attachment> list(const std::string& documentId);
  std::optional<Attachment> find(const std::string& documentId, int number);
  /// Records the signed file; InvalidState when it already has one.
  Status setSigned(const std::string& documentId, int number, const std::string& blobHash,
                   int64_t size);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
