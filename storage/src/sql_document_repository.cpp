#include "vanthu/storage/sql_document_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Nullable.h>

#include <algorithm>
#include <functional>

#include "sql_support.h"
#include "vanthu/workflow/document_types.h"
#include "visibility_clause.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using NullableInt = Poco::Nullable<int>;

NullableInt toNullable(const std::optional<int>& value) {
  return value ? NullableInt(*value) : NullableInt();
}

using sql::constraintStatus;
using sql::optionalText;
using sql::storageFailure;
using sql::text;
using sql::transaction;

std::optional<int> optionalInt(RecordSet& rows, size_t column) {
  if (rows.value(column).isEmpty()) return std::nullopt;
  return rows.value(column).convert<int>();
}

std::optional<int> optionalInt(const PreparedQuery& row, int column) {
  if (row.isNull(column)) return std::nullopt;
  return static_cast<int>(row.integer(column));
}

// Takes the document's write lock first, before any read: PostgreSQL locks the row, SQLite the
// database (a deferred SQLite transaction that reads first and writes later can fail with
// SQLITE_BUSY instead of waiting). A no-op write does both in either dialect.
void lockRow(Database::Impl& db, const std::string& id) {
  db.session << db.sql("UPDATE documents SET updated_at = updated_at WHERE id = ?"), bind(id), now;
}

constexpr const char* kDocumentColumns =
    "SELECT id, organisation_id, direction, document_type, subject, status, urgency,"
    " confidentiality, created_by, created_at, updated_at, revision, register_id,"
    " register_year, register_number, notation FROM documents ";

template <typename Row>
workflow::DocumentRecord readDocument(Row& rows) {
  workflow::DocumentRecord d;
  d.id = text(rows, 0);
  d.organisationId = text(rows, 1);
  d.direction = text(rows, 2);
  d.documentType = text(rows, 3);
  d.subject = text(rows, 4);
  d.status = text(rows, 5);
  d.urgency = text(rows, 6);
  d.confidentiality = text(rows, 7);
  d.createdBy = text(rows, 8);
  d.createdAt = text(rows, 9);
  d.updatedAt = text(rows, 10);
  d.revision = sql::integer(rows, 11);
  d.registerId = optionalText(rows, 12);
  d.registerYear = optionalInt(rows, 13);
  d.registerNumber = optionalInt(rows, 14);
  d.notation = optionalText(rows, 15);
  return d;
}

constexpr const char* kVersionColumns =
    "SELECT document_id, number, blob_hash, parent_number, kind, actor, on_behalf_of, reason,"
    " size, created_at FROM document_versions ";

workflow::DocumentVersion readVersion(RecordSet& rows) {
  workflow::DocumentVersion v;
  v.documentId = text(rows, 0);
  v.number = rows.value(1).convert<int>();
  v.blobHash = text(rows, 2);
  v.parentNumber = optionalInt(rows, 3);
  v.kind = text(rows, 4);
  v.actor = text(rows, 5);
  v.onBehalfOf = text(rows, 6);
  v.reason = text(rows, 7);
  v.size = rows.value(8).convert<int64_t>();
  v.createdAt = text(rows, 9);
  return v;
}

std::optional<int64_t> currentRevision(Database::Impl& db, const std::string& id) {
  Poco::Data::Statement select(db.session);
  select << db.sql("SELECT revision FROM documents WHERE id = ?"), bind(id), now;
  RecordSet rows(select);
  if (!rows.moveFirst()) return std::nullopt;
  return rows.value(0).convert<int64_t>();
}

// A LIKE pattern (ESCAPE '\\') for `text` anywhere in a value.
std::string likePattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  return pattern + "%";
}

// A transaction of the caller's (inTransaction()) is joined: its owner commits or rolls back.
using sql::joinOrBegin;

Status stale(const std::string& id, int64_t stored, int64_t expected) {
  return {ErrorCode::PreconditionFailed,
          "document " + id + " was changed by someone else (it is at revision " +
              std::to_string(stored) + ", the change was made from revision " +
              std::to_string(expected) + "); reload it and try again"};
}

}  // namespace

