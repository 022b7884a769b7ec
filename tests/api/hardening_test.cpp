// Connection-level hardening over real sockets on loopback (issue 6, point 6): slow clients are
// cut off, a burst of connections is answered (200 or 503) without hanging, and requests that
// cannot be parsed get a problem+json.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "vanthu/api/http_server.h"

using namespace vanthu;
using vanthu::test::TempDir;
using Clock = std::chrono::steady_clock;

namespace {

struct RunningServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  explicit RunningServer(std::chrono::seconds requestTimeout = std::chrono::seconds(30),
                         int threads = 16, int maxQueued = 256) {
    config.dataDir = dir.path();
    config.port = 0;
    config.requestTimeout = requestTimeout;
    config.threads = threads;
    config.maxQueued = maxQueued;
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }
  uint16_t port() const { return server->port(); }
};

int healthStatus(uint16_t port) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  session.setTimeout(Poco::Timespan(10, 0));
  Poco::Net::HTTPRequest request("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  return static_cast<int>(response.getStatus());
}

void sendAll(Poco::Net::StreamSocket& socket, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    int n = socket.sendBytes(bytes.data() + sent, static_cast<int>(bytes.size() - sent));
    REQUIRE(n > 0);
    sent += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes the connection (or `limit` passes).
std::string readUntilClosed(Poco::Net::StreamSocket& socket, Poco::Timespan limit) {
  socket.setReceiveTimeout(limit);
  std::string all;
  char buffer[4096];
  for (;;) {
    int n = 0;
    try {
      n = socket.receiveBytes(buffer, sizeof buffer);
    } catch (const Poco::TimeoutException&) {
      return all + "<timeout>";
    } catch (const Poco::Exception&) {
      return all + "<reset>";
    }
    if (n <= 0) return all;
    all.append(buffer, static_cast<size_t>(n));
  }
}

std::string rawRequest(uint16_t port, const std::string& bytes) {
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  sendAll(socket, bytes);
  return readUntilClosed(socket, Poco::Timespan(10, 0));
}

int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

}  // namespace

