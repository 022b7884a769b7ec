#include "exchange_sender.h"

#include <Poco/Environment.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <Poco/URI.h>
#include <Poco/UUIDGenerator.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "http_support.h"
#include "pdf_upload.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"
#include "vanthu/storage/sql_exchange_state.h"

namespace vanthu::api {
namespace {

constexpr int kBatch = 16;
constexpr int64_t kLeaseSeconds = 300;

int64_t unixNow() {
  return static_cast<int64_t>(Poco::Timestamp().epochTime());
}

std::string newId() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

/// Error codes whose refusal a retry cannot change.
bool isPermanent(ErrorCode code) {
  switch (code) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidXml:
    case ErrorCode::InvalidPdf:
    case ErrorCode::PayloadTooLarge:
    case ErrorCode::NotImplemented:
    case ErrorCode::UnsupportedMediaType:
    case ErrorCode::WrongRecipient:
    case ErrorCode::UnknownDocument:
      return true;
    default:
      return false;
  }
}

/// HTTP answers whose refusal a retry cannot change: the message itself is refused. 401, 403
/// and 404 are retried: a token or an endpoint being set up is fixed without touching the
/// message.
bool isPermanentHttp(int status) {
  static const std::set<int> permanent = {400, 413, 415, 422, 501};
  return permanent.count(status) > 0;
}

}  // namespace

ExchangeSender::ExchangeSender(ApiServices& services, ExchangeService& exchange)
    : services_(services),
      exchange_(exchange),
      owner_(Poco::Environment::nodeName() + ":" + std::to_string(::getpid()) + ":" +
             newId().substr(0, 8)) {
  thread_ = std::thread([this] { run(); });
}

ExchangeSender::~ExchangeSender() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<ExchangeSender> ExchangeSender::startFor(ApiServices& services,
                                                         ExchangeService& exchange) {
  if (services.config.exchangePollInterval.count() == 0) return nullptr;
  return std::make_unique<ExchangeSender>(services, exchange);
}

void ExchangeSender::wakeSoon() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void ExchangeSender::run() {
  const auto interval = std::chrono::seconds(services_.config.exchangePollInterval);
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    if (wake_.wait_for(lock, interval, [this] { return stopping_ || woken_; }) && stopping_) {
      break;
    }
    if (woken_) {
      // The queuing transaction commits right after it queued; a moment later the message is
      // visible. One that is not yet is taken at the next wake or poll.
      woken_ = false;
      if (wake_.wait_for(lock, std::chrono::milliseconds(20), [this] { return stopping_; })) break;
    }
    lock.unlock();
    try {
      // A full batch means more may be due: go on at once.
      while (sendDue() == kBatch) {
        std::lock_guard<std::mutex> check(mutex_);
        if (stopping_) break;
      }
    } catch (const std::exception& e) {
      // The database may be down for a while: the messages stay queued, nothing is lost.
      services_.log.warning("exchange_send_failed", {{"error", e.what()}});
    }
    lock.lock();
  }
}

int ExchangeSender::sendDue() {
  const int64_t now = unixNow();
  auto due = services_.withDatabase([&](storage::Database& database) {
    return storage::SqlExchangeRepository(database).claimDue(isoTime(now), owner_,
                                                             isoTime(now + kLeaseSeconds), kBatch);
  });
  int delivered = 0;
  for (const auto& message : due) {
    Attempt attempt;
    try {
      attempt = deliver(message);
    } catch (const std::exception& e) {
      attempt.detail = e.what();
    }
    const int64_t at = unixNow();
    const int attempts = message.attempts + 1;
    const bool giveUp = !attempt.delivered &&
                        (attempt.permanent || attempts >= services_.config.exchangeMaxAttempts);
    services_.withDatabase([&](storage::Database& database) {
      storage::SqlExchangeRepository outbox(database);
      storage::SqlExchangeState state(database);
      if (attempt.delivered) {
        outbox.markDelivered(message.id, owner_, isoTime(at));
      } else {
        // exchange.retry, doubled for each earlier failure, at most exchange.retry_max.
        int64_t wait = services_.config.exchangeRetry.count();
        for (int i = 1; i < attempts && wait < services_.config.exchangeRetryMax.count(); ++i) {
          wait *= 2;
        }
        wait = std::min<int64_t>(wait, services_.config.exchangeRetryMax.count());
        outbox.markAttemptFailed(message.id, owner_, attempt.detail, isoTime(at + wait), giveUp);
      }
      if (message.kind == "document" && (attempt.delivered || giveUp)) {
        workflow::TrackingEvent event;
        event.id = newId();
        event.documentId = message.documentId;
        event.recipientCode = message.recipientCode;
        event.statusCode = attempt.delivered ? "sent" : "delivery_failed";
        event.description = attempt.delivered ? "Đã gửi" : attempt.detail;
        event.reportedAt = isoTime(at);
        event.recordedAt = isoTimeNowPrecise();
        state.addTrackingEvent(event);
      }
      return 0;
    });
    services_.log.info(attempt.delivered ? "exchange_delivered"
                       : giveUp          ? "exchange_given_up"
                                         : "exchange_retry",
                       {{"message_id", message.id},
                        {"kind", message.kind},
                        {"recipient", message.recipientCode},
                        {"attempt", std::to_string(attempts)},
                        {"detail", attempt.detail}});
    if (attempt.delivered) ++delivered;
  }
  return static_cast<int>(due.size()) == kBatch ? kBatch : delivered;
}

