#pragma once

// A small directory for the flow tests: two organisations with the same shape (so a role held
// in the wrong one can be tried), each with two units, every role, and delegations of each kind.
// Delegations run from t=1000 to t=2000; tests act at kNow unless they test the window.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/acting.h"
#include "vanthu/workflow/directory.h"

namespace flow_fixture {

using namespace vanthu::workflow;

inline constexpr int64_t kNow = 1500;

struct Directory {
  std::vector<RoleGrant> grants;
  std::vector<Delegation> delegations;
  std::vector<std::string> userIds;

  void grant(const std::string& user, Role role, const std::string& organisation,
             std::optional<std::string> unit = std::nullopt) {
    grants.push_back(RoleGrant{user, role, organisation, std::move(unit)});
    if (std::find(userIds.begin(), userIds.end(), user) == userIds.end()) {
      userIds.push_back(user);
    }
  }

  void delegate(const std::string& id, const std::string& organisation, const std::string& from,
                const std::string& to, DelegationScope scope, int64_t startsAt = 1000,
                int64_t endsAt = 2000, int64_t revokedAt = 0) {
    Delegation d;
    d.id = id;
    d.organisationId = organisation;
    d.fromUserId = from;
    d.toUserId = to;
    d.scope = scope;
    d.startsAt = startsAt;
    d.endsAt = endsAt;
    d.revokedAt = revokedAt;
    delegations.push_back(d);
  }

  /// The organisation is the one of the user's first grant (every fixture user has one).
  Actor actor(const std::string& userId) const {
    Actor a;
    a.userId = userId;
    for (const auto& g : grants) {
      if (g.userId != userId) continue;
      if (a.organisationId.empty()) a.organisationId = g.organisationId;
      a.grants.push_back(g);
    }
    for (const auto& d : delegations) {
      if (d.toUserId != userId) continue;
      a.delegationsToActor.push_back(d);
      for (const auto& g : grants) {
        if (g.userId == d.fromUserId) a.grantsOfDelegators.push_back(g);
      }
    }
    return a;
  }
};

/// Organisation `org` ("ubnd" or "xa"); user ids are prefixed with "<org>." so that every role
/// exists twice.
inline void addOrganisation(Directory& d, const std::string& org) {
  auto u = [&](const std::string& name) { return org + "." + name; };
  d.grant(u("cv_th"), Role::Specialist, org, std::string("th"));
  d.grant(u("cv_th2"), Role::Specialist, org, std::string("th"));
  d.grant(u("cv_vp"), Role::Specialist, org, std::string("vp"));
  d.grant(u("tp_th"), Role::DepartmentHead, org, std::string("th"));
  d.grant(u("tp_vp"), Role::DepartmentHead, org, std::string("vp"));
  d.grant(u("cvp"), Role::OfficeChief, org);
  d.grant(u("cvp2"), Role::OfficeChief, org);
  d.grant(u("ct"), Role::Leader, org);
  d.grant(u("pct"), Role::DeputyLeader, org);
  d.grant(u("vt"), Role::Clerk, org);
  d.grant(u("admin"), Role::Administrator, org);
  // The deputy signs for the chair ("KT."); a specialist approves for the head of unit th; the
  // office chief may sign under a written authorisation ("TUQ."); the office chief's colleague
  // may act for them in everything; one delegation ended, one was revoked.
  d.delegate(org + "-d1", org, u("ct"), u("pct"), DelegationScope::Sign);
  d.delegate(org + "-d2", org, u("tp_th"), u("cv_th2"), DelegationScope::Approve);
  d.delegate(org + "-d3", org, u("ct"), u("cvp"), DelegationScope::Sign);
  d.delegate(org + "-d4", org, u("cvp"), u("cvp2"), DelegationScope::All);
  d.delegate(org + "-d5", org, u("ct"), u("cv_vp"), DelegationScope::Sign, 0, 500);
  d.delegate(org + "-d6", org, u("tp_vp"), u("cv_vp"), DelegationScope::Approve, 1000, 2000, 1200);
  // The leader lends "approve" to the deputy, which covers assigning incoming documents.
  d.delegate(org + "-d7", org, u("ct"), u("pct"), DelegationScope::Approve);
}

inline Directory twoOrganisations() {
  Directory d;
  addOrganisation(d, "ubnd");
  addOrganisation(d, "xa");
  return d;
}

}  // namespace flow_fixture
