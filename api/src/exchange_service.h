#pragma once

// The exchange between agencies as an application service (DESIGN §7, issue 8): what is queued
// when a document is issued, recalled or moves on the receiving side (ExchangeHooks, inside the
// acts' transactions), and what is done with a package or status message another agency sends.
//
// Receiving is exactly once: a message's id is the SHA-256 of its bytes, and the inbox row, the
// document it becomes, the status queued back and the audit entry are one transaction, so a
// repeated delivery finds the row and only acknowledges, and a crash half-way leaves nothing
// for the repeat to trip over.

#include <filesystem>
#include <functional>
#include <string>

#include "api_services.h"
#include "exchange_hooks.h"
#include "vanthu/exchange/edxml_package.h"
#include "vanthu/exchange/status_message.h"
#include "vanthu/workflow/exchange_messages.h"

namespace vanthu::api {

/// A work file under the upload directory, removed when it goes out of scope.
class ScratchFile {
 public:
  ScratchFile(const std::filesystem::path& dataDir, const std::string& prefix);
  ~ScratchFile();
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  const std::filesystem::path& path() const { return path_; }
  /// Replaces the file's content; IoFailure when it cannot be written.
  Status write(const std::string& bytes);

 private:
  std::filesystem::path path_;
};

/// What an inbound message became.
struct ExchangeReceipt {
  std::string messageId;   ///< SHA-256 of the message's bytes
  std::string outcome;     ///< "processed", "refused" or "duplicate"
  std::string documentId;  ///< the document it made or concerned, when there is one
  std::string note;        ///< what was done, or why it was refused
};

class ExchangeService final : public ExchangeHooks {
 public:
  explicit ExchangeService(ApiServices& services) : services_(services) {}

  Status issued(storage::Database& database, const workflow::DocumentRecord& document,
                const workflow::DocumentVersion& issued) override;
  Status recalled(storage::Database& database, const workflow::DocumentRecord& document,
                  const workflow::Act& act) override;
  Status incomingMoved(storage::Database& database, const workflow::DocumentRecord& document,
                       const workflow::Act& act, const std::string& statusCode) override;

  /// Takes the message in `payload` (an edXML package, or a status message when `isStatus`)
  /// for the organisation `recipientOrganisationId`. Refusals of the message itself (not
  /// readable, not valid, not for this organisation, naming a document we never sent) are
  /// errors and change nothing; a readable package whose document cannot be accepted (its
  /// signatures fail, a business type not handled) is recorded as refused, with status 02 queued
  /// back to the sender.
  Result<ExchangeReceipt> receive(const std::filesystem::path& payload, bool isStatus,
                                  const std::string& recipientOrganisationId,
                                  const std::string& requestId);

  /// Called whenever a message is queued (inside the queuing transaction): the sender looks
  /// for it shortly instead of at its next poll.
  void onQueued(std::function<void()> listener) { queued_ = std::move(listener); }
  /// Tells the sender to look now (a message was queued outside an act).
  void wakeSender() const {
    if (queued_) queued_();
  }

 private:
  Result<ExchangeReceipt> receiveStatus(const std::filesystem::path& payload,
                                        const std::string& recipientOrganisationId);
  Result<ExchangeReceipt> receivePackage(const std::filesystem::path& payload,
                                         const std::string& recipientOrganisationId,
                                         const std::string& requestId);
  Status queueStatus(storage::Database& database, const std::string& documentId,
                     const std::string& recipientCode, const exchange::StatusMessage& message);

  Status enqueue(storage::Database& database, const workflow::OutboxMessage& message);

  ApiServices& services_;
  std::function<void()> queued_;
};

}  // namespace vanthu::api
