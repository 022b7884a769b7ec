// /metrics over real HTTP, the metrics registry, and what request logs carry (issue 6, point 6).

#include "metrics.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"

using namespace vanthu;
using vanthu::test::TempDir;

namespace {

const std::string kPassword = "mat-khau-giam-sat-2026";
const std::string kMetricsToken = "scrape-token-0123456789abcdef";

struct Reply {
  int status = 0;
  std::string contentType;
  std::string body;
  Poco::Net::HTTPResponse headers;
};

Reply call(uint16_t port, const std::string& method, const std::string& path,
           const std::string& body = "", const std::string& authorization = "") {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!authorization.empty()) request.set("Authorization", authorization);
  if (!body.empty()) {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  session.sendRequest(request) << body;
  Reply reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(reply.headers), reply.body);
  reply.status = static_cast<int>(reply.headers.getStatus());
  reply.contentType = reply.headers.getContentType();
  return reply;
}

// A data directory with an organisation, a user and an outgoing document with two messages in
// the exchange outbox, then a server on it.
struct MonitoredServer {
  TempDir dir;
  std::ostringstream logs;
  api::ServerConfig config;
  std::unique_ptr<api::StructuredLog> log;
  std::unique_ptr<api::HttpServer> server;

  explicit MonitoredServer(const std::string& metricsToken = "") {
    config.dataDir = dir.path();
    config.port = 0;
    config.metricsToken = metricsToken;
    {
      auto database = storage::Database::open({config.resolvedDatabaseUrl()});
      storage::SqlDirectoryRepository directory(*database);
      REQUIRE(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}).isOk());
      workflow::Organisation o;
      o.id = "ubnd";
      o.code = "000.00.00.H55";
      o.name = "Ủy ban nhân dân tỉnh Thái Nguyên";
      o.abbreviation = "UBND";
      o.tierCode = "province";
      REQUIRE(directory.addOrganisation(o).isOk());
      workflow::User user;
      user.id = "u-admin";
      user.username = "admin";
      user.fullName = "Trần Quản Trị";
      user.organisationId = "ubnd";
      user.passwordHash = api::hashPassword(kPassword, 1000);
      REQUIRE(directory.addUser(user).isOk());
      REQUIRE(directory.grantRole({"u-admin", workflow::Role::Administrator, "ubnd", {}}).isOk());
      storage::SqlDocumentRepository documents(*database);
      workflow::DocumentRecord d;
      d.id = "di-1";
      d.organisationId = "ubnd";
      d.direction = "outgoing";
      d.documentType = "CV";
      d.subject = "Về việc giám sát hệ thống";
      d.status = "registered";
      d.createdBy = "u-admin";
      d.createdAt = d.updatedAt = "2026-11-28T08:00:00Z";
      REQUIRE(documents.createDocument(d).isOk());
      storage::SqlExchangeRepository exchange(*database);
      for (const char* id : {"m1", "m2"}) {
        workflow::OutboxMessage m;
        m.id = id;
        m.documentId = "di-1";
        m.recipientCode = "000.00.12.H55";
        m.kind = "document";
        m.payloadHash = std::string(64, 'a');
        m.nextAttemptAt = m.createdAt = "2026-11-28T10:00:00Z";
        REQUIRE(exchange.enqueue(m).isOk());
      }
    }
    log = std::make_unique<api::StructuredLog>(logs, api::LogLevel::Info, api::LogFormat::Json);
    server = std::make_unique<api::HttpServer>(config, *log);
    server->start();
  }
  uint16_t port() const { return server->port(); }
  std::string scrape() {
    auto reply = call(port(), "GET", "/metrics", "",
                      config.metricsToken.empty() ? "" : "Bearer " + config.metricsToken);
    REQUIRE(reply.status == 200);
    return reply.body;
  }
};

// The value of the sample `series` (name and labels exactly as rendered); -1 when absent.
double sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

double orZero(double value) {
  return value < 0 ? 0 : value;
}

}  // namespace

TEST_CASE("/metrics counts requests by method and route pattern and status", "[api][metrics]") {
  MonitoredServer s;
  const std::string healthy =
      "vanthu_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}";
  const std::string unmatched =
      "vanthu_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"}";
  const std::string crl =
      "vanthu_http_requests_total{method=\"GET\",route=\"/pki/{file}\",status=\"404\"}";
  std::string before = s.scrape();
  for (int i = 0; i < 3; ++i) REQUIRE(call(s.port(), "GET", "/healthz").status == 200);
  REQUIRE(call(s.port(), "GET", "/no/such/thing-12345").status == 404);
  REQUIRE(call(s.port(), "GET", "/pki/none-here.crl").status == 404);
  REQUIRE(call(s.port(), "BREW", "/healthz").status == 405);
  std::string after = s.scrape();

  CHECK(orZero(sample(after, healthy)) - orZero(sample(before, healthy)) == 3);
  CHECK(orZero(sample(after, unmatched)) - orZero(sample(before, unmatched)) == 1);
  CHECK(orZero(sample(after, crl)) - orZero(sample(before, crl)) == 1);
  // Raw paths and unknown methods never become label values: the label sets stay bounded.
  CHECK(after.find("thing-12345") == std::string::npos);
  CHECK(after.find("none-here") == std::string::npos);
  CHECK(after.find("BREW") == std::string::npos);
  CHECK(sample(after,
               "vanthu_http_requests_total{method=\"other\",route=\"unmatched\","
               "status=\"405\"}") >= 1);
  CHECK(sample(after,
               "vanthu_http_request_duration_seconds_count{method=\"GET\","
               "route=\"/healthz\"}") >= 3);
  // The scrape itself is in flight while it renders.
  CHECK(sample(after, "vanthu_http_requests_in_flight") >= 1);
  CHECK(after.find("# TYPE vanthu_http_request_duration_seconds histogram") != std::string::npos);
  CHECK(after.find("# TYPE vanthu_http_requests_total counter") != std::string::npos);
}

