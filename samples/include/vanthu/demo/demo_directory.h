#pragma once

// The demo organisations across the tiers of government, their units and users (DESIGN §1, §4).
// The agency codes have the real form (standards/vn-government.md §3) but are illustrative.

#include <string>
#include <vector>

#include "vanthu/workflow/directory.h"

namespace vanthu::demo {

struct DemoUser {
  std::string username;
  std::string fullName;
  std::string position;
  std::string organisationId;
  std::string unitId;  ///< empty: no unit
  std::vector<workflow::Role> roles;
  bool signs = false;        ///< gets a personal certificate and a signature image
  bool ellipticKey = false;  ///< P-256 instead of RSA-2048 for the personal key
};

struct DemoDirectory {
  std::vector<workflow::Tier> tiers;
  std::vector<workflow::Organisation> organisations;
  std::vector<workflow::Unit> units;
  std::vector<DemoUser> users;
};

const DemoDirectory& demoDirectory();

/// The role grants `user` (stored with id `userId`) gets. A department head's authority is
/// limited to their department (the drafter's unit in the approval flow); every other role acts
/// for the whole organisation, so the office chief, the leaders and the clerk handle documents
/// drafted in any unit.
std::vector<workflow::RoleGrant> demoRoleGrants(const DemoUser& user, const std::string& userId);

}  // namespace vanthu::demo
