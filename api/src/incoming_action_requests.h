#pragma once

// The body of an action request on an incoming document (POST /api/v1/documents/{id}/actions
// with register, refuse, assign, assign_specialist, note or complete) read into the domain's
// action. The outgoing actions are read by action_requests.h.

#include <Poco/JSON/Object.h>

#include <set>
#include <string>

#include "vanthu/workflow/error.h"
#include "vanthu/workflow/incoming_flow.h"

namespace vanthu::api {

/// The fields an incoming action body may have, besides action_requests.h's kActionFields.
inline const std::set<std::string> kIncomingActionFields = {
    "reason", "lead_unit_id", "supporting_unit_ids", "due_date", "instruction", "specialist_id",
    "text",   "result",       "reply_document_id"};

/// Whether `name` is an incoming action: register, refuse, assign, assign_specialist, note
/// (also note_progress) or complete.
bool isIncomingActionName(const std::string& name);

/// The body as the domain's incoming action: InvalidArgument for a field that does not go with
/// the action or does not fit (a reason, a note or a result is required by the domain).
Result<workflow::IncomingAction> incomingActionOf(const Poco::JSON::Object& body);

}  // namespace vanthu::api
