// The documents lists' search and order (GET /api/v1/documents): type, dates, counterpart,
// overdue, sort and order, with the deadline, overdue flag and counterparts of each row, on the
// demo organisations (SQLite, or PostgreSQL when VANTHU_TEST_POSTGRES_URL is set).

#include <Poco/Timestamp.h>
#include <Poco/URI.h>

#include <set>

#include "flow_fixture.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/workflow/deadlines.h"

using namespace vanthu;
using namespace vanthu::flowtest;

namespace {

int64_t nowSeconds() {
  return static_cast<int64_t>(Poco::Timestamp().epochTime());
}

std::string vietnamDay(int offsetDays) {
  return workflow::daysToIsoDate(static_cast<int>((nowSeconds() + 7 * 3600) / 86400) + offsetDays);
}

std::string upload(FlowServer& s, const std::string& username, const std::string& subject,
                   const std::string& type, const std::string& direction = "outgoing",
                   const std::string& confidentiality = "normal") {
  Object metadata;
  metadata.set("direction", direction);
  metadata.set("document_type", type);
  metadata.set("subject", subject);
  metadata.set("confidentiality", confidentiality);
  std::string pdf =
      test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
  std::string body = "--" + kBoundary +
                     "\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: "
                     "application/json\r\n\r\n" +
                     text(metadata) + "\r\n--" + kBoundary +
                     "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
                     "Content-Type: application/pdf\r\n\r\n" +
                     pdf + "\r\n--" + kBoundary + "--\r\n";
  auto reply = call(s.port(), "POST", "/api/v1/documents", s.token(username), body,
                    "multipart/form-data; boundary=" + kBoundary);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

Object::Ptr list(FlowServer& s, const std::string& username, const std::string& query) {
  auto reply = call(s.port(), "GET", "/api/v1/documents?" + query, s.token(username));
  INFO(query << ": " << reply.body);
  REQUIRE(reply.status == 200);
  return reply.json();
}

std::vector<std::string> ids(FlowServer& s, const std::string& username, const std::string& query) {
  auto items = list(s, username, query)->getArray("items");
  std::vector<std::string> found;
  for (size_t i = 0; i < items->size(); ++i) {
    found.push_back(item(items, i)->getValue<std::string>("id"));
  }
  return found;
}

Object::Ptr row(FlowServer& s, const std::string& username, const std::string& query,
                const std::string& id) {
  auto items = list(s, username, query)->getArray("items");
  for (size_t i = 0; i < items->size(); ++i) {
    if (item(items, i)->getValue<std::string>("id") == id) return item(items, i);
  }
  FAIL("document " << id << " is not listed for " << query);
  return nullptr;
}

std::string encode(const std::string& value) {
  std::string out;
  Poco::URI::encode(value, "&=+?#/", out);
  return out;
}

}  // namespace

TEST_CASE("documents: lists filter by type, dates and counterpart", "[api][documents][lists]") {
  FlowServer s;
  auto decision = upload(s, "chuyenvien", "Quyết định về việc khen thưởng", "QĐ");
  auto notice = upload(s, "chuyenvien", "Thông báo lịch họp", "TB");
  auto letter = upload(s, "chuyenvien", "Công văn về việc góp ý", "");

  CHECK(ids(s, "chuyenvien", "type=" + encode("QĐ")) == std::vector<std::string>{decision});
  CHECK(ids(s, "chuyenvien", "type=TB") == std::vector<std::string>{notice});
  CHECK(ids(s, "chuyenvien", "type=") == std::vector<std::string>{letter});
  CHECK(ids(s, "chuyenvien", "type=BC").empty());

  // Dates: the day of creation in Vietnam, both bounds inclusive.
  const std::string today = vietnamDay(0);
  CHECK(list(s, "chuyenvien", "from=" + today + "&to=" + today)->getValue<int64_t>("total") == 3);
  CHECK(list(s, "chuyenvien", "to=" + vietnamDay(-1))->getValue<int64_t>("total") == 0);
  CHECK(list(s, "chuyenvien", "from=" + vietnamDay(1))->getValue<int64_t>("total") == 0);
  CHECK(list(s, "chuyenvien", "from=" + vietnamDay(-3) + "&type=TB")->getValue<int64_t>("total") ==
        1);

  // Counterpart: an outgoing document's recipients (code or words of the name).
  auto put = call(s.port(), "PUT", "/api/v1/documents/" + notice + "/recipients",
                  s.token("chuyenvien"), R"({"recipients":["000.00.02.H55","000.00.03.H55"]})");
  INFO(put.body);
  REQUIRE(put.status == 200);
  CHECK(ids(s, "chuyenvien", "counterpart=000.00.02.H55") == std::vector<std::string>{notice});
  CHECK(ids(s, "chuyenvien", "counterpart=" + encode("Sở Nội vụ")) ==
        std::vector<std::string>{notice});
  CHECK(ids(s, "chuyenvien", "counterpart=000.00.02").empty());  // a code matches exactly
  auto names = row(s, "chuyenvien", "type=TB", notice)->getArray("counterparts");
  REQUIRE(names->size() == 2);
  CHECK(names->getElement<std::string>(0) == "Sở Tài chính tỉnh Thái Nguyên");
  CHECK(names->getElement<std::string>(1) == "Sở Nội vụ tỉnh Thái Nguyên");
  CHECK(row(s, "chuyenvien", "", letter)->getArray("counterparts")->size() == 0);

  // An incoming document: its exchange sender.
  auto received = upload(s, "vanthu", "Công văn của Văn phòng Chính phủ", "", "incoming");
  {
    auto database = s.openDatabase();
    workflow::IncomingOrigin origin;
    origin.documentId = received;
    origin.senderCode = "000.00.00.G01";
    origin.senderName = "Văn phòng Chính phủ";
    origin.edxmlDocumentId = "000.00.00.G01,2026/11/20,12/VPCP-TH";
    origin.codeNumber = "12";
    origin.codeNotation = "VPCP-TH";
    origin.promulgationDate = "2026-11-20";
    origin.messageId = "message-1";
    REQUIRE(storage::SqlExchangeState(*database).recordOrigin(origin).isOk());
  }
  CHECK(ids(s, "vanthu", "box=incoming&counterpart=000.00.00.G01") ==
        std::vector<std::string>{received});
  CHECK(ids(s, "vanthu", "counterpart=" + encode("chính phủ")) ==
        std::vector<std::string>{received});
  auto sender = row(s, "vanthu", "box=incoming", received)->getArray("counterparts");
  REQUIRE(sender->size() == 1);
  CHECK(sender->getElement<std::string>(0) == "Văn phòng Chính phủ");
}

TEST_CASE("documents: lists sort both ways and page without repeating", "[api][documents][lists]") {
  FlowServer s;
  std::vector<std::string> created;
  for (const std::string subject : {"Bảo", "Anh", "Dung", "Cúc", "Anh"}) {
    created.push_back(upload(s, "chuyenvien", subject, "TB"));
  }
  // Created, oldest first, then newest first.
  auto ascending = ids(s, "chuyenvien", "sort=created&order=asc");
  auto descending = ids(s, "chuyenvien", "sort=created&order=desc");
  REQUIRE(ascending.size() == 5);
  CHECK(std::vector<std::string>(descending.rbegin(), descending.rend()) == ascending);
  // Subject: ties broken by id the same way as the subject, so "Anh" twice stays in one order.
  auto bySubject = list(s, "chuyenvien", "sort=subject&order=asc")->getArray("items");
  std::vector<std::string> subjects;
  for (size_t i = 0; i < bySubject->size(); ++i) {
    subjects.push_back(item(bySubject, i)->getValue<std::string>("subject"));
  }
  CHECK(subjects == std::vector<std::string>{"Anh", "Anh", "Bảo", "Cúc", "Dung"});
  std::vector<std::string> twins = {created[1], created[4]};
  std::sort(twins.begin(), twins.end());
  auto subjectIds = ids(s, "chuyenvien", "sort=subject&order=asc");
  CHECK(std::vector<std::string>(subjectIds.begin(), subjectIds.begin() + 2) == twins);
  auto subjectDown = ids(s, "chuyenvien", "sort=subject&order=desc");
  CHECK(std::vector<std::string>(subjectDown.rbegin(), subjectDown.rend()) == subjectIds);

  // Pages of two in each order: every document once, in the order of the whole list.
  for (const std::string order : {"sort=subject&order=asc", "sort=created&order=desc",
                                  "sort=number&order=asc", "sort=updated"}) {
    INFO(order);
    auto whole = ids(s, "chuyenvien", order);
    std::vector<std::string> paged;
    for (int page = 1; page <= 3; ++page) {
      auto part = ids(s, "chuyenvien", order + "&limit=2&page=" + std::to_string(page));
      paged.insert(paged.end(), part.begin(), part.end());
    }
    CHECK(paged == whole);
    CHECK(std::set<std::string>(paged.begin(), paged.end()).size() == 5);
  }
}

TEST_CASE("documents: list rows carry the deadline and the overdue flag",
          "[api][documents][lists]") {
  FlowServer s;
  auto late = upload(s, "vanthu", "Công văn quá hạn", "", "incoming");
  auto onTime = upload(s, "vanthu", "Công văn còn hạn", "", "incoming");
  auto waiting = upload(s, "vanthu", "Công văn chưa giao", "", "incoming");
  auto assign = [&](const std::string& id, const std::string& due) {
    auto reply = s.act("vanthu", id, actionBody("register"), tag(1));
    INFO(reply.body);
    REQUIRE(reply.status == 200);
    Object body;
    body.set("action", "assign");
    body.set("lead_unit_id", "ubnd-tinh-th");
    body.set("due_date", due);
    reply = s.act("lanhdao", id, text(body),
                  tag(reply.json()->getObject("document")->getValue<int64_t>("revision")));
    INFO(reply.body);
    REQUIRE(reply.status == 200);
  };
  assign(late, vietnamDay(-3));
  assign(onTime, vietnamDay(30));

  auto lateRow = row(s, "lanhdao", "box=incoming", late);
  CHECK(lateRow->getValue<std::string>("deadline") == vietnamDay(-3));
  CHECK(lateRow->getValue<bool>("overdue"));
  auto onTimeRow = row(s, "lanhdao", "box=incoming", onTime);
  CHECK(onTimeRow->getValue<std::string>("deadline") == vietnamDay(30));
  CHECK_FALSE(onTimeRow->getValue<bool>("overdue"));
  auto waitingRow = row(s, "lanhdao", "box=incoming", waiting);
  CHECK(waitingRow->isNull("deadline"));
  CHECK_FALSE(waitingRow->getValue<bool>("overdue"));

  CHECK(ids(s, "lanhdao", "overdue=true") == std::vector<std::string>{late});
  CHECK(ids(s, "lanhdao", "overdue=false").size() == 3);
  // With the pending box: what is overdue among what waits for the caller.
  CHECK(ids(s, "truongphong", "box=pending&overdue=true") == std::vector<std::string>{late});
  CHECK(ids(s, "lanhdao", "box=pending&overdue=true").empty());
}

TEST_CASE("documents: a confidential document stays hidden whatever the filters",
          "[api][documents][lists]") {
  FlowServer s;
  auto secret = upload(s, "chuyenvien", "Báo cáo mật", "BC", "outgoing", "confidential");
  auto open = upload(s, "chuyenvien", "Báo cáo công khai", "BC");
  CHECK(ids(s, "chuyenvien", "type=BC&sort=subject&order=asc") ==
        std::vector<std::string>{open, secret});
  for (const std::string& query :
       std::vector<std::string>{"type=BC", "sort=subject&order=asc", "sort=number",
                                "from=" + vietnamDay(0), "overdue=false"}) {
    INFO(query);
    CHECK(ids(s, "truongphong", query) == std::vector<std::string>{open});
    CHECK(list(s, "truongphong", query)->getValue<int64_t>("total") == 1);
  }
}

TEST_CASE("documents: bad list parameters are refused with 400", "[api][documents][lists]") {
  FlowServer s;
  for (const std::string query :
       {"type=Q%C4%90%20X", "type=a/b", "type=ABCDEFGHIJKLMNOPQ", "from=2026-13-01",
        "from=2026-2-1", "to=yesterday", "from=2026-11-30&to=2026-11-29",
        "counterpart=", "overdue=yes", "sort=deadline", "sort=", "order=up", "order=ASC"}) {
    INFO(query);
    auto reply = call(s.port(), "GET", "/api/v1/documents?" + query, s.token("chuyenvien"));
    checkProblem(reply, 400, "invalid_argument");
  }
  CHECK(list(s, "chuyenvien", "from=2026-11-29&to=2026-11-29")->getValue<int64_t>("total") >= 0);
}