Status SqlDocumentRepository::createDocument(const workflow::DocumentRecord& d) {
  auto& db = database_.impl();
  try {
    int64_t revision = 1;
    db.session << db.sql(
        "INSERT INTO documents (id, organisation_id, direction, document_type,"
        " subject, status, urgency, confidentiality, created_by, created_at,"
        " updated_at, revision) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(d.id), bind(d.organisationId), bind(d.direction), bind(d.documentType),
        bind(d.subject), bind(d.status), bind(d.urgency), bind(d.confidentiality),
        bind(d.createdBy), bind(d.createdAt), bind(d.updatedAt), use(revision), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = constraintStatus(e.displayText(), "document " + d.id)) return *status;
    storageFailure(db, "storing document " + d.id, e);
  }
}

std::optional<workflow::DocumentRecord> SqlDocumentRepository::findDocument(const std::string& id) {
  PreparedQuery select(database_.impl().statements(),
                       std::string(kDocumentColumns) + "WHERE id = ?", "reading document " + id);
  select.bind(id);
  if (!select.next()) return std::nullopt;
  return readDocument(select);
}

Result<int64_t> SqlDocumentRepository::updateDocument(const workflow::DocumentRecord& d,
                                                      int64_t expectedRevision) {
  auto& db = database_.impl();
  int64_t changed = 0;
  {
    // The WHERE on the revision makes check and write one atomic step: of two writers that
    // read the same revision, exactly one changes a row.
    PreparedQuery update(db.statements(),
                         "UPDATE documents SET direction = ?, document_type = ?, subject = ?,"
                         " status = ?, urgency = ?, confidentiality = ?, updated_at = ?,"
                         " revision = revision + 1 WHERE id = ? AND revision = ?",
                         "updating document " + d.id);
    update.bind(d.direction)
        .bind(d.documentType)
        .bind(d.subject)
        .bind(d.status)
        .bind(d.urgency)
        .bind(d.confidentiality)
        .bind(d.updatedAt)
        .bind(d.id)
        .bind(expectedRevision);
    changed = update.execute();
  }
  if (changed == 1) return expectedRevision + 1;
  try {
    auto stored = currentRevision(db, d.id);
    if (!stored) return Status::notFound("document " + d.id + " does not exist");
    return stale(d.id, *stored, expectedRevision);
  } catch (const Poco::Exception& e) {
    storageFailure(db, "updating document " + d.id, e);
  }
}

Result<workflow::DocumentPage> SqlDocumentRepository::listDocuments(
    const workflow::DocumentQuery& q) {
  workflow::DocumentVisibility everything;
  everything.organisationId = q.organisationId;
  everything.allConfidential = true;
  return listVisibleDocuments(q, everything, {});
}

