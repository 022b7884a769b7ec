#pragma once

#include "vanthu/storage/database.h"
#include "vanthu/workflow/delegations.h"

namespace vanthu::storage {

/// DelegationRepository on the metadata database (table delegations, migration 8).
/// Parameterised SQL only. Borrows `database`; one repository per connection (not thread-safe,
/// as Database).
class SqlDelegationRepository final : public workflow::DelegationRepository {
 public:
  explicit SqlDelegationRepository(Database& database) : database_(database) {}

  Status addDelegation(const workflow::Delegation& delegation) override;
  std::optional<workflow::Delegation> findDelegation(const std::string& id) override;
  std::vector<workflow::Delegation> listDelegations(const std::string& organisationId) override;
  Status revokeDelegation(const std::string& id, int64_t at) override;
  std::optional<workflow::Delegation> findInForce(const std::string& fromUserId,
                                                  const std::string& toUserId,
                                                  workflow::DelegationScope scope,
                                                  int64_t at) override;

 private:
  Database& database_;
};

}  // namespace vanthu::storage
