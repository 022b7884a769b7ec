#pragma once

// What the exchange keeps beside its outbox and inbox (migration 16): the recipients of an
// outgoing document, the credentials this instance presents to each peer, the edXML identity of
// what it sent, where each received document came from, and the per-recipient timeline of
// statuses. Borrows `database`; joins the caller's transaction.

#include <optional>
#include <string>
#include <vector>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/exchange_messages.h"

namespace vanthu::storage {

struct PeerCredentials {
  std::string token;  ///< the API token the peer gave us for its inbox; "" for none
  std::string caPem;  ///< the CA its TLS certificate must chain to; "" for the system's
};

class SqlExchangeState {
 public:
  explicit SqlExchangeState(Database& database) : database_(database) {}

  /// Replaces the recipients (agency codes, in order) of `documentId`.
  void setRecipients(const std::string& documentId, const std::vector<std::string>& codes);
  std::vector<std::string> recipients(const std::string& documentId);
  /// Replaces the units of the document's own organisation it is also addressed to, in order.
  void setUnitRecipients(const std::string& documentId, const std::vector<std::string>& unitIds);
  std::vector<std::string> unitRecipients(const std::string& documentId);

  void setPeerCredentials(const std::string& code, const PeerCredentials& credentials,
                          const std::string& at);
  std::optional<PeerCredentials> peerCredentials(const std::string& code);

  /// AlreadyExists when the document was sent under another id before.
  Status recordSent(const std::string& documentId, const std::string& edxmlDocumentId);
  std::optional<std::string> sentAs(const std::string& documentId);
  std::optional<std::string> documentSentAs(const std::string& edxmlDocumentId);

  Status recordOrigin(const workflow::IncomingOrigin& origin);
  std::optional<workflow::IncomingOrigin> originOf(const std::string& documentId);
  /// The incoming document of `recipientOrganisationId` that `senderCode` sent as
  /// `edxmlDocumentId`, if any. (One instance may host several recipients of one document.)
  std::optional<workflow::IncomingOrigin> originFrom(const std::string& senderCode,
                                                     const std::string& edxmlDocumentId,
                                                     const std::string& recipientOrganisationId);
  void markRecalled(const std::string& documentId, const std::string& at);

  /// false when an event with this id is already recorded.
  bool addTrackingEvent(const workflow::TrackingEvent& event);
  /// Oldest first.
  std::vector<workflow::TrackingEvent> tracking(const std::string& documentId);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
