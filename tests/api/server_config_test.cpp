#include "vanthu/api/server_config.h"

#include <catch2/catch.hpp>
#include <fstream>

#include "signing_services.h"
#include "test_support.h"
#include "vanthu/signing/certificate_authority.h"

using namespace vanthu;
using namespace vanthu::api;
using vanthu::test::TempDir;

namespace {

std::filesystem::path writeConfig(const TempDir& dir, const std::string& content) {
  auto path = dir / "vanthu.properties";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

}  // namespace

TEST_CASE("settings layer: file, then environment, then flags", "[api][config]") {
  TempDir dir;
  auto file = readConfigFile(writeConfig(dir, "# demo\nserver.port = 8081\nlog.level=debug\n\n"));
  REQUIRE(file.isOk());
  REQUIRE(file.value().size() == 2);
  CHECK(file.value()[0].origin.find("vanthu.properties:2") != std::string::npos);

  auto layers = file.value();
  auto environment =
      settingsFromEnvironment({"VANTHU_PORT=9000", "HOME=/root", "VANTHU_DATA=/srv"});
  layers.insert(layers.end(), environment.begin(), environment.end());
  layers.push_back({"server.port", "9100", "--port"});

  auto config = buildServerConfig(layers);
  REQUIRE(config.isOk());
  CHECK(config.value().port == 9100);
  CHECK(config.value().logLevel == LogLevel::Debug);
  CHECK(config.value().dataDir == "/srv");
  CHECK(config.value().host == "127.0.0.1");
  CHECK(config.value().resolvedDatabaseUrl() == "sqlite:/srv/vanthu.db");
  CHECK(config.value().blobStorage == BlobStorage::Files);
}

TEST_CASE("storage.blobs chooses files or the database", "[api][config]") {
  auto environment = settingsFromEnvironment({"VANTHU_DATA=/srv", "VANTHU_STORAGE_BLOBS=database"});
  auto config = buildServerConfig(environment);
  REQUIRE(config.isOk());
  CHECK(config.value().blobStorage == BlobStorage::Database);
  environment.push_back({"storage.blobs", "files", "--config"});
  CHECK(buildServerConfig(environment).value().blobStorage == BlobStorage::Files);
}

TEST_CASE("bad values are refused naming the key, the value and where it came from",
          "[api][config]") {
  auto refuse = [](Setting bad) {
    auto config = buildServerConfig({{"data.dir", "/srv", "--data"}, bad});
    REQUIRE_FALSE(config.isOk());
    CHECK(config.status().code() == ErrorCode::InvalidConfig);
    CHECK(config.status().message().find(bad.key) != std::string::npos);
    CHECK(config.status().message().find(bad.origin) != std::string::npos);
  };
  refuse({"server.port", "abc", "VANTHU_PORT"});
  refuse({"server.port", "70000", "--port"});
  refuse({"server.port", "-1", "--port"});
  refuse({"server.port", "80 80", "--port"});
  refuse({"server.threads", "0", "VANTHU_THREADS"});
  refuse({"log.level", "loud", "--log-level"});
  refuse({"log.format", "xml", "--log-format"});
  refuse({"database.url", "oracle://db", "VANTHU_DATABASE_URL"});
  refuse({"server.host", "", "--host"});
  refuse({"audit.startup_check", "quick", "VANTHU_AUDIT_STARTUP_CHECK"});
  refuse({"audit.allow_broken", "yes", "VANTHU_AUDIT_ALLOW_BROKEN"});
  refuse({"storage.gc_interval", "6x", "VANTHU_STORAGE_GC_INTERVAL"});
  refuse({"storage.gc_interval", "-1", "VANTHU_STORAGE_GC_INTERVAL"});
  refuse({"storage.gc_interval", "h", "VANTHU_STORAGE_GC_INTERVAL"});
  refuse({"storage.gc_min_age", "", "VANTHU_STORAGE_GC_MIN_AGE"});
  refuse({"storage.gc_min_age", "400d", "VANTHU_STORAGE_GC_MIN_AGE"});
  refuse({"storage.blobs", "s3", "VANTHU_STORAGE_BLOBS"});
}

TEST_CASE("blob collection settings take seconds or a unit, 0 disables", "[api][config][gc]") {
  auto defaults = buildServerConfig({{"data.dir", "/srv", "--data"}});
  REQUIRE(defaults.isOk());
  CHECK(defaults.value().gcInterval == std::chrono::hours(6));
  CHECK(defaults.value().gcMinAge == std::chrono::hours(1));
  auto environment = settingsFromEnvironment(
      {"VANTHU_DATA=/srv", "VANTHU_STORAGE_GC_INTERVAL=15m", "VANTHU_STORAGE_GC_MIN_AGE=90"});
  auto config = buildServerConfig(environment);
  REQUIRE(config.isOk());
  CHECK(config.value().gcInterval == std::chrono::minutes(15));
  CHECK(config.value().gcMinAge == std::chrono::seconds(90));
  auto off = buildServerConfig({{"data.dir", "/srv", "--data"},
                                {"storage.gc_interval", "0", "VANTHU_STORAGE_GC_INTERVAL"},
                                {"storage.gc_min_age", "2d", "vanthu.properties:3"}});
  REQUIRE(off.isOk());
  CHECK(off.value().gcInterval.count() == 0);
  CHECK(off.value().gcMinAge == std::chrono::hours(48));
}

TEST_CASE("authentication settings: token lifetimes and the lock-out", "[api][config][auth]") {
  auto defaults = buildServerConfig({{"data.dir", "/srv", "--data"}});
  REQUIRE(defaults.isOk());
  CHECK(defaults.value().authTokenTtl == std::chrono::minutes(15));
  CHECK(defaults.value().authRefreshTtl == std::chrono::hours(14 * 24));
  CHECK(defaults.value().authMaxFailedLogins == 5);
  CHECK(defaults.value().authLockout == std::chrono::minutes(15));
  auto environment = settingsFromEnvironment(
      {"VANTHU_DATA=/srv", "VANTHU_AUTH_TOKEN_TTL=5m", "VANTHU_AUTH_REFRESH_TTL=1d",
       "VANTHU_AUTH_MAX_FAILED_LOGINS=3", "VANTHU_AUTH_LOCKOUT=30m"});
  auto config = buildServerConfig(environment);
  REQUIRE(config.isOk());
  CHECK(config.value().authTokenTtl == std::chrono::minutes(5));
  CHECK(config.value().authRefreshTtl == std::chrono::hours(24));
  CHECK(config.value().authMaxFailedLogins == 3);
  CHECK(config.value().authLockout == std::chrono::minutes(30));
  for (auto bad : {Setting{"auth.token_ttl", "0", "x"}, Setting{"auth.token_ttl", "2d", "x"},
                   Setting{"auth.refresh_ttl", "0", "x"}, Setting{"auth.lockout", "soon", "x"},
                   Setting{"auth.max_failed_logins", "0", "x"},
                   Setting{"auth.max_failed_logins", "101", "x"}}) {
    INFO(bad.key << " = " << bad.value);
    auto refused = buildServerConfig({{"data.dir", "/srv", "--data"}, bad});
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::InvalidConfig);
    CHECK(refused.status().message().find(bad.key) != std::string::npos);
  }
}

