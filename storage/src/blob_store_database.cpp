// BlobStore's backend in the metadata database (SQLite or PostgreSQL; schema version 6):
//   blob_records (hash, size, parent_hash, sha256_state, content_key, content_size,
//                 content_sha256, created_at)
//   blob_chunks  (content_key, seq, bytes)
// A version's record names the bytes it adds by content_key: all of its bytes for a full blob,
// the tail for a "parent + tail" version. The key is chosen at random when the write starts (the
// hash is known only at its end), so chunks are written as they come and nothing needs renaming:
// the record, inserted last in the same transaction, is what makes them a blob. A put whose
// version turns out to be stored already is rolled back. Content is never updated; created_at of
// a version put again is moved to now, so that collection counts it as young (see refresh()).
#define OPENSSL_SUPPRESS_DEPRECATED 1  // SHA256_CTX in blob_backend.h
#include <Poco/Data/LOB.h>
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <Poco/Nullable.h>
#include <openssl/rand.h>

#include <map>
#include <vector>

#include "blob_backend.h"
#include "database_impl.h"
#include "sql_support.h"

using namespace Poco::Data::Keywords;

namespace vanthu::storage {
namespace {

using detail::BlobRecord;
using detail::kBufferSize;
using detail::Sha256State;

/// Bytes per row of blob_chunks: a reader holds one chunk at a time.
constexpr size_t kChunkSize = kBufferSize;

Poco::Int64 nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A version put again counts as young for collection from now (metadata only; content rows are
// never changed).
void refreshRecord(Database::Impl& db, const std::string& hash) {
  Poco::Int64 current = nowSeconds();
  db.session << db.sql("UPDATE blob_records SET created_at = ? WHERE hash = ? AND created_at < ?"),
      use(current), bind(hash), use(current), now;
}

std::string randomKey() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    throw Error(ErrorCode::StorageFailure, "cannot draw a random key for a blob being stored");
  }
  return detail::toHex(std::string(reinterpret_cast<char*>(bytes), sizeof bytes));
}

/// Driver failures become StorageFailure naming the operation and the database.
template <typename Work>
auto guarded(const Database::Impl& db, const std::string& what, Work&& work) {
  try {
    return work();
  } catch (const Poco::Exception& e) {
    throw Error(ErrorCode::StorageFailure,
                "cannot " + what + " in the " + db.description + ": " + e.displayText());
  }
}

/// One row of blob_records.
struct Row {
  BlobRecord record;
  std::string contentKey;
  uint64_t contentSize = 0;
  std::string contentSha256;
};

std::optional<Row> findRow(Database::Impl& db, const std::string& hash) {
  return guarded(db, "read the record of blob " + hash, [&]() -> std::optional<Row> {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT size, parent_hash, sha256_state, content_key, content_size,"
        " content_sha256 FROM blob_records WHERE hash = ?"),
        bind(hash);
    select.execute();
    Poco::Data::RecordSet rows(select);
    if (rows.rowCount() == 0) return std::nullopt;
    rows.moveFirst();
    Row row;
    auto damaged = [&](const std::string& why) {
      return Error(ErrorCode::StorageFailure, "the record of blob " + hash + " is damaged (" + why +
                                                  "): blob_records in the " + db.description);
    };
    auto number = [&](size_t column, const char* name) {
      if (rows.value(column).isEmpty()) throw damaged(std::string("no ") + name);
      auto value = rows.value(column).convert<Poco::Int64>();
      if (value < 0) throw damaged(std::string("negative ") + name);
      return static_cast<uint64_t>(value);
    };
    auto text = [&](size_t column) {
      return rows.value(column).isEmpty() ? std::string()
                                          : rows.value(column).convert<std::string>();
    };
    row.record.size = number(0, "size");
    row.record.parent = text(1);
    row.record.state = text(2);
    row.contentKey = text(3);
    row.contentSize = number(4, "content size");
    row.contentSha256 = text(5);
    if (!row.record.parent.empty() && !detail::isHash(row.record.parent)) {
      throw damaged("bad parent hash");
    }
    if (row.record.state.empty() || row.contentKey.empty()) throw damaged("incomplete");
    return row;
  });
}

/// One run of chunks in the order the content is read.
struct Part {
  std::string hash;  // the version whose own bytes these are
  std::string contentKey;
  uint64_t size = 0;
  std::string sha256;
};

