#include "exchange_routes.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "action_requests.h"
#include "document_routes.h"
#include "exchange_service.h"
#include "http_support.h"
#include "outgoing_flow_service.h"
#include "pdf_upload.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/workflow/agency_code.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::Role;

constexpr size_t kMaxRecipients = 500;
constexpr size_t kMaxUnitRecipients = 200;

constexpr const char* kReceiptSchema = R"json({"type":"object","properties":{
"message_id":{"type":"string","description":"SHA-256 of the message's bytes: a message delivered again has the same id and is processed once"},
"outcome":{"enum":["processed","refused","duplicate"],"description":"refused: a readable package whose document was not accepted (its signatures fail); it is kept as a refused incoming document and status 02 goes back to the sender"},
"document_id":{"type":"string"},"note":{"type":"string"}},
"required":["message_id","outcome","document_id","note"]})json";

constexpr const char* kRecipientsSchema = R"json({"type":"object","additionalProperties":false,
"properties":{"recipients":{"type":"array","maxItems":500,"items":{"type":"string","description":"agency code V1V2V3.Z1Z2.Y1Y2.X1X2X3"}},
"units":{"type":"array","maxItems":200,"items":{"type":"string","description":"a unit id of the document's own organisation"},"description":"the units of the agency itself the document is also addressed to, in order; unchanged when absent"}},
"required":["recipients"]})json";

constexpr const char* kRecipientListSchema = R"json({"type":"object","properties":{
"recipients":{"type":"array","items":{"type":"object","properties":{
"code":{"type":"string"},"name":{"type":"string"},"tier":{"type":"string"},
"level":{"type":"integer","description":"the level of the code, 1 (e.g. H55) to 4"}},
"required":["code","name","tier","level"]}},
"units":{"type":"array","items":{"type":"object","properties":{
"id":{"type":"string"},"name":{"type":"string"},"abbreviation":{"type":"string"}},
"required":["id","name","abbreviation"]}}},"required":["recipients","units"]})json";

constexpr const char* kOutboxMessageSchema = R"json({"type":"object","properties":{
"id":{"type":"string"},"recipient":{"type":"string"},"kind":{"enum":["document","status"]},
"status":{"enum":["pending","delivered","failed"]},"attempts":{"type":"integer"},
"next_attempt_at":{"type":"string"},"last_error":{"type":"string"},
"delivered_at":{"type":"string"}},
"required":["id","recipient","kind","status","attempts","next_attempt_at","last_error","delivered_at"]})json";

constexpr const char* kTrackingSchema = R"json({"type":"object","properties":{
"direction":{"enum":["outgoing","incoming"]},
"sent_as":{"type":["string","null"],"description":"outgoing: the edXML DocumentId the document was sent under"},
"recipients":{"type":"array","items":{"type":"object","properties":{
"code":{"type":"string"},"name":{"type":"string"},
"status":{"type":"string","description":"the latest event's code: queued, sent, delivery_failed, or an edXML status 01-06, 13, 15, 16"},
"events":{"type":"array","items":{"type":"object","properties":{
"status":{"type":"string"},"description":{"type":"string"},"staff":{"type":"string"},
"reported_at":{"type":"string"},"recorded_at":{"type":"string"}},
"required":["status","description","staff","reported_at","recorded_at"]}}},
"required":["code","name","status","events"]}},
"outbox":{"type":"array","items":{"$ref":"#/components/schemas/OutboxMessage"}},
"origin":{"type":["object","null"],"description":"incoming: the agency that sent it and the document's identity there","properties":{
"sender_code":{"type":"string"},"sender_name":{"type":"string"},"document_id":{"type":"string"},
"code_number":{"type":"string"},"code_notation":{"type":"string"},
"promulgation_date":{"type":"string"},"recalled_at":{"type":["string","null"]}}}},
"required":["direction","recipients","outbox"]})json";

