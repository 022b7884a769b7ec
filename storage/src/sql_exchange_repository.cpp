#include "vanthu/storage/sql_exchange_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <random>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using workflow::InboxMessage;
using workflow::OutboxMessage;

constexpr const char* kOutboxColumns =
    "SELECT id, document_id, recipient_code, kind, payload_hash, status, attempts,"
    " next_attempt_at, last_error, created_at, delivered_at FROM exchange_outbox ";

constexpr const char* kInboxColumns =
    "SELECT id, sender_code, recipient_organisation_id, kind, payload_hash, status,"
    " document_id, note, received_at, processed_at FROM exchange_inbox ";

std::vector<OutboxMessage> readOutbox(RecordSet& rows) {
  std::vector<OutboxMessage> all;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    OutboxMessage m;
    m.id = sql::text(rows, 0);
    m.documentId = sql::text(rows, 1);
    m.recipientCode = sql::text(rows, 2);
    m.kind = sql::text(rows, 3);
    m.payloadHash = sql::text(rows, 4);
    m.status = sql::text(rows, 5);
    m.attempts = static_cast<int>(sql::integer(rows, 6));
    m.nextAttemptAt = sql::text(rows, 7);
    m.lastError = sql::text(rows, 8);
    m.createdAt = sql::text(rows, 9);
    m.deliveredAt = sql::text(rows, 10);
    all.push_back(std::move(m));
  }
  return all;
}

std::vector<InboxMessage> readInbox(RecordSet& rows) {
  std::vector<InboxMessage> all;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    InboxMessage m;
    m.id = sql::text(rows, 0);
    m.senderCode = sql::text(rows, 1);
    m.recipientOrganisationId = sql::text(rows, 2);
    m.kind = sql::text(rows, 3);
    m.payloadHash = sql::text(rows, 4);
    m.status = sql::text(rows, 5);
    m.documentId = sql::text(rows, 6);
    m.note = sql::text(rows, 7);
    m.receivedAt = sql::text(rows, 8);
    m.processedAt = sql::text(rows, 9);
    all.push_back(std::move(m));
  }
  return all;
}

}  // namespace

Status SqlExchangeRepository::enqueue(const OutboxMessage& m) {
  if (m.id.empty() || m.payloadHash.empty()) {
    return Status::invalidArgument("an outbox message needs an id and a payload");
  }
  auto& db = database_.impl();
  try {
    std::string status = "pending";
    int attempts = 0;
    std::string none;
    db.session << db.sql(
        "INSERT INTO exchange_outbox (id, document_id, recipient_code, kind, payload_hash,"
        " status, attempts, next_attempt_at, last_error, created_at, delivered_at, lease_owner,"
        " lease_until, lease_claim) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(m.id), bind(m.documentId), bind(m.recipientCode), bind(m.kind), bind(m.payloadHash),
        bind(status), bind(attempts), bind(m.nextAttemptAt), bind(none), bind(m.createdAt),
        bind(none), bind(none), bind(none), bind(none), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "outbox message " + m.id)) {
      return *status;
    }
    sql::storageFailure(db, "queueing outbox message " + m.id, e);
  }
}

std::vector<OutboxMessage> SqlExchangeRepository::claimDue(const std::string& nowTime,
                                                           const std::string& owner,
                                                           const std::string& leaseUntil,
                                                           int limit) {
  auto& db = database_.impl();
  try {
    // One statement takes the lease. The outer WHERE repeats the conditions: PostgreSQL
    // re-checks it on a row another transaction changed meanwhile, so a row is never taken twice;
    // SKIP LOCKED lets a second instance take other rows instead of waiting.
    const std::string lock = db.dialect == Dialect::Postgresql ? " FOR UPDATE SKIP LOCKED" : "";
    // Each claim is told apart by a token of its own, so a sender gets back exactly the rows
    // this call took, not ones it holds from an earlier call.
    std::random_device random;
    std::string token = owner + "#" + std::to_string(random()) + std::to_string(random()) +
                        std::to_string(random());
    // A read first: an idle outbox (the usual case at every poll) costs no write lock.
    std::vector<std::string> due;
    db.session << db.sql(
        "SELECT id FROM exchange_outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " AND lease_until < ? LIMIT 1"),
        bind(nowTime), bind(nowTime), into(due), now;
    if (due.empty()) return {};
    Poco::Data::Statement claim(db.session);
    claim << db.sql(
        "UPDATE exchange_outbox SET lease_owner = ?, lease_until = ?, lease_claim = ?"
        " WHERE id IN ("
        "SELECT id FROM exchange_outbox WHERE status = 'pending' AND next_attempt_at <= ?"
        " AND lease_until < ? ORDER BY next_attempt_at, id LIMIT ?" +
        lock + ") AND status = 'pending' AND lease_until < ?"),
        bind(owner), bind(leaseUntil), bind(token), bind(nowTime), bind(nowTime), bind(limit),
        bind(nowTime);
    claim.execute();
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOutboxColumns) +
                     "WHERE lease_claim = ? AND status = 'pending' ORDER BY next_attempt_at, id"),
        bind(token), now;
    RecordSet rows(select);
    return readOutbox(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "claiming outbox messages", e);
  }
}

namespace {

Status notHeld(SqlExchangeRepository& repository, const std::string& id, const std::string& owner) {
  auto stored = repository.outboxMessage(id);
  if (!stored) return Status::notFound("outbox message " + id + " does not exist");
  return Status::invalidState("outbox message " + id + " is " + stored->status +
                              (stored->status == "pending" ? " and not held by " + owner : ""));
}

}  // namespace

