#include "vanthu/workflow/incoming_flow.h"

#include <algorithm>
#include <array>
#include <utility>

#include "vanthu/workflow/deadlines.h"

namespace vanthu::workflow {
namespace {

struct StatusEntry {
  IncomingStatus status;
  std::string_view name;
  std::string_view exchangeCode;
};

constexpr std::array<StatusEntry, 6> kStatuses = {{
    {IncomingStatus::Received, "received", "01"},
    {IncomingStatus::Refused, "refused", "02"},
    {IncomingStatus::Registered, "registered", "03"},
    {IncomingStatus::Assigned, "assigned", "04"},
    {IncomingStatus::InProgress, "in_progress", "05"},
    {IncomingStatus::Completed, "completed", "06"},
}};
constexpr std::array<std::pair<IncomingActionKind, std::string_view>, 6> kActions = {{
    {IncomingActionKind::Register, "register"},
    {IncomingActionKind::Refuse, "refuse"},
    {IncomingActionKind::Assign, "assign"},
    {IncomingActionKind::AssignSpecialist, "assign_specialist"},
    {IncomingActionKind::NoteProgress, "note_progress"},
    {IncomingActionKind::Complete, "complete"},
}};

bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

struct Step {
  const IncomingState& state;
  const Actor& actor;
  const IncomingAction& action;
  int64_t now;

  std::string name() const { return std::string(incomingActionName(action.kind)); }

  Status wrongState() const {
    return Status::invalidState("cannot " + name() + " an incoming document that is " +
                                std::string(incomingStatusName(state.status)));
  }

