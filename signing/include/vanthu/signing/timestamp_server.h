#pragma once

// RFC 3161 over HTTP (RFC 3161 3.4): serves a TimestampAuthority with Poco::Net::HTTPServer.
// Used by tests (real loopback, port 0) and by `vanthu tsa`.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "vanthu/signing/timestamp_authority.h"

namespace vanthu::signing {

/// Any path: POST with Content-Type application/timestamp-query and a body of at most
/// kMaxTimestampQueryBytes → 200 application/timestamp-reply with the authority's TimeStampResp
/// (a rejection for a garbage body). Another method → 405 (Allow: POST); another content type →
/// 415; a larger body → 413; a TSA failure → 500 text/plain.
class TimestampServer {
 public:
  static constexpr size_t kMaxTimestampQueryBytes = 64u * 1024u;

  /// Borrows `authority`: it must outlive this server.
  explicit TimestampServer(const TimestampAuthority& authority);
  /// Stops the server if it is running.
  ~TimestampServer();
  TimestampServer(const TimestampServer&) = delete;
  TimestampServer& operator=(const TimestampServer&) = delete;

  /// Binds `host`:`port` (0 = a free port) and serves on background threads.
  /// Throws vanthu::Error(IoFailure) when the address cannot be bound, Error(InvalidState) when
  /// already started.
  void start(const std::string& host = "127.0.0.1", uint16_t port = 0);
  /// The bound port. Requires: start() succeeded.
  uint16_t port() const;
  /// "http://host:port/" for HttpTimeStamper. Requires: start() succeeded.
  std::string url() const;
  /// Stops accepting and waits for requests in flight. Idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vanthu::signing