class DatabaseWriter : public detail::BlobWriter {
 public:
  explicit DatabaseWriter(Database::Impl& db) : db_(db), key_(randomKey()) {
    buffer_.reserve(kChunkSize);
  }
  ~DatabaseWriter() override {
    if (!open_) return;
    try {
      if (ownsTransaction_) {
        db_.session.rollback();
      } else {
        deleteChunks();
      }
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
  }
  DatabaseWriter(const DatabaseWriter&) = delete;
  DatabaseWriter& operator=(const DatabaseWriter&) = delete;

  BlobInfo commitFull() override {
    std::string hash = own_.hexDigest();
    commit(hash, own_.length(), std::string(), own_.save());
    return {hash, own_.length()};
  }

  BlobInfo commitTail(const std::string& parentHash, const Sha256State& whole) override {
    std::string hash = whole.hexDigest();
    commit(hash, whole.length(), parentHash, whole.save());
    return {hash, whole.length()};
  }

 protected:
  void append(const char* data, size_t size) override {
    while (size > 0) {
      size_t take = std::min(size, kChunkSize - buffer_.size());
      buffer_.append(data, take);
      data += take;
      size -= take;
      if (buffer_.size() == kChunkSize) flush();
    }
  }

 private:
  void begin() {
    if (open_) return;
    guarded(db_, "start storing a blob", [&] {
      ownsTransaction_ = !db_.session.isTransaction();
      if (ownsTransaction_) db_.session.begin();
    });
    open_ = true;
  }

  void flush() {
    if (buffer_.empty()) return;
    begin();
    guarded(db_, "store a blob", [&] {
      Poco::Data::BLOB bytes(reinterpret_cast<const unsigned char*>(buffer_.data()),
                             buffer_.size());
      int seq = seq_;
      db_.session << db_.sql("INSERT INTO blob_chunks (content_key, seq, bytes) VALUES (?, ?, ?)"),
          use(key_), use(seq), use(bytes), now;
    });
    ++seq_;
    buffer_.clear();
  }

  void deleteChunks() {
    db_.session << db_.sql("DELETE FROM blob_chunks WHERE content_key = ?"), use(key_), now;
  }

  /// The record last; a version already stored keeps its record and these chunks go.
  void commit(const std::string& hash, uint64_t size, const std::string& parent,
              const std::string& state) {
    flush();
    begin();
    guarded(db_, "store blob " + hash, [&] {
      Poco::Nullable<std::string> parentHash;
      if (!parent.empty()) parentHash = parent;
      auto total = static_cast<Poco::Int64>(size);
      auto contentSize = static_cast<Poco::Int64>(own_.length());
      std::string contentSha256 = own_.hexDigest();
      Poco::Int64 createdAt = nowSeconds();
      // Another instance may store the same version at the same moment: the first record wins.
      Poco::Data::Statement insert(db_.session);
      insert << db_.sql(
          "INSERT INTO blob_records (hash, size, parent_hash, sha256_state,"
          " content_key, content_size, content_sha256, created_at)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING"),
          bind(hash), use(total), use(parentHash), bind(state), use(key_), use(contentSize),
          use(contentSha256), use(createdAt);
      size_t inserted = insert.execute();
      if (ownsTransaction_) {
        if (inserted == 1) {
          db_.session.commit();
        } else {
          db_.session.rollback();
        }
      } else if (inserted != 1) {
        deleteChunks();
      }
      if (inserted != 1) refreshRecord(db_, hash);
    });
    open_ = false;
  }

  Database::Impl& db_;
  std::string key_;
  std::string buffer_;
  int seq_ = 0;
  bool open_ = false;
  bool ownsTransaction_ = false;
};

/// Reads the parts of a version chunk by chunk, one query per chunk.
struct DatabaseReaderState : BlobReader::State {
  Database::Impl* db = nullptr;
  std::vector<Part> parts;
  size_t index = 0;       // the part being read
  int seq = 0;            // its next chunk
  uint64_t partRead = 0;  // bytes of parts[index] read so far
  std::string chunk;      // the current chunk
  size_t offset = 0;      // what of it has been handed out

  std::string where(const Part& part) const {
    return "chunks " + part.contentKey + " of blob " + part.hash + " in blob_chunks of the " +
           db->description;
  }

  /// The chunk `number` of `part`; false if there is none.
  bool fetch(const Part& part, int number, std::string& bytes) const {
    return guarded(*db, "read blob " + hash, [&] {
      std::vector<Poco::Data::BLOB> rows;
      db->session << db->sql("SELECT bytes FROM blob_chunks WHERE content_key = ? AND seq = ?"),
          into(rows), bind(part.contentKey), bind(number), now;
      if (rows.empty()) return false;
      bytes.assign(reinterpret_cast<const char*>(rows.front().rawContent()), rows.front().size());
      return true;
    });
  }

