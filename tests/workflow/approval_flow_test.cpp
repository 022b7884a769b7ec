// The outgoing flow: who may do what at which level, and where each action leads.

#include "vanthu/workflow/approval_flow.h"

#include <catch2/catch.hpp>

#include "flow_fixture.h"

using namespace vanthu;
using namespace vanthu::workflow;
using namespace flow_fixture;

namespace {

WorkflowTemplate shipped(const std::string& id) {
  for (auto& t : shippedTemplates()) {
    if (t.id == id) return t;
  }
  FAIL("no shipped template " << id);
  return {};
}

OutgoingAction action(OutgoingActionKind kind, std::string reason = {}, int toLevel = 0) {
  OutgoingAction a;
  a.kind = kind;
  a.reason = std::move(reason);
  a.toLevel = toLevel;
  return a;
}

struct Flow {
  WorkflowTemplate flow = shipped("outgoing-4");
  Directory directory = twoOrganisations();
  FlowState state = newDraft("ubnd", "ubnd.cv_th", "th");

  Result<Transition> apply(const std::string& user, const OutgoingAction& a, int64_t at = kNow) {
    return applyOutgoing(flow, state, directory.actor(user), a, at);
  }
  /// Applies and keeps the new state; the action must be accepted.
  Transition step(const std::string& user, const OutgoingAction& a, int64_t at = kNow) {
    auto result = apply(user, a, at);
    INFO(user << " " << outgoingActionName(a.kind) << ": " << result.status().toString());
    REQUIRE(result.isOk());
    state = result.value().state;
    return result.value();
  }
  ErrorCode refusal(const std::string& user, const OutgoingAction& a, int64_t at = kNow) {
    auto result = apply(user, a, at);
    return result.isOk() ? ErrorCode::Unknown : result.status().code();
  }
  void toSigning() {
    step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    step("ubnd.tp_th", action(OutgoingActionKind::Approve));
    step("ubnd.cvp", action(OutgoingActionKind::Approve));
    REQUIRE(state.status == OutgoingStatus::Signing);
  }
};

WorkflowTemplate withLevel2(ReviewerRule rule, int count, const std::string& role) {
  auto t = shipped("outgoing-4");
  t.levels[1].reviewers = rule;
  t.levels[1].reviewerCount = count;
  t.levels[1].role = role;
  return t;
}

}  // namespace

TEST_CASE("outgoing status and action names round-trip", "[workflow][approval_flow]") {
  for (auto status :
       {OutgoingStatus::Draft, OutgoingStatus::Review, OutgoingStatus::Signing,
        OutgoingStatus::Signed, OutgoingStatus::Issued, OutgoingStatus::Returned,
        OutgoingStatus::Withdrawn, OutgoingStatus::Rejected, OutgoingStatus::Recalled}) {
    CHECK(outgoingStatusFromName(outgoingStatusName(status)) == status);
  }
  CHECK(outgoingStatusName(OutgoingStatus::Signing) == "signing");
  CHECK_FALSE(outgoingStatusFromName("DRAFT").has_value());
  for (auto name :
       {"edit", "submit", "approve", "return", "reject", "withdraw", "sign", "issue", "recall"}) {
    auto kind = outgoingActionFromName(name);
    REQUIRE(kind.has_value());
    CHECK(outgoingActionName(*kind) == name);
  }
  CHECK_FALSE(outgoingActionFromName("approve ").has_value());
}

