#pragma once

// `vanthu demo init`: a complete demo data directory (PKI, organisations, users, sample PDFs,
// signature and seal images, database, config), created all at once or not at all.

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace vanthu::demo {

/// The password of every demo PKCS#12 file (documented in samples/README.md; demo only).
inline constexpr const char* kDemoPkcs12Password = "vanthu-demo-p12";
/// The file in a demo data dir that marks it complete.
inline constexpr const char* kDemoMarkerFile = ".vanthu-demo";
/// The file (mode 0600) that keeps the demo logins for script/server to print.
inline constexpr const char* kDemoCredentialsFile = "demo-credentials.txt";

struct DemoInitOptions {
  std::filesystem::path dir;
  std::string userPassword;  ///< the demo users' shared password; empty: generate one
  std::string pkiBaseUrl = "http://127.0.0.1:8080/pki/";
  /// The metadata database to fill (e.g. a PostgreSQL shared by several servers); empty: the
  /// SQLite file vanthu.db in `dir`. Written into the directory's vanthu.properties.
  std::string databaseUrl;
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
  std::function<void(const std::string&)> progress;  ///< optional progress lines
};

struct DemoInitResult {
  bool created = false;      ///< false: `dir` already held a complete demo
  std::string userPassword;  ///< set only when created
  bool passwordGenerated = false;
  std::vector<std::string> usernames;
};

/// Creates the demo in a temporary sibling of `dir` and renames it into place when complete.
/// Idempotent: a `dir` that already holds a complete demo is left as it is (created = false).
/// Throws vanthu::Error: InvalidArgument when `dir` exists but is not an (empty or complete)
/// demo directory; IoFailure and others when writing fails (nothing is left behind).
DemoInitResult initDemo(const DemoInitOptions& options);

/// Generates a password of 16 characters from an unambiguous alphabet.
std::string generateDemoPassword();

}  // namespace vanthu::demo