  size_t readRaw(char* into, size_t capacity) override {
    while (offset == chunk.size()) {
      if (index == parts.size()) return 0;
      const Part& part = parts[index];
      if (partRead == part.size) {
        ++index;
        seq = 0;
        partRead = 0;
        continue;
      }
      if (!fetch(part, seq, chunk)) {
        throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: its " + where(part) +
                                                   " end after " + std::to_string(partRead) +
                                                   " bytes, the record says " +
                                                   std::to_string(part.size) + " (chunk " +
                                                   std::to_string(seq) + " is missing)");
      }
      if (chunk.empty() || chunk.size() > part.size - partRead) {
        throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: chunk " +
                                                   std::to_string(seq) + " of its " + where(part) +
                                                   " holds " + std::to_string(chunk.size()) +
                                                   " bytes, more than the record leaves (" +
                                                   std::to_string(part.size - partRead) + ")");
      }
      ++seq;
      partRead += chunk.size();
      offset = 0;
    }
    size_t n = std::min(capacity, chunk.size() - offset);
    std::memcpy(into, chunk.data() + offset, n);
    offset += n;
    return n;
  }

  [[noreturn]] void reportMismatch(const std::string& found) override {
    // Which part: each carries the SHA-256 of its own bytes (slow, but only on this path).
    std::string damaged;
    for (const auto& part : parts) {
      Sha256State own;
      std::string bytes;
      uint64_t read = 0;
      for (int number = 0; read < part.size && fetch(part, number, bytes); ++number) {
        own.update(bytes.data(), bytes.size());
        read += bytes.size();
      }
      if (own.hexDigest() != part.sha256) damaged += (damaged.empty() ? "" : ", ") + where(part);
    }
    if (damaged.empty()) {
      damaged = "the record of blob " + hash + " in blob_records (its parts are intact)";
    }
    throw Error(ErrorCode::StorageFailure, "blob " + hash + " is damaged: its content hashes to " +
                                               found + "; damaged: " + damaged);
  }
};

class DatabaseBackend : public detail::BlobBackend {
 public:
  explicit DatabaseBackend(Database& database) : db_(database.impl()) {}

  void refresh(const std::string& hash) override {
    guarded(db_, "refresh blob " + hash, [&] { refreshRecord(db_, hash); });
  }

  bool exists(const std::string& hash) const override {
    return guarded(db_, "look up blob " + hash, [&] {
      Poco::Int64 count = 0;
      db_.session << db_.sql("SELECT COUNT(*) FROM blob_records WHERE hash = ?"), into(count),
          bind(hash), now;
      return count > 0;
    });
  }

  bool holdsAny() const override {
    return guarded(db_, "look for any blob", [&] {
      Poco::Int64 count = 0;
      db_.session << "SELECT COUNT(*) FROM (SELECT 1 FROM blob_records LIMIT 1) AS one",
          into(count), now;
      return count > 0;
    });
  }

  BlobRecord load(const std::string& hash) const override { return row(hash).record; }

  std::string recordLocation(const std::string& hash) const override {
    return "the row of blob " + hash + " in blob_records of the " + db_.description;
  }

  std::string contentLocation(const std::string& hash) const override {
    return "the chunks of blob " + hash + " or of its chain in blob_chunks of the " +
           db_.description;
  }

  std::unique_ptr<BlobReader::State> openReader(const std::string& hash,
                                                const BlobRecord& record) const override {
    auto state = std::make_unique<DatabaseReaderState>();
    state->hash = hash;
    state->size = record.size;
    state->db = &db_;
    // From the version up its chain of parents; read in the other order.
    std::string current = hash;
    Row top = row(hash);
    Row at = top;
    uint64_t total = 0;
    // Content addressing rules out cycles; a damaged record could still fake one.
    size_t budget = 1'000'000;
    while (true) {
      state->parts.push_back({current, at.contentKey, at.contentSize, at.contentSha256});
      total += at.contentSize;
      if (!at.record.isLink()) break;
      if (--budget == 0) {
        throw Error(ErrorCode::StorageFailure, "the chain of blob " + hash + " does not end");
      }
      std::optional<Row> parent = findRow(db_, at.record.parent);
      // A version exists only if its whole chain does: a missing part is damage to this
      // version, not a hash the caller got wrong.
      if (!parent) {
        throw Error(ErrorCode::StorageFailure,
                    "blob " + hash + " is damaged: blob " + at.record.parent +
                        " of its chain is missing (referenced by " + recordLocation(current) + ")");
      }
      current = at.record.parent;
      at = *parent;
    }
    if (total != top.record.size) {
      throw Error(ErrorCode::StorageFailure,
                  "blob " + hash + " is damaged: its parts hold " + std::to_string(total) +
                      " bytes, its record says " + std::to_string(top.record.size) + " (" +
                      recordLocation(hash) + ")");
    }
    std::reverse(state->parts.begin(), state->parts.end());
    return state;
  }

