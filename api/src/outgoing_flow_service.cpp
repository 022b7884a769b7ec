#include "outgoing_flow_service.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <ctime>
#include <set>
#include <sstream>

#include "outgoing_template_choice.h"
#include "pending_work.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_delegation_repository.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_register_repository.h"
#include "vanthu/storage/sql_template_repository.h"
#include "vanthu/workflow/document_types.h"

namespace vanthu::api {
namespace {

std::string auditDetails(const workflow::Act& act) {
  Poco::JSON::Object details;
  details.set("on_behalf_of", act.onBehalfOfId);
  details.set("role", act.role);
  details.set("authority_marker", act.authorityMarker);
  details.set("from_level", act.fromLevel);
  details.set("to_level", act.toLevel);
  details.set("comment", act.comment);
  std::ostringstream out;
  details.stringify(out);
  return out.str();
}

struct CalendarDate {
  int year = 0;
  int month = 0;
  int day = 0;
};

// Documents are dated in Vietnam's calendar (UTC+7, no daylight saving time).
CalendarDate vietnamCalendarDate(int64_t unixSeconds) {
  std::time_t local = static_cast<std::time_t>(unixSeconds + 7 * 3600);
  std::tm parts{};
  gmtime_r(&local, &parts);
  return {parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday};
}

Status approvalSignatureRequired(const workflow::Act& act) {
  return Status(ErrorCode::SignatureRequired,
                "level " + std::to_string(act.fromLevel) +
                    " of this document's template records the approval as a signature: give "
                    "key_id and its password or PIN");
}

}  // namespace

Result<workflow::DocumentVersion> VersionProducer::approve(storage::Database& database,
                                                           const workflow::DocumentRecord& document,
                                                           const workflow::DocumentVersion& latest,
                                                           const workflow::Act& act) {
  (void)database;
  (void)document;
  (void)latest;
  return approvalSignatureRequired(act);
}

Result<std::string> registerOf(storage::Database& database, const std::string& organisationId,
                               const std::string& direction) {
  for (const auto& each : storage::SqlRegisterRepository(database).listRegisters(organisationId)) {
    if (each.direction == direction) return each.id;
  }
  bool outgoing = direction == "outgoing";
  workflow::Register opened{
      organisationId + (outgoing ? "-van-ban-di" : "-van-ban-den"), organisationId,
      outgoing ? "Sổ đăng ký văn bản đi" : "Sổ đăng ký văn bản đến", direction};
  if (auto created = storage::SqlDocumentRepository(database).createRegister(opened); !created) {
    return created;
  }
  return opened.id;
}

Status OutgoingFlowService::takeNumber(workflow::DocumentRecord& document,
                                       const storage::StoredFlow& flow, int year) {
  storage::SqlDirectoryRepository directory(database_);
  auto organisation = directory.findOrganisation(document.organisationId);
  if (!organisation) {
    return Status(ErrorCode::Internal, "organisation " + document.organisationId + " is missing");
  }
  auto type = document.documentType.empty()
                  ? workflow::documentTypeByKey("cong_van")
                  : workflow::documentTypeByAbbreviation(document.documentType);
  if (!type) type = workflow::documentTypeByKey(document.documentType);
  if (!type) {
    return Status::invalidArgument("document type '" + document.documentType +
                                   "' is not a Decree 30 type; correct it before issuing");
  }
  std::string unitAbbreviation;
  if (!flow.state.drafterUnitId.empty()) {
    for (const auto& unit : directory.listUnits(document.organisationId)) {
      if (unit.id == flow.state.drafterUnitId) unitAbbreviation = unit.abbreviation;
    }
  }
  // The notation with a stand-in number: the register puts the real one in its place.
  auto notation = workflow::formNotation(1, *type, organisation->abbreviation, unitAbbreviation);
  if (!notation) return notation.status();
  std::string pattern = "{n}" + notation.value().substr(notation.value().find('/'));

  auto registerId = registerOf(database_, document.organisationId, "outgoing");
  if (!registerId) return registerId.status();
  storage::SqlDocumentRepository documents(database_);
  auto number = documents.issue(document.id, document.revision, registerId.value(), year, pattern);
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

Status OutgoingFlowService::startFlow(const workflow::DocumentRecord& document,
                                      const std::string& templateId) {
  auto flow = draftFlow(document, templateId);
  if (!flow) return flow.status();
  return storage::SqlFlowRepository(database_).createFlow(flow.value());
}

Result<storage::StoredFlow> OutgoingFlowService::draftFlow(const workflow::DocumentRecord& document,
                                                           const std::string& templateId) {
  auto flowTemplate = chooseOutgoingTemplate(database_, document.organisationId, templateId);
  if (!flowTemplate) return flowTemplate.status();
  storage::StoredFlow flow;
  flow.documentId = document.id;
  flow.templateId = flowTemplate.value().id;
  flow.templateVersion = flowTemplate.value().version;
  std::string unit;
  if (auto drafter = storage::SqlDirectoryRepository(database_).findUser(document.createdBy)) {
    unit = drafter->unitId.value_or("");
  }
  flow.state = workflow::newDraft(document.organisationId, document.createdBy, unit);
  return flow;
}

std::optional<workflow::DocumentRecord> loadVisibleDocument(
    storage::Database& database, const std::string& documentId,
    const workflow::DocumentViewer& caller) {
  auto document = storage::SqlDocumentRepository(database).findDocument(documentId);
  if (!document) return std::nullopt;
  std::vector<workflow::Assignment> assignments;
  if (workflow::isConfidential(*document) && document->organisationId == caller.organisationId) {
    assignments = storage::SqlAssignmentRepository(database).assignmentsOf(documentId);
  }
  if (workflow::canSeeDocument(caller, *document, assignments)) return document;
  if (!workflow::isConfidential(*document) || caller.userId.empty() ||
      document->organisationId != caller.organisationId) {
    return std::nullopt;
  }
  // What the flows say is read only now, for a confidential document the simpler rules hide.
  workflow::DocumentInvolvement involvement;
  for (const auto& stored : storage::SqlFlowRepository(database).acts(documentId)) {
    if (stored.act.actorId == caller.userId || stored.act.onBehalfOfId == caller.userId) {
      involvement.actedOn = true;
      break;
    }
  }
  if (!involvement.actedOn) {
    const auto now = static_cast<int64_t>(std::time(nullptr));
    const auto waiting =
        pendingWorkOf(database, loadActor(database, caller, now), now).idsForActor();
    involvement.awaitsViewer =
        std::find(waiting.begin(), waiting.end(), documentId) != waiting.end();
  }
  if (!workflow::canSeeDocument(caller, *document, assignments, involvement)) return std::nullopt;
  return document;
}

std::optional<workflow::DocumentRecord> OutgoingFlowService::visibleDocument(
    const std::string& documentId, const workflow::DocumentViewer& caller) {
  return loadVisibleDocument(database_, documentId, caller);
}

Result<storage::StoredFlow> OutgoingFlowService::flowOf(const workflow::DocumentRecord& document) {
  storage::SqlFlowRepository flows(database_);
  if (auto flow = flows.findFlow(document.id)) return *flow;
  // A document created before flows were kept: it can only be a draft, and starts now.
  if (document.status != "draft") {
    return Status::invalidState("document " + document.id + " is " + document.status +
                                " and has no approval flow");
  }
  if (auto started = startFlow(document); !started) return started;
  auto flow = flows.findFlow(document.id);
  if (!flow) return Status(ErrorCode::Internal, "the flow of " + document.id + " was not kept");
  return *flow;
}

workflow::Actor loadActor(storage::Database& database, const workflow::DocumentViewer& caller,
                          int64_t now) {
  workflow::Actor actor;
  actor.userId = caller.userId;
  actor.organisationId = caller.organisationId;
  actor.grants = caller.roles;
  storage::SqlDirectoryRepository directory(database);
  std::set<std::string> givers;
  for (auto& delegation :
       storage::SqlDelegationRepository(database).listDelegations(caller.organisationId)) {
    if (delegation.toUserId != caller.userId) continue;
    // Only what could be in force now; the domain decides on scope and revocation.
    if (delegation.startsAt > now || delegation.endsAt <= now) continue;
    if (delegation.revokedAt != 0 && delegation.revokedAt <= now) continue;
    givers.insert(delegation.fromUserId);
    actor.delegationsToActor.push_back(std::move(delegation));
  }
  for (const auto& giver : givers) {
    auto grants = directory.roleGrantsOf(giver);
    actor.grantsOfDelegators.insert(actor.grantsOfDelegators.end(), grants.begin(), grants.end());
  }
  return actor;
}

workflow::Actor OutgoingFlowService::actorOf(const workflow::DocumentViewer& caller, int64_t now) {
  return loadActor(database_, caller, now);
}

Result<OutgoingActionOutcome> OutgoingFlowService::apply(const OutgoingActionRequest& request) {
  storage::SqlDocumentRepository documents(database_);
  storage::SqlFlowRepository flows(database_);
  const std::string& id = request.documentId;
  OutgoingActionOutcome outcome;
  auto done = documents.inTransaction([&]() -> Status {
    // The lock comes before every read: concurrent acts on one document queue here, and each
    // after the first finds the revision moved on.
    if (auto locked = documents.lockDocument(id); !locked) {
      return Status::notFound("no document " + id);
    }
    auto document = visibleDocument(id, request.caller);
    if (!document) return Status::notFound("no document " + id);
    if (document->revision != request.expectedRevision) {
      return Status(ErrorCode::PreconditionFailed,
                    "document " + id + " is at revision " + std::to_string(document->revision) +
                        ", not " + std::to_string(request.expectedRevision) + "; reload it");
    }
    if (document->direction != "outgoing") {
      return Status::invalidState("document " + id + " is " + document->direction +
                                  "; the approval actions are for outgoing documents");
    }
    auto flow = flowOf(*document);
    if (!flow) return flow.status();
    auto flowTemplate = storage::SqlTemplateRepository(database_).findTemplate(
        flow.value().templateId, flow.value().templateVersion);
    if (!flowTemplate) {
      return Status(ErrorCode::Internal, "template " + flow.value().templateId + " version " +
                                             std::to_string(flow.value().templateVersion) +
                                             " of document " + id + " is missing");
    }
    auto transition =
        workflow::applyOutgoing(*flowTemplate, flow.value().state,
                                actorOf(request.caller, request.now), request.action, request.now);
    if (!transition) return transition.status();

    const auto& decided = transition.value();
    int64_t currentRevision = request.expectedRevision;
    std::optional<workflow::DocumentVersion> issuedVersion;
    if (decided.signatureRequired || decided.numberRequired) {
      if (!request.producer) {
        return Status::invalidArgument(
            "this action makes a new signed PDF and needs the key to "
            "sign with (key_id and its password or PIN)");
      }
      auto versions = documents.versions(id);
      if (versions.empty()) {
        return Status::invalidState("document " + id + " has no PDF to sign; upload one first");
      }
      Result<workflow::DocumentVersion> produced = Status(ErrorCode::Internal, "no PDF was made");
      if (decided.numberRequired) {
        // The number is taken in this transaction: if anything after it fails, the number
        // goes back with the rest, so the register has no gaps.
        auto date = vietnamCalendarDate(request.now);
        if (auto taken = takeNumber(*document, flow.value(), date.year); !taken) return taken;
        currentRevision = document->revision;
        produced = request.producer->issue(database_, *document, versions.back(), date.year,
                                           date.month, date.day, decided.act);
      } else {
        produced = request.producer->sign(database_, *document, versions.back(), decided.act);
      }
      if (!produced) return produced.status();
      auto added = documents.addVersion(produced.value());
      if (!added) return added.status();
      if (decided.numberRequired) {
        issuedVersion = produced.value();
        issuedVersion->number = added.value();
      }
    } else if (decided.approvalSignature) {
      if (!request.producer) return approvalSignatureRequired(decided.act);
      auto versions = documents.versions(id);
      if (versions.empty()) {
        return Status::invalidState("document " + id + " has no PDF to sign; upload one first");
      }
      auto produced = request.producer->approve(database_, *document, versions.back(), decided.act);
      if (!produced) return produced.status();
      if (auto added = documents.addVersion(produced.value()); !added) return added.status();
    }

    document->status = std::string(workflow::outgoingStatusName(transition.value().state.status));
    document->updatedAt = request.nowIso;
    auto revision = documents.updateDocument(*document, currentRevision);
    if (!revision) return revision.status();
    document->revision = revision.value();

    storage::StoredFlow next = flow.value();
    next.state = transition.value().state;
    if (auto stored = flows.updateFlow(next); !stored) return stored;
    auto act = flows.appendAct(id, transition.value().act);
    if (!act) return act.status();

    workflow::AuditEntry entry;
    entry.actor = request.caller.userId;
    entry.organisationId = document->organisationId;
    entry.documentId = id;
    entry.action = act.value().act.action;
    entry.details = auditDetails(act.value().act);
    entry.clientAddress = request.clientAddress;
    storage::SqlAuditLog(database_, nullptr).append(entry);

    if (request.exchange && issuedVersion) {
      if (auto queued = request.exchange->issued(database_, *document, *issuedVersion); !queued) {
        return queued;
      }
    }
    if (request.exchange && decided.exchangeStatus == "13") {
      if (auto queued = request.exchange->recalled(database_, *document, act.value().act);
          !queued) {
        return queued;
      }
    }

    outcome.document = *document;
    outcome.act = act.value();
    return Status::ok();
  });
  if (!done) return done;
  return outcome;
}

std::vector<AllowedAction> OutgoingFlowService::allowedActions(
    const workflow::DocumentRecord& document, const workflow::DocumentViewer& caller, int64_t now) {
  using workflow::OutgoingActionKind;
  if (document.direction != "outgoing") return {};
  // As flowOf(), without starting the flow of an old draft: only a read.
  auto flow = [&]() -> Result<storage::StoredFlow> {
    if (auto stored = storage::SqlFlowRepository(database_).findFlow(document.id)) return *stored;
    if (document.status != "draft") return Status::invalidState("no approval flow");
    return draftFlow(document, "");
  }();
  if (!flow) return {};
  auto flowTemplate = storage::SqlTemplateRepository(database_).findTemplate(
      flow.value().templateId, flow.value().templateVersion);
  if (!flowTemplate) return {};
  const auto actor = actorOf(caller, now);
  const auto& state = flow.value().state;
  // The reason is the caller's to give; any text stands in for it here.
  auto decide = [&](OutgoingActionKind kind, int toLevel) {
    workflow::OutgoingAction action;
    action.kind = kind;
    action.toLevel = toLevel;
    action.reason = "?";
    return workflow::applyOutgoing(*flowTemplate, state, actor, action, now);
  };
  std::vector<AllowedAction> allowed;
  for (auto kind :
       {OutgoingActionKind::Submit, OutgoingActionKind::Withdraw, OutgoingActionKind::Approve,
        OutgoingActionKind::Return, OutgoingActionKind::Reject, OutgoingActionKind::Sign,
        OutgoingActionKind::Issue, OutgoingActionKind::Recall}) {
    AllowedAction entry;
    entry.name = std::string(workflow::outgoingActionName(kind));
    if (kind == OutgoingActionKind::Return) {
      for (int level = 1; level < state.level; ++level) {
        if (decide(kind, level)) entry.returnLevels.push_back(level);
      }
      if (entry.returnLevels.empty()) continue;
    } else {
      auto transition = decide(kind, 0);
      if (!transition) continue;
      entry.approvalSignature = transition.value().approvalSignature;
    }
    allowed.push_back(std::move(entry));
  }
  return allowed;
}

Result<std::vector<storage::StoredAct>> OutgoingFlowService::timeline(
    const std::string& documentId, const workflow::DocumentViewer& caller) {
  if (!visibleDocument(documentId, caller)) return Status::notFound("no document " + documentId);
  return storage::SqlFlowRepository(database_).acts(documentId);
}

}  // namespace vanthu::api
