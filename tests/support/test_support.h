#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::test {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exitCode = -1;   ///< the process's exit status, or 128+signal
  std::string output;  ///< stdout and stderr, interleaved
};

/// Runs `command` through /bin/sh and captures its output. For the independent judges
/// (openssl, qpdf, pdftotext, ...) and our own executables.
CommandResult runCommand(const std::string& command);

/// Quotes `text` for /bin/sh.
std::string shellQuote(const std::string& text);
std::string shellQuote(const std::filesystem::path& path);

/// `openssl ARGUMENTS` — the independent judge of what the crypto code writes.
CommandResult openssl(const std::string& arguments);

/// Writes `text` to `path` (binary), replacing it.
void writeText(const std::filesystem::path& path, const std::string& text);

std::string readFile(const std::filesystem::path& path);

/// The code of the vanthu::Error `action` throws, or ErrorCode::Unknown when it throws none.
ErrorCode errorCodeOf(const std::function<void()>& action);

/// Where the built executables (vanthu, vanthu-server, vanthu-verify) are.
std::filesystem::path binDir();
/// The repository root.
std::filesystem::path sourceDir();

}  // namespace vanthu::test
