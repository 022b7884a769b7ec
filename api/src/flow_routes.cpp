#include "flow_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <set>

#include "action_requests.h"
#include "document_routes.h"
#include "external_signing_service.h"
#include "http_support.h"
#include "incoming_action_requests.h"
#include "incoming_flow_service.h"
#include "official_documents.h"
#include "outgoing_flow_service.h"
#include "vanthu/workflow/deadlines.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kActionSchema = R"json({"type":"object","properties":{
"action":{"enum":["submit","approve","return","reject","withdraw","sign","issue","recall",
"register","refuse","assign","assign_specialist","note","note_progress","complete",
"complete_signature"],
"description":"outgoing documents: submit, approve, return, reject, withdraw, sign, issue, recall, complete_signature (the second step of sign with an external key: pending_id and signature_value or cms); incoming documents: register (the clerk takes the incoming number), refuse (reason), assign (the leader: lead_unit_id, supporting_unit_ids, due_date, instruction), assign_specialist (the head of the lead unit: specialist_id), note (alias note_progress: text), complete (result, reply_document_id)"},
"reason":{"type":"string","maxLength":2000,"description":"refuse: the reason told to the sender (required)"},
"lead_unit_id":{"type":"string","description":"assign: the lead unit (chủ trì), a unit of the organisation"},
"supporting_unit_ids":{"type":"array","items":{"type":"string"},"description":"assign: the supporting units (phối hợp)"},
"due_date":{"type":"string","format":"date","description":"assign: the due date (default: 10 working days from today)"},
"instruction":{"type":"string","maxLength":2000,"description":"assign: the leader's instruction (bút phê)"},
"specialist_id":{"type":"string","description":"assign_specialist: a user of the lead unit"},
"text":{"type":"string","maxLength":2000,"description":"note: the progress note (required)"},
"result":{"type":"string","maxLength":2000,"description":"complete: what was done (required)"},
"reply_document_id":{"type":"string","description":"complete: the outgoing document of the organisation that answers it"},
"key_id":{"type":"string","description":"sign: the signer's key reference (an external one: the answer is 202 with the digest to sign, see complete_signature); issue: the organisation's (seal) key reference; approve at a level whose template says approval_signature: the approver's key reference (required there: 422 signature_required without it)"},
"password":{"type":"string","writeOnly":true,"description":"sign, issue and a signed approve: the PKCS#12 password or the PKCS#11 PIN of key_id; used once, never stored"},
"page":{"type":"integer","minimum":1,"description":"sign: the page of the visible signature (default 1)"},
"rectangle":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},
"width":{"type":"number","exclusiveMinimum":0},"height":{"type":"number","exclusiveMinimum":0}},
"required":["x","y","width","height"],"additionalProperties":false,
"description":"sign: the signature box in points from the page's bottom left (default: the template's signature_placement, else the PDF's own empty signature field, else the signer block of the one-page Decree 30 layout, x 334, y 175, 150 x 90)"},
"pending_id":{"type":"string","description":"complete_signature: the pending_id of the 202 answer to sign with an external key"},
"signature_value":{"type":"string","contentEncoding":"base64","description":"complete_signature: the raw signature over to_be_signed_digest (PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC)"},
"cms":{"type":"string","contentEncoding":"base64","description":"complete_signature, instead of signature_value: a whole CMS SignedData (DER) over signed_attributes by the expected certificate"},
"comment":{"type":"string","maxLength":2000,"description":"required for return and reject; for refuse, note and complete it stands in for reason, text and result"},
"to_level":{"type":"integer","minimum":1,"description":"return only: the earlier level (default 1, the drafter)"},
"skip_levels":{"type":"array","items":{"type":"integer","minimum":1},"description":"submit only: optional review levels to skip"}},
"required":["action"],"additionalProperties":false})json";