  Result<IncomingTransition> to(IncomingState next, const std::string& role,
                                const Authority& authority, std::string comment) const {
    IncomingTransition transition;
    transition.notifySender = next.status != state.status;
    transition.exchangeStatus = std::string(exchangeStatusCode(next.status));
    transition.state = std::move(next);
    transition.act.action = name();
    transition.act.actorId = actor.userId;
    transition.act.onBehalfOfId = authority.onBehalfOfId;
    transition.act.role = role;
    transition.act.comment = std::move(comment);
    transition.act.at = now;
    return transition;
  }
};

Status denied(const Step& step, const std::string& who) {
  return Status::forbidden("user " + step.actor.userId + " may not " + step.name() +
                           " this document: only " + who + " of the receiving organisation");
}

// A role of the organisation as a whole: the clerk, the leader. Unit-limited grants do not count.
Result<Authority> organisationRole(const Step& step, Role role, DelegationScope scope) {
  auto authority = authorityFor(step.actor, role, step.state.organisationId, "", scope, step.now);
  if (!authority) return denied(step, std::string(roleName(role)));
  return *authority;
}

std::optional<Authority> leadUnitHead(const Step& step) {
  return authorityFor(step.actor, Role::DepartmentHead, step.state.organisationId,
                      step.state.leadUnitId, DelegationScope::Approve, step.now);
}

// The specialist's work comes from the assignment (role ""), the head's from the role.
Result<std::pair<std::string, Authority>> handler(const Step& step) {
  if (step.actor.organisationId == step.state.organisationId && !step.state.specialistId.empty() &&
      step.actor.userId == step.state.specialistId) {
    return std::pair<std::string, Authority>{"", Authority{}};
  }
  if (auto head = leadUnitHead(step)) {
    return std::pair<std::string, Authority>{std::string(roleName(Role::DepartmentHead)), *head};
  }
  return denied(step, "the assigned specialist or the head of the lead unit");
}

Result<IncomingTransition> registerOrRefuse(const Step& step) {
  if (step.state.status != IncomingStatus::Received) return step.wrongState();
  auto authority = organisationRole(step, Role::Clerk, DelegationScope::All);
  if (!authority) return authority.status();
  IncomingState next = step.state;
  if (step.action.kind == IncomingActionKind::Refuse) {
    if (blank(step.action.text)) {
      return Status::invalidArgument("a refusal needs a reason for the sender");
    }
    next.status = IncomingStatus::Refused;
  } else {
    next.status = IncomingStatus::Registered;
  }
  return step.to(next, std::string(roleName(Role::Clerk)), authority.value(), step.action.text);
}

Result<IncomingTransition> assign(const Step& step) {
  if (step.state.status != IncomingStatus::Registered) return step.wrongState();
  auto authority = organisationRole(step, Role::Leader, DelegationScope::Approve);
  if (!authority) return authority.status();
  const auto& a = step.action;
  if (a.leadUnitId.empty()) return Status::invalidArgument("an assignment names a lead unit");
  if (!isoDateToDays(a.dueDate)) {
    return Status::invalidArgument("an assignment needs a due date (YYYY-MM-DD), not '" +
                                   a.dueDate + "'");
  }
  std::vector<std::string> supporting;
  for (const auto& unit : a.supportingUnitIds) {
    if (unit.empty() || unit == a.leadUnitId) {
      return Status::invalidArgument("a supporting unit must be named and differ from the lead");
    }
    if (std::find(supporting.begin(), supporting.end(), unit) == supporting.end()) {
      supporting.push_back(unit);
    }
  }
  IncomingState next = step.state;
  next.status = IncomingStatus::Assigned;
  next.leadUnitId = a.leadUnitId;
  next.supportingUnitIds = supporting;
  next.dueDate = a.dueDate;
  next.instruction = a.instruction;
  return step.to(next, std::string(roleName(Role::Leader)), authority.value(), a.instruction);
}

Result<IncomingTransition> assignSpecialist(const Step& step) {
  if (step.state.status != IncomingStatus::Assigned &&
      step.state.status != IncomingStatus::InProgress) {
    return step.wrongState();
  }
  auto head = leadUnitHead(step);
  if (!head) return denied(step, "the head of the lead unit");
  if (step.action.specialistId.empty()) {
    return Status::invalidArgument("name the specialist who handles the document");
  }
  IncomingState next = step.state;
  next.status = IncomingStatus::InProgress;
  next.specialistId = step.action.specialistId;
  return step.to(next, std::string(roleName(Role::DepartmentHead)), *head, step.action.text);
}

Result<IncomingTransition> noteProgress(const Step& step) {
  if (step.state.status != IncomingStatus::Assigned &&
      step.state.status != IncomingStatus::InProgress) {
    return step.wrongState();
  }
  auto who = handler(step);
  if (!who) return who.status();
  if (blank(step.action.text)) return Status::invalidArgument("a progress note is empty");
  IncomingState next = step.state;
  next.status = IncomingStatus::InProgress;
  return step.to(next, who.value().first, who.value().second, step.action.text);
}

Result<IncomingTransition> complete(const Step& step) {
  if (step.state.status != IncomingStatus::InProgress) return step.wrongState();
  auto who = handler(step);
  if (!who) return who.status();
  if (blank(step.action.text)) return Status::invalidArgument("a completion states the result");
  IncomingState next = step.state;
  next.status = IncomingStatus::Completed;
  next.result = step.action.text;
  next.replyDocumentId = step.action.replyDocumentId;
  return step.to(next, who.value().first, who.value().second, step.action.text);
}

}  // namespace

std::string_view incomingStatusName(IncomingStatus status) {
  for (const auto& entry : kStatuses) {
    if (entry.status == status) return entry.name;
  }
  return "unknown";
}

std::optional<IncomingStatus> incomingStatusFromName(std::string_view name) {
  for (const auto& entry : kStatuses) {
    if (entry.name == name) return entry.status;
  }
  return std::nullopt;
}

bool isFinal(IncomingStatus status) {
  return status == IncomingStatus::Refused || status == IncomingStatus::Completed;
}

std::string_view exchangeStatusCode(IncomingStatus status) {
  for (const auto& entry : kStatuses) {
    if (entry.status == status) return entry.exchangeCode;
  }
  return "";
}

std::string_view incomingActionName(IncomingActionKind kind) {
  for (const auto& [value, name] : kActions) {
    if (value == kind) return name;
  }
  return "unknown";
}

std::optional<IncomingActionKind> incomingActionFromName(std::string_view name) {
  for (const auto& [value, text] : kActions) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Result<IncomingTransition> applyIncoming(const IncomingState& state, const Actor& actor,
                                         const IncomingAction& action, int64_t now) {
  if (state.organisationId.empty()) {
    return Status::invalidArgument("the incoming document has no receiving organisation");
  }
  Step step{state, actor, action, now};
  if (isFinal(state.status)) {
    return Status::invalidState("the incoming document is " +
                                std::string(incomingStatusName(state.status)) +
                                " and does not move again");
  }
  switch (action.kind) {
    case IncomingActionKind::Register:
    case IncomingActionKind::Refuse:
      return registerOrRefuse(step);
    case IncomingActionKind::Assign:
      return assign(step);
    case IncomingActionKind::AssignSpecialist:
      return assignSpecialist(step);
    case IncomingActionKind::NoteProgress:
      return noteProgress(step);
    case IncomingActionKind::Complete:
      return complete(step);
  }
  return Status::invalidArgument("unknown incoming action");
}

}  // namespace vanthu::workflow
