// The store's common logic (BlobStore, BlobReader) and its backend of files. The backend in the
// database is blob_store_database.cpp; what they share is blob_backend.h (see there for the
// deprecated OpenSSL API).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "vanthu/storage/blob_store.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "blob_backend.h"
#include "vanthu/storage/atomic_file.h"
#include "vanthu/workflow/error.h"

namespace vanthu::storage {
namespace fs = std::filesystem;
using detail::BlobRecord;
using detail::isHash;
using detail::kBufferSize;
using detail::requireHash;
using detail::Sha256State;

namespace {

constexpr const char* kRecordMagic = "vanthu-blob/1";
// Temporaries this old belong to no running write: a put writes continuously, so its file's mtime
// stays fresh.
constexpr auto kStaleTemporary = std::chrono::hours(1);

[[noreturn]] void throwStorage(const std::string& what, const fs::path& path, int error) {
  throw Error(ErrorCode::StorageFailure, what + " " + path.string() + ": " + std::strerror(error));
}

/// throwStorage() with the errno of the call that just failed. `what` is a literal so that nothing
/// runs between the failure and reading errno.
[[noreturn]] void throwErrno(const char* what, const fs::path& path) {
  int error = errno;
  throwStorage(what, path, error);
}

/// A file descriptor closed on every path out.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  /// Closes and reports the result: a deferred write error (NFS, quota) shows up here.
  int close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_ = -1;
};

Fd openForReading(const fs::path& path, const std::string& hash) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    throwStorage("blob " + hash + " is missing its file: cannot open", path, error);
  }
  return Fd(fd);
}

/// Reads up to `size` bytes; fewer only at the end of the file.
size_t readFully(int fd, char* into, size_t size, const fs::path& path) {
  size_t total = 0;
  while (total < size) {
    ssize_t n = ::read(fd, into + total, size - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      throwErrno("cannot read", path);
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

/// Reads from the caller's stream; a failing stream is the caller's input, not the store.
size_t readInput(std::istream& in, char* into, size_t size) {
  in.read(into, static_cast<std::streamsize>(size));
  if (in.bad()) throw Error(ErrorCode::IoFailure, "cannot read the content to store");
  return static_cast<size_t>(in.gcount());
}

/// A file in tmp/ being written; removed unless it was renamed into place.
class TempFile {
 public:
  explicit TempFile(const fs::path& dir) {
    std::string pattern = (dir / "blob-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) throwErrno("cannot create a temporary file in", dir);
    fd_ = Fd(fd);
    path_ = pattern;
    // Blobs are read by other processes of the installation (the server, the CLI, backups).
    if (::fchmod(fd, 0644) != 0) throwErrno("cannot set the permissions of", path_);
  }
  ~TempFile() {
    fd_.reset();
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  void write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t n = ::write(fd_.get(), data, size);
      if (n < 0) {
        if (errno == EINTR) continue;
        throwErrno("cannot write", path_);
      }
      data += n;
      size -= static_cast<size_t>(n);
    }
  }

  /// fsync, close, rename to `target` (replacing what is there), and forget the temporary.
  void commit(const fs::path& target) {
    if (::fsync(fd_.get()) != 0) throwErrno("cannot flush", path_);
    if (fd_.close() != 0) throwErrno("cannot close", path_);
    if (std::rename(path_.c_str(), target.c_str()) != 0) {
      int error = errno;
      throwStorage("cannot rename " + path_.string() + " to", target, error);
    }
    path_.clear();
  }

 private:
  Fd fd_;
  fs::path path_;
};

/// One line-oriented record per version (the ".meta" file).
struct Record {
  uint64_t size = 0;
  std::string state;   // Sha256State::save() at the end of the content
  std::string parent;  // set for "parent + tail" versions
  std::string tail;

  bool isLink() const { return !parent.empty(); }

  std::string format() const {
    std::string text = std::string(kRecordMagic) + "\nsize " + std::to_string(size) +
                       "\nsha256-state " + state + "\n";
    if (isLink()) text += "parent " + parent + "\ntail " + tail + "\n";
    return text;
  }
};

fs::path fanOutDir(const fs::path& root, const std::string& hash) {
  return root / hash.substr(0, 2) / hash.substr(2, 2);
}
fs::path dataPath(const fs::path& root, const std::string& hash) {
  return fanOutDir(root, hash) / hash;
}
fs::path recordPath(const fs::path& root, const std::string& hash) {
  return fanOutDir(root, hash) / (hash + ".meta");
}

bool recordExists(const fs::path& root, const std::string& hash) {
  fs::path path = recordPath(root, hash);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) return true;
  if (errno == ENOENT || errno == ENOTDIR) return false;
  throwErrno("cannot look up", path);
}

Record loadRecord(const fs::path& root, const std::string& hash) {
  requireHash(hash);
  fs::path path = recordPath(root, hash);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int error = errno;
    if (error == ENOENT || error == ENOTDIR) {
      throw Error(ErrorCode::NotFound, "no blob " + hash + " in " + root.string());
    }
    throwStorage("cannot read the record of blob " + hash + ":", path, error);
  }
  auto damaged = [&](const std::string& why) {
    return Error(ErrorCode::StorageFailure,
                 "the record of blob " + hash + " is damaged (" + why + "): " + path.string());
  };
  std::string line;
  if (!std::getline(in, line) || line != kRecordMagic) throw damaged("unknown format");
  Record record;
  bool haveSize = false;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) throw damaged("line without a value");
    std::string key = line.substr(0, space);
    std::string value = line.substr(space + 1);
    if (key == "size") {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        throw damaged("bad size");
      }
      record.size = std::stoull(value);
      haveSize = true;
    } else if (key == "sha256-state") {
      record.state = value;
    } else if (key == "parent" || key == "tail") {
      if (!isHash(value)) throw damaged("bad " + key + " hash");
      (key == "parent" ? record.parent : record.tail) = value;
    } else {
      throw damaged("unknown field " + key);
    }
  }
  if (in.bad()) {
    int error = errno;
    throwStorage("cannot read the record of blob " + hash + ":", path, error);
  }
  if (!haveSize || record.state.empty()) throw damaged("incomplete");
  if (record.parent.empty() != record.tail.empty()) throw damaged("parent without tail");
  return record;
}

