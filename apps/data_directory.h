#pragma once

// Where the administration commands find the data the server uses: the same directory default
// and the same settings layers (vanthu.properties, then the environment) as vanthu-server, so
// `vanthu audit verify`, `backup` and `restore` act on the database the server writes.

#include <filesystem>
#include <string>

#include "cli_args.h"

namespace vanthu::cli {

/// --data, else $VANTHU_DATA, else ./var.
std::filesystem::path dataDirectoryOf(const ParsedArgs& flags);

/// The database URL the server would use for `dataDir` with the settings file `properties`
/// (absent: environment only). InvalidConfig names the bad setting.
Result<std::string> databaseUrlOf(const std::filesystem::path& dataDir,
                                  const std::filesystem::path& properties);

}  // namespace vanthu::cli
