#include "vanthu/storage/backup.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

#include "database_impl.h"
#include "vanthu/storage/atomic_file.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"

extern char** environ;

using namespace Poco::Data::Keywords;

namespace vanthu::storage {
namespace fs = std::filesystem;

namespace {

constexpr const char* kManifestMagic = "vanthu-backup 1";
constexpr const char* kSqliteFile = "database.sqlite";
constexpr const char* kPgDumpFile = "database.pgdump";
constexpr const char* kBlobsDir = "blobs";
constexpr const char* kKeysDir = "keys";
constexpr const char* kPropertiesFile = "vanthu.properties";
constexpr size_t kBufferSize = 1 << 20;

[[noreturn]] void throwErrno(ErrorCode code, const std::string& what, const fs::path& path) {
  int error = errno;
  throw Error(code, what + " " + path.string() + ": " + std::strerror(error));
}

std::string toHex(const unsigned char* bytes, size_t size) {
  static const char* digits = "0123456789abcdef";
  std::string hex;
  for (size_t i = 0; i < size; ++i) {
    hex.push_back(digits[bytes[i] >> 4]);
    hex.push_back(digits[bytes[i] & 15]);
  }
  return hex;
}

bool isHash(std::string_view text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new()) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw Error(ErrorCode::CryptoFailure, "cannot start SHA-256");
    }
  }
  void update(const char* data, size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
  std::string hexDigest() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), out, &length);
    return toHex(out, length);
  }

 private:
  struct Free {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
  };
  std::unique_ptr<EVP_MD_CTX, Free> context_;
};

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  /// Closes and reports the result: a failing close() can be the first sign of a full disk.
  int close() {
    int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

struct Copied {
  uint64_t size = 0;
  std::string sha256;
  unsigned mode = 0;
};

unsigned modeOf(const fs::path& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0)
    throwErrno(ErrorCode::StorageFailure, "cannot inspect", path);
  return static_cast<unsigned>(info.st_mode) & 07777u;
}

/// Streams `from` into a new file `to` (refusing to overwrite), hashing the bytes on the way,
/// with `mode` (the source's when empty), and fsyncs it. Read errors are the source's fault
/// (StorageFailure), write errors the target's (IoFailure: disk full, permissions).
Copied copyFile(const fs::path& from, const fs::path& to, std::optional<unsigned> mode = {}) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throwErrno(ErrorCode::StorageFailure, "cannot read", from);
  struct stat info {};
  if (::fstat(in.get(), &info) != 0) throwErrno(ErrorCode::StorageFailure, "cannot inspect", from);
  Copied copied;
  copied.mode = mode.value_or(static_cast<unsigned>(info.st_mode) & 07777u);
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.get() < 0) throwErrno(ErrorCode::IoFailure, "cannot create", to);
  // Set after creation: the umask must not loosen or tighten what the source had.
  if (::fchmod(out.get(), static_cast<mode_t>(copied.mode)) != 0) {
    throwErrno(ErrorCode::IoFailure, "cannot set the permissions of", to);
  }
  Sha256 digest;
  std::vector<char> buffer(kBufferSize);
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throwErrno(ErrorCode::StorageFailure, "cannot read", from);
    if (n == 0) break;
    digest.update(buffer.data(), static_cast<size_t>(n));
    copied.size += static_cast<uint64_t>(n);
    size_t written = 0;
    while (written < static_cast<size_t>(n)) {
      ssize_t w = ::write(out.get(), buffer.data() + written, static_cast<size_t>(n) - written);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) throwErrno(ErrorCode::IoFailure, "cannot write", to);
      written += static_cast<size_t>(w);
    }
  }
  if (::fsync(out.get()) != 0) throwErrno(ErrorCode::IoFailure, "cannot flush", to);
  if (out.close() != 0) throwErrno(ErrorCode::IoFailure, "cannot close", to);
  copied.sha256 = digest.hexDigest();
  return copied;
}