/// Creates ab/ and ab/cd/ when missing; a new directory entry is durable only once its parent
/// directory is synced.
void ensureFanOut(const fs::path& root, const std::string& hash) {
  fs::path first = root / hash.substr(0, 2);
  fs::path second = first / hash.substr(2, 2);
  for (const auto& [dir, parent] : {std::pair{first, root}, std::pair{second, first}}) {
    if (::mkdir(dir.c_str(), 0755) == 0) {
      syncDirectory(parent);
    } else if (errno != EEXIST) {
      throwErrno("cannot create the directory", dir);
    }
  }
}

void writeRecord(const fs::path& root, const std::string& hash, const Record& record) {
  fs::path path = recordPath(root, hash);
  try {
    writeFileAtomically(path, record.format());
  } catch (const Error& e) {
    // writeFileAtomically speaks for files in general; here it is the store that failed.
    throw Error(ErrorCode::StorageFailure, e.what());
  }
  syncDirectory(path.parent_path());
}

/// Makes a fully written temporary the blob `hash`: data first, record last, so that a crash in
/// between leaves an invisible leftover rather than a record without its bytes. Content that is
/// already stored is not touched (the temporary is dropped with `temp`).
/// Marks a version put again as young for collection (its record's mtime is what
/// collectGarbage() measures). A read-only store stays as it is: nothing is collected there.
void touchRecord(const fs::path& root, const std::string& hash) {
  ::utimensat(AT_FDCWD, recordPath(root, hash).c_str(), nullptr, 0);
}

void commitFullBlob(const fs::path& root, TempFile& temp, const std::string& hash, uint64_t size,
                    const std::string& state) {
  if (recordExists(root, hash)) {
    touchRecord(root, hash);
    return;
  }
  ensureFanOut(root, hash);
  // A data file without a record is a leftover of an interrupted put (or a put of the same bytes
  // running now): the bytes are the same by construction, so replacing it is safe.
  temp.commit(dataPath(root, hash));
  syncDirectory(fanOutDir(root, hash));
  writeRecord(root, hash, Record{size, state, {}, {}});
}

/// A version being written to a temporary file: a full blob, or the tail of a "parent + tail"
/// version (itself stored as a full blob, the version's record pointing at it).
class FileWriter : public detail::BlobWriter {
 public:
  FileWriter(const fs::path& root, const fs::path& tmp) : root_(root), temp_(tmp) {}

