#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/acting.h"
#include "vanthu/workflow/approval_flow.h"

namespace vanthu::storage {

/// Where an outgoing document is in its approval flow, and the template version it follows.
struct StoredFlow {
  std::string documentId;
  std::string templateId;
  int templateVersion = 0;
  /// state.organisationId is the document's organisation (read from documents, not stored).
  workflow::FlowState state;
};

/// One accepted act of a document's timeline.
struct StoredAct {
  std::string id;
  std::string documentId;
  int seq = 0;  ///< 1, 2, ... per document, in the order the acts were accepted
  workflow::Act act;
};

/// The outgoing flows and their acts on the metadata database (tables document_flows and
/// document_acts, migration 9). Every method joins a transaction the session already has
/// (SqlDocumentRepository::inTransaction), so a document's status, its flow state, its act and
/// its audit entry are written together or not at all. Borrows `database`; one repository per
/// connection (not thread-safe, as Database).
class SqlFlowRepository {
 public:
  explicit SqlFlowRepository(Database& database) : database_(database) {}

  /// AlreadyExists when the document has a flow, InvalidArgument for an unknown document or
  /// template version.
  Status createFlow(const StoredFlow& flow);
  std::optional<StoredFlow> findFlow(const std::string& documentId);
  /// Stores the state; the template never changes. NotFound when the document has no flow.
  Status updateFlow(const StoredFlow& flow);
  /// Appends `act` as the document's next act; returns it with its id and sequence number.
  /// Conflict when another writer took the same place (the caller's transaction must hold the
  /// document's lock to avoid it).
  Result<StoredAct> appendAct(const std::string& documentId, const workflow::Act& act);
  /// The document's acts, oldest first.
  std::vector<StoredAct> acts(const std::string& documentId);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