Copied hashFile(const fs::path& path) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) throwErrno(ErrorCode::StorageFailure, "cannot read", path);
  struct stat info {};
  if (::fstat(in.get(), &info) != 0) throwErrno(ErrorCode::StorageFailure, "cannot inspect", path);
  Copied result;
  result.mode = static_cast<unsigned>(info.st_mode) & 07777u;
  Sha256 digest;
  std::vector<char> buffer(kBufferSize);
  for (;;) {
    ssize_t n = ::read(in.get(), buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throwErrno(ErrorCode::StorageFailure, "cannot read", path);
    if (n == 0) break;
    digest.update(buffer.data(), static_cast<size_t>(n));
    result.size += static_cast<uint64_t>(n);
  }
  result.sha256 = digest.hexDigest();
  return result;
}

void makeDirectory(const fs::path& dir, unsigned mode) {
  if (::mkdir(dir.c_str(), static_cast<mode_t>(mode)) != 0) {
    if (errno == EEXIST && fs::is_directory(dir)) return;
    throwErrno(ErrorCode::IoFailure, "cannot create the directory", dir);
  }
  ::chmod(dir.c_str(), static_cast<mode_t>(mode));  // the umask must not change it
}

void fsyncFile(const fs::path& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0 || ::fsync(fd.get()) != 0)
    throwErrno(ErrorCode::IoFailure, "cannot flush", path);
}

/// Refuses a `dir` that exists and is not an empty directory. Returns whether it exists.
bool requireEmptyOrAbsent(const fs::path& dir, const std::string& role) {
  std::error_code error;
  auto status = fs::symlink_status(dir, error);
  if (!fs::exists(status)) return false;
  if (!fs::is_directory(status)) {
    throw Error(ErrorCode::InvalidArgument, role + " " + dir.string() + " is not a directory");
  }
  if (!fs::is_empty(dir, error)) {
    throw Error(ErrorCode::InvalidArgument,
                role + " " + dir.string() + " is not empty; give a new or empty directory");
  }
  return true;
}

/// Must not exist (then it is made, 0700: it will hold keys) or be an empty directory.
void prepareEmptyDirectory(const fs::path& dir, const std::string& role) {
  if (requireEmptyOrAbsent(dir, role)) return;
  if (dir.has_parent_path() && !fs::is_directory(dir.parent_path())) {
    throw Error(ErrorCode::InvalidArgument,
                "the parent of " + role + " " + dir.string() + " does not exist");
  }
  makeDirectory(dir, 0700);
}

/// Removes what a failed run wrote; the directory itself stays when it was there before.
void removeContents(const fs::path& dir) {
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    fs::remove_all(it->path(), error);
  }
}

bool isInside(const fs::path& inner, const fs::path& outer) {
  std::error_code error;
  fs::path a = fs::weakly_canonical(fs::absolute(inner), error);
  fs::path b = fs::weakly_canonical(fs::absolute(outer), error);
  auto ai = a.begin();
  for (auto bi = b.begin(); bi != b.end(); ++bi, ++ai) {
    if (bi->empty()) continue;  // a trailing separator
    if (ai == a.end() || *ai != *bi) return false;
  }
  return true;
}

std::string utcNow() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string relativeName(const fs::path& path, const fs::path& base) {
  return path.lexically_relative(base).generic_string();
}

// ---------------------------------------------------------------------------------------------
// Databases

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kPostgresPrefix = "postgresql://";

bool isSqlite(const std::string& url) {
  return url.rfind(kSqlitePrefix, 0) == 0;
}

fs::path sqlitePath(const std::string& url) {
  return url.substr(kSqlitePrefix.size());
}

Poco::Data::Session openSqlite(const fs::path& path) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
  Poco::Data::Session session("SQLite", sqliteConnection(path.string()));
  session << "PRAGMA busy_timeout=10000", now;
  return session;
}

/// The parts of a PostgreSQL URL pg_dump and pg_restore take as options (never the password).
struct PostgresTarget {
  std::string host;
  std::string port;
  std::string user;
  std::string database;
  std::string schema;
  std::string password;  // handed over in PGPASSWORD only
};

