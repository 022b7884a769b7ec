// Placeholder until the audit log lands.
#include "audit_command.h"

#include <iostream>

#include "cli_args.h"

namespace vanthu::cli {

int runAuditCommand(const std::vector<std::string>&) {
  std::cerr << "vanthu: 'audit' is not available in this build\n";
  return kExitUsage;
}

}  // namespace vanthu::cli
