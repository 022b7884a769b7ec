// The test continues a saved SHA-256 state the way the signer does, with the low-level API that
// ResumableSha256 uses (deprecated in OpenSSL 3.0, see signing/src/resumable_sha256.cpp).
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "vanthu/storage/blob_store.h"

#include <Poco/Data/LOB.h>
#include <Poco/Data/Session.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "database_impl.h"  // storage/src: the tests damage rows on purpose
#include "test_database.h"
#include "test_support.h"
#include "vanthu/storage/database.h"
#include "vanthu/workflow/error.h"

using namespace vanthu;
using vanthu::storage::BlobStore;
using vanthu::test::TempDir;
namespace fs = std::filesystem;
using namespace Poco::Data::Keywords;

namespace {

/// Deterministic bytes, produced as they are read: a large input without a large buffer.
class PatternBuffer : public std::streambuf {
 public:
  PatternBuffer(uint64_t size, uint32_t seed) : left_(size), state_(seed) {}

 protected:
  int_type underflow() override {
    if (left_ == 0) return traits_type::eof();
    size_t n = static_cast<size_t>(std::min<uint64_t>(left_, sizeof chunk_));
    for (size_t i = 0; i < n; ++i) {
      state_ = state_ * 1664525u + 1013904223u;
      chunk_[i] = static_cast<char>(state_ >> 24);
    }
    left_ -= n;
    setg(chunk_, chunk_, chunk_ + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  uint64_t left_;
  uint32_t state_;
  char chunk_[65536];
};

std::string pattern(size_t size, uint32_t seed) {
  PatternBuffer buffer(size, seed);
  std::istream in(&buffer);
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  return bytes;
}

std::string hex(const unsigned char* bytes, size_t size) {
  std::string text;
  char digit[3];
  for (size_t i = 0; i < size; ++i) {
    std::snprintf(digit, sizeof digit, "%02x", bytes[i]);
    text += digit;
  }
  return text;
}

/// The independent judge: `openssl dgst -sha256` of a file.
std::string opensslSha256(const fs::path& file) {
  auto result = vanthu::test::openssl("dgst -sha256 -r " + vanthu::test::shellQuote(file));
  REQUIRE(result.exitCode == 0);
  return result.output.substr(0, 64);
}

std::string evpSha256(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  return hex(digest, length);
}

/// What the signer does with sha256State(): ResumableSha256::restore() then update(), written
/// out here because the storage tests do not link the signing module.
std::string continueState(const std::string& saved, const std::string& more) {
  std::istringstream in(saved);
  std::string magic;
  in >> magic;
  REQUIRE(magic == "sha256-state/1");
  SHA256_CTX context;
  std::memset(&context, 0, sizeof context);
  auto word = [&] {
    std::string text;
    in >> text;
    REQUIRE(text.size() == 8);
    return static_cast<uint32_t>(std::stoul(text, nullptr, 16));
  };
  for (auto& value : context.h) value = word();
  context.Nl = word();
  context.Nh = word();
  for (auto& value : context.data) value = word();
  in >> context.num;
  REQUIRE_FALSE(in.fail());
  REQUIRE((context.Nl / 8) % 64 == context.num);
  context.md_len = SHA256_DIGEST_LENGTH;
  SHA256_Update(&context, more.data(), more.size());
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(digest, &context);
  return hex(digest, sizeof digest);
}

/// Bytes of the regular files under `dir`: what the store costs on disk.
uint64_t bytesUnder(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

size_t filesUnder(const fs::path& dir) {
  size_t count = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) ++count;
  }
  return count;
}

std::string readStream(std::istream& in) {
  std::ostringstream out;
  char buffer[4096];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    out.write(buffer, in.gcount());
  }
  return out.str();
}

void flipByte(const fs::path& file, long offset) {
  std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(io);
  io.seekg(offset);
  char c = 0;
  io.get(c);
  io.seekp(offset);
  io.put(static_cast<char>(c ^ 0x01));
  REQUIRE(io);
}

/// The message of the vanthu::Error `action` throws, with its code.
std::pair<ErrorCode, std::string> errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return {e.code(), e.what()};
  }
  return {ErrorCode::Unknown, ""};
}

fs::path blobFile(const BlobStore& store, const std::string& hash) {
  return store.root() / hash.substr(0, 2) / hash.substr(2, 2) / hash;
}

/// A store of either kind, for the contract both keep: files under a temporary directory, or
/// the tables of a test database (SQLite, or PostgreSQL under tests/storage/with_postgres.sh).
class Harness {
 public:
  explicit Harness(bool inDatabase) {
    if (inDatabase) {
      database_ = vanthu::test::openTestDatabase(dir_);
      store_.emplace(BlobStore::inDatabase(*database_));
    } else {
      store_.emplace(dir_ / "blobs");
    }
  }
  BlobStore& store() { return *store_; }
  bool files() const { return database_ == nullptr; }
  const TempDir& dir() const { return dir_; }
  storage::Database& database() { return *database_; }
  storage::Database::Impl& db() { return database_->impl(); }

