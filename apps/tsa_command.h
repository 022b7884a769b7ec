#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu tsa ...`: an RFC 3161 time-stamping authority over HTTP, for tests and the demo.
int runTsaCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
