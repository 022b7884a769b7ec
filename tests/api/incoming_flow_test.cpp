// The incoming flow over HTTP (DESIGN §2, incoming states and actions; standards §1.7, §2.4) with
// the demo organisations and users: the clerk receives a PDF (its signatures are checked on
// arrival), registers it with the next incoming number, the leader assigns a lead unit with a due
// date, the unit's head names a specialist, who notes progress and completes it with a reply.
// Real HTTP on loopback, a real SQLite database (or PostgreSQL: tests/storage/with_postgres.sh
// build/bin/vanthu_api_tests "[incoming]"). Every action carries If-Match, is refused with a
// stable code when the state, the role, the organisation or the revision does not fit, and is one
// act and one audit entry that records the exchange status code for the sender.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <ctime>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "flow_fixture.h"
#include "incoming_flow_service.h"
#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/demo/demo_directory.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_template_repository.h"
#include "vanthu/workflow/deadlines.h"

using namespace vanthu;
using Poco::JSON::Object;
using vanthu::test::TempDir;

using namespace vanthu::flowtest;

namespace {

// The document the clerk of the province receives; returns its id.
std::string receive(FlowServer& s, const std::string& subject,
                    const std::string& pdf = "tests/data/corpus/unsigned/dss_EmptyPage.pdf",
                    const std::string& clerk = "vanthu") {
  auto reply =
      call(s.port(), "POST", "/api/v1/documents", s.token(clerk),
           multipart(subject, "incoming", pdf), "multipart/form-data; boundary=" + kBoundary);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  CHECK(reply.json()->getValue<std::string>("status") == "received");
  return reply.json()->getValue<std::string>("id");
}

Reply incoming(FlowServer& s, const std::string& username, const std::string& id) {
  return call(s.port(), "GET", "/api/v1/documents/" + id + "/incoming", s.token(username));
}

Object::Ptr incomingOk(FlowServer& s, const std::string& username, const std::string& id) {
  auto reply = incoming(s, username, id);
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json();
}

// The action, which must be accepted with `status` and `code`; returns the new revision.
int64_t accept(FlowServer& s, const std::string& username, const std::string& id,
               const std::string& body, int64_t revision, const std::string& status,
               const std::string& code) {
  auto reply = s.act(username, id, body, tag(revision));
  INFO(username << " " << body << ": " << reply.body);
  REQUIRE(reply.status == 200);
  auto document = reply.json()->getObject("document");
  CHECK(document->getValue<std::string>("status") == status);
  CHECK(reply.json()->getValue<std::string>("exchange_status") == code);
  auto next = document->getValue<int64_t>("revision");
  CHECK(next > revision);
  CHECK(reply.etag == tag(next));
  return next;
}

std::string assignBody(const std::string& dueDate, const std::string& lead = "ubnd-tinh-th") {
  Object body;
  body.set("action", "assign");
  body.set("lead_unit_id", lead);
  Poco::JSON::Array::Ptr supporting = new Poco::JSON::Array;
  supporting->add("ubnd-tinh-kt");
  body.set("supporting_unit_ids", supporting);
  if (!dueDate.empty()) body.set("due_date", dueDate);
  body.set("instruction", "Giao Phòng Tổng hợp chủ trì, tham mưu trả lời");
  return text(body);
}

std::string specialistBody(const std::string& user) {
  return R"({"action":"assign_specialist","specialist_id":")" + user + R"("})";
}

}  // namespace