TEST_CASE("a document of outgoing-4 goes from draft to issued and can be recalled",
          "[workflow][approval_flow]") {
  Flow f;
  auto edited = f.step("ubnd.cv_th", action(OutgoingActionKind::Edit, "new version"));
  CHECK(edited.state.status == OutgoingStatus::Draft);
  CHECK(edited.act.action == "edit");
  CHECK(edited.act.role.empty());

  auto submitted = f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
  CHECK(submitted.state.status == OutgoingStatus::Review);
  CHECK(submitted.state.level == 2);
  CHECK(submitted.act.fromLevel == 1);
  CHECK(submitted.act.toLevel == 2);
  CHECK(submitted.act.at == kNow);

  auto reviewed = f.step("ubnd.tp_th", action(OutgoingActionKind::Approve, "đồng ý"));
  CHECK(reviewed.state.level == 3);
  CHECK(reviewed.act.role == "department_head");
  CHECK(reviewed.act.comment == "đồng ý");
  CHECK(reviewed.act.onBehalfOfId.empty());
  CHECK_FALSE(reviewed.approvalSignature);

  auto checked = f.step("ubnd.cvp", action(OutgoingActionKind::Approve));
  CHECK(checked.state.status == OutgoingStatus::Signing);
  CHECK(checked.state.level == 4);

  auto signedByLeader = f.step("ubnd.ct", action(OutgoingActionKind::Sign));
  CHECK(signedByLeader.state.status == OutgoingStatus::Signed);
  CHECK(signedByLeader.state.level == 5);
  CHECK(signedByLeader.signatureRequired);
  CHECK(signedByLeader.act.authorityMarker.empty());
  CHECK(signedByLeader.act.role == "leader");

  auto issued = f.step("ubnd.vt", action(OutgoingActionKind::Issue));
  CHECK(issued.state.status == OutgoingStatus::Issued);
  CHECK(issued.numberRequired);
  CHECK(issued.act.role == "clerk");
  CHECK(f.refusal("ubnd.vt", action(OutgoingActionKind::Issue)) == ErrorCode::InvalidState);

  CHECK(f.refusal("ubnd.vt", action(OutgoingActionKind::Recall)) == ErrorCode::InvalidArgument);
  CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Recall, "sai nội dung")) ==
        ErrorCode::Forbidden);
  auto recalled = f.step("ubnd.vt", action(OutgoingActionKind::Recall, "sai nội dung"));
  CHECK(recalled.state.status == OutgoingStatus::Recalled);
  CHECK(recalled.exchangeStatus == "13");
  CHECK(recalled.act.comment == "sai nội dung");
}

TEST_CASE("only the drafter edits, submits and withdraws", "[workflow][approval_flow]") {
  Flow f;
  for (auto kind :
       {OutgoingActionKind::Edit, OutgoingActionKind::Submit, OutgoingActionKind::Withdraw}) {
    CHECK(f.refusal("ubnd.cv_th2", action(kind)) == ErrorCode::Forbidden);
    CHECK(f.refusal("ubnd.tp_th", action(kind)) == ErrorCode::Forbidden);
    CHECK(f.refusal("xa.cv_th", action(kind)) == ErrorCode::Forbidden);
  }
  SECTION("a draft can be withdrawn") {
    auto withdrawn = f.step("ubnd.cv_th", action(OutgoingActionKind::Withdraw));
    CHECK(withdrawn.state.status == OutgoingStatus::Withdrawn);
  }
  SECTION("a document under review can no longer be withdrawn or edited") {
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Withdraw)) == ErrorCode::InvalidState);
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Edit)) == ErrorCode::InvalidState);
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Submit)) == ErrorCode::InvalidState);
  }
  SECTION("a document returned to the drafter can be edited, withdrawn or resubmitted") {
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    f.step("ubnd.tp_th", action(OutgoingActionKind::Return, "bổ sung số liệu", 1));
    CHECK(f.state.status == OutgoingStatus::Returned);
    CHECK(f.state.returnedTo == 1);
    f.step("ubnd.cv_th", action(OutgoingActionKind::Edit));
    CHECK(f.apply("ubnd.cv_th", action(OutgoingActionKind::Withdraw)).isOk());
    auto again = f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    CHECK(again.state.level == 2);
    CHECK(again.state.returnedTo == 0);
  }
}

