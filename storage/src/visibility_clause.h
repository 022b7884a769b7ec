#pragma once

// workflow::canSeeDocument as SQL, for every query that lists documents or what happened to
// them (the document lists, the dashboard's recent acts), so that they all hide the same rows.

#include <string>
#include <vector>

#include "vanthu/workflow/document_access.h"

namespace vanthu::storage {

/// "id IN (?, ...)" for `ids` against `column`, bound in `parameters`. The list is padded with ""
/// (no document's id) to a power of two, so that the prepared statements cached per connection
/// stay few whatever the number of ids.
void appendIdList(std::string& where, std::vector<std::string>& parameters,
                  const std::string& column, const std::vector<std::string>& ids);

/// " AND (...)" keeping the rows of `documents` (the documents table's name or alias in the
/// query) that `visibility` lets its viewer see; nothing when it sees every confidential one.
/// The organisation is the caller's own condition.
void appendVisibilityClause(std::string& where, std::vector<std::string>& parameters,
                            const workflow::DocumentVisibility& visibility,
                            const std::string& documents);

}  // namespace vanthu::storage
