#pragma once

// The body of an action request (POST /api/v1/documents/{id}/actions, and each item of a bulk
// request) read into what the flow services take, and an act as JSON: one reading for every
// route that acts on documents.

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "authenticator.h"
#include "official_documents.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/workflow/approval_flow.h"
#include "vanthu/workflow/document_access.h"

namespace vanthu::api {

/// The fields an action body may have.
inline const std::set<std::string> kActionFields = {"action", "comment",  "to_level", "skip_levels",
                                                    "key_id", "password", "page",     "rectangle"};

workflow::DocumentViewer viewerOf(const Principal& principal);

/// Full names by user id, for showing who acted (userNames).
using UserNames = std::map<std::string, std::string>;

/// The full names of the users among `ids`, read in one query; unknown ids are left out.
UserNames userNames(storage::Database& database, const std::vector<std::string>& ids);

/// An act (the Act schema); with `names`, also actor_name and on_behalf_of_name ("" when the
/// user is unknown or there is no delegation).
Poco::JSON::Object::Ptr actJson(const storage::StoredAct& stored, const UserNames* names = nullptr);

/// A level (or page) number 1..100; InvalidArgument naming `name` otherwise.
Result<int> levelField(const std::string& name, const Poco::Dynamic::Var& value);

/// The body as the outgoing flow's action: InvalidArgument for anything it cannot be (an incoming
/// action included: incoming_action_requests.h reads those).
Result<workflow::OutgoingAction> actionOf(const Poco::JSON::Object& body);

/// The key and the placement of sign and issue (checked against the action by actionOf).
Result<SigningInput> signingInputOf(const Poco::JSON::Object& body);

}  // namespace vanthu::api
