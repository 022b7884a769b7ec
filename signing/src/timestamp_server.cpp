#include "vanthu/signing/timestamp_server.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/String.h>
#include <Poco/Timespan.h>

#include <istream>

#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

using Poco::Net::HTTPResponse;

// RFC 3161 3.4.
constexpr const char* kQueryType = "application/timestamp-query";
constexpr const char* kReplyType = "application/timestamp-reply";
// How much of an oversized body is read (and dropped) before answering 413, so that a client that
// sends its whole body before reading gets the 413 instead of a connection reset.
constexpr size_t kMaxDrainBytes = 1024u * 1024u;

// "application/timestamp-query; charset=x" → "application/timestamp-query", lower case.
std::string mediaType(const std::string& contentType) {
  return Poco::toLower(Poco::trim(contentType.substr(0, contentType.find(';'))));
}

void sendText(Poco::Net::HTTPServerResponse& response, HTTPResponse::HTTPStatus status,
              const std::string& text) {
  response.setStatus(status);
  response.setContentType("text/plain; charset=utf-8");
  response.setContentLength(static_cast<std::streamsize>(text.size() + 1));
  response.send() << text << '\n';
}

// Reads at most `limit` bytes; returns false (having read limit + 1) when there is more.
bool readBody(std::istream& in, size_t limit, std::string& body) {
  char buffer[8192];
  while (body.size() <= limit && (in.read(buffer, sizeof buffer) || in.gcount() > 0)) {
    body.append(buffer, static_cast<size_t>(in.gcount()));
  }
  return body.size() <= limit;
}

class TimestampHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit TimestampHandler(const TimestampAuthority& authority) : authority_(authority) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    response.set("Cache-Control", "no-store");
    // A refused request's body is not read, so its connection cannot carry another request.
    bool refused = request.getMethod() != Poco::Net::HTTPRequest::HTTP_POST ||
                   mediaType(request.getContentType()) != kQueryType;
    if (refused) response.setKeepAlive(false);
    if (request.getMethod() != Poco::Net::HTTPRequest::HTTP_POST) {
      response.set("Allow", "POST");
      sendText(response, HTTPResponse::HTTP_METHOD_NOT_ALLOWED,
               "a time-stamp request is a POST (RFC 3161 3.4)");
      return;
    }
    if (mediaType(request.getContentType()) != kQueryType) {
      sendText(response, HTTPResponse::HTTP_UNSUPPORTED_MEDIA_TYPE,
               std::string("the body must be ") + kQueryType + " (RFC 3161 3.4)");
      return;
    }
    constexpr size_t kLimit = TimestampServer::kMaxTimestampQueryBytes;
    const std::string tooLarge =
        "a time-stamp request is at most " + std::to_string(kLimit) + " bytes";
    if (request.hasContentLength() && request.getContentLength64() > 0 &&
        static_cast<uint64_t>(request.getContentLength64()) > kLimit) {
      respondTooLarge(request, response, tooLarge);
      return;
    }
    std::string body;
    if (!readBody(request.stream(), kLimit, body)) {
      respondTooLarge(request, response, tooLarge);
      return;
    }
    std::string reply;
    try {
      reply = authority_.respond(body);
    } catch (const Error& e) {
      // The TSA itself failed (bad input is answered with a rejection, not thrown).
      sendText(response, HTTPResponse::HTTP_INTERNAL_SERVER_ERROR,
               std::string("the time-stamping authority failed: ") + e.what());
      return;
    }
    response.setStatus(HTTPResponse::HTTP_OK);
    response.setContentType(kReplyType);
    response.setContentLength(static_cast<std::streamsize>(reply.size()));
    response.send() << reply;
  }

 private:
  static void respondTooLarge(Poco::Net::HTTPServerRequest& request,
                              Poco::Net::HTTPServerResponse& response, const std::string& text) {
    std::string ignored;
    readBody(request.stream(), kMaxDrainBytes, ignored);
    // What is left of the body is not read, so the connection cannot carry another request.
    response.setKeepAlive(false);
    sendText(response, HTTPResponse::HTTP_REQUEST_ENTITY_TOO_LARGE, text);
  }

  const TimestampAuthority& authority_;
};

class TimestampHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit TimestampHandlerFactory(const TimestampAuthority& authority) : authority_(authority) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new TimestampHandler(authority_);
  }

 private:
  const TimestampAuthority& authority_;
};

}  // namespace

struct TimestampServer::Impl {
  const TimestampAuthority& authority;
  std::unique_ptr<Poco::Net::HTTPServer> server;
  std::string host;
  uint16_t boundPort = 0;

  explicit Impl(const TimestampAuthority& a) : authority(a) {}
};

TimestampServer::TimestampServer(const TimestampAuthority& authority)
    : impl_(std::make_unique<Impl>(authority)) {}

TimestampServer::~TimestampServer() {
  stop();
}

void TimestampServer::start(const std::string& host, uint16_t port) {
  if (impl_->server) throw Error(ErrorCode::InvalidState, "the TSA server is already running");
  Poco::Net::ServerSocket socket;
  try {
    // SO_REUSEADDR for quick restarts, never SO_REUSEPORT (a second TSA must fail loudly).
    socket.bind(Poco::Net::SocketAddress(host, port), true, false);
    socket.listen(64);
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::IoFailure, "the TSA cannot listen on " + host + ":" +
                                          std::to_string(port) + ": " + e.displayText());
  }
  impl_->host = host;
  impl_->boundPort = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;  // owned by the server (Poco AutoPtr)
  params->setMaxThreads(8);
  params->setMaxQueued(64);
  params->setKeepAlive(true);
  params->setTimeout(Poco::Timespan(10, 0));
  params->setServerName("vanthu-tsa");
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(
      new TimestampHandlerFactory(impl_->authority), socket, params);
  impl_->server->start();
}

uint16_t TimestampServer::port() const {
  return impl_->boundPort;
}

std::string TimestampServer::url() const {
  // An IPv6 literal needs brackets in a URL.
  std::string host =
      impl_->host.find(':') != std::string::npos ? "[" + impl_->host + "]" : impl_->host;
  return "http://" + host + ":" + std::to_string(impl_->boundPort) + "/";
}

void TimestampServer::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stopAll(false);
  impl_->server.reset();
}

}  // namespace vanthu::signing
