// The incoming flow: registration or refusal by the clerk, assignment by the leader, handling by
// the lead unit, and the status each step sends back to the sender.

#include "vanthu/workflow/incoming_flow.h"

#include <catch2/catch.hpp>

#include "flow_fixture.h"

using namespace vanthu;
using namespace vanthu::workflow;
using namespace flow_fixture;

namespace {

IncomingAction action(IncomingActionKind kind, std::string text = {}) {
  IncomingAction a;
  a.kind = kind;
  a.text = std::move(text);
  return a;
}

IncomingAction assignment(std::string leadUnit = "th", std::string dueDate = "2026-12-15") {
  IncomingAction a = action(IncomingActionKind::Assign);
  a.leadUnitId = std::move(leadUnit);
  a.supportingUnitIds = {"vp"};
  a.dueDate = std::move(dueDate);
  a.instruction = "Giao Phòng Tổng hợp chủ trì, báo cáo trước ngày 15/12";
  return a;
}

IncomingAction specialist(std::string userId) {
  IncomingAction a = action(IncomingActionKind::AssignSpecialist);
  a.specialistId = std::move(userId);
  return a;
}

struct Incoming {
  Directory directory = twoOrganisations();
  IncomingState state;
  Incoming() { state.organisationId = "ubnd"; }

  Result<IncomingTransition> apply(const std::string& user, const IncomingAction& a) {
    return applyIncoming(state, directory.actor(user), a, kNow);
  }
  IncomingTransition step(const std::string& user, const IncomingAction& a) {
    auto result = apply(user, a);
    INFO(user << " " << incomingActionName(a.kind) << ": " << result.status().toString());
    REQUIRE(result.isOk());
    state = result.value().state;
    return result.value();
  }
  ErrorCode refusal(const std::string& user, const IncomingAction& a) {
    auto result = apply(user, a);
    return result.isOk() ? ErrorCode::Unknown : result.status().code();
  }
  void toAssigned() {
    step("ubnd.vt", action(IncomingActionKind::Register));
    step("ubnd.ct", assignment());
  }
};

}  // namespace

TEST_CASE("incoming names round-trip and each state has its edXML status code",
          "[workflow][incoming_flow]") {
  for (auto status :
       {IncomingStatus::Received, IncomingStatus::Registered, IncomingStatus::Refused,
        IncomingStatus::Assigned, IncomingStatus::InProgress, IncomingStatus::Completed}) {
    CHECK(incomingStatusFromName(incomingStatusName(status)) == status);
  }
  for (auto name :
       {"register", "refuse", "assign", "assign_specialist", "note_progress", "complete"}) {
    auto kind = incomingActionFromName(name);
    REQUIRE(kind.has_value());
    CHECK(incomingActionName(*kind) == name);
  }
  CHECK(exchangeStatusCode(IncomingStatus::Received) == "01");
  CHECK(exchangeStatusCode(IncomingStatus::Refused) == "02");
  CHECK(exchangeStatusCode(IncomingStatus::Registered) == "03");
  CHECK(exchangeStatusCode(IncomingStatus::Assigned) == "04");
  CHECK(exchangeStatusCode(IncomingStatus::InProgress) == "05");
  CHECK(exchangeStatusCode(IncomingStatus::Completed) == "06");
}

TEST_CASE("an incoming document goes from received to completed", "[workflow][incoming_flow]") {
  Incoming f;
  auto registered = f.step("ubnd.vt", action(IncomingActionKind::Register));
  CHECK(registered.state.status == IncomingStatus::Registered);
  CHECK(registered.exchangeStatus == "03");
  CHECK(registered.notifySender);
  CHECK(registered.act.action == "register");
  CHECK(registered.act.role == "clerk");
  CHECK(registered.act.at == kNow);

  auto assigned = f.step("ubnd.ct", assignment());
  CHECK(assigned.state.status == IncomingStatus::Assigned);
  CHECK(assigned.exchangeStatus == "04");
  CHECK(assigned.state.leadUnitId == "th");
  CHECK(assigned.state.supportingUnitIds == std::vector<std::string>{"vp"});
  CHECK(assigned.state.dueDate == "2026-12-15");
  CHECK(assigned.act.comment == assigned.state.instruction);

  auto handed = f.step("ubnd.tp_th", specialist("ubnd.cv_th"));
  CHECK(handed.state.status == IncomingStatus::InProgress);
  CHECK(handed.exchangeStatus == "05");
  CHECK(handed.state.specialistId == "ubnd.cv_th");
  CHECK(handed.act.role == "department_head");

  auto noted = f.step("ubnd.cv_th", action(IncomingActionKind::NoteProgress, "đã làm việc"));
  CHECK(noted.state.status == IncomingStatus::InProgress);
  CHECK(noted.exchangeStatus == "05");
  CHECK_FALSE(noted.notifySender);
  CHECK(noted.act.role.empty());

  IncomingAction done = action(IncomingActionKind::Complete, "đã trả lời bằng công văn");
  done.replyDocumentId = "doc-77";
  auto completed = f.step("ubnd.cv_th", done);
  CHECK(completed.state.status == IncomingStatus::Completed);
  CHECK(completed.exchangeStatus == "06");
  CHECK(completed.state.replyDocumentId == "doc-77");
  CHECK(completed.state.result == "đã trả lời bằng công văn");
}