TEST_CASE("a missing data directory is a clear error", "[api][config]") {
  auto config = buildServerConfig({});
  REQUIRE_FALSE(config.isOk());
  CHECK(config.status().code() == ErrorCode::InvalidConfig);
  CHECK(config.status().message().find("--data") != std::string::npos);

  TempDir dir;
  CHECK(checkDataDirectory(dir.path()).isOk());
  auto missing = checkDataDirectory(dir / "nope");
  CHECK(missing.code() == ErrorCode::InvalidConfig);
  CHECK(missing.message().find("vanthu demo init") != std::string::npos);
  std::ofstream(dir / "file") << "x";
  CHECK(checkDataDirectory(dir / "file").code() == ErrorCode::InvalidConfig);
}

TEST_CASE("corrupt config files are refused with file and line", "[api][config]") {
  TempDir dir;
  SECTION("a line without '='") {
    auto result = readConfigFile(writeConfig(dir, "server.port = 1\nport 8080\n"));
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().code() == ErrorCode::InvalidConfig);
    CHECK(result.status().message().find("vanthu.properties:2") != std::string::npos);
  }
  SECTION("an unknown key (a typo must not be ignored)") {
    auto result = readConfigFile(writeConfig(dir, "sever.port = 1\n"));
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().message().find("unknown setting 'sever.port'") != std::string::npos);
  }
  SECTION("binary garbage") {
    auto result = readConfigFile(writeConfig(dir, std::string("\x89PNG\r\n\x1a\n\0\0", 10)));
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().code() == ErrorCode::InvalidConfig);
  }
  SECTION("a key set twice") {
    auto result = readConfigFile(writeConfig(dir, "server.port = 1\nserver.port = 2\n"));
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().message().find("set twice") != std::string::npos);
  }
  SECTION("an unreadable file") {
    auto result = readConfigFile(dir / "missing.properties");
    REQUIRE_FALSE(result.isOk());
    CHECK(result.status().code() == ErrorCode::InvalidConfig);
  }
}

