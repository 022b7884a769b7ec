#include "blobs_command.h"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli_args.h"
#include "data_directory.h"
#include "vanthu/api/server_config.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_pending_signature_repository.h"

namespace vanthu::cli {
namespace {

constexpr const char* kUsage = R"(usage: vanthu blobs gc [--data DIR] [--min-age DURATION]

Removes from DIR/blobs every stored version that no document version of the database refers to
(a signed version keeps the versions it is stored on), and leftovers of interrupted writes. The
server does the same every storage.gc_interval. Versions younger than DURATION (default 1h;
seconds, or 15m, 6h, 1d) are kept: one being uploaded or signed now is stored before the row that
refers to it. The database is the one of DIR/vanthu.properties (database.url), else DIR/vanthu.db.

Prints one line per removed version and a summary. Exit status: 0 done; 1 the database or the
store could not be read or a file not removed; 2 usage or configuration error.
)";

int usage(const std::string& message) {
  std::cerr << "vanthu blobs: " << message << "; see 'vanthu blobs --help'" << std::endl;
  return kExitUsage;
}

}  // namespace

int runBlobsCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (args.empty() || args[0] != "gc") {
    return usage(args.empty() ? "'blobs' needs a subcommand: gc"
                              : "unknown subcommand 'blobs " + args[0] + "'");
  }
  auto parsed = parseArgs({args.begin() + 1, args.end()}, {{"data"}, {"min-age"}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty()) {
    return usage("unexpected argument '" + flags.positionals.front() + "'");
  }
  auto minAge = api::parseDuration(flags.value("min-age", "1h"));
  if (!minAge) {
    return usage("invalid --min-age '" + flags.value("min-age") +
                 "': give a duration such as 3600, 90s, 15m, 6h or 1d");
  }
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  if (auto status = api::checkDataDirectory(dataDir); !status) return usage(status.message());
  auto url = databaseUrlOf(dataDir, dataDir / "vanthu.properties");
  if (!url) return usage(url.status().message());
  const std::string prefix = "sqlite:";
  if (url.value().rfind(prefix, 0) == 0 &&
      !std::filesystem::exists(url.value().substr(prefix.size()))) {
    // A new, empty database refers to nothing: collecting against it would remove every blob.
    return usage("no database at " + url.value().substr(prefix.size()) +
                 "; refusing to collect blobs against an empty one");
  }
  std::filesystem::path root = dataDir / "blobs";
  if (!std::filesystem::exists(root)) {
    std::cout << "no blobs stored in " << root.string() << "; nothing to do" << std::endl;
    return kExitOk;
  }
  try {
    std::set<std::string> referenced;
    {
      auto database = storage::Database::open({url.value()});
      // External signatures abandoned long ago let go of their work files first.
      const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      auto abandoned = storage::SqlPendingSignatureRepository(*database).removeExpired(
          now - storage::kPendingSignatureRetentionSeconds);
      if (abandoned > 0) std::cout << "pending signatures removed: " << abandoned << "\n";
      referenced = storage::SqlDocumentRepository(*database).referencedBlobHashes();
    }
    storage::BlobStore store(root);
    auto report = store.collectGarbage(referenced, *minAge);
    for (const auto& hash : report.removed) std::cout << "removed " << hash << "\n";
    std::cout << "blobs collected: " << report.removed.size() << " version(s) removed, "
              << report.bytesFreed << " bytes freed; " << referenced.size()
              << " referenced version(s) kept with their chains" << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    std::cerr << "vanthu blobs gc: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return kExitFailure;
  }
}

}  // namespace vanthu::cli
