#pragma once

// The incoming flow as an application service (DESIGN §2, incoming states and actions): one call
// is one unit of work in one database transaction, with the discipline of OutgoingFlowService.
// The document is locked first, then checked (visible to the caller, at the If-Match revision,
// incoming); the actor is loaded with their grants and delegations; workflow::applyIncoming()
// decides; the application checks what the domain cannot know (the units, the specialist and
// the reply document belong to the organisation); then the document's status, the flow, the
// assignments, the act and exactly one audit entry are written together or not at all. The
// audit entry carries the exchange status code (standards §2.4) the sender is to be told; the
// sending itself belongs to the exchange.

#include <cstdint>
#include <string>
#include <vector>

#include "allowed_actions.h"
#include "exchange_hooks.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_incoming_repository.h"
#include "vanthu/workflow/document_access.h"
#include "vanthu/workflow/documents.h"
#include "vanthu/workflow/incoming_flow.h"

namespace vanthu::api {

/// The default time to handle an incoming document when the leader names no due date.
inline constexpr int kDefaultIncomingWorkingDays = 10;

/// How a document arrived: the verdict of its signatures and the report.
struct IncomingArrival {
  std::string verdict;     ///< signing::indicationName of the report's verdict
  std::string reportJson;  ///< signing::reportToJson
  std::string clientAddress;
  int64_t now = 0;     ///< Unix seconds
  std::string nowIso;  ///< the same moment, ISO 8601 UTC
};

struct IncomingActionRequest {
  std::string documentId;
  int64_t expectedRevision = 0;  ///< the If-Match revision
  workflow::IncomingAction action;
  workflow::DocumentViewer caller;
  std::string clientAddress;
  int64_t now = 0;     ///< Unix seconds
  std::string nowIso;  ///< the same moment, ISO 8601 UTC
  /// Told of each move the sender is to hear of; none: nothing is sent.
  ExchangeHooks* exchange = nullptr;
};

struct IncomingActionOutcome {
  workflow::DocumentRecord document;  ///< as stored, with its new revision
  storage::StoredAct act;
  std::string exchangeStatus;  ///< the code the sender is to be told ("03", ...)
};

/// What GET /api/v1/documents/{id}/incoming shows.
struct IncomingView {
  workflow::DocumentRecord document;
  storage::StoredIncoming incoming;
};

/// Today in Vietnam (UTC+7) as an ISO date.
std::string vietnamToday(int64_t unixSeconds);

class IncomingFlowService {
 public:
  explicit IncomingFlowService(storage::Database& database) : database_(database) {}

  /// Starts the flow of a new incoming document as received, with the verification of its
  /// signatures, the act "receive" and its audit entry (exchange status 01). Joins the caller's
  /// transaction (the one that creates the document).
  Status receive(const workflow::DocumentRecord& document, const IncomingArrival& arrival);

  /// Applies one action. Refusals write nothing:
  ///  - NotFound: no such document, or the caller may not see it;
  ///  - PreconditionFailed: the document is no longer at `expectedRevision`;
  ///  - InvalidState: not an incoming document, or the action does not fit the state;
  ///  - Forbidden, InvalidArgument: as workflow::applyIncoming(), and for units, specialists or
  ///    reply documents that are not the organisation's.
  Result<IncomingActionOutcome> apply(const IncomingActionRequest& request);

  /// The actions `caller` may take now on `document` (incoming, visible to the caller): each
  /// candidate put to workflow::applyIncoming() as apply() would, nothing stored.
  std::vector<AllowedAction> allowedActions(const workflow::DocumentRecord& document,
                                            const workflow::DocumentViewer& caller, int64_t now);

  /// The incoming state; NotFound when the caller may not see the document or it is not incoming.
  Result<IncomingView> view(const std::string& documentId, const workflow::DocumentViewer& caller);

 private:
  Status takeNumber(workflow::DocumentRecord& document, int year);
  /// InvalidState when the sender took `document` back: it is no longer handled here.
  Status notTakenBack(const std::string& documentId);
  Status checkAction(const workflow::DocumentRecord& document,
                     const workflow::IncomingAction& action, const std::string& leadUnitId);
  Status recordAssignments(const workflow::DocumentRecord& document,
                           const workflow::IncomingTransition& transition,
                           const workflow::IncomingState& before,
                           const IncomingActionRequest& request);

  storage::Database& database_;
};

}  // namespace vanthu::api
