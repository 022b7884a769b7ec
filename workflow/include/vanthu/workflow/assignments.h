#pragma once

// Assignments of incoming documents (DESIGN §2, incoming flow): the leader assigns a lead unit
// (chủ trì) and supporting units (phối hợp) with a deadline and an instruction (bút phê); the
// head of the lead unit assigns a specialist. Each assignment has a due date, so lists can flag
// what is overdue and the dashboard can count it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

struct Assignment {
  std::string id;
  std::string documentId;
  std::string kind;             ///< "lead_unit", "supporting_unit" or "specialist"
  std::string unitId;           ///< the unit assigned (for a specialist: the specialist's unit)
  std::string userId;           ///< the specialist; "" for a unit assignment
  std::string assignedBy;       ///< who assigned
  std::string onBehalfOf;       ///< for whom, when delegated; "" otherwise
  std::string instruction;      ///< bút phê
  std::string dueDate;          ///< ISO 8601 date "2026-12-31"; "" when none
  std::string status = "open";  ///< "open", "completed" or "withdrawn"
  std::string result;           ///< what was done, when completed
  std::string createdAt;        ///< ISO 8601 UTC
  std::string completedAt;      ///< ISO 8601 UTC, when completed
  int64_t revision = 1;         ///< optimistic lock, as for documents
};

/// Port: assignments. Adapter: storage::SqlAssignmentRepository.
class AssignmentRepository {
 public:
  virtual ~AssignmentRepository() = default;
  /// AlreadyExists for a duplicate id; InvalidArgument for an unknown document or unit, or a
  /// kind that is not one of the three.
  virtual Status addAssignment(const Assignment& assignment) = 0;
  virtual std::optional<Assignment> findAssignment(const std::string& id) = 0;
  virtual std::vector<Assignment> assignmentsOf(const std::string& documentId) = 0;
  /// Stores status, result, completedAt, instruction and due date if the stored revision is
  /// still `expectedRevision`; PreconditionFailed otherwise, NotFound for an unknown id.
  virtual Result<int64_t> updateAssignment(const Assignment& assignment,
                                           int64_t expectedRevision) = 0;
  /// Open assignments of a unit (userId empty) or of a user, soonest due first.
  virtual std::vector<Assignment> openAssignments(const std::string& unitId,
                                                  const std::string& userId = "") = 0;
  /// Open assignments of an organisation's units due before `date` (ISO date), soonest first.
  virtual std::vector<Assignment> overdueAssignments(const std::string& organisationId,
                                                     const std::string& date) = 0;
};

}  // namespace vanthu::workflow
