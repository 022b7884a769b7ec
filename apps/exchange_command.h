#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu exchange peer|peers ...`: the directory entries of other agencies' exchange endpoints.
int runExchangeCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
