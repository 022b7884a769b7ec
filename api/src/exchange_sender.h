#pragma once

// The outbox's sender (DESIGN §7): a thread that takes the messages due, delivers each to its
// recipient's inbox and records the outcome. A recipient hosted on this instance (an
// organisation in the directory without an endpoint) is delivered to in process, through the
// same ExchangeService::receive as a package arriving over HTTP; one with an endpoint gets an
// HTTP(S) POST to ENDPOINT/api/v1/exchange/inbox with the API token it gave us.
//
// A failed delivery is tried again after exchange.retry, doubling with each failure up to
// exchange.retry_max, and given up after exchange.max_attempts; a refusal that cannot change on
// a retry (the recipient says the message is malformed or not for it) is given up at once.
// Claims are leases (SqlExchangeRepository::claimDue), so instances sharing one database never
// send a message twice at once, and a sender that dies mid-way leaves the message to be taken
// again when its lease runs out: delivery is at least once, and the receiver's inbox makes it
// exactly once.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "api_services.h"
#include "exchange_service.h"
#include "vanthu/workflow/exchange_messages.h"

namespace vanthu::api {

class ExchangeSender {
 public:
  ExchangeSender(ApiServices& services, ExchangeService& exchange);
  ~ExchangeSender();
  ExchangeSender(const ExchangeSender&) = delete;
  ExchangeSender& operator=(const ExchangeSender&) = delete;

  /// Starts the thread, or returns nullptr when exchange.poll_interval is 0.
  static std::unique_ptr<ExchangeSender> startFor(ApiServices& services, ExchangeService& exchange);

  /// Takes the messages due now and tries each once; returns how many were delivered.
  int sendDue();

  /// A message was just queued: look for due messages shortly (once its transaction has
  /// committed) rather than at the next poll.
  void wakeSoon();

 private:
  struct Attempt {
    bool delivered = false;
    bool permanent = false;  ///< a refusal a retry cannot change
    std::string detail;      ///< what the recipient said, or why it failed
  };
  void run();
  Attempt deliver(const workflow::OutboxMessage& message);
  Attempt deliverOverHttp(const workflow::OutboxMessage& message, const std::string& endpoint,
                          const std::filesystem::path& payload);

  ApiServices& services_;
  ExchangeService& exchange_;
  std::string owner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace vanthu::api
