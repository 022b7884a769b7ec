// The outgoing approval flow over HTTP (DESIGN §2, §4) with the demo organisations and users
// (samples/src/demo_directory.cpp, their grants as `vanthu demo init` gives them): real HTTP on
// loopback, a real SQLite database (or PostgreSQL: tests/storage/with_postgres.sh
// build/bin/vanthu_api_tests "[flow]"). Every action carries If-Match, is refused with a stable
// code when the state, the role, the organisation or the revision does not fit, and is one act and
// one audit entry.

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
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "flow_fixture.h"
#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/demo/demo_directory.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_template_repository.h"

using namespace vanthu;
using Poco::JSON::Object;
using vanthu::test::TempDir;

using namespace vanthu::flowtest;

TEST_CASE(
    "flow: drafted, submitted, approved by the department and the office, then it waits "
    "for the signature",
    "[api][flow]") {
  FlowServer s;
  auto id = s.draft("Về việc tổ chức hội nghị tổng kết");
  int64_t revision = 1;
  revision = s.accept("chuyenvien", id, actionBody("submit", "Kính trình lãnh đạo phòng"), revision,
                      "review");
  revision = s.accept("truongphong", id, actionBody("approve", "Đồng ý"), revision, "review");
  auto last = s.act("chanhvanphong", id, actionBody("approve", "Đúng thể thức"), tag(revision));
  INFO(last.body);
  REQUIRE(last.status == 200);
  CHECK(last.json()->getObject("document")->getValue<std::string>("status") == "signing");
  auto act = last.json()->getObject("act");
  CHECK(act->getValue<int>("seq") == 3);
  CHECK(act->getValue<std::string>("action") == "approve");
  CHECK(act->getValue<std::string>("actor_id") == "user-chanhvanphong");
  CHECK(act->getValue<std::string>("role") == "office_chief");
  CHECK(act->getValue<int>("from_level") == 3);
  CHECK(act->getValue<int>("to_level") == 4);
  ++revision;

  auto read = s.document("lanhdao", id);
  REQUIRE(read.status == 200);
  CHECK(revisionTag(read.etag) == tag(revision));
  CHECK(read.json()->getValue<std::string>("status") == "signing");

  // The timeline, oldest first, as every user of the organisation who sees the document reads it.
  auto timeline = s.acts("lanhdao", id);
  INFO(timeline.body);
  REQUIRE(timeline.status == 200);
  auto items = timeline.json()->getArray("items");
  REQUIRE(items->size() == 3);
  const std::vector<std::tuple<std::string, std::string, std::string, int, int, std::string>>
      expected = {
          {"submit", "user-chuyenvien", "", 1, 2, "Kính trình lãnh đạo phòng"},
          {"approve", "user-truongphong", "department_head", 2, 3, "Đồng ý"},
          {"approve", "user-chanhvanphong", "office_chief", 3, 4, "Đúng thể thức"},
      };
  for (size_t i = 0; i < expected.size(); ++i) {
    auto [action, actor, role, from, to, comment] = expected[i];
    auto each = item(items, i);
    INFO("act " << i);
    CHECK(each->getValue<int>("seq") == static_cast<int>(i) + 1);
    CHECK(each->getValue<std::string>("action") == action);
    CHECK(each->getValue<std::string>("actor_id") == actor);
    CHECK(each->getValue<std::string>("on_behalf_of").empty());
    CHECK(each->getValue<std::string>("role") == role);
    CHECK(each->getValue<std::string>("authority_marker").empty());
    CHECK(each->getValue<int>("from_level") == from);
    CHECK(each->getValue<int>("to_level") == to);
    CHECK(each->getValue<std::string>("comment") == comment);
    CHECK(each->getValue<std::string>("at").size() == 20);
  }

  // Every act is one audit entry, after the creation's.
  auto audit = s.audit(id);
  REQUIRE(audit.size() == 4);
  CHECK(audit[0].action == "create");
  CHECK(audit[1].action == "submit");
  CHECK(audit[1].actor == "user-chuyenvien");
  CHECK(audit[2].action == "approve");
  CHECK(audit[2].actor == "user-truongphong");
  CHECK(audit[2].details.find("Đồng ý") != std::string::npos);
  CHECK(audit[3].actor == "user-chanhvanphong");
  CHECK(audit[3].organisationId == "ubnd-tinh");

  // Signing needs a key; issuing and recalling do not fit a document waiting for its signature.
  // Refused with their reasons, and nothing moves (the signing itself:
  // tests/cli/outgoing_flow_test.sh).
  checkProblem(s.act("lanhdao", id, actionBody("sign", "lý do"), tag(revision)), 400,
               "invalid_argument");
  for (const char* action : {"issue", "recall"}) {
    INFO(action);
    checkProblem(s.act("lanhdao", id, actionBody(action, "lý do"), tag(revision)), 409,
                 "invalid_state");
  }
  CHECK(revisionTag(s.document("lanhdao", id).etag) == tag(revision));
  CHECK(s.acts("lanhdao", id).json()->getArray("items")->size() == 3);
  CHECK(s.audit(id).size() == 4);
}