PostgresTarget postgresTarget(const std::string& url) {
  if (auto status = validateDatabaseUrl(url); !status) throw Error(status.code(), status.message());
  Poco::URI uri(url);
  PostgresTarget target;
  target.user = uri.getUserInfo();
  if (auto colon = target.user.find(':'); colon != std::string::npos) {
    target.password = target.user.substr(colon + 1);
    target.user.resize(colon);
  }
  // The same precedence as Database::open: the URL's password, else the environment's.
  if (const char* fromEnvironment = std::getenv("VANTHU_DATABASE_PASSWORD")) {
    if (target.password.empty()) target.password = fromEnvironment;
  }
  target.host = uri.getHost();
  target.port = std::to_string(uri.getPort());
  target.database = uri.getPath();
  if (!target.database.empty() && target.database.front() == '/') target.database.erase(0, 1);
  for (const auto& [key, value] : uri.getQueryParameters()) {
    if (key == "schema") target.schema = value;
  }
  return target;
}

std::string scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

/// Runs a PostgreSQL client tool with the password in its environment (PGPASSWORD), never in
/// its arguments, where `ps` would show it. DatabaseUnavailable with the tool's own words on
/// failure.
void runPostgresTool(const std::vector<std::string>& arguments, const PostgresTarget& target,
                     const std::string& what) {
  std::vector<std::string> environment;
  for (char** variable = environ; variable != nullptr && *variable != nullptr; ++variable) {
    std::string entry = *variable;
    if (entry.rfind("PGPASSWORD=", 0) == 0) continue;
    environment.push_back(entry);
  }
  if (!target.password.empty()) environment.push_back("PGPASSWORD=" + target.password);
  environment.emplace_back("PGCONNECT_TIMEOUT=10");
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int pipeFds[2];
  if (::pipe2(pipeFds, O_CLOEXEC) != 0)
    throwErrno(ErrorCode::IoFailure, "cannot run", arguments[0]);
  Fd readEnd(pipeFds[0]);
  Fd writeEnd(pipeFds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  int spawned =
      posix_spawnp(&pid, arguments[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw Error(ErrorCode::DatabaseUnavailable, "cannot run " + arguments[0] + " (" +
                                                    std::strerror(spawned) +
                                                    "); install the PostgreSQL client tools");
  }
  writeEnd.close();
  std::string output;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(readEnd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output.size() < 64 * 1024) output.append(buffer, static_cast<size_t>(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
    throw Error(ErrorCode::DatabaseUnavailable,
                what + ": " + arguments[0] + " failed: " + scrub(output, target.password));
  }
}

std::vector<std::string> connectionArguments(const PostgresTarget& target) {
  return {"--host=" + target.host, "--port=" + target.port, "--username=" + target.user,
          "--dbname=" + target.database, "--no-password"};
}

// ---------------------------------------------------------------------------------------------
// Manifest

std::string formatManifest(const BackupManifest& manifest) {
  std::ostringstream out;
  out << kManifestMagic << "\n";
  out << "created-at " << manifest.createdAt << "\n";
  out << "vanthu-version " << manifest.productVersion << "\n";
  out << "schema-version " << manifest.schemaVersion << "\n";
  out << "database " << manifest.databaseKind << "\n";
  if (!manifest.databaseSchema.empty())
    out << "database-schema " << manifest.databaseSchema << "\n";
  out << "blob-count " << manifest.blobCount << "\n";
  out << "blob-bytes " << manifest.blobBytes << "\n";
  for (const auto& file : manifest.files) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", file.mode);
    out << "file " << file.sha256 << " " << file.size << " " << mode << " " << file.path << "\n";
  }
  // The last line: a manifest cut short (which the atomic write should rule out) is refused.
  out << "end\n";
  return out.str();
}

uint64_t parseNumber(const std::string& text, const std::function<Error(std::string)>& bad) {
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    throw bad("bad number '" + text + "'");
  }
  return std::stoull(text);
}

/// A manifest path must stay inside the directories it names.
bool safeRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.find('\0') != std::string::npos) return false;
  for (const auto& part : fs::path(path)) {
    if (part == ".." || part == ".") return false;
  }
  return true;
}

Copied copyListed(const fs::path& from, const fs::path& to, const BackupFile& file) {
  Copied copied = copyFile(from, to, file.mode);
  if (copied.sha256 != file.sha256 || copied.size != file.size) {
    throw Error(ErrorCode::StorageFailure, "backup file " + from.string() +
                                               " changed while it was restored (SHA-256 " +
                                               copied.sha256 + ", manifest " + file.sha256 + ")");
  }
  return copied;
}

