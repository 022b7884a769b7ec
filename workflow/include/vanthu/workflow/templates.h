#pragma once

// Workflow templates (DESIGN §2): the approval flow is data, not code. A template is an ordered
// list of levels, each saying which role acts, what it does, whether it may be skipped, how many
// reviewers must agree, whether the approval is also an invisible approval signature, and the
// default deadline. Templates are versioned: saving makes a new version, and a document keeps
// the version it started with, so editing a template never changes a running document.

#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

enum class LevelAction : uint8_t { Draft, Review, Sign, Issue };
enum class ReviewerRule : uint8_t { One, AnyOf, AllOf };

/// "draft", "review", "sign", "issue".
std::string_view levelActionName(LevelAction action);
std::optional<LevelAction> levelActionFromName(std::string_view name);
/// "one", "any_of", "all_of".
std::string_view reviewerRuleName(ReviewerRule rule);
std::optional<ReviewerRule> reviewerRuleFromName(std::string_view name);

/// Where the sign level's visible signature goes (PDF points from the page's bottom left).
struct SignaturePlacement {
  /// 1-based; negative counts from the end (-1: the last page); never 0.
  int page = 1;
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

struct TemplateLevel {
  int number = 0;    ///< 1-based position in the flow
  std::string name;  ///< for people, e.g. "Lãnh đạo phòng duyệt"
  std::string role;  ///< role code that acts: "specialist", "department_head", "leader", ...
  LevelAction action = LevelAction::Review;
  bool optional = false;  ///< may be skipped by the drafter's choice
  ReviewerRule reviewers = ReviewerRule::One;
  int reviewerCount = 1;           ///< N of "any of N" / "all of N"; 1 for One
  bool approvalSignature = false;  ///< record the approval as an invisible signature too
  int deadlineDays = 0;            ///< default working days for the level; 0: none
  /// Sign level only: where the signature goes when the request names no rectangle.
  std::optional<SignaturePlacement> signaturePlacement;
};

struct WorkflowTemplate {
  std::string id;              ///< stable across versions, e.g. "outgoing-4"
  int version = 0;             ///< 1, 2, ...; assigned by the store on save
  std::string organisationId;  ///< "" for a template shipped for every organisation
  std::string name;
  std::string direction;  ///< "outgoing" or "incoming"
  std::vector<TemplateLevel> levels;
  std::string createdBy;
  std::string createdAt;  ///< ISO 8601 UTC
};

/// What makes a template usable: an id and a name, a known direction, levels numbered 1..n,
/// a role on each, a reviewer count that fits its rule; an outgoing flow starts with the draft,
/// has exactly one sign level, and ends with the issue; a signature placement only on the sign
/// level, on a page other than 0, with a positive width and height and x, y not negative.
/// InvalidArgument naming the level.
Status validateTemplate(const WorkflowTemplate& workflowTemplate);

/// The templates the product ships (DESIGN §2): "outgoing-4" (draft → department head → office
/// chief → leader signs → clerk issues) and "outgoing-commune" (draft → office → chair signs →
/// clerk issues, for communes without departments).
std::vector<WorkflowTemplate> shippedTemplates();

/// Port: versioned templates. Adapter: storage::SqlTemplateRepository.
class TemplateRepository {
 public:
  virtual ~TemplateRepository() = default;
  /// Stores `workflowTemplate` as the next version of its id (version 1 for a new id) and
  /// returns that version; `workflowTemplate.version` is ignored. InvalidArgument when
  /// validateTemplate() refuses it. Earlier versions stay as they were.
  virtual Result<int> saveTemplate(const WorkflowTemplate& workflowTemplate) = 0;
  /// The given version, or the latest when `version` is empty.
  virtual std::optional<WorkflowTemplate> findTemplate(const std::string& id,
                                                       std::optional<int> version = {}) = 0;
  /// The latest version of every template an organisation may use (its own and the shipped
  /// ones), by id.
  virtual std::vector<WorkflowTemplate> listTemplates(const std::string& organisationId) = 0;
};

}  // namespace vanthu::workflow
