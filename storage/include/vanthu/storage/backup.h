#pragma once

// Online backup and restore of a data directory: the metadata database, the blob store, the
// instance keys and vanthu.properties.
//
// Consistency while vanthu-server keeps writing: the database is copied first, as one snapshot
// (SQLite: VACUUM INTO, which reads inside one read transaction of the live WAL database without
// blocking writers; PostgreSQL: pg_dump, which dumps one repeatable-read snapshot). The blobs are
// copied after it. A blob is written (data, then its record) before the row that references it is
// committed, so every blob the snapshot references was complete before the snapshot was taken and
// is still there when the blob store is walked afterwards (blobs are immutable and never removed
// while referenced). Blobs put after the snapshot may be copied too; they are unreferenced in the
// backup, exactly as an interrupted upload leaves them in a live store, and garbage collection
// removes them.
//
// Layout of a backup directory:
//   database.sqlite | database.pgdump    the snapshot (SQLite file, or pg_dump --format=custom)
//   blobs/ab/cd/<hash>[.meta]            the blob store, without tmp/ and leftovers
//   keys/...                             the instance keys (modes kept, 0600 stays 0600)
//   vanthu.properties                    when the data directory has one
//   backup-manifest.txt                  written last: a directory without it is no backup
//
// The manifest (text, one field a line) names the time, the vanthu and schema versions, the kind
// of database, the number and bytes of the blobs, and every file with its size, mode and SHA-256.
//
// Errors: vanthu::Error. InvalidArgument for a target that exists and is not empty (or lies in the
// data directory) and for a directory that is not a complete backup; NotFound for a missing data
// directory or database; StorageFailure naming the file for a damaged blob or a file of a backup
// whose bytes no longer match the manifest; IoFailure (with the path and the system's reason) when
// writing fails (disk full, permissions); DatabaseUnavailable when the database or pg_dump /
// pg_restore fail. A failed backup removes what it wrote.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::storage {

/// The blob store of a data directory.
std::filesystem::path blobDirectory(const std::filesystem::path& dataDir);

/// The name of the manifest inside a backup directory.
inline constexpr const char* kBackupManifestFile = "backup-manifest.txt";

struct BackupOptions {
  std::filesystem::path dataDir;
  /// The resolved database URL ("sqlite:/abs/path" or "postgresql://..."); the password of a
  /// PostgreSQL database comes from VANTHU_DATABASE_PASSWORD (or the URL) and is handed to
  /// pg_dump through its environment only.
  std::string databaseUrl;
  /// Must not exist or be an empty directory.
  std::filesystem::path target;
  /// Recorded in the manifest.
  std::string productVersion = "unknown";
  /// Optional progress lines ("database snapshot taken", ...).
  std::function<void(const std::string&)> progress;
};

struct BackupFile {
  std::string path;  ///< relative to the backup directory, '/'-separated
  uint64_t size = 0;
  unsigned mode = 0;
  std::string sha256;
};

struct BackupManifest {
  int format = 1;
  std::string createdAt;  ///< UTC, ISO 8601
  std::string productVersion;
  int schemaVersion = 0;
  std::string databaseKind;  ///< "sqlite" or "postgresql"
  /// PostgreSQL: the schema of the URL's ?schema= that was dumped (pg_restore brings it back
  /// under the same name, so a restore must target it); empty for the whole database.
  std::string databaseSchema;
  uint64_t blobCount = 0;  ///< versions (records) in the blob store
  uint64_t blobBytes = 0;  ///< bytes of the blob files (data and records)
  std::vector<BackupFile> files;
};

/// Takes a backup; returns the manifest written last.
BackupManifest backupDataDirectory(const BackupOptions& options);

/// Reads a backup's manifest. InvalidArgument if it is missing ("incomplete backup") or
/// malformed.
BackupManifest readBackupManifest(const std::filesystem::path& backupDir);

/// Checks every file of the manifest (size and SHA-256): StorageFailure names the first damaged
/// or missing file.
void verifyBackup(const std::filesystem::path& backupDir, const BackupManifest& manifest);

struct RestoreOptions {
  std::filesystem::path backupDir;
  /// Must not exist or be an empty directory.
  std::filesystem::path dataDir;
  /// The resolved database URL to restore into. For SQLite the file must not exist yet; for
  /// PostgreSQL the database (or schema) must hold no vanthu tables yet.
  std::string databaseUrl;
  std::function<void(const std::string&)> progress;
};

struct RestoreReport {
  BackupManifest manifest;
  int schemaVersion = 0;  ///< after opening (migrations applied)
  uint64_t blobCount = 0;
  uint64_t auditEntries = 0;
  uint64_t auditCheckpoints = 0;
  bool auditVerified = false;  ///< true also when the log is empty
  std::vector<std::string> auditProblems;
};

/// Restores a backup into an empty data directory: checks the manifest and every file first,
/// then the keys, vanthu.properties, the blobs and the database; opens the database (migrations
/// run) and verifies the audit log against the restored instance key.
RestoreReport restoreDataDirectory(const RestoreOptions& options);

}  // namespace vanthu::storage