// ---------------------------------------------------------------------------------------------
// Backup steps

class BackupWriter {
 public:
  BackupWriter(const BackupOptions& options, BackupManifest& manifest)
      : options_(options), manifest_(manifest) {}

  void say(const std::string& line) const {
    if (options_.progress) options_.progress(line);
  }

  void add(const fs::path& file, const Copied& copied) {
    manifest_.files.push_back(
        {relativeName(file, options_.target), copied.size, copied.mode, copied.sha256});
  }

  void snapshotSqlite() {
    fs::path live = sqlitePath(options_.databaseUrl);
    if (!fs::exists(live)) {
      throw Error(ErrorCode::NotFound, "no database at " + live.string());
    }
    fs::path snapshot = options_.target / kSqliteFile;
    try {
      // VACUUM INTO reads the live database inside one read transaction: the copy is the
      // state of one moment, and in WAL mode the server's writers are not blocked meanwhile.
      auto session = openSqlite(live);
      std::string into = snapshot.string();
      session << "VACUUM INTO ?", use(into), now;
      session.close();
    } catch (const Poco::Exception& e) {
      std::error_code ignored;
      fs::remove(snapshot, ignored);
      // SQLite reports a full disk or a refused write as an I/O error of the target.
      throw Error(ErrorCode::IoFailure, "cannot copy the SQLite database " + live.string() +
                                            " to " + snapshot.string() + ": " + e.displayText());
    }
    // It holds password hashes and the whole audit log: readable by the owner only. VACUUM INTO
    // does not sync its output.
    if (::chmod(snapshot.c_str(), 0600) != 0) {
      throwErrno(ErrorCode::IoFailure, "cannot set the permissions of", snapshot);
    }
    fsyncFile(snapshot);
    try {
      auto session = openSqlite(snapshot);
      manifest_.schemaVersion = appliedSchemaVersion(session);
    } catch (const Poco::Exception& e) {
      throw Error(ErrorCode::StorageFailure,
                  "the snapshot " + snapshot.string() + " cannot be read: " + e.displayText());
    }
    add(snapshot, hashFile(snapshot));
    manifest_.databaseKind = "sqlite";
  }

  void snapshotPostgres() {
    PostgresTarget target = postgresTarget(options_.databaseUrl);
    fs::path dump = options_.target / kPgDumpFile;
    // pg_dump reads one repeatable-read snapshot: consistent while the server writes.
    std::vector<std::string> arguments = {"pg_dump", "--format=custom", "--no-owner",
                                          "--no-privileges", "--file=" + dump.string()};
    for (auto& argument : connectionArguments(target)) arguments.push_back(argument);
    if (!target.schema.empty()) arguments.push_back("--schema=" + target.schema);
    runPostgresTool(arguments, target, "dumping the PostgreSQL database");
    if (::chmod(dump.c_str(), 0600) != 0) {
      throwErrno(ErrorCode::IoFailure, "cannot set the permissions of", dump);
    }
    fsyncFile(dump);
    // The schema version, so that the manifest says which build can restore it. migrateTo 0:
    // a backup must never migrate the live database behind the server's back.
    {
      auto database = Database::open({options_.databaseUrl, 0});
      manifest_.schemaVersion = database->schemaVersion();
    }
    add(dump, hashFile(dump));
    manifest_.databaseKind = "postgresql";
    manifest_.databaseSchema = target.schema;
  }

