#include "incoming_action_requests.h"

#include <Poco/JSON/Array.h>

#include <map>
#include <vector>

#include "http_support.h"

namespace vanthu::api {
namespace {

using workflow::IncomingActionKind;

constexpr size_t kTextLimit = 2000;
constexpr size_t kIdLimit = 128;

const std::map<std::string, IncomingActionKind> kNames = {
    {"register", IncomingActionKind::Register},
    {"refuse", IncomingActionKind::Refuse},
    {"assign", IncomingActionKind::Assign},
    {"assign_specialist", IncomingActionKind::AssignSpecialist},
    {"note", IncomingActionKind::NoteProgress},
    {"note_progress", IncomingActionKind::NoteProgress},
    {"complete", IncomingActionKind::Complete},
};

// Which fields go with which action ("comment" goes with every one: the act's comment).
const std::map<IncomingActionKind, std::set<std::string>> kFieldsOf = {
    {IncomingActionKind::Register, {"comment"}},
    {IncomingActionKind::Refuse, {"reason", "comment"}},
    {IncomingActionKind::Assign,
     {"lead_unit_id", "supporting_unit_ids", "due_date", "instruction", "comment"}},
    {IncomingActionKind::AssignSpecialist, {"specialist_id", "comment"}},
    {IncomingActionKind::NoteProgress, {"text", "comment"}},
    {IncomingActionKind::Complete, {"result", "reply_document_id", "comment"}},
};

}  // namespace

bool isIncomingActionName(const std::string& name) {
  return kNames.count(name) > 0;
}

Result<workflow::IncomingAction> incomingActionOf(const Poco::JSON::Object& body) {
  auto name = requiredString(body, "action", 32);
  if (!name) return name.status();
  auto found = kNames.find(name.value());
  if (found == kNames.end()) {
    return Status::invalidArgument(
        "field 'action' must be one of register, refuse, assign, assign_specialist, note, "
        "complete for an incoming document");
  }
  workflow::IncomingAction action;
  action.kind = found->second;
  const auto& allowed = kFieldsOf.at(action.kind);
  std::vector<std::string> names;
  body.getNames(names);
  for (const auto& field : names) {
    if (field != "action" && !allowed.count(field)) {
      return Status::invalidArgument("field '" + field + "' does not go with the action " +
                                     name.value());
    }
  }
  auto text = [&](const char* field, size_t limit) -> Result<std::string> {
    return optionalString(body, field, limit);
  };
  auto comment = text("comment", kTextLimit);
  if (!comment) return comment.status();
  // The act's text: the reason, the note or the result; "comment" stands in for each.
  const char* main = nullptr;
  switch (action.kind) {
    case IncomingActionKind::Refuse:
      main = "reason";
      break;
    case IncomingActionKind::NoteProgress:
      main = "text";
      break;
    case IncomingActionKind::Complete:
      main = "result";
      break;
    default:
      break;
  }
  action.text = comment.value();
  if (main) {
    auto value = text(main, kTextLimit);
    if (!value) return value.status();
    if (!value.value().empty()) action.text = value.value();
  }
  if (action.kind == IncomingActionKind::Assign) {
    auto lead = text("lead_unit_id", kIdLimit);
    if (!lead) return lead.status();
    action.leadUnitId = lead.value();
    auto due = text("due_date", 10);
    if (!due) return due.status();
    action.dueDate = due.value();
    auto instruction = text("instruction", kTextLimit);
    if (!instruction) return instruction.status();
    action.instruction = instruction.value().empty() ? comment.value() : instruction.value();
    if (body.has("supporting_unit_ids")) {
      auto units = body.getArray("supporting_unit_ids");
      if (!units) {
        return Status::invalidArgument("field 'supporting_unit_ids' must be an array of unit ids");
      }
      for (const auto& each : *units) {
        if (!each.isString() || each.toString().empty() || each.toString().size() > kIdLimit) {
          return Status::invalidArgument(
              "field 'supporting_unit_ids' must be an array of unit ids");
        }
        action.supportingUnitIds.push_back(each.toString());
      }
    }
  }
  if (action.kind == IncomingActionKind::AssignSpecialist) {
    auto specialist = text("specialist_id", kIdLimit);
    if (!specialist) return specialist.status();
    action.specialistId = specialist.value();
  }
  if (action.kind == IncomingActionKind::Complete) {
    auto reply = text("reply_document_id", kIdLimit);
    if (!reply) return reply.status();
    action.replyDocumentId = reply.value();
  }
  return action;
}

}  // namespace vanthu::api
