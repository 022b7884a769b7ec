#include "data_directory.h"

#include <cstdlib>
#include <vector>

#include "vanthu/api/server_config.h"

extern char** environ;

namespace vanthu::cli {

std::filesystem::path dataDirectoryOf(const ParsedArgs& flags) {
  std::filesystem::path dataDir = flags.value("data");
  if (dataDir.empty()) {
    const char* fromEnvironment = std::getenv("VANTHU_DATA");
    dataDir = fromEnvironment != nullptr && *fromEnvironment != '\0' ? fromEnvironment : "var";
  }
  return dataDir;
}

Result<std::string> databaseUrlOf(const std::filesystem::path& dataDir,
                                  const std::filesystem::path& properties) {
  std::vector<api::Setting> layers;
  if (std::filesystem::exists(properties)) {
    auto file = api::readConfigFile(properties);
    if (!file) return file.status();
    layers = file.value();
  }
  std::vector<std::string> environment;
  for (char** variable = environ; variable != nullptr && *variable != nullptr; ++variable) {
    environment.emplace_back(*variable);
  }
  for (auto& setting : api::settingsFromEnvironment(environment)) layers.push_back(setting);
  layers.push_back({"data.dir", dataDir.string(), "--data"});
  auto config = api::buildServerConfig(layers);
  if (!config) return config.status();
  return config.value().resolvedDatabaseUrl();
}

}  // namespace vanthu::cli