  /// Copies every complete version (its record exists) of the blob store, verifying each
  /// stored file against its hash while copying. Temporaries and data files without a record
  /// (interrupted puts) are left out: they are not blobs.
  void copyBlobs() {
    fs::path source = blobDirectory(options_.dataDir);
    fs::path target = options_.target / kBlobsDir;
    makeDirectory(target, 0755);
    if (!fs::is_directory(source)) return;
    BlobStore live(source);
    std::vector<std::string> hashes;
    std::error_code error;
    auto list = [&](const fs::path& dir) {
      std::vector<fs::path> found;
      for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
        found.push_back(it->path());
      }
      if (error) {
        throw Error(ErrorCode::StorageFailure,
                    "cannot list " + dir.string() + ": " + error.message());
      }
      std::sort(found.begin(), found.end());
      return found;
    };
    auto isFanOut = [](const fs::path& path) {
      std::string name = path.filename().string();
      return name.size() == 2 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
    };
    for (const auto& first : list(source)) {
      if (!isFanOut(first) || !fs::is_directory(first)) continue;
      for (const auto& second : list(first)) {
        if (!isFanOut(second) || !fs::is_directory(second)) continue;
        for (const auto& file : list(second)) {
          std::string name = file.filename().string();
          if (name.size() == 64 + 5 && name.compare(64, 5, ".meta") == 0 &&
              isHash(name.substr(0, 64))) {
            hashes.push_back(name.substr(0, 64));
          }
        }
      }
    }
    for (const auto& hash : hashes) {
      fs::path sourceDir = source / hash.substr(0, 2) / hash.substr(2, 2);
      fs::path targetDir = target / hash.substr(0, 2) / hash.substr(2, 2);
      makeDirectory(targetDir.parent_path(), 0755);
      makeDirectory(targetDir, 0755);
      std::string parent = live.parentOf(hash);
      if (parent.empty()) {
        // A full blob: its file's name is the SHA-256 of its bytes, checked in the same pass.
        fs::path data = sourceDir / hash;
        if (!fs::exists(data)) {
          throw Error(ErrorCode::StorageFailure,
                      "blob " + hash + " is damaged: its file " + data.string() + " is missing");
        }
        fs::path copy = targetDir / hash;
        Copied copied = copyFile(data, copy);
        if (copied.sha256 != hash) {
          throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: " + data.string() +
                                                     " hashes to " + copied.sha256);
        }
        if (copied.size != live.size(hash)) {
          throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: " + data.string() +
                                                     " holds " + std::to_string(copied.size) +
                                                     " bytes, its record says " +
                                                     std::to_string(live.size(hash)));
        }
        add(copy, copied);
        manifest_.blobBytes += copied.size;
      }
      fs::path record = targetDir / (hash + ".meta");
      Copied copied = copyFile(sourceDir / (hash + ".meta"), record);
      add(record, copied);
      manifest_.blobBytes += copied.size;
      ++manifest_.blobCount;
    }
    // A "parent + tail" version holds no bytes of its own: its parts are full blobs checked
    // above. Check, in the copy, that each chain is complete, that the parts add up to the
    // recorded size and that the saved SHA-256 state leads to the version's hash. Re-reading
    // whole chains would cost a read per signature of every large document.
    BlobStore copy(target);
    for (const auto& hash : hashes) {
      copy.reader(hash);
      copy.sha256State(hash);
    }
    std::error_code ignored;
    fs::remove(target / "tmp", ignored);  // made by BlobStore; not part of the backup
    for (const auto& first : list(target)) {
      for (const auto& second : list(first)) syncDirectory(second);
      syncDirectory(first);
    }
    syncDirectory(target);
  }

  /// keys/ (recursively) and vanthu.properties, with their modes.
  void copyConfiguration() {
    fs::path keys = options_.dataDir / kKeysDir;
    if (fs::is_directory(keys)) copyTree(keys, options_.target / kKeysDir);
    fs::path properties = options_.dataDir / kPropertiesFile;
    if (fs::exists(properties)) {
      fs::path copy = options_.target / kPropertiesFile;
      add(copy, copyFile(properties, copy));
    }
  }

 private:
  void copyTree(const fs::path& from, const fs::path& to) {
    makeDirectory(to, modeOf(from));
    std::error_code error;
    std::vector<fs::path> entries;
    for (fs::directory_iterator it(from, error), end; !error && it != end; it.increment(error)) {
      entries.push_back(it->path());
    }
    if (error) {
      throw Error(ErrorCode::StorageFailure,
                  "cannot list " + from.string() + ": " + error.message());
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
      std::string name = entry.filename().string();
      if (name.find('\n') != std::string::npos) continue;  // cannot be named in the manifest
      // Leftovers of interrupted atomic writes are not keys.
      if (name.find(".tmp-") != std::string::npos) continue;
      auto status = fs::symlink_status(entry, error);
      if (fs::is_directory(status)) {
        copyTree(entry, to / name);
      } else if (fs::is_regular_file(status)) {
        add(to / name, copyFile(entry, to / name));
      }
    }
    syncDirectory(to);
  }

  const BackupOptions& options_;
  BackupManifest& manifest_;
};

}  // namespace