Result<workflow::DocumentPage> SqlDocumentRepository::listVisibleDocuments(
    const workflow::DocumentQuery& q, const workflow::DocumentVisibility& visibility,
    const DocumentListFilter& filter) {
  if (q.limit < 1 || q.limit > 500 || q.offset < 0) {
    return Status::invalidArgument("a page is 1 to 500 documents from a non-negative offset");
  }
  const bool keyset = !q.afterUpdatedAt.empty() || !q.afterId.empty();
  if (keyset && (q.afterUpdatedAt.empty() || q.afterId.empty() || q.offset != 0)) {
    return Status::invalidArgument("a page after a document needs its time and id, and no offset");
  }
  if (keyset && (filter.sort != DocumentSort::Updated || filter.ascending)) {
    return Status::invalidArgument("a page after a document follows the latest change only");
  }
  auto& db = database_.impl();
  try {
    // Served by the index documents_listing (organisation_id, direction, updated_at, id); the
    // other conditions are checked on the rows it yields.
    std::string where = "WHERE organisation_id = ?";
    std::vector<std::string> parameters{visibility.organisationId};
    if (!q.direction.empty()) {
      where += " AND direction = ?";
      parameters.push_back(q.direction);
    }
    if (!q.status.empty()) {
      where += " AND status = ?";
      parameters.push_back(q.status);
    }
    if (!filter.createdBy.empty()) {
      where += " AND created_by = ?";
      parameters.push_back(filter.createdBy);
    }
    if (filter.inFlight) {
      where += " AND status <> ? AND register_number IS NULL";
      parameters.push_back("draft");
    }
    if (filter.onlyIds) {
      if (filter.onlyIds->empty()) {
        workflow::DocumentPage none;
        if (q.countTotal) none.total = 0;
        return none;
      }
      where += " AND ";
      appendIdList(where, parameters, "id", *filter.onlyIds);
    }
    if (filter.documentType) {
      where += " AND document_type = ?";
      parameters.push_back(*filter.documentType);
    }
    if (!filter.createdFrom.empty()) {
      where += " AND created_at >= ?";
      parameters.push_back(filter.createdFrom);
    }
    if (!filter.createdBefore.empty()) {
      where += " AND created_at < ?";
      parameters.push_back(filter.createdBefore);
    }
    if (!filter.counterpart.empty()) {
      const std::string pattern = likePattern(filter.counterpart);
      where +=
          " AND (EXISTS (SELECT 1 FROM document_recipients r LEFT JOIN organisations o"
          " ON o.code = r.organisation_code WHERE r.document_id = documents.id"
          " AND (r.organisation_code = ? OR LOWER(COALESCE(o.name, '')) LIKE LOWER(?) ESCAPE '\\'))"
          " OR EXISTS (SELECT 1 FROM exchange_origins e WHERE e.document_id = documents.id"
          " AND (e.sender_code = ? OR LOWER(e.sender_name) LIKE LOWER(?) ESCAPE '\\')))";
      parameters.push_back(filter.counterpart);
      parameters.push_back(pattern);
      parameters.push_back(filter.counterpart);
      parameters.push_back(pattern);
    }
    if (!filter.text.empty()) {
      const std::string pattern = likePattern(filter.text);
      where +=
          " AND (LOWER(subject) LIKE LOWER(?) ESCAPE '\\'"
          " OR LOWER(COALESCE(notation, '')) LIKE LOWER(?) ESCAPE '\\')";
      parameters.push_back(pattern);
      parameters.push_back(pattern);
    }
    // In the WHERE, not after paging: pages and totals count only what the caller may see.
    appendVisibilityClause(where, parameters, visibility, "documents");
    // Both statements are prepared once per connection. (A window count, COUNT(*) OVER (),
    // would bring the total with the page in one statement, but SQLite then copies every
    // matching row into a temporary table: measured 20% slower for an inbox page than the
    // separate count, which reads the index alone.)
    const std::string direction = filter.ascending ? " ASC" : " DESC";
    std::string order;
    switch (filter.sort) {
      case DocumentSort::Updated:
        order = "updated_at" + direction;
        break;
      case DocumentSort::Created:
        order = "created_at" + direction;
        break;
      case DocumentSort::Number:
        // Unnumbered last in either order (SQLite and PostgreSQL place NULLs differently).
        order = "CASE WHEN register_number IS NULL THEN 1 ELSE 0 END, register_year" + direction +
                ", register_number" + direction;
        break;
      case DocumentSort::Subject:
        order = "subject" + direction;
        break;
    }
    order += ", id" + direction;
    const std::string what = "listing the documents of " + visibility.organisationId;
    workflow::DocumentPage page;
    {
      PreparedQuery select(db.statements(),
                           std::string(kDocumentColumns) + where +
                               (keyset ? " AND (updated_at, id) < (?, ?)" : "") + " ORDER BY " +
                               order + " LIMIT ? OFFSET ?",
                           what);
      for (const auto& parameter : parameters) select.bind(parameter);
      if (keyset) select.bind(q.afterUpdatedAt).bind(q.afterId);
      select.bind(static_cast<int64_t>(q.limit)).bind(static_cast<int64_t>(q.offset));
      while (select.next()) page.items.push_back(readDocument(select));
    }
    if (q.countTotal) {
      PreparedQuery count(db.statements(), "SELECT COUNT(*) FROM documents " + where, what);
      for (const auto& parameter : parameters) count.bind(parameter);
      page.total = count.next() ? count.integer(0) : 0;
    }
    return page;
  } catch (const Poco::Exception& e) {
    storageFailure(db, "listing the documents of " + visibility.organisationId, e);
  }
}

