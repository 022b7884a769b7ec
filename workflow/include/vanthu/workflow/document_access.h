#pragma once

// Who sees and who may change a document (issue 6, point 4). Pure policy: the callers fetch the
// document and its assignments, this decides. The same rule is expressed for lists as a
// DocumentVisibility, which the document repository turns into SQL, so that pages and their
// totals never count a document the caller may not see.
//
// The rule:
//   - a caller sees documents of their own organisation only (a document sent to another
//     organisation arrives there as that organisation's incoming document, a row of its own);
//   - a confidential document (confidentiality other than "normal") is seen only by its creator,
//     the users assigned to it (assignments not withdrawn), the organisation's leader, those who
//     acted on it (or on whose behalf a deputy acted) and those whose step it now waits for: a
//     department head cannot approve a "mật" draft without reading it, nor a clerk register it;
//   - API tokens act for their organisation and see only what is not confidential;
//   - everything else is answered as if it did not exist (404, not 403).
// Writes (metadata, new versions) are for the creator and the organisation's administrators
// until the workflow gives reviewers their own actions.

#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/assignments.h"
#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::workflow {

/// The caller, as the policy needs it.
struct DocumentViewer {
  std::string userId;  ///< "" for an API token
  std::string organisationId;
  std::vector<RoleGrant> roles;
};

/// What the flows say of one viewer and one document, beyond its assignments.
struct DocumentInvolvement {
  bool actedOn = false;       ///< the viewer acted on it, or a deputy acted on the viewer's behalf
  bool awaitsViewer = false;  ///< its flow waits for the viewer's step now
};

/// The list filter that applies the rule in the database.
struct DocumentVisibility {
  std::string organisationId;
  /// Confidential documents are all visible (the organisation's leader).
  bool allConfidential = false;
  /// Otherwise the confidential ones this user created, is assigned to or acted on; "" for none.
  std::string confidentialFor;
  /// And the confidential ones whose flow waits for this user (ids), filled by the caller.
  std::vector<std::string> awaitingViewer;
};

/// Whether `document` is confidential (anything but "normal").
bool isConfidential(const DocumentRecord& document);

/// Whether `viewer` holds `role` in `organisationId`.
bool holdsRole(const DocumentViewer& viewer, Role role, const std::string& organisationId);

/// Whether `viewer` may see `document`, given the document's assignments and what its flows
/// say of the viewer.
bool canSeeDocument(const DocumentViewer& viewer, const DocumentRecord& document,
                    const std::vector<Assignment>& assignments,
                    const DocumentInvolvement& involvement = {});

/// Whether `viewer`, who can see `document`, may change it.
bool canChangeDocument(const DocumentViewer& viewer, const DocumentRecord& document);

/// The list filter for `viewer`.
DocumentVisibility documentVisibility(const DocumentViewer& viewer);

}  // namespace vanthu::workflow