ExchangeSender::Attempt ExchangeSender::deliver(const workflow::OutboxMessage& message) {
  auto recipient = services_.withDatabase([&](storage::Database& database) {
    std::optional<workflow::Organisation> found;
    for (auto& organisation : storage::SqlDirectoryRepository(database).listOrganisations()) {
      if (organisation.code == message.recipientCode) found = organisation;
    }
    return found;
  });
  Attempt attempt;
  if (!recipient) {
    attempt.permanent = true;
    attempt.detail = "no agency " + message.recipientCode + " in the directory";
    return attempt;
  }
  ScratchFile payload(services_.config.dataDir, "outbox-");
  services_.withBlobs([&](storage::BlobStore& blobs) {
    auto in = blobs.open(message.payloadHash);
    std::ofstream out(payload.path(), std::ios::binary);
    Poco::StreamCopier::copyStream(*in, out);
    out.close();
    if (!out) throw Error(ErrorCode::IoFailure, "writing " + payload.path().string() + " failed");
    return 0;
  });
  if (!recipient->endpoint.empty()) {
    return deliverOverHttp(message, recipient->endpoint, payload.path());
  }
  // Hosted here: the same inbox, in process.
  auto receipt = exchange_.receive(payload.path(), message.kind == "status", recipient->id,
                                   "outbox-" + message.id);
  if (!receipt) {
    attempt.permanent = isPermanent(receipt.status().code());
    attempt.detail =
        std::string(errorCodeName(receipt.status().code())) + ": " + receipt.status().message();
    return attempt;
  }
  attempt.delivered = true;
  attempt.detail = receipt.value().outcome + ": " + receipt.value().note;
  return attempt;
}

ExchangeSender::Attempt ExchangeSender::deliverOverHttp(const workflow::OutboxMessage& message,
                                                        const std::string& endpoint,
                                                        const std::filesystem::path& payload) {
  Attempt attempt;
  auto credentials = services_.withDatabase([&](storage::Database& database) {
    return storage::SqlExchangeState(database).peerCredentials(message.recipientCode);
  });
  try {
    Poco::URI uri(endpoint);
    std::string path = uri.getPath();
    while (!path.empty() && path.back() == '/') path.pop_back();
    path += "/api/v1/exchange/inbox";
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    std::optional<ScratchFile> caFile;
    if (uri.getScheme() == "https") {
      std::string caLocation;
      if (credentials && !credentials->caPem.empty()) {
        caFile.emplace(services_.config.dataDir, "peer-ca-");
        if (auto written = caFile->write(credentials->caPem); !written) {
          attempt.detail = written.message();
          return attempt;
        }
        caLocation = caFile->path().string();
      }
      Poco::Net::Context::Ptr context =
          new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", caLocation,
                                 Poco::Net::Context::VERIFY_STRICT, 9, caLocation.empty());
      session =
          std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), context);
    } else if (uri.getScheme() == "http") {
      session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    } else {
      attempt.permanent = true;
      attempt.detail = "endpoint " + endpoint + " is not an http or https URL";
      return attempt;
    }
    session->setTimeout(Poco::Timespan(60, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/xml");
    request.setContentLength64(static_cast<Poco::Int64>(std::filesystem::file_size(payload)));
    request.set("X-Edxml-Message-Type", message.kind == "status" ? "status" : "edoc");
    request.set("X-Message-Id", message.id);
    if (credentials && !credentials->token.empty()) {
      request.set("Authorization", "Bearer " + credentials->token);
    }
    std::ifstream in(payload, std::ios::binary);
    Poco::StreamCopier::copyStream(in, session->sendRequest(request));
    Poco::Net::HTTPResponse response;
    std::istream& body = session->receiveResponse(response);
    std::ostringstream answer;
    Poco::StreamCopier::copyStream(body, answer, 4096);
    const int status = static_cast<int>(response.getStatus());
    std::string text = answer.str().substr(0, 500);
    if (status >= 200 && status < 300) {
      attempt.delivered = true;
      attempt.detail = text;
    } else {
      attempt.permanent = isPermanentHttp(status);
      attempt.detail = "HTTP " + std::to_string(status) + " from " + endpoint + ": " + text;
    }
  } catch (const Poco::Exception& e) {
    attempt.detail = endpoint + ": " + e.displayText();
  }
  return attempt;
}

}  // namespace vanthu::api
