#include "vanthu/api/http_server.h"

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/URI.h>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <sstream>

#include "admin_routes.h"
#include "api_services.h"
#include "audit_routes.h"
#include "auth_routes.h"
#include "authenticator.h"
#include "blob_garbage_collector.h"
#include "bulk_routes.h"
#include "dashboard_routes.h"
#include "document_routes.h"
#include "exchange_routes.h"
#include "exchange_sender.h"
#include "exchange_service.h"
#include "flow_routes.h"
#include "holiday_routes.h"
#include "http_support.h"
#include "http_transport.h"
#include "metrics.h"
#include "metrics_routes.h"
#include "openapi.h"
#include "pdf_upload.h"
#include "register_routes.h"
#include "router.h"
#include "template_choice_routes.h"
#include "vanthu/api/problem.h"
#include "vanthu/storage/backup.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/database_pool.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_template_repository.h"
#include "web_routes.h"

namespace vanthu::api {
namespace {

using Poco::Net::HTTPResponse;

std::string newRequestId() {
  unsigned char bytes[8];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    static std::atomic<uint64_t> counter{0};
    return "req-" + std::to_string(++counter);
  }
  static const char* hex = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += hex[b >> 4];
    id += hex[b & 0xF];
  }
  return id;
}

// A client-supplied id is echoed only if it is short and plain, so it cannot inject into logs.
std::string requestIdFrom(const Poco::Net::HTTPServerRequest& request) {
  const std::string& given = request.get("X-Request-Id", "");
  if (given.empty() || given.size() > 64) return newRequestId();
  for (char c : given) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
    if (!plain) return newRequestId();
  }
  return given;
}

void setSecurityHeaders(Poco::Net::HTTPServerResponse& response) {
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
  response.set(
      "Content-Security-Policy",
      "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'");
  response.set("Cache-Control", "no-store");
}

void sendProblem(RequestContext& context, ErrorCode code, const std::string& detail) {
  sendProblem(context, Status(code, detail));
}

// A request refused before its handler read its body (no such route, not allowed, not
// authenticated, not permitted): a client still sending a large body would otherwise meet a
// reset connection instead of the answer, so what is still coming is read and thrown away (up
// to refuseUpload's limit) and the connection closed.
void refuseUnread(RequestContext& context, const Status& status) {
  const auto& request = context.request;
  const bool hasBody = request.getChunkedTransferEncoding() ||
                       (request.hasContentLength() && request.getContentLength64() > 0);
  if (hasBody) {
    refuseUpload(context, status);
  } else {
    sendProblem(context, status);
  }
}

// "demo-government-ca.crl": lower-case letters, digits and dashes, then ".crl". Nothing else
// under /pki/ can name a file, so no path can climb out of the CRL directory.
bool isPublishedCrlName(const std::string& file) {
  const std::string suffix = ".crl";
  if (file.size() <= suffix.size() || file.size() > 80) return false;
  if (file.compare(file.size() - suffix.size(), suffix.size(), suffix) != 0) return false;
  for (size_t i = 0; i < file.size() - suffix.size(); ++i) {
    char c = file[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

}  // namespace

struct HttpServer::Impl {
  ServerConfig config;
  StructuredLog& log;
  std::unique_ptr<storage::DatabasePool> pool;  // database.pool_size connections for requests
  // The blob store's connection: blob writes are long streams that must not hold a pool slot.
  std::unique_ptr<storage::Database> database;
  std::mutex databaseMutex;
  // storage.blobs; a store in the database uses its connection (under databaseMutex).
  std::unique_ptr<storage::BlobStore> blobs;
  Router router;
  std::unique_ptr<HttpTransport> server;
  uint16_t boundPort = 0;
  std::unique_ptr<BlobGarbageCollector> blobCollector;  // storage.gc_interval; null when 0
  std::unique_ptr<Authenticator> authenticator;         // issue 6: logins, tokens, sessions
  std::unique_ptr<SigningServices> signing;             // signing.*: level, TSA, trust anchors
  std::unique_ptr<ApiServices> services;                // what the route files work with
  std::unique_ptr<ExchangeService> exchange;            // issue 8: packages and statuses
  std::unique_ptr<ExchangeSender> exchangeSender;       // exchange.poll_interval; null when 0

  Impl(const ServerConfig& c, StructuredLog& l) : config(c), log(l) {}

  void registerRoutes();
  /// Authenticates the caller when `access` needs it and checks the rule; sends the 401/403
  /// and returns false when the caller may not go on.
  bool authorise(RequestContext& context, const Access& access);
  void dispatch(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);
};

namespace {

class DispatchHandler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit DispatchHandler(HttpServer::Impl& impl) : impl_(impl) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override;

 private:
  HttpServer::Impl& impl_;
};

class DispatchFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit DispatchFactory(HttpServer::Impl& impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new DispatchHandler(impl_);
  }

 private:
  HttpServer::Impl& impl_;
};

void DispatchHandler::handleRequest(Poco::Net::HTTPServerRequest& request,
                                    Poco::Net::HTTPServerResponse& response) {
  impl_.dispatch(request, response);
}

}  // namespace

