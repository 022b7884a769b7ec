#include "http_transport.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>
#include <Poco/ThreadPool.h>
#include <Poco/Timestamp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "metrics.h"
#include "vanthu/api/problem.h"

namespace vanthu::api {
namespace {

// How long a keep-alive connection keeps its thread while other connections wait for one.
constexpr std::chrono::milliseconds kTurn{2};

using Clock = std::chrono::steady_clock;

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// Mozilla's "intermediate" TLS 1.2 suites: forward secrecy and AEAD only. TLS 1.3 suites are
// OpenSSL's defaults, which are all modern.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// At most this many overloaded connections wait for their 503; beyond it they are just closed.
constexpr size_t kMaxOverloadBacklog = 2048;

Poco::Net::Context::Ptr serverTlsContext(const ServerConfig& config) {
  Poco::Net::initializeSSL();
  Poco::Net::Context::Params params;
  params.privateKeyFile = config.tlsKey.string();
  params.certificateFile = config.tlsCertificate.string();
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  params.cipherList = kTls12Ciphers;
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::InvalidConfig,
                "cannot use server.tls_certificate '" + config.tlsCertificate.string() +
                    "' with server.tls_key '" + config.tlsKey.string() + "': " + e.displayText());
  }
  SSL_CTX* ssl = context->sslContext();
  // Poco loads the key without comparing it to the certificate; every handshake would fail.
  if (SSL_CTX_check_private_key(ssl) != 1) {
    throw Error(ErrorCode::InvalidConfig, "server.tls_key '" + config.tlsKey.string() +
                                              "' is not the key of server.tls_certificate '" +
                                              config.tlsCertificate.string() + "'");
  }
  SSL_CTX_set_min_proto_version(ssl,
                                config.tlsMinVersion == "1.3" ? TLS1_3_VERSION : TLS1_2_VERSION);
  // Compression invites CRIME; renegotiation lets one client make the server redo handshakes.
  SSL_CTX_set_options(
      ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  return context;
}

std::string clientOf(const Poco::Net::StreamSocket& socket) {
  try {
    return socket.peerAddress().toString();
  } catch (const Poco::Exception&) {
    return "unknown";
  }
}

// A connection the watchdog may cut: reading a request (since readingSinceMs) or answering one
// (readingSinceMs == 0, no deadline: the handler's own receive timeout applies to a body).
struct WatchedConnection {
  Poco::Net::StreamSocket socket;
  std::atomic<int64_t> readingSinceMs;
};

class ConnectionWatchdog {
 public:
  ConnectionWatchdog(std::chrono::seconds timeout, StructuredLog& log)
      : timeoutMs_(timeout.count() * 1000), log_(log) {}
  ~ConnectionWatchdog() { stop(); }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void add(WatchedConnection* connection) {
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.insert(connection);
  }
  void remove(WatchedConnection* connection) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      connections_.erase(connection);
    }
    changed_.notify_all();
  }
  /// Cuts every connection that is waiting for a request (shutting down).
  void closeWaiting() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto* connection : connections_) {
      if (connection->readingSinceMs.load() != 0) shutdown(*connection);
    }
  }
  bool waitUntilEmpty(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [this] { return connections_.empty(); });
  }

 private:
  static void shutdown(WatchedConnection& connection) {
    connection.readingSinceMs = 0;
    // The descriptor, not Poco's shutdown(): over TLS that would write a close_notify through
    // the SSL object the worker thread is reading with, and OpenSSL objects are not shared
    // between threads. The worker's read then fails and it closes the connection itself.
    if (auto* impl = connection.socket.impl(); impl != nullptr && impl->sockfd() >= 0) {
      ::shutdown(impl->sockfd(), SHUT_RDWR);
    }
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      changed_.wait_for(lock, std::chrono::milliseconds(200));
      int64_t now = nowMs();
      for (auto* connection : connections_) {
        int64_t since = connection->readingSinceMs.load();
        if (since == 0 || now - since <= timeoutMs_) continue;
        log_.warning("connection_timed_out",
                     {{"client", clientOf(connection->socket)},
                      {"after_ms", std::to_string(now - since)},
                      {"reason", "no complete request within server.request_timeout"}});
        shutdown(*connection);
      }
    }
  }

  int64_t timeoutMs_;
  StructuredLog& log_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<WatchedConnection*> connections_;
  bool stopping_ = false;
  std::thread thread_;
};

