#include "vanthu/api/server_config.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include "vanthu/storage/database.h"

namespace vanthu::api {
namespace {

std::string trim(const std::string& text) {
  const char* spaces = " \t\r";
  size_t begin = text.find_first_not_of(spaces);
  if (begin == std::string::npos) return {};
  size_t end = text.find_last_not_of(spaces);
  return text.substr(begin, end - begin + 1);
}

const SettingKey* findKey(const std::string& key) {
  for (const auto& known : settingKeys()) {
    if (key == known.key) return &known;
  }
  return nullptr;
}

std::string knownKeyList() {
  std::string list;
  for (const auto& known : settingKeys()) {
    if (!list.empty()) list += ", ";
    list += known.key;
  }
  return list;
}

bool isValidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (i + extra >= text.size() && extra > 0) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

Status invalid(const Setting& setting, const std::string& allowed) {
  return Status::invalidConfig("invalid " + setting.key + " '" + setting.value + "' (from " +
                               setting.origin + "): " + allowed);
}

std::optional<long> parseInteger(const std::string& text) {
  long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

// Checked at start-up rather than at the first handshake, so a wrong file stops the server with
// a message instead of every client seeing a TLS alert.
Status checkTlsFiles(const ServerConfig& config) {
  if (config.tlsCertificate.empty() && config.tlsKey.empty()) return Status::ok();
  if (config.tlsCertificate.empty() || config.tlsKey.empty()) {
    return Status::invalidConfig(
        "server.tls_certificate and server.tls_key go together: set both to serve HTTPS, or "
        "neither to serve plain HTTP on loopback");
  }
  auto readable = [](const std::filesystem::path& file, const char* key) {
    if (::access(file.c_str(), R_OK) != 0) {
      return Status::invalidConfig(std::string("cannot read ") + key + " '" + file.string() +
                                   "': " + std::strerror(errno) +
                                   "; check the path and that this user may read it");
    }
    return Status::ok();
  };
  if (auto status = readable(config.tlsCertificate, "server.tls_certificate"); !status) {
    return status;
  }
  if (auto status = readable(config.tlsKey, "server.tls_key"); !status) return status;
  X509* certificate = nullptr;
  if (FILE* in = std::fopen(config.tlsCertificate.c_str(), "rb")) {
    certificate = PEM_read_X509(in, nullptr, nullptr, nullptr);
    std::fclose(in);
  }
  if (certificate == nullptr) {
    return Status::invalidConfig("server.tls_certificate '" + config.tlsCertificate.string() +
                                 "' holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
  }
  EVP_PKEY* key = nullptr;
  if (FILE* in = std::fopen(config.tlsKey.c_str(), "rb")) {
    // An empty passphrase callback result: an encrypted key fails here instead of prompting.
    key = PEM_read_PrivateKey(
        in, nullptr, [](char*, int, int, void*) { return 0; }, nullptr);
    std::fclose(in);
  }
  Status status;
  if (key == nullptr) {
    status = Status::invalidConfig("server.tls_key '" + config.tlsKey.string() +
                                   "' holds no unencrypted PEM private key (decrypt it with "
                                   "'openssl pkey -in KEY -out KEY.pem')");
  } else if (X509_check_private_key(certificate, key) != 1) {
    status = Status::invalidConfig("server.tls_key '" + config.tlsKey.string() +
                                   "' is not the key of server.tls_certificate '" +
                                   config.tlsCertificate.string() +
                                   "'; compare 'openssl x509 -noout -pubkey -in CERT' with "
                                   "'openssl pkey -pubout -in KEY'");
  }
  EVP_PKEY_free(key);
  X509_free(certificate);
  ERR_clear_error();
  return status;
}

}  // namespace

const std::vector<SettingKey>& settingKeys() {
  static const std::vector<SettingKey> keys = {
      {"data.dir", "VANTHU_DATA", "the data directory (database, blobs, keys)"},
      {"server.host", "VANTHU_HOST", "address to listen on (127.0.0.1, 0.0.0.0, ::)"},
      {"server.port", "VANTHU_PORT", "TCP port, 1-65535 (0: any free port)"},
      {"server.threads", "VANTHU_THREADS", "request worker threads, 1-256"},
      {"log.level", "VANTHU_LOG_LEVEL", "debug, info, warning or error"},
      {"log.format", "VANTHU_LOG_FORMAT", "json (one object per line) or text"},
      {"database.url", "VANTHU_DATABASE_URL",
       "sqlite:PATH (relative to the data directory) or postgresql://USER@HOST:PORT/DATABASE"},
      {"audit.allow_broken", "VANTHU_AUDIT_ALLOW_BROKEN",
       "true: start although the audit log does not verify (default false)"},
      {"audit.startup_check", "VANTHU_AUDIT_STARTUP_CHECK",
       "full (every entry, the default) or since-checkpoint (from the latest signed checkpoint)"},
      {"storage.gc_interval", "VANTHU_STORAGE_GC_INTERVAL",
       "how often unreferenced blobs are removed: seconds, or 15m, 6h, 1d (default 6h; 0: never)"},
      {"storage.gc_min_age", "VANTHU_STORAGE_GC_MIN_AGE",
       "unreferenced blobs younger than this are kept (default 1h)"},
      {"storage.blobs", "VANTHU_STORAGE_BLOBS",
       "files (under the data directory, the default) or database (in the metadata database, "
       "shared by every instance on one PostgreSQL)"},
      {"exchange.retry", "VANTHU_EXCHANGE_RETRY",
       "the wait before a failed delivery to another agency is tried again; it doubles with "
       "each failure (default 30s)"},
      {"exchange.retry_max", "VANTHU_EXCHANGE_RETRY_MAX",
       "the longest wait between two delivery attempts (default 1h)"},
      {"exchange.max_attempts", "VANTHU_EXCHANGE_MAX_ATTEMPTS",
       "failed deliveries after which a message is given up, 1-1000 (default 20)"},
      {"exchange.poll_interval", "VANTHU_EXCHANGE_POLL_INTERVAL",
       "how often the outbox looks for messages to send (default 2s; 0: this instance does "
       "not send)"},
      {"auth.token_ttl", "VANTHU_AUTH_TOKEN_TTL",
       "lifetime of an access token (JWT): seconds, or 15m, 1h (default 15m; 1s to 1d)"},
      {"auth.refresh_ttl", "VANTHU_AUTH_REFRESH_TTL",
       "lifetime of a login session and its refresh tokens (default 14d)"},
      {"auth.max_failed_logins", "VANTHU_AUTH_MAX_FAILED_LOGINS",
       "consecutive failed logins that lock a username, 1-100 (default 5)"},
      {"auth.lockout", "VANTHU_AUTH_LOCKOUT",
       "the first lock-out period; each further one doubles, at most 1d (default 15m)"},
      {"server.max_upload_mb", "VANTHU_MAX_UPLOAD_MB",
       "the largest PDF an upload or a verification may send, in MiB, 1-65536 (default 256)"},
      {"server.tls_certificate", "VANTHU_TLS_CERTIFICATE",
       "PEM certificate chain (server certificate first): serve HTTPS only (with server.tls_key)"},
      {"server.tls_key", "VANTHU_TLS_KEY", "PEM private key of server.tls_certificate"},
      {"server.tls_min_version", "VANTHU_TLS_MIN_VERSION",
       "oldest TLS version accepted: 1.2 (the default) or 1.3"},
      {"server.request_timeout", "VANTHU_REQUEST_TIMEOUT",
       "a request's headers must arrive within this, and an idle connection is closed after it "
       "(default 30s; 1s to 1h)"},
      {"server.max_queued", "VANTHU_MAX_QUEUED",
       "connections waiting for a worker thread, 1-65536 (default 256); beyond it: 503"},
      {"metrics.token", "VANTHU_METRICS_TOKEN",
       "when set, GET /metrics requires 'Authorization: Bearer <token>' (at least 16 characters)"},
      {"database.pool_size", "VANTHU_DATABASE_POOL_SIZE",
       "database connections for requests, 1-512 (default: 2 x server.threads for PostgreSQL, "
       "1 for SQLite)"},
      {"server.instance_name", "VANTHU_INSTANCE_NAME",
       "a name sent as the X-Served-By response header (several instances behind a balancer); "
       "none by default"},
      {"web.root", "VANTHU_WEB_ROOT",
       "the directory of the web workplace served at / and /web/ (default: the web/ directory "
       "of the source tree the server was built from)"},
      {"signing.level", "VANTHU_SIGNING_LEVEL",
       "PAdES level of the signatures the server applies: B-B, B-T (the default), B-LT or B-LTA"},
      {"signing.tsa_url", "VANTHU_SIGNING_TSA_URL",
       "RFC 3161 time-stamping authority (http:// or https://) for B-T and above"},
      {"signing.tsa_pkcs12", "VANTHU_SIGNING_TSA_PKCS12",
       "or: a PKCS#12 key of a time-stamping authority the server runs itself (closed networks, "
       "the demo); relative to the data directory"},
      {"signing.tsa_password", "VANTHU_SIGNING_TSA_PASSWORD",
       "the password of signing.tsa_pkcs12 (never logged)"},
  };
  return keys;
}

std::string ServerConfig::resolvedDatabaseUrl() const {
  const std::string prefix = "sqlite:";
  if (databaseUrl.rfind(prefix, 0) != 0) return databaseUrl;
  std::filesystem::path file = databaseUrl.substr(prefix.size());
  if (file.is_relative()) file = dataDir / file;
  return prefix + file.string();
}

int ServerConfig::resolvedPoolSize() const {
  if (databasePoolSize > 0) return databasePoolSize;
  // SQLite: one. Its transactions begin deferred (Poco has no other kind), and one that reads
  // and then writes while another connection writes fails with "database is locked" at once:
  // the busy timeout does not cover that upgrade. A PostgreSQL server works them in parallel.
  if (databaseUrl.rfind("sqlite:", 0) == 0) return 1;
  return 2 * threads;
}

std::optional<LogLevel> logLevelFromName(const std::string& name) {
  static const std::map<std::string, LogLevel> levels = {{"debug", LogLevel::Debug},
                                                         {"info", LogLevel::Info},
                                                         {"warning", LogLevel::Warning},
                                                         {"error", LogLevel::Error}};
  auto found = levels.find(name);
  if (found == levels.end()) return std::nullopt;
  return found->second;
}

Result<std::vector<Setting>> readConfigFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::invalidConfig("cannot read config file " + path.string() +
                                 "; check the path and its permissions");
  }
  std::vector<Setting> settings;
  std::set<std::string> seen;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::string where = path.string() + ":" + std::to_string(number);
    if (line.find('\0') != std::string::npos || !isValidUtf8(line)) {
      return Status::invalidConfig(where + ": not a text line (NUL byte or invalid UTF-8); is " +
                                   path.string() + " really a vanthu config file?");
    }
    std::string content = trim(line);
    if (content.empty() || content[0] == '#') continue;
    size_t equals = content.find('=');
    if (equals == std::string::npos) {
      return Status::invalidConfig(where + ": expected 'key = value', got '" + content + "'");
    }
    std::string key = trim(content.substr(0, equals));
    std::string value = trim(content.substr(equals + 1));
    if (findKey(key) == nullptr) {
      return Status::invalidConfig(where + ": unknown setting '" + key +
                                   "'; known settings: " + knownKeyList());
    }
    if (!seen.insert(key).second) {
      return Status::invalidConfig(where + ": '" + key + "' is set twice");
    }
    settings.push_back({key, value, where});
  }
  if (in.bad()) return Status::invalidConfig("error while reading " + path.string());
  return settings;
}

