#include "flow_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <set>

#include "action_requests.h"
#include "document_routes.h"
#include "http_support.h"
#include "official_documents.h"
#include "outgoing_flow_service.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kActionSchema = R"json({"type":"object","properties":{
"action":{"enum":["submit","approve","return","reject","withdraw","sign","issue","recall",
"register","assign","complete","refuse"],
"description":"the incoming actions (register, assign, complete, refuse) are answered 501 not_implemented by this server"},
"key_id":{"type":"string","description":"sign: the signer's key reference; issue: the organisation's (seal) key reference"},
"password":{"type":"string","writeOnly":true,"description":"sign and issue: the PKCS#12 password or the PKCS#11 PIN of key_id; used once, never stored"},
"page":{"type":"integer","minimum":1,"description":"sign: the page of the visible signature (default 1)"},
"rectangle":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"},
"width":{"type":"number","exclusiveMinimum":0},"height":{"type":"number","exclusiveMinimum":0}},
"required":["x","y","width","height"],"additionalProperties":false,
"description":"sign: the signature box in points from the page's bottom left (default: the signer block of the one-page Decree 30 layout, x 334, y 175, 150 x 90)"},
"comment":{"type":"string","maxLength":2000,"description":"required for return and reject"},
"to_level":{"type":"integer","minimum":1,"description":"return only: the earlier level (default 1, the drafter)"},
"skip_levels":{"type":"array","items":{"type":"integer","minimum":1},"description":"submit only: optional review levels to skip"}},
"required":["action"],"additionalProperties":false})json";

constexpr const char* kActSchema = R"json({"type":"object","properties":{
"seq":{"type":"integer","minimum":1},"action":{"type":"string"},"actor_id":{"type":"string"},
"on_behalf_of":{"type":"string","description":"whose authority, when through a delegation; \"\" otherwise"},
"role":{"type":"string","description":"the role acted with; \"\" for the drafter's own acts"},
"authority_marker":{"type":"string","description":"KT. / TUQ. on a delegated signature; \"\" otherwise"},
"from_level":{"type":"integer"},"to_level":{"type":"integer"},"comment":{"type":"string"},
"at":{"type":"string","format":"date-time"}},
"required":["seq","action","actor_id","on_behalf_of","role","authority_marker","from_level",
"to_level","comment","at"]})json";

constexpr const char* kActionResultSchema = R"json({"type":"object","properties":{
"document":{"$ref":"#/components/schemas/Document"},"act":{"$ref":"#/components/schemas/Act"}},
"required":["document","act"]})json";

constexpr const char* kActListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/Act"}}},"required":["items"]})json";

}  // namespace

void registerFlowRoutes(Router& router, ApiServices& services) {
  router.addSchema("DocumentAction", kActionSchema);
  router.addSchema("Act", kActSchema);
  router.addSchema("DocumentActionResult", kActionResultSchema);
  router.addSchema("ActList", kActListSchema);

  router.add(
      {"POST",
       "/api/v1/documents/{id}/actions",
       Access::anyUser(),
       {"Act on an outgoing document's flow: submit, approve, return (to_level, comment), reject "
        "(comment), withdraw, sign (key_id, password, page, rectangle: the leader's certifying "
        "signature), issue (key_id, password: number, date and the organisation's seal "
        "signature), recall (comment); If-Match required",
        "documents",
        "DocumentAction",
        200,
        "DocumentActionResult",
        {},
        {404, 409, 412, 428, 501}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto body = readJsonObject(context, kActionFields);
        if (!body) return sendProblem(context, body.status());
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
        request.clientAddress = context.request.clientAddress().host().toString();
        Poco::Timestamp now;
        request.now = static_cast<int64_t>(now.epochTime());
        request.nowIso = Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ");
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
               auto acts = services.withDatabase([&](storage::Database& database) {
                 return OutgoingFlowService(database).timeline(id, viewerOf(*context.principal));
               });
               if (!acts) return sendProblem(context, acts.status());
               Array::Ptr items = new Array;
               for (const auto& act : acts.value()) items->add(actJson(act));
               Object body;
               body.set("items", items);
               sendJson(context, 200, body);
             });
}

}  // namespace vanthu::api
