#pragma once

// Which documents wait for whom (DESIGN §2), in one place for the dashboard and the documents
// list's "pending" box, so that both say the same. An outgoing document at a level waits for
// those who hold the level's role in its organisation (for the drafter's unit when the grant is
// limited to a unit), by their own grant or through a delegation in force lent to them; one
// returned to level 1 waits for its drafter. An incoming document waits for the clerk until it
// is registered, then for the leader, then for the head of its lead unit, then for the
// specialist the head named.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_dashboard_queries.h"
#include "vanthu/workflow/acting.h"

namespace vanthu::api {

/// Bounds: the waiting documents of one organisation read per direction.
inline constexpr int kWaitingLimit = 1000;

/// An outgoing document waiting at a level, with the date that level is due.
struct WaitingOutgoing {
  storage::WaitingDocument document;
  std::string dueDate;    ///< ISO date (Vietnam); "" when the level has no deadline
  bool forActor = false;  ///< the actor may act on it now
};

struct PendingWork {
  /// Every waiting outgoing document of the actor's organisation, the longest waiting first.
  std::vector<WaitingOutgoing> outgoing;
  /// The incoming documents of the actor's organisation waiting for the actor, the longest
  /// waiting first.
  std::vector<storage::WaitingIncomingDocument> incomingForActor;

  /// The ids of the documents waiting for the actor, both directions.
  std::vector<std::string> idsForActor() const;
};

/// The date in Vietnam (UTC+7, no daylight saving) at Unix time `seconds`.
std::string vietnamDate(int64_t seconds);

/// Whether the incoming document `waiting` waits for `actor` at `now`.
bool incomingWaitsFor(const workflow::Actor& actor, const storage::WaitingIncomingDocument& waiting,
                      int64_t now);

/// What waits in `actor`'s organisation at `now`; level deadlines are counted in working days of
/// the organisation's holiday calendar.
PendingWork pendingWorkOf(storage::Database& database, const workflow::Actor& actor, int64_t now);

/// The due date of every document of `organisationId` that waits for someone's step at `now` and
/// has one: an outgoing document at its level (as pendingWorkOf() counts it), an incoming one
/// from its assignment (the leader's due date) until it is completed. At most kWaitingLimit of
/// each direction.
std::map<std::string, std::string> dueDatesOf(storage::Database& database,
                                              const std::string& organisationId);

}  // namespace vanthu::api
