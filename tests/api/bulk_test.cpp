// Several documents acted on in one request (POST /api/v1/documents/actions): each item its own
// transaction and its own result, in the items' order; a refused item changes nothing of its
// document and never undoes another item.

#include "flow_fixture.h"

using namespace vanthu;
using namespace vanthu::flowtest;

namespace {

Object::Ptr bulkItem(const std::string& id, const Poco::Dynamic::Var& ifMatch,
                     const std::string& action, const std::string& comment = "") {
  Object::Ptr item = new Object;
  item->set("id", id);
  if (!ifMatch.isEmpty()) item->set("if_match", ifMatch);
  item->set("action", action);
  if (!comment.empty()) item->set("comment", comment);
  return item;
}

Reply bulk(FlowServer& s, const std::string& username, const std::vector<Object::Ptr>& items) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const auto& each : items) array->add(each);
  Object body;
  body.set("items", array);
  return call(s.port(), "POST", "/api/v1/documents/actions", s.token(username), text(body));
}

void checkResult(const Poco::JSON::Array::Ptr& results, size_t index, const std::string& id,
                 int status, const std::string& code) {
  INFO("result " << index);
  auto result = item(results, index);
  CHECK(result->getValue<std::string>("id") == id);
  CHECK(result->getValue<int>("status") == status);
  if (status == 200) {
    CHECK(result->has("document"));
    CHECK(result->has("act"));
    CHECK_FALSE(result->has("error"));
  } else {
    CHECK_FALSE(result->has("document"));
    CHECK_FALSE(result->has("act"));
    REQUIRE(result->has("error"));
    CHECK(result->getObject("error")->getValue<std::string>("code") == code);
    CHECK(result->getObject("error")->getValue<int>("status") == status);
    CHECK_FALSE(result->getObject("error")->getValue<std::string>("detail").empty());
  }
}

size_t actCount(FlowServer& s, const std::string& id) {
  auto reply = s.acts("chuyenvien", id);
  REQUIRE(reply.status == 200);
  return reply.json()->getArray("items")->size();
}

}  // namespace

TEST_CASE("bulk: successes and refusals side by side, each item with its own result",
          "[api][bulk]") {
  FlowServer s;
  auto first = s.draft("Về việc kiểm tra công vụ");
  auto second = s.draft("Về việc tổng kết năm");
  auto third = s.draft("Về việc tuyển dụng");

  // The drafter submits three documents: one with a stale revision, one that does not exist,
  // one without its revision.
  auto reply =
      bulk(s, "chuyenvien",
           {bulkItem(first, 1, "submit", "Kính trình"), bulkItem(second, "\"7\"", "submit"),
            bulkItem("khong-co-van-ban", 1, "submit"), bulkItem(third, "\"1\"", "submit"),
            bulkItem(second, Poco::Dynamic::Var(), "submit")});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto results = reply.json()->getArray("results");
  REQUIRE(results->size() == 5);
  checkResult(results, 0, first, 200, "");
  checkResult(results, 1, second, 412, "precondition_failed");
  checkResult(results, 2, "khong-co-van-ban", 404, "not_found");
  checkResult(results, 3, third, 200, "");
  checkResult(results, 4, second, 428, "precondition_required");
  auto submitted = item(results, 0);
  CHECK(submitted->getObject("document")->getValue<std::string>("status") == "review");
  CHECK(submitted->getObject("document")->getValue<int64_t>("revision") == 2);
  CHECK(submitted->getObject("act")->getValue<std::string>("action") == "submit");
  CHECK(submitted->getObject("act")->getValue<std::string>("comment") == "Kính trình");

  // The refused one is untouched; each successful one has exactly one act.
  CHECK(revisionTag(s.document("chuyenvien", second).etag) == tag(1));
  CHECK(s.document("chuyenvien", second).json()->getValue<std::string>("status") == "draft");
  CHECK(actCount(s, second) == 0);
  CHECK(actCount(s, first) == 1);
  CHECK(actCount(s, third) == 1);
  CHECK(s.audit(second).size() == 1);
  CHECK(s.audit(first).size() == 2);

  // Level 2 is the department head's: the office chief is refused there, the department head
  // approves; a return without its reason is refused on its own.
  reply = bulk(s, "chanhvanphong", {bulkItem(first, 2, "approve")});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  checkResult(reply.json()->getArray("results"), 0, first, 403, "forbidden");
  reply = bulk(s, "truongphong",
               {bulkItem(first, 2, "approve", "Đồng ý"), bulkItem(third, 2, "return"),
                bulkItem(second, 1, "approve")});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  results = reply.json()->getArray("results");
  REQUIRE(results->size() == 3);
  checkResult(results, 0, first, 200, "");
  checkResult(results, 1, third, 400, "invalid_argument");
  checkResult(results, 2, second, 409, "invalid_state");
  CHECK(item(results, 0)->getObject("act")->getValue<std::string>("role") == "department_head");
  CHECK(actCount(s, first) == 2);
  CHECK(actCount(s, third) == 1);
  CHECK(revisionTag(s.document("chuyenvien", third).etag) == tag(2));
}

