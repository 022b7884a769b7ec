// The exchange routes on a real server (issue 8): a document's recipients, the inbox's
// refusals, its exactly-once processing and the quarantine of a PDF whose signatures cannot be
// accepted. The whole path between two servers is tests/exchange/two_instances_test.sh.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "flow_fixture.h"
#include "test_support.h"
#include "vanthu/exchange/edxml_writer.h"
#include "vanthu/storage/sql_exchange_repository.h"

namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using vanthu::flowtest::call;
using vanthu::flowtest::FlowServer;
using vanthu::flowtest::Reply;
using vanthu::flowtest::text;
namespace exchange = vanthu::exchange;
namespace test = vanthu::test;

constexpr const char* kProvince = "000.00.00.H55";
constexpr const char* kCommune = "000.00.22.H55";
constexpr const char* kFinance = "000.00.02.H55";

Reply setRecipients(FlowServer& s, const std::string& user, const std::string& id,
                    const std::vector<std::string>& codes) {
  Array::Ptr list = new Array;
  for (const auto& code : codes) list->add(code);
  Object body;
  body.set("recipients", list);
  return call(s.port(), "PUT", "/api/v1/documents/" + id + "/recipients", s.token(user),
              text(body));
}

// A package from the province to each of `to`, carrying `pdf`.
std::string packageFor(const std::vector<std::string>& to, const std::string& pdf,
                       const std::string& number,
                       exchange::BusinessDocType business = exchange::BusinessDocType::New) {
  exchange::EdxmlPackage p;
  p.header.from = {kProvince, "", "Ủy ban nhân dân tỉnh Thái Nguyên", "", "", "", "", ""};
  for (const auto& code : to) p.header.to.push_back({code, "", "", "", "", "", "", ""});
  p.header.code = {number, "QĐ-UBND"};
  p.header.promulgationInfo.place = "Thái Nguyên";
  p.header.promulgationInfo.promulgationDate = {2026, 11, 29};
  p.header.documentType = {8, "QD", "Quyết định"};
  p.header.subject = "Quyết định số " + number;
  p.header.signerInfo.fullName = "Phạm Quốc Hùng";
  p.header.documentId = std::string(kProvince) + ",2026/11/29," + number + "/QĐ-UBND";
  p.trace.traceHeaders.push_back({kProvince, {{2026, 11, 29}, 8, 30, 0}});
  p.trace.business.docType = business;
  exchange::Attachment a;
  a.contentId = "cid:" + number;
  a.name = number + ".pdf";
  a.contentType = "application/pdf";
  a.bytes = pdf;
  p.attachments.push_back(a);
  auto xml = exchange::buildPackageXml(p);
  REQUIRE(xml.isOk());
  return xml.value();
}

std::string package(const std::string& to, const std::string& pdf, const std::string& number,
                    exchange::BusinessDocType business = exchange::BusinessDocType::New) {
  return packageFor({to}, pdf, number, business);
}

Reply deliver(FlowServer& s, const std::string& bearer, const std::string& body,
              const std::string& type = "edoc",
              const std::string& contentType = "application/xml") {
  Poco::Net::HTTPClientSession session("127.0.0.1", s.port());
  Poco::Net::HTTPRequest request("POST", "/api/v1/exchange/inbox", "HTTP/1.1");
  request.set("Authorization", "Bearer " + bearer);
  request.set("X-Edxml-Message-Type", type);
  request.setContentType(contentType);
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  Reply reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply.body);
  reply.status = static_cast<int>(response.getStatus());
  return reply;
}

std::string unsignedPdf() {
  return test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
}

}  // namespace

