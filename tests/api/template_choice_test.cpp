// Which workflow template a new outgoing document follows (DESIGN §2): the one its drafter names,
// else its organisation's default (GET/PUT /api/v1/organizations/{id}/outgoing-template), else
// outgoing-4. Administrators copy a shipped template to their organisation and edit the copy; a
// document keeps the template version it started with. Real HTTP on loopback, the demo
// directory (tests/api/flow_fixture.h).

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <string>

#include "flow_fixture.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_flow_repository.h"

using namespace vanthu;
using namespace vanthu::flowtest;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// A user of `organisationId` holding `role`, added to the demo directory with the demo password.
void addUser(FlowServer& s, const std::string& username, const std::string& organisationId,
             const std::string& unitId, workflow::Role role) {
  auto database = s.openDatabase();
  storage::SqlDirectoryRepository directory(*database);
  workflow::User user;
  user.id = "user-" + username;
  user.username = username;
  user.fullName = username;
  user.organisationId = organisationId;
  if (!unitId.empty()) user.unitId = unitId;
  user.passwordHash = api::hashPassword(demoPassword(), 1000);
  REQUIRE(directory.addUser(user).isOk());
  REQUIRE(directory.grantRole({user.id, role, organisationId, std::nullopt}).isOk());
}

std::string upload(const std::string& subject, const std::string& templateId) {
  Object metadata;
  metadata.set("direction", "outgoing");
  metadata.set("document_type", "CV");
  metadata.set("subject", subject);
  if (!templateId.empty()) metadata.set("template_id", templateId);
  std::string pdf =
      test::readFile(test::sourceDir() / "tests/data/corpus/unsigned/dss_EmptyPage.pdf");
  std::string body = "--" + kBoundary +
                     "\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: "
                     "application/json\r\n\r\n" +
                     text(metadata) + "\r\n";
  body += "--" + kBoundary +
          "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n"
          "Content-Type: application/pdf\r\n\r\n" +
          pdf + "\r\n";
  return body + "--" + kBoundary + "--\r\n";
}

Reply create(FlowServer& s, const std::string& username, const std::string& subject,
             const std::string& templateId = "") {
  return call(s.port(), "POST", "/api/v1/documents", s.token(username), upload(subject, templateId),
              "multipart/form-data; boundary=" + kBoundary);
}

std::string draft(FlowServer& s, const std::string& username, const std::string& subject,
                  const std::string& templateId = "") {
  auto reply = create(s, username, subject, templateId);
  INFO(reply.body);
  REQUIRE(reply.status == 201);
  return reply.json()->getValue<std::string>("id");
}

// The template id and version the document's flow keeps.
std::pair<std::string, int> flowTemplateOf(FlowServer& s, const std::string& documentId) {
  auto database = s.openDatabase();
  auto flow = storage::SqlFlowRepository(*database).findFlow(documentId);
  REQUIRE(flow);
  return {flow->templateId, flow->templateVersion};
}

Reply chooseTemplate(FlowServer& s, const std::string& admin, const std::string& organisationId,
                     const std::string& templateId) {
  Object body;
  body.set("template_id", templateId);
  return call(s.port(), "PUT", "/api/v1/organizations/" + organisationId + "/outgoing-template",
              s.token(admin), text(body));
}

// Saves `levels` as template `id` with the name and direction of outgoing-4.
Reply saveTemplate(FlowServer& s, const std::string& admin, const std::string& id,
                   const Array::Ptr& levels) {
  Object body;
  body.set("name", "Văn bản đi của tỉnh");
  body.set("direction", "outgoing");
  body.set("levels", levels);
  return call(s.port(), "PUT", "/api/v1/templates/" + id, s.token(admin), text(body));
}

Array::Ptr levelsOf(FlowServer& s, const std::string& id) {
  auto reply = call(s.port(), "GET", "/api/v1/templates/" + id, s.token("admin"));
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json()->getArray("levels");
}

// The status of `id` after submit and one approval by `reviewer`.
std::string afterFirstReview(FlowServer& s, const std::string& drafter, const std::string& reviewer,
                             const std::string& id) {
  int64_t revision = s.accept(drafter, id, actionBody("submit"), 1, "review");
  auto reply = s.act(reviewer, id, actionBody("approve", "Đồng ý"), tag(revision));
  INFO(reply.body);
  REQUIRE(reply.status == 200);
  return reply.json()->getObject("document")->getValue<std::string>("status");
}

}  // namespace

