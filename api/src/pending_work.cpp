#include "pending_work.h"

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "http_support.h"
#include "vanthu/storage/sql_calendar_repository.h"
#include "vanthu/storage/sql_template_repository.h"
#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/templates.h"

namespace vanthu::api {
namespace {

using workflow::DelegationScope;
using workflow::Role;

constexpr int64_t kVietnamOffset = 7 * 3600;

/// The levels of the templates the waiting documents run on, each template read once.
class LevelLookup {
 public:
  explicit LevelLookup(storage::Database& database) : templates_(database) {}

  const workflow::TemplateLevel* levelOf(const storage::WaitingDocument& w) {
    auto key = std::make_pair(w.templateId, w.templateVersion);
    auto found = known_.find(key);
    if (found == known_.end()) {
      found = known_.emplace(key, templates_.findTemplate(w.templateId, w.templateVersion)).first;
    }
    if (!found->second) return nullptr;
    for (const auto& level : found->second->levels) {
      if (level.number == w.level) return &level;
    }
    return nullptr;
  }

 private:
  storage::SqlTemplateRepository templates_;
  std::map<std::pair<std::string, int>, std::optional<workflow::WorkflowTemplate>> known_;
};

// The delegation scope that lends a level's role: review levels by "approve", the sign level by
// "sign", issuing only by "all" (as the outgoing flow decides).
DelegationScope scopeOf(const workflow::TemplateLevel& level) {
  switch (level.action) {
    case workflow::LevelAction::Review:
      return DelegationScope::Approve;
    case workflow::LevelAction::Sign:
      return DelegationScope::Sign;
    case workflow::LevelAction::Draft:
    case workflow::LevelAction::Issue:
      break;
  }
  return DelegationScope::All;
}

bool outgoingWaitsFor(const workflow::Actor& actor, const storage::WaitingDocument& waiting,
                      const workflow::TemplateLevel* level, int64_t now) {
  if (waiting.status == "returned") return waiting.drafterId == actor.userId;
  if (!level) return false;
  auto role = workflow::roleFromName(level->role);
  if (!role) return false;
  auto authority = workflow::authorityFor(actor, *role, actor.organisationId, waiting.drafterUnitId,
                                          scopeOf(*level), now);
  if (!authority) return false;
  // At an "all of N" level, someone whose authority already approved waits no longer.
  if (level->reviewers == workflow::ReviewerRule::AllOf) {
    const std::string& who =
        authority->onBehalfOfId.empty() ? actor.userId : authority->onBehalfOfId;
    const auto& approvals = waiting.approvalsAtLevel;
    if (std::find(approvals.begin(), approvals.end(), who) != approvals.end()) return false;
  }
  return true;
}

// The date a level is due: its template's working days after the document reached it; "" when
// the level has no deadline.
std::string levelDueDate(const storage::WaitingDocument& w, const workflow::TemplateLevel* level,
                         const workflow::WorkingCalendar& calendar) {
  if (!level || level->deadlineDays <= 0 || w.reachedAt <= 0) return "";
  auto date = calendar.addWorkingDays(vietnamDate(w.reachedAt), level->deadlineDays);
  return date ? date.value() : "";
}

}  // namespace

std::vector<std::string> PendingWork::idsForActor() const {
  std::vector<std::string> ids;
  for (const auto& w : outgoing) {
    if (w.forActor) ids.push_back(w.document.documentId);
  }
  for (const auto& w : incomingForActor) ids.push_back(w.documentId);
  return ids;
}

std::string vietnamDate(int64_t seconds) {
  return isoTime(seconds + kVietnamOffset).substr(0, 10);
}

bool incomingWaitsFor(const workflow::Actor& actor, const storage::WaitingIncomingDocument& waiting,
                      int64_t now) {
  const auto& organisation = actor.organisationId;
  auto holds = [&](Role role, const std::string& unitId, DelegationScope scope) {
    return workflow::authorityFor(actor, role, organisation, unitId, scope, now).has_value();
  };
  if (waiting.status == "received") return holds(Role::Clerk, "", DelegationScope::All);
  if (waiting.status == "registered") return holds(Role::Leader, "", DelegationScope::Approve);
  const bool leadUnitHead =
      holds(Role::DepartmentHead, waiting.leadUnitId, DelegationScope::Approve);
  if (waiting.status == "assigned") return leadUnitHead;
  if (waiting.status == "in_progress") {
    return waiting.specialistId.empty() ? leadUnitHead : waiting.specialistId == actor.userId;
  }
  return false;
}

PendingWork pendingWorkOf(storage::Database& database, const workflow::Actor& actor, int64_t now) {
  PendingWork work;
  const auto calendar = storage::SqlCalendarRepository(database).calendarOf(actor.organisationId);
  storage::SqlDashboardQueries queries(database);
  LevelLookup levels(database);
  for (auto& w : queries.waitingDocuments(actor.organisationId, kWaitingLimit)) {
    const auto* level = levels.levelOf(w);
    std::string due = levelDueDate(w, level, calendar);
    const bool forActor = outgoingWaitsFor(actor, w, level, now);
    work.outgoing.push_back({std::move(w), std::move(due), forActor});
  }
  for (auto& w : queries.waitingIncomingDocuments(actor.organisationId, kWaitingLimit)) {
    if (incomingWaitsFor(actor, w, now)) work.incomingForActor.push_back(std::move(w));
  }
  return work;
}

}  // namespace vanthu::api

namespace vanthu::api {

std::map<std::string, std::string> dueDatesOf(storage::Database& database,
                                              const std::string& organisationId) {
  std::map<std::string, std::string> due;
  const auto calendar = storage::SqlCalendarRepository(database).calendarOf(organisationId);
  storage::SqlDashboardQueries queries(database);
  LevelLookup levels(database);
  for (const auto& w : queries.waitingDocuments(organisationId, kWaitingLimit)) {
    auto date = levelDueDate(w, levels.levelOf(w), calendar);
    if (!date.empty()) due[w.documentId] = std::move(date);
  }
  for (const auto& w : queries.waitingIncomingDocuments(organisationId, kWaitingLimit)) {
    if (!w.dueDate.empty()) due[w.documentId] = w.dueDate;
  }
  return due;
}

}  // namespace vanthu::api
