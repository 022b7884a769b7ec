#pragma once

// The exchange's persistent outbox and inbox (DESIGN §7): a package or status message to another
// agency is stored before it is sent and retried with back-off until it is delivered; a package
// received is recorded under its id first, so a second delivery of the same id is recognised and
// processed no more than once, whichever instance receives it.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

struct OutboxMessage {
  std::string id;                  ///< the package / message id (globally unique)
  std::string documentId;          ///< the document it is about
  std::string recipientCode;       ///< agency code V1V2V3.Z1Z2.Y1Y2.X1X2X3
  std::string kind;                ///< "document" or "status"
  std::string payloadHash;         ///< the edXML package in the blob store
  std::string status = "pending";  ///< "pending", "delivered" or "failed" (gave up)
  int attempts = 0;
  std::string nextAttemptAt;  ///< ISO 8601 UTC; due when <= now
  std::string lastError;
  std::string createdAt;
  std::string deliveredAt;
};

struct InboxMessage {
  std::string id;          ///< the sender's package / message id
  std::string senderCode;  ///< agency code
  std::string recipientOrganisationId;
  std::string kind;                 ///< "document" or "status"
  std::string payloadHash;          ///< the package as received, in the blob store
  std::string status = "received";  ///< "received", "processed" or "refused"
  std::string documentId;           ///< the incoming document it became, once processed
  std::string note;                 ///< why refused, or what was done
  std::string receivedAt;
  std::string processedAt;
};

/// Port: outbox and inbox. Adapter: storage::SqlExchangeRepository.
class ExchangeRepository {
 public:
  virtual ~ExchangeRepository() = default;

  /// AlreadyExists for an id already in the outbox.
  virtual Status enqueue(const OutboxMessage& message) = 0;
  /// Takes up to `limit` pending messages due at `now` that no one else holds, and holds them
  /// for `owner` until `leaseUntil`: two instances never get the same message while the lease
  /// runs; a sender that dies loses its lease when it expires. Oldest due first.
  virtual std::vector<OutboxMessage> claimDue(const std::string& now, const std::string& owner,
                                              const std::string& leaseUntil, int limit) = 0;
  /// The recipient acknowledged it. InvalidState if `owner` does not hold the message.
  virtual Status markDelivered(const std::string& id, const std::string& owner,
                               const std::string& at) = 0;
  /// An attempt failed: counts it and, unless `giveUp`, makes it due again at `nextAttemptAt`;
  /// releases the lease. InvalidState if `owner` does not hold the message.
  virtual Status markAttemptFailed(const std::string& id, const std::string& owner,
                                   const std::string& error, const std::string& nextAttemptAt,
                                   bool giveUp) = 0;
  virtual std::optional<OutboxMessage> outboxMessage(const std::string& id) = 0;
  virtual std::vector<OutboxMessage> outboxOf(const std::string& documentId) = 0;

  /// Records a received message. true: new, process it; false: this id was received before
  /// (a repeated delivery): do nothing but acknowledge.
  virtual Result<bool> recordReceived(const InboxMessage& message) = 0;
  /// Moves a received message to "processed" or "refused" exactly once: InvalidState when it
  /// was already, NotFound for an unknown id.
  virtual Status markProcessed(const std::string& id, const std::string& status,
                               const std::string& documentId, const std::string& note,
                               const std::string& at) = 0;
  virtual std::optional<InboxMessage> inboxMessage(const std::string& id) = 0;
  /// Newest first, `limit` from `offset`, with the total.
  virtual std::vector<InboxMessage> inboxOf(const std::string& organisationId, int offset,
                                            int limit, int64_t* total = nullptr) = 0;
};

}  // namespace vanthu::workflow

namespace vanthu::workflow {

/// One event on the line of an outgoing document's recipient: a status the recipient reported
/// (edXML codes "01" ... "16") or one of ours ("sent": the package reached the recipient's
/// inbox; "delivery_failed": the outbox gave up).
struct TrackingEvent {
  std::string id;  ///< the received status message's id, or a fresh id for our own events
  std::string documentId;
  std::string recipientCode;
  std::string statusCode;
  std::string description;
  std::string staff;       ///< who acted at the recipient, as reported
  std::string reportedAt;  ///< when the recipient says it happened (ISO 8601 UTC)
  std::string recordedAt;  ///< when we recorded it
};

/// Where a received document came from: the sending agency and the identity of the document
/// there, which status messages and recalls name.
struct IncomingOrigin {
  std::string documentId;  ///< our incoming document
  std::string senderCode;
  std::string senderName;
  std::string edxmlDocumentId;  ///< OrganId,YYYY/MM/DD,Number/Notation
  std::string codeNumber;
  std::string codeNotation;
  std::string promulgationDate;  ///< ISO date
  std::string messageId;         ///< the inbox message it arrived in
  std::string recalledAt;        ///< "" unless the sender took it back
};

}  // namespace vanthu::workflow