constexpr const char* kActSchema = R"json({"type":"object","properties":{
"seq":{"type":"integer","minimum":1},"action":{"type":"string"},"actor_id":{"type":"string"},
"on_behalf_of":{"type":"string","description":"whose authority, when through a delegation; \"\" otherwise"},
"role":{"type":"string","description":"the role acted with; \"\" for the drafter's own acts"},
"authority_marker":{"type":"string","description":"KT. / TUQ. on a delegated signature; \"\" otherwise"},
"from_level":{"type":"integer"},"to_level":{"type":"integer"},"comment":{"type":"string"},
"at":{"type":"string","format":"date-time"},
"actor_name":{"type":"string","description":"lists of acts (the timeline, the dashboard): the actor's full name; \"\" when unknown"},
"on_behalf_of_name":{"type":"string","description":"lists of acts: the full name of on_behalf_of; \"\" when there is none"}},
"required":["seq","action","actor_id","on_behalf_of","role","authority_marker","from_level",
"to_level","comment","at"]})json";

constexpr const char* kActionResultSchema = R"json({"type":"object","properties":{
"document":{"$ref":"#/components/schemas/Document"},"act":{"$ref":"#/components/schemas/Act"},
"exchange_status":{"type":"string","description":"incoming documents: the edXML status code the sender is to be told (01 received, 02 refused, 03 registered, 04 assigned, 05 in progress, 06 completed)"}},
"required":["document","act"]})json";

constexpr const char* kIncomingSchema = R"json({"type":"object","properties":{
"document_id":{"type":"string"},
"status":{"enum":["received","registered","refused","assigned","in_progress","completed"]},
"exchange_status":{"type":"string","description":"the edXML status code of status"},
"number":{"type":["integer","null"],"description":"the incoming number (số đến) once registered"},
"notation":{"type":["string","null"],"description":"the incoming number as written (\"01\")"},
"register_id":{"type":["string","null"]},"register_year":{"type":["integer","null"]},
"lead_unit_id":{"type":"string"},"supporting_unit_ids":{"type":"array","items":{"type":"string"}},
"due_date":{"type":"string","description":"ISO date; \"\" until assigned"},
"deadline_status":{"enum":["none","on_time","due_soon","overdue"],"description":"the due date against today in Vietnam; none once completed or refused"},
"instruction":{"type":"string"},"specialist_id":{"type":"string"},"result":{"type":"string"},
"reply_document_id":{"type":["string","null"]},
"verification_verdict":{"type":"string","description":"the verdict of the signatures checked on arrival"},
"verification_report":{"$ref":"#/components/schemas/VerificationReport"},
"updated_at":{"type":"string","format":"date-time"}},
"required":["document_id","status","exchange_status","number","lead_unit_id","supporting_unit_ids",
"due_date","deadline_status","instruction","specialist_id","result","reply_document_id",
"verification_verdict","verification_report","updated_at"]})json";

constexpr const char* kActListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/Act"}}},"required":["items"]})json";

// The fields of an action body: the outgoing ones and the incoming ones.
const std::set<std::string>& actionFields() {
  static const std::set<std::string> all = [] {
    std::set<std::string> fields = kActionFields;
    fields.insert(kIncomingActionFields.begin(), kIncomingActionFields.end());
    fields.insert(kExternalSigningFields.begin(), kExternalSigningFields.end());
    return fields;
  }();
  return all;
}

void actOnIncoming(ApiServices& services, RequestContext& context, const Object& body) {
  const auto& principal = *context.principal;
  auto action = incomingActionOf(body);
  if (!action) return sendProblem(context, action.status());
  auto expected = expectedRevision(context);
  if (!expected) return sendProblem(context, expected.status());
  IncomingActionRequest request;
  request.documentId = context.pathParameters["id"];
  request.expectedRevision = expected.value();
  request.action = action.value();
  request.caller = viewerOf(principal);
  request.clientAddress = context.request.clientAddress().host().toString();
  request.exchange = services.exchange;
  Poco::Timestamp now;
  request.now = static_cast<int64_t>(now.epochTime());
  request.nowIso = Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ");
  auto outcome = services.withDatabase(
      [&](storage::Database& database) { return IncomingFlowService(database).apply(request); });
  if (!outcome) return sendProblem(context, outcome.status());
  services.log.info("document_action", {{"request_id", context.requestId},
                                        {"document_id", request.documentId},
                                        {"user_id", principal.userId},
                                        {"action", outcome.value().act.act.action},
                                        {"exchange_status", outcome.value().exchangeStatus}});
  Object result;
  result.set("document", documentJson(outcome.value().document));
  result.set("act", actJson(outcome.value().act));
  result.set("exchange_status", outcome.value().exchangeStatus);
  context.response.set("ETag", documentTag(outcome.value().document));
  sendJson(context, 200, result);
}