  BlobInfo commitFull() override {
    std::string hash = own_.hexDigest();
    commitFull_(hash);
    return {hash, own_.length()};
  }

  BlobInfo commitTail(const std::string& parentHash, const Sha256State& whole) override {
    std::string tailHash = own_.hexDigest();
    commitFull_(tailHash);
    std::string hash = whole.hexDigest();
    if (!recordExists(root_, hash)) {
      ensureFanOut(root_, hash);
      writeRecord(root_, hash, Record{whole.length(), whole.save(), parentHash, tailHash});
    } else {
      touchRecord(root_, hash);
    }
    return {hash, whole.length()};
  }

 protected:
  void append(const char* data, size_t size) override { temp_.write(data, size); }

 private:
  void commitFull_(const std::string& hash) {
    commitFullBlob(root_, temp_, hash, own_.length(), own_.save());
  }

  fs::path root_;
  TempFile temp_;
};

struct Segment {
  std::string hash;  // the full blob whose file this is
  fs::path path;
  uint64_t size = 0;
};

/// The full blobs whose concatenation is the content of `hash`, in order.
std::vector<Segment> resolveSegments(const fs::path& root, const std::string& hash,
                                     const Record& top) {
  std::vector<Segment> segments;
  std::vector<std::pair<std::string, Record>> pending{{hash, top}};
  uint64_t total = 0;
  // Content addressing rules out cycles; a damaged record could still fake one.
  size_t budget = 1'000'000;
  while (!pending.empty()) {
    if (--budget == 0) {
      throw Error(ErrorCode::StorageFailure, "the chain of blob " + hash + " does not end");
    }
    auto [current, record] = std::move(pending.back());
    pending.pop_back();
    if (record.isLink()) {
      // A version exists only if its whole chain does: a missing part is damage to this
      // version, not a hash the caller got wrong.
      auto part = [&](const std::string& partHash) {
        try {
          return loadRecord(root, partHash);
        } catch (const Error& e) {
          if (e.code() != ErrorCode::NotFound) throw;
          throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: blob " + partHash +
                                                     " of its chain is missing (referenced by " +
                                                     recordPath(root, current).string() + ")");
        }
      };
      // Stack: the parent is expanded before the tail.
      pending.emplace_back(record.tail, part(record.tail));
      pending.emplace_back(record.parent, part(record.parent));
    } else {
      segments.push_back({current, dataPath(root, current), record.size});
      total += record.size;
    }
  }
  if (total != top.size) {
    throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: its parts hold " +
                                               std::to_string(total) + " bytes, its record says " +
                                               std::to_string(top.size) + " (" +
                                               recordPath(root, hash).string() + ")");
  }
  return segments;
}

std::string hashFile(const fs::path& path, const std::string& hash) {
  Fd fd = openForReading(path, hash);
  Sha256State state;
  std::vector<char> buffer(kBufferSize);
  while (size_t n = readFully(fd.get(), buffer.data(), buffer.size(), path)) {
    state.update(buffer.data(), n);
  }
  return state.hexDigest();
}

bool olderThan(const fs::path& path, std::chrono::seconds age) {
  std::error_code error;
  auto time = fs::last_write_time(path, error);
  if (error) return false;
  return fs::file_time_type::clock::now() - time >= age;
}

/// Reads the data files of a version's segments in turn, one file descriptor at a time.
struct FileReaderState : BlobReader::State {
  fs::path recordFile;
  std::vector<Segment> segments;
  size_t index = 0;
  Fd fd;
  uint64_t remaining = 0;  // bytes left in segments[index]

