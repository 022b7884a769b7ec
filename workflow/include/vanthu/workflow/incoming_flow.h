#pragma once

// The incoming flow (DESIGN §2, "Incoming states and actions"; Decree 30 Art. 20-24) as a pure
// state machine: received → registered → assigned → in progress → completed, or refused at the
// door. Every step tells the sender where its document is, with the edXML status code that
// applyIncoming() returns (standards §2.4).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/acting.h"
#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

enum class IncomingStatus : uint8_t {
  Received,  ///< arrived (signatures verified on arrival)
  Registered,
  Refused,  ///< final
  Assigned,
  InProgress,
  Completed,  ///< final
};

/// "received", "registered", "refused", "assigned", "in_progress", "completed".
std::string_view incomingStatusName(IncomingStatus status);
std::optional<IncomingStatus> incomingStatusFromName(std::string_view name);
bool isFinal(IncomingStatus status);
/// The edXML status code that tells the sender about `status`: "01" received, "02" refused,
/// "03" registered, "04" assigned, "05" in progress, "06" completed.
std::string_view exchangeStatusCode(IncomingStatus status);

struct IncomingState {
  IncomingStatus status = IncomingStatus::Received;
  std::string organisationId;                  ///< the receiving organisation
  std::string leadUnitId;                      ///< chủ trì
  std::vector<std::string> supportingUnitIds;  ///< phối hợp
  std::string dueDate;                         ///< ISO date
  std::string instruction;                     ///< bút phê
  std::string specialistId;                    ///< "" until the unit head names one
  std::string result;
  std::string replyDocumentId;  ///< the outgoing document that answers it, if any
};

enum class IncomingActionKind : uint8_t {
  Register,
  Refuse,
  Assign,
  AssignSpecialist,
  NoteProgress,
  Complete,
};

/// "register", "refuse", "assign", "assign_specialist", "note_progress", "complete".
std::string_view incomingActionName(IncomingActionKind kind);
std::optional<IncomingActionKind> incomingActionFromName(std::string_view name);

struct IncomingAction {
  IncomingActionKind kind = IncomingActionKind::Register;
  std::string text;  ///< Refuse: the reason; NoteProgress: the note; Complete: the result
  // Assign
  std::string leadUnitId;
  std::vector<std::string> supportingUnitIds;
  std::string dueDate;  ///< ISO date
  std::string instruction;
  // AssignSpecialist
  std::string specialistId;
  // Complete
  std::string replyDocumentId;
};

struct IncomingTransition {
  IncomingState state;
  Act act;
  std::string exchangeStatus;  ///< the code for the new state
  bool notifySender = false;   ///< the state changed, so the sender gets exchangeStatus
};

/// Applies `action` by `actor` at `now` (Unix seconds). Who may:
///  - register, refuse {reason}: the clerk of the receiving organisation (Received only);
///  - assign {lead unit, supporting units, due date, instruction}: the leader, or someone the
///    leader lent "approve" to (Registered only);
///  - assign_specialist {user}: the head of the lead unit or their delegate (Assigned, or
///    In progress to hand the work to someone else);
///  - note_progress {note}: the assigned specialist or the head of the lead unit;
///  - complete {result, reply document}: the same, once in progress.
/// Refusals: Forbidden (who), InvalidState (when; refused and completed never move),
/// InvalidArgument (a missing reason/result/unit, a malformed due date).
Result<IncomingTransition> applyIncoming(const IncomingState& state, const Actor& actor,
                                         const IncomingAction& action, int64_t now);

}  // namespace vanthu::workflow
