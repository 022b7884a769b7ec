// What the document page is told (issue 9): the actions the caller may take now on a document
// (allowed_actions, with their hints), the names of who acted in the timeline, the dashboard and
// the audit trail, and the members of a unit to hand an incoming document to. The honest check:
// at each stage, for every demo user, every action listed is accepted when taken (on a copy of
// the document at the same stage) and every action not listed is refused by the flow.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "flow_fixture.h"
#include "vanthu/storage/sql_directory_repository.h"

using namespace vanthu;
using namespace vanthu::flowtest;
using Poco::JSON::Object;

namespace {

const std::vector<std::string> kUsers = {"chuyenvien", "truongphong", "chanhvanphong", "lanhdao",
                                         "phochutich", "vanthu",      "admin"};
const std::vector<std::string> kOutgoing = {"submit", "withdraw", "approve", "return",
                                            "reject", "sign",     "issue",   "recall"};
const std::vector<std::string> kIncoming = {"register",          "refuse", "assign",
                                            "assign_specialist", "note",   "complete"};

struct Seen {
  std::set<std::string> actions;
  Object::Ptr hints;
  std::string etag;
  int64_t revision = 0;
};

Seen seen(FlowServer& s, const std::string& username, const std::string& id) {
  auto reply = s.document(username, id);
  INFO(username << " reads " << id << ": " << reply.body);
  REQUIRE(reply.status == 200);
  Seen result;
  auto json = reply.json();
  auto names = json->getArray("allowed_actions");
  REQUIRE(names);
  for (size_t i = 0; i < names->size(); ++i)
    result.actions.insert(names->getElement<std::string>(i));
  result.hints = json->getObject("action_hints");
  REQUIRE(result.hints);
  result.etag = reply.etag;
  result.revision = json->getValue<int64_t>("revision");
  return result;
}

// A body the flow accepts when the caller may take `action` (sign and issue name a key that does
// not exist: the flow decides before the key is looked for).
std::string bodyFor(const std::string& action, int toLevel = 1) {
  Object body;
  body.set("action", action);
  if (action == "return") body.set("to_level", toLevel);
  if (action == "sign" || action == "issue") {
    body.set("key_id", "no-such-key");
    body.set("password", "x");
  } else if (action == "assign") {
    body.set("lead_unit_id", "ubnd-tinh-th");
    body.set("due_date", "2036-01-01");
    body.set("instruction", "Giao Phòng Tổng hợp");
  } else if (action == "assign_specialist") {
    body.set("specialist_id", "user-chuyenvien");
  } else if (action == "refuse") {
    body.set("reason", "Không thuộc thẩm quyền");
  } else if (action == "note") {
    body.set("text", "Đang xử lý");
  } else if (action == "complete") {
    body.set("result", "Đã trả lời");
  } else if (action != "register") {
    body.set("comment", "Ý kiến");
  }
  return text(body);
}

bool accepted(const std::string& action, const Reply& reply) {
  // Past the flow's decision, sign and issue look for the key.
  if (action == "sign" || action == "issue") {
    return reply.status == 404 && reply.body.find("no-such-key") != std::string::npos;
  }
  return reply.status == 200;
}

// For every user: what is listed is accepted (each on a fresh document brought to the stage by
// `make`), what is not is refused with 403 or 409, and the refused attempts move nothing.
void honestCheck(FlowServer& s, const std::function<std::string()>& make,
                 const std::vector<std::string>& candidates) {
  auto id = make();
  const int64_t before = seen(s, "admin", id).revision;
  for (const auto& user : kUsers) {
    auto listed = seen(s, user, id);
    for (const auto& action : candidates) {
      INFO(user << " " << action << " on a document at the stage of " << id);
      if (listed.actions.count(action)) {
        auto copy = make();
        auto revision = seen(s, user, copy).revision;
        auto reply = s.act(user, copy, bodyFor(action), tag(revision));
        INFO(reply.body);
        CHECK(accepted(action, reply));
      } else {
        auto reply = s.act(user, id, bodyFor(action), tag(listed.revision));
        INFO(reply.body);
        CHECK((reply.status == 403 || reply.status == 409));
      }
    }
  }
  // The refused attempts moved nothing.
  CHECK(seen(s, "admin", id).revision == before);
}

std::string lend(FlowServer& s, const std::string& from, const std::string& to,
                 const std::string& scope) {
  Object body;
  body.set("to_user_id", to);
  body.set("scope", scope);
  body.set("starts_at", "2020-01-01T00:00:00Z");
  body.set("ends_at", "2036-01-01T00:00:00Z");
  body.set("reason", "Nghỉ phép");
  auto reply = call(s.port(), "POST", "/api/v1/delegations", s.token(from), text(body));
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

// An outgoing document of chuyenvien moved by `steps` of the flow: 0 draft, 1 at the department
// head, 2 at the office chief, 3 waiting for the leader's signature.
std::string outgoingAt(FlowServer& s, int steps) {
  auto id = s.draft("Về việc kiểm tra các thao tác");
  int64_t revision = 1;
  if (steps >= 1) revision = s.accept("chuyenvien", id, actionBody("submit"), revision, "review");
  if (steps >= 2) revision = s.accept("truongphong", id, actionBody("approve"), revision, "review");
  if (steps >= 3) s.accept("chanhvanphong", id, actionBody("approve"), revision, "signing");
  return id;
}

// An incoming document of the province moved by `steps`: 0 received, 1 registered, 2 assigned to
// Phòng Tổng hợp, 3 handed to chuyenvien.
std::string incomingAt(FlowServer& s, int steps) {
  auto reply = call(s.port(), "POST", "/api/v1/documents", s.token("vanthu"),
                    multipart("Công văn đến cần xử lý", "incoming"),
                    "multipart/form-data; boundary=" + kBoundary);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  auto id = reply.json()->getValue<std::string>("id");
  const std::vector<std::pair<std::string, std::string>> moves = {
      {"vanthu", "register"}, {"lanhdao", "assign"}, {"truongphong", "assign_specialist"}};
  for (int i = 0; i < steps; ++i) {
    auto revision = seen(s, moves[i].first, id).revision;
    auto moved = s.act(moves[i].first, id, bodyFor(moves[i].second), tag(revision));
    INFO(moved.body);
    REQUIRE(moved.status == 200);
  }
  return id;
}

std::set<std::string> set(std::initializer_list<std::string> names) {
  return names;
}

}  // namespace

TEST_CASE(
    "allowed actions: each demo user sees what the outgoing flow lets them do now, a "
    "delegate included, and exactly that is accepted",
    "[api][allowed]") {
  FlowServer s;
  lend(s, "truongphong", "user-vanthu", "approve");

  auto draft = outgoingAt(s, 0);
  CHECK(seen(s, "chuyenvien", draft).actions == set({"submit", "withdraw"}));
  CHECK(seen(s, "truongphong", draft).actions.empty());
  CHECK(seen(s, "admin", draft).actions.empty());

  auto atHead = outgoingAt(s, 1);
  auto head = seen(s, "truongphong", atHead);
  CHECK(head.actions == set({"approve", "return", "reject"}));
  REQUIRE(head.hints->has("return"));
  CHECK(head.hints->getObject("return")->getArray("levels")->size() == 1);
  CHECK(head.hints->getObject("approve")->getValue<bool>("approval_signature") == false);
  // The department head lent the review to the clerk: she may act at his level, for him.
  CHECK(seen(s, "vanthu", atHead).actions == set({"approve", "return", "reject"}));
  CHECK(seen(s, "chuyenvien", atHead).actions.empty());
  CHECK(seen(s, "lanhdao", atHead).actions.empty());

  auto atOffice = outgoingAt(s, 2);
  auto office = seen(s, "chanhvanphong", atOffice);
  CHECK(office.actions == set({"approve", "return", "reject"}));
  auto levels = office.hints->getObject("return")->getArray("levels");
  REQUIRE(levels->size() == 2);
  CHECK(levels->getElement<int>(0) == 1);
  CHECK(levels->getElement<int>(1) == 2);
  CHECK(seen(s, "vanthu", atOffice).actions.empty());

  auto atLeader = outgoingAt(s, 3);
  CHECK(seen(s, "lanhdao", atLeader).actions == set({"sign", "return", "reject"}));
  CHECK(seen(s, "chuyenvien", atLeader).actions.empty());

  for (int steps = 0; steps <= 3; ++steps) {
    INFO("outgoing, " << steps << " steps in");
    honestCheck(
        s, [&] { return outgoingAt(s, steps); }, kOutgoing);
  }
}

TEST_CASE("allowed actions: the incoming flow, from the clerk to the specialist",
          "[api][allowed]") {
  FlowServer s;
  CHECK(seen(s, "vanthu", incomingAt(s, 0)).actions == set({"register", "refuse"}));
  CHECK(seen(s, "lanhdao", incomingAt(s, 1)).actions == set({"assign"}));
  auto assigned = incomingAt(s, 2);
  auto head = seen(s, "truongphong", assigned);
  CHECK(head.actions == set({"assign_specialist", "note"}));
  CHECK(head.hints->getObject("assign_specialist")->getValue<std::string>("lead_unit_id") ==
        "ubnd-tinh-th");
  CHECK(seen(s, "chuyenvien", assigned).actions.empty());
  auto handed = incomingAt(s, 3);
  CHECK(seen(s, "chuyenvien", handed).actions == set({"note", "complete"}));
  CHECK(seen(s, "truongphong", handed).actions == set({"assign_specialist", "note", "complete"}));
  CHECK(seen(s, "lanhdao", handed).actions.empty());

  for (int steps = 0; steps <= 3; ++steps) {
    INFO("incoming, " << steps << " steps in");
    honestCheck(
        s, [&] { return incomingAt(s, steps); }, kIncoming);
  }
}

TEST_CASE(
    "allowed actions: the ETag names the caller's actions, so a 304 never keeps a stale "
    "list, and If-Match takes it",
    "[api][allowed]") {
  FlowServer s;
  auto id = outgoingAt(s, 1);
  auto head = seen(s, "truongphong", id);
  auto drafter = seen(s, "chuyenvien", id);
  CHECK(head.etag.rfind("\"2.", 0) == 0);
  CHECK(head.etag != drafter.etag);
  auto path = "/api/v1/documents/" + id;
  auto revalidate = [&](const std::string& user, const std::string& etag) {
    Poco::Net::HTTPClientSession session("127.0.0.1", s.port());
    Poco::Net::HTTPRequest request("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
    request.set("Authorization", "Bearer " + s.token(user));
    request.set("If-None-Match", etag);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return static_cast<int>(response.getStatus());
  };
  CHECK(revalidate("truongphong", head.etag) == 304);
  CHECK(revalidate("truongphong", drafter.etag) == 200);
  CHECK(revalidate("truongphong", "\"2\"") == 200);

  // A delegation that ends changes what the delegate may do, not the document's revision.
  auto delegation = lend(s, "truongphong", "user-vanthu", "approve");
  auto delegate = seen(s, "vanthu", id);
  CHECK(delegate.actions == set({"approve", "return", "reject"}));
  auto revoked =
      call(s.port(), "DELETE", "/api/v1/delegations/" + delegation, s.token("truongphong"));
  REQUIRE(revoked.status < 300);
  CHECK(revalidate("vanthu", delegate.etag) == 200);
  CHECK(seen(s, "vanthu", id).actions.empty());
  CHECK(seen(s, "vanthu", id).revision == delegate.revision);

  // The GET's ETag as If-Match: accepted while the revision holds, stale after.
  auto approved = s.act("truongphong", id, actionBody("approve", "Đồng ý"), head.etag);
  INFO(approved.body);
  CHECK(approved.status == 200);
  checkProblem(s.act("truongphong", id, actionBody("approve"), head.etag), 412,
               "precondition_failed");
}

TEST_CASE("names: the timeline, the dashboard and the audit trail name who acted and for whom",
          "[api][allowed]") {
  FlowServer s;
  lend(s, "truongphong", "user-vanthu", "approve");
  auto id = outgoingAt(s, 1);
  auto revision = seen(s, "vanthu", id).revision;
  s.accept("vanthu", id, actionBody("approve", "Duyệt thay"), revision, "review");

  auto acts = s.acts("lanhdao", id);
  INFO(acts.body);
  REQUIRE(acts.status == 200);
  auto items = acts.json()->getArray("items");
  REQUIRE(items->size() == 2);
  CHECK(item(items, 0)->getValue<std::string>("actor_name") == "Nguyễn Thị Lan");
  CHECK(item(items, 0)->getValue<std::string>("on_behalf_of_name").empty());
  CHECK(item(items, 1)->getValue<std::string>("actor_name") == "Hoàng Thị Mai");
  CHECK(item(items, 1)->getValue<std::string>("on_behalf_of_name") == "Trần Văn Bình");

  auto audit = call(s.port(), "GET", "/api/v1/documents/" + id + "/audit", s.token("lanhdao"));
  INFO(audit.body);
  REQUIRE(audit.status == 200);
  auto entries = audit.json()->getArray("items");
  REQUIRE(entries->size() == 3);
  CHECK(item(entries, 0)->getValue<std::string>("action") == "create");
  CHECK(item(entries, 0)->getValue<std::string>("actor_name") == "Nguyễn Thị Lan");
  CHECK(item(entries, 0)->isNull("on_behalf_of_name"));
  CHECK(item(entries, 2)->getValue<std::string>("actor_name") == "Hoàng Thị Mai");
  CHECK(item(entries, 2)->getValue<std::string>("on_behalf_of_name") == "Trần Văn Bình");

  auto dashboard = call(s.port(), "GET", "/api/v1/dashboard", s.token("lanhdao"));
  INFO(dashboard.body);
  REQUIRE(dashboard.status == 200);
  auto recent = dashboard.json()->getArray("recent");
  REQUIRE(recent->size() >= 2);
  auto latest = item(recent, 0)->getObject("act");
  CHECK(latest->getValue<std::string>("actor_name") == "Hoàng Thị Mai");
  CHECK(latest->getValue<std::string>("on_behalf_of_name") == "Trần Văn Bình");
}

TEST_CASE("unit members: the active users of a unit of one's own organisation, by name",
          "[api][allowed]") {
  FlowServer s;
  auto members = [&](const std::string& user, const std::string& unit) {
    return call(s.port(), "GET", "/api/v1/units/" + unit + "/members", s.token(user));
  };
  auto reply = members("truongphong", "ubnd-tinh-th");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto items = reply.json()->getArray("items");
  std::set<std::string> names;
  for (size_t i = 0; i < items->size(); ++i) {
    names.insert(item(items, i)->getValue<std::string>("full_name"));
    CHECK(!item(items, i)->getValue<std::string>("id").empty());
  }
  CHECK(names == set({"Nguyễn Thị Lan", "Trần Văn Bình"}));
  CHECK(item(items, 0)->getValue<std::string>("position") == "Chuyên viên");

  // Someone who leaves is not offered any more.
  {
    auto database = s.openDatabase();
    storage::SqlDirectoryRepository directory(*database);
    auto user = directory.findUser("user-chuyenvien");
    REQUIRE(user);
    user->active = false;
    REQUIRE(directory.updateUser(*user).isOk());
  }
  auto after = members("lanhdao", "ubnd-tinh-th");
  REQUIRE(after.status == 200);
  REQUIRE(after.json()->getArray("items")->size() == 1);
  CHECK(item(after.json()->getArray("items"), 0)->getValue<std::string>("full_name") ==
        "Trần Văn Bình");

  checkProblem(members("chutich.daitu", "ubnd-tinh-th"), 403, "forbidden");
  checkProblem(members("truongphong", "dt-vp"), 403, "forbidden");
  checkProblem(members("truongphong", "no-such-unit"), 404, "not_found");
}