TEST_CASE("flow: a return needs a reason, and the returned draft is submitted again",
          "[api][flow]") {
  FlowServer s;
  auto id = s.draft("Về việc báo cáo quý IV");
  int64_t revision = s.accept("chuyenvien", id, actionBody("submit"), 1, "review");
  checkProblem(s.act("truongphong", id, R"({"action":"return","to_level":1})", tag(revision)), 400,
               "invalid_argument");
  checkProblem(s.act("truongphong", id, R"({"action":"return","comment":"   "})", tag(revision)),
               400, "invalid_argument");
  revision = s.accept("truongphong", id,
                      R"({"action":"return","to_level":1,"comment":"Bổ sung số liệu tháng 12"})",
                      revision, "returned");
  // Back with the drafter: the reviewer cannot approve it now; the drafter edits it (an update
  // moves the revision on) and submits it again.
  checkProblem(s.act("truongphong", id, actionBody("approve"), tag(revision)), 409,
               "invalid_state");
  auto edited =
      call(s.port(), "PATCH", "/api/v1/documents/" + id, s.token("chuyenvien"),
           R"({"subject":"Về việc báo cáo quý IV, bổ sung"})", "application/json", tag(revision));
  INFO(edited.body);
  REQUIRE(edited.status == 200);
  CHECK(edited.json()->getValue<std::string>("status") == "returned");
  ++revision;
  revision = s.accept("chuyenvien", id, actionBody("submit", "Đã bổ sung"), revision, "review");
  // Under review nobody edits it.
  checkProblem(call(s.port(), "PATCH", "/api/v1/documents/" + id, s.token("chuyenvien"),
                    R"({"subject":"Sửa khi đang duyệt"})", "application/json", tag(revision)),
               409, "invalid_state");
  revision = s.accept("truongphong", id, actionBody("approve"), revision, "review");
  // The office sends it back to the department (to_level 2) without the drafter.
  revision = s.accept("chanhvanphong", id,
                      R"({"action":"return","to_level":2,"comment":"Xem lại căn cứ pháp lý"})",
                      revision, "review");

  auto items = s.acts("chuyenvien", id).json()->getArray("items");
  REQUIRE(items->size() == 5);
  CHECK(item(items, 1)->getValue<std::string>("action") == "return");
  CHECK(item(items, 1)->getValue<std::string>("comment") == "Bổ sung số liệu tháng 12");
  CHECK(item(items, 1)->getValue<int>("from_level") == 2);
  CHECK(item(items, 1)->getValue<int>("to_level") == 1);
  CHECK(item(items, 2)->getValue<std::string>("action") == "submit");
  CHECK(item(items, 4)->getValue<std::string>("role") == "office_chief");
  CHECK(item(items, 4)->getValue<int>("to_level") == 2);
  auto audit = s.audit(id);
  REQUIRE(audit.size() == 7);
  CHECK(audit[3].action == "update");
}

