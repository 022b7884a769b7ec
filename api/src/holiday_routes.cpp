#include "holiday_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <set>
#include <sstream>

#include "http_support.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_calendar_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::Role;

constexpr size_t kMaxEntries = 1000;

constexpr const char* kEntrySchema = R"json({"type":"object","properties":{
"scope":{"enum":["national","organisation"],"description":"national: every organisation's; organisation: the caller's organisation's own"},
"date":{"type":"string","format":"date"},"name":{"type":"string"},
"kind":{"enum":["day_off","worked"],"description":"worked: a Saturday or Sunday worked in exchange for a bridged day"}},
"required":["scope","date","name","kind"]})json";

constexpr const char* kListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/HolidayRecord"}}},
"required":["items"]})json";

constexpr const char* kReplaceSchema = R"json({"type":"object","additionalProperties":false,
"properties":{"scope":{"enum":["national","organisation"]},
"items":{"type":"array","maxItems":1000,"items":{"type":"object","additionalProperties":false,
"properties":{"date":{"type":"string","format":"date"},"name":{"type":"string","maxLength":200},
"kind":{"enum":["day_off","worked"]}},"required":["date","name","kind"]}}},
"required":["scope","items"]})json";

Object::Ptr entryJson(const workflow::CalendarDay& day) {
  Object::Ptr json = new Object;
  json->set("scope", day.organisationId.empty() ? "national" : "organisation");
  json->set("date", day.date);
  json->set("name", day.name);
  json->set("kind", day.workedInstead ? "worked" : "day_off");
  return json;
}

Array::Ptr entriesJson(const std::vector<workflow::CalendarDay>& days) {
  Array::Ptr items = new Array;
  for (const auto& day : days) items->add(entryJson(day));
  return items;
}

// The entries of a PUT body, for the scope `organisationId` ("" = national).
Result<std::vector<workflow::CalendarDay>> entriesOf(const Object& body,
                                                     const std::string& organisationId) {
  auto items = body.get("items");
  if (items.isEmpty() || items.type() != typeid(Array::Ptr)) {
    return Status::invalidArgument("field 'items' must be an array of days");
  }
  const auto& array = *items.extract<Array::Ptr>();
  if (array.size() > kMaxEntries) {
    return Status::invalidArgument("a calendar holds at most 1000 days");
  }
  std::vector<workflow::CalendarDay> days;
  for (size_t index = 0; index < array.size(); ++index) {
    const std::string where = "items[" + std::to_string(index) + "]";
    auto item = array.getObject(static_cast<unsigned>(index));
    if (!item) return Status::invalidArgument(where + " must be an object");
    for (const auto& field : *item) {
      if (field.first != "date" && field.first != "name" && field.first != "kind") {
        return Status::invalidArgument(where + ": unknown field '" + field.first + "'");
      }
    }
    workflow::CalendarDay day;
    day.organisationId = organisationId;
    auto date = requiredString(*item, "date", 10);
    if (!date) return Status::invalidArgument(where + ": " + date.status().message());
    day.date = date.value();
    auto name = requiredString(*item, "name", 200);
    if (!name) return Status::invalidArgument(where + ": " + name.status().message());
    day.name = name.value();
    auto kind = requiredString(*item, "kind", 16);
    if (!kind || (kind.value() != "day_off" && kind.value() != "worked")) {
      return Status::invalidArgument(where + ": field 'kind' must be day_off or worked");
    }
    day.workedInstead = kind.value() == "worked";
    days.push_back(std::move(day));
  }
  if (auto invalid = workflow::validateCalendarDays(days); !invalid) return invalid;
  return days;
}

// National days are everyone's: only an administrator of an organisation at the top of this
// installation (no superior organisation) changes them.
Status mayChangeNational(storage::Database& database, const Principal& principal) {
  auto organisation =
      storage::SqlDirectoryRepository(database).findOrganisation(principal.organisationId);
  if (!organisation || organisation->parentId) {
    return Status::forbidden(
        "the national calendar is changed by an administrator of an organisation without a "
        "superior one");
  }
  return Status::ok();
}

void appendAudit(storage::Database& database, const RequestContext& context,
                 const std::string& scope, size_t entries) {
  Object details;
  details.set("scope", scope);
  details.set("entries", entries);
  std::ostringstream text;
  details.stringify(text);
  workflow::AuditEntry entry;
  entry.actor = context.principal->userId;
  entry.organisationId = context.principal->organisationId;
  entry.action = "holidays_replaced";
  entry.details = text.str();
  entry.clientAddress = context.request.clientAddress().host().toString();
  storage::SqlAuditLog(database, nullptr).append(std::move(entry));
}

}  // namespace

void registerHolidayRoutes(Router& router, ApiServices& services) {
  router.addSchema("HolidayRecord", kEntrySchema);
  router.addSchema("HolidayList", kListSchema);
  router.addSchema("HolidayReplace", kReplaceSchema);
  const auto admin = Access::usersWith({Role::Administrator});

  router.add({"GET",
              "/api/v1/admin/holidays",
              admin,
              {"The holiday calendar working days are counted on: the national days off and "
               "weekend days worked instead, and your organisation's own, by date",
               "directory",
               "",
               200,
               "HolidayList",
               {},
               {}}},
             [&services](RequestContext& context) {
               const auto& organisationId = context.principal->organisationId;
               auto days = services.withDatabase([&](storage::Database& db) {
                 return storage::SqlCalendarRepository(db).entriesFor(organisationId);
               });
               Object body;
               body.set("items", entriesJson(days));
               sendJson(context, 200, body);
             });

  router.add(
      {"PUT",
       "/api/v1/admin/holidays",
       admin,
       {"Replace one scope of the holiday calendar as a whole: your organisation's own days, or "
        "the national ones (administrators of an organisation without a superior one). Audited; "
        "answers the calendar as GET does",
        "directory",
        "HolidayReplace",
        200,
        "HolidayList",
        {},
        {}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(context, {"scope", "items"}, 256 * 1024);
        if (!body) return sendProblem(context, body.status());
        auto scope = requiredString(*body.value(), "scope", 16);
        if (!scope || (scope.value() != "national" && scope.value() != "organisation")) {
          return sendProblem(
              context, Status::invalidArgument("field 'scope' must be national or organisation"));
        }
        const bool national = scope.value() == "national";
        const std::string organisationId = national ? "" : principal.organisationId;
        auto days = entriesOf(*body.value(), organisationId);
        if (!days) return sendProblem(context, days.status());
        auto saved = services.withDatabase(
            [&](storage::Database& db) -> Result<std::vector<workflow::CalendarDay>> {
              if (national) {
                if (auto refused = mayChangeNational(db, principal); !refused) return refused;
              }
              storage::SqlCalendarRepository calendar(db);
              // The new calendar and its audit entry land together or not at all.
              storage::SqlDirectoryRepository directory(db);
              Status replaced;
              directory.inTransaction([&] {
                replaced = calendar.replaceEntries(organisationId, days.value());
                if (replaced) appendAudit(db, context, scope.value(), days.value().size());
              });
              if (!replaced) return replaced;
              return calendar.entriesFor(principal.organisationId);
            });
        if (!saved) return sendProblem(context, saved.status());
        services.log.info("holidays_replaced", {{"request_id", context.requestId},
                                                {"actor", principal.userId},
                                                {"scope", scope.value()},
                                                {"entries", std::to_string(days.value().size())}});
        Object answer;
        answer.set("items", entriesJson(saved.value()));
        sendJson(context, 200, answer);
      });
}

}  // namespace vanthu::api
