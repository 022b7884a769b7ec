#include "vanthu/storage/sql_calendar_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {

std::vector<workflow::CalendarDay> SqlCalendarRepository::select(
    const std::string& where, const std::string& organisationId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement query(db.session);
    query << db.sql("SELECT organisation_id, iso_date, name, worked_instead FROM calendar_days " +
                    where + " ORDER BY iso_date, organisation_id"),
        bind(organisationId), now;
    RecordSet rows(query);
    std::vector<workflow::CalendarDay> entries;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      workflow::CalendarDay day;
      day.organisationId = sql::text(rows, 0);
      day.date = sql::text(rows, 1);
      day.name = sql::text(rows, 2);
      day.workedInstead = sql::integer(rows, 3) != 0;
      entries.push_back(std::move(day));
    }
    return entries;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the holiday calendar", e);
  }
}

std::vector<workflow::CalendarDay> SqlCalendarRepository::entriesOf(
    const std::string& organisationId) {
  return select("WHERE organisation_id = ?", organisationId);
}

std::vector<workflow::CalendarDay> SqlCalendarRepository::entriesFor(
    const std::string& organisationId) {
  return select("WHERE organisation_id = '' OR organisation_id = ?", organisationId);
}

workflow::WorkingCalendar SqlCalendarRepository::calendarOf(const std::string& organisationId) {
  return workflow::workingCalendarOf(entriesFor(organisationId));
}

Status SqlCalendarRepository::replaceEntries(const std::string& organisationId,
                                             const std::vector<workflow::CalendarDay>& entries) {
  if (auto invalid = workflow::validateCalendarDays(entries); !invalid) return invalid;
  auto& db = database_.impl();
  try {
    return sql::joinOrBegin(db, [&]() -> Status {
      Poco::Data::Statement remove(db.session);
      remove << db.sql("DELETE FROM calendar_days WHERE organisation_id = ?"), bind(organisationId),
          now;
      for (const auto& entry : entries) {
        Poco::Data::Statement insert(db.session);
        int workedInstead = entry.workedInstead ? 1 : 0;
        insert << db.sql(
            "INSERT INTO calendar_days (organisation_id, iso_date, name, worked_instead)"
            " VALUES (?, ?, ?, ?)"),
            bind(organisationId), bind(entry.date), bind(entry.name), bind(workedInstead), now;
      }
      return Status::ok();
    });
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "replacing the holiday calendar", e);
  }
}

}  // namespace vanthu::storage