fs::path blobDirectory(const fs::path& dataDir) {
  return dataDir / kBlobsDir;
}

BackupManifest backupDataDirectory(const BackupOptions& options) {
  if (!fs::is_directory(options.dataDir)) {
    throw Error(ErrorCode::NotFound, "data directory " + options.dataDir.string() +
                                         " does not exist or is not a directory");
  }
  if (isInside(options.target, options.dataDir)) {
    throw Error(ErrorCode::InvalidArgument,
                "backup target " + options.target.string() + " lies inside the data directory " +
                    options.dataDir.string() + "; put backups elsewhere");
  }
  bool postgres = options.databaseUrl.rfind(kPostgresPrefix, 0) == 0;
  if (!postgres && !isSqlite(options.databaseUrl)) {
    if (auto status = validateDatabaseUrl(options.databaseUrl); !status) {
      throw Error(status.code(), status.message());
    }
  }
  bool existed = fs::exists(options.target);
  prepareEmptyDirectory(options.target, "backup target");
  BackupManifest manifest;
  manifest.createdAt = utcNow();
  manifest.productVersion = options.productVersion;
  BackupWriter writer(options, manifest);
  try {
    // The database first, the blobs after it: see the top of backup.h.
    if (postgres) {
      writer.snapshotPostgres();
    } else {
      writer.snapshotSqlite();
    }
    writer.say("database snapshot taken (schema version " + std::to_string(manifest.schemaVersion) +
               ")");
    writer.copyBlobs();
    writer.say("blobs copied: " + std::to_string(manifest.blobCount) + " versions, " +
               std::to_string(manifest.blobBytes) + " bytes");
    writer.copyConfiguration();
    syncDirectory(options.target);
    // Last: only now is the directory a backup.
    writeFileAtomically(options.target / kBackupManifestFile, formatManifest(manifest), 0600);
    syncDirectory(options.target);
  } catch (...) {
    // Nothing half-written is left to be mistaken for a backup.
    removeContents(options.target);
    std::error_code ignored;
    if (!existed) fs::remove(options.target, ignored);
    throw;
  }
  return manifest;
}

BackupManifest readBackupManifest(const fs::path& backupDir) {
  fs::path path = backupDir / kBackupManifestFile;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!fs::is_directory(backupDir)) {
      throw Error(ErrorCode::InvalidArgument, backupDir.string() + " is not a directory");
    }
    throw Error(ErrorCode::InvalidArgument,
                backupDir.string() + " is not a complete backup: it has no " + kBackupManifestFile +
                    " (an interrupted backup, or not a backup at all)");
  }
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::InvalidArgument,
                 "the backup manifest " + path.string() + " is damaged (" + why + ")");
  };
  std::string line;
  if (!std::getline(in, line) || line != kManifestMagic) throw bad("unknown format");
  BackupManifest manifest;
  bool ended = false;
  std::set<std::string> paths;
  while (std::getline(in, line)) {
    if (ended) throw bad("text after the end");
    if (line == "end") {
      ended = true;
      continue;
    }
    auto space = line.find(' ');
    if (space == std::string::npos) throw bad("line without a value");
    std::string key = line.substr(0, space);
    std::string value = line.substr(space + 1);
    if (key == "created-at") {
      manifest.createdAt = value;
    } else if (key == "vanthu-version") {
      manifest.productVersion = value;
    } else if (key == "schema-version") {
      manifest.schemaVersion = static_cast<int>(parseNumber(value, bad));
    } else if (key == "database") {
      if (value != "sqlite" && value != "postgresql") throw bad("unknown database " + value);
      manifest.databaseKind = value;
    } else if (key == "database-schema") {
      bool plain =
          !value.empty() && value.size() <= 63 &&
          value.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos;
      if (!plain) throw bad("bad database schema");
      manifest.databaseSchema = value;
    } else if (key == "blob-count") {
      manifest.blobCount = parseNumber(value, bad);
    } else if (key == "blob-bytes") {
      manifest.blobBytes = parseNumber(value, bad);
    } else if (key == "file") {
      // file SHA256 SIZE MODE PATH (the path last: it may hold spaces)
      std::istringstream fields(value);
      BackupFile file;
      std::string size;
      std::string mode;
      fields >> file.sha256 >> size >> mode;
      fields.get();
      std::getline(fields, file.path);
      if (!isHash(file.sha256)) throw bad("bad SHA-256 of " + file.path);
      file.size = parseNumber(size, bad);
      if (mode.size() != 4 || mode.find_first_not_of("01234567") != std::string::npos) {
        throw bad("bad mode of " + file.path);
      }
      file.mode = static_cast<unsigned>(std::stoul(mode, nullptr, 8));
      if (!safeRelativePath(file.path)) throw bad("unsafe path '" + file.path + "'");
      if (!paths.insert(file.path).second) throw bad("file listed twice: " + file.path);
      manifest.files.push_back(std::move(file));
    } else {
      throw bad("unknown field " + key);
    }
  }
  if (!ended) throw bad("it is cut short");
  if (manifest.databaseKind.empty()) throw bad("no database");
  std::string database = manifest.databaseKind == "sqlite" ? kSqliteFile : kPgDumpFile;
  if (!paths.count(database)) throw bad("it lists no " + database);
  return manifest;
}