TEST_CASE("template choice: a commune's documents follow outgoing-commune once it is its default",
          "[api][templates]") {
  FlowServer s;
  addUser(s, "congchuc.pdp", "ubnd-phuong-pdp", "pdp-vp", workflow::Role::Specialist);
  addUser(s, "chanhvp.pdp", "ubnd-phuong-pdp", "pdp-vp", workflow::Role::OfficeChief);
  const std::string choice = "/api/v1/organizations/ubnd-phuong-pdp/outgoing-template";

  // Nothing chosen: outgoing-4.
  auto before = call(s.port(), "GET", choice, s.token("admin"));
  INFO(before.body);
  REQUIRE(before.status == 200);
  CHECK(before.json()->getValue<std::string>("template_id") == "outgoing-4");
  CHECK_FALSE(before.json()->getValue<bool>("chosen"));
  auto earlier = draft(s, "congchuc.pdp", "Trước khi chọn quy trình");
  CHECK(flowTemplateOf(s, earlier).first == "outgoing-4");

  // The province's administrator chooses for the commune below it.
  auto set = chooseTemplate(s, "admin", "ubnd-phuong-pdp", "outgoing-commune");
  INFO(set.body);
  REQUIRE(set.status == 200);
  CHECK(set.json()->getValue<std::string>("template_id") == "outgoing-commune");
  CHECK(set.json()->getValue<int>("version") == 1);
  CHECK(set.json()->getValue<bool>("chosen"));
  auto after = call(s.port(), "GET", choice, s.token("admin"));
  CHECK(after.json()->getValue<std::string>("template_id") == "outgoing-commune");

  // The commune's document: draft → office review (level 2) → the chair signs (level 3).
  auto id = draft(s, "congchuc.pdp", "Về việc tổ chức ngày hội đại đoàn kết");
  CHECK(flowTemplateOf(s, id) == std::make_pair(std::string("outgoing-commune"), 1));
  int64_t revision = s.accept("congchuc.pdp", id, actionBody("submit"), 1, "review");
  auto approved = s.act("chanhvp.pdp", id, actionBody("approve", "Đúng thể thức"), tag(revision));
  INFO(approved.body);
  REQUIRE(approved.status == 200);
  CHECK(approved.json()->getObject("document")->getValue<std::string>("status") == "signing");
  auto act = approved.json()->getObject("act");
  CHECK(act->getValue<int>("from_level") == 2);
  CHECK(act->getValue<int>("to_level") == 3);
  ++revision;
  // Level 3 is the chair's signature: it needs a key, and the commune's chair is the one asked.
  checkProblem(s.act("chutich.pdp", id, actionBody("sign", "ký"), tag(revision)), 400,
               "invalid_argument");

  // The document drafted before the choice stays on outgoing-4: its level 2 is the department
  // head's, which the office chief does not hold.
  revision = s.accept("congchuc.pdp", earlier, actionBody("submit"), 1, "review");
  checkProblem(s.act("chanhvp.pdp", earlier, actionBody("approve"), tag(revision)), 403,
               "forbidden");

  // A drafter may still name a template for one document.
  auto named = draft(s, "congchuc.pdp", "Theo quy trình bốn cấp", "outgoing-4");
  CHECK(flowTemplateOf(s, named).first == "outgoing-4");

  // Back to the product's default.
  Object clear;
  clear.set("template_id", Poco::Dynamic::Var());
  auto cleared = call(s.port(), "PUT", choice, s.token("admin"), text(clear));
  INFO(cleared.body);
  REQUIRE(cleared.status == 200);
  CHECK(cleared.json()->getValue<std::string>("template_id") == "outgoing-4");
  CHECK_FALSE(cleared.json()->getValue<bool>("chosen"));
}