void HttpServer::Impl::registerRoutes() {
  registerAuthRoutes(router, *services);
  registerDocumentRoutes(router, *services);
  registerAuditRoutes(router, *services);
  registerFlowRoutes(router, *services);
  registerBulkRoutes(router, *services);
  registerDashboardRoutes(router, *services);
  registerAdminRoutes(router, *services);
  registerHolidayRoutes(router, *services);
  registerTemplateChoiceRoutes(router, *services);
  registerRegisterRoutes(router, *services);
  registerExchangeRoutes(router, *services, *exchange);
  router.addSchema("Health", R"({"type": "object", "additionalProperties": false,
    "required": ["status"], "properties": {"status": {"const": "ok"}}})");
  router.addSchema("Readiness", R"({"type": "object", "additionalProperties": false,
    "required": ["status", "database", "schema_version"],
    "properties": {"status": {"const": "ready"}, "database": {"const": "ok"},
                   "schema_version": {"type": "integer", "minimum": 1}}})");
  registerMetricsRoutes(router, *services);
  router.add({"GET",
              "/healthz",
              Access::anyone(),
              {"Liveness: the process answers", "operations", "", 200, "Health", {}, {}}},
             [](RequestContext& context) {
               Poco::JSON::Object body;
               body.set("status", "ok");
               sendJson(context, 200, body);
             });
  router.add({"GET",
              "/readyz",
              Access::anyone(),
              {"Readiness: the database answers and is migrated",
               "operations",
               "",
               200,
               "Readiness",
               {},
               {503}}},
             [this](RequestContext& context) {
               Status status;
               int version = 0;
               pool->with([&](storage::Database& db) {
                 status = db.ping();
                 if (status) version = db.schemaVersion();
               });
               if (!status) {
                 log.warning("readiness_failed",
                             {{"request_id", context.requestId}, {"reason", status.message()}});
                 sendProblem(context, ErrorCode::DatabaseUnavailable, status.message());
                 return;
               }
               Poco::JSON::Object body;
               body.set("status", "ready");
               body.set("database", "ok");
               body.set("schema_version", version);
               sendJson(context, 200, body);
             });
  // The CRLs of the data directory's PKI, where the certificates' CRL distribution points say.
  router.add({"GET",
              "/pki/{file}",
              Access::anyone(),
              {"A CRL of this data directory's PKI (CRL distribution point)",
               "operations",
               "",
               200,
               "crl",
               {},
               {404}}},
             [this](RequestContext& context) {
               const std::string& file = context.pathParameters["file"];
               if (!isPublishedCrlName(file)) {
                 sendProblem(context, ErrorCode::NotFound, "no published file " + file);
                 return;
               }
               std::ifstream in(config.dataDir / "pki" / "crl" / file, std::ios::binary);
               if (!in) {
                 sendProblem(context, ErrorCode::NotFound,
                             "no CRL " + file + " in this data directory");
                 return;
               }
               std::ostringstream crl;
               crl << in.rdbuf();
               context.response.set("Cache-Control", "public, max-age=3600");
               sendBody(context, 200, "application/pkix-crl", crl.str());
             });
  registerWebRoutes(router, *services);  // "/" and /web/: the web workplace
  registerOpenApiRoute(router);          // last: it documents the routes registered before it
}

bool HttpServer::Impl::authorise(RequestContext& context, const Access& access) {
  if (!access.authenticated) return true;
  auto principal = authenticator->authenticate(context.request.get("Authorization", ""));
  if (!principal) {
    refuseUnread(context, principal.status());
    return false;
  }
  if (auto permitted = access.permits(principal.value()); !permitted) {
    log.warning("access_denied", {{"request_id", context.requestId},
                                  {"route", context.routePattern},
                                  {"reason", permitted.message()}});
    refuseUnread(context, permitted);
    return false;
  }
  context.principal = std::move(principal).value();
  return true;
}

