#pragma once

// Durable file writes: readers see the old file or the complete new one, never half of one, and
// an acknowledged write survives a crash. The blob store and the demo data are written this way.

#include <filesystem>
#include <string_view>

namespace vanthu::storage {

/// Writes `data` to a temporary file beside `path`, fsyncs it, sets `mode`, and renames it over
/// `path`. Throws vanthu::Error(IoFailure) naming the file and the system's reason; the temporary
/// file is removed on failure.
void writeFileAtomically(const std::filesystem::path& path, std::string_view data,
                         unsigned mode = 0644);

/// fsyncs a directory so that renames and new entries in it are durable. Best effort on file
/// systems that refuse to open directories.
void syncDirectory(const std::filesystem::path& dir);

}  // namespace vanthu::storage
