#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu audit verify [--data DIR]` (DESIGN §4): recompute the audit chain and the signed
/// checkpoints; exit non-zero on any break, naming the first broken entry.
int runAuditCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
