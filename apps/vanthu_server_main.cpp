// vanthu-server: the HTTP service. Settings: defaults < config file < environment < flags.
// Exit codes: 0 after a clean shutdown (SIGTERM/SIGINT), 1 on a failure while running,
// 2 on a usage or configuration error (bad flag or value, missing data dir, port in use).

#include <Poco/Util/ServerApplication.h>

#include <filesystem>
#include <iostream>

#include "cli_args.h"
#include "vanthu/api/http_server.h"
#include "vanthu/api/server_config.h"

extern char** environ;

namespace {

using namespace vanthu;

constexpr const char* kUsage =
    R"(usage: vanthu-server --data DIR [--port N] [--host ADDR] [--config FILE]
                     [--log-level debug|info|warning|error] [--log-format json|text]

Serves the vanthu API and web UI from the data directory DIR (create a demo one with
'vanthu demo init --dir DIR'). Settings come from, later winning: defaults, the config file
(--config FILE, $VANTHU_CONFIG, or DIR/vanthu.properties), VANTHU_* environment variables, flags.
)";

class ServerApp : public Poco::Util::ServerApplication {
 public:
  explicit ServerApp(api::ServerConfig config) : config_(std::move(config)) {}
  int exitCode = cli::kExitOk;

 protected:
  int main(const std::vector<std::string>&) override {
    api::StructuredLog log(std::cerr, config_.logLevel, config_.logFormat);
    try {
      api::HttpServer server(config_, log);
      server.start();
      std::cout << "vanthu-server: listening on " << (config_.tlsEnabled() ? "https://" : "http://")
                << config_.host << ":" << server.port() << "/" << std::endl;
      waitForTerminationRequest();  // SIGTERM, SIGINT, SIGQUIT
      log.info("shutdown_requested");
      server.stop();
      return cli::kExitOk;
    } catch (const Error& e) {
      bool usage = e.code() == ErrorCode::IoFailure || e.code() == ErrorCode::InvalidConfig ||
                   e.code() == ErrorCode::DatabaseUnavailable;
      std::cerr << "vanthu-server: " << e.describe() << std::endl;
      return usage ? cli::kExitUsage : cli::kExitFailure;
    }
  }

 private:
  api::ServerConfig config_;
};

int fail(const std::string& message) {
  std::cerr << "vanthu-server: " << message << std::endl;
  return cli::kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::parseArgs(args, {{"data"},
                                      {"port"},
                                      {"host"},
                                      {"config"},
                                      {"log-level"},
                                      {"log-format"},
                                      {"help", false},
                                      {"version", false}});
  if (!parsed) return fail(parsed.status().message() + "; see 'vanthu-server --help'");
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return cli::kExitOk;
  }
  if (flags.has("version")) {
    std::cout << "vanthu-server " << VANTHU_VERSION << std::endl;
    return cli::kExitOk;
  }
  if (!flags.positionals.empty()) {
    return fail("unexpected argument '" + flags.positionals.front() +
                "'; see 'vanthu-server --help'");
  }

  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) environment.emplace_back(*entry);
  auto fromEnvironment = api::settingsFromEnvironment(environment);

  std::vector<api::Setting> fromFlags;
  auto flag = [&](const char* name, const char* key) {
    if (flags.has(name)) fromFlags.push_back({key, flags.value(name), std::string("--") + name});
  };
  flag("data", "data.dir");
  flag("port", "server.port");
  flag("host", "server.host");
  flag("log-level", "log.level");
  flag("log-format", "log.format");

  // The config file: --config, else $VANTHU_CONFIG, else DIR/vanthu.properties when present.
  std::string dataDir = flags.value("data");
  const char* envData = std::getenv("VANTHU_DATA");
  if (dataDir.empty() && envData != nullptr) dataDir = envData;
  std::string configPath = flags.value("config");
  const char* envConfig = std::getenv("VANTHU_CONFIG");
  if (configPath.empty() && envConfig != nullptr) configPath = envConfig;
  if (configPath.empty() && !dataDir.empty() &&
      std::filesystem::exists(std::filesystem::path(dataDir) / "vanthu.properties")) {
    configPath = (std::filesystem::path(dataDir) / "vanthu.properties").string();
  }

  std::vector<api::Setting> layers;
  if (!configPath.empty()) {
    auto fromFile = api::readConfigFile(configPath);
    if (!fromFile) return fail(fromFile.status().message());
    layers = fromFile.value();
  }
  layers.insert(layers.end(), fromEnvironment.begin(), fromEnvironment.end());
  layers.insert(layers.end(), fromFlags.begin(), fromFlags.end());
  auto config = api::buildServerConfig(layers);
  if (!config) return fail(config.status().message());
  if (auto status = api::checkDataDirectory(config.value().dataDir); !status) {
    return fail(status.message());
  }

  ServerApp app(config.value());
  char* programOnly[] = {argv[0], nullptr};
  return app.run(1, programOnly);
}