TEST_CASE("bulk: the request's own shape is checked before any item is applied", "[api][bulk]") {
  FlowServer s;
  auto id = s.draft("Về việc thử");
  const std::string token = s.token("chuyenvien");
  auto post = [&](const std::string& body) {
    return call(s.port(), "POST", "/api/v1/documents/actions", token, body);
  };
  checkProblem(post(R"({"items":[]})"), 400, "invalid_argument");
  checkProblem(post(R"({"items":{}})"), 400, "invalid_argument");
  checkProblem(post(R"({"things":[]})"), 400, "invalid_argument");
  Poco::JSON::Array::Ptr many = new Poco::JSON::Array;
  for (int i = 0; i < 101; ++i) many->add(bulkItem(id, 1, "submit"));
  Object tooMany;
  tooMany.set("items", many);
  checkProblem(post(text(tooMany)), 400, "invalid_argument");
  CHECK(actCount(s, id) == 0);

  // An item with an unknown field or a malformed action is refused alone.
  auto reply = post(R"({"items":[{"id":")" + id + R"(","if_match":1,"action":"submit","x":1},)" +
                    R"({"id":")" + id + R"(","if_match":1,"action":"fly"},)" + R"(42,)" +
                    R"({"id":")" + id + R"(","if_match":1,"action":"submit"}]})");
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto results = reply.json()->getArray("results");
  REQUIRE(results->size() == 4);
  checkResult(results, 0, id, 400, "invalid_argument");
  checkResult(results, 1, id, 400, "invalid_argument");
  checkResult(results, 2, "", 400, "invalid_argument");
  checkResult(results, 3, id, 200, "");
  CHECK(actCount(s, id) == 1);
}

TEST_CASE("bulk: a clerk registers several incoming documents, one stale revision fails alone",
          "[api][bulk][incoming]") {
  FlowServer s;
  std::vector<std::string> ids;
  for (const char* subject : {"Công văn về việc báo cáo quý", "Công văn về việc góp ý dự thảo",
                              "Công văn về việc kiểm tra", "Công văn về việc tập huấn"}) {
    auto reply = call(s.port(), "POST", "/api/v1/documents", s.token("vanthu"),
                      multipart(subject, "incoming"), "multipart/form-data; boundary=" + kBoundary);
    INFO(reply.body);
    REQUIRE(reply.status == 201);
    ids.push_back(reply.json()->getValue<std::string>("id"));
  }
  // Receiving leaves its own entries; the bulk request adds one per accepted item only.
  const size_t received = s.audit(ids[0]).size();
  REQUIRE(received > 0);
  auto reply =
      bulk(s, "vanthu",
           {bulkItem(ids[0], 1, "register", "Vào sổ"), bulkItem(ids[1], "\"2\"", "register"),
            bulkItem(ids[2], "\"1\"", "register"), bulkItem(ids[3], 1, "refuse")});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  auto results = reply.json()->getArray("results");
  REQUIRE(results->size() == 4);
  checkResult(results, 0, ids[0], 200, "");
  checkResult(results, 1, ids[1], 412, "precondition_failed");
  checkResult(results, 2, ids[2], 200, "");
  checkResult(results, 3, ids[3], 400, "invalid_argument");  // a refusal needs its reason
  for (size_t index : {0, 2}) {
    auto registered = item(results, index);
    CHECK(registered->getValue<std::string>("exchange_status") == "03");
    CHECK(registered->getObject("document")->getValue<std::string>("status") == "registered");
    CHECK(registered->getObject("document")->getValue<int64_t>("revision") > 1);
    CHECK(registered->getObject("act")->getValue<std::string>("action") == "register");
    CHECK(registered->getObject("act")->getValue<std::string>("role") == "clerk");
  }
  CHECK(item(results, 0)->getObject("act")->getValue<std::string>("comment") == "Vào sổ");
  // Each registered one took its own incoming number, in the items' order.
  auto numberOf = [&](size_t index) {
    return item(results, index)->getObject("document")->getValue<int>("register_number");
  };
  CHECK(numberOf(2) == numberOf(0) + 1);
  // The stale one and the refused one are untouched: no act, nothing more audited.
  for (size_t index : {1, 3}) {
    auto untouched = s.document("vanthu", ids[index]);
    CHECK(revisionTag(untouched.etag) == tag(1));
    CHECK(untouched.json()->getValue<std::string>("status") == "received");
    CHECK(s.audit(ids[index]).size() == received);
  }
  CHECK(s.audit(ids[0]).size() == received + 1);
  CHECK(s.audit(ids[0]).back().action == "register");

  // The leader mixes directions in one request: an incoming assignment, an outgoing approval
  // at a level that is not theirs, and fields that belong to the other direction.
  auto outgoing = s.draft("Về việc kế hoạch năm");
  s.accept("chuyenvien", outgoing, actionBody("submit"), 1, "review");
  const int64_t registeredRevision =
      item(results, 0)->getObject("document")->getValue<int64_t>("revision");
  auto assign = bulkItem(ids[0], registeredRevision, "assign");
  assign->set("lead_unit_id", "ubnd-tinh-th");
  assign->set("due_date", "2099-12-31");
  assign->set("instruction", "Phòng Tổng hợp chủ trì");
  auto assignWithKey = bulkItem(ids[2], 2, "assign");
  assignWithKey->set("lead_unit_id", "ubnd-tinh-th");
  assignWithKey->set("key_id", "khoa");
  auto approveWithReason = bulkItem(outgoing, 2, "approve");
  approveWithReason->set("reason", "Đồng ý");
  reply = bulk(s, "lanhdao",
               {assign, bulkItem(outgoing, 2, "approve"), assignWithKey, approveWithReason});
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  results = reply.json()->getArray("results");
  REQUIRE(results->size() == 4);
  checkResult(results, 0, ids[0], 200, "");
  checkResult(results, 1, outgoing, 403, "forbidden");
  checkResult(results, 2, ids[2], 400, "invalid_argument");
  checkResult(results, 3, outgoing, 400, "invalid_argument");
  CHECK(item(results, 0)->getValue<std::string>("exchange_status") == "04");
  CHECK(item(results, 0)->getObject("document")->getValue<std::string>("status") == "assigned");
  CHECK(s.document("vanthu", ids[2]).json()->getValue<std::string>("status") == "registered");
  CHECK(actCount(s, outgoing) == 1);
}