TEST_CASE(
    "incoming: received with its verdict, registered 01 and 02, assigned, handed to a "
    "specialist, noted and completed with a reply",
    "[api][incoming]") {
  FlowServer s;
  auto first = receive(s, "Công văn về việc báo cáo tình hình thực hiện");
  auto second = receive(s, "Công văn về việc góp ý dự thảo");

  auto arrived = incomingOk(s, "vanthu", first);
  CHECK(arrived->getValue<std::string>("status") == "received");
  CHECK(arrived->getValue<std::string>("exchange_status") == "01");
  CHECK(arrived->isNull("number"));
  CHECK(arrived->getValue<std::string>("deadline_status") == "none");
  // An unsigned PDF: nothing to pass, so indeterminate, with the report kept.
  CHECK(arrived->getValue<std::string>("verification_verdict") == "INDETERMINATE");
  REQUIRE(arrived->getObject("verification_report"));
  CHECK(arrived->getObject("verification_report")->getArray("signatures")->size() == 0);

  // The clerk registers them in the order they came: số đến 01, 02.
  int64_t revision = accept(s, "vanthu", first, actionBody("register"), 1, "registered", "03");
  int64_t secondRevision =
      accept(s, "vanthu", second, actionBody("register", "Vào sổ"), 1, "registered", "03");
  auto numbered = incomingOk(s, "vanthu", first);
  CHECK(numbered->getValue<int>("number") == 1);
  CHECK(numbered->getValue<std::string>("notation") == "01");
  CHECK(numbered->getValue<std::string>("register_id") == "ubnd-tinh-van-ban-den");
  auto numberedSecond = incomingOk(s, "vanthu", second);
  CHECK(numberedSecond->getValue<int>("number") == 2);
  CHECK(numberedSecond->getValue<std::string>("notation") == "02");
  CHECK(secondRevision == 3);  // the number and the status: two revisions
  {
    auto database = s.openDatabase();
    auto registered = storage::SqlDocumentRepository(*database).findDocument(first);
    REQUIRE(registered);
    CHECK(registered->registerNumber == 1);
    CHECK(registered->status == "registered");
  }

  // The leader assigns the Phòng Tổng hợp, supported by the Phòng Kinh tế.
  revision = accept(s, "lanhdao", first, assignBody("2099-12-31"), revision, "assigned", "04");
  auto assigned = incomingOk(s, "truongphong", first);
  CHECK(assigned->getValue<std::string>("lead_unit_id") == "ubnd-tinh-th");
  REQUIRE(assigned->getArray("supporting_unit_ids")->size() == 1);
  CHECK(assigned->getArray("supporting_unit_ids")->getElement<std::string>(0) == "ubnd-tinh-kt");
  CHECK(assigned->getValue<std::string>("due_date") == "2099-12-31");
  CHECK(assigned->getValue<std::string>("deadline_status") == "on_time");
  CHECK(assigned->getValue<std::string>("instruction") ==
        "Giao Phòng Tổng hợp chủ trì, tham mưu trả lời");

  // The head of the lead unit names the specialist, who notes progress.
  revision = accept(s, "truongphong", first, specialistBody("user-chuyenvien"), revision,
                    "in_progress", "05");
  revision =
      accept(s, "chuyenvien", first, R"({"action":"note","text":"Đã xin ý kiến Phòng Kinh tế"})",
             revision, "in_progress", "05");
  {
    auto database = s.openDatabase();
    auto rows = storage::SqlAssignmentRepository(*database).assignmentsOf(first);
    std::map<std::string, workflow::Assignment> byKind;
    for (const auto& row : rows) byKind[row.kind] = row;
    REQUIRE(rows.size() == 3);
    CHECK(byKind["lead_unit"].unitId == "ubnd-tinh-th");
    CHECK(byKind["lead_unit"].assignedBy == "user-lanhdao");
    CHECK(byKind["lead_unit"].dueDate == "2099-12-31");
    CHECK(byKind["supporting_unit"].unitId == "ubnd-tinh-kt");
    CHECK(byKind["specialist"].userId == "user-chuyenvien");
    CHECK(byKind["specialist"].assignedBy == "user-truongphong");
    for (const auto& row : rows) CHECK(row.status == "open");
  }

  // The reply is an outgoing document of the organisation; it is linked at completion.
  auto reply = s.draft("Về việc trả lời công văn", "chuyenvien");
  Object complete;
  complete.set("action", "complete");
  complete.set("result", "Đã có văn bản trả lời");
  complete.set("reply_document_id", reply);
  revision = accept(s, "chuyenvien", first, text(complete), revision, "completed", "06");
  auto done = incomingOk(s, "lanhdao", first);
  CHECK(done->getValue<std::string>("status") == "completed");
  CHECK(done->getValue<std::string>("result") == "Đã có văn bản trả lời");
  CHECK(done->getValue<std::string>("reply_document_id") == reply);
  CHECK(done->getValue<std::string>("specialist_id") == "user-chuyenvien");
  CHECK(done->getValue<std::string>("deadline_status") == "none");
  {
    auto database = s.openDatabase();
    for (const auto& row : storage::SqlAssignmentRepository(*database).assignmentsOf(first)) {
      CHECK(row.status == "completed");
    }
  }
  // Completed is final.
  checkProblem(s.act("chuyenvien", first, R"({"action":"note","text":"thêm"})", tag(revision)), 409,
               "invalid_state");

  // The timeline and exactly one audit entry per act, each with the code for the sender.
  auto timeline = s.acts("truongphong", first);
  INFO(timeline.body);
  REQUIRE(timeline.status == 200);
  auto items = timeline.json()->getArray("items");
  const std::vector<std::tuple<std::string, std::string, std::string, std::string>> expected = {
      {"receive", "user-vanthu", "clerk", "01"},
      {"register", "user-vanthu", "clerk", "03"},
      {"assign", "user-lanhdao", "leader", "04"},
      {"assign_specialist", "user-truongphong", "department_head", "05"},
      {"note_progress", "user-chuyenvien", "", "05"},
      {"complete", "user-chuyenvien", "", "06"},
  };
  REQUIRE(items->size() == expected.size());
  auto audit = s.audit(first);
  REQUIRE(audit.size() == expected.size() + 1);
  CHECK(audit[0].action == "create");
  for (size_t i = 0; i < expected.size(); ++i) {
    auto [action, actor, role, code] = expected[i];
    INFO("act " << i);
    auto each = item(items, i);
    CHECK(each->getValue<int>("seq") == static_cast<int>(i) + 1);
    CHECK(each->getValue<std::string>("action") == action);
    CHECK(each->getValue<std::string>("actor_id") == actor);
    CHECK(each->getValue<std::string>("role") == role);
    CHECK(audit[i + 1].action == action);
    CHECK(audit[i + 1].actor == actor);
    CHECK(audit[i + 1].organisationId == "ubnd-tinh");
    CHECK(audit[i + 1].details.find("\"exchange_status\":\"" + code + "\"") != std::string::npos);
  }
  CHECK(item(items, 4)->getValue<std::string>("comment") == "Đã xin ý kiến Phòng Kinh tế");
  CHECK(item(items, 5)->getValue<std::string>("comment") == "Đã có văn bản trả lời");
}

