#include "bulk_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Timestamp.h>

#include <algorithm>
#include <set>

#include "action_requests.h"
#include "document_routes.h"
#include "http_support.h"
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
"skip_levels":{"type":"array","items":{"type":"integer","minimum":1}}},
"required":["id","if_match","action"],"additionalProperties":false}}},
"required":["items"],"additionalProperties":false})json";

constexpr const char* kBulkResultSchema = R"json({"type":"object","properties":{
"results":{"type":"array","items":{"type":"object","properties":{
"id":{"type":"string"},
"status":{"type":"integer","description":"what the single-document route would have answered: 200, or the error's status"},
"document":{"$ref":"#/components/schemas/Document"},"act":{"$ref":"#/components/schemas/Act"},
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

}  // namespace

void registerBulkRoutes(Router& router, ApiServices& services) {
  router.addSchema("BulkDocumentActions", kBulkSchema);
  router.addSchema("BulkDocumentActionResults", kBulkResultSchema);

  router.add(
      {"POST",
       "/api/v1/documents/actions",
       Access::anyUser(),
       {"Act on several outgoing documents in one request (1 to 100 items): each item is a "
        "DocumentAction with the document's id and its if_match revision, applied in its own "
        "transaction (one refused item never undoes another); the results come in the items' "
        "order, each with the status the single-document route would have answered",
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
        itemFields.insert("id");
        itemFields.insert("if_match");
        const std::string clientAddress = context.request.clientAddress().host().toString();
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
          auto action = actionOf(*item);
          if (!action) {
            refuse(action.status());
            continue;
          }
          auto signingInput = signingInputOf(*item);
          if (!signingInput) {
            refuse(signingInput.status());
            continue;
          }
          auto expected = itemRevision(*item);
          if (!expected) {
            refuse(expected.status());
            continue;
          }
          OfficialDocumentProducer producer(services, signingInput.value());
          OutgoingActionRequest request;
          request.documentId = documentId;
          request.expectedRevision = expected.value();
          request.action = action.value();
          request.caller = viewerOf(principal);
          request.producer = &producer;
          request.clientAddress = clientAddress;
          Poco::Timestamp now;
          request.now = static_cast<int64_t>(now.epochTime());
          request.nowIso = Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ");
          auto outcome = services.withDatabase([&](storage::Database& database) {
            return OutgoingFlowService(database).apply(request);
          });
          if (!outcome) {
            refuse(outcome.status());
            continue;
          }
          services.log.info("document_action", {{"request_id", context.requestId},
                                                {"document_id", documentId},
                                                {"user_id", principal.userId},
                                                {"action", outcome.value().act.act.action},
                                                {"bulk_item", std::to_string(index)}});
          Object::Ptr result = new Object;
          result->set("id", documentId);
          result->set("status", 200);
          result->set("document", documentJson(outcome.value().document));
          result->set("act", actJson(outcome.value().act));
          results->add(result);
        }
        Object answer;
        answer.set("results", results);
        sendJson(context, 200, answer);
      });
}

}  // namespace vanthu::api