void HttpServer::Impl::dispatch(Poco::Net::HTTPServerRequest& request,
                                Poco::Net::HTTPServerResponse& response) {
  auto started = std::chrono::steady_clock::now();
  RequestContext context{request, response, requestIdFrom(request), {}, {}, {}, {}};
  response.set("X-Request-Id", context.requestId);
  if (!config.instanceName.empty()) response.set("X-Served-By", config.instanceName);
  setSecurityHeaders(response);
  // Only over TLS: a browser that saw it on plain HTTP would refuse the site until it expired.
  if (config.tlsEnabled()) response.set("Strict-Transport-Security", "max-age=31536000");
  InFlightRequest inFlight;
  try {
    context.path = Poco::URI(request.getURI()).getPath();
  } catch (const Poco::Exception&) {
    context.path = "/";
    sendProblem(context, ErrorCode::InvalidArgument, "the request target is not a valid URI");
  }
  if (!response.sent()) {
    try {
      auto match = router.match(request.getMethod(), context.path);
      if (match.handler == nullptr) {
        if (match.failure == ErrorCode::MethodNotAllowed) {
          response.set("Allow", match.allowedMethods);
          refuseUnread(context, Status(ErrorCode::MethodNotAllowed,
                                       request.getMethod() + " is not allowed on " + context.path +
                                           "; allowed: " + match.allowedMethods));
        } else {
          refuseUnread(context, Status(ErrorCode::RouteNotFound, "no route " + context.path));
        }
      } else {
        context.pathParameters = std::move(match.parameters);
        context.routePattern = match.spec->pattern;
        if (authorise(context, match.spec->access)) (*match.handler)(context);
      }
    } catch (const Error& e) {
      log.error("request_failed", {{"request_id", context.requestId},
                                   {"code", std::string(errorCodeName(e.code()))},
                                   {"error", e.describe()}});
      if (!response.sent()) sendProblem(context, e.code(), e.what());
    } catch (const std::exception& e) {
      // A bug: the client gets a request id to report, the details stay in the log.
      log.error("request_crashed", {{"request_id", context.requestId}, {"error", e.what()}});
      if (!response.sent()) {
        sendProblem(context, ErrorCode::Internal,
                    "an internal error occurred; report request id " + context.requestId);
      }
    }
  }
  auto elapsed =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started);
  int status = static_cast<int>(response.getStatus());
  std::string route = context.routePattern.empty() ? "unmatched" : context.routePattern;
  recordHttpRequest(methodLabel(request.getMethod()), route, status, elapsed.count() / 1000);
  log.info("request", {{"request_id", context.requestId},
                       {"method", request.getMethod()},
                       {"path", context.path},
                       {"route", route},
                       {"status", std::to_string(status)},
                       {"duration_ms", std::to_string(elapsed.count())}});
}

namespace {

// History is never repaired: a server refuses to run on an audit log that does not verify,
// unless told to (and then says so loudly). Checkpoints are checked with the instance's own
// public key when the data directory has it.
void checkAuditLog(const ServerConfig& config, StructuredLog& log, storage::Database& database) {
  storage::SqlAuditLogOptions options;
  auto publicKey = config.dataDir / "keys" / "audit-instance.pub.pem";
  if (std::filesystem::exists(publicKey)) {
    std::ifstream in(publicKey, std::ios::binary);
    std::ostringstream pem;
    pem << in.rdbuf();
    options.trustedPublicKeys.push_back(pem.str());
  }
  storage::SqlAuditLog audit(database, nullptr, options);
  auto verification = config.auditStartupCheckSinceCheckpoint ? audit.verifySinceLatestCheckpoint()
                                                              : audit.verify();
  log.info("audit_log_checked",
           {{"entries", std::to_string(verification.entries)},
            {"covered_by_checkpoint", std::to_string(verification.coveredByCheckpoint)},
            {"problems", std::to_string(verification.problems.size())}});
  if (verification.ok()) return;
  std::string first = verification.problems.front();
  if (!config.allowBrokenAuditLog) {
    throw Error(ErrorCode::StorageFailure,
                "the audit log does not verify (" + first + ", " +
                    std::to_string(verification.problems.size()) +
                    " problem(s)); vanthu never repairs history: run 'vanthu audit verify' to "
                    "see them, and set audit.allow_broken = true only to run anyway");
  }
  log.error("audit log does not verify; running because audit.allow_broken is set",
            {{"first_problem", first}, {"problems", std::to_string(verification.problems.size())}});
}

}  // namespace

