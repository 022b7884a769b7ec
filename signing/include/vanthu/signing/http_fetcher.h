#pragma once

// The signing engine's only way onto the network (DESIGN §3): TSA requests, OCSP requests and
// CRL downloads go through an HttpFetcher, so tests and air-gapped deployments control it.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace vanthu::signing {

struct HttpResponse {
  int status = 0;
  std::string contentType;
  std::string body;
};

/// Port: plain HTTP GET and POST. Throws vanthu::Error(IoFailure) naming the URL when the server
/// cannot be reached, times out, or sends more than the limit; an HTTP error status is returned,
/// not thrown.
class HttpFetcher {
 public:
  virtual ~HttpFetcher() = default;
  virtual HttpResponse get(const std::string& url) = 0;
  virtual HttpResponse post(const std::string& url, const std::string& contentType,
                            const std::string& body) = 0;
};

struct HttpFetcherOptions {
  std::chrono::milliseconds timeout{10000};
  size_t maxResponseBytes = 16u * 1024u * 1024u;
};

/// The real fetcher (Poco::Net, http:// URLs).
std::unique_ptr<HttpFetcher> makeHttpFetcher(const HttpFetcherOptions& options = {});

}  // namespace vanthu::signing