TEST_CASE("flow: a rejected document never moves again, and the drafter withdraws a draft",
          "[api][flow]") {
  FlowServer s;
  auto id = s.draft("Về việc điều chỉnh kế hoạch");
  int64_t revision = s.accept("chuyenvien", id, actionBody("submit"), 1, "review");
  checkProblem(s.act("truongphong", id, actionBody("reject"), tag(revision)), 400,
               "invalid_argument");
  revision = s.accept("truongphong", id, actionBody("reject", "Không phù hợp chủ trương"), revision,
                      "rejected");
  checkProblem(s.act("truongphong", id, actionBody("approve"), tag(revision)), 409,
               "invalid_state");
  checkProblem(s.act("chuyenvien", id, actionBody("withdraw"), tag(revision)), 409,
               "invalid_state");
  checkProblem(s.act("chuyenvien", id, actionBody("submit"), tag(revision)), 409, "invalid_state");
  CHECK(s.acts("chuyenvien", id).json()->getArray("items")->size() == 2);

  auto other = s.draft("Về việc không còn cần ban hành");
  checkProblem(s.act("truongphong", other, actionBody("withdraw"), tag(1)), 403, "forbidden");
  s.accept("chuyenvien", other, actionBody("withdraw", "Không ban hành nữa"), 1, "withdrawn");
  checkProblem(s.act("chuyenvien", other, actionBody("submit"), tag(2)), 409, "invalid_state");
  auto audit = s.audit(other);
  REQUIRE(audit.size() == 2);
  CHECK(audit[1].action == "withdraw");
  CHECK(audit[1].details.find("Không ban hành nữa") != std::string::npos);
}

TEST_CASE(
    "flow: refused for the wrong role, another organisation, a missing or stale If-Match "
    "and a malformed request, and nothing is written",
    "[api][flow]") {
  FlowServer s;
  auto id = s.draft("Về việc kiểm tra phân quyền");
  const int64_t revision = s.accept("chuyenvien", id, actionBody("submit"), 1, "review");

  // Level 2 is the department head's: not the clerk's, not the leader's, not the drafter's.
  checkProblem(s.act("vanthu", id, actionBody("approve"), tag(revision)), 403, "forbidden");
  checkProblem(s.act("lanhdao", id, actionBody("approve"), tag(revision)), 403, "forbidden");
  checkProblem(s.act("chuyenvien", id, actionBody("approve"), tag(revision)), 403, "forbidden");
  // Another organisation does not even learn that the document exists.
  checkProblem(s.act("vanthu.stc", id, actionBody("approve"), tag(revision)), 404, "not_found");
  checkProblem(s.act("chutich.pdp", id, actionBody("reject", "x"), tag(revision)), 404,
               "not_found");
  checkProblem(s.acts("vanthu.stc", id), 404, "not_found");
  checkProblem(s.act("truongphong", "no-such-document", actionBody("approve"), tag(1)), 404,
               "not_found");
  // The revision.
  checkProblem(s.act("truongphong", id, actionBody("approve"), ""), 428, "precondition_required");
  checkProblem(s.act("truongphong", id, actionBody("approve"), tag(1)), 412, "precondition_failed");
  checkProblem(s.act("truongphong", id, actionBody("approve"), "\"x\""), 412,
               "precondition_failed");
  // The request itself.
  for (const char* body :
       {R"({"action":"publish"})", R"({"action":"edit"})", R"({"comment":"thiếu action"})",
        R"({"action":"approve","reason":"trường lạ"})", R"({"action":"approve","to_level":1})",
        R"({"action":"return","to_level":"1","comment":"x"})",
        R"({"action":"approve","skip_levels":[3]})", R"({"action":1})", "[]", "không phải JSON"}) {
    INFO(body);
    checkProblem(s.act("truongphong", id, body, tag(revision)), 400, "invalid_argument");
  }
  // An incoming document has no outgoing approval flow (its one act is its arrival).
  auto incoming = s.draft("Công văn đến", "vanthu", "incoming");
  checkProblem(s.act("vanthu", incoming, actionBody("submit"), tag(1)), 409, "invalid_state");

  auto read = s.document("truongphong", id);
  CHECK(revisionTag(read.etag) == tag(revision));
  CHECK(read.json()->getValue<std::string>("status") == "review");
  CHECK(s.acts("truongphong", id).json()->getArray("items")->size() == 1);
  CHECK(s.audit(id).size() == 2);
  CHECK(s.acts("vanthu", incoming).json()->getArray("items")->size() == 1);  // received
}