TEST_CASE("a client that sends one header byte per second is cut off after the timeout",
          "[api][hardening]") {
  RunningServer running(std::chrono::seconds(2));
  Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
  auto started = Clock::now();
  bool disconnected = false;
  bool othersServed = false;
  for (size_t i = 0; i < 12 && !disconnected; ++i) {
    try {
      slow.sendBytes(i < request.size() ? &request[i] : "a", 1);
    } catch (const Poco::Exception&) {
      disconnected = true;
      break;
    }
    if (slow.poll(Poco::Timespan(1, 0), Poco::Net::Socket::SELECT_READ)) {
      char byte;
      int n = 0;
      try {
        n = slow.receiveBytes(&byte, 1);
      } catch (const Poco::Exception&) {
        n = 0;
      }
      disconnected = n == 0;
    }
    if (i == 0) othersServed = healthStatus(running.port()) == 200;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  CHECK(othersServed);
  REQUIRE(disconnected);
  CHECK(seconds >= 1.5);
  CHECK(seconds < 6);
  CHECK(running.logs.str().find("\"event\":\"connection_timed_out\"") != std::string::npos);
  CHECK(healthStatus(running.port()) == 200);
}

TEST_CASE("a keep-alive connection that stays idle is closed after the timeout",
          "[api][hardening]") {
  RunningServer running(std::chrono::seconds(1));
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  auto started = Clock::now();
  std::string nothing = readUntilClosed(socket, Poco::Timespan(8, 0));
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  CHECK(nothing.empty());
  CHECK(seconds < 4);
}

TEST_CASE("1000 concurrent connections each get a complete answer and the server stays up",
          "[api][hardening]") {
  RunningServer running;
  const int connections = 1000;
  auto started = Clock::now();
  std::vector<Poco::Net::StreamSocket> sockets;
  sockets.reserve(connections);
  for (int i = 0; i < connections; ++i) {
    sockets.emplace_back(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  }
  const std::string request =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  for (auto& socket : sockets) sendAll(socket, request);
  int ok = 0;
  int busy = 0;
  std::vector<std::string> unexpected;
  for (auto& socket : sockets) {
    std::string response = readUntilClosed(socket, Poco::Timespan(20, 0));
    int status = statusOf(response);
    if (status == 200 && response.find("{\"status\":\"ok\"}") != std::string::npos) {
      ++ok;
    } else if (status == 503 &&
               response.find("Content-Type: application/problem+json") != std::string::npos &&
               response.find("\"code\":\"unavailable\"") != std::string::npos &&
               response.find("Retry-After: 1") != std::string::npos) {
      ++busy;
    } else if (unexpected.size() < 3) {
      unexpected.push_back(response.substr(0, 200));
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  INFO(ok << " answered 200, " << busy << " answered 503 in " << seconds << " s");
  for (const auto& text : unexpected) INFO("unexpected: " << text);
  CHECK(ok + busy == connections);
  CHECK(ok >= 16);  // at least the worker threads' share
  CHECK(seconds < 40);
  CHECK(healthStatus(running.port()) == 200);
}

TEST_CASE("a full queue is answered at once with 503 problem+json instead of a bare close",
          "[api][hardening]") {
  RunningServer running(std::chrono::seconds(30), 1, 1);
  // One connection holds the only worker, one waits in the queue: the third has no room.
  // The pauses let the worker take the first before the second arrives.
  Poco::Net::StreamSocket holder(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Poco::Net::StreamSocket queued(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto started = Clock::now();
  std::string response = rawRequest(
      running.port(), "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  CHECK(statusOf(response) == 503);
  CHECK(response.find("\"code\":\"unavailable\"") != std::string::npos);
  CHECK(seconds < 3);
  holder.close();
  queued.close();
  // The worker needs a moment to notice the two closed connections and empty the queue.
  int status = 0;
  for (int attempt = 0; attempt < 30 && status != 200; ++attempt) {
    status = healthStatus(running.port());
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(status == 200);
}

TEST_CASE("oversized or too many headers get a 400 problem and the server stays up",
          "[api][hardening]") {
  RunningServer running;
  std::string huge =
      "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n";
  std::string response = rawRequest(running.port(), huge);
  INFO(response);
  CHECK(statusOf(response) == 400);
  CHECK(response.find("Content-Type: application/problem+json") != std::string::npos);
  CHECK(response.find("\"code\":\"invalid_argument\"") != std::string::npos);

  std::string many = "GET /healthz HTTP/1.1\r\nHost: localhost\r\n";
  for (int i = 0; i < 150; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
  response = rawRequest(running.port(), many + "\r\n");
  CHECK(statusOf(response) == 400);
  CHECK(response.find("\"code\":\"invalid_argument\"") != std::string::npos);

  // The same request with a fair number of headers is fine: the limit is what refused it.
  std::string fair = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n";
  for (int i = 0; i < 20; ++i) fair += "X-H" + std::to_string(i) + ": v\r\n";
  CHECK(statusOf(rawRequest(running.port(), fair + "\r\n")) == 200);
  CHECK(healthStatus(running.port()) == 200);
}

TEST_CASE("a request target that is not a valid URI gets a 400 problem", "[api][hardening]") {
  RunningServer running;
  std::string response = rawRequest(
      running.port(), "GET /api/v1/%zz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
  CHECK(statusOf(response) == 400);
  CHECK(response.find("Content-Type: application/problem+json") != std::string::npos);
  CHECK(response.find("\"code\":\"invalid_argument\"") != std::string::npos);
  CHECK(response.find("not a valid URI") != std::string::npos);
}

TEST_CASE("server.request_timeout and server.max_queued are checked", "[api][hardening][config]") {
  auto build = [](const std::string& key, const std::string& value) {
    return api::buildServerConfig(
        {{"data.dir", "/tmp", "test"}, {key, value, "vanthu.properties:3"}});
  };
  auto defaults = api::buildServerConfig({{"data.dir", "/tmp", "test"}});
  REQUIRE(defaults.isOk());
  CHECK(defaults.value().requestTimeout == std::chrono::seconds(30));
  CHECK(defaults.value().maxQueued == 256);

  auto minutes = build("server.request_timeout", "2m");
  REQUIRE(minutes.isOk());
  CHECK(minutes.value().requestTimeout == std::chrono::seconds(120));
  for (const char* bad : {"0", "2h", "soon", "-5"}) {
    INFO(bad);
    auto refused = build("server.request_timeout", bad);
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::InvalidConfig);
    CHECK(refused.status().message().find("vanthu.properties:3") != std::string::npos);
  }
  auto queue = build("server.max_queued", "1024");
  REQUIRE(queue.isOk());
  CHECK(queue.value().maxQueued == 1024);
  for (const char* bad : {"0", "70000", "many"}) {
    INFO(bad);
    CHECK(build("server.max_queued", bad).status().code() == ErrorCode::InvalidConfig);
  }
  auto fromEnvironment =
      api::settingsFromEnvironment({"VANTHU_REQUEST_TIMEOUT=5s", "VANTHU_MAX_QUEUED=8"});
  REQUIRE(fromEnvironment.size() == 2);
  fromEnvironment.insert(fromEnvironment.begin(), {"data.dir", "/tmp", "test"});
  auto viaEnvironment = api::buildServerConfig(fromEnvironment);
  REQUIRE(viaEnvironment.isOk());
  CHECK(viaEnvironment.value().requestTimeout == std::chrono::seconds(5));
  CHECK(viaEnvironment.value().maxQueued == 8);
}