void verifyBackup(const fs::path& backupDir, const BackupManifest& manifest) {
  for (const auto& file : manifest.files) {
    fs::path path = backupDir / file.path;
    if (!fs::is_regular_file(fs::symlink_status(path))) {
      throw Error(ErrorCode::StorageFailure,
                  "backup file " + path.string() + " is missing (listed in the manifest)");
    }
    Copied found = hashFile(path);
    if (found.size != file.size || found.sha256 != file.sha256) {
      throw Error(ErrorCode::StorageFailure,
                  "backup file " + path.string() + " is damaged: SHA-256 " + found.sha256 + ", " +
                      std::to_string(found.size) + " bytes; the manifest says " + file.sha256 +
                      ", " + std::to_string(file.size) + " bytes");
    }
  }
}

RestoreReport restoreDataDirectory(const RestoreOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  RestoreReport report;
  report.manifest = readBackupManifest(options.backupDir);
  const BackupManifest& manifest = report.manifest;
  bool postgres = options.databaseUrl.rfind(kPostgresPrefix, 0) == 0;
  if (postgres != (manifest.databaseKind == "postgresql")) {
    throw Error(ErrorCode::InvalidArgument, "the backup holds a " + manifest.databaseKind +
                                                " database but the target database is " +
                                                (postgres ? "PostgreSQL" : "SQLite") +
                                                "; set database.url to match");
  }
  if (manifest.schemaVersion > Database::latestSchemaVersion()) {
    throw Error(ErrorCode::InvalidArgument,
                "the backup has schema version " + std::to_string(manifest.schemaVersion) +
                    " but this build knows only up to " +
                    std::to_string(Database::latestSchemaVersion()) + "; use a newer vanthu");
  }
  if (postgres) {
    // pg_restore recreates the dumped schema under its own name: restoring into another would
    // leave the data beside an empty instance.
    std::string schema = postgresTarget(options.databaseUrl).schema;
    if (schema != manifest.databaseSchema) {
      auto name = [](const std::string& s) {
        return s.empty() ? std::string("no ?schema=") : "?schema=" + s;
      };
      throw Error(ErrorCode::InvalidArgument, "the backup holds " + name(manifest.databaseSchema) +
                                                  " but the target database url has " +
                                                  name(schema) + "; restore into the same schema");
    }
  }
  requireEmptyOrAbsent(options.dataDir, "data directory");
  if (!postgres) {
    if (auto status = validateDatabaseUrl(options.databaseUrl); !status) {
      throw Error(status.code(), status.message());
    }
    fs::path file = sqlitePath(options.databaseUrl);
    if (fs::exists(file)) {
      throw Error(ErrorCode::InvalidArgument, "a database already exists at " + file.string() +
                                                  "; restore refuses to replace it");
    }
  }
  // Every byte is checked before anything is written.
  verifyBackup(options.backupDir, manifest);
  say("backup verified: " + std::to_string(manifest.files.size()) + " files");

  bool existed = fs::exists(options.dataDir);
  prepareEmptyDirectory(options.dataDir, "data directory");
  fs::path sqliteFile = postgres ? fs::path() : sqlitePath(options.databaseUrl);
  bool wroteSqlite = false;
  try {
    std::set<fs::path> synced;
    for (const auto& file : manifest.files) {
      if (file.path == kSqliteFile || file.path == kPgDumpFile) continue;
      fs::path to = options.dataDir / file.path;
      // Parent directories: keys/ private, the blob fan-out as the store makes it.
      fs::path relativeDir = fs::path(file.path).parent_path();
      fs::path dir = options.dataDir;
      for (const auto& part : relativeDir) {
        dir /= part;
        bool keys = *relativeDir.begin() == kKeysDir;
        makeDirectory(dir, keys ? 0700 : 0755);
      }
      copyListed(options.backupDir / file.path, to, file);
      synced.insert(to.parent_path());
    }
    for (const auto& dir : synced) syncDirectory(dir);
    makeDirectory(blobDirectory(options.dataDir), 0755);
    say("blobs, keys and settings restored");

    if (postgres) {
      PostgresTarget target = postgresTarget(options.databaseUrl);
      // One transaction: a database that already holds vanthu tables fails on the first
      // CREATE and is left as it was.
      std::vector<std::string> arguments = {"pg_restore", "--no-owner", "--no-privileges",
                                            "--exit-on-error", "--single-transaction"};
      for (auto& argument : connectionArguments(target)) arguments.push_back(argument);
      arguments.push_back((options.backupDir / kPgDumpFile).string());
      runPostgresTool(arguments, target, "restoring the PostgreSQL database");
    } else {
      const BackupFile* database = nullptr;
      for (const auto& file : manifest.files) {
        if (file.path == kSqliteFile) database = &file;
      }
      // Beside the target first, renamed into place when complete: a file at the database's
      // path is always a whole database.
      fs::path partial = sqliteFile;
      partial += ".restoring";
      std::error_code ignored;
      fs::remove(partial, ignored);
      copyListed(options.backupDir / kSqliteFile, partial, *database);
      if (std::rename(partial.c_str(), sqliteFile.c_str()) != 0) {
        throwErrno(ErrorCode::IoFailure, "cannot rename the restored database to", sqliteFile);
      }
      wroteSqlite = true;
      syncDirectory(sqliteFile.parent_path());
    }
    say("database restored");

    auto opened = Database::open({options.databaseUrl});
    report.schemaVersion = opened->schemaVersion();
    report.blobCount = manifest.blobCount;
    SqlAuditLogOptions auditOptions;
    fs::path keyPath = auditKeyPath(options.dataDir);
    fs::path publicPath = keyPath;
    publicPath.replace_extension(".pub.pem");
    if (fs::exists(publicPath)) {
      std::ifstream in(publicPath, std::ios::binary);
      std::ostringstream pem;
      pem << in.rdbuf();
      auditOptions.trustedPublicKeys.push_back(pem.str());
    } else if (fs::exists(keyPath)) {
      auditOptions.trustedPublicKeys.push_back(
          AuditSigningKey::loadOrCreate(keyPath)->publicKeyPem());
    }
    SqlAuditLog log(*opened, nullptr, auditOptions);
    if (log.size() > 0) {
      auto verification = log.verify();
      report.auditEntries = verification.entries;
      report.auditCheckpoints = verification.checkpoints;
      report.auditVerified = verification.ok();
      report.auditProblems = verification.problems;
    } else {
      report.auditVerified = true;
    }
  } catch (...) {
    removeContents(options.dataDir);
    std::error_code ignored;
    if (!existed) fs::remove(options.dataDir, ignored);
    if (wroteSqlite) {
      fs::remove(sqliteFile, ignored);
      fs::path side = sqliteFile;
      fs::remove(side += "-wal", ignored);
      side = sqliteFile;
      fs::remove(side += "-shm", ignored);
    }
    throw;
  }
  return report;
}

}  // namespace vanthu::storage