TEST_CASE("database.pool_size defaults by database and takes 1 to 512", "[config][pool]") {
  auto build = [](std::vector<Setting> settings) {
    settings.insert(settings.begin(), Setting{"data.dir", "/tmp", "x"});
    return buildServerConfig(settings);
  };
  auto sqlite = build({});
  REQUIRE(sqlite.isOk());
  CHECK(sqlite.value().resolvedPoolSize() == 1);
  auto postgres = build({{"database.url", "postgresql://vanthu@127.0.0.1:5432/vanthu", "x"},
                         {"server.threads", "8", "x"}});
  REQUIRE(postgres.isOk());
  CHECK(postgres.value().resolvedPoolSize() == 16);
  auto chosen = build({{"database.pool_size", "6", "x"}});
  REQUIRE(chosen.isOk());
  CHECK(chosen.value().resolvedPoolSize() == 6);
  for (const char* bad : {"0", "513", "many", "-1"}) {
    auto refused = build({{"database.pool_size", bad, "f:3"}});
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().message().find("database.pool_size") != std::string::npos);
  }
}

TEST_CASE("server.instance_name is plain text or refused", "[config]") {
  auto good =
      buildServerConfig({{"data.dir", "/tmp", "x"}, {"server.instance_name", "api-1", "x"}});
  REQUIRE(good.isOk());
  CHECK(good.value().instanceName == "api-1");
  auto bad = buildServerConfig(
      {{"data.dir", "/tmp", "x"}, {"server.instance_name", "a b\r\nX-Evil: 1", "x"}});
  CHECK_FALSE(bad.isOk());
}

TEST_CASE("signing settings: the level, a TSA URL, or the server's own TSA key",
          "[config][signing]") {
  auto good = buildServerConfig({{"data.dir", "/tmp", "x"},
                                 {"signing.level", "B-LT", "x"},
                                 {"signing.tsa_url", "http://tsa.example.vn/", "x"}});
  REQUIRE(good.isOk());
  CHECK(good.value().signingLevel == "B-LT");
  CHECK(good.value().tsaUrl == "http://tsa.example.vn/");
  CHECK(buildServerConfig({{"data.dir", "/tmp", "x"}}).value().signingLevel == "B-T");
  for (auto [key, value] : {std::pair<const char*, const char*>{"signing.level", "B-X"},
                            {"signing.level", "b-t"},
                            {"signing.tsa_url", "ftp://tsa.example.vn/"}}) {
    INFO(key << " = " << value);
    auto refused = buildServerConfig({{"data.dir", "/tmp", "x"}, {key, value, "f:1"}});
    REQUIRE_FALSE(refused.isOk());
    CHECK(refused.status().code() == ErrorCode::InvalidConfig);
    CHECK(refused.status().message().find(key) != std::string::npos);
  }
}

TEST_CASE("a TSA key that does not open stops the start, naming the file and not the password",
          "[config][signing]") {
  test::TempDir dir;
  auto now = std::chrono::system_clock::now();
  auto root = signing::CertificateAuthority::createRoot(
      {{{"CN", "Not a TSA"}}}, signing::PrivateKey::generate(signing::KeyAlgorithm::EcP256), now,
      now + std::chrono::hours(24));
  signing::writePkcs12(dir / "tsa.p12", root.key(), root.certificate(), {}, "right-password-1",
                       "tsa");
  ServerConfig config;
  config.dataDir = dir.path();
  config.tsaPkcs12 = "tsa.p12";
  config.tsaPassword = "wrong-password-2";
  try {
    SigningServices services(config);
    FAIL("a TSA key opened with the wrong password");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::InvalidConfig);
    std::string message = e.what();
    CHECK(message.find("tsa.p12") != std::string::npos);
    CHECK(message.find("wrong-password-2") == std::string::npos);
  }
  // The right password, but a certificate that is not a time-stamping one: refused as well.
  config.tsaPassword = "right-password-1";
  CHECK_THROWS_AS(SigningServices(config), Error);
}

TEST_CASE("B-T without a time-stamping authority is refused at signing time with a clear reason",
          "[config][signing]") {
  test::TempDir dir;
  ServerConfig config;
  config.dataDir = dir.path();
  SigningServices services(config);
  auto levels = services.levelServices();
  REQUIRE_FALSE(levels.isOk());
  CHECK(levels.status().code() == ErrorCode::Unavailable);
  CHECK(levels.status().message().find("signing.tsa_url") != std::string::npos);
  config.signingLevel = "B-B";
  SigningServices plain(config);
  CHECK(plain.levelServices().isOk());
}
