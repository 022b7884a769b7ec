#include "visibility_clause.h"

namespace vanthu::storage {

void appendIdList(std::string& where, std::vector<std::string>& parameters,
                  const std::string& column, const std::vector<std::string>& ids) {
  size_t slots = 8;
  while (slots < ids.size()) slots *= 2;
  where += column + " IN (?";
  for (size_t i = 1; i < slots; ++i) where += ", ?";
  where += ")";
  parameters.insert(parameters.end(), ids.begin(), ids.end());
  parameters.resize(parameters.size() + slots - ids.size());
}

void appendVisibilityClause(std::string& where, std::vector<std::string>& parameters,
                            const workflow::DocumentVisibility& visibility,
                            const std::string& documents) {
  if (visibility.allConfidential) return;
  if (visibility.confidentialFor.empty()) {
    where += " AND " + documents + ".confidentiality = ?";
    parameters.push_back("normal");
    return;
  }
  // Created, assigned (not withdrawn), acted on (or on the viewer's behalf), or waiting for the
  // viewer's step.
  const std::string& viewer = visibility.confidentialFor;
  where += " AND (" + documents + ".confidentiality = ? OR " + documents +
           ".created_by = ?"
           " OR EXISTS (SELECT 1 FROM assignments va WHERE va.document_id = " +
           documents +
           ".id AND va.user_id = ? AND va.status <> ?)"
           " OR EXISTS (SELECT 1 FROM document_acts vx WHERE vx.document_id = " +
           documents + ".id AND (vx.actor_id = ? OR vx.on_behalf_of = ?))";
  parameters.insert(parameters.end(), {"normal", viewer, viewer, "withdrawn", viewer, viewer});
  if (!visibility.awaitingViewer.empty()) {
    where += " OR ";
    appendIdList(where, parameters, documents + ".id", visibility.awaitingViewer);
  }
  where += ")";
}

}  // namespace vanthu::storage