TEST_CASE("the clerk of the receiving organisation registers or refuses",
          "[workflow][incoming_flow]") {
  Incoming f;
  for (auto user : {"ubnd.ct", "ubnd.cv_th", "ubnd.admin", "xa.vt"}) {
    INFO(user);
    CHECK(f.refusal(user, action(IncomingActionKind::Register)) == ErrorCode::Forbidden);
    CHECK(f.refusal(user, action(IncomingActionKind::Refuse, "sai địa chỉ")) ==
          ErrorCode::Forbidden);
  }
  CHECK(f.refusal("ubnd.vt", action(IncomingActionKind::Refuse)) == ErrorCode::InvalidArgument);
  CHECK(f.refusal("ubnd.ct", assignment()) == ErrorCode::InvalidState);
  auto refused = f.step("ubnd.vt", action(IncomingActionKind::Refuse, "chữ ký không hợp lệ"));
  CHECK(refused.state.status == IncomingStatus::Refused);
  CHECK(refused.exchangeStatus == "02");
  CHECK(refused.act.comment == "chữ ký không hợp lệ");
  CHECK(f.refusal("ubnd.vt", action(IncomingActionKind::Register)) == ErrorCode::InvalidState);
}

TEST_CASE("the leader or the leader's delegate assigns the lead unit and the due date",
          "[workflow][incoming_flow]") {
  Incoming f;
  f.step("ubnd.vt", action(IncomingActionKind::Register));
  CHECK(f.refusal("ubnd.cvp", assignment()) == ErrorCode::Forbidden);
  CHECK(f.refusal("xa.ct", assignment()) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.tp_th", assignment()) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.ct", assignment("")) == ErrorCode::InvalidArgument);
  CHECK(f.refusal("ubnd.ct", assignment("th", "15/12/2026")) == ErrorCode::InvalidArgument);
  CHECK(f.refusal("ubnd.ct", assignment("th", "")) == ErrorCode::InvalidArgument);
  auto leadTwice = assignment("vp");
  CHECK(f.refusal("ubnd.ct", leadTwice) == ErrorCode::InvalidArgument);
  auto deputy = f.step("ubnd.pct", assignment());
  CHECK(deputy.act.onBehalfOfId == "ubnd.ct");
  CHECK(deputy.act.role == "leader");
  CHECK(f.refusal("ubnd.ct", assignment()) == ErrorCode::InvalidState);
}

TEST_CASE("the head of the lead unit hands the work to a specialist", "[workflow][incoming_flow]") {
  Incoming f;
  f.toAssigned();
  CHECK(f.refusal("ubnd.tp_vp", specialist("ubnd.cv_vp")) == ErrorCode::Forbidden);
  CHECK(f.refusal("xa.tp_th", specialist("ubnd.cv_th")) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.cv_th", specialist("ubnd.cv_th")) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.tp_th", specialist("")) == ErrorCode::InvalidArgument);
  CHECK(f.refusal("ubnd.cv_th", action(IncomingActionKind::NoteProgress, "x")) ==
        ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.tp_th", action(IncomingActionKind::Complete, "xong")) ==
        ErrorCode::InvalidState);
  SECTION("through the head's delegation") {
    auto handed = f.step("ubnd.cv_th2", specialist("ubnd.cv_th"));
    CHECK(handed.act.onBehalfOfId == "ubnd.tp_th");
  }
  SECTION("or the head notes progress and completes it without a specialist") {
    f.step("ubnd.tp_th", action(IncomingActionKind::NoteProgress, "đang xử lý"));
    CHECK(f.state.status == IncomingStatus::InProgress);
    CHECK(f.refusal("ubnd.tp_th", action(IncomingActionKind::Complete, "")) ==
          ErrorCode::InvalidArgument);
    CHECK(f.step("ubnd.tp_th", action(IncomingActionKind::Complete, "xong")).act.role ==
          "department_head");
  }
  SECTION("a specialist can be replaced while the work is in progress") {
    f.step("ubnd.tp_th", specialist("ubnd.cv_th"));
    auto replaced = f.step("ubnd.tp_th", specialist("ubnd.cv_th2"));
    CHECK_FALSE(replaced.notifySender);
    CHECK(f.refusal("ubnd.cv_th", action(IncomingActionKind::Complete, "xong")) ==
          ErrorCode::Forbidden);
    f.step("ubnd.cv_th2", action(IncomingActionKind::Complete, "xong"));
    for (const auto& user : f.directory.userIds) {
      CHECK(f.refusal(user, action(IncomingActionKind::NoteProgress, "x")) ==
            ErrorCode::InvalidState);
    }
  }
}

TEST_CASE("an incoming state without an organisation is refused", "[workflow][incoming_flow]") {
  Incoming f;
  f.state.organisationId.clear();
  CHECK(f.refusal("ubnd.vt", action(IncomingActionKind::Register)) == ErrorCode::InvalidArgument);
}
