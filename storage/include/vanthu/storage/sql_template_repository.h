#pragma once

#include "vanthu/storage/database.h"
#include "vanthu/workflow/templates.h"

namespace vanthu::storage {

/// TemplateRepository on the metadata database. A saved version is never updated or deleted.
/// Borrows `database`; one repository per connection (not thread-safe, as Database).
class SqlTemplateRepository final : public workflow::TemplateRepository {
 public:
  explicit SqlTemplateRepository(Database& database) : database_(database) {}

  /// Also InvalidArgument when the id already belongs to another organisation, and Conflict
  /// when another writer saved the same id at the same moment (retry).
  Result<int> saveTemplate(const workflow::WorkflowTemplate& workflowTemplate) override;
  std::optional<workflow::WorkflowTemplate> findTemplate(const std::string& id,
                                                         std::optional<int> version = {}) override;
  std::vector<workflow::WorkflowTemplate> listTemplates(const std::string& organisationId) override;

 private:
  Database& database_;
};

/// Saves each of workflow::shippedTemplates() that has no version yet (first start, or an
/// upgrade that ships a new one). Returns how many were saved.
int ensureShippedTemplates(workflow::TemplateRepository& repository);

}  // namespace vanthu::storage
