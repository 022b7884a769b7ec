#pragma once

#include <map>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/exchange_messages.h"

namespace vanthu::storage {

/// ExchangeRepository on the metadata database. Claiming is one atomic UPDATE (SQLite holds
/// the write lock for it; PostgreSQL skips rows another instance has locked and re-checks the
/// lease on the row it updates), so instances sharing a PostgreSQL database never send the same
/// message at once. Borrows `database`; one repository per connection.
class SqlExchangeRepository final : public workflow::ExchangeRepository {
 public:
  explicit SqlExchangeRepository(Database& database) : database_(database) {}

  Status enqueue(const workflow::OutboxMessage& message) override;
  std::vector<workflow::OutboxMessage> claimDue(const std::string& now, const std::string& owner,
                                                const std::string& leaseUntil, int limit) override;
  Status markDelivered(const std::string& id, const std::string& owner,
                       const std::string& at) override;
  Status markAttemptFailed(const std::string& id, const std::string& owner,
                           const std::string& error, const std::string& nextAttemptAt,
                           bool giveUp) override;
  /// A message given up ("failed") is pending again, due at `at`, its attempts counted from 0
  /// (after the peer's endpoint or token was corrected). InvalidState for one not given up,
  /// NotFound for an unknown id.
  Status requeue(const std::string& id, const std::string& at);
  std::optional<workflow::OutboxMessage> outboxMessage(const std::string& id) override;
  std::vector<workflow::OutboxMessage> outboxOf(const std::string& documentId) override;
  /// How many outbox messages are in each status (pending, delivered, failed), for monitoring.
  std::map<std::string, int64_t> outboxCountsByStatus();

  Result<bool> recordReceived(const workflow::InboxMessage& message) override;
  Status markProcessed(const std::string& id, const std::string& status,
                       const std::string& documentId, const std::string& note,
                       const std::string& at) override;
  std::optional<workflow::InboxMessage> inboxMessage(const std::string& id) override;
  std::vector<workflow::InboxMessage> inboxOf(const std::string& organisationId, int offset,
                                              int limit, int64_t* total) override;

 private:
  Database& database_;
};

}  // namespace vanthu::storage
