#include "vanthu/workflow/approval_flow.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vanthu::workflow {
namespace {

constexpr std::array<std::pair<OutgoingStatus, std::string_view>, 9> kStatuses = {{
    {OutgoingStatus::Draft, "draft"},
    {OutgoingStatus::Review, "review"},
    {OutgoingStatus::Signing, "signing"},
    {OutgoingStatus::Signed, "signed"},
    {OutgoingStatus::Issued, "issued"},
    {OutgoingStatus::Returned, "returned"},
    {OutgoingStatus::Withdrawn, "withdrawn"},
    {OutgoingStatus::Rejected, "rejected"},
    {OutgoingStatus::Recalled, "recalled"},
}};
constexpr std::array<std::pair<OutgoingActionKind, std::string_view>, 9> kActions = {{
    {OutgoingActionKind::Edit, "edit"},
    {OutgoingActionKind::Submit, "submit"},
    {OutgoingActionKind::Approve, "approve"},
    {OutgoingActionKind::Return, "return"},
    {OutgoingActionKind::Reject, "reject"},
    {OutgoingActionKind::Withdraw, "withdraw"},
    {OutgoingActionKind::Sign, "sign"},
    {OutgoingActionKind::Issue, "issue"},
    {OutgoingActionKind::Recall, "recall"},
}};

// Everything one decision needs, so the per-action functions stay short.
struct Step {
  const WorkflowTemplate& flow;
  const FlowState& state;
  const Actor& actor;
  const OutgoingAction& action;
  int64_t now;

  const TemplateLevel& level(int number) const { return flow.levels[number - 1]; }
  int lastLevel() const { return static_cast<int>(flow.levels.size()); }
  std::string name() const { return std::string(outgoingActionName(action.kind)); }
  std::string statusName() const { return std::string(outgoingStatusName(state.status)); }

  Status wrongState() const {
    return Status::invalidState("cannot " + name() + " a document that is " + statusName() +
                                (state.status == OutgoingStatus::Review
                                     ? " at level " + std::to_string(state.level)
                                     : std::string()));
  }

