#pragma once

// What the flows tell the exchange, inside their own transactions (DESIGN §7): the messages to
// other agencies are queued in the same commit as the act that causes them, so an act is never
// committed without its messages, nor a message queued for an act that rolled back.

#include <string>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/acting.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::api {

class ExchangeHooks {
 public:
  virtual ~ExchangeHooks() = default;
  /// An outgoing document was issued as `issued`: a package for each of its recipients.
  virtual Status issued(storage::Database& database, const workflow::DocumentRecord& document,
                        const workflow::DocumentVersion& issued) = 0;
  /// An issued document was recalled: a take-back request (13) to each recipient it was sent to.
  virtual Status recalled(storage::Database& database, const workflow::DocumentRecord& document,
                          const workflow::Act& act) = 0;
  /// An incoming document moved: status `statusCode` to the agency that sent it, if one did.
  virtual Status incomingMoved(storage::Database& database,
                               const workflow::DocumentRecord& document, const workflow::Act& act,
                               const std::string& statusCode) = 0;
};

}  // namespace vanthu::api