std::string methodOf(const std::string& requestHead) {
  auto space = requestHead.find(' ');
  return methodLabel(space == std::string::npos ? "" : requestHead.substr(0, space));
}

// Answers connections the queue has no room for with a quick 503 on its own thread, so neither
// the acceptor nor the workers wait for them. The request is read first (polled, for two
// seconds at most): closing a socket with unread bytes sends a reset, which can destroy the 503
// before the client reads it.
class OverloadResponder {
 public:
  explicit OverloadResponder(StructuredLog& log) : log_(log) {}
  ~OverloadResponder() { stop(); }

  void start() {
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      arrivals_.clear();
    }
    arrived_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool offer(const Poco::Net::StreamSocket& socket) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ || arrivals_.size() + waitingCount_ >= kMaxOverloadBacklog) return false;
      arrivals_.push_back({socket, Clock::now(), {}});
    }
    arrived_.notify_one();
    return true;
  }

 private:
  struct Waiting {
    Poco::Net::StreamSocket socket;
    Clock::time_point since;
    std::string head;
  };

  void loop() {
    std::vector<Waiting> waiting;
    int answered = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        if (waiting.empty()) {
          arrived_.wait_for(lock, std::chrono::seconds(1),
                            [this] { return stopping_ || !arrivals_.empty(); });
        }
        if (stopping_) return;
        for (auto& arrival : arrivals_) waiting.push_back(std::move(arrival));
        arrivals_.clear();
        waitingCount_ = waiting.size();
      }
      if (waiting.empty()) {
        if (answered > 0) {
          log_.warning("overloaded", {{"answered_503", std::to_string(answered)}});
          answered = 0;
        }
        continue;
      }
      Poco::Net::Socket::SocketList readable, writable, failed;
      for (const auto& entry : waiting) readable.push_back(entry.socket);
      try {
        Poco::Net::Socket::select(readable, writable, failed, Poco::Timespan(0, 50000));
      } catch (const Poco::Exception&) {
        readable.clear();
      }
      auto now = Clock::now();
      std::vector<Waiting> still;
      for (auto& entry : waiting) {
        bool ready = std::find(readable.begin(), readable.end(), entry.socket) != readable.end();
        bool gone = false;
        if (ready) gone = !readMore(entry);
        bool complete =
            entry.head.find("\r\n\r\n") != std::string::npos || entry.head.size() >= 16384;
        if (gone) {
          close(entry.socket);
        } else if (complete || now - entry.since > std::chrono::seconds(2)) {
          answer(entry);
          ++answered;
        } else {
          still.push_back(std::move(entry));
        }
      }
      waiting = std::move(still);
    }
  }

  static bool readMore(Waiting& entry) {
    char buffer[4096];
    try {
      entry.socket.setReceiveTimeout(Poco::Timespan(0, 50000));
      int received = entry.socket.receiveBytes(buffer, sizeof buffer);
      if (received <= 0) return false;
      entry.head.append(buffer, static_cast<size_t>(received));
      return true;
    } catch (const Poco::TimeoutException&) {
      return true;  // a TLS handshake in progress
    } catch (const Poco::Exception&) {
      return false;
    }
  }

  static void close(Poco::Net::StreamSocket& socket) {
    try {
      socket.close();
    } catch (const Poco::Exception&) {
      // already closed
    }
  }

  static void answer(Waiting& entry) {
    std::string body =
        problemJson(ErrorCode::Unavailable, "the server is busy; retry in a moment", "", "");
    std::string response =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
        "Content-Length: " +
        std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
    try {
      entry.socket.setSendTimeout(Poco::Timespan(1, 0));
      size_t sent = 0;
      while (sent < response.size()) {
        int n = entry.socket.sendBytes(response.data() + sent,
                                       static_cast<int>(response.size() - sent));
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      entry.socket.shutdownSend();
    } catch (const Poco::Exception&) {
      // the client left
    }
    close(entry.socket);
    recordHttpRequest(methodOf(entry.head), "unmatched", 503,
                      std::chrono::duration<double>(Clock::now() - entry.since).count());
  }

  StructuredLog& log_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<Waiting> arrivals_;
  size_t waitingCount_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

struct HttpTransport::Impl {
  const ServerConfig& config;
  StructuredLog& log;
  Poco::Net::HTTPRequestHandlerFactory::Ptr factory;
  Poco::Net::HTTPServerParams::Ptr params;
  ConnectionWatchdog watchdog;
  OverloadResponder overload;
  Poco::ThreadPool pool;
  std::unique_ptr<Poco::Net::TCPServer> server;
  std::atomic<bool> stopping{false};

  Impl(const ServerConfig& c, StructuredLog& l, Poco::Net::HTTPRequestHandlerFactory::Ptr f)
      : config(c),
        log(l),
        factory(std::move(f)),
        params(new Poco::Net::HTTPServerParams),
        watchdog(c.requestTimeout, l),
        overload(l),
        pool(1, c.threads) {}
};

namespace {

// Poco's HTTPServerConnection::run, plus the read deadline and problem+json for requests that
// cannot be parsed (Poco answers those with an empty 400).
class GuardedConnection : public Poco::Net::TCPServerConnection {
 public:
  GuardedConnection(const Poco::Net::StreamSocket& socket, HttpTransport::Impl& transport)
      : Poco::Net::TCPServerConnection(socket), transport_(transport) {}

  void run() override {
    WatchedConnection watched{socket(), {nowMs()}};
    transport_.watchdog.add(&watched);
    try {
      serve(watched);
    } catch (...) {
      transport_.watchdog.remove(&watched);
      throw;
    }
    transport_.watchdog.remove(&watched);
  }

 private:
  void serve(WatchedConnection& watched) {
    auto& params = transport_.params;
    Poco::Net::HTTPServerSession session(socket(), params);
    const auto turnStarted = std::chrono::steady_clock::now();
    while (!transport_.stopping && session.hasMoreRequests()) {
      try {
        Poco::Net::HTTPServerResponseImpl response(session);
        Poco::Net::HTTPServerRequestImpl request(response, session, params.get());
        watched.readingSinceMs = 0;
        response.setDate(Poco::Timestamp());
        response.setVersion(request.getVersion());
        // A thread serves one connection while it stays open: when others wait for a thread
        // and this one has had its turn (a few milliseconds), it is closed after this answer so
        // that they get theirs. Without it a busy keep-alive client starves the queue; closing
        // at once instead would make every client reconnect for every request under load.
        bool othersWaiting = transport_.server->queuedConnections() > 0 &&
                             std::chrono::steady_clock::now() - turnStarted > kTurn;
        response.setKeepAlive(params->getKeepAlive() && request.getKeepAlive() &&
                              session.canKeepAlive() && !transport_.stopping && !othersWaiting);
        std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
            transport_.factory->createRequestHandler(request));
        if (request.getExpectContinue() &&
            response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK) {
          response.sendContinue();
        }
        handler->handleRequest(request, response);
        session.setKeepAlive(params->getKeepAlive() && response.getKeepAlive() &&
                             session.canKeepAlive());
      } catch (const Poco::Net::NoMessageException&) {
        break;
      } catch (const Poco::Net::MessageException& e) {
        refuse(session, e.displayText());
        break;
      } catch (const Poco::Exception&) {
        // A reset, a timeout or a cut by the watchdog: nothing left to answer to.
        break;
      }
      watched.readingSinceMs = nowMs();
    }
  }

  void refuse(Poco::Net::HTTPServerSession& session, const std::string& reason) {
    transport_.log.warning("request_unreadable",
                           {{"client", clientOf(socket())}, {"reason", reason}});
    recordHttpRequest("other", "unmatched", 400, 0);
    try {
      std::string body = problemJson(
          ErrorCode::InvalidArgument,
          "the request cannot be read (" + reason +
              "); at most 100 header fields, names of 256 and values of 8192 bytes, a target of "
              "16384 bytes",
          "", "");
      {
        // send(), not sendBuffer(): without a parsed request Poco's sendBuffer drops the body.
        Poco::Net::HTTPServerResponseImpl response(session);
        response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
        response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
        response.setKeepAlive(false);
        response.setContentType("application/problem+json");
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        std::ostream& out = response.send();
        out << body;
        out.flush();
      }
      session.setKeepAlive(false);
      // The rest of the request is still arriving; closing on unread bytes would send a reset
      // that can destroy the answer before the client reads it. Drain a bounded amount first.
      socket().shutdownSend();
      socket().setReceiveTimeout(Poco::Timespan(1, 0));
      char discard[8192];
      for (size_t drained = 0; drained < (1u << 20);) {
        int n = socket().receiveBytes(discard, sizeof discard);
        if (n <= 0) break;
        drained += static_cast<size_t>(n);
      }
    } catch (const Poco::Exception&) {
      // the client left, or kept sending past the drain
    }
  }

  HttpTransport::Impl& transport_;
};

class GuardedConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit GuardedConnectionFactory(HttpTransport::Impl& transport) : transport_(transport) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new GuardedConnection(socket, transport_);
  }

 private:
  HttpTransport::Impl& transport_;
};

