#include "vanthu/storage/sql_exchange_state.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

constexpr const char* kOriginColumns =
    "SELECT document_id, sender_code, sender_name, edxml_document_id, code_number,"
    " code_notation, promulgation_date, message_id, recalled_at FROM exchange_origins ";

std::optional<workflow::IncomingOrigin> firstOrigin(RecordSet& rows) {
  if (!rows.moveFirst()) return std::nullopt;
  workflow::IncomingOrigin o;
  o.documentId = sql::text(rows, 0);
  o.senderCode = sql::text(rows, 1);
  o.senderName = sql::text(rows, 2);
  o.edxmlDocumentId = sql::text(rows, 3);
  o.codeNumber = sql::text(rows, 4);
  o.codeNotation = sql::text(rows, 5);
  o.promulgationDate = sql::text(rows, 6);
  o.messageId = sql::text(rows, 7);
  o.recalledAt = sql::text(rows, 8);
  return o;
}

}  // namespace

void SqlExchangeState::setRecipients(const std::string& documentId,
                                     const std::vector<std::string>& codes) {
  auto& db = database_.impl();
  try {
    sql::joinOrBegin(db, [&]() -> Status {
      db.session << db.sql("DELETE FROM document_recipients WHERE document_id = ?"),
          bind(documentId), now;
      int position = 0;
      for (const auto& code : codes) {
        std::string value = code;
        db.session << db.sql(
            "INSERT INTO document_recipients (document_id, organisation_code, position)"
            " VALUES (?, ?, ?)"),
            bind(documentId), bind(value), bind(position), now;
        ++position;
      }
      return Status::ok();
    });
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "storing the recipients of document " + documentId, e);
  }
}

std::vector<std::string> SqlExchangeState::recipients(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    std::vector<std::string> codes;
    db.session << db.sql(
        "SELECT organisation_code FROM document_recipients WHERE document_id = ?"
        " ORDER BY position"),
        bind(documentId), into(codes), now;
    return codes;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the recipients of document " + documentId, e);
  }
}

void SqlExchangeState::setUnitRecipients(const std::string& documentId,
                                         const std::vector<std::string>& unitIds) {
  auto& db = database_.impl();
  try {
    sql::joinOrBegin(db, [&]() -> Status {
      db.session << db.sql("DELETE FROM document_unit_recipients WHERE document_id = ?"),
          bind(documentId), now;
      int position = 0;
      for (const auto& unit : unitIds) {
        std::string value = unit;
        db.session << db.sql(
            "INSERT INTO document_unit_recipients (document_id, unit_id, position)"
            " VALUES (?, ?, ?)"),
            bind(documentId), bind(value), bind(position), now;
        ++position;
      }
      return Status::ok();
    });
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "storing the internal recipients of document " + documentId, e);
  }
}

std::vector<std::string> SqlExchangeState::unitRecipients(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    std::vector<std::string> units;
    db.session << db.sql(
        "SELECT unit_id FROM document_unit_recipients WHERE document_id = ? ORDER BY position"),
        bind(documentId), into(units), now;
    return units;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the internal recipients of document " + documentId, e);
  }
}

void SqlExchangeState::setPeerCredentials(const std::string& code,
                                          const PeerCredentials& credentials,
                                          const std::string& at) {
  auto& db = database_.impl();
  try {
    std::string token = credentials.token, ca = credentials.caPem, when = at, key = code;
    db.session << db.sql(
        "INSERT INTO exchange_peer_credentials (organisation_code, token, ca_pem, updated_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (organisation_code) DO UPDATE SET"
        " token = excluded.token, ca_pem = excluded.ca_pem, updated_at = excluded.updated_at"),
        bind(key), bind(token), bind(ca), bind(when), now;
  } catch (const Poco::Exception& e) {
    // The token is a secret: the message names the peer only.
    sql::storageFailure(db, "storing the exchange credentials of " + code, e);
  }
}

std::optional<PeerCredentials> SqlExchangeState::peerCredentials(const std::string& code) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT token, ca_pem FROM exchange_peer_credentials WHERE organisation_code = ?"),
        bind(code), now;
    RecordSet rows(select);
    if (!rows.moveFirst()) return std::nullopt;
    return PeerCredentials{sql::text(rows, 0), sql::text(rows, 1)};
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the exchange credentials of " + code, e);
  }
}

Status SqlExchangeState::recordSent(const std::string& documentId,
                                    const std::string& edxmlDocumentId) {
  auto& db = database_.impl();
  try {
    if (auto existing = sentAs(documentId)) {
      if (*existing == edxmlDocumentId) return Status::ok();
      return Status(ErrorCode::AlreadyExists,
                    "document " + documentId + " was already sent as " + *existing);
    }
    std::string id = documentId, edxml = edxmlDocumentId;
    db.session << db.sql(
        "INSERT INTO exchange_sent_documents (document_id, edxml_document_id) VALUES (?, ?)"),
        bind(id), bind(edxml), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "edXML document " + edxmlDocumentId)) {
      return *status;
    }
    sql::storageFailure(db, "recording what document " + documentId + " was sent as", e);
  }
}

