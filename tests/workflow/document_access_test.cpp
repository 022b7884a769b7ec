// Who sees and who may change a document (workflow/document_access.h).

#include "vanthu/workflow/document_access.h"

#include <catch2/catch.hpp>

using namespace vanthu::workflow;

namespace {

DocumentRecord document(const std::string& confidentiality = "normal") {
  DocumentRecord d;
  d.id = "d1";
  d.organisationId = "ubnd";
  d.confidentiality = confidentiality;
  d.createdBy = "u-creator";
  return d;
}

DocumentViewer user(const std::string& id, Role role, const std::string& organisation = "ubnd") {
  return {id, organisation, {{id, role, organisation, std::nullopt}}};
}

Assignment assignmentOf(const std::string& userId, const std::string& status = "open") {
  Assignment a;
  a.documentId = "d1";
  a.userId = userId;
  a.status = status;
  return a;
}

}  // namespace

TEST_CASE("a document is seen in its own organisation only", "[workflow][access]") {
  CHECK(canSeeDocument(user("u-peer", Role::Specialist), document(), {}));
  CHECK_FALSE(canSeeDocument(user("u-out", Role::Leader, "sotc"), document(), {}));
  CHECK_FALSE(canSeeDocument(user("u-out", Role::Administrator, "sotc"), document(), {}));
  CHECK_FALSE(canSeeDocument({"", "", {}}, document(), {}));
  // An API token of the organisation sees what is not confidential.
  CHECK(canSeeDocument({"", "ubnd", {}}, document(), {}));
  CHECK_FALSE(canSeeDocument({"", "ubnd", {}}, document("secret"), {}));
}

TEST_CASE("a confidential document is seen by its creator, assignees and the leader only",
          "[workflow][access]") {
  const auto secret = document("confidential");
  CHECK(canSeeDocument(user("u-creator", Role::Specialist), secret, {}));
  CHECK(canSeeDocument(user("u-leader", Role::Leader), secret, {}));
  CHECK(canSeeDocument(user("u-assignee", Role::Specialist), secret, {assignmentOf("u-assignee")}));
  CHECK_FALSE(canSeeDocument(user("u-peer", Role::Specialist), secret, {assignmentOf("u-x")}));
  CHECK_FALSE(canSeeDocument(user("u-assignee", Role::Specialist), secret,
                             {assignmentOf("u-assignee", "withdrawn")}));
  CHECK_FALSE(canSeeDocument(user("u-admin", Role::Administrator), secret, {}));
  CHECK_FALSE(canSeeDocument(user("u-deputy", Role::DeputyLeader), secret, {}));
  // The leader of another organisation is not this one's leader.
  CHECK_FALSE(canSeeDocument(user("u-leader", Role::Leader, "sotc"), secret, {}));
  DocumentViewer leaderElsewhere{"u-l", "ubnd", {{"u-l", Role::Leader, "sotc", std::nullopt}}};
  CHECK_FALSE(canSeeDocument(leaderElsewhere, secret, {}));
}

TEST_CASE("a confidential document is also seen by those its flow involves", "[workflow][access]") {
  const auto secret = document("confidential");
  const auto reviewer = user("u-head", Role::DepartmentHead);
  CHECK_FALSE(canSeeDocument(reviewer, secret, {}, {}));
  DocumentInvolvement awaited;
  awaited.awaitsViewer = true;
  CHECK(canSeeDocument(reviewer, secret, {}, awaited));
  DocumentInvolvement acted;
  acted.actedOn = true;
  CHECK(canSeeDocument(reviewer, secret, {}, acted));
  // Involvement never crosses organisations, nor lends a token a person's view.
  CHECK_FALSE(canSeeDocument(user("u-head", Role::DepartmentHead, "sotc"), secret, {}, awaited));
  CHECK_FALSE(canSeeDocument({"", "ubnd", {}}, secret, {}, acted));
}

TEST_CASE("only the creator and administrators change a document", "[workflow][access]") {
  CHECK(canChangeDocument(user("u-creator", Role::Specialist), document()));
  CHECK(canChangeDocument(user("u-admin", Role::Administrator), document()));
  CHECK_FALSE(canChangeDocument(user("u-peer", Role::Specialist), document()));
  CHECK_FALSE(canChangeDocument(user("u-leader", Role::Leader), document()));
  CHECK_FALSE(canChangeDocument(user("u-admin", Role::Administrator, "sotc"), document()));
  CHECK_FALSE(canChangeDocument({"", "ubnd", {}}, document()));
}

TEST_CASE("the list filter says the same as the rule", "[workflow][access]") {
  auto leader = documentVisibility(user("u-leader", Role::Leader));
  CHECK(leader.organisationId == "ubnd");
  CHECK(leader.allConfidential);
  auto specialist = documentVisibility(user("u-peer", Role::Specialist));
  CHECK_FALSE(specialist.allConfidential);
  CHECK(specialist.confidentialFor == "u-peer");
  auto token = documentVisibility({"", "ubnd", {}});
  CHECK_FALSE(token.allConfidential);
  CHECK(token.confidentialFor.empty());
}