class QueueLimit : public Poco::Net::TCPServerConnectionFilter {
 public:
  explicit QueueLimit(HttpTransport::Impl& transport) : transport_(transport) {}
  bool accept(const Poco::Net::StreamSocket& socket) override {
    if (transport_.server->queuedConnections() < transport_.config.maxQueued) return true;
    transport_.overload.offer(socket);
    return false;
  }

 private:
  HttpTransport::Impl& transport_;
};

}  // namespace

Poco::Net::ServerSocket listeningSocket(const ServerConfig& config) {
  Poco::Net::ServerSocket socket;
  if (config.tlsEnabled()) socket = Poco::Net::SecureServerSocket(serverTlsContext(config));
  try {
    Poco::Net::SocketAddress address(config.host, config.port);
    // SO_REUSEADDR for quick restarts, but never SO_REUSEPORT: a second server on the same port
    // must fail loudly instead of silently sharing the traffic.
    socket.bind(address, true, false);
    // A deep backlog: a burst of connections is accepted (and answered, if only with 503)
    // instead of waiting for SYN retries.
    socket.listen(1024);
  } catch (const Poco::Net::NetException& e) {
    std::string where = config.host + ":" + std::to_string(config.port);
    if (e.displayText().find("in use") != std::string::npos) {
      throw Error(ErrorCode::IoFailure, "port " + std::to_string(config.port) + " on " +
                                            config.host +
                                            " is already in use; stop the other process or "
                                            "choose another port with --port N");
    }
    throw Error(ErrorCode::IoFailure, "cannot listen on " + where + ": " + e.displayText() +
                                          "; check server.host / --port");
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::IoFailure,
                "cannot listen on " + config.host + ": " + e.displayText() + "; check server.host");
  }
  return socket;
}