std::optional<std::string> SqlExchangeState::sentAs(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    std::vector<std::string> found;
    db.session << db.sql(
        "SELECT edxml_document_id FROM exchange_sent_documents WHERE document_id = ?"),
        bind(documentId), into(found), now;
    if (found.empty()) return std::nullopt;
    return found.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading what document " + documentId + " was sent as", e);
  }
}

std::optional<std::string> SqlExchangeState::documentSentAs(const std::string& edxmlDocumentId) {
  auto& db = database_.impl();
  try {
    std::vector<std::string> found;
    db.session << db.sql(
        "SELECT document_id FROM exchange_sent_documents WHERE edxml_document_id = ?"),
        bind(edxmlDocumentId), into(found), now;
    if (found.empty()) return std::nullopt;
    return found.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "finding the document sent as " + edxmlDocumentId, e);
  }
}

Status SqlExchangeState::recordOrigin(const workflow::IncomingOrigin& o) {
  auto& db = database_.impl();
  try {
    workflow::IncomingOrigin v = o;
    db.session << db.sql(
        "INSERT INTO exchange_origins (document_id, sender_code, sender_name,"
        " edxml_document_id, code_number, code_notation, promulgation_date, message_id,"
        " recalled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(v.documentId), bind(v.senderCode), bind(v.senderName), bind(v.edxmlDocumentId),
        bind(v.codeNumber), bind(v.codeNotation), bind(v.promulgationDate), bind(v.messageId),
        bind(v.recalledAt), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "origin of " + o.documentId)) {
      return *status;
    }
    sql::storageFailure(db, "recording where document " + o.documentId + " came from", e);
  }
}

std::optional<workflow::IncomingOrigin> SqlExchangeState::originOf(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOriginColumns) + "WHERE document_id = ?"), bind(documentId), now;
    RecordSet rows(select);
    return firstOrigin(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading where document " + documentId + " came from", e);
  }
}

std::optional<workflow::IncomingOrigin> SqlExchangeState::originFrom(
    const std::string& senderCode, const std::string& edxmlDocumentId,
    const std::string& recipientOrganisationId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kOriginColumns) +
                     "WHERE sender_code = ? AND edxml_document_id = ?"
                     " AND document_id IN (SELECT id FROM documents WHERE organisation_id = ?)"
                     " ORDER BY document_id LIMIT 1"),
        bind(senderCode), bind(edxmlDocumentId), bind(recipientOrganisationId), now;
    RecordSet rows(select);
    return firstOrigin(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "finding the document " + edxmlDocumentId + " from " + senderCode, e);
  }
}

void SqlExchangeState::markRecalled(const std::string& documentId, const std::string& at) {
  auto& db = database_.impl();
  try {
    std::string id = documentId, when = at;
    db.session << db.sql("UPDATE exchange_origins SET recalled_at = ? WHERE document_id = ?"),
        bind(when), bind(id), now;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "recording the recall of document " + documentId, e);
  }
}

bool SqlExchangeState::addTrackingEvent(const workflow::TrackingEvent& event) {
  auto& db = database_.impl();
  try {
    workflow::TrackingEvent v = event;
    Poco::Data::Statement insert(db.session);
    insert << db.sql(
        "INSERT INTO exchange_tracking (id, document_id, recipient_code, status_code,"
        " description, staff, reported_at, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO NOTHING"),
        bind(v.id), bind(v.documentId), bind(v.recipientCode), bind(v.statusCode),
        bind(v.description), bind(v.staff), bind(v.reportedAt), bind(v.recordedAt);
    return insert.execute() == 1;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "recording a status of document " + event.documentId, e);
  }
}

std::vector<workflow::TrackingEvent> SqlExchangeState::tracking(const std::string& documentId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT id, document_id, recipient_code, status_code, description, staff, reported_at,"
        " recorded_at FROM exchange_tracking WHERE document_id = ?"
        " ORDER BY recorded_at, reported_at, id"),
        bind(documentId), now;
    RecordSet rows(select);
    std::vector<workflow::TrackingEvent> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      workflow::TrackingEvent e;
      e.id = sql::text(rows, 0);
      e.documentId = sql::text(rows, 1);
      e.recipientCode = sql::text(rows, 2);
      e.statusCode = sql::text(rows, 3);
      e.description = sql::text(rows, 4);
      e.staff = sql::text(rows, 5);
      e.reportedAt = sql::text(rows, 6);
      e.recordedAt = sql::text(rows, 7);
      all.push_back(std::move(e));
    }
    return all;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the exchange timeline of document " + documentId, e);
  }
}

}  // namespace vanthu::storage