Poco::Dynamic::Var orNull(const std::string& value) {
  return value.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(value);
}

Object::Ptr incomingJson(const IncomingView& view, const std::string& today) {
  const auto& state = view.incoming.state;
  const auto& document = view.document;
  Object::Ptr json = new Object;
  json->set("document_id", document.id);
  json->set("status", std::string(workflow::incomingStatusName(state.status)));
  json->set("exchange_status", std::string(workflow::exchangeStatusCode(state.status)));
  json->set("number", document.registerNumber ? Poco::Dynamic::Var(*document.registerNumber)
                                              : Poco::Dynamic::Var());
  json->set("notation",
            document.notation ? Poco::Dynamic::Var(*document.notation) : Poco::Dynamic::Var());
  json->set("register_id",
            document.registerId ? Poco::Dynamic::Var(*document.registerId) : Poco::Dynamic::Var());
  json->set("register_year", document.registerYear ? Poco::Dynamic::Var(*document.registerYear)
                                                   : Poco::Dynamic::Var());
  json->set("lead_unit_id", state.leadUnitId);
  Array::Ptr supporting = new Array;
  for (const auto& unit : state.supportingUnitIds) supporting->add(unit);
  json->set("supporting_unit_ids", supporting);
  json->set("due_date", state.dueDate);
  // A finished document is not late any more.
  auto deadline = workflow::isFinal(state.status)
                      ? workflow::DeadlineStatus::NoDeadline
                      : workflow::classifyDeadline(state.dueDate, today);
  json->set("deadline_status", std::string(workflow::deadlineStatusName(deadline)));
  json->set("instruction", state.instruction);
  json->set("specialist_id", state.specialistId);
  json->set("result", state.result);
  json->set("reply_document_id", orNull(state.replyDocumentId));
  json->set("verification_verdict", view.incoming.verificationVerdict);
  Poco::Dynamic::Var report;
  try {
    report = Poco::JSON::Parser().parse(view.incoming.verificationReport);
  } catch (const Poco::Exception&) {
    report = Poco::Dynamic::Var();
  }
  json->set("verification_report", report);
  json->set("updated_at", view.incoming.updatedAt);
  return json;
}

}  // namespace

