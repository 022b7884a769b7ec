#include "incoming_flow_service.h"

#include <Poco/JSON/Object.h>
#include <Poco/UUIDGenerator.h>

#include <ctime>
#include <sstream>

#include "outgoing_flow_service.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_calendar_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/storage/sql_register_repository.h"
#include "vanthu/workflow/deadlines.h"

namespace vanthu::api {
namespace {

using workflow::IncomingActionKind;
using workflow::IncomingStatus;

// The act, and what the sender is to be told: the exchange sends it later (standards §2.4).
std::string auditDetails(const workflow::Act& act, const std::string& exchangeStatus,
                         bool notifySender) {
  Poco::JSON::Object details;
  details.set("on_behalf_of", act.onBehalfOfId);
  details.set("role", act.role);
  details.set("comment", act.comment);
  details.set("exchange_status", exchangeStatus);
  details.set("notify_sender", notifySender);
  std::ostringstream out;
  details.stringify(out);
  return out.str();
}

// Incoming documents are registered in Vietnam's calendar year (UTC+7).
int vietnamYear(int64_t unixSeconds) {
  std::time_t local = static_cast<std::time_t>(unixSeconds + 7 * 3600);
  std::tm parts{};
  gmtime_r(&local, &parts);
  return parts.tm_year + 1900;
}

void appendAudit(storage::Database& database, const workflow::DocumentRecord& document,
                 const std::string& actor, const workflow::Act& act,
                 const std::string& exchangeStatus, bool notifySender,
                 const std::string& clientAddress) {
  workflow::AuditEntry entry;
  entry.actor = actor;
  entry.organisationId = document.organisationId;
  entry.documentId = document.id;
  entry.action = act.action;
  entry.details = auditDetails(act, exchangeStatus, notifySender);
  entry.clientAddress = clientAddress;
  storage::SqlAuditLog(database, nullptr).append(entry);
}

std::string newId() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

}  // namespace

std::string vietnamToday(int64_t unixSeconds) {
  int64_t local = unixSeconds + 7 * 3600;
  int64_t days = local / 86400 - (local % 86400 < 0 ? 1 : 0);
  return workflow::daysToIsoDate(static_cast<int>(days));
}

Status IncomingFlowService::receive(const workflow::DocumentRecord& document,
                                    const IncomingArrival& arrival) {
  storage::StoredIncoming incoming;
  incoming.documentId = document.id;
  incoming.state.status = IncomingStatus::Received;
  incoming.state.organisationId = document.organisationId;
  incoming.verificationVerdict = arrival.verdict;
  incoming.verificationReport = arrival.reportJson;
  incoming.updatedAt = arrival.nowIso;
  if (auto created = storage::SqlIncomingRepository(database_).createIncoming(incoming); !created) {
    return created;
  }
  workflow::Act act;
  act.action = "receive";
  act.actorId = document.createdBy;
  act.role = "clerk";
  act.comment = "signatures on arrival: " + arrival.verdict;
  act.at = arrival.now;
  auto stored = storage::SqlFlowRepository(database_).appendAct(document.id, act);
  if (!stored) return stored.status();
  appendAudit(database_, document, document.createdBy, act,
              std::string(workflow::exchangeStatusCode(IncomingStatus::Received)), true,
              arrival.clientAddress);
  return Status::ok();
}

Status IncomingFlowService::takeNumber(workflow::DocumentRecord& document, int year) {
  auto registerId = registerOf(database_, document.organisationId, "incoming");
  if (!registerId) return registerId.status();
  storage::SqlDocumentRepository documents(database_);
  // The incoming number (số đến) alone: the sender's notation is the sender's.
  auto number = documents.issue(document.id, document.revision, registerId.value(), year, "{n}");
  if (!number) return number.status();
  auto numbered = documents.findDocument(document.id);
  if (!numbered) return Status(ErrorCode::Internal, "document " + document.id + " vanished");
  document.revision = numbered->revision;
  document.registerId = numbered->registerId;
  document.registerYear = numbered->registerYear;
  document.registerNumber = numbered->registerNumber;
  document.notation = numbered->notation;
  return Status::ok();
}

Status IncomingFlowService::checkAction(const workflow::DocumentRecord& document,
                                        const workflow::IncomingAction& action,
                                        const std::string& leadUnitId) {
  storage::SqlDirectoryRepository directory(database_);
  if (action.kind == IncomingActionKind::Assign) {
    auto units = directory.listUnits(document.organisationId);
    auto known = [&](const std::string& id) {
      for (const auto& unit : units) {
        if (unit.id == id) return true;
      }
      return false;
    };
    if (!action.leadUnitId.empty() && !known(action.leadUnitId)) {
      return Status::invalidArgument("lead_unit_id '" + action.leadUnitId +
                                     "' is not a unit of organisation " + document.organisationId);
    }
    for (const auto& unit : action.supportingUnitIds) {
      if (!unit.empty() && !known(unit)) {
        return Status::invalidArgument("supporting unit '" + unit +
                                       "' is not a unit of organisation " +
                                       document.organisationId);
      }
    }
  }
  if (action.kind == IncomingActionKind::AssignSpecialist && !action.specialistId.empty()) {
    auto user = directory.findUser(action.specialistId);
    if (!user || user->organisationId != document.organisationId || !user->active) {
      return Status::invalidArgument("specialist_id '" + action.specialistId +
                                     "' is not an active user of organisation " +
                                     document.organisationId);
    }
    // The head hands the work to someone of the lead unit.
    if (user->unitId.value_or("") != leadUnitId) {
      return Status::invalidArgument("specialist_id '" + action.specialistId +
                                     "' does not work in the lead unit " + leadUnitId);
    }
  }
  if (action.kind == IncomingActionKind::Complete && !action.replyDocumentId.empty()) {
    auto reply = storage::SqlDocumentRepository(database_).findDocument(action.replyDocumentId);
    if (!reply || reply->organisationId != document.organisationId ||
        reply->direction != "outgoing") {
      return Status::invalidArgument("reply_document_id '" + action.replyDocumentId +
                                     "' is not an outgoing document of organisation " +
                                     document.organisationId);
    }
  }
  return Status::ok();
}

Status IncomingFlowService::recordAssignments(const workflow::DocumentRecord& document,
                                              const workflow::IncomingTransition& transition,
                                              const workflow::IncomingState& before,
                                              const IncomingActionRequest& request) {
  storage::SqlAssignmentRepository assignments(database_);
  const auto& state = transition.state;
  const auto& act = transition.act;
  auto base = [&](const std::string& kind, const std::string& unitId) {
    workflow::Assignment assignment;
    assignment.id = newId();
    assignment.documentId = document.id;
    assignment.kind = kind;
    assignment.unitId = unitId;
    assignment.assignedBy = act.actorId;
    assignment.onBehalfOf = act.onBehalfOfId;
    assignment.instruction = state.instruction;
    assignment.dueDate = state.dueDate;
    assignment.createdAt = request.nowIso;
    return assignment;
  };
  switch (request.action.kind) {
    case IncomingActionKind::Assign: {
      if (auto added = assignments.addAssignment(base("lead_unit", state.leadUnitId)); !added) {
        return added;
      }
      for (const auto& unit : state.supportingUnitIds) {
        if (auto added = assignments.addAssignment(base("supporting_unit", unit)); !added) {
          return added;
        }
      }
      return Status::ok();
    }
    case IncomingActionKind::AssignSpecialist: {
      // Handing the work to someone else withdraws the earlier specialist's assignment.
      if (!before.specialistId.empty()) {
        for (auto each : assignments.assignmentsOf(document.id)) {
          if (each.kind != "specialist" || each.status != "open") continue;
          each.status = "withdrawn";
          each.completedAt = request.nowIso;
          auto updated = assignments.updateAssignment(each, each.revision);
          if (!updated) return updated.status();
        }
      }
      auto assignment = base("specialist", state.leadUnitId);
      assignment.userId = state.specialistId;
      return assignments.addAssignment(assignment);
    }
    case IncomingActionKind::Complete: {
      for (auto each : assignments.assignmentsOf(document.id)) {
        if (each.status != "open") continue;
        each.status = "completed";
        each.result = state.result;
        each.completedAt = request.nowIso;
        auto updated = assignments.updateAssignment(each, each.revision);
        if (!updated) return updated.status();
      }
      return Status::ok();
    }
    default:
      return Status::ok();
  }
}

Result<IncomingActionOutcome> IncomingFlowService::apply(const IncomingActionRequest& request) {
  storage::SqlDocumentRepository documents(database_);
  storage::SqlIncomingRepository flows(database_);
  const std::string& id = request.documentId;
  IncomingActionOutcome outcome;
  auto done = documents.inTransaction([&]() -> Status {
    // The lock comes before every read, as for outgoing documents.
    if (auto locked = documents.lockDocument(id); !locked) {
      return Status::notFound("no document " + id);
    }
    auto document = loadVisibleDocument(database_, id, request.caller);
    if (!document) return Status::notFound("no document " + id);
    if (document->revision != request.expectedRevision) {
      return Status(ErrorCode::PreconditionFailed,
                    "document " + id + " is at revision " + std::to_string(document->revision) +
                        ", not " + std::to_string(request.expectedRevision) + "; reload it");
    }
    if (document->direction != "incoming") {
      return Status::invalidState("document " + id + " is " + document->direction +
                                  "; the actions " +
                                  std::string(workflow::incomingActionName(request.action.kind)) +
                                  " and its kind are for incoming documents");
    }
    if (auto handled = notTakenBack(id); !handled) return handled;
    auto flow = flows.findIncoming(id);
    if (!flow) {
      return Status::invalidState("document " + id + " arrived before incoming flows were kept");
    }
    auto action = request.action;
    if (action.kind == IncomingActionKind::Assign && action.dueDate.empty()) {
      // Counted on the organisation's holiday calendar (national days off and its own).
      auto due = storage::SqlCalendarRepository(database_)
                     .calendarOf(document->organisationId)
                     .addWorkingDays(vietnamToday(request.now), kDefaultIncomingWorkingDays);
      if (!due) return due.status();
      action.dueDate = due.value();
    }
    auto transition = workflow::applyIncoming(
        flow->state, loadActor(database_, request.caller, request.now), action, request.now);
    if (!transition) return transition.status();
    if (auto checked = checkAction(*document, action, flow->state.leadUnitId); !checked)
      return checked;

    const auto& decided = transition.value();
    int64_t currentRevision = request.expectedRevision;
    if (action.kind == IncomingActionKind::Register) {
      // The number is taken in this transaction: a failure after it gives it back.
      if (auto taken = takeNumber(*document, vietnamYear(request.now)); !taken) return taken;
      currentRevision = document->revision;
    }
    if (auto recorded = recordAssignments(*document, decided, flow->state, request); !recorded) {
      return recorded;
    }
    document->status = std::string(workflow::incomingStatusName(decided.state.status));
    document->updatedAt = request.nowIso;
    auto revision = documents.updateDocument(*document, currentRevision);
    if (!revision) return revision.status();
    document->revision = revision.value();

    storage::StoredIncoming next = *flow;
    next.state = decided.state;
    next.updatedAt = request.nowIso;
    if (auto stored = flows.updateIncoming(next); !stored) return stored;
    auto act = storage::SqlFlowRepository(database_).appendAct(id, decided.act);
    if (!act) return act.status();
    appendAudit(database_, *document, request.caller.userId, act.value().act,
                decided.exchangeStatus, decided.notifySender, request.clientAddress);
    if (request.exchange && decided.notifySender) {
      if (auto queued = request.exchange->incomingMoved(database_, *document, act.value().act,
                                                        decided.exchangeStatus);
          !queued) {
        return queued;
      }
    }

    outcome.document = *document;
    outcome.act = act.value();
    outcome.exchangeStatus = decided.exchangeStatus;
    return Status::ok();
  });
  if (!done) return done;
  return outcome;
}

Status IncomingFlowService::notTakenBack(const std::string& documentId) {
  if (auto origin = storage::SqlExchangeState(database_).originOf(documentId);
      origin && !origin->recalledAt.empty()) {
    return Status::invalidState("document " + documentId + " was taken back by its sender (" +
                                origin->senderName + ") at " + origin->recalledAt +
                                "; it is no longer handled here");
  }
  return Status::ok();
}

std::vector<AllowedAction> IncomingFlowService::allowedActions(
    const workflow::DocumentRecord& document, const workflow::DocumentViewer& caller, int64_t now) {
  if (document.direction != "incoming" || !notTakenBack(document.id)) return {};
  auto flow = storage::SqlIncomingRepository(database_).findIncoming(document.id);
  if (!flow) return {};
  const auto actor = loadActor(database_, caller, now);
  std::vector<AllowedAction> allowed;
  // What the caller chooses in the dialog (reason, unit, due date, specialist, result) has
  // stand-ins here; apply() checks the real ones.
  for (auto kind : {IncomingActionKind::Register, IncomingActionKind::Refuse,
                    IncomingActionKind::Assign, IncomingActionKind::AssignSpecialist,
                    IncomingActionKind::NoteProgress, IncomingActionKind::Complete}) {
    workflow::IncomingAction action;
    action.kind = kind;
    action.text = "?";
    action.leadUnitId = "?";
    action.dueDate = "2000-01-01";
    action.specialistId = "?";
    if (!workflow::applyIncoming(flow->state, actor, action, now)) continue;
    AllowedAction entry;
    // The route's name of note_progress is "note".
    entry.name = kind == IncomingActionKind::NoteProgress
                     ? std::string("note")
                     : std::string(workflow::incomingActionName(kind));
    if (kind == IncomingActionKind::AssignSpecialist) entry.leadUnitId = flow->state.leadUnitId;
    allowed.push_back(std::move(entry));
  }
  return allowed;
}

Result<IncomingView> IncomingFlowService::view(const std::string& documentId,
                                               const workflow::DocumentViewer& caller) {
  auto document = loadVisibleDocument(database_, documentId, caller);
  if (!document) return Status::notFound("no document " + documentId);
  auto incoming = storage::SqlIncomingRepository(database_).findIncoming(documentId);
  if (!incoming) {
    return Status::notFound("document " + documentId + " has no incoming flow");
  }
  return IncomingView{*document, *incoming};
}

}  // namespace vanthu::api
