#include "dashboard_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <map>
#include <optional>
#include <utility>

#include "action_requests.h"
#include "http_support.h"
#include "outgoing_flow_service.h"
#include "pending_work.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_dashboard_queries.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/workflow/deadlines.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/// Bounds: the caller's own list, the activity.
constexpr size_t kOwnListLimit = 20;
constexpr int kRecentLimit = 10;

constexpr const char* kCountsSchema = R"json({"type":"object","properties":{
"pending":{"type":"integer","minimum":0},
"overdue":{"type":"integer","minimum":0,"description":"among the pending ones: past their due date"},
"due_soon":{"type":"integer","minimum":0,"description":"among the pending ones: due within 2 days, today included"}},
"required":["pending","overdue","due_soon"]})json";

constexpr const char* kDashboardSchema = R"json({"type":"object","properties":{
"today":{"type":"string","format":"date","description":"the date in Vietnam (UTC+7) the counts are for"},
"user":{"allOf":[{"$ref":"#/components/schemas/DashboardCounts"}],"description":"outgoing documents waiting at a level where the caller may act, by a role of their own or one lent to them by a delegation in force (returned ones: the caller's own drafts), and the caller's open assignments"},
"unit":{"type":["object","null"],"description":"the outgoing documents of the caller's unit waiting at any level, and the unit's open assignments; null for a user without a unit",
"properties":{"unit_id":{"type":"string"},"pending":{"type":"integer"},"overdue":{"type":"integer"},"due_soon":{"type":"integer"}},
"required":["unit_id","pending","overdue","due_soon"]},
"waiting":{"type":"array","description":"the caller's pending documents (at most 20), the longest waiting first","items":{"type":"object","properties":{
"document_id":{"type":"string"},"subject":{"type":"string"},"status":{"type":"string"},"level":{"type":"integer"},
"reached_at":{"type":"string","format":"date-time"},
"due_date":{"type":"string","description":"ISO date; \"\" when the level has no deadline"},
"deadline":{"enum":["none","on_time","due_soon","overdue"]}},
"required":["document_id","subject","status","level","due_date","deadline"]}},
"recent":{"type":"array","description":"the organisation's latest acts (at most 10), newest first","items":{"type":"object","properties":{
"document_id":{"type":"string"},"subject":{"type":"string"},"act":{"$ref":"#/components/schemas/Act"}},
"required":["document_id","subject","act"]}}},
"required":["today","user","unit","waiting","recent"]})json";

Object::Ptr countsJson(const workflow::DashboardCounts& counts) {
  Object::Ptr json = new Object;
  json->set("pending", counts.pending);
  json->set("overdue", counts.overdue);
  json->set("due_soon", counts.dueSoon);
  return json;
}

}  // namespace

void registerDashboardRoutes(Router& router, ApiServices& services) {
  router.addSchema("DashboardCounts", kCountsSchema);
  router.addSchema("Dashboard", kDashboardSchema);

  router.add(
      {"GET",
       "/api/v1/dashboard",
       Access::anyUser(),
       {"The caller's dashboard: pending, overdue and due-soon counts for the caller and for the "
        "caller's unit (a level is due its template's working days after the document reached "
        "it; an assignment on its own due date), the caller's waiting documents, and the "
        "organisation's latest acts",
        "documents",
        "",
        200,
        "Dashboard",
        {},
        {}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const int64_t now = static_cast<int64_t>(Poco::Timestamp().epochTime());
        const std::string today = vietnamDate(now);

        std::string unitId;
        std::vector<workflow::DeadlineItem> items;
        std::vector<WaitingOutgoing> own;
        std::vector<storage::RecentAct> recent;
        UserNames names;
        auto read = services.withDatabase([&](storage::Database& database) -> Status {
          auto user = storage::SqlDirectoryRepository(database).findUser(principal.userId);
          if (user && user->unitId) unitId = *user->unitId;

          auto actor = loadActor(database, viewerOf(principal), now);
          auto pending = pendingWorkOf(database, actor, now);
          // The recent acts hide what the document lists hide (workflow::canSeeDocument).
          auto visibility = workflow::documentVisibility(viewerOf(principal));
          if (!visibility.allConfidential) visibility.awaitingViewer = pending.idsForActor();
          for (auto& w : pending.outgoing) {
            items.push_back(
                {w.forActor ? principal.userId : "", w.document.drafterUnitId, w.dueDate, true});
            if (w.forActor) own.push_back(std::move(w));
          }

          // Open assignments of the caller and of the caller's unit, each counted once.
          storage::SqlAssignmentRepository assignments(database);
          std::map<std::string, workflow::Assignment> open;
          for (auto& a : assignments.openAssignments("", principal.userId)) open[a.id] = a;
          if (!unitId.empty()) {
            for (auto& a : assignments.openAssignments(unitId)) open[a.id] = a;
          }
          for (const auto& [id, a] : open) {
            items.push_back({a.userId, a.unitId, a.dueDate, a.status == "open"});
          }

          recent = storage::SqlDashboardQueries(database).recentActs(visibility, kRecentLimit);
          std::vector<std::string> people;
          for (const auto& each : recent) {
            people.push_back(each.act.act.actorId);
            people.push_back(each.act.act.onBehalfOfId);
          }
          names = userNames(database, people);
          return Status::ok();
        });
        if (!read.isOk()) return sendProblem(context, read);

        Object body;
        body.set("today", today);
        body.set("user", countsJson(workflow::countsForUser(items, principal.userId, today)));
        if (unitId.empty()) {
          body.set("unit", Poco::Dynamic::Var());
        } else {
          auto unit = countsJson(workflow::countsForUnit(items, unitId, today));
          unit->set("unit_id", unitId);
          body.set("unit", unit);
        }
        Array::Ptr waiting = new Array;
        for (size_t i = 0; i < own.size() && i < kOwnListLimit; ++i) {
          const auto& w = own[i];
          Object::Ptr item = new Object;
          item->set("document_id", w.document.documentId);
          item->set("subject", w.document.subject);
          item->set("status", w.document.status);
          item->set("level", w.document.level);
          if (w.document.reachedAt > 0) item->set("reached_at", isoTime(w.document.reachedAt));
          item->set("due_date", w.dueDate);
          item->set("deadline", std::string(workflow::deadlineStatusName(
                                    workflow::classifyDeadline(w.dueDate, today))));
          waiting->add(item);
        }
        body.set("waiting", waiting);
        Array::Ptr activity = new Array;
        for (const auto& each : recent) {
          Object::Ptr item = new Object;
          item->set("document_id", each.act.documentId);
          item->set("subject", each.subject);
          item->set("act", actJson(each.act, &names));
          activity->add(item);
        }
        body.set("recent", activity);
        sendJson(context, 200, body);
      });
}

}  // namespace vanthu::api
