#include "allowed_actions.h"

#include "incoming_flow_service.h"
#include "outgoing_flow_service.h"

namespace vanthu::api {

std::vector<AllowedAction> allowedActions(storage::Database& database,
                                          const workflow::DocumentRecord& document,
                                          const workflow::DocumentViewer& caller, int64_t now) {
  if (document.direction == "outgoing") {
    return OutgoingFlowService(database).allowedActions(document, caller, now);
  }
  if (document.direction == "incoming") {
    return IncomingFlowService(database).allowedActions(document, caller, now);
  }
  return {};
}

}  // namespace vanthu::api
