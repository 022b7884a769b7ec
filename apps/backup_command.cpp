// Placeholder until backup and restore land.
#include "backup_command.h"

#include <iostream>

#include "cli_args.h"

namespace vanthu::cli {

int runBackupCommand(const std::vector<std::string>&) {
  std::cerr << "vanthu: 'backup' is not available in this build\n";
  return kExitUsage;
}

int runRestoreCommand(const std::vector<std::string>&) {
  std::cerr << "vanthu: 'restore' is not available in this build\n";
  return kExitUsage;
}

}  // namespace vanthu::cli