TEST_CASE("a review level is acted on by its role in the drafter's unit and organisation",
          "[workflow][approval_flow]") {
  Flow f;
  f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
  // The head of another unit, the same role in another organisation, the drafter, the leader.
  CHECK(f.refusal("ubnd.tp_vp", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  CHECK(f.refusal("xa.tp_th", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.tp_vp", action(OutgoingActionKind::Reject, "không")) ==
        ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.tp_vp", action(OutgoingActionKind::Return, "không", 1)) ==
        ErrorCode::Forbidden);
  // Not yet its turn.
  CHECK(f.refusal("ubnd.cvp", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Sign)) == ErrorCode::InvalidState);
  CHECK(f.refusal("ubnd.vt", action(OutgoingActionKind::Issue)) == ErrorCode::InvalidState);

  SECTION("an organisation-wide department head grant covers every unit") {
    f.directory.grant("ubnd.tp_all", Role::DepartmentHead, "ubnd");
    CHECK(f.apply("ubnd.tp_all", action(OutgoingActionKind::Approve)).isOk());
  }
}

TEST_CASE("an approval through a delegation records whose authority it used",
          "[workflow][approval_flow]") {
  Flow f;
  f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
  SECTION("in force") {
    auto approved = f.step("ubnd.cv_th2", action(OutgoingActionKind::Approve));
    CHECK(approved.act.actorId == "ubnd.cv_th2");
    CHECK(approved.act.onBehalfOfId == "ubnd.tp_th");
    CHECK(approved.act.role == "department_head");
    CHECK(approved.act.authorityMarker.empty());
  }
  SECTION("before it starts and once it ended") {
    CHECK(f.refusal("ubnd.cv_th2", action(OutgoingActionKind::Approve), 999) ==
          ErrorCode::Forbidden);
    CHECK(f.refusal("ubnd.cv_th2", action(OutgoingActionKind::Approve), 2000) ==
          ErrorCode::Forbidden);
  }
  SECTION("a sign delegation does not lend approval") {
    CHECK(f.refusal("ubnd.pct", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  }
  SECTION("a revoked delegation lends nothing from its revocation on") {
    f.state = newDraft("ubnd", "ubnd.cv_vp", "vp");
    f.step("ubnd.cv_vp", action(OutgoingActionKind::Submit));
    // cv_vp drafted it, so its own delegation from tp_vp is moot; give it to someone else.
    f.directory.delegate("late", "ubnd", "ubnd.tp_vp", "ubnd.cv_th", DelegationScope::Approve, 1000,
                         2000, 1200);
    CHECK(f.apply("ubnd.cv_th", action(OutgoingActionKind::Approve), 1100).isOk());
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Approve), 1200) ==
          ErrorCode::Forbidden);
  }
  SECTION("a delegation from someone who does not hold the role lends nothing") {
    f.directory.delegate("empty", "ubnd", "ubnd.cv_vp", "ubnd.admin", DelegationScope::All);
    CHECK(f.refusal("ubnd.admin", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
  }
}

TEST_CASE("the leader signs, a deputy signs KT. through a delegation, others TUQ.",
          "[workflow][approval_flow]") {
  Flow f;
  f.toSigning();
  SECTION("the deputy, through the sign delegation: KT.") {
    auto signedByDeputy = f.step("ubnd.pct", action(OutgoingActionKind::Sign));
    CHECK(signedByDeputy.act.authorityMarker == "KT.");
    CHECK(signedByDeputy.act.onBehalfOfId == "ubnd.ct");
    CHECK(signedByDeputy.act.actorId == "ubnd.pct");
    CHECK(signedByDeputy.signatureRequired);
  }
  SECTION("the deputy outside the delegation's window may not sign") {
    CHECK(f.refusal("ubnd.pct", action(OutgoingActionKind::Sign), 2500) == ErrorCode::Forbidden);
  }
  SECTION("the deputy of another organisation may not sign") {
    CHECK(f.refusal("xa.pct", action(OutgoingActionKind::Sign)) == ErrorCode::Forbidden);
    CHECK(f.refusal("xa.ct", action(OutgoingActionKind::Sign)) == ErrorCode::Forbidden);
  }
  SECTION("someone else lent the signature: TUQ.") {
    auto signedByChief = f.step("ubnd.cvp", action(OutgoingActionKind::Sign));
    CHECK(signedByChief.act.authorityMarker == "TUQ.");
  }
  SECTION("an ended delegation lends no signature") {
    CHECK(f.refusal("ubnd.cv_vp", action(OutgoingActionKind::Sign)) == ErrorCode::Forbidden);
  }
  SECTION("the signer may return to any earlier level or reject") {
    CHECK(f.apply("ubnd.ct", action(OutgoingActionKind::Return, "sửa", 3)).isOk());
    CHECK(f.apply("ubnd.pct", action(OutgoingActionKind::Reject, "không ban hành")).isOk());
  }
  SECTION("nobody but the clerk issues the signed document") {
    f.step("ubnd.ct", action(OutgoingActionKind::Sign));
    for (auto user : {"ubnd.ct", "ubnd.cv_th", "ubnd.admin", "xa.vt"}) {
      CHECK(f.refusal(user, action(OutgoingActionKind::Issue)) == ErrorCode::Forbidden);
    }
    CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Sign)) == ErrorCode::InvalidState);
  }
}

