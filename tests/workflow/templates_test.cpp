#include "vanthu/workflow/templates.h"

#include <catch2/catch.hpp>

using namespace vanthu;
using namespace vanthu::workflow;

TEST_CASE("the shipped templates are valid and follow Decree 30's outgoing flow",
          "[workflow][templates]") {
  auto shipped = shippedTemplates();
  REQUIRE(shipped.size() == 2);
  for (const auto& t : shipped) {
    INFO(t.id);
    CHECK(validateTemplate(t).isOk());
  }
  const auto& four = shipped[0];
  CHECK(four.id == "outgoing-4");
  REQUIRE(four.levels.size() == 5);
  std::vector<std::string> roles;
  for (const auto& l : four.levels) roles.push_back(l.role);
  CHECK(roles == std::vector<std::string>{"specialist", "department_head", "office_chief", "leader",
                                          "clerk"});
  CHECK(four.levels[3].action == LevelAction::Sign);
  CHECK(four.levels[4].action == LevelAction::Issue);
}

TEST_CASE("a template that cannot run is refused, naming the level", "[workflow][templates]") {
  auto base = shippedTemplates()[0];
  auto refused = [](const WorkflowTemplate& t, const std::string& words) {
    auto status = validateTemplate(t);
    INFO(status.message());
    CHECK(status.code() == ErrorCode::InvalidArgument);
    CHECK(status.message().find(words) != std::string::npos);
  };
  auto t = base;
  t.levels[2].role = "janitor";
  refused(t, "level 3 names no known role ('janitor')");
  t = base;
  t.levels[1].reviewers = ReviewerRule::AllOf;
  refused(t, "level 2: all_of with 1 reviewer(s)");
  t.levels[1].reviewerCount = 3;
  CHECK(validateTemplate(t).isOk());
  t = base;
  t.levels[3].action = LevelAction::Review;
  refused(t, "exactly one sign level");
  t = base;
  t.levels.pop_back();
  refused(t, "ends with the issue");
  t = base;
  t.levels[2].number = 7;
  refused(t, "level 3 is numbered 7");
  t = base;
  t.levels[3].optional = true;
  refused(t, "only a review level may be optional");
  t = base;
  t.direction = "sideways";
  refused(t, "direction");
  t = base;
  t.levels.clear();
  refused(t, "no levels");
}

TEST_CASE("a signature placement goes only on the sign level, on a page, with a size",
          "[workflow][templates]") {
  auto t = shippedTemplates()[0];
  t.levels[3].signaturePlacement = SignaturePlacement{-1, 330, 120, 160, 90};
  CHECK(validateTemplate(t).isOk());
  t.levels[3].signaturePlacement->page = 0;
  CHECK(validateTemplate(t).message().find("level 4: the signature's page is 1-based") !=
        std::string::npos);
  t.levels[3].signaturePlacement = SignaturePlacement{2, 330, 120, 0, 90};
  CHECK(validateTemplate(t).message().find("positive width and height") != std::string::npos);
  t.levels[3].signaturePlacement = SignaturePlacement{2, -1, 120, 160, 90};
  CHECK(validateTemplate(t).code() == ErrorCode::InvalidArgument);
  t.levels[3].signaturePlacement.reset();
  t.levels[1].signaturePlacement = SignaturePlacement{1, 330, 120, 160, 90};
  CHECK(validateTemplate(t).message().find("level 2: only the sign level") != std::string::npos);
}

TEST_CASE("level actions and reviewer rules have stable names", "[workflow][templates]") {
  for (auto action :
       {LevelAction::Draft, LevelAction::Review, LevelAction::Sign, LevelAction::Issue}) {
    CHECK(levelActionFromName(levelActionName(action)) == action);
  }
  for (auto rule : {ReviewerRule::One, ReviewerRule::AnyOf, ReviewerRule::AllOf}) {
    CHECK(reviewerRuleFromName(reviewerRuleName(rule)) == rule);
  }
  CHECK_FALSE(levelActionFromName("approve").has_value());
  CHECK(reviewerRuleName(ReviewerRule::AnyOf) == "any_of");
}
