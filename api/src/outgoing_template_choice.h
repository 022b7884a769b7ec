#pragma once

// Which workflow template a new outgoing document follows (DESIGN §2): the one its drafter names,
// else its organisation's default (organisations.outgoing_template_id), else outgoing-4. A
// template fits an organisation when it is shipped for every organisation or is the
// organisation's own, and is of direction outgoing.

#include <string>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/error.h"
#include "vanthu/workflow/templates.h"

namespace vanthu::api {

/// The latest version of template `templateId` when it fits `organisationId`; InvalidArgument
/// (naming the template) when there is no such template, it is another organisation's, or it
/// is not an outgoing template. Joins the caller's transaction.
Result<workflow::WorkflowTemplate> fittingOutgoingTemplate(storage::Database& database,
                                                           const std::string& organisationId,
                                                           const std::string& templateId);

/// The template a new outgoing document of `organisationId` follows: `requestedId` when given
/// (InvalidArgument when it does not fit), else the organisation's default, else outgoing-4
/// (InvalidState when that default is missing or no longer fits).
Result<workflow::WorkflowTemplate> chooseOutgoingTemplate(storage::Database& database,
                                                          const std::string& organisationId,
                                                          const std::string& requestedId);

}  // namespace vanthu::api
