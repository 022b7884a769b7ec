#include "vanthu/workflow/acting.h"

#include <algorithm>

namespace vanthu::workflow {

bool grantApplies(const RoleGrant& grant, Role role, const std::string& organisationId,
                  const std::string& unitId) {
  if (grant.role != role || grant.organisationId != organisationId) return false;
  return !grant.unitId || *grant.unitId == unitId;
}

std::optional<Authority> authorityFor(const Actor& actor, Role role,
                                      const std::string& organisationId, const std::string& unitId,
                                      DelegationScope scope, int64_t at) {
  if (actor.userId.empty() || actor.organisationId != organisationId) return std::nullopt;
  auto ownGrant = [&](const RoleGrant& grant) {
    return grant.userId == actor.userId && grantApplies(grant, role, organisationId, unitId);
  };
  if (std::any_of(actor.grants.begin(), actor.grants.end(), ownGrant)) return Authority{};

  // The giver must hold the role now: a delegation outlives a revoked grant only on paper.
  std::optional<Delegation> chosen;
  for (const auto& delegation : actor.delegationsToActor) {
    if (delegation.toUserId != actor.userId || delegation.organisationId != organisationId) {
      continue;
    }
    if (delegation.fromUserId == actor.userId || !delegationCovers(delegation, scope, at)) {
      continue;
    }
    bool giverHolds = std::any_of(actor.grantsOfDelegators.begin(), actor.grantsOfDelegators.end(),
                                  [&](const RoleGrant& grant) {
                                    return grant.userId == delegation.fromUserId &&
                                           grantApplies(grant, role, organisationId, unitId);
                                  });
    if (!giverHolds) continue;
    // As delegationInForce: the most recently started one speaks for the giver.
    if (!chosen || delegation.startsAt > chosen->startsAt) chosen = delegation;
  }
  if (!chosen) return std::nullopt;
  Authority authority;
  authority.onBehalfOfId = chosen->fromUserId;
  authority.deputyForLeader =
      role == Role::Leader &&
      std::any_of(actor.grants.begin(), actor.grants.end(), [&](const RoleGrant& grant) {
        return grant.userId == actor.userId && grant.role == Role::DeputyLeader &&
               grant.organisationId == organisationId;
      });
  return authority;
}

}  // namespace vanthu::workflow
