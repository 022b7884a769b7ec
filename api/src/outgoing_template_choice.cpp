#include "outgoing_template_choice.h"

#include "outgoing_flow_service.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_template_repository.h"

namespace vanthu::api {

Result<workflow::WorkflowTemplate> fittingOutgoingTemplate(storage::Database& database,
                                                           const std::string& organisationId,
                                                           const std::string& templateId) {
  auto found = storage::SqlTemplateRepository(database).findTemplate(templateId);
  if (!found || (!found->organisationId.empty() && found->organisationId != organisationId)) {
    return Status::invalidArgument("there is no workflow template '" + templateId +
                                   "' that organisation " + organisationId +
                                   " may use; see GET /api/v1/templates");
  }
  if (found->direction != "outgoing") {
    return Status::invalidArgument("workflow template " + templateId + " is for " +
                                   found->direction + " documents, not outgoing ones");
  }
  return *found;
}

Result<workflow::WorkflowTemplate> chooseOutgoingTemplate(storage::Database& database,
                                                          const std::string& organisationId,
                                                          const std::string& requestedId) {
  if (!requestedId.empty()) return fittingOutgoingTemplate(database, organisationId, requestedId);
  std::string id = storage::SqlDirectoryRepository(database).outgoingTemplateOf(organisationId);
  if (id.empty()) id = kOutgoingTemplateId;
  auto chosen = fittingOutgoingTemplate(database, organisationId, id);
  if (!chosen) {
    return Status::invalidState("the default outgoing template of organisation " + organisationId +
                                " cannot be used: " + chosen.status().message());
  }
  return chosen;
}

}  // namespace vanthu::api