std::vector<Setting> settingsFromEnvironment(const std::vector<std::string>& environment) {
  std::vector<Setting> settings;
  for (const auto& entry : environment) {
    size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    std::string name = entry.substr(0, equals);
    for (const auto& known : settingKeys()) {
      if (name == known.environmentVariable) {
        settings.push_back({known.key, entry.substr(equals + 1), name});
      }
    }
  }
  return settings;
}

Result<ServerConfig> buildServerConfig(const std::vector<Setting>& layers) {
  ServerConfig config;
  for (const auto& setting : layers) {
    const std::string& value = setting.value;
    if (setting.key == "data.dir") {
      if (value.empty()) return invalid(setting, "must name a directory");
      config.dataDir = value;
    } else if (setting.key == "server.host") {
      if (value.empty() || value.find_first_of(" /\t") != std::string::npos) {
        return invalid(setting, "must be an address or host name such as 127.0.0.1 or 0.0.0.0");
      }
      config.host = value;
    } else if (setting.key == "server.port") {
      auto port = parseInteger(value);
      if (!port || *port < 0 || *port > 65535) {
        return invalid(setting, "must be a number from 1 to 65535 (0 picks a free port)");
      }
      config.port = static_cast<uint16_t>(*port);
    } else if (setting.key == "server.threads") {
      auto threads = parseInteger(value);
      if (!threads || *threads < 1 || *threads > 256) {
        return invalid(setting, "must be a number from 1 to 256");
      }
      config.threads = static_cast<int>(*threads);
    } else if (setting.key == "log.level") {
      auto level = logLevelFromName(value);
      if (!level) return invalid(setting, "must be one of debug, info, warning, error");
      config.logLevel = *level;
    } else if (setting.key == "log.format") {
      if (value == "json") {
        config.logFormat = LogFormat::Json;
      } else if (value == "text") {
        config.logFormat = LogFormat::Text;
      } else {
        return invalid(setting, "must be json or text");
      }
    } else if (setting.key == "audit.allow_broken") {
      if (value != "true" && value != "false") return invalid(setting, "must be true or false");
      config.allowBrokenAuditLog = value == "true";
    } else if (setting.key == "audit.startup_check") {
      if (value != "full" && value != "since-checkpoint") {
        return invalid(setting, "must be full or since-checkpoint");
      }
      config.auditStartupCheckSinceCheckpoint = value == "since-checkpoint";
    } else if (setting.key == "storage.gc_interval" || setting.key == "storage.gc_min_age") {
      auto duration = parseDuration(value);
      if (!duration) {
        return invalid(setting, "must be a duration such as 3600, 90s, 15m, 6h or 1d (0 to 366d)");
      }
      (setting.key == "storage.gc_interval" ? config.gcInterval : config.gcMinAge) = *duration;
    } else if (setting.key == "exchange.retry" || setting.key == "exchange.retry_max" ||
               setting.key == "exchange.poll_interval") {
      auto duration = parseDuration(value);
      if (!duration || (setting.key != "exchange.poll_interval" && duration->count() == 0)) {
        return invalid(setting, "must be a duration such as 30, 30s, 5m or 1h");
      }
      (setting.key == "exchange.retry"       ? config.exchangeRetry
       : setting.key == "exchange.retry_max" ? config.exchangeRetryMax
                                             : config.exchangePollInterval) = *duration;
    } else if (setting.key == "exchange.max_attempts") {
      auto attempts = parseInteger(value);
      if (!attempts || *attempts < 1 || *attempts > 1000) {
        return invalid(setting, "must be a whole number from 1 to 1000");
      }
      config.exchangeMaxAttempts = static_cast<int>(*attempts);
    } else if (setting.key == "storage.blobs") {
      if (value == "files") {
        config.blobStorage = BlobStorage::Files;
      } else if (value == "database") {
        config.blobStorage = BlobStorage::Database;
      } else {
        return invalid(setting, "must be files or database");
      }
    } else if (setting.key == "auth.token_ttl" || setting.key == "auth.refresh_ttl" ||
               setting.key == "auth.lockout") {
      auto duration = parseDuration(value);
      if (!duration || duration->count() < 1 ||
          (setting.key == "auth.token_ttl" && duration->count() > 86400)) {
        return invalid(setting,
                       setting.key == "auth.token_ttl"
                           ? "must be a duration from 1s to 1d, such as 900, 15m or 1h"
                           : "must be a duration such as 90s, 15m, 6h or 14d (1s to 366d)");
      }
      (setting.key == "auth.token_ttl"     ? config.authTokenTtl
       : setting.key == "auth.refresh_ttl" ? config.authRefreshTtl
                                           : config.authLockout) = *duration;
    } else if (setting.key == "auth.max_failed_logins") {
      auto count = parseInteger(value);
      if (!count || *count < 1 || *count > 100) {
        return invalid(setting, "must be a number from 1 to 100");
      }
      config.authMaxFailedLogins = static_cast<int>(*count);
    } else if (setting.key == "server.tls_certificate" || setting.key == "server.tls_key") {
      if (value.empty()) return invalid(setting, "must name a PEM file");
      (setting.key == "server.tls_certificate" ? config.tlsCertificate : config.tlsKey) = value;
    } else if (setting.key == "server.tls_min_version") {
      if (value != "1.2" && value != "1.3") return invalid(setting, "must be 1.2 or 1.3");
      config.tlsMinVersion = value;
    } else if (setting.key == "server.request_timeout") {
      auto duration = parseDuration(value);
      if (!duration || duration->count() < 1 || duration->count() > 3600) {
        return invalid(setting, "must be a duration from 1s to 1h, such as 30 or 30s");
      }
      config.requestTimeout = *duration;
    } else if (setting.key == "server.max_queued") {
      auto count = parseInteger(value);
      if (!count || *count < 1 || *count > 65536) {
        return invalid(setting, "must be a number from 1 to 65536");
      }
      config.maxQueued = static_cast<int>(*count);
    } else if (setting.key == "metrics.token") {
      if (value.size() < 16 || value.find_first_of(" \t") != std::string::npos) {
        return Status::invalidConfig("invalid metrics.token (from " + setting.origin +
                                     "): must be at least 16 characters without spaces");
      }
      config.metricsToken = value;
    } else if (setting.key == "database.pool_size") {
      auto size = parseInteger(value);
      if (!size || *size < 1 || *size > 512) {
        return invalid(setting, "must be a number from 1 to 512");
      }
      config.databasePoolSize = static_cast<int>(*size);
    } else if (setting.key == "server.instance_name") {
      bool plain = !value.empty() && value.size() <= 64 &&
                   value.find_first_not_of(
                       "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789-_.") == std::string::npos;
      if (!plain) return invalid(setting, "must be 1-64 letters, digits, '-', '_' or '.'");
      config.instanceName = value;
    } else if (setting.key == "web.root") {
      if (value.empty()) return invalid(setting, "must name a directory");
      config.webRoot = value;
    } else if (setting.key == "signing.level") {
      if (value != "B-B" && value != "B-T" && value != "B-LT" && value != "B-LTA") {
        return invalid(setting, "must be B-B, B-T, B-LT or B-LTA");
      }
      config.signingLevel = value;
    } else if (setting.key == "signing.tsa_url") {
      if (value.rfind("http://", 0) != 0 && value.rfind("https://", 0) != 0) {
        return invalid(setting, "must be an http:// or https:// URL");
      }
      config.tsaUrl = value;
    } else if (setting.key == "signing.tsa_pkcs12") {
      config.tsaPkcs12 = value;
    } else if (setting.key == "signing.tsa_password") {
      config.tsaPassword = value;
    } else if (setting.key == "database.url") {
      if (auto status = storage::validateDatabaseUrl(value); !status) {
        return invalid(setting, status.message());
      }
      config.databaseUrl = value;
    } else if (setting.key == "server.max_upload_mb") {
      auto megabytes = parseInteger(value);
      if (!megabytes || *megabytes < 1 || *megabytes > 65536) {
        return invalid(setting, "must be a number of MiB from 1 to 65536");
      }
      config.maxUploadMb = static_cast<int>(*megabytes);
    } else {
      return Status::invalidConfig("unknown setting '" + setting.key + "' (from " + setting.origin +
                                   "); known settings: " + knownKeyList());
    }
  }
  if (auto tls = checkTlsFiles(config); !tls) return tls;
  if (config.dataDir.empty()) {
    return Status::invalidConfig(
        "no data directory: give --data DIR (create one with 'vanthu demo init --dir DIR') "
        "or set VANTHU_DATA");
  }
  return config;
}