TEST_CASE("exchange: recipients are agency codes of the directory, kept in order and audited",
          "[api][exchange]") {
  FlowServer s;
  auto id = s.draft("Công văn gửi các xã");

  auto set = setRecipients(s, "chuyenvien", id, {kCommune, kFinance});
  INFO(set.body);
  REQUIRE(set.status == 200);
  auto listed = call(s.port(), "GET", "/api/v1/documents/" + id + "/recipients", s.token("vanthu"));
  REQUIRE(listed.status == 200);
  auto items = listed.json()->getArray("recipients");
  REQUIRE(items->size() == 2);
  CHECK(items->getObject(0)->getValue<std::string>("code") == kCommune);
  CHECK(items->getObject(0)->getValue<std::string>("name") == "Ủy ban nhân dân xã Đại Từ");
  CHECK(items->getObject(0)->getValue<std::string>("tier") == "commune");
  CHECK(items->getObject(1)->getValue<std::string>("code") == kFinance);

  auto malformed = setRecipients(s, "chuyenvien", id, {"H55"});
  CHECK(malformed.status == 400);
  CHECK(malformed.code() == "invalid_argument");
  auto unknown = setRecipients(s, "chuyenvien", id, {"000.00.99.H99"});
  CHECK(unknown.status == 400);
  CHECK(unknown.json()->getValue<std::string>("detail").find("directory") != std::string::npos);
  auto twice = setRecipients(s, "chuyenvien", id, {kCommune, kCommune});
  CHECK(twice.status == 400);
  // A reviewer is not the drafter, a clerk or an administrator.
  CHECK(setRecipients(s, "truongphong", id, {kCommune}).status == 403);
  // Another organisation's clerk does not see the document at all.
  CHECK(setRecipients(s, "vanthu.daitu", id, {kCommune}).status == 404);
  // The refusals changed nothing.
  listed = call(s.port(), "GET", "/api/v1/documents/" + id + "/recipients", s.token("vanthu"));
  CHECK(listed.json()->getArray("recipients")->size() == 2);

  // Units of the agency itself (nơi nhận nội bộ): kept in order beside the agencies; absent,
  // they stay as they were; another organisation's unit or one listed twice is refused.
  auto withUnits = [&](const std::string& units) {
    return call(s.port(), "PUT", "/api/v1/documents/" + id + "/recipients", s.token("chuyenvien"),
                R"({"recipients":[")" + std::string(kCommune) + R"("],"units":)" + units + "}");
  };
  auto unitsSet = withUnits(R"(["ubnd-tinh-vt","ubnd-tinh-th"])");
  INFO(unitsSet.body);
  REQUIRE(unitsSet.status == 200);
  auto units = unitsSet.json()->getArray("units");
  REQUIRE(units->size() == 2);
  CHECK(units->getObject(0)->getValue<std::string>("id") == "ubnd-tinh-vt");
  CHECK(units->getObject(0)->getValue<std::string>("abbreviation") == "VT");
  CHECK(units->getObject(1)->getValue<std::string>("name") == "Phòng Tổng hợp");
  auto foreignUnit = withUnits(R"(["dt-vp"])");
  CHECK(foreignUnit.status == 400);
  CHECK(foreignUnit.json()->getValue<std::string>("detail").find("units[0]") != std::string::npos);
  CHECK(withUnits(R"(["ubnd-tinh-th","ubnd-tinh-th"])").status == 400);
  CHECK(withUnits(R"("ubnd-tinh-th")").status == 400);
  CHECK(setRecipients(s, "chuyenvien", id, {kCommune, kFinance}).status == 200);
  listed = call(s.port(), "GET", "/api/v1/documents/" + id + "/recipients", s.token("vanthu"));
  INFO(listed.body);
  REQUIRE(listed.json()->getArray("units")->size() == 2);
  CHECK(listed.json()->getArray("units")->getObject(1)->getValue<std::string>("id") ==
        "ubnd-tinh-th");
  CHECK(withUnits("[]").status == 200);
  CHECK(setRecipients(s, "chuyenvien", id, {kCommune, kFinance}).status == 200);
  listed = call(s.port(), "GET", "/api/v1/documents/" + id + "/recipients", s.token("vanthu"));
  CHECK(listed.json()->getArray("units")->size() == 0);
  CHECK(listed.json()->getArray("recipients")->size() == 2);

  auto incoming = s.draft("Văn bản đến", "vanthu", "incoming");
  CHECK(setRecipients(s, "vanthu", incoming, {kCommune}).status == 409);

  auto tracking = call(s.port(), "GET", "/api/v1/documents/" + id + "/exchange", s.token("vanthu"));
  INFO(tracking.body);
  REQUIRE(tracking.status == 200);
  auto lines = tracking.json()->getArray("recipients");
  REQUIRE(lines->size() == 2);
  CHECK(lines->getObject(0)->getValue<std::string>("status") == "draft");
  CHECK(tracking.json()->getArray("outbox")->size() == 0);
  CHECK(call(s.port(), "GET", "/api/v1/documents/" + id + "/exchange", s.token("vanthu.daitu"))
            .status == 404);

  auto audit = call(s.port(), "GET", "/api/v1/documents/" + id + "/audit", s.token("chuyenvien"));
  REQUIRE(audit.status == 200);
  CHECK(audit.body.find("set_recipients") != std::string::npos);
}

