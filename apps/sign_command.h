#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu sign ...` (DESIGN §4). Returns the process exit code; prints errors itself.
int runSignCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
