#include "vanthu/storage/sql_pending_signature_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {

Status SqlPendingSignatureRepository::add(const PendingSignature& pending) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement insert(db.session);
    insert << db.sql(
        "INSERT INTO pending_signatures (id, document_id, user_id, key_id, action,"
        " document_revision, version_number, prepared, work_blob_hash, created_at, expires_at,"
        " completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(pending.id), bind(pending.documentId), bind(pending.userId), bind(pending.keyId),
        bind(pending.action), bind(pending.documentRevision), bind(pending.versionNumber),
        bind(pending.prepared), bind(pending.workBlobHash), bind(pending.createdAt),
        bind(pending.expiresAt), bind(pending.completedAt);
    insert.execute();
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "pending signature")) return *status;
    sql::storageFailure(db, "storing pending signature " + pending.id, e);
  }
}

std::optional<PendingSignature> SqlPendingSignatureRepository::find(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT id, document_id, user_id, key_id, action, document_revision, version_number,"
        " prepared, work_blob_hash, created_at, expires_at, completed_at"
        " FROM pending_signatures WHERE id = ?"),
        bind(id), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::nullopt;
    PendingSignature p;
    p.id = sql::text(rows, 0);
    p.documentId = sql::text(rows, 1);
    p.userId = sql::text(rows, 2);
    p.keyId = sql::text(rows, 3);
    p.action = sql::text(rows, 4);
    p.documentRevision = sql::integer(rows, 5);
    p.versionNumber = static_cast<int>(sql::integer(rows, 6));
    p.prepared = sql::text(rows, 7);
    p.workBlobHash = sql::text(rows, 8);
    p.createdAt = sql::integer(rows, 9);
    p.expiresAt = sql::integer(rows, 10);
    p.completedAt = sql::integer(rows, 11);
    return p;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading pending signature " + id, e);
  }
}

Status SqlPendingSignatureRepository::markCompleted(const std::string& id, int64_t at) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE pending_signatures SET completed_at = ? WHERE id = ? AND completed_at = 0"),
        bind(at), bind(id);
    if (update.execute() == 1) return Status::ok();
    if (!find(id)) return Status::notFound("no pending signature " + id);
    return Status::invalidState("pending signature " + id + " was completed already");
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "completing pending signature " + id, e);
  }
}

int64_t SqlPendingSignatureRepository::removeExpired(int64_t before) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement remove(db.session);
    remove << db.sql("DELETE FROM pending_signatures WHERE expires_at < ?"), bind(before);
    return static_cast<int64_t>(remove.execute());
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "removing expired pending signatures", e);
  }
}

std::set<std::string> SqlPendingSignatureRepository::workBlobHashes() {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql("SELECT work_blob_hash FROM pending_signatures WHERE completed_at = 0"), now;
    RecordSet rows(select);
    std::set<std::string> hashes;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      hashes.insert(sql::text(rows, 0));
    }
    return hashes;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the work blobs of pending signatures", e);
  }
}

}  // namespace vanthu::storage
