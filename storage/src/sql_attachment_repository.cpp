#include "vanthu/storage/sql_attachment_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

constexpr const char* kColumns =
    "SELECT document_id, number, name, blob_hash, size, created_by, created_at,"
    " signed_blob_hash, signed_size FROM document_attachments ";

Attachment readAttachment(RecordSet& rows) {
  Attachment a;
  a.documentId = sql::text(rows, 0);
  a.number = static_cast<int>(sql::integer(rows, 1));
  a.name = sql::text(rows, 2);
  a.blobHash = sql::text(rows, 3);
  a.size = sql::integer(rows, 4);
  a.createdBy = sql::text(rows, 5);
  a.createdAt = sql::text(rows, 6);
  a.signedBlobHash = sql::optionalText(rows, 7);
  if (a.signedBlobHash) a.signedSize = sql::integer(rows, 8);
  return a;
}

}  // namespace

Result<int> SqlAttachmentRepository::add(const Attachment& attachment) {
  auto& db = database_.impl();
  try {
    return sql::joinOrBegin(db, [&]() -> Result<int> {
      // The number is computed and taken in one statement; the primary key refuses a race.
      Poco::Data::Statement insert(db.session);
      insert << db.sql(
          "INSERT INTO document_attachments (document_id, number, name, blob_hash, size,"
          " created_by, created_at) SELECT ?, COALESCE(MAX(number), 0) + 1, ?, ?, ?, ?, ?"
          " FROM document_attachments WHERE document_id = ?"),
          bind(attachment.documentId), bind(attachment.name), bind(attachment.blobHash),
          bind(attachment.size), bind(attachment.createdBy), bind(attachment.createdAt),
          bind(attachment.documentId);
      insert.execute();
      Poco::Data::Statement select(db.session);
      int number = 0;
      select << db.sql("SELECT MAX(number) FROM document_attachments WHERE document_id = ?"),
          bind(attachment.documentId), into(number), now;
      return number;
    });
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "attachment")) return *status;
    sql::storageFailure(db, "adding an attachment to " + attachment.documentId, e);
  }
}

std::vector<Attachment> SqlAttachmentRepository::list(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) + "WHERE document_id = ? ORDER BY number"),
        bind(documentId), now;
    RecordSet rows(select);
    std::vector<Attachment> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      all.push_back(readAttachment(rows));
    }
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the attachments of " + documentId, e);
  }
}

std::optional<Attachment> SqlAttachmentRepository::find(const std::string& documentId, int number) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kColumns) + "WHERE document_id = ? AND number = ?"),
        bind(documentId), bind(number), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::nullopt;
    return readAttachment(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading attachment " + std::to_string(number) + " of " + documentId,
                        e);
  }
}

Status SqlAttachmentRepository::setSigned(const std::string& documentId, int number,
                                          const std::string& blobHash, int64_t size) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE document_attachments SET signed_blob_hash = ?, signed_size = ?"
        " WHERE document_id = ? AND number = ? AND signed_blob_hash IS NULL"),
        bind(blobHash), bind(size), bind(documentId), bind(number);
    if (update.execute() != 1) {
      return Status::invalidState("attachment " + std::to_string(number) + " of " + documentId +
                                  " is missing or already signed");
    }
    return Status::ok();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "recording the signed attachment of " + documentId, e);
  }
}

}  // namespace vanthu::storage
