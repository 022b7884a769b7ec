#pragma once

#include <string>
#include <vector>

namespace vanthu::cli {

/// `vanthu blobs gc [--data DIR] [--min-age DURATION]`: removes the blobs no document version
/// refers to (what the server does every storage.gc_interval), now.
int runBlobsCommand(const std::vector<std::string>& args);

}  // namespace vanthu::cli
