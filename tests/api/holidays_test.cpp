// The holiday calendar over HTTP (GET/PUT /api/v1/admin/holidays) with the demo organisations:
// who may change which scope, what is refused, the audit entry of a change, and the deadlines
// counted on it (the default due date of an incoming assignment, a level's due date on the
// dashboard).

#include <Poco/Timestamp.h>

#include "flow_fixture.h"
#include "vanthu/workflow/deadlines.h"

using namespace vanthu;
using namespace vanthu::flowtest;

namespace {

std::string vietnamToday() {
  auto now = static_cast<int64_t>(Poco::Timestamp().epochTime());
  return workflow::daysToIsoDate(static_cast<int>((now + 7 * 3600) / 86400));
}

// The first `count` working days (Monday to Friday) after today.
std::vector<std::string> nextWeekdays(int count) {
  std::vector<std::string> days;
  int day = *workflow::isoDateToDays(vietnamToday());
  while (static_cast<int>(days.size()) < count) {
    auto date = workflow::daysToIsoDate(++day);
    if (workflow::isWorkingDay(date, {})) days.push_back(date);
  }
  return days;
}

Object::Ptr day(const std::string& date, const std::string& name,
                const std::string& kind = "day_off") {
  Object::Ptr json = new Object;
  json->set("date", date);
  json->set("name", name);
  json->set("kind", kind);
  return json;
}

std::string replaceBody(const std::string& scope, const std::vector<Object::Ptr>& days) {
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const auto& each : days) items->add(each);
  Object body;
  body.set("scope", scope);
  body.set("items", items);
  return text(body);
}

Reply put(FlowServer& s, const std::string& username, const std::string& body) {
  return call(s.port(), "PUT", "/api/v1/admin/holidays", s.token(username), body);
}

Reply get(FlowServer& s, const std::string& username) {
  return call(s.port(), "GET", "/api/v1/admin/holidays", s.token(username));
}

std::vector<workflow::AuditEntry> holidayAudit(FlowServer& s) {
  auto database = s.openDatabase();
  storage::SqlAuditLog audit(*database, nullptr);
  std::vector<workflow::AuditEntry> found;
  for (uint64_t sequence = 0, size = audit.size(); sequence < size; ++sequence) {
    auto entry = audit.entry(sequence);
    REQUIRE(entry);
    if (entry->action == "holidays_replaced") found.push_back(*entry);
  }
  return found;
}

// A commune's administrator, to be refused the national calendar.
void addCommuneAdministrator(FlowServer& s) {
  auto database = s.openDatabase();
  storage::SqlDirectoryRepository directory(*database);
  workflow::User user;
  user.id = "user-admin.pdp";
  user.username = "admin.pdp";
  user.fullName = "Quản trị phường";
  user.organisationId = "ubnd-phuong-pdp";
  user.passwordHash = api::hashPassword(demoPassword(), 1000);
  REQUIRE(directory.addUser(user).isOk());
  REQUIRE(
      directory.grantRole({user.id, workflow::Role::Administrator, "ubnd-phuong-pdp", std::nullopt})
          .isOk());
}

}  // namespace