  size_t readRaw(char* into, size_t capacity) override {
    while (fd.get() < 0) {
      if (index == segments.size()) return 0;
      const Segment& segment = segments[index];
      fd = openForReading(segment.path, hash);
      struct stat info {};
      if (::fstat(fd.get(), &info) != 0) throwErrno("cannot inspect", segment.path);
      if (static_cast<uint64_t>(info.st_size) != segment.size) {
        throw Error(ErrorCode::StorageFailure,
                    "blob " + hash + " is damaged: " + segment.path.string() + " holds " +
                        std::to_string(info.st_size) + " bytes, its record says " +
                        std::to_string(segment.size));
      }
      remaining = segment.size;
      if (remaining == 0) {
        fd.reset();
        ++index;
      }
    }
    const fs::path& path = segments[index].path;
    size_t want = static_cast<size_t>(std::min<uint64_t>(capacity, remaining));
    ssize_t n;
    do {
      n = ::read(fd.get(), into, want);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
      int error = errno;
      throwStorage("cannot read blob " + hash + " from", path, error);
    }
    if (n == 0) {
      throw Error(ErrorCode::StorageFailure,
                  "blob " + hash + " is damaged: " + path.string() + " ended early");
    }
    remaining -= static_cast<uint64_t>(n);
    if (remaining == 0) {
      fd.reset();
      ++index;
    }
    return static_cast<size_t>(n);
  }

  [[noreturn]] void reportMismatch(const std::string& found) override {
    // The total hash says something is wrong, not where: check each part on its own (slow, but
    // only on this path) to name the file that was damaged.
    std::string damaged;
    std::set<std::string> seen;
    for (const auto& segment : segments) {
      if (!seen.insert(segment.hash).second) continue;
      if (hashFile(segment.path, segment.hash) != segment.hash) {
        damaged += (damaged.empty() ? "" : ", ") + segment.path.string();
      }
    }
    if (damaged.empty()) damaged = recordFile.string() + " (its parts are intact)";
    throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: its content hashes to " +
                                               found + "; damaged file: " + damaged);
  }
};

class FileBackend : public detail::BlobBackend {
 public:
  explicit FileBackend(fs::path root) : root_(std::move(root)), tmp_(root_ / "tmp") {
    for (const auto& dir : {root_, tmp_}) {
      std::error_code error;
      if (fs::is_directory(dir, error)) continue;
      fs::create_directories(dir, error);
      if (error) {
        throw Error(ErrorCode::StorageFailure,
                    "cannot create the blob directory " + dir.string() + ": " + error.message());
      }
    }
  }

  bool exists(const std::string& hash) const override { return recordExists(root_, hash); }
  void refresh(const std::string& hash) override { touchRecord(root_, hash); }
  bool holdsAny() const override {
    std::error_code error;
    for (fs::recursive_directory_iterator it(root_, error), end; !error && it != end;
         it.increment(error)) {
      if (it->path().extension() == ".meta") return true;
    }
    return false;
  }

  BlobRecord load(const std::string& hash) const override {
    Record record = loadRecord(root_, hash);
    return {record.size, record.state, record.parent};
  }

  std::string recordLocation(const std::string& hash) const override {
    return recordPath(root_, hash).string();
  }

  std::string contentLocation(const std::string& hash) const override {
    return dataPath(root_, hash).string() + " or its chain";
  }

  std::unique_ptr<BlobReader::State> openReader(const std::string& hash,
                                                const BlobRecord&) const override {
    Record record = loadRecord(root_, hash);
    auto state = std::make_unique<FileReaderState>();
    state->hash = hash;
    state->recordFile = recordPath(root_, hash);
    state->size = record.size;
    state->segments = resolveSegments(root_, hash, record);
    return state;
  }

  std::unique_ptr<detail::BlobWriter> newWriter() override {
    return std::make_unique<FileWriter>(root_, tmp_);
  }

  GarbageReport collectGarbage(const std::set<std::string>& referenced,
                               std::chrono::seconds minAge) override;

