#pragma once

// The records of documents as storage keeps them (issue "Storage", points 3 and 5): a document
// with an optimistic-lock revision, its immutable versions (every upload, signature, field fill
// and time-stamp), and the registers whose numbers the clerk gives at issuance. The workflow
// (states, levels, who may act) builds on these; the port says what any store must guarantee.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

struct DocumentRecord {
  std::string id;
  std::string organisationId;
  std::string direction;     ///< "outgoing" or "incoming"
  std::string documentType;  ///< Decree 30 type code, e.g. "QD"; "" for công văn
  std::string subject;       ///< trích yếu
  std::string status;        ///< the workflow state, e.g. "draft", "issued"
  std::string urgency = "normal";
  std::string confidentiality = "normal";
  std::string createdBy;
  std::string createdAt;  ///< ISO 8601 UTC
  std::string updatedAt;  ///< ISO 8601 UTC
  /// Optimistic lock: every accepted write increments it; a write naming an older revision
  /// is refused (HTTP If-Match / 412 upstream).
  int64_t revision = 1;
  /// Set at issuance, together: number NN of register R in year Y, e.g. "15/QĐ-UBND".
  std::optional<std::string> registerId;
  std::optional<int> registerYear;
  std::optional<int> registerNumber;
  std::optional<std::string> notation;
};

/// One immutable version of a document's PDF. Nothing changes or deletes it once stored.
struct DocumentVersion {
  std::string documentId;
  int number = 0;                   ///< 1, 2, ...; assigned by the store
  std::string blobHash;             ///< SHA-256 of the content in the blob store
  std::optional<int> parentNumber;  ///< the version it appends to (signatures, fills)
  std::string kind;                 ///< "upload", "signature", "fill", "timestamp", ...
  std::string actor;                ///< who acted
  std::string onBehalfOf;           ///< for whom, when delegated; "" otherwise
  std::string reason;               ///< why (comment, signing reason)
  int64_t size = 0;
  std::string createdAt;  ///< ISO 8601 UTC
};

struct Register {
  std::string id;
  std::string organisationId;
  std::string name;       ///< "Sổ văn bản đi", ...
  std::string direction;  ///< "outgoing" or "incoming"
};

/// A page of an organisation's documents (the lists of văn bản đi / đến), newest change first.
struct DocumentQuery {
  std::string organisationId;
  std::string direction;  ///< "outgoing" / "incoming"; "" for both
  std::string status;     ///< "" for any
  int offset = 0;
  int limit = 50;  ///< 1..500
  /// Keyset paging: the page after this document (its updatedAt and id, the last row of the
  /// previous page). Stays fast however deep the page; OFFSET reads every row it skips.
  /// With it, offset must be 0.
  std::string afterUpdatedAt;
  std::string afterId;
  bool countTotal = true;  ///< a count costs a scan of the matching rows; lists that page by
                           ///< "more" can skip it
};

struct DocumentPage {
  std::vector<DocumentRecord> items;
  int64_t total = -1;  ///< matching documents; -1 when not counted
};

/// Port: documents, versions and registers. Adapters: storage::SqlDocumentRepository.
class DocumentRepository {
 public:
  virtual ~DocumentRepository() = default;

  /// AlreadyExists for a duplicate id, InvalidArgument for an unknown organisation.
  virtual Status createDocument(const DocumentRecord& document) = 0;
  virtual std::optional<DocumentRecord> findDocument(const std::string& id) = 0;
  /// Stores `document` (its metadata and status) if the stored revision is still
  /// `expectedRevision`; returns the new revision. PreconditionFailed when someone else wrote
  /// in between, NotFound for an unknown id. The register fields are not changed here.
  virtual Result<int64_t> updateDocument(const DocumentRecord& document,
                                         int64_t expectedRevision) = 0;
  /// InvalidArgument for a limit outside 1..500 or a negative offset.
  virtual Result<DocumentPage> listDocuments(const DocumentQuery& query) = 0;

  /// Appends a version; the store assigns the next number and returns it. InvalidArgument
  /// when `parentNumber` names no version of the document.
  virtual Result<int> addVersion(const DocumentVersion& version) = 0;
  virtual std::vector<DocumentVersion> versions(const std::string& documentId) = 0;
  virtual std::optional<DocumentVersion> version(const std::string& documentId, int number) = 0;

  virtual Status createRegister(const Register& registerRecord) = 0;
  /// Issuance: in one transaction, takes the next number of `registerId` for `year` and
  /// records it (with `notation`, where "{n}" stands for the number) on the document, if the
  /// document is still at `expectedRevision`. Numbers are unique per register and year and have
  /// no gaps, also under concurrent issuance: a refused issuance takes no number.
  /// Returns the number. PreconditionFailed (stale revision), InvalidState (already issued),
  /// NotFound (document or register).
  virtual Result<int> issue(const std::string& documentId, int64_t expectedRevision,
                            const std::string& registerId, int year,
                            const std::string& notation) = 0;
};

}  // namespace vanthu::workflow
