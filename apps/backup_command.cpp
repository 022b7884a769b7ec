#include "backup_command.h"

#include <filesystem>
#include <iostream>

#include "cli_args.h"
#include "data_directory.h"
#include "vanthu/api/server_config.h"
#include "vanthu/storage/backup.h"

namespace vanthu::cli {
namespace {

constexpr const char* kBackupUsage =
    R"(usage: vanthu backup --to DIR [--data DATA]

Copies the data directory DATA (default: $VANTHU_DATA, else ./var) into DIR, which must not exist
or be empty, while vanthu-server may keep running: first a consistent snapshot of the database
(SQLite: VACUUM INTO; PostgreSQL: pg_dump --format=custom, the password from
$VANTHU_DATABASE_PASSWORD), then the blobs (each checked against its SHA-256), keys/ and
vanthu.properties. DIR/backup-manifest.txt is written last and lists every file with its SHA-256:
a directory without it is not a backup.

Exit status: 0 done; 1 the backup failed (a damaged blob, a full disk: the message names the
file; nothing is left in DIR); 2 usage or configuration error, DIR not empty.
)";

constexpr const char* kRestoreUsage =
    R"(usage: vanthu restore --from DIR [--data DATA]

Brings the backup DIR back into the data directory DATA (default: $VANTHU_DATA, else ./var),
which must not exist or be empty. Every file is checked against the manifest before anything is
written; then the keys, vanthu.properties, the blobs and the database are restored, the database
is opened (pending migrations run) and the audit log is verified. The database is the one the
restored vanthu.properties names (database.url, or $VANTHU_DATABASE_URL), else DATA/vanthu.db;
a PostgreSQL backup is restored with pg_restore into an empty database.

Exit status: 0 restored and the audit log verifies; 1 the restore failed or the restored audit
log does not verify; 2 usage or configuration error, DATA not empty, DIR not a complete backup.
)";

int usage(const std::string& command, const std::string& message) {
  std::cerr << "vanthu " << command << ": " << message << "; see 'vanthu " << command << " --help'"
            << std::endl;
  return kExitUsage;
}

/// Errors the user can fix by choosing other directories or settings are usage errors (2);
/// the rest (damage, I/O, database) are failures (1).
int failed(const std::string& command, const Error& e) {
  std::cerr << "vanthu " << command << ": failed (" << errorCodeName(e.code())
            << "): " << e.describe() << std::endl;
  switch (e.code()) {
    case ErrorCode::InvalidArgument:
    case ErrorCode::InvalidConfig:
    case ErrorCode::NotFound:
      return kExitUsage;
    default:
      return kExitFailure;
  }
}

}  // namespace

int runBackupCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"to"}, {"data"}, {"help", false}});
  if (!parsed) return usage("backup", parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kBackupUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty()) {
    return usage("backup", "unexpected argument '" + flags.positionals.front() + "'");
  }
  if (flags.value("to").empty()) return usage("backup", "give the backup directory: --to DIR");
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  if (auto status = api::checkDataDirectory(dataDir, api::DataAccess::ReadOnly); !status) {
    return usage("backup", status.message());
  }
  auto url = databaseUrlOf(dataDir, dataDir / "vanthu.properties");
  if (!url) return usage("backup", url.status().message());

  storage::BackupOptions options;
  options.dataDir = dataDir;
  options.databaseUrl = url.value();
  options.target = flags.value("to");
  options.productVersion = VANTHU_VERSION;
  options.progress = [](const std::string& line) {
    std::cerr << "vanthu backup: " << line << "\n";
  };
  try {
    auto manifest = storage::backupDataDirectory(options);
    std::cout << "backup written to " << options.target.string() << ": " << manifest.databaseKind
              << " database (schema version " << manifest.schemaVersion << "), "
              << manifest.blobCount << " blobs (" << manifest.blobBytes << " bytes), "
              << manifest.files.size() << " files" << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    return failed("backup", e);
  }
}

int runRestoreCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"from"}, {"data"}, {"help", false}});
  if (!parsed) return usage("restore", parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kRestoreUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty()) {
    return usage("restore", "unexpected argument '" + flags.positionals.front() + "'");
  }
  if (flags.value("from").empty()) {
    return usage("restore", "give the backup directory: --from DIR");
  }
  std::filesystem::path backupDir = flags.value("from");
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  // The restored settings decide where the database goes, as they will for the server.
  auto url = databaseUrlOf(dataDir, backupDir / "vanthu.properties");
  if (!url) return usage("restore", url.status().message());

  storage::RestoreOptions options;
  options.backupDir = backupDir;
  options.dataDir = dataDir;
  options.databaseUrl = url.value();
  options.progress = [](const std::string& line) {
    std::cerr << "vanthu restore: " << line << "\n";
  };
  try {
    auto report = storage::restoreDataDirectory(options);
    std::cout << "restored " << backupDir.string() << " (taken " << report.manifest.createdAt
              << " by vanthu " << report.manifest.productVersion << ") into " << dataDir.string()
              << ": " << report.manifest.databaseKind << " database at schema version "
              << report.schemaVersion << ", " << report.blobCount << " blobs\n";
    if (!report.auditVerified) {
      std::cout << "audit log BROKEN (" << report.auditEntries << " entries, "
                << report.auditCheckpoints << " checkpoints read)\n";
      for (const auto& problem : report.auditProblems) std::cout << "  " << problem << "\n";
      std::cout.flush();
      return kExitFailure;
    }
    std::cout << "audit log verified: " << report.auditEntries << " entries, "
              << report.auditCheckpoints << " checkpoints" << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    return failed("restore", e);
  }
}

}  // namespace vanthu::cli
