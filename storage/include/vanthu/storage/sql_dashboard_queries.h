#pragma once

// What the dashboard and the "pending" box read (DESIGN §2, deadlines): the outgoing documents of
// an organisation that wait at a level, with the time they reached it, the incoming documents
// that wait for someone's step, and the organisation's latest acts. Read-only, bounded by the
// caller's limit, parameterised.

#include <cstdint>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/workflow/document_access.h"

namespace vanthu::storage {

/// An outgoing document waiting for someone: under review, at the signature, signed and waiting
/// for issuance, or returned to its drafter.
struct WaitingDocument {
  std::string documentId;
  std::string subject;
  std::string status;  ///< "review", "signing", "signed", "returned"
  std::string templateId;
  int templateVersion = 0;
  int level = 0;
  std::string drafterId;
  std::string drafterUnitId;
  /// Whose authority approved at the current level so far (an "all of N" level).
  std::vector<std::string> approvalsAtLevel;
  int64_t reachedAt = 0;  ///< the time of its latest act (Unix seconds); 0 when it has none
};

/// An incoming document waiting for a step: to be registered, assigned, given to a specialist
/// or worked on.
struct WaitingIncomingDocument {
  std::string documentId;
  std::string subject;
  std::string status;  ///< "received", "registered", "assigned", "in_progress"
  std::string leadUnitId;
  std::string specialistId;
  std::string dueDate;  ///< ISO date; "" before the leader assigns it
  int64_t reachedAt = 0;
};

/// An act with the subject of its document, for an activity list.
struct RecentAct {
  StoredAct act;
  std::string subject;
};

class SqlDashboardQueries {
 public:
  explicit SqlDashboardQueries(Database& database) : database_(database) {}

  /// At most `limit` waiting documents of `organisationId`, the longest waiting first.
  std::vector<WaitingDocument> waitingDocuments(const std::string& organisationId, int limit);

  /// At most `limit` incoming documents of `organisationId` that are neither refused nor
  /// completed, the longest waiting first.
  std::vector<WaitingIncomingDocument> waitingIncomingDocuments(const std::string& organisationId,
                                                                int limit);

  /// The latest `limit` acts on the documents `visibility` lets its viewer see (the same rule as
  /// the document lists), newest first.
  std::vector<RecentAct> recentActs(const workflow::DocumentVisibility& visibility, int limit);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
