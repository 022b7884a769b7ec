#pragma once

// The connection layer under the router: plain HTTP or HTTPS (Poco NetSSL), worker threads with
// a bounded queue, a deadline for slow clients and an immediate 503 when the queue is full.
//
// Poco's own HTTPServer gives neither: its receive timeout restarts with every byte (a client
// sending one byte a second holds a worker forever), and a full TCPServerDispatcher queue just
// closes the new connection without an answer.

#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/ServerSocket.h>

#include <chrono>
#include <memory>

#include "vanthu/api/server_config.h"
#include "vanthu/api/structured_log.h"

namespace vanthu::api {

/// A bound, listening socket for `config` (a SecureServerSocket when TLS is configured).
/// Throws vanthu::Error(IoFailure) or (InvalidConfig) with what to do.
Poco::Net::ServerSocket listeningSocket(const ServerConfig& config);

class HttpTransport {
 public:
  HttpTransport(const ServerConfig& config, StructuredLog& log,
                Poco::Net::HTTPRequestHandlerFactory::Ptr factory,
                const Poco::Net::ServerSocket& socket);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  void start();
  /// Stops accepting, closes idle connections and waits (a few seconds at most) for the
  /// requests being answered.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vanthu::api