std::map<std::string, std::vector<std::string>> SqlDocumentRepository::counterparts(
    const std::vector<std::string>& ids) {
  std::map<std::string, std::vector<std::string>> found;
  auto& db = database_.impl();
  // In slices of 16 ids, padded with "" (no document's id): one prepared statement per shape.
  constexpr size_t kSlice = 16;
  for (size_t start = 0; start < ids.size(); start += kSlice) {
    std::vector<std::string> slice(
        ids.begin() + static_cast<std::ptrdiff_t>(start),
        ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), start + kSlice)));
    slice.resize(kSlice);
    std::string in = "(?";
    for (size_t i = 1; i < kSlice; ++i) in += ", ?";
    in += ")";
    PreparedQuery select(
        db.statements(),
        "SELECT r.document_id, COALESCE(o.name, r.organisation_code), r.position"
        " FROM document_recipients r LEFT JOIN organisations o ON o.code = r.organisation_code"
        " WHERE r.document_id IN " +
            in +
            " UNION ALL SELECT e.document_id, e.sender_name, 0 FROM exchange_origins e"
            " WHERE e.document_id IN " +
            in + " ORDER BY 1, 3",
        "reading the counterparts of documents");
    for (const auto& id : slice) select.bind(id);
    for (const auto& id : slice) select.bind(id);
    while (select.next()) found[select.text(0)].push_back(select.text(1));
  }
  return found;
}

Status SqlDocumentRepository::inTransaction(const std::function<Status()>& work) {
  return transaction(database_.impl(), work);
}

Status SqlDocumentRepository::lockDocument(const std::string& id) {
  PreparedQuery update(database_.impl().statements(),
                       "UPDATE documents SET updated_at = updated_at WHERE id = ?",
                       "locking document " + id);
  update.bind(id);
  if (update.execute() == 1) return Status::ok();
  return Status::notFound("document " + id + " does not exist");
}

Result<int> SqlDocumentRepository::addVersion(const workflow::DocumentVersion& v) {
  auto& db = database_.impl();
  std::string what = "version of document " + v.documentId;
  try {
    return joinOrBegin(db, [&]() -> Result<int> {
      lockRow(db, v.documentId);
      Poco::Data::Statement select(db.session);
      select << db.sql(
          "SELECT COALESCE(MAX(number), 0) FROM document_versions"
          " WHERE document_id = ?"),
          bind(v.documentId), now;
      RecordSet rows(select);
      int number = rows.moveFirst() ? rows.value(0).convert<int>() + 1 : 1;
      if (v.parentNumber && (*v.parentNumber < 1 || *v.parentNumber >= number)) {
        return Status::invalidArgument("document " + v.documentId + " has no version " +
                                       std::to_string(*v.parentNumber) + " to append to");
      }
      // Two writers taking the same number collide on the primary key: one of them fails
      // cleanly instead of either overwriting the other.
      db.session << db.sql(
          "INSERT INTO document_versions (document_id, number, blob_hash,"
          " parent_number, kind, actor, on_behalf_of, reason, size, created_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
          bind(v.documentId), bind(number), bind(v.blobHash), bind(toNullable(v.parentNumber)),
          bind(v.kind), bind(v.actor), bind(v.onBehalfOf), bind(v.reason), bind(v.size),
          bind(v.createdAt), now;
      return number;
    });
  } catch (const Poco::Exception& e) {
    std::string message = e.displayText();
    if (message.find("UNIQUE") != std::string::npos ||
        message.find("duplicate key value") != std::string::npos) {
      return Status(ErrorCode::Conflict, "another version of document " + v.documentId +
                                             " was stored at the same "
                                             "time; try again");
    }
    if (auto status = constraintStatus(message, what)) return *status;
    storageFailure(db, "storing a " + what, e);
  }
}

std::vector<workflow::DocumentVersion> SqlDocumentRepository::versions(
    const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kVersionColumns) + "WHERE document_id = ? ORDER BY number"),
        bind(documentId), now;
    RecordSet rows(select);
    std::vector<workflow::DocumentVersion> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      all.push_back(readVersion(rows));
    }
    return all;
  } catch (const Poco::Exception& e) {
    storageFailure(db, "reading the versions of document " + documentId, e);
  }
}

std::set<std::string> SqlDocumentRepository::referencedBlobHashes() {
  auto& db = database_.impl();
  try {
    // Every table that names a blob (see migrations.cpp): the versions, the attachments (as
    // uploaded and as signed), the exchange's packages (an outgoing one may be re-sent, a
    // received one is the evidence of what came), and the work files of external signatures
    // still waiting for their signature value.
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT blob_hash FROM document_versions UNION SELECT payload_hash FROM exchange_outbox"
        " UNION SELECT payload_hash FROM exchange_inbox"
        " UNION SELECT blob_hash FROM document_attachments"
        " UNION SELECT signed_blob_hash FROM document_attachments"
        " WHERE signed_blob_hash IS NOT NULL"
        " UNION SELECT work_blob_hash FROM pending_signatures WHERE completed_at = 0"),
        now;
    RecordSet rows(select);
    std::set<std::string> hashes;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) hashes.insert(text(rows, 0));
    return hashes;
  } catch (const Poco::Exception& e) {
    storageFailure(db, "reading the blob hashes that are in use", e);
  }
}

