#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu backup --to DIR [--data DIR]` and `vanthu restore --from DIR [--data DIR]`.
int runBackupCommand(const std::vector<std::string>& args);
int runRestoreCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