 private:
  fs::path root_;
  fs::path tmp_;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// BlobReader

BlobReader::BlobReader(std::unique_ptr<State> state) : state_(std::move(state)) {}
BlobReader::~BlobReader() = default;
BlobReader::BlobReader(BlobReader&&) noexcept = default;
BlobReader& BlobReader::operator=(BlobReader&&) noexcept = default;

uint64_t BlobReader::size() const {
  return state_->size;
}
const std::string& BlobReader::hash() const {
  return state_->hash;
}

size_t BlobReader::read(char* into, size_t capacity) {
  State& s = *state_;
  if (s.done || capacity == 0) return 0;
  size_t n = s.readRaw(into, capacity);
  if (n == 0) {
    s.done = true;
    if (s.verify) {
      std::string found = s.digest.hexDigest();
      if (found != s.hash) s.reportMismatch(found);
    }
    return 0;
  }
  if (s.verify) s.digest.update(into, n);
  return n;
}

namespace {

/// std::istream over a BlobReader, with a fixed buffer.
class ReaderBuffer : public std::streambuf {
 public:
  explicit ReaderBuffer(BlobReader reader) : reader_(std::move(reader)), buffer_(64 * 1024) {}

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    size_t n = reader_.read(buffer_.data(), buffer_.size());
    if (n == 0) return traits_type::eof();
    setg(buffer_.data(), buffer_.data(), buffer_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  BlobReader reader_;
  std::vector<char> buffer_;
};

class BlobStream : public std::istream {
 public:
  explicit BlobStream(BlobReader reader) : std::istream(nullptr), buffer_(std::move(reader)) {
    rdbuf(&buffer_);
    // istream swallows exceptions from its buffer into badbit unless asked to rethrow: a damaged
    // blob must not look like a short one.
    exceptions(std::ios::badbit);
  }

