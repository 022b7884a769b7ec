#include "vanthu/workflow/templates.h"

#include <array>
#include <utility>

#include "vanthu/workflow/directory.h"

namespace vanthu::workflow {
namespace {

constexpr std::array<std::pair<LevelAction, std::string_view>, 4> kActions = {{
    {LevelAction::Draft, "draft"},
    {LevelAction::Review, "review"},
    {LevelAction::Sign, "sign"},
    {LevelAction::Issue, "issue"},
}};
constexpr std::array<std::pair<ReviewerRule, std::string_view>, 3> kRules = {{
    {ReviewerRule::One, "one"},
    {ReviewerRule::AnyOf, "any_of"},
    {ReviewerRule::AllOf, "all_of"},
}};

Status refuse(const WorkflowTemplate& t, const std::string& what) {
  return Status::invalidArgument("template " + (t.id.empty() ? std::string("(no id)") : t.id) +
                                 ": " + what);
}

TemplateLevel level(int number, std::string name, std::string role, LevelAction action,
                    int deadlineDays, bool optional = false) {
  TemplateLevel l;
  l.number = number;
  l.name = std::move(name);
  l.role = std::move(role);
  l.action = action;
  l.deadlineDays = deadlineDays;
  l.optional = optional;
  return l;
}

}  // namespace

std::string_view levelActionName(LevelAction action) {
  for (const auto& [value, name] : kActions) {
    if (value == action) return name;
  }
  return "unknown";
}

std::optional<LevelAction> levelActionFromName(std::string_view name) {
  for (const auto& [value, text] : kActions) {
    if (text == name) return value;
  }
  return std::nullopt;
}

std::string_view reviewerRuleName(ReviewerRule rule) {
  for (const auto& [value, name] : kRules) {
    if (value == rule) return name;
  }
  return "unknown";
}

std::optional<ReviewerRule> reviewerRuleFromName(std::string_view name) {
  for (const auto& [value, text] : kRules) {
    if (text == name) return value;
  }
  return std::nullopt;
}

Status validateTemplate(const WorkflowTemplate& t) {
  if (t.id.empty()) return refuse(t, "the id is empty");
  if (t.name.empty()) return refuse(t, "the name is empty");
  if (t.direction != "outgoing" && t.direction != "incoming") {
    return refuse(t, "the direction must be outgoing or incoming, not '" + t.direction + "'");
  }
  if (t.levels.empty()) return refuse(t, "it has no levels");
  int signLevels = 0;
  for (size_t i = 0; i < t.levels.size(); ++i) {
    const auto& l = t.levels[i];
    std::string where = "level " + std::to_string(i + 1);
    if (l.number != static_cast<int>(i) + 1) {
      return refuse(t, where + " is numbered " + std::to_string(l.number));
    }
    if (!roleFromName(l.role)) return refuse(t, where + " names no known role ('" + l.role + "')");
    if (l.deadlineDays < 0) return refuse(t, where + " has a negative deadline");
    if (l.reviewers == ReviewerRule::One ? l.reviewerCount != 1 : l.reviewerCount < 2) {
      return refuse(t, where + ": " + std::string(reviewerRuleName(l.reviewers)) + " with " +
                           std::to_string(l.reviewerCount) + " reviewer(s)");
    }
    if (l.action == LevelAction::Sign) ++signLevels;
    if (l.optional && l.action != LevelAction::Review) {
      return refuse(t, where + ": only a review level may be optional");
    }
    if (const auto& placement = l.signaturePlacement) {
      if (l.action != LevelAction::Sign) {
        return refuse(t, where + ": only the sign level has a signature placement");
      }
      if (placement->page == 0) {
        return refuse(t, where + ": the signature's page is 1-based (-1 for the last page), not 0");
      }
      if (!(placement->width > 0) || !(placement->height > 0) || !(placement->x >= 0) ||
          !(placement->y >= 0) || placement->width > 2000 || placement->height > 2000) {
        return refuse(t, where +
                             ": the signature's rectangle needs a positive width and height "
                             "(at most 2000 pt) and x, y not negative");
      }
    }
  }
  if (t.direction == "outgoing") {
    if (t.levels.front().action != LevelAction::Draft) {
      return refuse(t, "an outgoing flow starts with the draft");
    }
    if (signLevels != 1) return refuse(t, "an outgoing flow has exactly one sign level");
    if (t.levels.back().action != LevelAction::Issue) {
      return refuse(t, "an outgoing flow ends with the issue");
    }
  }
  return Status::ok();
}

std::vector<WorkflowTemplate> shippedTemplates() {
  WorkflowTemplate four;
  four.id = "outgoing-4";
  four.name = "Văn bản đi: bốn cấp duyệt";
  four.direction = "outgoing";
  four.levels = {
      level(1, "Chuyên viên soạn thảo", "specialist", LevelAction::Draft, 0),
      level(2, "Lãnh đạo phòng duyệt", "department_head", LevelAction::Review, 2),
      level(3, "Chánh Văn phòng kiểm tra thể thức", "office_chief", LevelAction::Review, 2),
      level(4, "Lãnh đạo ký", "leader", LevelAction::Sign, 2),
      level(5, "Văn thư phát hành", "clerk", LevelAction::Issue, 1),
  };
  four.createdBy = "system";
  WorkflowTemplate commune;
  commune.id = "outgoing-commune";
  commune.name = "Văn bản đi: cấp xã";
  commune.direction = "outgoing";
  commune.levels = {
      level(1, "Công chức soạn thảo", "specialist", LevelAction::Draft, 0),
      level(2, "Văn phòng kiểm tra thể thức", "office_chief", LevelAction::Review, 1, true),
      level(3, "Chủ tịch ký", "leader", LevelAction::Sign, 2),
      level(4, "Văn thư phát hành", "clerk", LevelAction::Issue, 1),
  };
  commune.createdBy = "system";
  return {four, commune};
}

}  // namespace vanthu::workflow