HttpTransport::HttpTransport(const ServerConfig& config, StructuredLog& log,
                             Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                             const Poco::Net::ServerSocket& socket)
    : impl_(std::make_unique<Impl>(config, log, std::move(factory))) {
  auto& params = impl_->params;
  params->setMaxThreads(config.threads);
  // Poco refuses (closes) beyond its own limit; QueueLimit diverts to the 503 responder first.
  params->setMaxQueued(config.maxQueued + 1);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(std::min<long>(config.requestTimeout.count(), 10), 0));
  params->setMaxKeepAliveRequests(1000);
  params->setTimeout(Poco::Timespan(config.requestTimeout.count(), 0));
  params->setServerName("vanthu");
  impl_->server = std::make_unique<Poco::Net::TCPServer>(new GuardedConnectionFactory(*impl_),
                                                         impl_->pool, socket, params);
  impl_->server->setConnectionFilter(new QueueLimit(*impl_));
}

HttpTransport::~HttpTransport() {
  stop();
}

void HttpTransport::start() {
  impl_->watchdog.start();
  impl_->overload.start();
  impl_->server->start();
}

void HttpTransport::stop() {
  if (!impl_->server) return;
  impl_->server->stop();
  impl_->stopping = true;
  impl_->watchdog.closeWaiting();
  bool drained = impl_->watchdog.waitUntilEmpty(std::chrono::seconds(10));
  if (!drained) impl_->log.warning("requests_still_running_at_stop");
  impl_->overload.stop();
  impl_->watchdog.stop();
  impl_->server.reset();
  if (drained) impl_->pool.joinAll();
}

}  // namespace vanthu::api
