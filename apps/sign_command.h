#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu sign ...` (DESIGN §4). Returns the process exit code; prints errors itself.
int runSignCommand(const std::vector<std::string>& args);

/// `vanthu fill --in IN --out OUT --field NAME=VALUE...`: fill text fields (the clerk's number
/// and date) as an incremental update.
int runFillCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