TEST_CASE("flow: of 50 identical approvals sent at once exactly one is accepted",
          "[api][flow][concurrency]") {
  FlowServer s;
  auto id = s.draft("Về việc phê duyệt đồng thời");
  const int64_t revision = s.accept("chuyenvien", id, actionBody("submit"), 1, "review");
  // The demo has one department head for the drafter's unit: the same person, 50 times.
  const std::string token = s.token("truongphong");
  constexpr int kThreads = 50;
  std::vector<int> statuses(kThreads, 0);
  std::vector<std::string> codes(kThreads);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (!go) std::this_thread::yield();
      try {
        auto reply = call(s.port(), "POST", "/api/v1/documents/" + id + "/actions", token,
                          actionBody("approve", "Đồng ý"), "application/json", tag(revision));
        statuses[i] = reply.status;
        if (reply.status >= 400) codes[i] = reply.code();
      } catch (const std::exception&) {
        statuses[i] = -1;
      }
    });
  }
  while (ready < kThreads) std::this_thread::yield();
  go = true;
  for (auto& thread : threads) thread.join();

  std::map<int, int> counts;
  for (int status : statuses) ++counts[status];
  std::ostringstream summary;
  for (auto [status, count] : counts) summary << status << " x" << count << " ";
  INFO(summary.str());
  CHECK(counts[200] == 1);
  CHECK(counts[409] + counts[412] == kThreads - 1);
  for (int i = 0; i < kThreads; ++i) {
    if (statuses[i] == 409) CHECK((codes[i] == "invalid_state" || codes[i] == "conflict"));
    if (statuses[i] == 412) CHECK(codes[i] == "precondition_failed");
  }

  auto items = s.acts("truongphong", id).json()->getArray("items");
  REQUIRE(items->size() == 2);
  CHECK(item(items, 1)->getValue<std::string>("action") == "approve");
  auto audit = s.audit(id);
  REQUIRE(audit.size() == 3);
  CHECK(audit[2].action == "approve");
  auto read = s.document("truongphong", id);
  CHECK(revisionTag(read.etag) == tag(revision + 1));
  CHECK(read.json()->getValue<std::string>("status") == "review");
}

TEST_CASE(
    "flow: a document keeps its template version, and one created before flows gets one "
    "at its first action",
    "[api][flow]") {
  FlowServer s;
  auto running = s.draft("Văn bản theo mẫu cũ");
  std::string legacyId = "van-ban-cu-1";
  int newVersion = 0;
  {
    auto database = s.openDatabase();
    storage::SqlTemplateRepository templates(*database);
    auto current = templates.findTemplate("outgoing-4");
    REQUIRE(current);
    // An administrator's change to the shipped template: a new version.
    auto changed = *current;
    changed.name += " (sửa đổi)";
    changed.createdBy = "user-admin";
    auto saved = templates.saveTemplate(changed);
    REQUIRE(saved.isOk());
    newVersion = saved.value();
    CHECK(newVersion == current->version + 1);
    storage::SqlFlowRepository flows(*database);
    auto flow = flows.findFlow(running);
    REQUIRE(flow);
    CHECK(flow->templateVersion == current->version);
    CHECK(flow->state.drafterId == "user-chuyenvien");
    CHECK(flow->state.drafterUnitId == "ubnd-tinh-th");

    // A draft stored as documents were before the flow was kept.
    workflow::DocumentRecord legacy;
    legacy.id = legacyId;
    legacy.organisationId = "ubnd-tinh";
    legacy.direction = "outgoing";
    legacy.subject = "Dự thảo trước khi có luồng duyệt";
    legacy.status = "draft";
    legacy.createdBy = "user-chuyenvien";
    legacy.createdAt = legacy.updatedAt = "2026-11-01T08:00:00.000Z";
    REQUIRE(storage::SqlDocumentRepository(*database).createDocument(legacy).isOk());
    CHECK_FALSE(flows.findFlow(legacyId));
  }
  CHECK(s.acts("chuyenvien", legacyId).json()->getArray("items")->size() == 0);
  s.accept("chuyenvien", legacyId, actionBody("submit"), 1, "review");
  s.accept("truongphong", legacyId, actionBody("approve"), 2, "review");
  auto fresh = s.draft("Văn bản theo mẫu mới");

  auto database = s.openDatabase();
  storage::SqlFlowRepository flows(*database);
  auto legacyFlow = flows.findFlow(legacyId);
  REQUIRE(legacyFlow);
  CHECK(legacyFlow->templateVersion == newVersion);
  CHECK(legacyFlow->state.level == 3);
  CHECK(flows.findFlow(fresh)->templateVersion == newVersion);
  CHECK(flows.findFlow(running)->templateVersion == newVersion - 1);
}

