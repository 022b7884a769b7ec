#pragma once

// Who acts, and with whose authority: shared by the outgoing and the incoming flows. A user acts
// with a role they hold in the document's organisation, or with the role of someone who lent it
// to them through a delegation in force. Every accepted action leaves one Act behind, which the
// application writes to the audit trail.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/delegations.h"
#include "vanthu/workflow/directory.h"

namespace vanthu::workflow {

/// The caller as the flows need them. The application loads the grants and delegations; the
/// flows never reach for a directory.
struct Actor {
  std::string userId;
  std::string organisationId;
  std::vector<RoleGrant> grants;               ///< the actor's own roles
  std::vector<Delegation> delegationsToActor;  ///< delegations whose receiver is the actor
  /// The role grants of the givers of `delegationsToActor`: a delegation lends only what its
  /// giver holds, so acting through one needs the giver's roles too.
  std::vector<RoleGrant> grantsOfDelegators;
};

// Signing-authority markers (Decree 30 Art. 13), printed before the position in the signature
// block. TM. (collective bodies), TL. and Q. are for when the directory knows those regimes.
inline constexpr std::string_view kMarkerKyThay = "KT.";        ///< a deputy for the head
inline constexpr std::string_view kMarkerThuaUyQuyen = "TUQ.";  ///< under a written authorisation
inline constexpr std::string_view kMarkerThuaLenh = "TL.";      ///< reserved
inline constexpr std::string_view kMarkerThayMat = "TM.";       ///< reserved

/// One accepted action, as the audit trail keeps it.
struct Act {
  std::string action;        ///< the action's stable name: "submit", "approve", "register", ...
  std::string actorId;       ///< who pressed the button
  std::string onBehalfOfId;  ///< whose authority, when through a delegation; "" otherwise
  /// The role the act was done with ("department_head", ...); "" for the drafter's own acts and
  /// a specialist's work on an assignment, which come from the document, not from a role.
  std::string role;
  std::string authorityMarker;  ///< "" normally; "KT." / "TUQ." on a delegated signature
  int fromLevel = 0;            ///< outgoing: the level before and after; 0 for incoming
  int toLevel = 0;
  std::string comment;  ///< the reason, result or note the actor gave
  int64_t at = 0;       ///< Unix seconds, given by the caller
};

/// The authority an actor uses for one action.
struct Authority {
  std::string onBehalfOfId;      ///< "" for the actor's own role
  bool deputyForLeader = false;  ///< a deputy leader acting for a leader (signs "KT.")
};

/// Whether `grant` gives `role` in `organisationId` where the document's unit is `unitId`: a
/// grant limited to a unit applies only to that unit ("" = no unit: only organisation-wide
/// grants apply).
bool grantApplies(const RoleGrant& grant, Role role, const std::string& organisationId,
                  const std::string& unitId);

/// How `actor` may act as `role` in `organisationId` for a document of `unitId` at `at`: by an
/// own grant (preferred), or through a delegation of `scope` in force from a user whose grant
/// applies. Empty when neither; an actor of another organisation never acts.
std::optional<Authority> authorityFor(const Actor& actor, Role role,
                                      const std::string& organisationId, const std::string& unitId,
                                      DelegationScope scope, int64_t at);

}  // namespace vanthu::workflow
