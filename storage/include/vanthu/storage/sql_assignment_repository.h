#pragma once

#include "vanthu/storage/database.h"
#include "vanthu/workflow/assignments.h"

namespace vanthu::storage {

/// AssignmentRepository on the metadata database. Borrows `database`; one repository per
/// connection (not thread-safe, as Database).
class SqlAssignmentRepository final : public workflow::AssignmentRepository {
 public:
  explicit SqlAssignmentRepository(Database& database) : database_(database) {}

  Status addAssignment(const workflow::Assignment& assignment) override;
  std::optional<workflow::Assignment> findAssignment(const std::string& id) override;
  std::vector<workflow::Assignment> assignmentsOf(const std::string& documentId) override;
  Result<int64_t> updateAssignment(const workflow::Assignment& assignment,
                                   int64_t expectedRevision) override;
  std::vector<workflow::Assignment> openAssignments(const std::string& unitId,
                                                    const std::string& userId = "") override;
  std::vector<workflow::Assignment> overdueAssignments(const std::string& organisationId,
                                                       const std::string& date) override;

 private:
  Database& database_;
};

}  // namespace vanthu::storage