/// Checks the codes: well formed, in the directory, not repeated.
Result<std::vector<workflow::Organisation>> recipientsOf(
    const Object& body, const std::vector<workflow::Organisation>& directory) {
  auto value = body.get("recipients");
  if (value.isEmpty() || value.type() != typeid(Array::Ptr)) {
    return Status::invalidArgument("field 'recipients' must be an array of agency codes");
  }
  const auto& array = *value.extract<Array::Ptr>();
  if (array.size() > kMaxRecipients) {
    return Status::invalidArgument("a document has at most 500 recipients");
  }
  std::vector<workflow::Organisation> found;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string where = "recipients[" + std::to_string(i) + "]";
    auto item = array.get(static_cast<unsigned>(i));
    if (!item.isString()) return Status::invalidArgument(where + " must be an agency code");
    auto code = workflow::AgencyCode::parse(item.convert<std::string>());
    if (!code) return Status::invalidArgument(where + ": " + code.status().message());
    auto organisation = std::find_if(directory.begin(), directory.end(),
                                     [&](const auto& o) { return o.code == code.value().text(); });
    if (organisation == directory.end()) {
      return Status::invalidArgument(where + ": no agency " + code.value().text() +
                                     " in the directory");
    }
    if (organisation->dissolvedOn) {
      return Status::invalidArgument(where + ": " + organisation->name + " was dissolved on " +
                                     *organisation->dissolvedOn);
    }
    for (const auto& earlier : found) {
      if (earlier.code == organisation->code) {
        return Status::invalidArgument(where + ": " + organisation->code + " is listed twice");
      }
    }
    found.push_back(*organisation);
  }
  return found;
}

/// Checks the body's optional "units": unit ids of `units` (the document's organisation's), not
/// repeated. Leaves `chosen` empty and `given` false when the field is absent.
Status unitRecipientsOf(const Object& body, const std::vector<workflow::Unit>& units,
                        std::vector<workflow::Unit>& chosen, bool& given) {
  given = body.has("units");
  if (!given) return Status::ok();
  auto value = body.get("units");
  if (value.isEmpty() || value.type() != typeid(Array::Ptr)) {
    return Status::invalidArgument("field 'units' must be an array of unit ids");
  }
  const auto& array = *value.extract<Array::Ptr>();
  if (array.size() > kMaxUnitRecipients) {
    return Status::invalidArgument("a document is addressed to at most 200 units");
  }
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string where = "units[" + std::to_string(i) + "]";
    auto item = array.get(static_cast<unsigned>(i));
    if (!item.isString()) return Status::invalidArgument(where + " must be a unit id");
    const std::string id = item.convert<std::string>();
    auto unit = std::find_if(units.begin(), units.end(), [&](const auto& u) { return u.id == id; });
    if (unit == units.end()) {
      return Status::invalidArgument(where + ": no unit " + id + " in the document's organisation");
    }
    for (const auto& earlier : chosen) {
      if (earlier.id == id) return Status::invalidArgument(where + ": " + id + " is listed twice");
    }
    chosen.push_back(*unit);
  }
  return Status::ok();
}

Object::Ptr unitRecipientJson(const workflow::Unit& unit) {
  Object::Ptr json = new Object;
  json->set("id", unit.id);
  json->set("name", unit.name);
  json->set("abbreviation", unit.abbreviation);
  return json;
}

/// The units of `organisationId` named by `ids`, in that order (a unit since removed is left out).
Array::Ptr unitRecipientsJson(storage::Database& database, const std::string& organisationId,
                              const std::vector<std::string>& ids) {
  auto units = storage::SqlDirectoryRepository(database).listUnits(organisationId);
  Array::Ptr items = new Array;
  for (const auto& id : ids) {
    for (const auto& unit : units) {
      if (unit.id == id) items->add(unitRecipientJson(unit));
    }
  }
  return items;
}

Object::Ptr recipientJson(const workflow::Organisation& organisation) {
  Object::Ptr json = new Object;
  json->set("code", organisation.code);
  json->set("name", organisation.name);
  json->set("tier", organisation.tierCode);
  auto code = workflow::AgencyCode::parse(organisation.code);
  json->set("level", code ? code.value().level() : 0);
  return json;
}

