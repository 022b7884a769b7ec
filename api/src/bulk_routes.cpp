#include "bulk_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "action_requests.h"
#include "document_routes.h"
#include "http_support.h"
#include "incoming_action_requests.h"
#include "incoming_flow_service.h"
#include "official_documents.h"
#include "outgoing_flow_service.h"
#include "vanthu/api/problem.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr size_t kMaxItems = 100;

constexpr const char* kBulkSchema = R"json({"type":"object","properties":{
"items":{"type":"array","minItems":1,"maxItems":100,"items":{"type":"object","properties":{
"id":{"type":"string","description":"the document's id"},
"if_match":{"oneOf":[{"type":"string"},{"type":"integer","minimum":1}],
"description":"the document's ETag (\"3\") or its revision (3): what If-Match is on the single-document route"},
"action":{"type":"string","description":"as DocumentAction"},
"key_id":{"type":"string"},"password":{"type":"string","writeOnly":true},
"page":{"type":"integer","minimum":1},"rectangle":{"type":"object"},
"comment":{"type":"string","maxLength":2000},"to_level":{"type":"integer","minimum":1},
"skip_levels":{"type":"array","items":{"type":"integer","minimum":1}},
"reason":{"type":"string"},"lead_unit_id":{"type":"string"},
"supporting_unit_ids":{"type":"array","items":{"type":"string"}},
"due_date":{"type":"string","format":"date"},"instruction":{"type":"string"},
"specialist_id":{"type":"string"},"text":{"type":"string"},"result":{"type":"string"},
"reply_document_id":{"type":"string"}},
"required":["id","if_match","action"],"additionalProperties":false}}},
"required":["items"],"additionalProperties":false})json";

constexpr const char* kBulkResultSchema = R"json({"type":"object","properties":{
"results":{"type":"array","items":{"type":"object","properties":{
"id":{"type":"string"},
"status":{"type":"integer","description":"what the single-document route would have answered: 200, or the error's status"},
"document":{"$ref":"#/components/schemas/Document"},"act":{"$ref":"#/components/schemas/Act"},
"exchange_status":{"type":"string","description":"incoming documents: the edXML status code the sender is to be told"},
"error":{"type":"object","description":"a problem object (type, title, status, code, detail)",
"properties":{"type":{"type":"string"},"title":{"type":"string"},"status":{"type":"integer"},
"code":{"type":"string"},"detail":{"type":"string"}},"required":["status","code","detail"]}},
"required":["id","status"]}}},"required":["results"]})json";

// The item's If-Match: the ETag text ("3", with or without its quotes) or the revision number.
Result<int64_t> itemRevision(const Object& item) {
  if (!item.has("if_match") || item.isNull("if_match")) {
    return Status(ErrorCode::PreconditionRequired,
                  "field 'if_match' is required: the document's ETag (its revision)");
  }
  auto value = item.get("if_match");
  std::string digits;
  if (value.isInteger()) {
    digits = value.toString();
  } else if (value.isString()) {
    digits = value.extract<std::string>();
    if (digits.rfind("W/", 0) == 0) digits = digits.substr(2);
    if (digits.size() >= 2 && digits.front() == '"' && digits.back() == '"') {
      digits = digits.substr(1, digits.size() - 2);
    }
    // The single-document GET's tag: "<revision>.<digest>".
    if (auto dot = digits.find('.'); dot != std::string::npos) digits = digits.substr(0, dot);
  }
  if (!digits.empty() && digits.size() <= 18 &&
      std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoll(digits);
  }
  return Status(ErrorCode::PreconditionFailed,
                "field 'if_match' names no revision of the document; reload it");
}

Object::Ptr problemObject(const Status& status, const RequestContext& context) {
  auto parsed = Poco::JSON::Parser().parse(
      problemJson(status.code(), status.message(), context.path, context.requestId));
  return parsed.extract<Object::Ptr>();
}

Object::Ptr failure(const std::string& id, const Status& status, const RequestContext& context) {
  Object::Ptr result = new Object;
  result->set("id", id);
  result->set("status", httpStatusFor(status.code()));
  result->set("error", problemObject(status, context));
  return result;
}

/// One item's action on its own: the moment, the caller and the client address it is done with.
struct ItemContext {
  ApiServices& services;
  const Principal& principal;
  std::string clientAddress;
};

Object::Ptr success(const std::string& id, const workflow::DocumentRecord& document,
                    const storage::StoredAct& act) {
  Object::Ptr result = new Object;
  result->set("id", id);
  result->set("status", 200);
  result->set("document", documentJson(document));
  result->set("act", actJson(act));
  return result;
}