void registerFlowRoutes(Router& router, ApiServices& services) {
  router.addSchema("DocumentAction", kActionSchema);
  router.addSchema("Act", kActSchema);
  router.addSchema("DocumentActionResult", kActionResultSchema);
  router.addSchema("ActList", kActListSchema);
  router.addSchema("IncomingState", kIncomingSchema);
  registerExternalSigningRoutes(router, services);

  router.add(
      {"POST",
       "/api/v1/documents/{id}/actions",
       Access::anyUser(),
       {"Act on a document's flow. Outgoing: submit, approve (key_id, password at a level "
        "that records approvals as signatures), return (to_level, comment), reject "
        "(comment), withdraw, sign (key_id, password, page, rectangle: the leader's certifying "
        "signature; with an external key_id the answer is 202 PendingSignature and nothing "
        "changes), complete_signature (pending_id, signature_value or cms: the external "
        "signature goes on and the sign act is done), issue (key_id, password: number, date and "
        "the organisation's seal "
        "signature), recall (comment). Incoming: register (the clerk; the incoming number), "
        "refuse (reason), assign (the leader: lead_unit_id, supporting_unit_ids, due_date, "
        "instruction), assign_specialist (the lead unit's head: specialist_id), note (text), "
        "complete (result, reply_document_id). If-Match required",
        "documents",
        "DocumentAction",
        200,
        "DocumentActionResult",
        {},
        {403, 404, 409, 410, 412, 422, 428},
        {{202, "PendingSignature"}}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(context, actionFields());
        if (!body) return sendProblem(context, body.status());
        if (body.value()->has("action") && body.value()->get("action").isString() &&
            isIncomingActionName(body.value()->getValue<std::string>("action"))) {
          return actOnIncoming(services, context, *body.value());
        }
        if (body.value()->has("action") && body.value()->get("action").isString() &&
            body.value()->getValue<std::string>("action") == kCompleteSignatureAction) {
          return completeExternalSignature(services, context, *body.value());
        }
        for (const auto& field : kExternalSigningFields) {
          if (body.value()->has(field)) {
            return sendProblem(
                context, Status::invalidArgument("field '" + field +
                                                 "' goes only with the action complete_signature"));
          }
        }
        for (const auto& field : kIncomingActionFields) {
          if (body.value()->has(field)) {
            return sendProblem(context, Status::invalidArgument(
                                            "field '" + field +
                                            "' goes only with the actions of incoming documents"));
          }
        }
        auto action = actionOf(*body.value());
        if (!action) return sendProblem(context, action.status());
        auto signingInput = signingInputOf(*body.value());
        if (!signingInput) return sendProblem(context, signingInput.status());
        OfficialDocumentProducer producer(services, signingInput.value());
        auto expected = expectedRevision(context);
        if (!expected) return sendProblem(context, expected.status());
        OutgoingActionRequest request;
        request.documentId = context.pathParameters["id"];
        request.expectedRevision = expected.value();
        request.action = action.value();
        request.caller = viewerOf(principal);
        request.producer = &producer;
        request.exchange = services.exchange;
        request.clientAddress = context.request.clientAddress().host().toString();
        Poco::Timestamp now;
        request.now = static_cast<int64_t>(now.epochTime());
        request.nowIso = Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ");
        if (request.action.kind == workflow::OutgoingActionKind::Sign &&
            usesExternalKey(services, signingInput.value(), principal.userId)) {
          return prepareExternalSignature(services, context, request, signingInput.value());
        }
        auto outcome = services.withDatabase([&](storage::Database& database) {
          return OutgoingFlowService(database).apply(request);
        });
        if (!outcome) return sendProblem(context, outcome.status());
        services.log.info("document_action", {{"request_id", context.requestId},
                                              {"document_id", request.documentId},
                                              {"user_id", principal.userId},
                                              {"action", outcome.value().act.act.action}});
        Object result;
        result.set("document", documentJson(outcome.value().document));
        result.set("act", actJson(outcome.value().act));
        context.response.set("ETag", documentTag(outcome.value().document));
        sendJson(context, 200, result);
      });

  router.add({"GET",
              "/api/v1/documents/{id}/acts",
              Access::anyUser(),
              {"The approval timeline of a document: who acted, for whom, with which role and "
               "marker, between which levels, with what comment and when; oldest first",
               "documents",
               "",
               200,
               "ActList",
               {},
               {404}}},
             [&services](RequestContext& context) {
               const std::string& id = context.pathParameters["id"];
               UserNames names;
               auto acts = services.withDatabase([&](storage::Database& database) {
                 auto timeline =
                     OutgoingFlowService(database).timeline(id, viewerOf(*context.principal));
                 if (timeline) {
                   std::vector<std::string> people;
                   for (const auto& act : timeline.value()) {
                     people.push_back(act.act.actorId);
                     people.push_back(act.act.onBehalfOfId);
                   }
                   names = userNames(database, people);
                 }
                 return timeline;
               });
               if (!acts) return sendProblem(context, acts.status());
               Array::Ptr items = new Array;
               for (const auto& act : acts.value()) items->add(actJson(act, &names));
               Object body;
               body.set("items", items);
               sendJson(context, 200, body);
             });

  router.add({"GET",
              "/api/v1/documents/{id}/incoming",
              Access::anyUser(),
              {"Where an incoming document is: status and its exchange code, the incoming number, "
               "lead and supporting units, due date and whether it is overdue, instruction, "
               "specialist, result, reply document, and the signatures' verdict on arrival",
               "documents",
               "",
               200,
               "IncomingState",
               {},
               {404}}},
             [&services](RequestContext& context) {
               const std::string& id = context.pathParameters["id"];
               auto view = services.withDatabase([&](storage::Database& database) {
                 return IncomingFlowService(database).view(id, viewerOf(*context.principal));
               });
               if (!view) return sendProblem(context, view.status());
               Poco::Timestamp now;
               auto today = vietnamToday(static_cast<int64_t>(now.epochTime()));
               context.response.set("ETag", documentTag(view.value().document));
               sendJson(context, 200, *incomingJson(view.value(), today));
             });
}

}  // namespace vanthu::api
