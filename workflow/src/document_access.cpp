#include "vanthu/workflow/document_access.h"

#include <algorithm>

namespace vanthu::workflow {

bool isConfidential(const DocumentRecord& document) {
  return document.confidentiality != "normal";
}

bool holdsRole(const DocumentViewer& viewer, Role role, const std::string& organisationId) {
  return std::any_of(viewer.roles.begin(), viewer.roles.end(), [&](const RoleGrant& grant) {
    return grant.role == role && grant.organisationId == organisationId;
  });
}

bool canSeeDocument(const DocumentViewer& viewer, const DocumentRecord& document,
                    const std::vector<Assignment>& assignments,
                    const DocumentInvolvement& involvement) {
  if (viewer.organisationId.empty() || document.organisationId != viewer.organisationId) {
    return false;
  }
  if (!isConfidential(document)) return true;
  // A token acts for no person: nobody chose to show it a confidential document.
  if (viewer.userId.empty()) return false;
  if (document.createdBy == viewer.userId) return true;
  if (holdsRole(viewer, Role::Leader, document.organisationId)) return true;
  if (involvement.actedOn || involvement.awaitsViewer) return true;
  return std::any_of(assignments.begin(), assignments.end(), [&](const Assignment& assignment) {
    return assignment.documentId == document.id && assignment.userId == viewer.userId &&
           assignment.status != "withdrawn";
  });
}

bool canChangeDocument(const DocumentViewer& viewer, const DocumentRecord& document) {
  if (viewer.userId.empty() || document.organisationId != viewer.organisationId) return false;
  return document.createdBy == viewer.userId ||
         holdsRole(viewer, Role::Administrator, document.organisationId);
}

DocumentVisibility documentVisibility(const DocumentViewer& viewer) {
  DocumentVisibility visibility;
  visibility.organisationId = viewer.organisationId;
  if (viewer.userId.empty()) return visibility;
  visibility.allConfidential = holdsRole(viewer, Role::Leader, viewer.organisationId);
  visibility.confidentialFor = viewer.userId;
  return visibility;
}

}  // namespace vanthu::workflow