std::pair<int64_t, std::string> nowAndIso() {
  Poco::Timestamp now;
  return {static_cast<int64_t>(now.epochTime()),
          Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ")};
}

// An outgoing action (submit, approve, sign, issue, ...), as the single-document route does it.
Result<Object::Ptr> applyOutgoingItem(const ItemContext& item, const Object& fields,
                                      const std::string& documentId) {
  for (const auto& field : kIncomingActionFields) {
    if (fields.has(field)) {
      return Status::invalidArgument("field '" + field +
                                     "' goes only with the actions of incoming documents");
    }
  }
  auto action = actionOf(fields);
  if (!action) return action.status();
  auto signingInput = signingInputOf(fields);
  if (!signingInput) return signingInput.status();
  auto expected = itemRevision(fields);
  if (!expected) return expected.status();
  OfficialDocumentProducer producer(item.services, signingInput.value());
  OutgoingActionRequest request;
  request.documentId = documentId;
  request.expectedRevision = expected.value();
  request.action = action.value();
  request.caller = viewerOf(item.principal);
  request.producer = &producer;
  request.clientAddress = item.clientAddress;
  request.exchange = item.services.exchange;
  std::tie(request.now, request.nowIso) = nowAndIso();
  auto outcome = item.services.withDatabase(
      [&](storage::Database& database) { return OutgoingFlowService(database).apply(request); });
  if (!outcome) return outcome.status();
  return success(documentId, outcome.value().document, outcome.value().act);
}

// An incoming action (register, refuse, assign, ...), as the single-document route does it.
Result<Object::Ptr> applyIncomingItem(const ItemContext& item, const Object& fields,
                                      const std::string& documentId) {
  // The action's own fields, without the item's id and revision.
  Object body(fields);
  body.remove("id");
  body.remove("if_match");
  auto action = incomingActionOf(body);
  if (!action) return action.status();
  auto expected = itemRevision(fields);
  if (!expected) return expected.status();
  IncomingActionRequest request;
  request.documentId = documentId;
  request.expectedRevision = expected.value();
  request.action = action.value();
  request.caller = viewerOf(item.principal);
  request.clientAddress = item.clientAddress;
  request.exchange = item.services.exchange;
  std::tie(request.now, request.nowIso) = nowAndIso();
  auto outcome = item.services.withDatabase(
      [&](storage::Database& database) { return IncomingFlowService(database).apply(request); });
  if (!outcome) return outcome.status();
  auto result = success(documentId, outcome.value().document, outcome.value().act);
  result->set("exchange_status", outcome.value().exchangeStatus);
  return result;
}

bool isIncomingItem(const Object& fields) {
  return fields.has("action") && fields.get("action").isString() &&
         isIncomingActionName(fields.getValue<std::string>("action"));
}

}  // namespace

void registerBulkRoutes(Router& router, ApiServices& services) {
  router.addSchema("BulkDocumentActions", kBulkSchema);
  router.addSchema("BulkDocumentActionResults", kBulkResultSchema);

  router.add(
      {"POST",
       "/api/v1/documents/actions",
       Access::anyUser(),
       {"Act on several documents in one request (1 to 100 items): each item is a "
        "DocumentAction, outgoing or incoming, with the document's id and its if_match "
        "revision, applied in its own transaction (one refused item never undoes another); the "
        "results come in the items' order, each with the status the single-document route "
        "would have answered",
        "documents",
        "BulkDocumentActions",
        200,
        "BulkDocumentActionResults",
        {},
        {413}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(context, {"items"}, 512 * 1024);
        if (!body) return sendProblem(context, body.status());
        auto items = body.value()->getArray("items");
        if (!items || items->size() == 0 || items->size() > kMaxItems) {
          return sendProblem(context, Status::invalidArgument(
                                          "field 'items' must be an array of 1 to 100 actions"));
        }
        std::set<std::string> itemFields = kActionFields;
        itemFields.insert(kIncomingActionFields.begin(), kIncomingActionFields.end());
        itemFields.insert("id");
        itemFields.insert("if_match");
        const ItemContext itemContext{services, principal,
                                      context.request.clientAddress().host().toString()};
        Array::Ptr results = new Array;
        for (size_t index = 0; index < items->size(); ++index) {
          auto item = items->getObject(static_cast<unsigned>(index));
          if (!item) {
            results->add(
                failure("", Status::invalidArgument("the item must be a JSON object"), context));
            continue;
          }
          auto id = requiredString(*item, "id", 128);
          const std::string documentId = id ? id.value() : "";
          auto refuse = [&](const Status& status) {
            results->add(failure(documentId, status, context));
          };
          if (!id) {
            refuse(id.status());
            continue;
          }
          auto unknown = std::find_if(item->begin(), item->end(), [&](const auto& field) {
            return itemFields.count(field.first) == 0;
          });
          if (unknown != item->end()) {
            refuse(Status::invalidArgument("unknown field '" + unknown->first + "'"));
            continue;
          }
          auto outcome = isIncomingItem(*item) ? applyIncomingItem(itemContext, *item, documentId)
                                               : applyOutgoingItem(itemContext, *item, documentId);
          if (!outcome) {
            refuse(outcome.status());
            continue;
          }
          auto result = outcome.value();
          services.log.info("document_action",
                            {{"request_id", context.requestId},
                             {"document_id", documentId},
                             {"user_id", principal.userId},
                             {"action", result->getObject("act")->getValue<std::string>("action")},
                             {"bulk_item", std::to_string(index)}});
          results->add(result);
        }
        Object answer;
        answer.set("results", results);
        sendJson(context, 200, answer);
      });
}

}  // namespace vanthu::api