TEST_CASE(
    "flow: a delegate approves on behalf of the department head while the delegation is "
    "in force, and not after it is revoked",
    "[api][flow][delegations]") {
  FlowServer s;
  auto lend = [&](const std::string& to, const std::string& scope) {
    Object body;
    body.set("to_user_id", to);
    body.set("scope", scope);
    body.set("starts_at", "2020-01-01T00:00:00Z");
    body.set("ends_at", "2036-01-01T00:00:00Z");
    body.set("reason", "Nghỉ phép");
    auto reply = call(s.port(), "POST", "/api/v1/delegations", s.token("truongphong"), text(body));
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    return reply.json()->getValue<std::string>("id");
  };
  auto approving = lend("user-chanhvanphong", "approve");
  lend("user-vanthu", "sign");  // a signature delegation does not lend the review

  auto id = s.draft("Về việc ủy quyền duyệt");
  int64_t revision = s.accept("chuyenvien", id, actionBody("submit"), 1, "review");
  checkProblem(s.act("vanthu", id, actionBody("approve"), tag(revision)), 403, "forbidden");
  auto reply = s.act("chanhvanphong", id, actionBody("approve", "Duyệt thay"), tag(revision));
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto act = reply.json()->getObject("act");
  CHECK(act->getValue<std::string>("actor_id") == "user-chanhvanphong");
  CHECK(act->getValue<std::string>("on_behalf_of") == "user-truongphong");
  CHECK(act->getValue<std::string>("role") == "department_head");
  CHECK(act->getValue<int>("to_level") == 3);
  auto audit = s.audit(id);
  REQUIRE(audit.size() == 3);
  CHECK(audit[2].actor == "user-chanhvanphong");
  CHECK(audit[2].details.find("user-truongphong") != std::string::npos);

  auto revoked =
      call(s.port(), "DELETE", "/api/v1/delegations/" + approving, s.token("truongphong"));
  INFO(revoked.body);
  REQUIRE(revoked.status < 300);
  auto later = s.draft("Sau khi thu hồi ủy quyền");
  s.accept("chuyenvien", later, actionBody("submit"), 1, "review");
  checkProblem(s.act("chanhvanphong", later, actionBody("approve"), tag(2)), 403, "forbidden");
}

