#pragma once

// vanthu-server settings: defaults < config file < environment < command line.
// Every value is checked here, so the server starts with good settings or not at all.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::api {

enum class LogLevel : uint8_t { Unknown = 0, Debug, Info, Warning, Error };
enum class LogFormat : uint8_t { Unknown = 0, Json, Text };
/// Where the blob store keeps the bytes of documents: files under DATA/blobs, or the tables of
/// the metadata database (shared by every instance on one PostgreSQL).
enum class BlobStorage : uint8_t { Files, Database };

struct ServerConfig {
  std::filesystem::path dataDir;
  std::string host = "127.0.0.1";  ///< loopback unless told otherwise: expose through TLS/proxy
  uint16_t port = 8080;            ///< 0 = any free port (tests)
  int threads = 16;                ///< request worker threads
  LogLevel logLevel = LogLevel::Info;
  LogFormat logFormat = LogFormat::Json;
  std::string databaseUrl = "sqlite:vanthu.db";  ///< sqlite paths are relative to dataDir
  /// Start even when the audit log does not verify (the break is logged, never repaired).
  bool allowBrokenAuditLog = false;
  /// Start-up audit check from the latest signed checkpoint instead of every entry (large logs;
  /// `vanthu audit verify` stays the full check).
  bool auditStartupCheckSinceCheckpoint = false;
  /// How often unreferenced blobs are collected; 0 disables the collection.
  std::chrono::seconds gcInterval{6 * 3600};
  /// Blobs younger than this are kept even when nothing refers to them yet.
  std::chrono::seconds gcMinAge{3600};
  BlobStorage blobStorage = BlobStorage::Files;  ///< storage.blobs
  /// exchange.retry: the wait after a failed delivery's first attempt; it doubles with each
  /// further failure, up to exchange.retry_max.
  std::chrono::seconds exchangeRetry{30};
  std::chrono::seconds exchangeRetryMax{3600};
  /// exchange.max_attempts: the outbox gives a message up after this many failed deliveries.
  int exchangeMaxAttempts = 20;
  /// exchange.poll_interval: how often the outbox looks for due messages (0: no sending).
  std::chrono::seconds exchangePollInterval{2};
  /// Lifetime of an access token (JWT).
  std::chrono::seconds authTokenTtl{900};
  /// Lifetime of a login session: its refresh tokens stop working after this.
  std::chrono::seconds authRefreshTtl{14 * 86400};
  /// Consecutive failed logins for one username that lock it.
  int authMaxFailedLogins = 5;
  /// The first lock-out; each further one doubles it (at most a day).
  std::chrono::seconds authLockout{900};
  /// The largest PDF an upload or a verification may send, in MiB.
  int maxUploadMb = 256;
  /// server.tls_certificate / server.tls_key: PEM files; both set = HTTPS only, neither = HTTP.
  std::filesystem::path tlsCertificate;
  std::filesystem::path tlsKey;
  /// The oldest TLS version accepted: "1.2" or "1.3".
  std::string tlsMinVersion = "1.2";
  /// A request must arrive whole (headers) within this, and a connection may idle no longer.
  std::chrono::seconds requestTimeout{30};
  /// Connections waiting for a worker thread; beyond this new ones get 503 at once.
  int maxQueued = 256;
  /// When set, GET /metrics needs "Authorization: Bearer <metricsToken>".
  std::string metricsToken;

  bool tlsEnabled() const { return !tlsCertificate.empty(); }

  /// database.pool_size: connections for requests; 0 picks by database (resolvedPoolSize).
  int databasePoolSize = 0;
  /// server.instance_name: sent as X-Served-By when set (which instance behind a balancer).
  std::string instanceName;
  /// web.root: the directory of the web workplace (index.html, its modules, node_modules with
  /// pdf.js); empty: the web/ directory of the source tree the server was built from.
  std::filesystem::path webRoot;

  /// signing.level: the PAdES level of the signatures the server applies ("B-B", "B-T",
  /// "B-LT", "B-LTA"); B-T and above need a time-stamping authority.
  std::string signingLevel = "B-T";
  /// signing.tsa_url: an RFC 3161 time-stamping authority over HTTP.
  std::string tsaUrl;
  /// signing.tsa_pkcs12 / signing.tsa_password: or the server's own authority, with this key
  /// (a closed network or the demo; relative paths are under dataDir). Never logged.
  std::filesystem::path tsaPkcs12;
  std::string tsaPassword;

  /// The database URL with a relative SQLite path resolved against dataDir.
  std::string resolvedDatabaseUrl() const;
  /// databasePoolSize, or when 0: 2 x threads for PostgreSQL, 1 for SQLite.
  int resolvedPoolSize() const;
};

/// One setting and where it came from ("vanthu.properties:4", "VANTHU_PORT", "--port"), so an
/// error can say exactly which value to fix.
struct Setting {
  std::string key;  ///< e.g. "server.port"
  std::string value;
  std::string origin;
};

/// The keys a config file may hold, with the environment variable that overrides each.
struct SettingKey {
  const char* key;
  const char* environmentVariable;
  const char* description;
};
const std::vector<SettingKey>& settingKeys();

/// Reads a config file of `key = value` lines (`#` comments, blank lines). Refuses unknown keys,
/// lines without '=', duplicate keys, non-UTF-8 or NUL bytes, with "FILE:LINE: what is wrong".
Result<std::vector<Setting>> readConfigFile(const std::filesystem::path& path);

/// The settings found in `environment` (name=value strings, as in `environ`).
std::vector<Setting> settingsFromEnvironment(const std::vector<std::string>& environment);

/// Applies `layers` in order (later wins) on top of the defaults and checks every value.
/// InvalidConfig names the key, the bad value, its origin and what is allowed.
Result<ServerConfig> buildServerConfig(const std::vector<Setting>& layers);

/// What a command needs of the data directory: the server writes, `audit verify` and `backup`
/// only read (and must keep working on a directory mounted read-only).
enum class DataAccess : uint8_t { ReadWrite, ReadOnly };

/// Checks that the data directory exists and is a directory that can be read (and written, for
/// ReadWrite). InvalidConfig names the directory and the system's reason (e.g. "Read-only file
/// system") and says what to do.
Status checkDataDirectory(const std::filesystem::path& dataDir,
                          DataAccess access = DataAccess::ReadWrite);

/// "90", "90s", "15m", "6h", "1d": a duration of 0 to 366 days; nullopt if it is not one.
std::optional<std::chrono::seconds> parseDuration(std::string text);

std::optional<LogLevel> logLevelFromName(const std::string& name);

}  // namespace vanthu::api