HttpServer::HttpServer(const ServerConfig& config, StructuredLog& log)
    : impl_(std::make_unique<Impl>(config, log)) {
  // The pool's first connection migrates; the blob connection then finds the schema current.
  impl_->pool = std::make_unique<storage::DatabasePool>(
      storage::DatabaseConfig{config.resolvedDatabaseUrl()},
      storage::DatabasePoolOptions{static_cast<size_t>(config.resolvedPoolSize())});
  impl_->database = storage::Database::open({config.resolvedDatabaseUrl()});
  impl_->blobs = std::make_unique<storage::BlobStore>(
      config.blobStorage == BlobStorage::Database
          ? storage::BlobStore::inDatabase(*impl_->database)
          : storage::BlobStore(storage::blobDirectory(config.dataDir)));
  checkAuditLog(config, log, *impl_->database);
  {
    storage::SqlTemplateRepository templates(*impl_->database);
    if (int saved = storage::ensureShippedTemplates(templates); saved > 0) {
      log.info("templates_installed", {{"count", std::to_string(saved)}});
    }
  }
  AuthSettings auth;
  auth.tokenTtl = config.authTokenTtl;
  auth.refreshTtl = config.authRefreshTtl;
  auth.lockout.maxFailures = config.authMaxFailedLogins;
  auth.lockout.lockoutSeconds = config.authLockout.count();
  impl_->authenticator = std::make_unique<Authenticator>(*impl_->pool, auth);
  impl_->signing = std::make_unique<SigningServices>(config);
  if (impl_->signing->level() != signing::PadesLevel::BaselineB &&
      impl_->signing->timestampSource().empty()) {
    log.warning("signing_without_tsa", {{"level", config.signingLevel},
                                        {"effect",
                                         "signing and issuing answer 503 until signing.tsa_url or "
                                         "signing.tsa_pkcs12 is set, or signing.level = B-B"}});
  }
  impl_->services = std::make_unique<ApiServices>(
      ApiServices{impl_->config, impl_->log, *impl_->database, impl_->databaseMutex, *impl_->blobs,
                  *impl_->authenticator, *impl_->pool, *impl_->signing});
  impl_->exchange = std::make_unique<ExchangeService>(*impl_->services);
  impl_->services->exchange = impl_->exchange.get();
  impl_->registerRoutes();
  // The request pool and the blob store's own connection.
  serverMetrics().databaseConnections.set({}, static_cast<double>(impl_->pool->size() + 1));
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::start() {
  const auto& config = impl_->config;
  Poco::Net::ServerSocket socket = listeningSocket(config);
  impl_->boundPort = socket.address().port();
  // The sender before the requests: an act that queues a message wakes it.
  impl_->exchangeSender = ExchangeSender::startFor(*impl_->services, *impl_->exchange);
  if (auto* sender = impl_->exchangeSender.get()) {
    impl_->exchange->onQueued([sender] { sender->wakeSoon(); });
  }
  impl_->server =
      std::make_unique<HttpTransport>(config, impl_->log, new DispatchFactory(*impl_), socket);
  impl_->server->start();
  impl_->blobCollector = BlobGarbageCollector::startFor(config, impl_->log);
  impl_->log.info("server_started", {{"host", config.host},
                                     {"port", std::to_string(impl_->boundPort)},
                                     {"tls", config.tlsEnabled() ? "true" : "false"},
                                     {"data_dir", config.dataDir.string()},
                                     {"threads", std::to_string(config.threads)},
                                     {"pool_size", std::to_string(impl_->pool->size())},
                                     {"signing_level", config.signingLevel},
                                     {"timestamps", impl_->signing->timestampSource()}});
}

void HttpServer::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
  impl_->server.reset();
  // No request is left to queue a message; the sender's thread ends before the listener goes.
  impl_->exchangeSender.reset();
  impl_->exchange->onQueued(nullptr);
  impl_->blobCollector.reset();
  impl_->log.info("server_stopped");
}

uint16_t HttpServer::port() const {
  return impl_->boundPort;
}

std::vector<std::pair<std::string, std::string>> HttpServer::routes() const {
  std::vector<std::pair<std::string, std::string>> all;
  for (const auto& route : impl_->router.routes()) all.emplace_back(route.method, route.pattern);
  return all;
}

}  // namespace vanthu::api