 private:
  ReaderBuffer buffer_;
};

/// The parent's saved state, to continue over a tail.
Sha256State continuable(const detail::BlobBackend& backend, const std::string& parentHash,
                        const BlobRecord& parent) {
  std::optional<Sha256State> whole = Sha256State::restore(parent.state);
  if (!whole || whole->length() != parent.size) {
    throw Error(ErrorCode::StorageFailure,
                "the saved SHA-256 state of blob " + parentHash +
                    " is damaged: " + backend.recordLocation(parentHash));
  }
  return *whole;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BlobStore

BlobStore::BlobStore(fs::path root)
    : root_(std::move(root)), backend_(std::make_shared<FileBackend>(root_)) {}

BlobStore::BlobStore(std::shared_ptr<detail::BlobBackend> backend) : backend_(std::move(backend)) {}

BlobInfo BlobStore::put(std::istream& in) {
  auto writer = backend_->newWriter();
  std::vector<char> buffer(kBufferSize);
  while (size_t n = readInput(in, buffer.data(), buffer.size())) writer->write(buffer.data(), n);
  return writer->commitFull();
}

BlobInfo BlobStore::put(std::string_view bytes) {
  // Bytes in memory can be hashed before anything is written: content already stored then costs
  // no write at all (and works in a store mounted read-only).
  Sha256State state;
  state.update(bytes.data(), bytes.size());
  std::string hash = state.hexDigest();
  if (backend_->exists(hash)) {
    backend_->refresh(hash);
    return {hash, bytes.size()};
  }
  auto writer = backend_->newWriter();
  writer->write(bytes.data(), bytes.size());
  return writer->commitFull();
}

BlobInfo BlobStore::putFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    int error = errno;
    throw Error(ErrorCode::IoFailure, "cannot open " + file.string() + ": " + std::strerror(error));
  }
  try {
    return put(in);
  } catch (Error& e) {
    throw e.withContext("storing " + file.string());
  }
}

BlobInfo BlobStore::putTail(const std::string& parentHash, std::istream& tail) {
  requireHash(parentHash);
  BlobRecord parent = backend_->load(parentHash);
  Sha256State whole = continuable(*backend_, parentHash, parent);
  auto writer = backend_->newWriter();
  std::vector<char> buffer(kBufferSize);
  while (size_t n = readInput(tail, buffer.data(), buffer.size())) {
    writer->write(buffer.data(), n);
    whole.update(buffer.data(), n);
  }
  if (writer->size() == 0) return {parentHash, parent.size};
  return writer->commitTail(parentHash, whole);
}

BlobInfo BlobStore::putTail(const std::string& parentHash, std::string_view tail) {
  std::istringstream in{std::string(tail)};
  return putTail(parentHash, in);
}

BlobInfo BlobStore::putVersion(const std::string& parentHash, std::istream& content) {
  requireHash(parentHash);
  BlobRecord parent = backend_->load(parentHash);
  auto unverified = [&] {
    BlobReader reader = this->reader(parentHash);
    reader.state_->verify = false;
    return reader;
  };
  BlobReader parentBytes = unverified();
  Sha256State whole;
  std::vector<char> buffer(kBufferSize);
  std::vector<char> expected(kBufferSize);
  uint64_t matched = 0;

  // Phase 1: the new content is compared with the parent's bytes and hashed, nothing is written.
  size_t n = 0;
  size_t offset = 0;  // start of the part of `buffer` not yet consumed
  bool diverged = false;
  while (matched < parent.size) {
    n = readInput(content, buffer.data(), buffer.size());
    offset = 0;
    size_t compare = static_cast<size_t>(std::min<uint64_t>(n, parent.size - matched));
    size_t have = 0;
    while (have < compare) {
      size_t got = parentBytes.read(expected.data() + have, compare - have);
      if (got == 0) break;
      have += got;
    }
    if (n == 0 || have != compare || std::memcmp(buffer.data(), expected.data(), compare) != 0) {
      diverged = true;
      break;
    }
    whole.update(buffer.data(), compare);
    matched += compare;
    offset = compare;
  }

  if (diverged) {
    // Not an append: store in full. The bytes already consumed equal the parent's first
    // `matched` bytes, so they are copied from there rather than buffered.
    auto writer = backend_->newWriter();
    BlobReader again = unverified();
    uint64_t left = matched;
    while (left > 0) {
      size_t got = again.read(expected.data(),
                              static_cast<size_t>(std::min<uint64_t>(left, expected.size())));
      if (got == 0) {
        throw Error(ErrorCode::StorageFailure, "blob " + parentHash + " changed while read");
      }
      writer->write(expected.data(), got);
      left -= got;
    }
    writer->write(buffer.data(), n);
    while ((n = readInput(content, buffer.data(), buffer.size()))) writer->write(buffer.data(), n);
    return writer->commitFull();
  }

  // The bytes compared equal to what is stored; hashing them proves that is the parent.
  if (whole.hexDigest() != parentHash) {
    throw Error(ErrorCode::StorageFailure,
                "blob " + parentHash + " is damaged: its stored bytes hash to " +
                    whole.hexDigest() + " (" + backend_->contentLocation(parentHash) + ")");
  }

  // Phase 2: the rest is the tail.
  auto writer = backend_->newWriter();
  auto take = [&](const char* data, size_t size) {
    writer->write(data, size);
    whole.update(data, size);
  };
  take(buffer.data() + offset, n - offset);
  while ((n = readInput(content, buffer.data(), buffer.size()))) take(buffer.data(), n);
  if (writer->size() == 0) return {parentHash, parent.size};
  return writer->commitTail(parentHash, whole);
}

bool BlobStore::holdsAny() const {
  return backend_->holdsAny();
}

bool BlobStore::exists(const std::string& hash) const {
  requireHash(hash);
  return backend_->exists(hash);
}

uint64_t BlobStore::size(const std::string& hash) const {
  requireHash(hash);
  return backend_->load(hash).size;
}

std::string BlobStore::parentOf(const std::string& hash) const {
  requireHash(hash);
  return backend_->load(hash).parent;
}

BlobReader BlobStore::reader(const std::string& hash) const {
  requireHash(hash);
  BlobRecord record = backend_->load(hash);
  return BlobReader(backend_->openReader(hash, record));
}

std::unique_ptr<std::istream> BlobStore::open(const std::string& hash) const {
  return std::make_unique<BlobStream>(reader(hash));
}

std::string BlobStore::readAll(const std::string& hash, uint64_t maxSize) const {
  BlobReader in = reader(hash);
  if (in.size() > maxSize) {
    throw Error(ErrorCode::InvalidArgument, "blob " + hash + " has " + std::to_string(in.size()) +
                                                " bytes, over the " + std::to_string(maxSize) +
                                                " that may be read at once; stream it");
  }
  std::string content(static_cast<size_t>(in.size()), '\0');
  size_t have = 0;
  while (size_t n = in.read(content.data() + have, content.size() - have)) have += n;
  // The call that returns 0 is the one that checks the hash.
  char end;
  in.read(&end, 1);
  return content;
}

void BlobStore::verify(const std::string& hash) const {
  BlobReader in = reader(hash);
  std::vector<char> buffer(kBufferSize);
  while (in.read(buffer.data(), buffer.size()) > 0) {
  }
  sha256State(hash);
}

std::string BlobStore::sha256State(const std::string& hash) const {
  requireHash(hash);
  BlobRecord record = backend_->load(hash);
  std::optional<Sha256State> state = Sha256State::restore(record.state);
  // The signer builds its digest on this state: one that does not lead to the hash would produce
  // signatures over bytes nobody has.
  if (!state || state->length() != record.size || state->hexDigest() != hash) {
    throw Error(ErrorCode::StorageFailure, "the saved SHA-256 state of blob " + hash +
                                               " is damaged: " + backend_->recordLocation(hash));
  }
  return record.state;
}

GarbageReport BlobStore::collectGarbage(const std::set<std::string>& referenced,
                                        std::chrono::seconds minAge) {
  for (const auto& hash : referenced) requireHash(hash);
  return backend_->collectGarbage(referenced, minAge);
}

namespace {

GarbageReport FileBackend::collectGarbage(const std::set<std::string>& referenced,
                                          std::chrono::seconds minAge) {
  GarbageReport report;
  // What is on disk, per hash.
  struct Entry {
    bool record = false;
    bool data = false;
    fs::path dir;
  };
  std::map<std::string, Entry> entries;
  std::vector<fs::path> leftovers;  // temporaries of writeFileAtomically beside the records
  std::error_code error;
  auto list = [&](const fs::path& dir) {
    std::vector<fs::directory_entry> found;
    for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
      found.push_back(*it);
    }
    if (error) {
      throw Error(ErrorCode::StorageFailure,
                  "cannot list " + dir.string() + ": " + error.message());
    }
    return found;
  };
  auto isFanOut = [](const fs::path& name) {
    std::string text = name.filename().string();
    return text.size() == 2 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  for (const auto& first : list(root_)) {
    if (!first.is_directory(error) || !isFanOut(first.path())) continue;
    for (const auto& second : list(first.path())) {
      if (!second.is_directory(error) || !isFanOut(second.path())) continue;
      for (const auto& file : list(second.path())) {
        std::string name = file.path().filename().string();
        std::string hash = name.substr(0, 64);
        if (!isHash(hash)) continue;
        if (name.size() == 64) {
          entries[hash].data = true;
        } else if (name == hash + ".meta") {
          entries[hash].record = true;
        } else if (name.rfind(hash + ".meta.tmp-", 0) == 0) {
          leftovers.push_back(file.path());
          continue;
        } else {
          continue;
        }
        entries[hash].dir = second.path();
      }
    }
  }

  // Mark: the referenced versions, and every version too young to be referenced yet, with
  // their chains.
  std::set<std::string> live;
  std::vector<std::string> pending;
  for (const auto& hash : referenced) {
    requireHash(hash);
    pending.push_back(hash);
  }
  for (const auto& [hash, entry] : entries) {
    if (entry.record && !olderThan(recordPath(root_, hash), minAge)) pending.push_back(hash);
  }
  while (!pending.empty()) {
    std::string hash = std::move(pending.back());
    pending.pop_back();
    if (live.count(hash) || !recordExists(root_, hash)) continue;
    live.insert(hash);
    Record record = loadRecord(root_, hash);
    if (record.isLink()) {
      pending.push_back(record.parent);
      pending.push_back(record.tail);
    }
  }

  // Sweep. The record goes first: once it is gone the blob is invisible, and a crash before the
  // data file is removed leaves a leftover that the next collection removes.
  auto remove = [&](const fs::path& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0) return;
    if (::unlink(path.c_str()) != 0) throwErrno("cannot remove", path);
    report.bytesFreed += static_cast<uint64_t>(info.st_size);
  };
  std::set<fs::path> touched;
  for (const auto& [hash, entry] : entries) {
    if (live.count(hash)) continue;
    if (!entry.record && !olderThan(dataPath(root_, hash), minAge)) continue;  // a put under way
    if (entry.record) remove(recordPath(root_, hash));
    if (entry.data) remove(dataPath(root_, hash));
    if (entry.record) report.removed.push_back(hash);
    touched.insert(entry.dir);
  }
  auto staleAge = std::max<std::chrono::seconds>(minAge, kStaleTemporary);
  for (const auto& path : leftovers) {
    if (olderThan(path, staleAge)) {
      remove(path);
      touched.insert(path.parent_path());
    }
  }
  for (const auto& file : list(tmp_)) {
    if (olderThan(file.path(), staleAge)) remove(file.path());
  }
  for (const auto& dir : touched) syncDirectory(dir);
  return report;
}

}  // namespace

}  // namespace vanthu::storage