std::optional<std::chrono::seconds> parseDuration(std::string text) {
  long unit = 1;
  const std::string units = "smhd";
  const long seconds[] = {1, 60, 3600, 86400};
  if (!text.empty() && units.find(text.back()) != std::string::npos) {
    unit = seconds[units.find(text.back())];
    text.pop_back();
  }
  auto value = parseInteger(text);
  if (!value || *value < 0 || *value > 366L * 86400 / unit) return std::nullopt;
  return std::chrono::seconds(*value * unit);
}

Status checkDataDirectory(const std::filesystem::path& dataDir, DataAccess need) {
  std::error_code error;
  auto status = std::filesystem::status(dataDir, error);
  if (!std::filesystem::exists(status)) {
    return Status::invalidConfig("data directory '" + dataDir.string() +
                                 "' does not exist; create it with 'vanthu demo init --dir " +
                                 dataDir.string() + "' or point --data at an existing one");
  }
  if (!std::filesystem::is_directory(status)) {
    return Status::invalidConfig("data directory '" + dataDir.string() +
                                 "' is not a directory; point --data at a directory");
  }
  int mode = need == DataAccess::ReadWrite ? R_OK | W_OK | X_OK : R_OK | X_OK;
  if (::access(dataDir.c_str(), mode) != 0) {
    int reason = errno;
    if (reason == EROFS) {
      return Status::invalidConfig("data directory '" + dataDir.string() +
                                   "' cannot be written: " + std::strerror(reason) +
                                   "; documents and audit entries are written there: "
                                   "remount it read-write (read-only commands such as 'vanthu "
                                   "audit verify' and 'vanthu backup' still work)");
    }
    return Status::invalidConfig(
        "data directory '" + dataDir.string() +
        (need == DataAccess::ReadWrite ? "' is not readable and writable by this user ("
                                       : "' is not readable by this user (") +
        std::strerror(reason) + "); fix its permissions or run as its owner");
  }
  return Status::ok();
}

}  // namespace vanthu::api