  std::unique_ptr<detail::BlobWriter> newWriter() override {
    return std::make_unique<DatabaseWriter>(db_);
  }

  GarbageReport collectGarbage(const std::set<std::string>& referenced,
                               std::chrono::seconds minAge) override {
    struct Entry {
      std::string parent;
      std::string contentKey;
      Poco::Int64 createdAt = 0;
    };
    std::map<std::string, Entry> entries;
    guarded(db_, "list the blobs", [&] {
      Poco::Data::Statement select(db_.session);
      select << "SELECT hash, parent_hash, content_key, created_at FROM blob_records";
      select.execute();
      Poco::Data::RecordSet rows(select);
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        Entry entry;
        if (!rows.value(1).isEmpty()) entry.parent = rows.value(1).convert<std::string>();
        entry.contentKey = rows.value(2).convert<std::string>();
        entry.createdAt = rows.value(3).convert<Poco::Int64>();
        entries[rows.value(0).convert<std::string>()] = entry;
      }
    });

    // Mark: the referenced versions, and every version too young to be referenced yet, with
    // their chains.
    Poco::Int64 current = nowSeconds();
    std::vector<std::string> pending(referenced.begin(), referenced.end());
    for (const auto& [hash, entry] : entries) {
      if (current - entry.createdAt < minAge.count()) pending.push_back(hash);
    }
    std::set<std::string> live;
    while (!pending.empty()) {
      std::string hash = std::move(pending.back());
      pending.pop_back();
      auto found = entries.find(hash);
      if (found == entries.end() || !live.insert(hash).second) continue;
      if (!found->second.parent.empty()) pending.push_back(found->second.parent);
    }

    // Sweep, one version per transaction: its record and its chunks go together.
    GarbageReport report;
    for (const auto& [hash, entry] : entries) {
      if (live.count(hash)) continue;
      guarded(db_, "remove blob " + hash, [&, &hash = hash, &entry = entry] {
        db_.session.begin();
        try {
          Poco::Int64 bytes = 0;
          db_.session << db_.sql(
              "SELECT COALESCE(SUM(LENGTH(bytes)), 0) FROM blob_chunks"
              " WHERE content_key = ?"),
              into(bytes), bind(entry.contentKey), now;
          db_.session << db_.sql("DELETE FROM blob_records WHERE hash = ?"), bind(hash), now;
          db_.session << db_.sql("DELETE FROM blob_chunks WHERE content_key = ?"),
              bind(entry.contentKey), now;
          db_.session.commit();
          report.bytesFreed += static_cast<uint64_t>(bytes);
        } catch (...) {
          if (db_.session.isTransaction()) sql::rollbackQuietly(db_.session);
          throw;
        }
      });
      report.removed.push_back(hash);
    }
    // Chunks no record names: a write that joined a caller's transaction that then failed
    // half-way. A write under way in another connection is not visible here.
    guarded(db_, "remove chunks without a record", [&] {
      const char* orphans =
          " FROM blob_chunks WHERE content_key NOT IN (SELECT content_key FROM blob_records)";
      db_.session.begin();
      try {
        Poco::Int64 bytes = 0;
        db_.session << std::string("SELECT COALESCE(SUM(LENGTH(bytes)), 0)") + orphans, into(bytes),
            now;
        db_.session << std::string("DELETE") + orphans, now;
        db_.session.commit();
        report.bytesFreed += static_cast<uint64_t>(bytes);
      } catch (...) {
        if (db_.session.isTransaction()) sql::rollbackQuietly(db_.session);
        throw;
      }
    });
    return report;
  }

 private:
  Row row(const std::string& hash) const {
    std::optional<Row> found = findRow(db_, hash);
    if (!found) {
      throw Error(ErrorCode::NotFound, "no blob " + hash + " in the " + db_.description);
    }
    return *found;
  }

  Database::Impl& db_;
};

}  // namespace

BlobStore BlobStore::inDatabase(Database& database) {
  return BlobStore(std::make_shared<DatabaseBackend>(database));
}

}  // namespace vanthu::storage