TEST_CASE("holidays: administrators replace a scope, audited, and others and bad days are refused",
          "[api][holidays]") {
  FlowServer s;
  addCommuneAdministrator(s);
  auto empty = get(s, "admin");
  INFO(empty.body);
  REQUIRE(empty.status == 200);
  CHECK(empty.json()->getArray("items")->size() == 0);

  auto national = put(s, "admin",
                      replaceBody("national", {day("2025-05-01", "Ngày Quốc tế Lao động"),
                                               day("2025-04-30", "Ngày Chiến thắng"),
                                               day("2025-04-26", "Làm bù", "worked")}));
  INFO(national.body);
  REQUIRE(national.status == 200);
  auto items = national.json()->getArray("items");
  REQUIRE(items->size() == 3);
  CHECK(item(items, 0)->getValue<std::string>("date") == "2025-04-26");
  CHECK(item(items, 0)->getValue<std::string>("kind") == "worked");
  CHECK(item(items, 0)->getValue<std::string>("scope") == "national");
  CHECK(item(items, 2)->getValue<std::string>("name") == "Ngày Quốc tế Lao động");

  // The commune's administrator keeps a day of its own and sees the national ones with it.
  auto own = put(s, "admin.pdp",
                 replaceBody("organisation", {day("2025-06-10", "Ngày thành lập phường")}));
  INFO(own.body);
  REQUIRE(own.status == 200);
  REQUIRE(own.json()->getArray("items")->size() == 4);
  CHECK(item(own.json()->getArray("items"), 3)->getValue<std::string>("scope") == "organisation");
  // The province does not see the commune's day.
  CHECK(get(s, "admin").json()->getArray("items")->size() == 3);

  auto audit = holidayAudit(s);
  REQUIRE(audit.size() == 2);
  CHECK(audit[0].actor == "user-admin");
  CHECK(audit[0].organisationId == "ubnd-tinh");
  CHECK(audit[0].details == R"({"entries":3,"scope":"national"})");
  CHECK(audit[1].actor == "user-admin.pdp");
  CHECK(audit[1].details == R"({"entries":1,"scope":"organisation"})");

  // Refused: not an administrator, the national calendar from a commune, malformed days.
  checkProblem(get(s, "chuyenvien"), 403, "forbidden");
  checkProblem(put(s, "chuyenvien", replaceBody("organisation", {})), 403, "forbidden");
  checkProblem(put(s, "admin.pdp", replaceBody("national", {})), 403, "forbidden");
  checkProblem(put(s, "admin", replaceBody("world", {})), 400, "invalid_argument");
  checkProblem(put(s, "admin", replaceBody("national", {day("2025-02-30", "Không có")})), 400,
               "invalid_argument");
  checkProblem(put(s, "admin", replaceBody("national", {day("2025-04-29", "Thứ Ba", "worked")})),
               400, "invalid_argument");
  checkProblem(
      put(s, "admin", replaceBody("national", {day("2025-04-30", "A"), day("2025-04-30", "B")})),
      400, "invalid_argument");
  checkProblem(put(s, "admin", replaceBody("national", {day("2025-04-30", "A", "holiday")})), 400,
               "invalid_argument");
  checkProblem(put(s, "admin",
                   R"({"scope":"national","items":[{"date":"2025-04-30","name":"A",)"
                   R"("kind":"day_off","extra":1}]})"),
               400, "invalid_argument");
  CHECK(holidayAudit(s).size() == 2);
  CHECK(get(s, "admin").json()->getArray("items")->size() == 3);

  // An empty list clears the scope.
  REQUIRE(put(s, "admin", replaceBody("national", {})).status == 200);
  CHECK(get(s, "admin").json()->getArray("items")->size() == 0);
  CHECK(get(s, "admin.pdp").json()->getArray("items")->size() == 1);
}

TEST_CASE("holidays: due dates counted in working days skip the calendar's days off",
          "[api][holidays]") {
  FlowServer s;
  // The next three weekdays are made days off.
  auto off = nextWeekdays(3);
  REQUIRE(put(s, "admin",
              replaceBody("national",
                          {day(off[0], "Nghỉ lễ"), day(off[1], "Nghỉ lễ"), day(off[2], "Nghỉ lễ")}))
              .status == 200);
  const std::string today = vietnamToday();
  auto withHolidays = workflow::addWorkingDays(today, 10, off).value();
  REQUIRE(withHolidays != workflow::addWorkingDays(today, 10, {}).value());

  // An incoming assignment without a due date gets 10 working days of that calendar.
  auto reply = call(s.port(), "POST", "/api/v1/documents", s.token("vanthu"),
                    multipart("Công văn về việc lịch nghỉ", "incoming"),
                    "multipart/form-data; boundary=" + kBoundary);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  auto incoming = reply.json()->getValue<std::string>("id");
  auto registered = s.act("vanthu", incoming, actionBody("register"), tag(1));
  REQUIRE(registered.status == 200);
  auto revision = registered.json()->getObject("document")->getValue<int64_t>("revision");
  auto assigned = s.act(
      "lanhdao", incoming,
      R"({"action":"assign","lead_unit_id":"ubnd-tinh-th","instruction":"Xử lý"})", tag(revision));
  INFO(assigned.body);
  REQUIRE(assigned.status == 200);
  auto shown =
      call(s.port(), "GET", "/api/v1/documents/" + incoming + "/incoming", s.token("lanhdao"));
  REQUIRE(shown.status == 200);
  CHECK(shown.json()->getValue<std::string>("due_date") == withHolidays);

  // A document reaching level 2 (2 working days) today is due after the days off.
  auto outgoing = s.draft("Về việc lịch nghỉ");
  s.accept("chuyenvien", outgoing, actionBody("submit"), 1, "review");
  auto dashboard = call(s.port(), "GET", "/api/v1/dashboard", s.token("truongphong"));
  INFO(dashboard.body);
  REQUIRE(dashboard.status == 200);
  auto waiting = dashboard.json()->getArray("waiting");
  REQUIRE(waiting->size() == 1);
  CHECK(item(waiting, 0)->getValue<std::string>("due_date") ==
        workflow::addWorkingDays(today, 2, off).value());
  CHECK(item(waiting, 0)->getValue<std::string>("due_date") ==
        workflow::addWorkingDays(off[2], 2, {}).value());
}