TEST_CASE(
    "template choice: a province copies outgoing-4, edits it and makes it its default, and "
    "documents keep the version they started with",
    "[api][templates]") {
  FlowServer s;
  // Shipped templates are read-only for an organisation.
  auto shipped = saveTemplate(s, "admin", "outgoing-4", levelsOf(s, "outgoing-4"));
  checkProblem(shipped, 403, "forbidden");
  CHECK(shipped.body.find("copy it to your organisation") != std::string::npos);
  CHECK(levelsOf(s, "outgoing-4")->size() == 5);

  auto onShipped = draft(s, "chuyenvien", "Trước khi có quy trình riêng");
  CHECK(flowTemplateOf(s, onShipped) == std::make_pair(std::string("outgoing-4"), 1));

  // The copy, version 1, as outgoing-4; chosen as the province's default.
  auto copied = saveTemplate(s, "admin", "tinh-outgoing", levelsOf(s, "outgoing-4"));
  INFO(copied.body);
  REQUIRE(copied.status == 200);
  CHECK(copied.json()->getValue<int>("version") == 1);
  CHECK(copied.json()->getValue<std::string>("organisation_id") == "ubnd-tinh");
  auto set = chooseTemplate(s, "admin", "ubnd-tinh", "tinh-outgoing");
  INFO(set.body);
  REQUIRE(set.status == 200);
  CHECK(set.json()->getValue<int>("version") == 1);
  auto onFirst = draft(s, "chuyenvien", "Theo bản sao");
  CHECK(flowTemplateOf(s, onFirst) == std::make_pair(std::string("tinh-outgoing"), 1));

  // Edited: the office's review (level 3) goes; the leader signs after the department head.
  Array::Ptr edited = new Array;
  auto levels = levelsOf(s, "tinh-outgoing");
  for (size_t i = 0; i < levels->size(); ++i) {
    auto level = levels->getObject(static_cast<unsigned>(i));
    if (level->getValue<std::string>("role") == "office_chief") continue;
    level->set("number", static_cast<int>(edited->size()) + 1);
    edited->add(level);
  }
  auto second = saveTemplate(s, "admin", "tinh-outgoing", edited);
  INFO(second.body);
  REQUIRE(second.status == 200);
  CHECK(second.json()->getValue<int>("version") == 2);
  auto onSecond = draft(s, "chuyenvien", "Theo bản sao đã sửa");
  CHECK(flowTemplateOf(s, onSecond) == std::make_pair(std::string("tinh-outgoing"), 2));

  // The new document goes from the department head to the signature; those started earlier
  // keep their office review.
  CHECK(afterFirstReview(s, "chuyenvien", "truongphong", onSecond) == "signing");
  CHECK(afterFirstReview(s, "chuyenvien", "truongphong", onFirst) == "review");
  CHECK(afterFirstReview(s, "chuyenvien", "truongphong", onShipped) == "review");
  CHECK(flowTemplateOf(s, onFirst) == std::make_pair(std::string("tinh-outgoing"), 1));
}

TEST_CASE(
    "template choice: another organisation cannot use or choose an organisation's template, "
    "and unknown templates are refused",
    "[api][templates]") {
  FlowServer s;
  addUser(s, "admin.stc", "so-tai-chinh", "", workflow::Role::Administrator);
  auto copied = saveTemplate(s, "admin", "tinh-outgoing", levelsOf(s, "outgoing-4"));
  REQUIRE(copied.status == 200);

  // Not for the department (sở) below the province: neither by its own administrator nor by the
  // province's, nor as a template named on a document.
  checkProblem(chooseTemplate(s, "admin.stc", "so-tai-chinh", "tinh-outgoing"), 400,
               "invalid_argument");
  checkProblem(chooseTemplate(s, "admin", "so-tai-chinh", "tinh-outgoing"), 400,
               "invalid_argument");
  checkProblem(create(s, "vanthu.stc", "Mượn quy trình của tỉnh", "tinh-outgoing"), 400,
               "invalid_argument");
  // Nor readable or editable there.
  checkProblem(call(s.port(), "GET", "/api/v1/templates/tinh-outgoing", s.token("admin.stc")), 404,
               "not_found");
  checkProblem(saveTemplate(s, "admin.stc", "tinh-outgoing", levelsOf(s, "outgoing-4")), 400,
               "invalid_argument");
  CHECK(levelsOf(s, "tinh-outgoing")->size() == 5);
  // The department's administrator does not choose for the province above it.
  checkProblem(chooseTemplate(s, "admin.stc", "ubnd-tinh", "outgoing-commune"), 403, "forbidden");
  checkProblem(call(s.port(), "GET", "/api/v1/organizations/ubnd-tinh/outgoing-template",
                    s.token("admin.stc")),
               403, "forbidden");
  // The department's own choice of a shipped template is fine.
  CHECK(chooseTemplate(s, "admin.stc", "so-tai-chinh", "outgoing-commune").status == 200);

  // Unknown templates and organisations.
  checkProblem(chooseTemplate(s, "admin", "ubnd-tinh", "no-such-template"), 400,
               "invalid_argument");
  checkProblem(chooseTemplate(s, "admin", "no-such-organisation", "outgoing-4"), 404, "not_found");
  checkProblem(create(s, "chuyenvien", "Quy trình không có", "no-such-template"), 400,
               "invalid_argument");
  auto list = call(s.port(), "GET", "/api/v1/documents", s.token("chuyenvien"));
  REQUIRE(list.status == 200);
  CHECK(list.json()->getArray("items")->size() == 0);
  // The choices that were refused left the province on outgoing-4.
  auto current =
      call(s.port(), "GET", "/api/v1/organizations/ubnd-tinh/outgoing-template", s.token("admin"));
  CHECK(current.json()->getValue<std::string>("template_id") == "outgoing-4");
}