TEST_CASE("exchange: the inbox refuses what it cannot take, quarantines an unsigned PDF once",
          "[api][exchange]") {
  FlowServer s;
  const std::string clerk = s.token("vanthu.daitu");

  SECTION("refused messages change nothing") {
    CHECK(deliver(s, clerk, "<x/>", "edoc", "application/json").status == 415);
    auto notXml = deliver(s, clerk, "not xml at all");
    CHECK(notXml.status == 422);
    CHECK(notXml.code() == "invalid_xml");
    auto doctype = deliver(s, clerk,
                           "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
                           "\"file:///etc/passwd\">]><x>&e;</x>");
    CHECK(doctype.status == 422);
    CHECK(doctype.body.find("doctype_refused") != std::string::npos);
    auto elsewhere = deliver(s, clerk, package(kFinance, unsignedPdf(), "7"));
    INFO(elsewhere.body);
    CHECK(elsewhere.status == 422);
    CHECK(elsewhere.code() == "wrong_recipient");
    auto update =
        deliver(s, clerk, package(kCommune, unsignedPdf(), "8", exchange::BusinessDocType::Update));
    CHECK(update.status == 501);
    auto notPdf = deliver(s, clerk, package(kCommune, "plain text", "9"));
    CHECK(notPdf.status == 422);
    CHECK(notPdf.code() == "invalid_pdf");
    auto status = test::readFile(test::sourceDir() / "samples/edxml/example-status.edxml");
    auto unknown = deliver(s, clerk, status, "status");
    CHECK(unknown.status == 422);
    CHECK(unknown.code() == "unknown_document");
    CHECK(deliver(s, clerk, "<x/>", "other").status == 400);
    // Users other than a clerk or an administrator may not deliver. (Without a body: a route's
    // access is decided before its body is read, and a body left unread may reach the client as
    // a reset connection instead of the answer.)
    CHECK(call(s.port(), "POST", "/api/v1/exchange/inbox", s.token("chuyenvien"), "",
               "application/xml")
              .status == 403);

    auto database = s.openDatabase();
    int64_t total = 0;
    vanthu::storage::SqlExchangeRepository(*database).inboxOf("ubnd-xa-dai-tu", 0, 10, &total);
    CHECK(total == 0);
    auto list = call(s.port(), "GET", "/api/v1/documents?box=incoming", clerk);
    CHECK(list.json()->getArray("items")->size() == 0);
  }

  SECTION("one package to two agencies hosted here: each receives it once") {
    const std::string bytes = packageFor({kCommune, kFinance}, unsignedPdf(), "12");
    const std::string finance = s.token("vanthu.stc");
    auto commune = deliver(s, clerk, bytes);
    INFO(commune.body);
    REQUIRE(commune.status == 200);
    CHECK(commune.json()->getValue<std::string>("outcome") == "refused");
    auto second = deliver(s, finance, bytes);
    INFO(second.body);
    REQUIRE(second.status == 200);
    CHECK(second.json()->getValue<std::string>("outcome") == "refused");
    CHECK(second.json()->getValue<std::string>("message_id") ==
          commune.json()->getValue<std::string>("message_id"));
    const auto financeDocument = second.json()->getValue<std::string>("document_id");
    CHECK(financeDocument != commune.json()->getValue<std::string>("document_id"));
    auto seen = call(s.port(), "GET", "/api/v1/documents/" + financeDocument, finance);
    REQUIRE(seen.status == 200);
    CHECK(seen.json()->getValue<std::string>("organisation_id") == "so-tai-chinh");
    // Each agency's repeated delivery is still a duplicate of its own.
    auto again = deliver(s, finance, bytes);
    CHECK(again.json()->getValue<std::string>("outcome") == "duplicate");
    CHECK(again.json()->getValue<std::string>("document_id") == financeDocument);
    CHECK(deliver(s, clerk, bytes).json()->getValue<std::string>("outcome") == "duplicate");
    for (const auto& [token, count] : {std::pair{clerk, 1}, std::pair{finance, 1}}) {
      auto list = call(s.port(), "GET", "/api/v1/documents?box=incoming", token);
      CHECK(list.json()->getArray("items")->size() == static_cast<size_t>(count));
    }
  }

  SECTION("an unsigned PDF is kept as a refused document, once, and 02 goes back") {
    const std::string bytes = package(kCommune, unsignedPdf(), "11");
    auto first = deliver(s, clerk, bytes);
    INFO(first.body);
    REQUIRE(first.status == 200);
    CHECK(first.json()->getValue<std::string>("outcome") == "refused");
    CHECK(first.json()->getValue<std::string>("note").find("no digital signature") !=
          std::string::npos);
    const auto documentId = first.json()->getValue<std::string>("document_id");
    auto document = call(s.port(), "GET", "/api/v1/documents/" + documentId, clerk);
    REQUIRE(document.status == 200);
    CHECK(document.json()->getValue<std::string>("status") == "refused");
    CHECK(document.json()->getValue<std::string>("direction") == "incoming");

    auto again = deliver(s, clerk, bytes);
    REQUIRE(again.status == 200);
    CHECK(again.json()->getValue<std::string>("outcome") == "duplicate");
    CHECK(again.json()->getValue<std::string>("message_id") ==
          first.json()->getValue<std::string>("message_id"));
    CHECK(again.json()->getValue<std::string>("document_id") == documentId);
    auto list = call(s.port(), "GET", "/api/v1/documents?box=incoming", clerk);
    CHECK(list.json()->getArray("items")->size() == 1);

    auto tracking = call(s.port(), "GET", "/api/v1/documents/" + documentId + "/exchange", clerk);
    INFO(tracking.body);
    REQUIRE(tracking.status == 200);
    auto origin = tracking.json()->getObject("origin");
    REQUIRE(origin);
    CHECK(origin->getValue<std::string>("sender_code") == kProvince);
    CHECK(origin->getValue<std::string>("code_number") == "11");
    auto outbox = tracking.json()->getArray("outbox");
    REQUIRE(outbox->size() == 1);
    CHECK(outbox->getObject(0)->getValue<std::string>("recipient") == kProvince);
    CHECK(outbox->getObject(0)->getValue<std::string>("kind") == "status");
    // The province (hosted on this server) knows no such document: the 02 is refused there and
    // given up at once. Sent again on request, it is pending with its attempts counted anew.
    const auto messageId = outbox->getObject(0)->getValue<std::string>("id");
    std::string state;
    for (int i = 0; i < 100 && state != "failed"; ++i) {
      auto polled = call(s.port(), "GET", "/api/v1/documents/" + documentId + "/exchange", clerk);
      state = polled.json()->getArray("outbox")->getObject(0)->getValue<std::string>("status");
      if (state != "failed") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    REQUIRE(state == "failed");
    const std::string retry = "/api/v1/exchange/outbox/" + messageId + "/retry";
    CHECK(call(s.port(), "POST", retry, s.token("congchuc.daitu")).status == 403);
    CHECK(call(s.port(), "POST", retry, s.token("vanthu")).status == 404);  // not its document
    auto retried = call(s.port(), "POST", retry, clerk);
    INFO(retried.body);
    REQUIRE(retried.status == 200);
    CHECK(retried.json()->getValue<int>("attempts") == 0);
    // The same document in a new package (another trace) is not taken twice either.
    auto resent = deliver(s, clerk, package(kCommune, unsignedPdf(), "11") + "\n");
    REQUIRE(resent.status == 200);
    CHECK(resent.json()->getValue<std::string>("outcome") == "duplicate");
    CHECK(resent.json()->getValue<std::string>("document_id") == documentId);
  }
}