std::optional<workflow::DocumentVersion> SqlDocumentRepository::version(
    const std::string& documentId, int number) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kVersionColumns) + "WHERE document_id = ? AND number = ?"),
        bind(documentId), bind(number), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::nullopt;
    return readVersion(rows);
  } catch (const Poco::Exception& e) {
    storageFailure(db, "reading version " + std::to_string(number) + " of document " + documentId,
                   e);
  }
}

Status SqlDocumentRepository::createRegister(const workflow::Register& r) {
  auto& db = database_.impl();
  try {
    db.session << db.sql(
        "INSERT INTO registers (id, organisation_id, name, direction)"
        " VALUES (?, ?, ?, ?)"),
        bind(r.id), bind(r.organisationId), bind(r.name), bind(r.direction), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = constraintStatus(e.displayText(), "register " + r.id)) return *status;
    storageFailure(db, "storing register " + r.id, e);
  }
}

Result<int> SqlDocumentRepository::issue(const std::string& documentId, int64_t expectedRevision,
                                         const std::string& registerId, int year,
                                         const std::string& notation) {
  auto& db = database_.impl();
  try {
    // Joins the caller's transaction when there is one: issuing a document also makes its
    // signed PDF, and a failure there must give the number back.
    return joinOrBegin(db, [&]() -> Result<int> {
      // The document first: a refused issuance must not take a number (no gaps).
      lockRow(db, documentId);
      auto document = findDocument(documentId);
      if (!document) return Status::notFound("document " + documentId + " does not exist");
      if (document->registerNumber) {
        return Status::invalidState("document " + documentId + " was already issued as " +
                                    document->notation.value_or("?"));
      }
      Poco::Data::Statement registerExists(db.session);
      registerExists << db.sql("SELECT id FROM registers WHERE id = ?"), bind(registerId), now;
      RecordSet registers(registerExists);
      if (!registers.moveFirst()) {
        return Status::notFound("register " + registerId + " does not exist");
      }
      // Both dialects: create the year's counter if needed, then increment it. The UPDATE
      // serialises concurrent issuances on the counter row.
      db.session << db.sql(
          "INSERT INTO register_counters (register_id, year, last_number)"
          " VALUES (?, ?, 0) ON CONFLICT (register_id, year) DO NOTHING"),
          bind(registerId), bind(year), now;
      db.session << db.sql(
          "UPDATE register_counters SET last_number = last_number + 1"
          " WHERE register_id = ? AND year = ?"),
          bind(registerId), bind(year), now;
      Poco::Data::Statement counter(db.session);
      counter << db.sql(
          "SELECT last_number FROM register_counters WHERE register_id = ? AND"
          " year = ?"),
          bind(registerId), bind(year), now;
      RecordSet numbers(counter);
      if (!numbers.moveFirst()) {
        throw Error(ErrorCode::StorageFailure,
                    "the counter of register " + registerId + " vanished during an issuance");
      }
      int number = numbers.value(0).convert<int>();
      std::string formatted = notation;
      if (auto at = formatted.find("{n}"); at != std::string::npos) {
        formatted.replace(at, 3, workflow::formatDocumentNumber(number));  // "01", "02", ... "10"
      }
      Poco::Data::Statement update(db.session);
      update << db.sql(
          "UPDATE documents SET register_id = ?, register_year = ?,"
          " register_number = ?, notation = ?, revision = revision + 1"
          " WHERE id = ? AND revision = ?"),
          bind(registerId), bind(year), bind(number), bind(formatted), bind(documentId),
          bind(expectedRevision);
      if (update.execute() != 1) {
        auto stored = currentRevision(db, documentId);
        return stale(documentId, stored.value_or(0), expectedRevision);
      }
      return number;
    });
  } catch (const Poco::Exception& e) {
    if (auto status = constraintStatus(e.displayText(), "issuance of document " + documentId)) {
      return *status;
    }
    storageFailure(db, "issuing document " + documentId, e);
  }
}

}  // namespace vanthu::storage
