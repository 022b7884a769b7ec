#include "vanthu/signing/http_fetcher.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>

#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

class PocoHttpFetcher final : public HttpFetcher {
 public:
  explicit PocoHttpFetcher(const HttpFetcherOptions& options) : options_(options) {}

  HttpResponse get(const std::string& url) override { return exchange("GET", url, "", ""); }

  HttpResponse post(const std::string& url, const std::string& contentType,
                    const std::string& body) override {
    return exchange("POST", url, contentType, body);
  }

 private:
  HttpResponse exchange(const std::string& method, const std::string& url,
                        const std::string& contentType, const std::string& body) {
    try {
      Poco::URI uri(url);
      if (uri.getScheme() != "http") {
        throw Error(
            ErrorCode::InvalidArgument,
            "only http:// URLs are fetched (TSA, OCSP and CRL services are plain HTTP): " + url);
      }
      Poco::Net::HTTPClientSession session(uri.getHost(), uri.getPort());
      session.setTimeout(Poco::Timespan(options_.timeout.count() * 1000));
      std::string target = uri.getPathAndQuery();
      if (target.empty()) target = "/";
      Poco::Net::HTTPRequest request(method, target, Poco::Net::HTTPMessage::HTTP_1_1);
      request.set("User-Agent", "vanthu");
      if (method == "POST") {
        request.setContentType(contentType);
        request.setContentLength(static_cast<std::streamsize>(body.size()));
      }
      session.sendRequest(request) << body;
      Poco::Net::HTTPResponse response;
      std::istream& in = session.receiveResponse(response);
      HttpResponse result;
      result.status = static_cast<int>(response.getStatus());
      result.contentType = response.getContentType();
      char buffer[16384];
      while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        result.body.append(buffer, static_cast<size_t>(in.gcount()));
        if (result.body.size() > options_.maxResponseBytes) {
          throw Error(ErrorCode::IoFailure, url + " sent more than " +
                                                std::to_string(options_.maxResponseBytes) +
                                                " bytes; refusing the rest");
        }
      }
      return result;
    } catch (const Poco::Exception& e) {
      throw Error(ErrorCode::IoFailure, "cannot reach " + url + ": " + e.displayText());
    }
  }

  HttpFetcherOptions options_;
};

}  // namespace

std::unique_ptr<HttpFetcher> makeHttpFetcher(const HttpFetcherOptions& options) {
  return std::make_unique<PocoHttpFetcher>(options);
}

}  // namespace vanthu::signing