TEST_CASE("/metrics reports the outbox and the database and the build at scrape time",
          "[api][metrics]") {
  MonitoredServer s;
  std::string first = s.scrape();
  CHECK(sample(first, "vanthu_exchange_outbox_messages{state=\"pending\"}") == 2);
  CHECK(sample(first, "vanthu_exchange_outbox_messages{state=\"delivered\"}") == 0);
  CHECK(sample(first, "vanthu_exchange_outbox_messages{state=\"failed\"}") == 0);
  // SQLite: a pool of one connection for requests, and the blob store's own.
  CHECK(sample(first, "vanthu_db_connections") == 2);
  CHECK(std::regex_search(first, std::regex("\nvanthu_build_info\\{version=\"[0-9.]+\"\\} 1\n")));
  CHECK(sample(first, "process_start_time_seconds") > 1.7e9);

  {
    auto database = storage::Database::open({s.config.resolvedDatabaseUrl()});
    storage::SqlExchangeRepository exchange(*database);
    auto claimed = exchange.claimDue("2026-11-28T11:00:00Z", "sender", "2026-11-28T11:05:00Z", 1);
    REQUIRE(claimed.size() == 1);
    REQUIRE(exchange.markDelivered(claimed[0].id, "sender", "2026-11-28T11:01:00Z").isOk());
  }
  std::string second = s.scrape();
  CHECK(sample(second, "vanthu_exchange_outbox_messages{state=\"pending\"}") == 1);
  CHECK(sample(second, "vanthu_exchange_outbox_messages{state=\"delivered\"}") == 1);
  // Each scrape reads the outbox through withDatabase, which times its wait for the lock.
  CHECK(sample(second, "vanthu_db_wait_seconds_count") >
        sample(first, "vanthu_db_wait_seconds_count"));
}