TEST_CASE("all of N needs N different people, any of N moves on with the first",
          "[workflow][approval_flow]") {
  Flow f;
  SECTION("all of two office chiefs") {
    f.flow = withLevel2(ReviewerRule::AllOf, 2, "office_chief");
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    auto first = f.step("ubnd.cvp", action(OutgoingActionKind::Approve));
    CHECK(first.state.level == 2);
    CHECK(first.act.toLevel == 2);
    CHECK(first.state.approvalsAtLevel == std::vector<std::string>{"ubnd.cvp"});
    auto twice = f.apply("ubnd.cvp", action(OutgoingActionKind::Approve));
    CHECK(twice.status().code() == ErrorCode::Conflict);
    CHECK_THAT(twice.status().message(), Catch::Contains("already approved"));
    auto second = f.step("ubnd.cvp2", action(OutgoingActionKind::Approve));
    CHECK(second.state.level == 3);
    CHECK(second.state.approvalsAtLevel.empty());
  }
  SECTION("a delegate adds no second voice for whoever already approved") {
    f.flow = withLevel2(ReviewerRule::AllOf, 2, "department_head");
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    f.step("ubnd.tp_th", action(OutgoingActionKind::Approve));
    CHECK(f.refusal("ubnd.cv_th2", action(OutgoingActionKind::Approve)) == ErrorCode::Conflict);
  }
  SECTION("any of two") {
    f.flow = withLevel2(ReviewerRule::AnyOf, 2, "office_chief");
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    CHECK(f.step("ubnd.cvp2", action(OutgoingActionKind::Approve)).state.level == 3);
  }
  SECTION("a return clears the approvals gathered so far") {
    f.flow = withLevel2(ReviewerRule::AllOf, 2, "office_chief");
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    f.step("ubnd.cvp", action(OutgoingActionKind::Approve));
    f.step("ubnd.cvp2", action(OutgoingActionKind::Return, "thiếu căn cứ", 1));
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    CHECK(f.state.approvalsAtLevel.empty());
    CHECK(f.step("ubnd.cvp", action(OutgoingActionKind::Approve)).state.level == 2);
  }
}

TEST_CASE("an approval at a level that records signatures asks for one",
          "[workflow][approval_flow]") {
  Flow f;
  f.flow.levels[2].approvalSignature = true;
  f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
  CHECK_FALSE(f.step("ubnd.tp_th", action(OutgoingActionKind::Approve)).approvalSignature);
  CHECK(f.step("ubnd.cvp", action(OutgoingActionKind::Approve)).approvalSignature);
}