Status SqlExchangeRepository::markDelivered(const std::string& id, const std::string& owner,
                                            const std::string& at) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE exchange_outbox SET status = 'delivered', delivered_at = ?,"
        " attempts = attempts + 1, lease_owner = '', lease_until = ''"
        " WHERE id = ? AND lease_owner = ? AND status = 'pending'"),
        bind(at), bind(id), bind(owner);
    if (update.execute() == 1) return Status::ok();
    return notHeld(*this, id, owner);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "marking outbox message " + id + " delivered", e);
  }
}

Status SqlExchangeRepository::markAttemptFailed(const std::string& id, const std::string& owner,
                                                const std::string& error,
                                                const std::string& nextAttemptAt, bool giveUp) {
  auto& db = database_.impl();
  try {
    std::string status = giveUp ? "failed" : "pending";
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE exchange_outbox SET status = ?, attempts = attempts + 1, last_error = ?,"
        " next_attempt_at = ?, lease_owner = '', lease_until = ''"
        " WHERE id = ? AND lease_owner = ? AND status = 'pending'"),
        bind(status), bind(error), bind(nextAttemptAt), bind(id), bind(owner);
    if (update.execute() == 1) return Status::ok();
    return notHeld(*this, id, owner);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "recording a failed attempt of outbox message " + id, e);
  }
}

Status SqlExchangeRepository::requeue(const std::string& id, const std::string& at) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE exchange_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?,"
        " lease_owner = '', lease_until = '' WHERE id = ? AND status = 'failed'"),
        bind(at), bind(id);
    if (update.execute() == 1) return Status::ok();
    auto stored = outboxMessage(id);
    if (!stored) return Status::notFound("outbox message " + id + " does not exist");
    return Status::invalidState("outbox message " + id + " is " + stored->status +
                                "; only a message given up is sent again");
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "queueing outbox message " + id + " again", e);
  }
}

std::optional<OutboxMessage> SqlExchangeRepository::outboxMessage(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOutboxColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto all = readOutbox(rows);
    if (all.empty()) return std::nullopt;
    return all.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading outbox message " + id, e);
  }
}

std::vector<OutboxMessage> SqlExchangeRepository::outboxOf(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOutboxColumns) + "WHERE document_id = ? ORDER BY created_at, id"),
        bind(documentId), now;
    RecordSet rows(select);
    return readOutbox(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the outbox of document " + documentId, e);
  }
}

std::map<std::string, int64_t> SqlExchangeRepository::outboxCountsByStatus() {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql("SELECT status, COUNT(*) FROM exchange_outbox GROUP BY status"), now;
    RecordSet rows(select);
    std::map<std::string, int64_t> counts;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      counts[sql::text(rows, 0)] = sql::integer(rows, 1);
    }
    return counts;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "counting outbox messages", e);
  }
}

Result<bool> SqlExchangeRepository::recordReceived(const InboxMessage& m) {
  if (m.id.empty() || m.payloadHash.empty()) {
    return Status::invalidArgument("a received message needs an id and a payload");
  }
  auto& db = database_.impl();
  try {
    std::string status = "received";
    std::string none;
    // ON CONFLICT DO NOTHING: a repeated delivery changes no row and fails no transaction,
    // on SQLite and PostgreSQL alike.
    Poco::Data::Statement insert(db.session);
    insert << db.sql(
        "INSERT INTO exchange_inbox (id, sender_code, recipient_organisation_id, kind,"
        " payload_hash, status, document_id, note, received_at, processed_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING"),
        bind(m.id), bind(m.senderCode), bind(m.recipientOrganisationId), bind(m.kind),
        bind(m.payloadHash), bind(status), bind(none), bind(none), bind(m.receivedAt), bind(none);
    return insert.execute() == 1;
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "received message " + m.id)) {
      return *status;
    }
    sql::storageFailure(db, "recording received message " + m.id, e);
  }
}

Status SqlExchangeRepository::markProcessed(const std::string& id, const std::string& status,
                                            const std::string& documentId, const std::string& note,
                                            const std::string& at) {
  if (status != "processed" && status != "refused") {
    return Status::invalidArgument("a received message becomes processed or refused, not '" +
                                   status + "'");
  }
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE exchange_inbox SET status = ?, document_id = ?, note = ?, processed_at = ?"
        " WHERE id = ? AND status = 'received'"),
        bind(status), bind(documentId), bind(note), bind(at), bind(id);
    if (update.execute() == 1) return Status::ok();
    auto stored = inboxMessage(id);
    if (!stored) return Status::notFound("received message " + id + " does not exist");
    return Status::invalidState("received message " + id + " is already " + stored->status);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "recording what became of received message " + id, e);
  }
}

std::optional<InboxMessage> SqlExchangeRepository::inboxMessage(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kInboxColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto all = readInbox(rows);
    if (all.empty()) return std::nullopt;
    return all.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading received message " + id, e);
  }
}

std::vector<InboxMessage> SqlExchangeRepository::inboxOf(const std::string& organisationId,
                                                         int offset, int limit, int64_t* total) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kInboxColumns) +
                     "WHERE recipient_organisation_id = ?"
                     " ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?"),
        bind(organisationId), bind(limit), bind(offset), now;
    RecordSet rows(select);
    if (total) {
      Poco::Int64 count = 0;
      db.session << db.sql(
          "SELECT COUNT(*) FROM exchange_inbox WHERE recipient_organisation_id = ?"),
          bind(organisationId), into(count), now;
      *total = count;
    }
    return readInbox(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the inbox of " + organisationId, e);
  }
}

}  // namespace vanthu::storage