TEST_CASE("with metrics.token set /metrics needs that bearer token", "[api][metrics]") {
  MonitoredServer s(kMetricsToken);
  auto none = call(s.port(), "GET", "/metrics");
  CHECK(none.status == 401);
  CHECK(none.contentType.rfind("application/problem+json", 0) == 0);
  CHECK(none.headers.get("WWW-Authenticate", "") == "Bearer");
  CHECK(none.body.find("vanthu_http_requests_total") == std::string::npos);
  CHECK(call(s.port(), "GET", "/metrics", "", "Bearer " + kMetricsToken + "x").status == 401);
  CHECK(call(s.port(), "GET", "/metrics", "", "Bearer " + kMetricsToken.substr(1)).status == 401);
  CHECK(call(s.port(), "GET", "/metrics", "", "Basic " + kMetricsToken).status == 401);
  auto good = call(s.port(), "GET", "/metrics", "", "Bearer " + kMetricsToken);
  CHECK(good.status == 200);
  CHECK(good.contentType == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(good.body.find("vanthu_http_requests_total") != std::string::npos);
}

TEST_CASE("signing and verification metrics are recorded through the registry", "[api][metrics]") {
  auto& metrics = api::serverMetrics();
  double signedBefore = metrics.signings.value({"success"});
  double refusedBefore = metrics.signings.value({"invalid_password"});
  uint64_t signingCountBefore = metrics.signingDuration.count({});
  api::recordSigning("success", 0.3);
  api::recordSigning("success", 1.7);
  api::recordSigning("invalid_password", 0.01);
  CHECK(metrics.signings.value({"success"}) - signedBefore == 2);
  CHECK(metrics.signings.value({"invalid_password"}) - refusedBefore == 1);
  CHECK(metrics.signingDuration.count({}) - signingCountBefore == 3);

  double validBefore = metrics.verifications.value({"valid"});
  api::recordVerification("valid", 0.2);
  api::recordVerification("invalid", 0.4);
  CHECK(metrics.verifications.value({"valid"}) - validBefore == 1);
  std::string text = metrics.registry.render();
  CHECK(text.find("vanthu_verifications_total{verdict=\"invalid\"}") != std::string::npos);
  CHECK(text.find("# TYPE vanthu_signing_duration_seconds histogram") != std::string::npos);
}

TEST_CASE("histograms render cumulative buckets that end in +Inf = count", "[api][metrics]") {
  api::MetricsRegistry registry;
  auto& histogram = registry.histogram("test_seconds", "A test histogram", {"kind"}, {0.1, 1, 10});
  for (double value : {0.05, 0.1, 0.5, 2.0, 20.0, 30.0}) histogram.observe({"a\"b"}, value);
  std::string text = registry.render();
  CHECK(text.find("test_seconds_bucket{kind=\"a\\\"b\",le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{kind=\"a\\\"b\",le=\"1\"} 3\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{kind=\"a\\\"b\",le=\"10\"} 4\n") != std::string::npos);
  CHECK(text.find("test_seconds_bucket{kind=\"a\\\"b\",le=\"+Inf\"} 6\n") != std::string::npos);
  CHECK(text.find("test_seconds_count{kind=\"a\\\"b\"} 6\n") != std::string::npos);
  CHECK(histogram.sum({"a\"b"}) == Approx(52.65));
  auto& counter = registry.counter("test_total", "A test counter", {"x"});
  CHECK_THROWS(counter.increment({"x"}, -1));
  CHECK_THROWS(counter.increment({"x", "y"}));
}

TEST_CASE("recording from many threads loses no counts", "[api][metrics]") {
  api::MetricsRegistry registry;
  auto& counter = registry.counter("test_total", "A test counter", {"route"});
  auto& histogram = registry.histogram("test_seconds", "A test histogram", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5000; ++i) {
        counter.increment({t % 2 == 0 ? "/a" : "/b"});
        histogram.observe({}, 0.001 * (i % 100));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(counter.value({"/a"}) == 10000);
  CHECK(counter.value({"/b"}) == 10000);
  CHECK(histogram.count({}) == 20000);
}

TEST_CASE("request log lines carry id and route and status and duration but never a secret",
          "[api][metrics][logs]") {
  MonitoredServer s(kMetricsToken);
  std::string loginBody = "{\"username\":\"admin\",\"password\":\"" + kPassword + "\"}";
  auto login = call(s.port(), "POST", "/api/v1/auth/login", loginBody);
  REQUIRE(login.status == 200);
  auto session = Poco::JSON::Parser().parse(login.body).extract<Poco::JSON::Object::Ptr>();
  std::string token = session->getValue<std::string>("token");
  std::string refresh = session->getValue<std::string>("refresh_token");
  REQUIRE(call(s.port(), "POST", "/api/v1/auth/login",
               "{\"username\":\"admin\",\"password\":\"" + kPassword + "-sai\"}")
              .status == 401);
  REQUIRE(call(s.port(), "GET", "/api/v1/auth/tokens", "", "Bearer " + token).status == 200);
  REQUIRE(call(s.port(), "GET", "/api/v1/auth/tokens", "", "Bearer " + token + "x").status == 401);
  REQUIRE(call(s.port(), "POST", "/api/v1/auth/refresh", "{\"refresh_token\":\"" + refresh + "\"}")
              .status == 200);
  REQUIRE(call(s.port(), "GET", "/metrics", "", "Bearer " + kMetricsToken).status == 200);
  REQUIRE(call(s.port(), "GET", "/metrics", "", "Bearer wrong-" + kMetricsToken).status == 401);

  std::string logs = s.logs.str();
  CHECK(logs.find(kPassword) == std::string::npos);
  CHECK(logs.find(token) == std::string::npos);
  CHECK(logs.find(token.substr(token.rfind('.') + 1)) == std::string::npos);
  CHECK(logs.find(refresh) == std::string::npos);
  CHECK(logs.find(kMetricsToken) == std::string::npos);
  CHECK(logs.find("Bearer") == std::string::npos);
  CHECK(logs.find("Authorization") == std::string::npos);

  std::regex requestLine(
      "\"event\":\"request\".*\"request_id\":\"[0-9a-f]{16}\".*\"route\":\"/api/v1/auth/login\""
      ".*\"status\":\"200\".*\"duration_ms\":\"[0-9.]+\"");
  CHECK(std::regex_search(logs, requestLine));
  CHECK(std::regex_search(logs, std::regex("\"route\":\"/metrics\",\"status\":\"401\"")));
}

TEST_CASE("metrics.token must be long enough and is never echoed in errors",
          "[api][metrics][config]") {
  auto build = [](const std::string& value) {
    return api::buildServerConfig({{"data.dir", "/tmp", "test"}, {"metrics.token", value, "env"}});
  };
  auto good = build(kMetricsToken);
  REQUIRE(good.isOk());
  CHECK(good.value().metricsToken == kMetricsToken);
  for (const std::string bad : {"short-secret", "has a space inside it!", ""}) {
    auto refused = build(bad);
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::InvalidConfig);
    if (!bad.empty()) CHECK(refused.status().message().find(bad) == std::string::npos);
  }
  auto fromEnvironment = api::settingsFromEnvironment({"VANTHU_METRICS_TOKEN=" + kMetricsToken});
  REQUIRE(fromEnvironment.size() == 1);
  CHECK(fromEnvironment[0].key == "metrics.token");
}