  /// What the stored content costs: the files, or the bytes of the chunks.
  uint64_t storedBytes() {
    if (files()) return bytesUnder(dir_ / "blobs");
    return count("SELECT COALESCE(SUM(LENGTH(bytes)), 0) FROM blob_chunks");
  }
  uint64_t count(const std::string& sql) {
    Poco::Int64 value = 0;
    db().session << sql, into(value), now;
    return static_cast<uint64_t>(value);
  }
  /// The content key of the bytes `hash` adds (a full blob's or a tail's).
  std::string contentKey(const std::string& hash) {
    std::string key;
    std::string bound = hash;
    db().session << db().sql("SELECT content_key FROM blob_records WHERE hash = ?"), into(key),
        use(bound), now;
    REQUIRE_FALSE(key.empty());
    return key;
  }
  /// Flips one bit of the byte at `offset` of the chunk `seq` of `hash`'s own bytes: damage
  /// the code itself never does (it has no UPDATE of a blob).
  void flipChunkByte(const std::string& hash, int seq, size_t offset) {
    std::string key = contentKey(hash);
    std::vector<Poco::Data::BLOB> rows;
    db().session << db().sql("SELECT bytes FROM blob_chunks WHERE content_key = ? AND seq = ?"),
        into(rows), use(key), use(seq), now;
    REQUIRE(rows.size() == 1);
    std::vector<unsigned char> bytes(rows[0].rawContent(), rows[0].rawContent() + rows[0].size());
    REQUIRE(offset < bytes.size());
    bytes[offset] ^= 0x01;
    Poco::Data::BLOB damaged(bytes);
    db().session << db().sql("UPDATE blob_chunks SET bytes = ? WHERE content_key = ? AND seq = ?"),
        use(damaged), use(key), use(seq), now;
  }
  void execute(const std::string& portableSql) { db().session << db().sql(portableSql), now; }

 private:
  TempDir dir_;
  std::unique_ptr<storage::Database> database_;
  std::optional<BlobStore> store_;
};

/// The peak resident memory of this process so far, in bytes.
uint64_t peakMemory() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;
}

}  // namespace

// The contract both backends keep: the body runs once on files and once in the database (tagged
// [postgresql] so that the storage.postgresql test runs it on a real PostgreSQL server too).
#define BLOB_CONTRACT(function, name, tags)                                   \
  void function(Harness& h);                                                  \
  TEST_CASE(name " (files)", "[storage][blob]" tags) {                        \
    Harness h(false);                                                         \
    function(h);                                                              \
  }                                                                           \
  TEST_CASE(name " (database)", "[storage][blob][blobdb][postgresql]" tags) { \
    Harness h(true);                                                          \
    function(h);                                                              \
  }                                                                           \
  void function(Harness& h)

