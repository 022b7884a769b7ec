#pragma once

// The vanthu HTTP service: /healthz, /readyz, the home page and (as issues land) /api/v1.

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vanthu/api/server_config.h"
#include "vanthu/api/structured_log.h"

namespace vanthu::api {

class HttpServer {
 public:
  /// Opens the database named by `config` (applying migrations). Borrows `log`.
  /// Throws vanthu::Error(DatabaseUnavailable) when the database cannot be opened.
  HttpServer(const ServerConfig& config, StructuredLog& log);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts serving. Throws vanthu::Error(IoFailure) when the address is taken or
  /// cannot be bound, with a message that says what to do.
  void start();
  /// Stops accepting, lets requests in flight finish. Idempotent.
  void stop();
  /// The bound port (useful with port 0). Requires: start() succeeded.
  uint16_t port() const;
  /// Every route served, as (method, path pattern), in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

  struct Impl;  // opaque: Poco stays in api/src

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vanthu::api
