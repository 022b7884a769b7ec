#pragma once

// Who acts for whom, from when to when: a leader away on a mission lets the deputy sign, a
// department head lets a colleague approve. A delegation is never deleted; revoking it keeps the
// row so that what was done under it can still be explained.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

enum class DelegationScope : uint8_t { Unknown = 0, Sign, Approve, All };

/// "sign", "approve", "all".
std::string_view delegationScopeName(DelegationScope scope);
std::optional<DelegationScope> delegationScopeFromName(std::string_view name);

struct Delegation {
  std::string id;
  std::string organisationId;
  std::string fromUserId;  ///< whose authority is lent
  std::string toUserId;    ///< who acts for them
  DelegationScope scope = DelegationScope::Unknown;
  int64_t startsAt = 0;  ///< Unix seconds, inclusive
  int64_t endsAt = 0;    ///< Unix seconds, exclusive
  std::string reason;
  std::string createdBy;
  int64_t createdAt = 0;
  int64_t revokedAt = 0;  ///< 0: not revoked
};

/// Checks a new delegation against the two users it names: both of `delegation.organisationId`,
/// not the same person, a known scope, an end after the start, and a receiver who is active.
Status validateDelegation(const Delegation& delegation, const User& from, const User& to);

/// Whether `delegation` lets its receiver act for its giver in `scope` at `at`: not revoked (or
/// revoked after `at`), started, not ended, and of that scope or of "all".
bool delegationCovers(const Delegation& delegation, DelegationScope scope, int64_t at);

/// The delegation among `delegations` from `fromUserId` to `toUserId` in force for `scope` at
/// `at`; the most recently started one when several are.
std::optional<Delegation> delegationInForce(const std::vector<Delegation>& delegations,
                                            const std::string& fromUserId,
                                            const std::string& toUserId, DelegationScope scope,
                                            int64_t at);

/// Port: stored delegations. Adapter: storage::SqlDelegationRepository. Infrastructure failures
/// throw vanthu::Error.
class DelegationRepository {
 public:
  virtual ~DelegationRepository() = default;
  /// AlreadyExists for a used id, InvalidArgument for unknown users or organisation.
  virtual Status addDelegation(const Delegation& delegation) = 0;
  virtual std::optional<Delegation> findDelegation(const std::string& id) = 0;
  /// The organisation's delegations, revoked ones included, newest start first.
  virtual std::vector<Delegation> listDelegations(const std::string& organisationId) = 0;
  /// Sets revokedAt; NotFound when there is no such delegation, InvalidState when it already is
  /// revoked.
  virtual Status revokeDelegation(const std::string& id, int64_t at) = 0;
  /// As workflow::delegationInForce over the stored delegations.
  virtual std::optional<Delegation> findInForce(const std::string& fromUserId,
                                                const std::string& toUserId, DelegationScope scope,
                                                int64_t at) = 0;
};

}  // namespace vanthu::workflow
