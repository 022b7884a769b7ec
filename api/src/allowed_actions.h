#pragma once

// The actions a caller may take on a document now, as the action route would decide them: each
// candidate action is put to the same domain decision the route uses (workflow::applyOutgoing /
// workflow::applyIncoming, with the caller's grants and the delegations in force) without
// storing anything. What only the action's own input can decide (a reason, the key's password,
// the chosen unit or specialist) is not part of "may take": the dialog asks for it and the route
// checks it.

#include <cstdint>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/document_access.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::api {

struct AllowedAction {
  std::string name;  ///< the action's name in POST .../actions ("approve", "note", ...)
  /// approve: this level records the approval as a signature (key_id and password needed).
  bool approvalSignature = false;
  /// return: the levels the document may go back to, lowest first.
  std::vector<int> returnLevels;
  /// assign_specialist: the lead unit, whose members may be chosen.
  std::string leadUnitId;
};

/// What `caller` (who can see `document`) may do with it at `now` (Unix seconds), in the order
/// of the flow; empty for a document that does not move any more. Reads only.
std::vector<AllowedAction> allowedActions(storage::Database& database,
                                          const workflow::DocumentRecord& document,
                                          const workflow::DocumentViewer& caller, int64_t now);

}  // namespace vanthu::api
