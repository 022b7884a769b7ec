#include "flow_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>

#include <set>

#include "document_routes.h"
#include "http_support.h"
#include "official_documents.h"
#include "outgoing_flow_service.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::OutgoingActionKind;

constexpr size_t kCommentLimit = 2000;

// Actions of DESIGN §4 this server does not perform yet: they are answered 501, never faked.
const std::set<std::string> kNotServedYet = {"register", "assign", "complete", "refuse"};

workflow::DocumentViewer viewerOf(const Principal& principal) {
  return {principal.userId, principal.organisationId, principal.roles};
}

Object::Ptr actJson(const storage::StoredAct& stored) {
  Object::Ptr json = new Object;
  const auto& act = stored.act;
  json->set("seq", stored.seq);
  json->set("action", act.action);
  json->set("actor_id", act.actorId);
  json->set("on_behalf_of", act.onBehalfOfId);
  json->set("role", act.role);
  json->set("authority_marker", act.authorityMarker);
  json->set("from_level", act.fromLevel);
  json->set("to_level", act.toLevel);
  json->set("comment", act.comment);
  json->set("at", isoTime(act.at));
  return json;
}

Result<int> levelField(const std::string& name, const Poco::Dynamic::Var& value) {
  if (!value.isInteger()) {
    return Status::invalidArgument("field '" + name + "' must be a level number (1, 2, ...)");
  }
  auto level = value.convert<int64_t>();
  if (level < 1 || level > 100) {
    return Status::invalidArgument("field '" + name + "' must be a level number (1, 2, ...)");
  }
  return static_cast<int>(level);
}

// The body as the domain's action; InvalidArgument for anything it cannot be, NotImplemented
// for the actions this server does not perform yet.
Result<workflow::OutgoingAction> actionOf(const Object& body) {
  auto name = requiredString(body, "action", 32);
  if (!name) return name.status();
  if (kNotServedYet.count(name.value())) {
    return Status(ErrorCode::NotImplemented,
                  "this server does not " + name.value() +
                      " documents yet: it serves the outgoing flow (submit, approve, return, "
                      "reject, withdraw, sign, issue, recall)");
  }
  auto kind = workflow::outgoingActionFromName(name.value());
  if (!kind || *kind == OutgoingActionKind::Edit) {
    return Status::invalidArgument(
        "field 'action' must be one of submit, approve, return, reject, withdraw, sign, issue, "
        "recall");
  }
  const bool signs = *kind == OutgoingActionKind::Sign || *kind == OutgoingActionKind::Issue;
  for (const char* field : {"key_id", "password"}) {
    if (body.has(field) && !signs) {
      return Status::invalidArgument(std::string("field '") + field +
                                     "' goes only with the actions sign and issue");
    }
  }
  for (const char* field : {"page", "rectangle"}) {
    if (body.has(field) && *kind != OutgoingActionKind::Sign) {
      return Status::invalidArgument(std::string("field '") + field +
                                     "' goes only with the action sign");
    }
  }
  workflow::OutgoingAction action;
  action.kind = *kind;
  auto comment = optionalString(body, "comment", kCommentLimit);
  if (!comment) return comment.status();
  action.reason = comment.value();
  if (body.has("to_level")) {
    if (action.kind != OutgoingActionKind::Return) {
      return Status::invalidArgument("field 'to_level' goes only with the action return");
    }
    auto level = levelField("to_level", body.get("to_level"));
    if (!level) return level.status();
    action.toLevel = level.value();
  } else if (action.kind == OutgoingActionKind::Return) {
    action.toLevel = 1;  // back to the drafter
  }
  if (body.has("skip_levels")) {
    if (action.kind != OutgoingActionKind::Submit) {
      return Status::invalidArgument("field 'skip_levels' goes only with the action submit");
    }
    auto levels = body.getArray("skip_levels");
    if (!levels) {
      return Status::invalidArgument("field 'skip_levels' must be an array of level numbers");
    }
    for (const auto& each : *levels) {
      auto level = levelField("skip_levels", each);
      if (!level) return level.status();
      action.skipLevels.push_back(level.value());
    }
  }
  return action;
}

// The key and the placement of sign and issue (checked against the action by actionOf).
Result<SigningInput> signingInputOf(const Object& body) {
  SigningInput input;
  auto keyId = optionalString(body, "key_id", 128);
  if (!keyId) return keyId.status();
  input.keyId = keyId.value();
  auto password = optionalString(body, "password", 1024);
  if (!password) return password.status();
  input.password = password.value();
  if (body.has("page")) {
    auto page = levelField("page", body.get("page"));
    if (!page) return Status::invalidArgument("field 'page' must be a page number (1, 2, ...)");
    input.page = page.value();
  }
  if (body.has("rectangle")) {
    auto box = body.getObject("rectangle");
    if (!box) return Status::invalidArgument("field 'rectangle' must be {x, y, width, height}");
    signing::PdfRect rectangle;
    std::pair<const char*, double*> parts[] = {{"x", &rectangle.x},
                                               {"y", &rectangle.y},
                                               {"width", &rectangle.width},
                                               {"height", &rectangle.height}};
    for (auto& [name, target] : parts) {
      if (!box->has(name) || !box->get(name).isNumeric()) {
        return Status::invalidArgument(std::string("field 'rectangle.") + name +
                                       "' must be a number of points");
      }
      *target = box->getValue<double>(name);
    }
    if (box->size() != 4) {
      return Status::invalidArgument("field 'rectangle' takes only x, y, width and height");
    }
    if (rectangle.width <= 0 || rectangle.height <= 0 || rectangle.x < 0 || rectangle.y < 0 ||
        rectangle.width > 2000 || rectangle.height > 2000) {
      return Status::invalidArgument(
          "field 'rectangle' must lie on the page with a positive width and height");
    }
    input.rectangle = rectangle;
  }
  return input;
}

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
        auto body = readJsonObject(context, {"action", "comment", "to_level", "skip_levels",
                                             "key_id", "password", "page", "rectangle"});
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
