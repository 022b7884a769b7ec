#pragma once

#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/deadlines.h"

namespace vanthu::storage {

/// The holiday calendar (table calendar_days, migration 12): national entries (organisation
/// "") and each organisation's own. Parameterised SQL only. Borrows `database`; one repository
/// per connection (not thread-safe, as Database).
class SqlCalendarRepository {
 public:
  explicit SqlCalendarRepository(Database& database) : database_(database) {}

  /// The entries of one scope ("" = national), by date.
  std::vector<workflow::CalendarDay> entriesOf(const std::string& organisationId);
  /// The national entries and `organisationId`'s, by date (national first on the same date).
  std::vector<workflow::CalendarDay> entriesFor(const std::string& organisationId);
  /// workingCalendarOf(entriesFor(organisationId)).
  workflow::WorkingCalendar calendarOf(const std::string& organisationId);

  /// Replaces every entry of one scope ("" = national) with `entries` (whose organisationId is
  /// ignored), in one transaction, or inside the caller's. InvalidArgument as
  /// workflow::validateCalendarDays(), and nothing changed.
  Status replaceEntries(const std::string& organisationId,
                        const std::vector<workflow::CalendarDay>& entries);

 private:
  std::vector<workflow::CalendarDay> select(const std::string& where,
                                            const std::string& organisationId);

  Database& database_;
};

}  // namespace vanthu::storage
