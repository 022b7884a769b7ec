#pragma once

// The outgoing approval flow as an application service (DESIGN §2): one call is one unit of
// work in one database transaction. It loads the document (locked first, so that concurrent
// acts queue instead of racing), its flow and the template version the flow started with, and
// the actor with their grants and the delegations lent to them; workflow::applyOutgoing()
// decides; then the document's status (under the caller's If-Match revision), the new flow
// state, the act and exactly one audit entry are written together or not at all.
//
// The interface is free of HTTP and of Poco: the routes translate to and from it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "allowed_actions.h"
#include "exchange_hooks.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/workflow/approval_flow.h"
#include "vanthu/workflow/document_access.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::api {

/// The template a new outgoing document follows when its organisation has chosen none.
inline constexpr const char* kOutgoingTemplateId = "outgoing-4";

/// Makes the new PDF of a sign or issue action, inside the action's transaction (the document is
/// locked, so nobody else moves it meanwhile). It reads through `database` (the action's own
/// connection), writes the PDF to the blob store and returns the version to add; the service adds
/// it with the act. Refusals (a wrong password, a key that is not the caller's, an expired
/// certificate, ...) are returned, not thrown.
class VersionProducer {
 public:
  virtual ~VersionProducer() = default;
  /// The leader's (or deputy's) certifying signature over `latest`.
  virtual Result<workflow::DocumentVersion> sign(storage::Database& database,
                                                 const workflow::DocumentRecord& document,
                                                 const workflow::DocumentVersion& latest,
                                                 const workflow::Act& act) = 0;
  /// Issuance: number and date filled into `latest` (the signed PDF), the organisation's seal
  /// signature with a time-stamp. `document` already carries its register number and notation.
  virtual Result<workflow::DocumentVersion> issue(storage::Database& database,
                                                  const workflow::DocumentRecord& document,
                                                  const workflow::DocumentVersion& latest, int year,
                                                  int month, int day, const workflow::Act& act) = 0;
  /// An approval at a level whose template records it as a signature: the approver's invisible
  /// approval signature over `latest`. SignatureRequired when no key was given.
  virtual Result<workflow::DocumentVersion> approve(storage::Database& database,
                                                    const workflow::DocumentRecord& document,
                                                    const workflow::DocumentVersion& latest,
                                                    const workflow::Act& act);
};

/// The id of the organisation's register of `direction` ("outgoing": sổ đăng ký văn bản đi,
/// "incoming": sổ đăng ký văn bản đến), opened at its first use. Joins the caller's transaction.
Result<std::string> registerOf(storage::Database& database, const std::string& organisationId,
                               const std::string& direction);

/// The caller as the flows need them: own grants, the delegations in force lent to them and the
/// grants of their givers. Shared by the outgoing and the incoming services.
workflow::Actor loadActor(storage::Database& database, const workflow::DocumentViewer& caller,
                          int64_t now);
/// The document if `caller` may see it (workflow::canSeeDocument, with its assignments when it
/// is confidential).
std::optional<workflow::DocumentRecord> loadVisibleDocument(storage::Database& database,
                                                            const std::string& documentId,
                                                            const workflow::DocumentViewer& caller);

struct OutgoingActionRequest {
  std::string documentId;
  int64_t expectedRevision = 0;  ///< the If-Match revision
  workflow::OutgoingAction action;
  workflow::DocumentViewer caller;  ///< user id, organisation and own role grants
  std::string clientAddress;        ///< for the audit entry
  int64_t now = 0;                  ///< Unix seconds
  std::string nowIso;               ///< the same moment, ISO 8601 UTC (updated_at)
  /// Sign, issue and a signed approval: who makes the new PDF. Those actions are refused
  /// without one.
  VersionProducer* producer = nullptr;
  /// Told of issue and recall, to queue the messages to the recipients; none: nothing is sent.
  ExchangeHooks* exchange = nullptr;
};

struct OutgoingActionOutcome {
  workflow::DocumentRecord document;  ///< as stored, with its new revision
  storage::StoredAct act;
};

class OutgoingFlowService {
 public:
  explicit OutgoingFlowService(storage::Database& database) : database_(database) {}

  /// Starts the flow of a new outgoing document as a draft of the latest version of
  /// `templateId`, or when it is empty of the organisation's default template (else
  /// kOutgoingTemplateId), drafted by its creator in the creator's unit; the flow keeps that
  /// version. Joins the caller's transaction (the one that creates the document).
  /// InvalidArgument when `templateId` is not an outgoing template the organisation may use;
  /// InvalidState when the default is missing.
  Status startFlow(const workflow::DocumentRecord& document, const std::string& templateId = "");

  /// Applies one action. Refusals write nothing:
  ///  - NotFound: no such document, or the caller may not see it (another organisation too);
  ///  - PreconditionFailed: the document is no longer at `expectedRevision`;
  ///  - InvalidState: not an outgoing document, or the action does not fit the state;
  ///  - Forbidden, InvalidArgument, Conflict: as workflow::applyOutgoing().
  Result<OutgoingActionOutcome> apply(const OutgoingActionRequest& request);

  /// The actions `caller` may take now on `document` (outgoing, visible to the caller): each
  /// candidate put to workflow::applyOutgoing() as apply() would, nothing stored.
  std::vector<AllowedAction> allowedActions(const workflow::DocumentRecord& document,
                                            const workflow::DocumentViewer& caller, int64_t now);

  /// The document's acts, oldest first; NotFound when the caller may not see the document.
  Result<std::vector<storage::StoredAct>> timeline(const std::string& documentId,
                                                   const workflow::DocumentViewer& caller);

 private:
  /// The document if `caller` may see it.
  std::optional<workflow::DocumentRecord> visibleDocument(const std::string& documentId,
                                                          const workflow::DocumentViewer& caller);
  /// The flow a new document of `templateId` (or the organisation's default) starts with.
  Result<storage::StoredFlow> draftFlow(const workflow::DocumentRecord& document,
                                        const std::string& templateId);
  /// The stored flow, or a new draft flow for a document created before flows were kept.
  Result<storage::StoredFlow> flowOf(const workflow::DocumentRecord& document);
  workflow::Actor actorOf(const workflow::DocumentViewer& caller, int64_t now);
  /// Issuance: the next number of the organisation's outgoing register for the year (Vietnam's
  /// calendar), with its notation, stored on `document` (whose revision moves on by one).
  Status takeNumber(workflow::DocumentRecord& document, const storage::StoredFlow& flow, int year);

  storage::Database& database_;
};

}  // namespace vanthu::api
