#pragma once

// The outgoing flow (DESIGN §2, "Outgoing states and actions") as a pure state machine driven by
// a WorkflowTemplate: level 1 drafts, review levels approve, one level signs, the last issues.
// applyOutgoing() decides; it reads no clock and writes nothing. The application loads the
// document's FlowState and the actor, applies, and stores the new state and the Act together
// (with the document's revision, so two concurrent acts cannot both win).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/acting.h"
#include "vanthu/workflow/error.h"
#include "vanthu/workflow/templates.h"

namespace vanthu::workflow {

enum class OutgoingStatus : uint8_t {
  Draft,
  Review,   ///< at a review level (FlowState::level)
  Signing,  ///< at the sign level
  Signed,   ///< waiting for the clerk to issue
  Issued,
  Returned,   ///< back with the drafter (level 1) with a reason
  Withdrawn,  ///< final
  Rejected,   ///< final
  Recalled,   ///< final (thu hồi after issue)
};

/// "draft", "review", "signing", "signed", "issued", "returned", "withdrawn", "rejected",
/// "recalled": DocumentRecord::status.
std::string_view outgoingStatusName(OutgoingStatus status);
std::optional<OutgoingStatus> outgoingStatusFromName(std::string_view name);
/// Withdrawn, rejected and recalled documents never move again.
bool isFinal(OutgoingStatus status);

/// Where a document is in its flow.
struct FlowState {
  OutgoingStatus status = OutgoingStatus::Draft;
  int level = 1;  ///< the template level the document waits at
  /// Whose authority approved at the current level so far (the giver's id for a delegated
  /// approval): "all of N" needs N different people.
  std::vector<std::string> approvalsAtLevel;
  int returnedTo = 0;  ///< the level it was last sent back to; 0 once it moves forward again
  std::vector<int> skippedLevels;  ///< optional levels the drafter chose to skip at submit
  std::string organisationId;      ///< the document's organisation
  std::string drafterId;
  std::string drafterUnitId;  ///< unit-limited grants (the department head) apply to this unit
};

/// A new document's state: a draft at level 1.
FlowState newDraft(std::string organisationId, std::string drafterId, std::string drafterUnitId);

enum class OutgoingActionKind : uint8_t {
  Edit,  ///< edit metadata or upload a version: the drafter, in Draft or Returned
  Submit,
  Approve,
  Return,
  Reject,
  Withdraw,
  Sign,
  Issue,
  Recall,
};

/// "edit", "submit", "approve", "return", "reject", "withdraw", "sign", "issue", "recall".
std::string_view outgoingActionName(OutgoingActionKind kind);
std::optional<OutgoingActionKind> outgoingActionFromName(std::string_view name);

struct OutgoingAction {
  OutgoingActionKind kind = OutgoingActionKind::Edit;
  int toLevel = 0;              ///< Return: the earlier level to send the document back to
  std::string reason;           ///< required for Return, Reject, Recall; a comment for the others
  std::vector<int> skipLevels;  ///< Submit: optional review levels to skip
};

/// What an accepted action leads to.
struct Transition {
  FlowState state;
  Act act;
  bool signatureRequired = false;  ///< Sign: apply the visible signature (with act.authorityMarker)
  bool approvalSignature = false;  ///< Approve at a level that records an invisible signature
  bool numberRequired = false;     ///< Issue: take the next register number
  std::string exchangeStatus;      ///< edXML status to send to recipients: "13" on recall
};

/// Applies `action` by `actor` at `now` (Unix seconds) to a document of `workflowTemplate` in
/// `state`. Refusals leave nothing to store:
///  - InvalidArgument: an unusable template or state, a missing reason, a bad level;
///  - Forbidden: not the drafter, not a holder (or delegate) of the level's role in the
///    document's organisation (and, for unit-limited grants, the drafter's unit);
///  - InvalidState: the action does not fit the state (final states never move);
///  - Conflict: the same person approving twice at an "all of N" level.
Result<Transition> applyOutgoing(const WorkflowTemplate& workflowTemplate, const FlowState& state,
                                 const Actor& actor, const OutgoingAction& action, int64_t now);

}  // namespace vanthu::workflow
