// HTTPS with Poco NetSSL (issue 6, point 1): a certificate from a test CA made with the openssl
// tool, Poco's HTTPS client trusting that CA, and openssl s_client as the independent judge of
// which protocol versions the server accepts.

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "test_support.h"
#include "vanthu/api/http_server.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

void run(const std::string& command) {
  INFO(command);
  REQUIRE(std::system((command + " >/dev/null 2>&1").c_str()) == 0);
}

// A CA and a server certificate for localhost / 127.0.0.1, as `vanthu demo init` or an
// operator's own CA would issue it, plus an unrelated key.
struct TestPki {
  TempDir dir;
  std::filesystem::path ca = dir.path() / "ca.pem";
  std::filesystem::path certificate = dir.path() / "server.pem";
  std::filesystem::path key = dir.path() / "server.key";
  std::filesystem::path otherKey = dir.path() / "other.key";

  TestPki() {
    std::string d = dir.path().string();
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "
        "'/CN=vanthu test CA' -addext 'basicConstraints=critical,CA:TRUE' -addext "
        "'keyUsage=critical,keyCertSign,cRLSign' -keyout " +
        d + "/ca.key -out " + ca.string());
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=localhost' "
        "-keyout " +
        key.string() + " -out " + d + "/server.csr");
    std::ofstream(dir.path() / "server.ext")
        << "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
           "basicConstraints=critical,CA:FALSE\n";
    run("openssl x509 -req -days 2 -in " + d + "/server.csr -CA " + ca.string() + " -CAkey " + d +
        "/ca.key -CAcreateserial -extfile " + d + "/server.ext -out " + certificate.string());
    run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out " + otherKey.string());
  }
};

struct TlsServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  TlsServer(const TestPki& pki, const std::string& minVersion = "1.2",
            std::chrono::seconds requestTimeout = std::chrono::seconds(30)) {
    config.dataDir = dir.path();
    config.port = 0;
    config.requestTimeout = requestTimeout;
    config.tlsCertificate = pki.certificate;
    config.tlsKey = pki.key;
    config.tlsMinVersion = minVersion;
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }
  uint16_t port() const { return server->port(); }
};

// Whether openssl s_client completes a handshake with `options` (e.g. "-tls1_2").
bool handshakes(uint16_t port, const std::string& caFile, const std::string& options) {
  std::string command = "timeout 20 openssl s_client -connect 127.0.0.1:" + std::to_string(port) +
                        " -CAfile " + caFile + " -verify_return_error " + options +
                        " </dev/null >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

Result<api::ServerConfig> configWith(const std::vector<api::Setting>& tls) {
  std::vector<api::Setting> layers = {{"data.dir", "/tmp", "test"}};
  layers.insert(layers.end(), tls.begin(), tls.end());
  return api::buildServerConfig(layers);
}

}  // namespace

TEST_CASE("the server answers /healthz over HTTPS to a client that trusts its CA", "[api][tls]") {
  TestPki pki;
  TlsServer running(pki);
  Poco::Net::initializeSSL();
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", pki.ca.string(),
                             Poco::Net::Context::VERIFY_STRICT);
  Poco::Net::HTTPSClientSession session("localhost", running.port(), context);
  Poco::Net::HTTPRequest request("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  CHECK(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  CHECK(body == "{\"status\":\"ok\"}");
  CHECK(response.get("Strict-Transport-Security", "") == "max-age=31536000");
  CHECK(running.logs.str().find("\"tls\":\"true\"") != std::string::npos);
}

TEST_CASE("plain HTTP gets no HSTS header", "[api][tls]") {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::HttpServer server(config, log);
  server.start();
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server.port()));
  std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string response;
  char buffer[4096];
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) response.append(buffer, n);
  CHECK(response.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(response.find("Strict-Transport-Security") == std::string::npos);
}

TEST_CASE("TLS 1.0 and 1.1 are refused while TLS 1.2 and 1.3 are accepted", "[api][tls]") {
  TestPki pki;
  TlsServer running(pki);
  // SECLEVEL=0 so that the client itself is willing to offer the old versions.
  CHECK_FALSE(handshakes(running.port(), pki.ca.string(), "-tls1 -cipher 'DEFAULT:@SECLEVEL=0'"));
  CHECK_FALSE(handshakes(running.port(), pki.ca.string(), "-tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'"));
  CHECK(handshakes(running.port(), pki.ca.string(), "-tls1_2"));
  CHECK(handshakes(running.port(), pki.ca.string(), "-tls1_3"));
  // No weak TLS 1.2 suites: a CBC-only, non-forward-secret offer fails.
  CHECK_FALSE(handshakes(running.port(), pki.ca.string(), "-tls1_2 -cipher AES128-SHA"));
}

TEST_CASE("server.tls_min_version = 1.3 refuses TLS 1.2", "[api][tls]") {
  TestPki pki;
  TlsServer running(pki, "1.3");
  CHECK_FALSE(handshakes(running.port(), pki.ca.string(), "-tls1_2"));
  CHECK(handshakes(running.port(), pki.ca.string(), "-tls1_3"));
}