Object::Ptr outboxJson(const workflow::OutboxMessage& message) {
  Object::Ptr item = new Object;
  item->set("id", message.id);
  item->set("recipient", message.recipientCode);
  item->set("kind", message.kind);
  item->set("status", message.status);
  item->set("attempts", message.attempts);
  item->set("next_attempt_at", message.nextAttemptAt);
  item->set("last_error", message.lastError);
  item->set("delivered_at", message.deliveredAt);
  return item;
}

Object::Ptr trackingJson(storage::Database& database, const workflow::DocumentRecord& document) {
  storage::SqlExchangeState state(database);
  Object::Ptr json = new Object;
  json->set("direction", document.direction);
  auto sentAs = state.sentAs(document.id);
  json->set("sent_as", sentAs ? Poco::Dynamic::Var(*sentAs) : Poco::Dynamic::Var());
  auto directory = storage::SqlDirectoryRepository(database).listOrganisations();
  auto events = state.tracking(document.id);
  Array::Ptr recipients = new Array;
  for (const auto& code : state.recipients(document.id)) {
    Object::Ptr recipient = new Object;
    recipient->set("code", code);
    auto organisation = std::find_if(directory.begin(), directory.end(),
                                     [&](const auto& o) { return o.code == code; });
    recipient->set("name", organisation == directory.end() ? "" : organisation->name);
    Array::Ptr line = new Array;
    std::string latest = "draft";
    for (const auto& event : events) {
      if (event.recipientCode != code) continue;
      Object::Ptr item = new Object;
      item->set("status", event.statusCode);
      item->set("description", event.description);
      item->set("staff", event.staff);
      item->set("reported_at", event.reportedAt);
      item->set("recorded_at", event.recordedAt);
      line->add(item);
      latest = event.statusCode;
    }
    recipient->set("status", latest);
    recipient->set("events", line);
    recipients->add(recipient);
  }
  json->set("recipients", recipients);
  Array::Ptr outbox = new Array;
  for (const auto& message : storage::SqlExchangeRepository(database).outboxOf(document.id)) {
    outbox->add(outboxJson(message));
  }
  json->set("outbox", outbox);
  if (auto origin = state.originOf(document.id)) {
    Object::Ptr o = new Object;
    o->set("sender_code", origin->senderCode);
    o->set("sender_name", origin->senderName);
    o->set("document_id", origin->edxmlDocumentId);
    o->set("code_number", origin->codeNumber);
    o->set("code_notation", origin->codeNotation);
    o->set("promulgation_date", origin->promulgationDate);
    o->set("recalled_at", origin->recalledAt.empty() ? Poco::Dynamic::Var()
                                                     : Poco::Dynamic::Var(origin->recalledAt));
    json->set("origin", o);
  } else {
    json->set("origin", Poco::Dynamic::Var());
  }
  return json;
}

/// Answers `render(database, document)` for a document the caller may see, 404 otherwise.
template <typename Render>
void sendForVisibleDocument(ApiServices& services, RequestContext& context, Render render) {
  const auto& id = context.pathParameters["id"];
  auto json = services.withDatabase([&](storage::Database& database) -> Object::Ptr {
    auto document = loadVisibleDocument(database, id, viewerOf(*context.principal));
    if (!document) return nullptr;
    return render(database, *document);
  });
  if (!json) return sendProblem(context, Status::notFound("no document " + id));
  sendJson(context, 200, *json);
}

}  // namespace