BLOB_CONTRACT(roundTrip, "blobs round-trip under their SHA-256", "") {
  const TempDir& dir = h.dir();
  BlobStore& store = h.store();
  std::string content = "%PDF-1.7\n" + pattern(100000, 1) + "%%EOF\n";
  auto info = store.put(content);
  CHECK(info.size == content.size());
  CHECK(info.hash == evpSha256(content));
  if (h.files()) {
    // Two-level fan-out, the file named by its hash, and that hash is what openssl computes.
    auto file = blobFile(store, info.hash);
    REQUIRE(fs::is_regular_file(file));
    CHECK(opensslSha256(file) == info.hash);
  } else {
    CHECK(store.root().empty());
    auto copy = dir / "copy.pdf";
    vanthu::test::writeText(copy, store.readAll(info.hash));
    CHECK(opensslSha256(copy) == info.hash);
  }

  CHECK(store.exists(info.hash));
  CHECK(store.size(info.hash) == content.size());
  CHECK(store.parentOf(info.hash).empty());
  CHECK(store.readAll(info.hash) == content);
  auto stream = store.open(info.hash);
  CHECK(readStream(*stream) == content);
  CHECK_NOTHROW(store.verify(info.hash));

  std::istringstream in(content);
  CHECK(store.put(in).hash == info.hash);
  auto source = dir / "source.pdf";
  vanthu::test::writeText(source, content);
  CHECK(store.putFile(source).hash == info.hash);

  auto empty = store.put(std::string_view());
  CHECK(empty.hash == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(store.readAll(empty.hash).empty());
  // Nothing is left in tmp/.
  if (h.files()) CHECK(fs::is_empty(dir / "blobs" / "tmp"));
}

TEST_CASE("storing the same content again rewrites nothing", "[storage][blob]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  auto first = store.put("the same bytes");
  auto file = blobFile(store, first.hash);
  auto record = fs::path(file.string() + ".meta");
  struct stat before {
  }, recordBefore{};
  REQUIRE(::stat(file.c_str(), &before) == 0);
  REQUIRE(::stat(record.c_str(), &recordBefore) == 0);
  ::usleep(20000);  // a rewrite would get a later mtime than this

  auto second = store.put("the same bytes");
  CHECK(second.hash == first.hash);
  struct stat after {
  }, recordAfter{};
  REQUIRE(::stat(file.c_str(), &after) == 0);
  REQUIRE(::stat(record.c_str(), &recordAfter) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(after.st_mtim.tv_sec == before.st_mtim.tv_sec);
  CHECK(after.st_mtim.tv_nsec == before.st_mtim.tv_nsec);
  CHECK(recordAfter.st_ino == recordBefore.st_ino);
  CHECK(recordAfter.st_size == recordBefore.st_size);
  // Only the record's time moves: a version put again is young for collection.
  CHECK((recordAfter.st_mtim.tv_sec > recordBefore.st_mtim.tv_sec ||
         recordAfter.st_mtim.tv_nsec > recordBefore.st_mtim.tv_nsec));
  CHECK(fs::is_empty(dir / "blobs" / "tmp"));
}

TEST_CASE("an old unreferenced version put again survives collection", "[storage][blob][gc]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  auto orphan = store.put("uploaded once, never referenced");
  std::string tailContent(3000, 't');
  auto tail = store.putTail(orphan.hash, tailContent);
  auto then = fs::file_time_type::clock::now() - std::chrono::hours(3);
  for (const auto& entry : fs::recursive_directory_iterator(dir / "blobs")) {
    if (entry.is_regular_file()) fs::last_write_time(entry.path(), then);
  }
  // The same content comes again (a second upload of the same scan) just before a collection
  // that does not know yet that a version row is about to refer to it.
  CHECK(store.put("uploaded once, never referenced").hash == orphan.hash);
  std::istringstream again(tailContent);
  CHECK(store.putTail(orphan.hash, again).hash == tail.hash);
  auto report = store.collectGarbage({}, std::chrono::hours(1));
  CHECK(report.removed.empty());
  CHECK(store.exists(orphan.hash));
  CHECK(store.exists(tail.hash));
  CHECK_NOTHROW(store.verify(tail.hash));
}

BLOB_CONTRACT(appends, "versions that append are stored as parent + tail", "") {
  const TempDir& dir = h.dir();
  BlobStore& store = h.store();
  const size_t baseSize = 4 << 20;
  std::string whole = pattern(baseSize, 7);
  auto base = store.put(whole);
  uint64_t baseCost = h.storedBytes();

  // Five signatures, each an incremental update: five tails, each continuing the state.
  std::vector<std::string> versions{base.hash};
  uint64_t tails = 0;
  for (int level = 1; level <= 5; ++level) {
    std::string tail = "\n% signature " + std::to_string(level) + "\n" + pattern(20000, level);
    auto next = store.putTail(versions.back(), tail);
    whole += tail;
    tails += tail.size();
    CHECK(next.size == whole.size());
    CHECK(next.hash == evpSha256(whole));
    CHECK(store.parentOf(next.hash) == versions.back());
    versions.push_back(next.hash);
  }
  // On disk: the base, the tails and a few small records, not six copies.
  uint64_t cost = h.storedBytes();
  CHECK(cost >= baseCost + tails);
  CHECK(cost <= baseCost + tails + 5 * 2 * 1024);

  // The streamed content is the concatenation; openssl agrees on its hash.
  auto top = versions.back();
  auto stream = store.open(top);
  std::string streamed = readStream(*stream);
  REQUIRE(streamed.size() == whole.size());
  CHECK(streamed == whole);
  auto copy = dir / "top.pdf";
  vanthu::test::writeText(copy, streamed);
  CHECK(opensslSha256(copy) == top);
  CHECK(store.size(top) == whole.size());
  CHECK_NOTHROW(store.verify(top));
  // Every level reads back as its own prefix.
  CHECK(store.readAll(versions[2]).size() ==
        baseSize + (whole.size() - baseSize) - (store.size(top) - store.size(versions[2])));

  // The same tail again: the same version, nothing new on disk.
  CHECK(store.putTail(versions[4], whole.substr(store.size(versions[4]))).hash == top);
  CHECK(h.storedBytes() == cost);
  // An empty tail is the parent itself.
  CHECK(store.putTail(top, std::string_view()).hash == top);

  SECTION("putVersion recognises an append from the full file") {
    std::string next = whole + "\n% signature 6\n" + pattern(30000, 6);
    std::istringstream in(next);
    auto info = store.putVersion(top, in);
    CHECK(info.hash == evpSha256(next));
    CHECK(info.size == next.size());
    CHECK(store.parentOf(info.hash) == top);
    CHECK(h.storedBytes() <= cost + 30100 + 2048);
    CHECK(store.readAll(info.hash) == next);
    CHECK(store.sha256State(info.hash) != store.sha256State(top));
  }
  SECTION("putVersion stores a rewritten file in full") {
    std::string changed = whole;
    changed[baseSize + 100] ^= 0x20;
    std::istringstream in(changed);
    auto info = store.putVersion(top, in);
    CHECK(info.hash == evpSha256(changed));
    CHECK(store.parentOf(info.hash).empty());
    CHECK(store.readAll(info.hash, 64u << 20) == changed);
    // Shorter than the parent: also a full blob.
    std::istringstream shorter(whole.substr(0, 1000));
    auto prefix = store.putVersion(top, shorter);
    CHECK(prefix.hash == evpSha256(whole.substr(0, 1000)));
    CHECK(store.readAll(prefix.hash) == whole.substr(0, 1000));
  }
  SECTION("putVersion of the parent's own bytes is the parent") {
    std::istringstream in(whole);
    CHECK(store.putVersion(top, in).hash == top);
  }
}

BLOB_CONTRACT(large, "a large blob is streamed in and out", "[large]") {
  // The store holds a fixed 1 MiB buffer (by design: put() copies through it, BlobReader reads
  // one file descriptor or one chunk at a time); here neither side ever has the whole blob in
  // memory (50 MB in files, 48 MB in the database).
  BlobStore& store = h.store();
  const uint64_t size = h.files() ? 50ull << 20 : 48ull << 20;
  [[maybe_unused]] uint64_t peakBefore = peakMemory();
  PatternBuffer source(size, 42);
  std::istream in(&source);
  auto info = store.put(in);
  CHECK(info.size == size);
  if (h.files()) CHECK(opensslSha256(blobFile(store, info.hash)) == info.hash);
  if (!h.files()) CHECK(h.storedBytes() == size);

  auto tail = store.putTail(info.hash, "\n% one more signature\n");
  auto stream = store.open(tail.hash);
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  REQUIRE(EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1);
  std::vector<char> buffer(1 << 16);
  uint64_t total = 0;
  while (stream->read(buffer.data(), static_cast<std::streamsize>(buffer.size())) ||
         stream->gcount() > 0) {
    EVP_DigestUpdate(context, buffer.data(), static_cast<size_t>(stream->gcount()));
    total += static_cast<uint64_t>(stream->gcount());
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context, digest, &length);
  EVP_MD_CTX_free(context);
  CHECK(total == size + 22);
  CHECK(hex(digest, length) == tail.hash);
  CHECK_NOTHROW(store.verify(tail.hash));
  // Had either side held the content, the peak would have grown by its size; buffers, the
  // driver's copies of a chunk and SQLite's page cache stay near 12 MB whatever the size. (The
  // check passes vacuously when an earlier test already peaked higher; AddressSanitizer's
  // quarantine keeps freed chunks, so there it means nothing.)
#ifndef __SANITIZE_ADDRESS__
  CHECK(peakMemory() - peakBefore < size / 2);
#endif
  CHECK_THROWS_AS(store.readAll(tail.hash, 1 << 20), Error);
}

TEST_CASE("a damaged blob is reported, naming the blob and the file", "[storage][blob]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  std::string content = pattern(300000, 3);
  auto info = store.put(content);
  auto file = blobFile(store, info.hash);
  auto tail = store.putTail(info.hash, "appended signature");

  SECTION("a byte flipped in a full blob") {
    flipByte(file, 123456);
    auto [code, message] = errorOf([&] { store.verify(info.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(message.find(file.string()) != std::string::npos);
    // Streaming: the read that reaches the end throws rather than ending quietly.
    auto stream = store.open(info.hash);
    CHECK(errorOf([&] { readStream(*stream); }).first == ErrorCode::StorageFailure);
    CHECK(errorOf([&] { store.readAll(info.hash); }).first == ErrorCode::StorageFailure);
    // The chain built on it is damaged too, and the message names the base's file.
    auto chained = errorOf([&] { store.verify(tail.hash); });
    CHECK(chained.first == ErrorCode::StorageFailure);
    CHECK(chained.second.find(file.string()) != std::string::npos);
    // A new version that starts with the damaged bytes is refused rather than recorded as an
    // append to the real parent...
    std::istringstream onDisk(vanthu::test::readFile(file) + "more");
    CHECK(errorOf([&] { store.putVersion(info.hash, onDisk); }).first == ErrorCode::StorageFailure);
    // ...and one that starts with the real bytes differs from what is on disk: stored in full.
    std::istringstream real(content + "more");
    auto stored = store.putVersion(info.hash, real);
    CHECK(stored.hash == evpSha256(content + "more"));
    CHECK(store.parentOf(stored.hash).empty());
  }
  SECTION("a byte flipped in a tail") {
    auto tailFile = blobFile(store, evpSha256("appended signature"));
    flipByte(tailFile, 3);
    auto [code, message] = errorOf([&] { store.verify(tail.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(tail.hash) != std::string::npos);
    CHECK(message.find(tailFile.string()) != std::string::npos);
    CHECK_NOTHROW(store.verify(info.hash));
  }
  SECTION("a truncated file") {
    fs::resize_file(file, 1000);
    CHECK(errorOf([&] { store.verify(info.hash); }).first == ErrorCode::StorageFailure);
  }
  SECTION("a missing part of a chain") {
    fs::remove(fs::path(file.string() + ".meta"));
    auto [code, message] = errorOf([&] { store.open(tail.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(store.size(tail.hash) == content.size() + 18);
  }
  SECTION("a damaged record") {
    vanthu::test::writeText(fs::path(file.string() + ".meta"), "garbage\n");
    auto [code, message] = errorOf([&] { store.size(info.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(".meta") != std::string::npos);
  }
}

BLOB_CONTRACT(missing, "missing blobs and malformed hashes", "") {
  const TempDir& dir = h.dir();
  BlobStore& store = h.store();
  std::string absent(64, 'a');
  CHECK_FALSE(store.exists(absent));
  CHECK(vanthu::test::errorCodeOf([&] { store.size(absent); }) == ErrorCode::NotFound);
  CHECK(vanthu::test::errorCodeOf([&] { store.open(absent); }) == ErrorCode::NotFound);
  CHECK(vanthu::test::errorCodeOf([&] { store.sha256State(absent); }) == ErrorCode::NotFound);
  CHECK(vanthu::test::errorCodeOf([&] { store.verify(absent); }) == ErrorCode::NotFound);
  CHECK(vanthu::test::errorCodeOf([&] { store.putTail(absent, "tail"); }) == ErrorCode::NotFound);
  // Hashes become paths: nothing else is accepted.
  CHECK(vanthu::test::errorCodeOf([&] { store.exists("../../etc/passwd"); }) ==
        ErrorCode::InvalidArgument);
  CHECK(vanthu::test::errorCodeOf([&] { store.size(std::string(64, 'A')); }) ==
        ErrorCode::InvalidArgument);
  CHECK(vanthu::test::errorCodeOf([&] { store.putFile(dir / "no-such-file.pdf"); }) ==
        ErrorCode::IoFailure);
  if (h.files()) CHECK(fs::is_empty(dir / "blobs" / "tmp"));
}

TEST_CASE("a store that cannot be written reports StorageFailure", "[storage][blob]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  auto existing = store.put("already stored");
  std::vector<fs::path> dirs{dir / "blobs"};
  for (const auto& entry : fs::recursive_directory_iterator(dir / "blobs")) {
    if (entry.is_directory()) dirs.push_back(entry.path());
  }
  for (const auto& d : dirs) fs::permissions(d, fs::perms(0555));
  struct Restore {
    std::vector<fs::path>& dirs;
    ~Restore() {
      for (const auto& d : dirs) fs::permissions(d, fs::perms(0755));
    }
  } restore{dirs};

  // Reading still works.
  CHECK(store.readAll(existing.hash) == "already stored");
  CHECK(store.put("already stored").hash == existing.hash);

  // Root (CAP_DAC_OVERRIDE) writes through 0555: the failure cannot be provoked this way.
  bool writable = ::access((dir / "blobs" / "tmp").c_str(), W_OK) == 0;
  if (writable) {
    WARN(
        "running with permission to write into a 0555 directory (root?); the read-only check "
        "is skipped");
    return;
  }
  auto [code, message] = errorOf([&] { store.put("new content"); });
  CHECK(code == ErrorCode::StorageFailure);
  CHECK(message.find((dir / "blobs").string()) != std::string::npos);
  CHECK(message.find("Permission denied") != std::string::npos);
  CHECK(code == ErrorCode::StorageFailure);
  CHECK(errorOf([&] { store.putTail(existing.hash, "tail"); }).first == ErrorCode::StorageFailure);
  CHECK(filesUnder(dir / "blobs") == 2);  // the blob and its record, nothing half-written
}

TEST_CASE("a failed write reports StorageFailure and leaves nothing visible", "[storage][blob]") {
  // Provoked without permissions, so that it holds when the tests run as root too.
  TempDir dir;
  BlobStore store(dir / "blobs");
  std::string content = "a version whose fan-out directory is blocked";
  auto hash = evpSha256(content);
  auto blocker = dir / "blobs" / hash.substr(0, 2);
  vanthu::test::writeText(blocker, "not a directory");
  auto [code, message] = errorOf([&] { store.put(content); });
  CHECK(code == ErrorCode::StorageFailure);
  CHECK(message.find(blocker.string()) != std::string::npos);
  CHECK(message.find("Not a directory") != std::string::npos);
  CHECK_FALSE(store.exists(hash));
  CHECK(fs::is_empty(dir / "blobs" / "tmp"));

  // No room for temporaries at all.
  fs::remove(dir / "blobs" / "tmp");
  vanthu::test::writeText(dir / "blobs" / "tmp", "");
  auto [code2, message2] = errorOf([&] { store.put("anything"); });
  CHECK(code2 == ErrorCode::StorageFailure);
  CHECK(message2.find((dir / "blobs" / "tmp").string()) != std::string::npos);
}

TEST_CASE("garbage collection keeps what is referenced and its chains", "[storage][blob][gc]") {
  TempDir dir;
  BlobStore store(dir / "blobs");
  auto base = store.put(pattern(50000, 11));
  auto signed1 = store.putTail(base.hash, "signature one");
  auto signed2 = store.putTail(signed1.hash, "signature two");
  auto orphan = store.put("an upload that was abandoned");
  auto draft = store.putTail(orphan.hash, "its draft signature");
  auto tail1 = evpSha256("signature one");
  auto tail2 = evpSha256("signature two");

  // Leftovers of interrupted writes: stale ones go, a fresh one (a put under way) stays.
  auto stale = dir / "blobs" / "tmp" / "blob-stale1";
  auto fresh = dir / "blobs" / "tmp" / "blob-fresh1";
  vanthu::test::writeText(stale, "half");
  vanthu::test::writeText(fresh, "half");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));

  // Everything is younger than a minute: a collection with a grace period removes nothing.
  CHECK(store.collectGarbage({signed2.hash}, std::chrono::seconds(60)).removed.empty());
  CHECK(store.exists(draft.hash));

  auto report = store.collectGarbage({signed2.hash});
  std::set<std::string> removed(report.removed.begin(), report.removed.end());
  CHECK(removed ==
        std::set<std::string>{orphan.hash, draft.hash, evpSha256("its draft signature")});
  CHECK(report.bytesFreed > 0);
  for (const auto& kept : {base.hash, signed1.hash, signed2.hash, tail1, tail2}) {
    CHECK(store.exists(kept));
  }
  CHECK_FALSE(store.exists(orphan.hash));
  CHECK_FALSE(fs::exists(blobFile(store, orphan.hash)));
  CHECK_NOTHROW(store.verify(signed2.hash));
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(fresh));

  // Referencing the middle of a chain keeps only what it needs.
  report = store.collectGarbage({signed1.hash, std::string(64, 'f')});
  CHECK(std::set<std::string>(report.removed.begin(), report.removed.end()) ==
        std::set<std::string>{signed2.hash, tail2});
  CHECK_NOTHROW(store.verify(signed1.hash));

  report = store.collectGarbage({});
  CHECK(report.removed.size() == 3);
  CHECK(filesUnder(dir / "blobs") == 1);  // the fresh temporary only
}

BLOB_CONTRACT(savedState, "the saved SHA-256 state continues to the digest of everything", "") {
  BlobStore& store = h.store();
  // The empty state is SHA-256's initial value, in ResumableSha256's text form.
  auto empty = store.put(std::string_view());
  CHECK(store.sha256State(empty.hash).rfind("sha256-state/1 6a09e667 bb67ae85 3c6ef372 ", 0) == 0);

  // Sizes around the 64-byte block boundary, where the partial block is part of the state.
  for (size_t size : {size_t(0), size_t(1), size_t(63), size_t(64), size_t(65), size_t(100003)}) {
    std::string first = pattern(size, 5);
    std::string more = "\n% the next incremental update\n" + pattern(777, 9);
    auto info = store.put(first);
    CHECK(continueState(store.sha256State(info.hash), more) == evpSha256(first + more));
    // And for a version stored as parent + tail, whose state was itself continued.
    auto next = store.putTail(info.hash, more);
    CHECK(continueState(store.sha256State(next.hash), "x") == evpSha256(first + more + "x"));
  }
}

// ---------------------------------------------------------------------------------------------
// The store in the database: what differs from files (where the bytes are, how damage looks).

TEST_CASE("in the database, storing the same content again writes nothing",
          "[storage][blob][blobdb][postgresql]") {
  Harness h(true);
  BlobStore& store = h.store();
  std::string content = pattern(3 * (1 << 20) + 5, 21);  // four chunks
  auto first = store.put(content);
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 4);
  CHECK(h.count("SELECT COUNT(*) FROM blob_records") == 1);
  auto tail = store.putTail(first.hash, "a signature");
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 5);

  // In memory: hashed first, nothing written. Streamed: written, then rolled back.
  CHECK(store.put(content).hash == first.hash);
  std::istringstream again(content);
  CHECK(store.put(again).hash == first.hash);
  std::istringstream version(content + "a signature");
  CHECK(store.putVersion(first.hash, version).hash == tail.hash);
  CHECK(store.putTail(first.hash, "a signature").hash == tail.hash);
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 5);
  CHECK(h.count("SELECT COUNT(*) FROM blob_records") == 2);
  CHECK(h.storedBytes() == content.size() + 11);
  CHECK(store.readAll(tail.hash) == content + "a signature");
}

TEST_CASE("instances on one database share its blobs", "[storage][blob][blobdb][postgresql]") {
  TempDir dir;
  std::string url = vanthu::test::testDatabaseUrl(dir);
  auto first = storage::Database::open({url});
  auto second = storage::Database::open({url});
  BlobStore one = BlobStore::inDatabase(*first);
  BlobStore two = BlobStore::inDatabase(*second);
  auto base = one.put(pattern(2 << 20, 31));
  auto next = two.putTail(base.hash, "signed by the second instance");
  CHECK(one.readAll(next.hash) == pattern(2 << 20, 31) + "signed by the second instance");
  CHECK(one.parentOf(next.hash) == base.hash);
  CHECK(two.sha256State(base.hash) == one.sha256State(base.hash));
  CHECK(continueState(one.sha256State(base.hash), "signed by the second instance") == next.hash);
}

TEST_CASE("in the database, damage is reported naming the blob",
          "[storage][blob][blobdb][postgresql]") {
  Harness h(true);
  BlobStore& store = h.store();
  std::string content = pattern(3 << 20, 3);  // three chunks
  auto info = store.put(content);
  auto tail = store.putTail(info.hash, "appended signature");

  SECTION("a byte flipped in a chunk of a full blob") {
    h.flipChunkByte(info.hash, 1, 4567);
    auto [code, message] = errorOf([&] { store.verify(info.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(message.find("blob_chunks") != std::string::npos);
    CHECK(message.find(h.contentKey(info.hash)) != std::string::npos);
    // Streaming: the read that reaches the end throws rather than ending quietly.
    auto stream = store.open(info.hash);
    CHECK(errorOf([&] { readStream(*stream); }).first == ErrorCode::StorageFailure);
    CHECK(errorOf([&] { store.readAll(info.hash); }).first == ErrorCode::StorageFailure);
    // The chain built on it is damaged too, and the message names the base's chunks.
    auto chained = errorOf([&] { store.verify(tail.hash); });
    CHECK(chained.first == ErrorCode::StorageFailure);
    CHECK(chained.second.find(tail.hash) != std::string::npos);
    CHECK(chained.second.find(h.contentKey(info.hash)) != std::string::npos);
    // A new version that starts with the real bytes differs from what is stored: in full.
    std::istringstream real(content + "more");
    auto stored = store.putVersion(info.hash, real);
    CHECK(stored.hash == evpSha256(content + "more"));
    CHECK(store.parentOf(stored.hash).empty());
    CHECK(store.readAll(stored.hash) == content + "more");
  }
  SECTION("a byte flipped in a tail") {
    h.flipChunkByte(tail.hash, 0, 3);
    auto [code, message] = errorOf([&] { store.verify(tail.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(tail.hash) != std::string::npos);
    CHECK(message.find(h.contentKey(tail.hash)) != std::string::npos);
    CHECK(message.find(h.contentKey(info.hash)) == std::string::npos);
    CHECK_NOTHROW(store.verify(info.hash));
  }
  SECTION("a missing chunk") {
    h.execute("DELETE FROM blob_chunks WHERE content_key = '" + h.contentKey(info.hash) +
              "' AND seq = 2");
    auto [code, message] = errorOf([&] { store.verify(info.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(message.find("missing") != std::string::npos);
  }
  SECTION("a missing part of a chain") {
    h.execute("DELETE FROM blob_records WHERE hash = '" + info.hash + "'");
    auto [code, message] = errorOf([&] { store.open(tail.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(store.size(tail.hash) == content.size() + 18);
    CHECK(vanthu::test::errorCodeOf([&] { store.size(info.hash); }) == ErrorCode::NotFound);
  }
  SECTION("a damaged saved state") {
    h.execute("UPDATE blob_records SET sha256_state = 'garbage' WHERE hash = '" + info.hash + "'");
    auto [code, message] = errorOf([&] { store.sha256State(info.hash); });
    CHECK(code == ErrorCode::StorageFailure);
    CHECK(message.find(info.hash) != std::string::npos);
    CHECK(message.find("blob_records") != std::string::npos);
    CHECK(errorOf([&] { store.putTail(info.hash, "x"); }).first == ErrorCode::StorageFailure);
  }
}

TEST_CASE("in the database, garbage collection keeps what is referenced and its chains",
          "[storage][blob][blobdb][gc][postgresql]") {
  Harness h(true);
  BlobStore& store = h.store();
  auto base = store.put(pattern(50000, 11));
  auto signed1 = store.putTail(base.hash, "signature one");
  auto signed2 = store.putTail(signed1.hash, "signature two");
  auto orphan = store.put("an upload that was abandoned");
  auto draft = store.putTail(orphan.hash, "its draft signature");
  // Chunks that no record names (a write that failed inside a caller's transaction).
  h.execute(
      "INSERT INTO blob_chunks (content_key, seq, bytes) VALUES ('leftover', 0, " +
      std::string(h.db().dialect == storage::Dialect::Postgresql ? "'\\x6869'::bytea" : "X'6869'") +
      ")");

  // Everything is younger than a minute: a collection with a grace period removes nothing.
  CHECK(store.collectGarbage({signed2.hash}, std::chrono::seconds(60)).removed.empty());
  CHECK(store.exists(draft.hash));
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks WHERE content_key = 'leftover'") == 0);

  uint64_t before = h.storedBytes();
  auto report = store.collectGarbage({signed2.hash});
  std::set<std::string> removed(report.removed.begin(), report.removed.end());
  CHECK(removed == std::set<std::string>{orphan.hash, draft.hash});
  CHECK(report.bytesFreed == std::string("an upload that was abandoned").size() +
                                 std::string("its draft signature").size());
  CHECK(h.storedBytes() == before - report.bytesFreed);
  for (const auto& kept : {base.hash, signed1.hash, signed2.hash}) CHECK(store.exists(kept));
  CHECK_FALSE(store.exists(orphan.hash));
  CHECK_NOTHROW(store.verify(signed2.hash));

  // Referencing the middle of a chain keeps only what it needs.
  report = store.collectGarbage({signed1.hash, std::string(64, 'f')});
  CHECK(report.removed == std::vector<std::string>{signed2.hash});
  CHECK(report.bytesFreed == std::string("signature two").size());
  CHECK_NOTHROW(store.verify(signed1.hash));

  report = store.collectGarbage({});
  CHECK(report.removed.size() == 2);
  CHECK(h.count("SELECT COUNT(*) FROM blob_records") == 0);
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 0);
}

TEST_CASE("in the database, an old unreferenced version put again survives collection",
          "[storage][blob][blobdb][gc][postgresql]") {
  Harness h(true);
  BlobStore& store = h.store();
  std::string content = pattern(70000, 5);
  auto orphan = store.put(content);
  auto draft = store.putTail(orphan.hash, "its draft signature");
  h.execute("UPDATE blob_records SET created_at = created_at - 10800");
  // The same content again, streamed and in memory, just before a collection that does not
  // know yet that a version row is about to refer to it.
  std::istringstream again(content);
  CHECK(store.put(again).hash == orphan.hash);
  CHECK(store.putTail(orphan.hash, "its draft signature").hash == draft.hash);
  CHECK(h.count("SELECT COUNT(*) FROM blob_records WHERE created_at < " +
                std::to_string(std::time(nullptr) - 3600)) == 0);
  CHECK(store.collectGarbage({}, std::chrono::hours(1)).removed.empty());
  CHECK(store.readAll(draft.hash) == content + "its draft signature");
  // Without the second put they would have gone: the test can fail.
  h.execute("UPDATE blob_records SET created_at = created_at - 10800");
  CHECK(store.collectGarbage({}, std::chrono::hours(1)).removed.size() == 2);
}

TEST_CASE("in the database, a put inside the caller's transaction commits or rolls back with it",
          "[storage][blob][blobdb][postgresql]") {
  Harness h(true);
  BlobStore& store = h.store();
  std::string content = pattern((1 << 20) + 10, 41);  // two chunks
  auto& session = h.db().session;

  session.begin();
  auto info = store.put(content);
  CHECK(store.readAll(info.hash) == content);  // visible inside the transaction
  session.rollback();
  CHECK_FALSE(store.exists(info.hash));
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 0);

  session.begin();
  store.put(content);
  // The same content again, streamed: its chunks are written, then deleted, not left behind.
  std::istringstream again(content);
  CHECK(store.put(again).hash == info.hash);
  session.commit();
  CHECK(store.readAll(info.hash) == content);
  CHECK(h.count("SELECT COUNT(*) FROM blob_chunks") == 2);
  CHECK(store.collectGarbage({info.hash}).bytesFreed == 0);
}
