#include "vanthu/workflow/delegations.h"

#include <array>
#include <utility>

namespace vanthu::workflow {
namespace {

constexpr std::array<std::pair<DelegationScope, std::string_view>, 3> kScopes = {{
    {DelegationScope::Sign, "sign"},
    {DelegationScope::Approve, "approve"},
    {DelegationScope::All, "all"},
}};

}  // namespace

std::string_view delegationScopeName(DelegationScope scope) {
  for (const auto& [value, name] : kScopes) {
    if (value == scope) return name;
  }
  return "unknown";
}

std::optional<DelegationScope> delegationScopeFromName(std::string_view name) {
  for (const auto& [value, text] : kScopes) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Status validateDelegation(const Delegation& delegation, const User& from, const User& to) {
  if (delegation.id.empty()) return Status::invalidArgument("delegation id is empty");
  if (delegation.scope == DelegationScope::Unknown) {
    return Status::invalidArgument("delegation scope must be sign, approve or all");
  }
  if (from.id != delegation.fromUserId || to.id != delegation.toUserId) {
    return Status::invalidArgument("delegation names other users than the ones given");
  }
  if (from.id == to.id) {
    return Status::invalidArgument("a user cannot delegate to themselves");
  }
  if (from.organisationId != delegation.organisationId ||
      to.organisationId != delegation.organisationId) {
    return Status::invalidArgument("both users of a delegation must belong to its organisation");
  }
  if (delegation.endsAt <= delegation.startsAt) {
    return Status::invalidArgument("a delegation must end after it starts");
  }
  if (!to.active) {
    return Status::invalidArgument("user " + to.username +
                                   " is deactivated and cannot receive a delegation");
  }
  return Status::ok();
}

bool delegationCovers(const Delegation& delegation, DelegationScope scope, int64_t at) {
  if (delegation.revokedAt != 0 && delegation.revokedAt <= at) return false;
  if (at < delegation.startsAt || at >= delegation.endsAt) return false;
  return delegation.scope == DelegationScope::All || delegation.scope == scope;
}

std::optional<Delegation> delegationInForce(const std::vector<Delegation>& delegations,
                                            const std::string& fromUserId,
                                            const std::string& toUserId, DelegationScope scope,
                                            int64_t at) {
  std::optional<Delegation> found;
  for (const auto& delegation : delegations) {
    if (delegation.fromUserId != fromUserId || delegation.toUserId != toUserId) continue;
    if (!delegationCovers(delegation, scope, at)) continue;
    if (!found || delegation.startsAt > found->startsAt) found = delegation;
  }
  return found;
}

}  // namespace vanthu::workflow