  Act act(int toLevel, std::string comment = {}) const {
    Act a;
    a.action = name();
    a.actorId = actor.userId;
    a.fromLevel = state.level;
    a.toLevel = toLevel;
    a.comment = comment.empty() ? action.reason : std::move(comment);
    a.at = now;
    return a;
  }
};

Transition transitionTo(FlowState state, Act act) {
  Transition transition;
  transition.state = std::move(state);
  transition.act = std::move(act);
  return transition;
}

bool blank(const std::string& text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

bool contains(const std::vector<int>& levels, int level) {
  return std::find(levels.begin(), levels.end(), level) != levels.end();
}

// Where the document waits after `after` is done: the next level the drafter did not skip. The
// sign and issue levels cannot be skipped, so there always is one before the end.
int nextLevel(const Step& step, const std::vector<int>& skipped, int after) {
  int next = after + 1;
  while (next < step.lastLevel() && contains(skipped, next)) ++next;
  return next;
}

OutgoingStatus statusAtLevel(const Step& step, int level) {
  return step.level(level).action == LevelAction::Sign ? OutgoingStatus::Signing
                                                       : OutgoingStatus::Review;
}

// A stored state that the template cannot explain is refused rather than guessed at.
Status fitsTemplate(const Step& step) {
  const auto& s = step.state;
  if (s.level < 1 || s.level > step.lastLevel()) {
    return Status::invalidArgument("the document is at level " + std::to_string(s.level) +
                                   "; template " + step.flow.id + " has levels 1.." +
                                   std::to_string(step.lastLevel()));
  }
  if (s.organisationId.empty() || s.drafterId.empty()) {
    return Status::invalidArgument("the document's organisation or drafter is missing");
  }
  LevelAction at = step.level(s.level).action;
  bool fits = true;
  switch (s.status) {
    case OutgoingStatus::Draft:
    case OutgoingStatus::Returned:
      fits = s.level == 1;
      break;
    case OutgoingStatus::Review:
      fits = at == LevelAction::Review && !contains(s.skippedLevels, s.level);
      break;
    case OutgoingStatus::Signing:
      fits = at == LevelAction::Sign;
      break;
    case OutgoingStatus::Signed:
    case OutgoingStatus::Issued:
    case OutgoingStatus::Recalled:
      fits = s.level == step.lastLevel();
      break;
    case OutgoingStatus::Withdrawn:
    case OutgoingStatus::Rejected:
      break;
  }
  if (!fits) {
    return Status::invalidArgument("a " + step.statusName() + " document cannot be at level " +
                                   std::to_string(s.level) + " of template " + step.flow.id);
  }
  return Status::ok();
}

Status requireDrafter(const Step& step) {
  if (step.actor.userId != step.state.drafterId ||
      step.actor.organisationId != step.state.organisationId) {
    return Status::forbidden("only the drafter may " + step.name() + " this document");
  }
  return Status::ok();
}

// The authority to act at `levelNumber`: its role, held or delegated. Review levels are lent by
// "approve" delegations, the sign level by "sign" ones; issuing and recalling only by "all".
Result<Authority> levelAuthority(const Step& step, int levelNumber) {
  const auto& level = step.level(levelNumber);
  auto role = roleFromName(level.role);
  DelegationScope scope = level.action == LevelAction::Review ? DelegationScope::Approve
                          : level.action == LevelAction::Sign ? DelegationScope::Sign
                                                              : DelegationScope::All;
  auto authority = authorityFor(step.actor, role.value_or(Role::Unknown), step.state.organisationId,
                                step.state.drafterUnitId, scope, step.now);
  if (!authority) {
    return Status::forbidden(
        "user " + step.actor.userId + " may not " + step.name() + " at level " +
        std::to_string(levelNumber) + " (" + level.role + " of the document's organisation" +
        (step.state.drafterUnitId.empty() ? std::string()
                                          : " for unit " + step.state.drafterUnitId) +
        ")");
  }
  return *authority;
}

Act withAuthority(Act act, const Step& step, int levelNumber, const Authority& authority) {
  act.role = step.level(levelNumber).role;
  act.onBehalfOfId = authority.onBehalfOfId;
  return act;
}

Result<Transition> edit(const Step& step) {
  if (step.state.status != OutgoingStatus::Draft && step.state.status != OutgoingStatus::Returned) {
    return step.wrongState();
  }
  if (auto denied = requireDrafter(step); !denied) return denied;
  return transitionTo(step.state, step.act(1));
}

Result<Transition> submit(const Step& step) {
  if (step.state.status != OutgoingStatus::Draft && step.state.status != OutgoingStatus::Returned) {
    return step.wrongState();
  }
  if (auto denied = requireDrafter(step); !denied) return denied;
  std::vector<int> skipped;
  for (int number : step.action.skipLevels) {
    if (number < 1 || number > step.lastLevel() || !step.level(number).optional) {
      return Status::invalidArgument("level " + std::to_string(number) + " of template " +
                                     step.flow.id + " is not optional and cannot be skipped");
    }
    if (!contains(skipped, number)) skipped.push_back(number);
  }
  std::sort(skipped.begin(), skipped.end());
  FlowState next = step.state;
  next.skippedLevels = skipped;
  next.level = nextLevel(step, skipped, 1);
  next.status = statusAtLevel(step, next.level);
  next.approvalsAtLevel.clear();
  next.returnedTo = 0;
  return transitionTo(next, step.act(next.level));
}

Result<Transition> withdraw(const Step& step) {
  if (step.state.status != OutgoingStatus::Draft && step.state.status != OutgoingStatus::Returned) {
    return step.wrongState();
  }
  if (auto denied = requireDrafter(step); !denied) return denied;
  FlowState next = step.state;
  next.status = OutgoingStatus::Withdrawn;
  return transitionTo(next, step.act(next.level));
}

Result<Transition> approve(const Step& step) {
  if (step.state.status != OutgoingStatus::Review) return step.wrongState();
  auto authority = levelAuthority(step, step.state.level);
  if (!authority) return authority.status();
  const auto& level = step.level(step.state.level);
  FlowState next = step.state;
  if (level.reviewers == ReviewerRule::AllOf) {
    // Distinct people, counted by whose authority they use: a delegate cannot add a second
    // voice for someone who already approved.
    const std::string& who =
        authority.value().onBehalfOfId.empty() ? step.actor.userId : authority.value().onBehalfOfId;
    if (std::find(next.approvalsAtLevel.begin(), next.approvalsAtLevel.end(), who) !=
        next.approvalsAtLevel.end()) {
      return Status(ErrorCode::Conflict, "user " + who + " already approved at level " +
                                             std::to_string(step.state.level) + ", which needs " +
                                             std::to_string(level.reviewerCount) +
                                             " different reviewers");
    }
    next.approvalsAtLevel.push_back(who);
  }
  bool levelDone = level.reviewers != ReviewerRule::AllOf ||
                   static_cast<int>(next.approvalsAtLevel.size()) >= level.reviewerCount;
  if (levelDone) {
    next.level = nextLevel(step, next.skippedLevels, step.state.level);
    next.status = statusAtLevel(step, next.level);
    next.approvalsAtLevel.clear();
    next.returnedTo = 0;
  }
  Transition transition = transitionTo(
      next, withAuthority(step.act(next.level), step, step.state.level, authority.value()));
  transition.approvalSignature = level.approvalSignature;
  return transition;
}

Result<Transition> sendBack(const Step& step) {
  if (step.state.status != OutgoingStatus::Review && step.state.status != OutgoingStatus::Signing) {
    return step.wrongState();
  }
  auto authority = levelAuthority(step, step.state.level);
  if (!authority) return authority.status();
  if (blank(step.action.reason)) {
    return Status::invalidArgument("a return needs a reason");
  }
  int to = step.action.toLevel;
  if (to < 1 || to >= step.state.level) {
    return Status::invalidArgument("a document at level " + std::to_string(step.state.level) +
                                   " can be returned to levels 1.." +
                                   std::to_string(step.state.level - 1) + ", not " +
                                   std::to_string(to));
  }
  if (contains(step.state.skippedLevels, to)) {
    return Status::invalidArgument("level " + std::to_string(to) +
                                   " was skipped by the drafter and cannot review it now");
  }
  FlowState next = step.state;
  next.level = to;
  next.status = to == 1 ? OutgoingStatus::Returned : OutgoingStatus::Review;
  next.returnedTo = to;
  next.approvalsAtLevel.clear();
  return transitionTo(next, withAuthority(step.act(to), step, step.state.level, authority.value()));
}

Result<Transition> reject(const Step& step) {
  if (step.state.status != OutgoingStatus::Review && step.state.status != OutgoingStatus::Signing) {
    return step.wrongState();
  }
  auto authority = levelAuthority(step, step.state.level);
  if (!authority) return authority.status();
  if (blank(step.action.reason)) return Status::invalidArgument("a rejection needs a reason");
  FlowState next = step.state;
  next.status = OutgoingStatus::Rejected;
  next.approvalsAtLevel.clear();
  return transitionTo(
      next, withAuthority(step.act(next.level), step, step.state.level, authority.value()));
}

Result<Transition> sign(const Step& step) {
  if (step.state.status != OutgoingStatus::Signing) return step.wrongState();
  auto authority = levelAuthority(step, step.state.level);
  if (!authority) return authority.status();
  FlowState next = step.state;
  next.status = OutgoingStatus::Signed;
  next.level = step.lastLevel();
  next.approvalsAtLevel.clear();
  next.returnedTo = 0;
  Act act = withAuthority(step.act(next.level), step, step.state.level, authority.value());
  if (!authority.value().onBehalfOfId.empty()) {
    // A deputy signs "KT." for the head; anyone else lent the signature signs under a written,
    // time-limited authorisation: "TUQ." (Decree 30 Art. 13).
    act.authorityMarker =
        std::string(authority.value().deputyForLeader ? kMarkerKyThay : kMarkerThuaUyQuyen);
  }
  Transition transition = transitionTo(next, act);
  transition.signatureRequired = true;
  return transition;
}

Result<Transition> issue(const Step& step) {
  if (step.state.status != OutgoingStatus::Signed) return step.wrongState();
  auto authority = levelAuthority(step, step.lastLevel());
  if (!authority) return authority.status();
  FlowState next = step.state;
  next.status = OutgoingStatus::Issued;
  Transition transition = transitionTo(
      next, withAuthority(step.act(next.level), step, step.lastLevel(), authority.value()));
  transition.numberRequired = true;
  return transition;
}

Result<Transition> recall(const Step& step) {
  if (step.state.status != OutgoingStatus::Issued) return step.wrongState();
  auto authority = levelAuthority(step, step.lastLevel());
  if (!authority) return authority.status();
  if (blank(step.action.reason)) return Status::invalidArgument("a recall needs a reason");
  FlowState next = step.state;
  next.status = OutgoingStatus::Recalled;
  Transition transition = transitionTo(
      next, withAuthority(step.act(next.level), step, step.lastLevel(), authority.value()));
  transition.exchangeStatus = "13";  // "request to take the document back", to every recipient
  return transition;
}

}  // namespace

std::string_view outgoingStatusName(OutgoingStatus status) {
  for (const auto& [value, name] : kStatuses) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<OutgoingStatus> outgoingStatusFromName(std::string_view name) {
  for (const auto& [value, text] : kStatuses) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool isFinal(OutgoingStatus status) {
  return status == OutgoingStatus::Withdrawn || status == OutgoingStatus::Rejected ||
         status == OutgoingStatus::Recalled;
}

std::string_view outgoingActionName(OutgoingActionKind kind) {
  for (const auto& [value, name] : kActions) {
    if (value == kind) return name;
  }
  return "unknown";
}

std::optional<OutgoingActionKind> outgoingActionFromName(std::string_view name) {
  for (const auto& [value, text] : kActions) {
    if (text == name) return value;
  }
  return std::nullopt;
}

FlowState newDraft(std::string organisationId, std::string drafterId, std::string drafterUnitId) {
  FlowState state;
  state.organisationId = std::move(organisationId);
  state.drafterId = std::move(drafterId);
  state.drafterUnitId = std::move(drafterUnitId);
  return state;
}

Result<Transition> applyOutgoing(const WorkflowTemplate& workflowTemplate, const FlowState& state,
                                 const Actor& actor, const OutgoingAction& action, int64_t now) {
  if (auto usable = validateTemplate(workflowTemplate); !usable) return usable;
  if (workflowTemplate.direction != "outgoing") {
    return Status::invalidArgument("template " + workflowTemplate.id + " is not an outgoing flow");
  }
  Step step{workflowTemplate, state, actor, action, now};
  if (auto fits = fitsTemplate(step); !fits) return fits;
  if (isFinal(state.status)) {
    return Status::invalidState("the document is " + step.statusName() +
                                " and does not move again");
  }
  switch (action.kind) {
    case OutgoingActionKind::Edit:
      return edit(step);
    case OutgoingActionKind::Submit:
      return submit(step);
    case OutgoingActionKind::Approve:
      return approve(step);
    case OutgoingActionKind::Return:
      return sendBack(step);
    case OutgoingActionKind::Reject:
      return reject(step);
    case OutgoingActionKind::Withdraw:
      return withdraw(step);
    case OutgoingActionKind::Sign:
      return sign(step);
    case OutgoingActionKind::Issue:
      return issue(step);
    case OutgoingActionKind::Recall:
      return recall(step);
  }
  return Status::invalidArgument("unknown outgoing action");
}

}  // namespace vanthu::workflow