void registerExchangeRoutes(Router& router, ApiServices& services, ExchangeService& exchange) {
  router.addSchema("ExchangeReceipt", kReceiptSchema);
  router.addSchema("RecipientsChange", kRecipientsSchema);
  router.addSchema("RecipientList", kRecipientListSchema);
  router.addSchema("ExchangeTracking", kTrackingSchema);
  router.addSchema("OutboxMessage", kOutboxMessageSchema);

  router.add(
      {"POST",
       "/api/v1/exchange/inbox",
       Access::usersWith({Role::Clerk, Role::Administrator}).orApiToken("exchange:inbox"),
       {"Deliver an edXML package (or, with X-Edxml-Message-Type: status, a status message) to "
        "your organisation: another agency's outbox, or a clerk importing a package that came "
        "over another channel. Processed once per message, however often it is delivered",
        "exchange",
        "",
        200,
        "ExchangeReceipt",
        {},
        {400, 413, 415, 422, 501}}},
      [&services, &exchange](RequestContext& context) {
        const auto& principal = *context.principal;
        const std::string type = context.request.get("X-Edxml-Message-Type", "edoc");
        if (type != "edoc" && type != "status") {
          // Refused before the body is read: refuseUpload reads what the client is still
          // sending, so that it sees this answer rather than a reset connection.
          return refuseUpload(
              context, Status::invalidArgument("X-Edxml-Message-Type must be edoc or status"));
        }
        auto body =
            receiveBody(context, services.config.dataDir, exchange::ReadLimits().maxPackageBytes,
                        {"application/xml", "text/xml"});
        if (!body) return refuseUpload(context, body.status());
        auto receipt = exchange.receive(body.value().path(), type == "status",
                                        principal.organisationId, context.requestId);
        if (!receipt) return sendProblem(context, receipt.status());
        services.log.info("exchange_received", {{"request_id", context.requestId},
                                                {"message_id", receipt.value().messageId},
                                                {"outcome", receipt.value().outcome},
                                                {"document_id", receipt.value().documentId},
                                                {"organisation_id", principal.organisationId}});
        Object json;
        json.set("message_id", receipt.value().messageId);
        json.set("outcome", receipt.value().outcome);
        json.set("document_id", receipt.value().documentId);
        json.set("note", receipt.value().note);
        sendJson(context, 200, json);
      });

  router.add(
      {"GET",
       "/api/v1/documents/{id}/recipients",
       Access::anyUser(),
       {"The agencies an outgoing document is (to be) sent to, in order",
        "exchange",
        "",
        200,
        "RecipientList",
        {},
        {404}}},
      [&services](RequestContext& context) {
        sendForVisibleDocument(
            services, context,
            [](storage::Database& database, const workflow::DocumentRecord& document) {
              auto directory = storage::SqlDirectoryRepository(database).listOrganisations();
              Array::Ptr items = new Array;
              for (const auto& code : storage::SqlExchangeState(database).recipients(document.id)) {
                for (const auto& o : directory) {
                  if (o.code == code) items->add(recipientJson(o));
                }
              }
              Object::Ptr result = new Object;
              result->set("recipients", items);
              result->set("units",
                          unitRecipientsJson(
                              database, document.organisationId,
                              storage::SqlExchangeState(database).unitRecipients(document.id)));
              return result;
            });
      });

  router.add(
      {"PUT",
       "/api/v1/documents/{id}/recipients",
       Access::anyUser(),
       {"Set the agencies an outgoing document is to be sent to when it is issued (nơi nhận): "
        "its drafter, a clerk or an administrator, until it is issued. Audited",
        "exchange",
        "RecipientsChange",
        200,
        "RecipientList",
        {},
        {403, 404, 409, 422}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        auto body = readJsonObject(context, {"recipients", "units"});
        if (!body) return sendProblem(context, body.status());
        Object::Ptr result = new Object;
        auto status = services.withDatabase([&](storage::Database& database) {
          storage::SqlDocumentRepository documents(database);
          return documents.inTransaction([&]() -> Status {
            if (!documents.lockDocument(id)) return Status::notFound("no document " + id);
            auto document = loadVisibleDocument(database, id, viewerOf(principal));
            if (!document) return Status::notFound("no document " + id);
            if (document->direction != "outgoing") {
              return Status::invalidState("recipients are for outgoing documents");
            }
            static const std::set<std::string> closed = {"issued", "recalled", "rejected",
                                                         "withdrawn"};
            if (closed.count(document->status)) {
              return Status::invalidState("document " + id + " is " + document->status +
                                          "; its recipients can no longer change");
            }
            bool mayEdit = document->createdBy == principal.userId;
            for (const auto& grant : principal.roles) {
              mayEdit = mayEdit || grant.role == Role::Clerk || grant.role == Role::Administrator;
            }
            if (!mayEdit) {
              return Status::forbidden(
                  "only the drafter, a clerk or an administrator may set the recipients");
            }
            auto directory = storage::SqlDirectoryRepository(database).listOrganisations();
            auto recipients = recipientsOf(*body.value(), directory);
            if (!recipients) return recipients.status();
            std::vector<std::string> codes;
            Array::Ptr items = new Array;
            for (const auto& o : recipients.value()) {
              codes.push_back(o.code);
              items->add(recipientJson(o));
            }
            std::vector<workflow::Unit> units;
            bool unitsGiven = false;
            if (auto checked = unitRecipientsOf(
                    *body.value(),
                    storage::SqlDirectoryRepository(database).listUnits(document->organisationId),
                    units, unitsGiven);
                !checked) {
              return checked;
            }
            storage::SqlExchangeState state(database);
            state.setRecipients(id, codes);
            std::vector<std::string> unitIds;
            for (const auto& unit : units) unitIds.push_back(unit.id);
            if (unitsGiven) state.setUnitRecipients(id, unitIds);
            result->set("recipients", items);
            result->set("units", unitRecipientsJson(database, document->organisationId,
                                                    state.unitRecipients(id)));
            workflow::AuditEntry entry;
            entry.actor = principal.userId;
            entry.organisationId = document->organisationId;
            entry.documentId = id;
            entry.action = "set_recipients";
            std::string list;
            for (const auto& code : codes) list += (list.empty() ? "" : ", ") + code;
            if (unitsGiven) {
              std::string unitList;
              for (const auto& unit : unitIds) unitList += (unitList.empty() ? "" : ", ") + unit;
              list += "; units: " + unitList;
            }
            entry.details = list;
            entry.clientAddress = context.request.clientAddress().host().toString();
            storage::SqlAuditLog(database, nullptr).append(entry);
            return Status::ok();
          });
        });
        if (!status) return sendProblem(context, status);
        sendJson(context, 200, *result);
      });

  router.add(
      {"POST",
       "/api/v1/exchange/outbox/{id}/retry",
       Access::usersWith({Role::Clerk, Role::Administrator}),
       {"Send again a message the outbox gave up (after the recipient's endpoint or token was "
        "corrected): pending at once, its attempts counted anew. A clerk or an administrator of "
        "the organisation of the message's document. Audited",
        "exchange",
        "",
        200,
        "OutboxMessage",
        {},
        {404, 409}}},
      [&services, &exchange](RequestContext& context) {
        const auto& principal = *context.principal;
        const auto& id = context.pathParameters["id"];
        Object::Ptr result;
        auto status = services.withDatabase([&](storage::Database& database) {
          storage::SqlDocumentRepository documents(database);
          return documents.inTransaction([&]() -> Status {
            storage::SqlExchangeRepository outbox(database);
            auto message = outbox.outboxMessage(id);
            std::optional<workflow::DocumentRecord> document;
            if (message) document = documents.findDocument(message->documentId);
            if (!document || document->organisationId != principal.organisationId) {
              return Status::notFound("no outbox message " + id);
            }
            const std::string now = isoTime(static_cast<int64_t>(std::time(nullptr)));
            if (auto requeued = outbox.requeue(id, now); !requeued) return requeued;
            workflow::AuditEntry entry;
            entry.actor = principal.userId;
            entry.organisationId = document->organisationId;
            entry.documentId = document->id;
            entry.action = "exchange_retry";
            entry.details = "outbox message " + id + " to " + message->recipientCode +
                            " after: " + message->lastError;
            entry.clientAddress = context.request.clientAddress().host().toString();
            storage::SqlAuditLog(database, nullptr).append(entry);
            result = outboxJson(*outbox.outboxMessage(id));
            return Status::ok();
          });
        });
        if (!status) return sendProblem(context, status);
        exchange.wakeSender();
        sendJson(context, 200, *result);
      });

  router.add({"GET",
              "/api/v1/documents/{id}/exchange",
              Access::anyUser(),
              {"The exchange of a document with other agencies: for an outgoing one, each "
               "recipient's line of statuses and the outbox; for an incoming one, where it "
               "came from and the statuses sent back",
               "exchange",
               "",
               200,
               "ExchangeTracking",
               {},
               {404}}},
             [&services](RequestContext& context) {
               sendForVisibleDocument(services, context, trackingJson);
             });
}

}  // namespace vanthu::api
