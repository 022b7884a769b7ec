#pragma once

#include <optional>
#include <string>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/incoming_flow.h"

namespace vanthu::storage {

/// Where an incoming document is in its flow, and what the signature check found on arrival.
struct StoredIncoming {
  std::string documentId;
  /// state.organisationId is the document's organisation (read from documents, not stored).
  workflow::IncomingState state;
  std::string verificationVerdict;  ///< "TOTAL-PASSED", "TOTAL-FAILED", "INDETERMINATE", ...
  std::string verificationReport;   ///< the JSON report, as vanthu-verify --json prints it
  std::string updatedAt;            ///< ISO 8601 UTC
};

/// The incoming flows on the metadata database (table incoming_flows, migration 10); their acts
/// go to document_acts through SqlFlowRepository::appendAct. Every method joins a transaction the
/// session already has (SqlDocumentRepository::inTransaction). Borrows `database`; one
/// repository per connection (not thread-safe, as Database).
class SqlIncomingRepository {
 public:
  explicit SqlIncomingRepository(Database& database) : database_(database) {}

  /// AlreadyExists when the document has an incoming flow, InvalidArgument for an unknown
  /// document or reply document.
  Status createIncoming(const StoredIncoming& incoming);
  std::optional<StoredIncoming> findIncoming(const std::string& documentId);
  /// Stores the state and updatedAt; the verification never changes. NotFound when the document
  /// has no incoming flow, InvalidArgument for an unknown reply document.
  Status updateIncoming(const StoredIncoming& incoming);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