TEST_CASE("incoming: the clerk refuses with a reason, and a refused document never moves",
          "[api][incoming]") {
  FlowServer s;
  auto id = receive(s, "Công văn gửi nhầm cơ quan");
  checkProblem(s.act("vanthu", id, actionBody("refuse"), tag(1)), 400, "invalid_argument");
  int64_t revision = accept(s, "vanthu", id, R"({"action":"refuse","reason":"Gửi nhầm cơ quan"})",
                            1, "refused", "02");
  CHECK(incomingOk(s, "vanthu", id)->getValue<std::string>("exchange_status") == "02");
  checkProblem(s.act("vanthu", id, actionBody("register"), tag(revision)), 409, "invalid_state");
  auto items = s.acts("vanthu", id).json()->getArray("items");
  REQUIRE(items->size() == 2);
  CHECK(item(items, 1)->getValue<std::string>("action") == "refuse");
  CHECK(item(items, 1)->getValue<std::string>("comment") == "Gửi nhầm cơ quan");
  CHECK(s.audit(id).size() == 3);
}

TEST_CASE(
    "incoming: wrong roles 403, another organisation 404, a stale or missing If-Match 412/428, "
    "the wrong direction 409, bad fields 400; nothing moves",
    "[api][incoming]") {
  FlowServer s;
  auto id = receive(s, "Công văn đến");
  // Only the clerk registers; the leader assigns; the head of the lead unit names a specialist.
  checkProblem(s.act("chuyenvien", id, actionBody("register"), tag(1)), 403, "forbidden");
  checkProblem(s.act("lanhdao", id, assignBody(""), tag(1)), 409, "invalid_state");
  // Another organisation neither sees it nor acts on it.
  checkProblem(s.act("vanthu.pdp", id, actionBody("register"), tag(1)), 404, "not_found");
  checkProblem(incoming(s, "vanthu.pdp", id), 404, "not_found");
  checkProblem(s.acts("vanthu.pdp", id), 404, "not_found");
  // If-Match.
  checkProblem(s.act("vanthu", id, actionBody("register"), ""), 428, "precondition_required");
  checkProblem(s.act("vanthu", id, actionBody("register"), tag(7)), 412, "precondition_failed");
  // An outgoing action on an incoming document and the other way round.
  checkProblem(s.act("vanthu", id, actionBody("submit"), tag(1)), 409, "invalid_state");
  auto draft = s.draft("Dự thảo", "chuyenvien");
  checkProblem(s.act("vanthu", draft, actionBody("register"), tag(1)), 409, "invalid_state");
  // Fields that do not go with the action.
  for (const char* body : {R"({"action":"register","key_id":"k"})",
                           R"({"action":"register","lead_unit_id":"ubnd-tinh-th"})",
                           R"({"action":"assign","supporting_unit_ids":"ubnd-tinh-kt"})",
                           R"({"action":"approve","lead_unit_id":"ubnd-tinh-th"})"}) {
    INFO(body);
    checkProblem(s.act("vanthu", id, body, tag(1)), 400, "invalid_argument");
  }
  CHECK(s.audit(id).size() == 2);
  CHECK(s.acts("vanthu", id).json()->getArray("items")->size() == 1);

  int64_t revision = accept(s, "vanthu", id, actionBody("register"), 1, "registered", "03");
  checkProblem(s.act("vanthu", id, assignBody("2099-12-31"), tag(revision)), 403, "forbidden");
  checkProblem(s.act("truongphong", id, assignBody("2099-12-31"), tag(revision)), 403, "forbidden");
  // A lead unit of another organisation, a malformed due date.
  checkProblem(s.act("lanhdao", id, assignBody("2099-12-31", "pdp-vp"), tag(revision)), 400,
               "invalid_argument");
  checkProblem(s.act("lanhdao", id, assignBody("31/12/2099"), tag(revision)), 400,
               "invalid_argument");
  revision = accept(s, "lanhdao", id, assignBody("2099-12-31"), revision, "assigned", "04");
  // The head of another unit, and the leader, do not name the specialist; the specialist must
  // work in the lead unit.
  checkProblem(s.act("chanhvanphong", id, specialistBody("user-chuyenvien"), tag(revision)), 403,
               "forbidden");
  checkProblem(s.act("truongphong", id, specialistBody("user-chanhvanphong"), tag(revision)), 400,
               "invalid_argument");
  checkProblem(s.act("truongphong", id, specialistBody("user-chutich.pdp"), tag(revision)), 400,
               "invalid_argument");
  // A specialist not assigned notes nothing; completing needs progress first.
  checkProblem(s.act("chanhvanphong", id, R"({"action":"note","text":"x"})", tag(revision)), 403,
               "forbidden");
  checkProblem(s.act("truongphong", id, R"({"action":"complete","result":"x"})", tag(revision)),
               409, "invalid_state");
  revision = accept(s, "truongphong", id, specialistBody("user-chuyenvien"), revision,
                    "in_progress", "05");
  // A reply must be an outgoing document of the organisation.
  auto other = receive(s, "Công văn khác");
  Object complete;
  complete.set("action", "complete");
  complete.set("result", "Xong");
  complete.set("reply_document_id", other);
  checkProblem(s.act("chuyenvien", id, text(complete), tag(revision)), 400, "invalid_argument");
  complete.set("reply_document_id", "khong-co");
  checkProblem(s.act("chuyenvien", id, text(complete), tag(revision)), 400, "invalid_argument");
  checkProblem(s.act("chuyenvien", id, R"({"action":"complete"})", tag(revision)), 400,
               "invalid_argument");
  CHECK(revisionTag(s.document("vanthu", id).etag) == tag(revision));
  CHECK(s.audit(id).size() == 5);
}