TEST_CASE("the drafter may skip optional levels, never the others", "[workflow][approval_flow]") {
  Flow f;
  f.flow = shipped("outgoing-commune");
  OutgoingAction submit = action(OutgoingActionKind::Submit);
  SECTION("skipping the optional office review goes straight to signing") {
    submit.skipLevels = {2};
    auto skipped = f.step("ubnd.cv_th", submit);
    CHECK(skipped.state.status == OutgoingStatus::Signing);
    CHECK(skipped.state.level == 3);
    CHECK(skipped.state.skippedLevels == std::vector<int>{2});
    CHECK(skipped.act.toLevel == 3);
    SECTION("and a return to the skipped level is refused") {
      CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Return, "xem lại", 2)) ==
            ErrorCode::InvalidArgument);
      f.step("ubnd.ct", action(OutgoingActionKind::Return, "xem lại", 1));
      SECTION("a resubmission without the skip passes the optional level") {
        CHECK(f.step("ubnd.cv_th", action(OutgoingActionKind::Submit)).state.level == 2);
      }
    }
  }
  SECTION("not skipping it keeps it") {
    CHECK(f.step("ubnd.cv_th", submit).state.level == 2);
  }
  SECTION("the draft, sign and issue levels and levels that do not exist") {
    for (int level : {0, 1, 3, 4, 5, -1}) {
      submit.skipLevels = {2, level};
      INFO("skip level " << level);
      CHECK(f.refusal("ubnd.cv_th", submit) == ErrorCode::InvalidArgument);
    }
  }
  SECTION("in outgoing-4 no level is optional") {
    f.flow = shipped("outgoing-4");
    submit.skipLevels = {2};
    CHECK(f.refusal("ubnd.cv_th", submit) == ErrorCode::InvalidArgument);
    submit.skipLevels = {3};
    CHECK(f.refusal("ubnd.cv_th", submit) == ErrorCode::InvalidArgument);
  }
  SECTION("two optional review levels skipped at once") {
    f.flow = shipped("outgoing-4");
    f.flow.levels[1].optional = true;
    f.flow.levels[2].optional = true;
    submit.skipLevels = {3, 2, 3};
    auto skipped = f.step("ubnd.cv_th", submit);
    CHECK(skipped.state.level == 4);
    CHECK(skipped.state.skippedLevels == std::vector<int>{2, 3});
  }
  SECTION("skipping the first of two goes to the second") {
    f.flow = shipped("outgoing-4");
    f.flow.levels[1].optional = true;
    submit.skipLevels = {2};
    CHECK(f.step("ubnd.cv_th", submit).state.level == 3);
  }
}

