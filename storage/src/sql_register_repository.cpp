#include "vanthu/storage/sql_register_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "database_impl.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

constexpr const char* kRegisterColumns =
    "SELECT id, organisation_id, name, direction FROM registers ";

std::vector<workflow::Register> readRegisters(RecordSet& rows) {
  std::vector<workflow::Register> registers;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    workflow::Register r;
    r.id = sql::text(rows, 0);
    r.organisationId = sql::text(rows, 1);
    r.name = sql::text(rows, 2);
    r.direction = sql::text(rows, 3);
    registers.push_back(std::move(r));
  }
  return registers;
}

}  // namespace

std::vector<workflow::Register> SqlRegisterRepository::listRegisters(
    const std::string& organisationId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kRegisterColumns) +
                     "WHERE organisation_id = ? ORDER BY direction DESC, name, id"),
        bind(organisationId), now;
    RecordSet rows(select);
    return readRegisters(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing the registers of " + organisationId, e);
  }
}

std::optional<workflow::Register> SqlRegisterRepository::findRegister(const std::string& id) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kRegisterColumns) + "WHERE id = ?"), bind(id), now;
    RecordSet rows(select);
    auto registers = readRegisters(rows);
    if (registers.empty()) return std::nullopt;
    return registers.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading register " + id, e);
  }
}

std::vector<workflow::RegisterEntry> SqlRegisterRepository::entries(const std::string& registerId,
                                                                    int year) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    // The (register_id, register_year, register_number) unique index yields the rows in order.
    // The signer: the latest signature version's actor, by name (LIMIT in both dialects).
    select << db.sql(
        "SELECT d.register_number, d.notation, d.document_type, d.subject, d.created_at,"
        " d.updated_at, d.urgency, d.confidentiality,"
        " (SELECT u.full_name FROM document_versions v JOIN users u ON u.id = v.actor"
        "  WHERE v.document_id = d.id AND v.kind = 'signature'"
        "  ORDER BY v.number DESC LIMIT 1)"
        " FROM documents d WHERE d.register_id = ? AND d.register_year = ?"
        " ORDER BY d.register_number"),
        bind(registerId), bind(year), now;
    RecordSet rows(select);
    std::vector<workflow::RegisterEntry> entries;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      workflow::RegisterEntry entry;
      entry.number = static_cast<int>(sql::integer(rows, 0));
      entry.notation = sql::text(rows, 1);
      entry.documentType = sql::text(rows, 2);
      entry.subject = sql::text(rows, 3);
      entry.createdAt = sql::text(rows, 4);
      entry.updatedAt = sql::text(rows, 5);
      entry.urgency = sql::text(rows, 6);
      entry.confidentiality = sql::text(rows, 7);
      entry.signer = sql::text(rows, 8);
      entries.push_back(std::move(entry));
    }
    return entries;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading register " + registerId + " for " + std::to_string(year), e);
  }
}

}  // namespace vanthu::storage