TEST_CASE(
    "incoming: a due date in the past is overdue, and without one the leader gets 10 working days",
    "[api][incoming]") {
  FlowServer s;
  auto late = receive(s, "Công văn quá hạn");
  int64_t revision = accept(s, "vanthu", late, actionBody("register"), 1, "registered", "03");
  accept(s, "lanhdao", late, assignBody("2020-01-06"), revision, "assigned", "04");
  auto shown = incomingOk(s, "truongphong", late);
  CHECK(shown->getValue<std::string>("due_date") == "2020-01-06");
  CHECK(shown->getValue<std::string>("deadline_status") == "overdue");

  auto plain = receive(s, "Công văn không hạn");
  revision = accept(s, "vanthu", plain, actionBody("register"), 1, "registered", "03");
  accept(s, "lanhdao", plain, assignBody(""), revision, "assigned", "04");
  auto defaulted = incomingOk(s, "truongphong", plain);
  auto due = defaulted->getValue<std::string>("due_date");
  INFO(due);
  REQUIRE(workflow::isoDateToDays(due));
  // 10 working days are two calendar weeks (no holidays are known to the server).
  auto today = api::vietnamToday(static_cast<int64_t>(std::time(nullptr)));
  CHECK(*workflow::isoDateToDays(due) - *workflow::isoDateToDays(today) >= 12);
  CHECK(*workflow::isoDateToDays(due) - *workflow::isoDateToDays(today) <= 14);
  CHECK(defaulted->getValue<std::string>("deadline_status") == "on_time");
}

TEST_CASE("incoming: an attacked PDF is received too, with the verdict that says so",
          "[api][incoming]") {
  FlowServer s;
  auto id = receive(s, "Công văn bị sửa sau khi ký",
                    "tests/data/corpus/attacks/dss_modified_after_signature.pdf");
  auto shown = incomingOk(s, "vanthu", id);
  INFO(text(*shown));
  CHECK(shown->getValue<std::string>("verification_verdict") != "INDETERMINATE");
  CHECK(shown->getValue<std::string>("verification_verdict") == "TOTAL_FAILED");
  CHECK(shown->getObject("verification_report")->getArray("signatures")->size() >= 1);
  auto items = s.acts("vanthu", id).json()->getArray("items");
  REQUIRE(items->size() == 1);
  CHECK(item(items, 0)->getValue<std::string>("comment").find(
            shown->getValue<std::string>("verification_verdict")) != std::string::npos);
}
