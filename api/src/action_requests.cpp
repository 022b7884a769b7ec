#include "action_requests.h"

#include <set>

#include "http_support.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Object;
using workflow::OutgoingActionKind;

constexpr size_t kCommentLimit = 2000;

// The incoming flow's actions (incoming_action_requests.h reads those).
const std::set<std::string> kIncomingNames = {
    "register", "refuse", "assign", "assign_specialist", "note", "note_progress", "complete"};

}  // namespace

workflow::DocumentViewer viewerOf(const Principal& principal) {
  return {principal.userId, principal.organisationId, principal.roles};
}

UserNames userNames(storage::Database& database, const std::vector<std::string>& ids) {
  UserNames names;
  for (const auto& user : storage::SqlDirectoryRepository(database).findUsers(ids)) {
    names[user.id] = user.fullName.empty() ? user.username : user.fullName;
  }
  return names;
}

Object::Ptr actJson(const storage::StoredAct& stored, const UserNames* names) {
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
  if (names) {
    auto nameOf = [names](const std::string& id) {
      auto found = names->find(id);
      return found == names->end() ? std::string() : found->second;
    };
    json->set("actor_name", nameOf(act.actorId));
    json->set("on_behalf_of_name",
              act.onBehalfOfId.empty() ? std::string() : nameOf(act.onBehalfOfId));
  }
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

// The body as the outgoing flow's action; InvalidArgument for anything it cannot be.
Result<workflow::OutgoingAction> actionOf(const Object& body) {
  auto name = requiredString(body, "action", 32);
  if (!name) return name.status();
  if (kIncomingNames.count(name.value())) {
    return Status::invalidArgument("'" + name.value() +
                                   "' is an action on an incoming document; this is the outgoing "
                                   "flow (submit, approve, return, reject, withdraw, sign, issue, "
                                   "recall)");
  }
  auto kind = workflow::outgoingActionFromName(name.value());
  if (!kind || *kind == OutgoingActionKind::Edit) {
    return Status::invalidArgument(
        "field 'action' must be one of submit, approve, return, reject, withdraw, sign, issue, "
        "recall");
  }
  // approve: at a level whose template records approvals as signatures.
  const bool signs = *kind == OutgoingActionKind::Sign || *kind == OutgoingActionKind::Issue ||
                     *kind == OutgoingActionKind::Approve;
  for (const char* field : {"key_id", "password"}) {
    if (body.has(field) && !signs) {
      return Status::invalidArgument(std::string("field '") + field +
                                     "' goes only with the actions approve, sign and issue");
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

}  // namespace vanthu::api