TEST_CASE("a document goes back to any earlier level with a reason", "[workflow][approval_flow]") {
  Flow f;
  f.toSigning();
  auto signing = f.state;
  SECTION("to the drafter") {
    auto back = f.step("ubnd.ct", action(OutgoingActionKind::Return, "viết lại", 1));
    CHECK(back.state.status == OutgoingStatus::Returned);
    CHECK(back.state.level == 1);
    CHECK(back.state.returnedTo == 1);
    CHECK(back.act.fromLevel == 4);
    CHECK(back.act.toLevel == 1);
    CHECK(back.act.comment == "viết lại");
  }
  SECTION("to the department review") {
    auto back = f.step("ubnd.ct", action(OutgoingActionKind::Return, "xem lại", 2));
    CHECK(back.state.status == OutgoingStatus::Review);
    CHECK(back.state.level == 2);
    CHECK(back.state.returnedTo == 2);
    CHECK(f.refusal("ubnd.cvp", action(OutgoingActionKind::Approve)) == ErrorCode::Forbidden);
    auto forward = f.step("ubnd.tp_th", action(OutgoingActionKind::Approve));
    CHECK(forward.state.level == 3);
    CHECK(forward.state.returnedTo == 0);
  }
  SECTION("to the office review") {
    auto back = f.step("ubnd.ct", action(OutgoingActionKind::Return, "thể thức", 3));
    CHECK(back.state.level == 3);
    SECTION("which may send it further back") {
      CHECK(f.step("ubnd.cvp", action(OutgoingActionKind::Return, "nội dung", 2)).state.level == 2);
      CHECK(f.refusal("ubnd.tp_th", action(OutgoingActionKind::Return, "x", 2)) ==
            ErrorCode::InvalidArgument);
    }
  }
  SECTION("not to itself, a later level or a level that does not exist") {
    for (int to : {4, 5, 0, -2}) {
      INFO("to level " << to);
      CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Return, "lý do", to)) ==
            ErrorCode::InvalidArgument);
    }
  }
  SECTION("never without a reason") {
    CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Return, "", 1)) ==
          ErrorCode::InvalidArgument);
    CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Return, "  \n", 1)) ==
          ErrorCode::InvalidArgument);
    CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Reject, " ")) ==
          ErrorCode::InvalidArgument);
  }
  SECTION("only by whoever may act at the current level") {
    CHECK(f.refusal("ubnd.cvp2", action(OutgoingActionKind::Return, "x", 1)) ==
          ErrorCode::Forbidden);
    CHECK(f.refusal("ubnd.tp_th", action(OutgoingActionKind::Reject, "x")) == ErrorCode::Forbidden);
  }
  CHECK(signing.level == 4);
}

TEST_CASE("withdrawn, rejected and recalled documents never move again",
          "[workflow][approval_flow]") {
  Flow f;
  SECTION("rejected") {
    f.step("ubnd.cv_th", action(OutgoingActionKind::Submit));
    auto rejected = f.step("ubnd.tp_th", action(OutgoingActionKind::Reject, "không cần thiết"));
    CHECK(rejected.state.status == OutgoingStatus::Rejected);
    CHECK(rejected.act.comment == "không cần thiết");
  }
  SECTION("withdrawn") {
    f.step("ubnd.cv_th", action(OutgoingActionKind::Withdraw));
  }
  SECTION("recalled") {
    f.toSigning();
    f.step("ubnd.ct", action(OutgoingActionKind::Sign));
    f.step("ubnd.vt", action(OutgoingActionKind::Issue));
    f.step("ubnd.vt", action(OutgoingActionKind::Recall, "thu hồi"));
  }
  REQUIRE(isFinal(f.state.status));
  for (const auto& user : f.directory.userIds) {
    for (int k = 0; k <= static_cast<int>(OutgoingActionKind::Recall); ++k) {
      auto a = action(static_cast<OutgoingActionKind>(k), "lý do", 1);
      INFO(user << " " << outgoingActionName(a.kind));
      CHECK(f.refusal(user, a) == ErrorCode::InvalidState);
    }
  }
}

TEST_CASE("a state or template the flow cannot explain is refused", "[workflow][approval_flow]") {
  Flow f;
  SECTION("a level outside the template") {
    f.state.level = 9;
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Submit)) ==
          ErrorCode::InvalidArgument);
  }
  SECTION("a review status at the sign level") {
    f.state.status = OutgoingStatus::Review;
    f.state.level = 4;
    CHECK(f.refusal("ubnd.ct", action(OutgoingActionKind::Approve)) == ErrorCode::InvalidArgument);
  }
  SECTION("an incoming template") {
    f.flow.direction = "incoming";
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Submit)) ==
          ErrorCode::InvalidArgument);
  }
  SECTION("a template without a sign level") {
    f.flow.levels[3].action = LevelAction::Review;
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Submit)) ==
          ErrorCode::InvalidArgument);
  }
  SECTION("a state without a drafter") {
    f.state.drafterId.clear();
    CHECK(f.refusal("ubnd.cv_th", action(OutgoingActionKind::Submit)) ==
          ErrorCode::InvalidArgument);
  }
}