TEST_CASE(
    "flow: a confidential draft is opened by each reviewer when their step comes and after they "
    "acted, by nobody else, and the lists and the dashboard agree",
    "[api][flow][access]") {
  FlowServer s;
  auto id = s.draft("Báo cáo mật về công tác cán bộ", "chuyenvien", "outgoing", "confidential");
  auto opens = [&](const std::string& username) {
    auto reply = s.document(username, id);
    INFO(username << ": " << reply.body);
    CHECK((reply.status == 200 || reply.status == 404));
    return reply.status == 200;
  };
  // How many of the array `name` of `username`'s answer to GET `path` are about the document.
  auto mentions = [&](const std::string& username, const std::string& path, const std::string& name,
                      const std::string& idField) {
    auto reply = call(s.port(), "GET", path, s.token(username));
    INFO(username << " " << path << ": " << reply.body);
    REQUIRE(reply.status == 200);
    auto items = reply.json()->getArray(name);
    int count = 0;
    for (size_t i = 0; i < items->size(); ++i) {
      if (item(items, i)->getValue<std::string>(idField) == id) ++count;
    }
    return count;
  };
  auto listed = [&](const std::string& username, const std::string& box) {
    return mentions(username, "/api/v1/documents?box=" + box, "items", "id") > 0;
  };
  auto waitsOnDashboard = [&](const std::string& username) {
    return mentions(username, "/api/v1/dashboard", "waiting", "document_id") > 0;
  };
  // Whoever the dashboard says it waits for can open it and finds it in the pending box.
  auto agrees = [&](const std::string& username) {
    INFO(username);
    const bool waits = waitsOnDashboard(username);
    CHECK(listed(username, "pending") == waits);
    if (waits) CHECK(opens(username));
  };
  const std::vector<std::string> everyone = {"truongphong", "chanhvanphong", "lanhdao",
                                             "phochutich",  "vanthu",        "admin"};

  // A draft: its drafter and the leader only.
  CHECK(opens("chuyenvien"));
  CHECK(opens("lanhdao"));
  for (const char* other : {"truongphong", "chanhvanphong", "phochutich", "vanthu", "admin"}) {
    INFO(other);
    CHECK_FALSE(opens(other));
    CHECK_FALSE(listed(other, "outgoing"));
  }

  int64_t revision = 1;
  revision = s.accept("chuyenvien", id, actionBody("submit"), revision, "review");
  // Level 2: the department head's step. The office chief's has not come.
  CHECK(opens("truongphong"));
  CHECK(listed("truongphong", "pending"));
  CHECK(listed("truongphong", "outgoing"));
  CHECK(s.acts("truongphong", id).status == 200);
  CHECK_FALSE(opens("chanhvanphong"));
  CHECK_FALSE(listed("chanhvanphong", "outgoing"));
  for (const auto& username : everyone) agrees(username);

  revision = s.accept("truongphong", id, actionBody("approve", "Đồng ý"), revision, "review");
  // The department head acted on it and keeps seeing it; it no longer waits for them.
  CHECK(opens("truongphong"));
  CHECK(listed("truongphong", "outgoing"));
  CHECK_FALSE(listed("truongphong", "pending"));
  CHECK(opens("chanhvanphong"));
  CHECK(listed("chanhvanphong", "pending"));
  for (const auto& username : everyone) agrees(username);
  // The dashboard's recent acts follow the same rule.
  auto recentOn = [&](const std::string& username) {
    return mentions(username, "/api/v1/dashboard", "recent", "document_id");
  };
  CHECK(recentOn("truongphong") == 2);
  CHECK(recentOn("chanhvanphong") == 2);
  CHECK(recentOn("lanhdao") == 2);
  CHECK(recentOn("chuyenvien") == 2);
  CHECK(recentOn("phochutich") == 0);
  CHECK(recentOn("vanthu") == 0);
  // Seeing is not acting: the department head cannot approve at the office chief's level.
  checkProblem(s.act("truongphong", id, actionBody("approve"), tag(revision)), 403, "forbidden");

  revision = s.accept("chanhvanphong", id, actionBody("approve"), revision, "signing");
  // At the leader's signature: the two reviewers keep it; the deputy, the clerk (whose step, the
  // issue, has not come) and the administrator still do not see it.
  CHECK(opens("truongphong"));
  CHECK(opens("chanhvanphong"));
  CHECK(opens("lanhdao"));
  for (const char* other : {"phochutich", "vanthu", "admin"}) {
    INFO(other);
    CHECK_FALSE(opens(other));
    CHECK_FALSE(listed(other, "outgoing"));
  }
  for (const auto& username : everyone) agrees(username);
}
