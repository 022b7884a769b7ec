// The dashboard (GET /api/v1/dashboard, DESIGN §2 deadlines) with the demo organisations and
// users: what waits for the caller and the caller's unit, with overdue and due-soon flags from
// the template's working days per level and the assignments' own due dates, and the latest acts.
// A document that reached its level long ago is made by appending a back-dated act through the
// flow repository (the server takes its clock from the system).

#include <Poco/Timestamp.h>

#include <set>

#include "flow_fixture.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_delegation_repository.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/workflow/deadlines.h"

using namespace vanthu;
using namespace vanthu::flowtest;

namespace {

int64_t nowSeconds() {
  return static_cast<int64_t>(Poco::Timestamp().epochTime());
}

// Today in Vietnam (UTC+7), as the server counts.
std::string vietnamToday() {
  return workflow::daysToIsoDate(static_cast<int>((nowSeconds() + 7 * 3600) / 86400));
}

Object::Ptr dashboard(FlowServer& s, const std::string& username) {
  auto reply = call(s.port(), "GET", "/api/v1/dashboard", s.token(username));
  INFO(username << ": " << reply.body);
  REQUIRE(reply.status == 200);
  return reply.json();
}

void checkCounts(const Object::Ptr& counts, int pending, int overdue, int dueSoon) {
  INFO(text(*counts));
  CHECK(counts->getValue<int>("pending") == pending);
  CHECK(counts->getValue<int>("overdue") == overdue);
  CHECK(counts->getValue<int>("due_soon") == dueSoon);
}

struct Box {
  std::set<std::string> ids;
  int64_t total = -1;
};

// GET /api/v1/documents?box=pending (plus `more`) as `username`: the ids on the page and the total.
Box pendingBox(FlowServer& s, const std::string& username, const std::string& more = "") {
  auto reply = call(s.port(), "GET", "/api/v1/documents?box=pending" + more, s.token(username));
  INFO(username << ": " << reply.body);
  REQUIRE(reply.status == 200);
  Box box;
  auto items = reply.json()->getArray("items");
  for (size_t i = 0; i < items->size(); ++i) {
    box.ids.insert(item(items, i)->getValue<std::string>("id"));
  }
  box.total = reply.json()->getValue<int64_t>("total");
  return box;
}

// The ids (and total) waiting for each of `usernames`, checked against `expected`.
void checkPending(FlowServer& s, const std::map<std::string, std::set<std::string>>& expected) {
  for (const auto& [username, ids] : expected) {
    INFO(username);
    auto box = pendingBox(s, username);
    CHECK(box.ids == ids);
    CHECK(box.total == static_cast<int64_t>(ids.size()));
  }
}

std::string receiveIncoming(FlowServer& s, const std::string& subject) {
  auto reply = call(s.port(), "POST", "/api/v1/documents", s.token("vanthu"),
                    multipart(subject, "incoming"), "multipart/form-data; boundary=" + kBoundary);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

int64_t acceptAny(FlowServer& s, const std::string& username, const std::string& id,
                  const std::string& body, int64_t revision) {
  auto reply = s.act(username, id, body, tag(revision));
  INFO(username << " " << body << ": " << reply.body);
  REQUIRE(reply.status == 200);
  return reply.json()->getObject("document")->getValue<int64_t>("revision");
}

}  // namespace

TEST_CASE("documents: box=pending lists what waits for the caller's action as a document climbs",
          "[api][dashboard][pending]") {
  FlowServer s;
  const std::set<std::string> none;
  auto outgoing = s.draft("Về việc trình ký báo cáo");
  auto kept = s.draft("Về việc còn soạn");  // a draft waits for nobody
  (void)kept;
  checkPending(s, {{"chuyenvien", none}, {"truongphong", none}, {"lanhdao", none}});

  int64_t revision = s.accept("chuyenvien", outgoing, actionBody("submit"), 1, "review");
  // Level 2: the department head of the drafter's unit, not the drafter (in flight, not hers).
  checkPending(s, {{"chuyenvien", none},
                   {"truongphong", {outgoing}},
                   {"chanhvanphong", none},
                   {"lanhdao", none},
                   {"vanthu", none}});
  revision = s.accept("truongphong", outgoing, actionBody("approve"), revision, "review");
  checkPending(s, {{"truongphong", none}, {"chanhvanphong", {outgoing}}, {"lanhdao", none}});
  revision = s.accept("chanhvanphong", outgoing, actionBody("approve"), revision, "signing");
  checkPending(s, {{"chanhvanphong", none}, {"lanhdao", {outgoing}}, {"phochutich", none}});

  // The leader lends "sign" to the deputy: the document waits for him too, while it is in force.
  {
    auto database = s.openDatabase();
    workflow::Delegation lent;
    lent.id = "delegation-sign";
    lent.organisationId = "ubnd-tinh";
    lent.fromUserId = "user-lanhdao";
    lent.toUserId = "user-phochutich";
    lent.scope = workflow::DelegationScope::Sign;
    lent.startsAt = nowSeconds() - 60;
    lent.endsAt = nowSeconds() + 3600;
    lent.reason = "Đi công tác";
    lent.createdBy = "user-lanhdao";
    lent.createdAt = nowSeconds() - 60;
    REQUIRE(storage::SqlDelegationRepository(*database).addDelegation(lent).isOk());
  }
  checkPending(s, {{"lanhdao", {outgoing}}, {"phochutich", {outgoing}}});
  // The dashboard counts the same.
  auto deputy = dashboard(s, "phochutich");
  CHECK(deputy->getObject("user")->getValue<int>("pending") == 1);
  CHECK(dashboard(s, "lanhdao")->getObject("user")->getValue<int>("pending") == 1);
  REQUIRE(deputy->getArray("waiting")->size() == 1);
  CHECK(item(deputy->getArray("waiting"), 0)->getValue<std::string>("document_id") == outgoing);

  // Incoming: the clerk registers, the leader assigns, the lead unit's head names a specialist.
  auto first = receiveIncoming(s, "Công văn về việc báo cáo quý");
  auto second = receiveIncoming(s, "Công văn về việc góp ý");
  checkPending(s, {{"vanthu", {first, second}}, {"lanhdao", {outgoing}}, {"truongphong", none}});
  // Paging and filters as in the other boxes; the total counts every page.
  auto page = pendingBox(s, "vanthu", "&limit=1&page=2");
  CHECK(page.ids.size() == 1);
  CHECK(page.total == 2);
  CHECK(pendingBox(s, "vanthu", "&q=g%C3%B3p").ids == std::set<std::string>{second});
  CHECK(pendingBox(s, "vanthu", "&status=registered").total == 0);

  int64_t firstRevision = acceptAny(s, "vanthu", first, actionBody("register"), 1);
  // The "sign" delegation does not lend the leader's assigning.
  checkPending(s,
               {{"vanthu", {second}}, {"lanhdao", {outgoing, first}}, {"phochutich", {outgoing}}});
  CHECK(pendingBox(s, "lanhdao", "&status=registered").ids == std::set<std::string>{first});
  CHECK(pendingBox(s, "lanhdao", "&status=signing").total == 1);

  Object assign;
  assign.set("action", "assign");
  assign.set("lead_unit_id", "ubnd-tinh-th");
  assign.set("due_date", "2099-12-31");
  assign.set("instruction", "Phòng Tổng hợp chủ trì");
  firstRevision = acceptAny(s, "lanhdao", first, text(assign), firstRevision);
  checkPending(s, {{"lanhdao", {outgoing}}, {"truongphong", {first}}, {"chuyenvien", none}});
  acceptAny(s, "truongphong", first,
            R"({"action":"assign_specialist","specialist_id":"user-chuyenvien"})", firstRevision);
  checkPending(s, {{"truongphong", none}, {"chuyenvien", {first}}});

  // Returned from the signature, the outgoing document waits for its drafter again.
  s.accept("lanhdao", outgoing, actionBody("return", "Sửa lại trích yếu"), revision, "returned");
  checkPending(s, {{"chuyenvien", {first, outgoing}}, {"lanhdao", none}, {"phochutich", none}});

  // Signed, a document waits for the clerk to issue it (its flow is moved there directly:
  // signing needs a key, which this test does not make).
  auto signedOne = s.draft("Về việc đã ký");
  s.accept("chuyenvien", signedOne, actionBody("submit"), 1, "review");
  {
    auto database = s.openDatabase();
    storage::SqlFlowRepository flows(*database);
    auto flow = flows.findFlow(signedOne);
    REQUIRE(flow);
    flow->state.status = workflow::OutgoingStatus::Signed;
    flow->state.level = 5;
    REQUIRE(flows.updateFlow(*flow).isOk());
  }
  checkPending(s, {{"vanthu", {second, signedOne}},
                   {"lanhdao", none},
                   {"phochutich", none},
                   {"truongphong", none}});

  // Another organisation's clerk sees none of it.
  checkPending(s, {{"vanthu.pdp", none}});
}

TEST_CASE("dashboard: pending, overdue and due-soon documents and assignments per user and unit",
          "[api][dashboard]") {
  FlowServer s;
  auto late = s.draft("Về việc báo cáo chậm");
  auto fresh = s.draft("Về việc báo cáo mới");
  auto draft = s.draft("Về việc còn soạn");
  s.accept("chuyenvien", late, actionBody("submit"), 1, "review");
  s.accept("chuyenvien", fresh, actionBody("submit"), 1, "review");

  // The late one reached level 2 thirty days ago; level 2 of outgoing-4 has 2 working days.
  {
    auto database = s.openDatabase();
    workflow::Act act;
    act.action = "submit";
    act.actorId = "user-chuyenvien";
    act.fromLevel = 1;
    act.toLevel = 2;
    act.comment = "Trình lại";
    act.at = nowSeconds() - 30 * 86400;
    REQUIRE(storage::SqlFlowRepository(*database).appendAct(late, act).isOk());
  }
  // The fresh one is due 2 working days from today: due soon or not, depending on the weekday.
  const std::string today = vietnamToday();
  auto freshDue = workflow::addWorkingDays(today, 2, {});
  REQUIRE(freshDue.isOk());
  const int freshSoon =
      workflow::classifyDeadline(freshDue.value(), today) == workflow::DeadlineStatus::DueSoon;

  // Level 2 is the department head's of the drafter's unit: both wait for him.
  auto head = dashboard(s, "truongphong");
  CHECK(head->getValue<std::string>("today") == today);
  checkCounts(head->getObject("user"), 2, 1, freshSoon);
  checkCounts(head->getObject("unit"), 2, 1, freshSoon);
  CHECK(head->getObject("unit")->getValue<std::string>("unit_id") == "ubnd-tinh-th");
  auto waiting = head->getArray("waiting");
  REQUIRE(waiting->size() == 2);
  CHECK(item(waiting, 0)->getValue<std::string>("document_id") == late);
  CHECK(item(waiting, 0)->getValue<std::string>("deadline") == "overdue");
  CHECK(item(waiting, 0)->getValue<int>("level") == 2);
  CHECK(item(waiting, 1)->getValue<std::string>("document_id") == fresh);
  CHECK(item(waiting, 1)->getValue<std::string>("due_date") == freshDue.value());

  // Nothing waits for the drafter, the office chief or the leader; the drafter's unit counts them.
  auto drafter = dashboard(s, "chuyenvien");
  checkCounts(drafter->getObject("user"), 0, 0, 0);
  checkCounts(drafter->getObject("unit"), 2, 1, freshSoon);
  CHECK(drafter->getArray("waiting")->size() == 0);
  auto office = dashboard(s, "chanhvanphong");
  checkCounts(office->getObject("user"), 0, 0, 0);
  checkCounts(office->getObject("unit"), 0, 0, 0);
  // The administrator has no unit.
  CHECK(dashboard(s, "admin")->isNull("unit"));

  // Returned, the document waits for its drafter again.
  s.accept("truongphong", fresh, actionBody("return", "Bổ sung số liệu"), 2, "returned");
  checkCounts(dashboard(s, "chuyenvien")->getObject("user"), 1, 0, 0);
  checkCounts(dashboard(s, "truongphong")->getObject("user"), 1, 1, 0);

  // An open assignment of the unit, due yesterday, and one of the drafter, due in ten days.
  {
    auto database = s.openDatabase();
    storage::SqlAssignmentRepository assignments(*database);
    workflow::Assignment unit;
    unit.id = "assignment-unit";
    unit.documentId = draft;
    unit.kind = "lead_unit";
    unit.unitId = "ubnd-tinh-th";
    unit.assignedBy = "user-lanhdao";
    unit.dueDate = workflow::daysToIsoDate(*workflow::isoDateToDays(today) - 1);
    unit.createdAt = "2026-01-01T00:00:00Z";
    REQUIRE(assignments.addAssignment(unit).isOk());
    workflow::Assignment own = unit;
    own.id = "assignment-own";
    own.kind = "specialist";
    own.userId = "user-chuyenvien";
    own.dueDate = workflow::daysToIsoDate(*workflow::isoDateToDays(today) + 10);
    REQUIRE(assignments.addAssignment(own).isOk());
  }
  drafter = dashboard(s, "chuyenvien");
  checkCounts(drafter->getObject("user"), 2, 0, 0);
  // The unit: the two documents, the unit's assignment (overdue) and the drafter's.
  checkCounts(drafter->getObject("unit"), 4, 2, 0);

  // The latest acts of the organisation, newest first (acts of the same second in any order):
  // the return and the two submissions, then the back-dated one.
  auto recent = dashboard(s, "lanhdao")->getArray("recent");
  REQUIRE(recent->size() == 4);
  int returns = 0;
  for (size_t i = 0; i < 3; ++i) {
    auto each = item(recent, i);
    if (each->getObject("act")->getValue<std::string>("action") == "return") {
      ++returns;
      CHECK(each->getValue<std::string>("document_id") == fresh);
      CHECK(each->getValue<std::string>("subject") == "Về việc báo cáo mới");
    }
  }
  CHECK(returns == 1);
  CHECK(item(recent, 3)->getValue<std::string>("document_id") == late);
  CHECK(item(recent, 3)->getObject("act")->getValue<std::string>("comment") == "Trình lại");
}

TEST_CASE("dashboard: only for signed-in users, and another organisation sees none of it",
          "[api][dashboard]") {
  FlowServer s;
  auto id = s.draft("Về việc riêng của tỉnh");
  s.accept("chuyenvien", id, actionBody("submit"), 1, "review");
  checkProblem(call(s.port(), "GET", "/api/v1/dashboard", ""), 401, "unauthenticated");
  // A user of a commune: nothing of the province's documents.
  std::string commune;
  for (const auto& user : demo::demoDirectory().users) {
    if (user.organisationId != "ubnd-tinh" && !user.unitId.empty()) {
      commune = user.username;
      break;
    }
  }
  REQUIRE_FALSE(commune.empty());
  auto other = dashboard(s, commune);
  checkCounts(other->getObject("user"), 0, 0, 0);
  CHECK(other->getArray("recent")->size() == 0);
  CHECK(dashboard(s, "lanhdao")->getArray("recent")->size() == 1);
}