TEST_CASE("plain HTTP on the TLS port gets no HTTP answer and the server stays up", "[api][tls]") {
  TestPki pki;
  TlsServer running(pki);
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  std::string request = "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
  socket.sendBytes(request.data(), static_cast<int>(request.size()));
  std::string response;
  char buffer[4096];
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  try {
    for (int n; (n = socket.receiveBytes(buffer, sizeof buffer)) > 0;) response.append(buffer, n);
  } catch (const Poco::Exception&) {
    // a reset is as good as a close here
  }
  CHECK(response.find("HTTP/1") == std::string::npos);
  CHECK(response.find("\"status\":\"ok\"") == std::string::npos);
  CHECK(handshakes(running.port(), pki.ca.string(), "-tls1_2"));
}

TEST_CASE("a client that trickles its TLS handshake is cut off after the timeout",
          "[api][tls][hardening]") {
  TestPki pki;
  TlsServer running(pki, "1.2", std::chrono::seconds(1));
  Poco::Net::StreamSocket slow(Poco::Net::SocketAddress("127.0.0.1", running.port()));
  // A TLS handshake record header announcing 512 bytes, then those bytes one every 250 ms: each
  // read gets something in time, so only the whole-request deadline can end it.
  const std::string header("\x16\x03\x01\x02\x00", 5);
  auto started = std::chrono::steady_clock::now();
  bool disconnected = false;
  for (int i = 0; i < 40 && !disconnected; ++i) {
    char byte = i < 5 ? header[static_cast<size_t>(i)] : '\x01';
    try {
      slow.sendBytes(&byte, 1);
    } catch (const Poco::Exception&) {
      disconnected = true;
      break;
    }
    if (slow.poll(Poco::Timespan(0, 250000), Poco::Net::Socket::SELECT_READ)) {
      char buffer[256];
      try {
        slow.receiveBytes(buffer, sizeof buffer);
      } catch (const Poco::Exception&) {
      }
      disconnected = true;
    }
  }
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  CHECK(disconnected);
  CHECK(seconds < 5);
  CHECK(running.logs.str().find("\"event\":\"connection_timed_out\"") != std::string::npos);
  CHECK(handshakes(running.port(), pki.ca.string(), "-tls1_2"));
}

TEST_CASE("TLS settings are checked before the server starts", "[api][tls][config]") {
  TestPki pki;
  auto cert = pki.certificate.string();
  auto key = pki.key.string();

  auto good =
      configWith({{"server.tls_certificate", cert, "test"}, {"server.tls_key", key, "test"}});
  REQUIRE(good.isOk());
  CHECK(good.value().tlsEnabled());
  CHECK(good.value().tlsMinVersion == "1.2");

  auto mismatched = configWith(
      {{"server.tls_certificate", cert, "test"}, {"server.tls_key", pki.otherKey.string(), "t"}});
  REQUIRE_FALSE(mismatched.isOk());
  CHECK(mismatched.status().code() == ErrorCode::InvalidConfig);
  CHECK(mismatched.status().message().find("is not the key of server.tls_certificate") !=
        std::string::npos);

  auto alone = configWith({{"server.tls_certificate", cert, "test"}});
  REQUIRE_FALSE(alone.isOk());
  CHECK(alone.status().code() == ErrorCode::InvalidConfig);
  CHECK(alone.status().message().find("go together") != std::string::npos);

  auto missing = configWith(
      {{"server.tls_certificate", cert + ".missing", "test"}, {"server.tls_key", key, "test"}});
  REQUIRE_FALSE(missing.isOk());
  CHECK(missing.status().message().find("cannot read server.tls_certificate") != std::string::npos);

  auto swapped =
      configWith({{"server.tls_certificate", key, "test"}, {"server.tls_key", cert, "t"}});
  REQUIRE_FALSE(swapped.isOk());
  CHECK(swapped.status().message().find("holds no PEM certificate") != std::string::npos);

  auto version = configWith({{"server.tls_min_version", "1.1", "test"}});
  REQUIRE_FALSE(version.isOk());
  CHECK(version.status().message().find("must be 1.2 or 1.3") != std::string::npos);

  auto fromEnvironment = api::settingsFromEnvironment(
      {"VANTHU_TLS_CERTIFICATE=" + cert, "VANTHU_TLS_KEY=" + key, "VANTHU_TLS_MIN_VERSION=1.3"});
  CHECK(fromEnvironment.size() == 3);
  auto viaEnvironment = configWith(fromEnvironment);
  REQUIRE(viaEnvironment.isOk());
  CHECK(viaEnvironment.value().tlsMinVersion == "1.3");
}

TEST_CASE("a server given a key that does not match its certificate refuses to start",
          "[api][tls]") {
  TestPki pki;
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  config.dataDir = dir.path();
  config.port = 0;
  config.tlsCertificate = pki.certificate;
  config.tlsKey = pki.otherKey;
  api::StructuredLog log(logs, api::LogLevel::Info, api::LogFormat::Json);
  api::HttpServer server(config, log);
  try {
    server.start();
    FAIL("the server started with a mismatched key");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidConfig);
    CHECK(std::string(e.what()).find("server.tls_key") != std::string::npos);
  }
}
