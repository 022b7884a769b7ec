#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "database_impl.h"
#include "vanthu/storage/atomic_file.h"
#include "vanthu/storage/merkle_tree.h"
#include "vanthu/storage/sql_audit_log.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {

using workflow::AuditCheckpoint;
using workflow::AuditEntry;

// ---------------------------------------------------------------------------------------------
// The instance key
// ---------------------------------------------------------------------------------------------

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return length > 0 ? std::string(data, static_cast<size_t>(length)) : std::string();
}

std::string publicPemOf(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    throw Error(ErrorCode::CryptoFailure, "cannot encode the audit public key");
  }
  return bioText(bio.get());
}

std::string keyIdOf(EVP_PKEY* key) {
  int length = i2d_PUBKEY(key, nullptr);
  if (length <= 0) throw Error(ErrorCode::CryptoFailure, "cannot encode the audit public key");
  std::string der(static_cast<size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  i2d_PUBKEY(key, &out);
  return merkle::toHex(merkle::sha256(der));
}

// Reads a private or a public key from PEM text; null when there is none.
PkeyPtr keyFromPem(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return nullptr;
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (key) return key;
  BioPtr again(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PUBKEY(again.get(), nullptr, nullptr, nullptr));
}

std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `text` to a new file with `mode`; false when the file already exists (another process
// won the race to create the key: use theirs).
bool createFileExclusive(const std::filesystem::path& path, const std::string& text, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw Error(ErrorCode::IoFailure,
                "cannot create " + path.string() + ": " + std::strerror(errno));
  }
  size_t written = 0;
  bool ok = true;
  while (ok && written < text.size()) {
    ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  // The key signs checkpoints others keep: losing it after a crash would orphan them.
  ok = ok && ::fsync(fd) == 0;
  int error = errno;
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(path);
    throw Error(ErrorCode::IoFailure,
                "cannot write " + path.string() + ": " + std::strerror(error));
  }
  return true;
}

}  // namespace

struct AuditSigningKey::Impl {
  PkeyPtr key;
  std::string publicPem;
  std::string keyId;
};

AuditSigningKey::AuditSigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditSigningKey::~AuditSigningKey() = default;

std::unique_ptr<AuditSigningKey> AuditSigningKey::loadOrCreate(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  auto parent = path.parent_path();
  if (!std::filesystem::exists(path)) {
    std::error_code error;
    if (!parent.empty() && !std::filesystem::exists(parent)) {
      std::filesystem::create_directories(parent, error);
      if (error) {
        throw Error(ErrorCode::IoFailure,
                    "cannot create " + parent.string() + ": " + error.message());
      }
      std::filesystem::permissions(parent, std::filesystem::perms::owner_all, error);
      if (parent.has_parent_path()) syncDirectory(parent.parent_path());
    }
    PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!key || !bio ||
        PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) !=
            1) {
      throw Error(ErrorCode::CryptoFailure, "cannot generate the audit instance key");
    }
    // Complete on disk before it has its name: written and synced under a temporary name, then
    // linked into place (exclusive: of two starting instances, one key wins). A crash can leave
    // a stray temporary file, never an empty or half key under the real name.
    // The public half goes first, so that a private key on disk always has its public half
    // beside it (for whoever checks checkpoints), whenever a crash comes.
    auto publicPath = path;
    publicPath.replace_extension(".pub.pem");
    writeFileAtomically(publicPath, publicPemOf(key.get()), 0644);
    auto temporary = path;
    temporary += ".tmp." + std::to_string(::getpid());
    std::filesystem::remove(temporary, error);
    createFileExclusive(temporary, bioText(bio.get()), 0600);
    if (::link(temporary.c_str(), path.c_str()) != 0 && errno != EEXIST) {
      int reason = errno;
      std::filesystem::remove(temporary, error);
      throw Error(ErrorCode::IoFailure,
                  "cannot create " + path.string() + ": " + std::strerror(reason));
    }
    std::filesystem::remove(temporary, error);
    syncDirectory(parent.empty() ? std::filesystem::path(".") : parent);
  }
  std::string pem = readWholeFile(path);
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  impl->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!impl->key || EVP_PKEY_get_id(impl->key.get()) != EVP_PKEY_ED25519) {
    throw Error(ErrorCode::CryptoFailure,
                path.string() + " does not hold an Ed25519 private key in PEM");
  }
  impl->publicPem = publicPemOf(impl->key.get());
  impl->keyId = keyIdOf(impl->key.get());
  // The public half next to it, for whoever checks checkpoints; not secret. Rewritten when it is
  // missing (keys made before it was written first) or is another key's (two instances that
  // started at once: the one whose key lost the race wrote its own public half first).
  auto publicPath = path;
  publicPath.replace_extension(".pub.pem");
  if (!std::filesystem::exists(publicPath) || readWholeFile(publicPath) != impl->publicPem) {
    writeFileAtomically(publicPath, impl->publicPem, 0644);
    syncDirectory(parent.empty() ? std::filesystem::path(".") : parent);
  }
  return std::unique_ptr<AuditSigningKey>(new AuditSigningKey(std::move(impl)));
}

const std::string& AuditSigningKey::publicKeyPem() const {
  return impl_->publicPem;
}

const std::string& AuditSigningKey::keyId() const {
  return impl_->keyId;
}

std::string AuditSigningKey::sign(const std::string& message) const {
  MdContextPtr context(EVP_MD_CTX_new());
  std::string signature(64, '\0');
  size_t length = signature.size();
  // Ed25519 is "pure": no separate digest, hence the null EVP_MD.
  if (!context ||
      EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, impl_->key.get()) != 1 ||
      EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    throw Error(ErrorCode::CryptoFailure, "signing the audit checkpoint failed");
  }
  signature.resize(length);
  return signature;
}

std::string auditKeyIdOfPem(const std::string& pem) {
  PkeyPtr key = keyFromPem(pem);
  if (!key) throw Error(ErrorCode::CryptoFailure, "no key in the PEM text");
  return keyIdOf(key.get());
}

std::filesystem::path auditKeyPath(const std::filesystem::path& dataDir) {
  return dataDir / "keys" / "audit-instance.pem";
}

std::string signedTreeHeadBytes(uint64_t timestampMs, uint64_t treeSize,
                                const std::string& rootHashHex) {
  merkle::Hash root{};
  if (!merkle::fromHex(rootHashHex, root)) {
    throw Error(ErrorCode::InvalidArgument, "root hash is not 64 hex digits");
  }
  std::string out;
  auto put64 = [&out](uint64_t value) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
  };
  put64(timestampMs);
  put64(treeSize);
  out.push_back(static_cast<char>(root.size()));
  out.append(reinterpret_cast<const char*>(root.data()), root.size());
  out.append(2, '\0');  // no extensions
  return out;
}

namespace {

bool fromHexText(const std::string& hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned value = 0;
    for (size_t j = 0; j < 2; ++j) {
      char c = hex[i + j];
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else {
        return false;
      }
      value = value * 16 + digit;
    }
    out.push_back(static_cast<char>(value));
  }
  return true;
}

std::string toHexText(const std::string& bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char byte : bytes) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0f]);
  }
  return out;
}

}  // namespace

bool verifyCheckpointSignature(const AuditCheckpoint& checkpoint, const std::string& publicKeyPem) {
  PkeyPtr key = keyFromPem(publicKeyPem);
  std::string signature;
  merkle::Hash root{};
  if (!key || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519 ||
      !fromHexText(checkpoint.signature, signature) ||
      !merkle::fromHex(checkpoint.rootHash, root)) {
    return false;
  }
  std::string message =
      signedTreeHeadBytes(checkpoint.timestampMs, checkpoint.treeSize, checkpoint.rootHash);
  MdContextPtr context(EVP_MD_CTX_new());
  return context &&
         EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string checkpointTimestampData(const AuditCheckpoint& checkpoint) {
  std::string signature;
  if (!fromHexText(checkpoint.signature, signature)) {
    throw Error(ErrorCode::InvalidArgument, "the checkpoint's signature is not hex");
  }
  return signedTreeHeadBytes(checkpoint.timestampMs, checkpoint.treeSize, checkpoint.rootHash) +
         signature;
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

std::string canonicalAuditEntry(const AuditEntry& entry) {
  merkle::Hash previous{};
  if (!merkle::fromHex(entry.previousHash, previous)) {
    throw Error(ErrorCode::InvalidArgument, "previous hash is not 64 hex digits");
  }
  std::string out = "vanthu-audit-v1";
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(entry.sequence >> shift));
  }
  out.append(reinterpret_cast<const char*>(previous.data()), previous.size());
  for (const std::string* field :
       {&entry.time, &entry.actor, &entry.organisationId, &entry.documentId, &entry.action,
        &entry.details, &entry.clientAddress}) {
    auto length = static_cast<uint32_t>(field->size());
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(length >> shift));
    out.append(*field);
  }
  return out;
}

namespace {

constexpr size_t kMaxProblems = 50;
constexpr Poco::Int64 kVerifyBatch = 2000;
const std::string kZeroHash(64, '0');

std::string text(RecordSet& rows, size_t column) {
  return rows.value(column).isEmpty() ? std::string() : rows.value(column).convert<std::string>();
}

uint64_t number(RecordSet& rows, size_t column) {
  return static_cast<uint64_t>(rows.value(column).convert<Poco::Int64>());
}

std::string isoTimeNow(uint64_t milliseconds) {
  std::time_t seconds = static_cast<std::time_t>(milliseconds / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  char result[48];
  std::snprintf(result, sizeof result, "%s.%03uZ", buffer,
                static_cast<unsigned>(milliseconds % 1000));
  return result;
}

uint64_t nowMs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

AuditEntry readEntry(RecordSet& rows) {
  AuditEntry entry;
  entry.sequence = number(rows, 0);
  entry.time = text(rows, 1);
  entry.actor = text(rows, 2);
  entry.organisationId = text(rows, 3);
  entry.documentId = text(rows, 4);
  entry.action = text(rows, 5);
  entry.details = text(rows, 6);
  entry.clientAddress = text(rows, 7);
  entry.previousHash = text(rows, 8);
  entry.hash = text(rows, 9);
  return entry;
}

constexpr const char* kEntryColumns =
    "SELECT sequence, time, actor, organisation_id, document_id, action, details, client_address,"
    " previous_hash, entry_hash, leaf_hash FROM audit_entries ";

AuditCheckpoint readCheckpoint(RecordSet& rows) {
  AuditCheckpoint checkpoint;
  checkpoint.treeSize = number(rows, 0);
  checkpoint.rootHash = text(rows, 1);
  checkpoint.timestampMs = number(rows, 2);
  checkpoint.signature = text(rows, 3);
  checkpoint.keyId = text(rows, 4);
  return checkpoint;
}

constexpr const char* kCheckpointColumns =
    "SELECT tree_size, root_hash, timestamp_ms, signature, key_id FROM audit_checkpoints ";

// Runs `work` in one write transaction. IMMEDIATE takes the write lock up front, so two writers
// never both read the same last entry and fork the chain. Joins a transaction already open on
// the session (the caller's unit of work, e.g. a document action and its audit entry).
// `workLocks`: `work` takes the PostgreSQL table lock itself (appendAll, which reads the last
// entry in the same round trip).
template <typename Work>
auto inWriteTransaction(Database::Impl& db, Work&& work, bool workLocks = false) {
  auto& session = db.session;
  bool postgres = db.dialect == Dialect::Postgresql;
  bool own = !session.isTransaction();
  if (own) {
    if (postgres) {
      session.begin();
    } else {
      session << "BEGIN IMMEDIATE", now;
    }
  }
  try {
    // PostgreSQL: the table lock plays IMMEDIATE's part (appends queue, readers go on); taken
    // also inside a caller's transaction, so that no two writers fork the chain.
    if (postgres && !workLocks) {
      PreparedQuery(db.statements(), "LOCK TABLE audit_entries IN EXCLUSIVE MODE",
                    "locking the audit log")
          .execute();
    }
    auto result = work();
    if (own) {
      if (postgres) {
        session.commit();
      } else {
        session << "COMMIT", now;
      }
    }
    return result;
  } catch (...) {
    if (own) {
      try {
        if (postgres) {
          session.rollback();
        } else {
          session << "ROLLBACK", now;
        }
      } catch (const Poco::Exception&) {
        // The original failure is the one worth reporting.
      }
    }
    throw;
  }
}

}  // namespace

SqlAuditLog::SqlAuditLog(Database& database, std::shared_ptr<const AuditSigningKey> signingKey,
                         SqlAuditLogOptions options)
    : database_(database), signingKey_(std::move(signingKey)), options_(std::move(options)) {}

namespace {

// Reads with counters; all SQL here is parameterised.
class Reader {
 public:
  Reader(Database::Impl& db, SqlAuditLogStats& stats)
      : session_(db.session), dialect_(db.dialect), stats_(stats) {}

  RecordSet select(const std::string& sql,
                   std::initializer_list<Poco::Data::AbstractBinding::Ptr> bindings = {}) {
    Poco::Data::Statement statement(session_);
    statement << adaptSql(sql, dialect_);
    for (const auto& binding : bindings) statement.addBind(binding);
    statement.execute();
    RecordSet rows(statement);
    ++stats_.queries;
    stats_.rowsRead += rows.rowCount();
    return rows;
  }

  merkle::Hash node(unsigned level, uint64_t index) {
    auto rows =
        select("SELECT hash FROM audit_nodes WHERE level = ? AND idx = ?",
               {bind(static_cast<Poco::Int64>(level)), bind(static_cast<Poco::Int64>(index))});
    merkle::Hash hash{};
    if (rows.rowCount() != 1 || !merkle::fromHex(text(rows, 0), hash)) {
      throw Error(ErrorCode::StorageFailure, "audit tree node (level " + std::to_string(level) +
                                                 ", index " + std::to_string(index) +
                                                 ") is missing or malformed");
    }
    return hash;
  }

  merkle::NodeReader nodeReader() {
    return [this](unsigned level, uint64_t index) { return node(level, index); };
  }

  /// A reader over the nodes `plan` asks for, fetched in one SELECT. Which nodes a proof reads
  /// follows from the indices alone, never from hash values, so `plan` is run once with
  /// placeholder hashes to learn them; one round trip instead of one per node (on PostgreSQL
  /// each statement costs a fraction of a millisecond).
  merkle::NodeReader prefetched(const std::function<void(const merkle::NodeReader&)>& plan) {
    std::set<std::pair<unsigned, uint64_t>> wanted;
    plan([&wanted](unsigned level, uint64_t index) {
      wanted.insert({level, index});
      return merkle::Hash{};
    });
    auto fetched = std::make_shared<std::map<std::pair<unsigned, uint64_t>, merkle::Hash>>();
    if (!wanted.empty()) {
      std::string sql = "SELECT level, idx, hash FROM audit_nodes WHERE ";
      Poco::Data::Statement statement(session_);
      for (size_t i = 0; i < wanted.size(); ++i) {
        sql += i == 0 ? "(level = ? AND idx = ?)" : " OR (level = ? AND idx = ?)";
      }
      statement << adaptSql(sql, dialect_);
      for (const auto& [level, index] : wanted) {
        statement.addBind(bind(static_cast<Poco::Int64>(level)));
        statement.addBind(bind(static_cast<Poco::Int64>(index)));
      }
      statement.execute();
      RecordSet rows(statement);
      ++stats_.queries;
      stats_.rowsRead += rows.rowCount();
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        merkle::Hash hash{};
        if (merkle::fromHex(text(rows, 2), hash)) {
          (*fetched)[{static_cast<unsigned>(number(rows, 0)), number(rows, 1)}] = hash;
        }
      }
    }
    return [fetched](unsigned level, uint64_t index) {
      auto found = fetched->find({level, index});
      if (found == fetched->end()) {
        throw Error(ErrorCode::StorageFailure, "audit tree node (level " + std::to_string(level) +
                                                   ", index " + std::to_string(index) +
                                                   ") is missing or malformed");
      }
      return found->second;
    };
  }

  /// Entries in the log (the last sequence + 1: sequences are dense from 0).
  uint64_t size() {
    auto rows = select("SELECT sequence FROM audit_entries ORDER BY sequence DESC LIMIT 1");
    return rows.rowCount() == 0 ? 0 : number(rows, 0) + 1;
  }

 private:
  Poco::Data::Session& session_;
  Dialect dialect_;
  SqlAuditLogStats& stats_;
};

// The statements every append runs (several per workflow action) are kept prepared on the
// connection, and an append makes few of them: on PostgreSQL each is a round trip taken while
// every other append waits for the table lock. The rest of the log's SQL goes through Poco.

constexpr const char* kLastEntry =
    "SELECT sequence, entry_hash FROM audit_entries ORDER BY sequence DESC LIMIT 1";

/// The stored nodes at `wanted` (level, index), in one SELECT.
std::map<std::pair<unsigned, uint64_t>, merkle::Hash> storedNodes(
    Database::Impl& db, SqlAuditLogStats& stats,
    const std::vector<std::pair<unsigned, uint64_t>>& wanted) {
  std::map<std::pair<unsigned, uint64_t>, merkle::Hash> found;
  if (wanted.empty()) return found;
  std::string sql = "SELECT level, idx, hash FROM audit_nodes WHERE ";
  for (size_t i = 0; i < wanted.size(); ++i) {
    sql += i == 0 ? "(level = ? AND idx = ?)" : " OR (level = ? AND idx = ?)";
  }
  PreparedQuery select(db.statements(), sql, "appending to the audit log");
  for (const auto& [level, index] : wanted) {
    select.bind(int64_t{level}).bind(static_cast<int64_t>(index));
  }
  ++stats.queries;
  while (select.next()) {
    ++stats.rowsRead;
    merkle::Hash hash{};
    if (merkle::fromHex(select.text(2), hash)) {
      found[{static_cast<unsigned>(select.integer(0)), static_cast<uint64_t>(select.integer(1))}] =
          hash;
    }
  }
  for (const auto& key : wanted) {
    if (found.count(key) == 0) {
      throw Error(ErrorCode::StorageFailure, "audit tree node (level " + std::to_string(key.first) +
                                                 ", index " + std::to_string(key.second) +
                                                 ") is missing or malformed");
    }
  }
  return found;
}

/// Stores `entry` and the tree nodes its leaf completes. PostgreSQL takes both in one statement
/// (a data-modifying WITH); SQLite, where a statement costs no round trip, in two.
void insertEntry(Database::Impl& db, const AuditEntry& entry, const std::string& leafHex,
                 const std::vector<merkle::Node>& nodes) {
  const bool postgres = db.dialect == Dialect::Postgresql;
  std::string entrySql =
      "INSERT INTO audit_entries (sequence, time, actor, organisation_id, document_id, action,"
      " details, client_address, previous_hash, entry_hash, leaf_hash)"
      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
  std::string nodesSql = "INSERT INTO audit_nodes (level, idx, hash) VALUES ";
  for (size_t i = 0; i < nodes.size(); ++i) nodesSql += i == 0 ? "(?, ?, ?)" : ", (?, ?, ?)";
  auto bindEntry = [&](PreparedQuery& insert) {
    insert.bind(static_cast<int64_t>(entry.sequence))
        .bind(entry.time)
        .bind(entry.actor)
        .bind(entry.organisationId)
        .bind(entry.documentId)
        .bind(entry.action)
        .bind(entry.details)
        .bind(entry.clientAddress)
        .bind(entry.previousHash)
        .bind(entry.hash)
        .bind(leafHex);
  };
  auto bindNodes = [&](PreparedQuery& insert) {
    for (const auto& node : nodes) {
      insert.bind(int64_t{node.level})
          .bind(static_cast<int64_t>(node.index))
          .bind(merkle::toHex(node.hash));
    }
  };
  if (postgres) {
    PreparedQuery insert(db.statements(), "WITH entry AS (" + entrySql + ") " + nodesSql,
                         "appending to the audit log");
    bindEntry(insert);
    bindNodes(insert);
    insert.execute();
    return;
  }
  PreparedQuery insertOne(db.statements(), entrySql, "appending to the audit log");
  bindEntry(insertOne);
  insertOne.execute();
  PreparedQuery insertNodes(db.statements(), nodesSql, "appending to the audit log");
  bindNodes(insertNodes);
  insertNodes.execute();
}
template <typename Read>
auto guarded(const Database::Impl& db, const std::string& what, Read&& read) {
  try {
    return read();
  } catch (const Poco::Exception& e) {
    // Names the database (never its password), so that "database or disk is full" says which.
    throw Error(ErrorCode::StorageFailure,
                what + " in " + db.description + " failed: " + e.displayText());
  }
}

}  // namespace

AuditEntry SqlAuditLog::append(AuditEntry entry) {
  return appendAll({std::move(entry)}).front();
}

std::vector<AuditEntry> SqlAuditLog::appendAll(std::vector<AuditEntry> entries) {
  auto& db = database_.impl();
  std::vector<AuditCheckpoint> made;
  auto stored = guarded(db, "appending to the audit log", [&] {
    return inWriteTransaction(
        db,
        [&] {
          uint64_t size = 0;
          std::string previous = kZeroHash;
          {
            // PostgreSQL: the lock and the read in one round trip; the read, a statement of its
            // own, sees every append committed before the lock was granted.
            auto last =
                db.dialect == Dialect::Postgresql
                    ? PreparedQuery(
                          db.statements(), PreparedQuery::Batch{},
                          std::string("LOCK TABLE audit_entries IN EXCLUSIVE MODE; ") + kLastEntry,
                          "appending to the audit log")
                    : PreparedQuery(db.statements(), kLastEntry, "appending to the audit log");
            ++stats_.queries;
            if (last.next()) {
              ++stats_.rowsRead;
              size = static_cast<uint64_t>(last.integer(0)) + 1;
              previous = last.text(1);
            }
          }
          for (auto& entry : entries) {
            uint64_t timestamp = nowMs();
            if (entry.time.empty()) entry.time = isoTimeNow(timestamp);
            entry.sequence = size;
            entry.previousHash = previous;
            std::string canonical = canonicalAuditEntry(entry);
            entry.hash = merkle::toHex(merkle::sha256(canonical));
            merkle::Hash leaf = merkle::leafHash(canonical);
            // Every complete subtree this leaf finishes is stored: its left neighbours at each
            // level are already stored (which ones follows from the index alone, so they are read
            // in one SELECT), O(1) rows amortised and O(log n) at worst.
            std::vector<std::pair<unsigned, uint64_t>> wanted;
            for (merkle::Node at{0, size, {}}; at.index % 2 == 1;
                 at = {at.level + 1, at.index / 2, {}}) {
              wanted.emplace_back(at.level, at.index - 1);
            }
            auto left = storedNodes(db, stats_, wanted);
            std::vector<merkle::Node> nodes{{0, size, leaf}};
            while (nodes.back().index % 2 == 1) {
              const auto& node = nodes.back();
              merkle::Hash sibling = left.at({node.level, node.index - 1});
              nodes.push_back(
                  {node.level + 1, node.index / 2, merkle::nodeHash(sibling, node.hash)});
            }
            insertEntry(db, entry, merkle::toHex(leaf), nodes);
            ++size;
            previous = entry.hash;
            if (options_.checkpointEvery != 0 && size % options_.checkpointEvery == 0 &&
                signingKey_) {
              made.push_back(checkpointLocked(timestamp));
            }
          }
          return entries;
        },
        true);
  });
  if (options_.onCheckpoint) {
    for (const auto& checkpoint : made) options_.onCheckpoint(checkpoint);
  }
  return stored;
}

uint64_t SqlAuditLog::size() {
  return guarded(database_.impl(), "reading the audit log size",
                 [&] { return Reader(database_.impl(), stats_).size(); });
}

std::optional<AuditEntry> SqlAuditLog::entry(uint64_t sequence) {
  return guarded(database_.impl(), "reading audit entry " + std::to_string(sequence), [&] {
    Reader reader(database_.impl(), stats_);
    auto rows = reader.select(std::string(kEntryColumns) + "WHERE sequence = ?",
                              {bind(static_cast<Poco::Int64>(sequence))});
    if (rows.rowCount() == 0) return std::optional<AuditEntry>();
    return std::optional<AuditEntry>(readEntry(rows));
  });
}

std::vector<AuditEntry> SqlAuditLog::entriesOfDocument(const std::string& documentId) {
  return guarded(database_.impl(), "reading the audit entries of document " + documentId, [&] {
    Reader reader(database_.impl(), stats_);
    auto rows = reader.select(
        std::string(kEntryColumns) + "WHERE document_id = ? ORDER BY sequence", {bind(documentId)});
    std::vector<AuditEntry> entries;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      entries.push_back(readEntry(rows));
    }
    return entries;
  });
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and proofs
// ---------------------------------------------------------------------------------------------

AuditCheckpoint SqlAuditLog::checkpoint() {
  if (!signingKey_) {
    throw Error(ErrorCode::CryptoFailure, "no audit signing key: cannot sign a checkpoint");
  }
  auto made = guarded(database_.impl(), "signing an audit checkpoint", [&] {
    return inWriteTransaction(database_.impl(), [&] { return checkpointLocked(nowMs()); });
  });
  if (options_.onCheckpoint) options_.onCheckpoint(made);
  return made;
}

AuditCheckpoint SqlAuditLog::checkpointLocked(uint64_t timestampMs) {
  auto& session = database_.impl().session;
  Reader reader(database_.impl(), stats_);
  AuditCheckpoint checkpoint;
  checkpoint.treeSize = reader.size();
  checkpoint.rootHash = merkle::toHex(merkle::rootHash(checkpoint.treeSize, reader.nodeReader()));
  checkpoint.timestampMs = timestampMs;
  checkpoint.signature = toHexText(signingKey_->sign(
      signedTreeHeadBytes(checkpoint.timestampMs, checkpoint.treeSize, checkpoint.rootHash)));
  checkpoint.keyId = signingKey_->keyId();
  // The public key goes into the database once, so the log names every key that signed it.
  session << database_.impl().sql(
      "INSERT INTO audit_keys (key_id, public_key_pem, added_at)"
      " VALUES (?, ?, CURRENT_TIMESTAMP) ON CONFLICT (key_id) DO NOTHING"),
      bind(checkpoint.keyId), bind(signingKey_->publicKeyPem()), now;
  Poco::Int64 size = static_cast<Poco::Int64>(checkpoint.treeSize);
  Poco::Int64 timestamp = static_cast<Poco::Int64>(checkpoint.timestampMs);
  session << database_.impl().sql(
      "INSERT INTO audit_checkpoints (tree_size, root_hash, timestamp_ms, signature,"
      " key_id) VALUES (?, ?, ?, ?, ?)"),
      bind(size), bind(checkpoint.rootHash), bind(timestamp), bind(checkpoint.signature),
      bind(checkpoint.keyId), now;
  return checkpoint;
}

std::optional<AuditCheckpoint> SqlAuditLog::latestCheckpoint() {
  return guarded(database_.impl(), "reading the latest audit checkpoint", [&] {
    Reader reader(database_.impl(), stats_);
    auto rows = reader.select(std::string(kCheckpointColumns) + "ORDER BY id DESC LIMIT 1");
    if (rows.rowCount() == 0) return std::optional<AuditCheckpoint>();
    return std::optional<AuditCheckpoint>(readCheckpoint(rows));
  });
}

std::vector<AuditCheckpoint> SqlAuditLog::checkpoints() {
  return guarded(database_.impl(), "reading the audit checkpoints", [&] {
    Reader reader(database_.impl(), stats_);
    auto rows = reader.select(std::string(kCheckpointColumns) + "ORDER BY id");
    std::vector<AuditCheckpoint> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      all.push_back(readCheckpoint(rows));
    }
    return all;
  });
}

void SqlAuditLog::addCheckpointTimestamp(const AuditCheckpoint& checkpoint,
                                         const std::string& tokenDer, const std::string& genTime,
                                         const std::string& authority) {
  if (tokenDer.empty()) throw Error(ErrorCode::InvalidArgument, "an empty time-stamp token");
  guarded(database_.impl(), "storing an audit checkpoint time-stamp", [&] {
    Reader reader(database_.impl(), stats_);
    Poco::Int64 size = static_cast<Poco::Int64>(checkpoint.treeSize);
    auto rows = reader.select(
        "SELECT COUNT(*) FROM audit_checkpoints WHERE tree_size = ? AND signature = ?",
        {bind(size), bind(checkpoint.signature)});
    if (number(rows, 0) == 0) {
      throw Error(ErrorCode::NotFound, "no checkpoint at tree size " +
                                           std::to_string(checkpoint.treeSize) +
                                           " with that signature is stored");
    }
    database_.impl().session << database_.impl().sql(
        "INSERT INTO audit_checkpoint_timestamps (tree_size, checkpoint_signature, token,"
        " gen_time, authority) VALUES (?, ?, ?, ?, ?)"),
        bind(size), bind(checkpoint.signature), bind(toHexText(tokenDer)), bind(genTime),
        bind(authority), now;
    return 0;
  });
}

std::vector<AuditCheckpointTimestamp> SqlAuditLog::checkpointTimestamps() {
  return guarded(database_.impl(), "reading the audit checkpoint time-stamps", [&] {
    Reader reader(database_.impl(), stats_);
    auto rows = reader.select(
        "SELECT tree_size, checkpoint_signature, token, gen_time, authority"
        " FROM audit_checkpoint_timestamps ORDER BY id");
    std::vector<AuditCheckpointTimestamp> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      AuditCheckpointTimestamp stamp;
      stamp.treeSize = number(rows, 0);
      stamp.checkpointSignature = text(rows, 1);
      if (!fromHexText(text(rows, 2), stamp.tokenDer)) stamp.tokenDer.clear();
      stamp.genTime = text(rows, 3);
      stamp.authority = text(rows, 4);
      all.push_back(std::move(stamp));
    }
    return all;
  });
}

std::vector<AuditCheckpoint> SqlAuditLog::checkpointsWithoutTimestamp() {
  return guarded(database_.impl(), "reading the audit checkpoints without a time-stamp", [&] {
    Reader reader(database_.impl(), stats_);
    auto rows =
        reader.select(std::string(kCheckpointColumns) +
                      "c WHERE NOT EXISTS (SELECT 1 FROM audit_checkpoint_timestamps t"
                      " WHERE t.tree_size = c.tree_size AND t.checkpoint_signature = c.signature)"
                      " ORDER BY id");
    std::vector<AuditCheckpoint> all;
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      all.push_back(readCheckpoint(rows));
    }
    return all;
  });
}

Result<workflow::AuditInclusionProof> SqlAuditLog::inclusionProof(uint64_t sequence,
                                                                  uint64_t treeSize) {
  return guarded(database_.impl(), "building an audit inclusion proof",
                 [&]() -> Result<workflow::AuditInclusionProof> {
                   Reader reader(database_.impl(), stats_);
                   uint64_t size = reader.size();
                   if (treeSize == 0 || treeSize > size) {
                     return Status::invalidArgument("tree size " + std::to_string(treeSize) +
                                                    " is not in 1.." + std::to_string(size));
                   }
                   if (sequence >= treeSize) {
                     return Status::notFound("audit entry " + std::to_string(sequence) +
                                             " is not in the tree of size " +
                                             std::to_string(treeSize));
                   }
                   workflow::AuditInclusionProof proof;
                   proof.leafIndex = sequence;
                   proof.treeSize = treeSize;
                   auto read = reader.prefetched([&](const merkle::NodeReader& plan) {
                     plan(0, sequence);
                     merkle::inclusionProof(sequence, treeSize, plan);
                   });
                   proof.leafHash = merkle::toHex(read(0, sequence));
                   for (const auto& hash : merkle::inclusionProof(sequence, treeSize, read)) {
                     proof.path.push_back(merkle::toHex(hash));
                   }
                   return proof;
                 });
}

Result<workflow::AuditConsistencyProof> SqlAuditLog::consistencyProof(uint64_t first,
                                                                      uint64_t second) {
  return guarded(database_.impl(), "building an audit consistency proof",
                 [&]() -> Result<workflow::AuditConsistencyProof> {
                   Reader reader(database_.impl(), stats_);
                   uint64_t size = reader.size();
                   if (first == 0 || first > second || second > size) {
                     return Status::invalidArgument(
                         "consistency proof needs 0 < first <= second <= " + std::to_string(size) +
                         ", got " + std::to_string(first) + " and " + std::to_string(second));
                   }
                   workflow::AuditConsistencyProof proof;
                   proof.firstSize = first;
                   proof.secondSize = second;
                   auto read = reader.prefetched([&](const merkle::NodeReader& plan) {
                     merkle::consistencyProof(first, second, plan);
                   });
                   for (const auto& hash : merkle::consistencyProof(first, second, read)) {
                     proof.path.push_back(merkle::toHex(hash));
                   }
                   return proof;
                 });
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

namespace {

class Verification {
 public:
  explicit Verification(workflow::AuditVerification& result) : result_(result) {}

  void entryProblem(uint64_t sequence, const std::string& what) {
    if (!result_.firstBrokenEntry || sequence < *result_.firstBrokenEntry) {
      result_.firstBrokenEntry = sequence;
    }
    add("entry " + std::to_string(sequence) + ": " + what);
  }
  void checkpointProblem(uint64_t treeSize, const std::string& what) {
    if (!result_.firstBrokenCheckpoint) result_.firstBrokenCheckpoint = treeSize;
    add("checkpoint at tree size " + std::to_string(treeSize) + ": " + what);
  }
  void add(std::string line) {
    if (result_.problems.size() < kMaxProblems) result_.problems.push_back(std::move(line));
  }

 private:
  workflow::AuditVerification& result_;
};

}  // namespace

workflow::AuditVerification SqlAuditLog::verify() {
  return verifyLog(false);
}

workflow::AuditVerification SqlAuditLog::verifySinceLatestCheckpoint() {
  return verifyLog(true);
}

workflow::AuditVerification SqlAuditLog::verifyLog(bool sinceLatestCheckpoint) {
  workflow::AuditVerification result;
  Verification report(result);
  auto& session = database_.impl().session;
  guarded(database_.impl(), "verifying the audit log", [&] {
    // One read transaction: a consistent snapshot even while the server keeps appending.
    bool own = !session.isTransaction();
    bool postgres = database_.impl().dialect == Dialect::Postgresql;
    if (own) {
      if (postgres) {
        session.begin();
        session << "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", now;
      } else {
        session << "BEGIN", now;
      }
    }
    struct EndRead {
      Poco::Data::Session& session;
      bool own;
      bool postgres;
      ~EndRead() {
        try {
          if (!own) return;
          if (postgres) {
            session.rollback();
          } else {
            session << "ROLLBACK", now;  // nothing was written
          }
        } catch (const Poco::Exception&) {
          // Ending a read cannot lose anything.
        }
      }
    } endRead{session, own, postgres};
    Reader reader(database_.impl(), stats_);

    std::map<std::string, std::string> trusted;  // key id -> public key PEM
    if (signingKey_) trusted[signingKey_->keyId()] = signingKey_->publicKeyPem();
    for (const auto& pem : options_.trustedPublicKeys) trusted[auditKeyIdOfPem(pem)] = pem;

    // Checkpoints in tree order: each is checked when the replay reaches its size.
    std::vector<AuditCheckpoint> checkpoints;
    {
      auto rows = reader.select(std::string(kCheckpointColumns) + "ORDER BY tree_size, id");
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        checkpoints.push_back(readCheckpoint(rows));
      }
    }
    result.checkpoints = checkpoints.size();
    size_t nextCheckpoint = 0;
    merkle::CompactRange tree;
    auto checkCheckpoints = [&] {
      for (; nextCheckpoint < checkpoints.size() &&
             checkpoints[nextCheckpoint].treeSize == tree.size();
           ++nextCheckpoint) {
        const auto& checkpoint = checkpoints[nextCheckpoint];
        std::string root = merkle::toHex(tree.root());
        if (checkpoint.rootHash != root) {
          report.checkpointProblem(checkpoint.treeSize, "signed root " + checkpoint.rootHash +
                                                            " but the entries give " + root);
        }
        auto key = trusted.find(checkpoint.keyId);
        if (key == trusted.end()) {
          report.checkpointProblem(checkpoint.treeSize,
                                   "signed by key " + checkpoint.keyId + ", which is not trusted");
        } else if (!verifyCheckpointSignature(checkpoint, key->second)) {
          report.checkpointProblem(checkpoint.treeSize,
                                   "the signature does not verify with key " + checkpoint.keyId);
        }
      }
    };
    std::string previousStored = kZeroHash;
    uint64_t expected = 0;
    if (sinceLatestCheckpoint) {
      // The newest checkpoint a trusted key signed, if the stored tree gives its root and
      // the last entry it covers is in that tree; else the full replay below from entry 0.
      for (auto it = checkpoints.rbegin(); it != checkpoints.rend(); ++it) {
        auto key = trusted.find(it->keyId);
        if (key == trusted.end() || !verifyCheckpointSignature(*it, key->second)) continue;
        if (it->treeSize == 0) break;
        std::string lastHash;
        try {
          auto read = reader.nodeReader();
          merkle::Hash signedRoot{};
          if (!merkle::fromHex(it->rootHash, signedRoot) ||
              merkle::rootHash(it->treeSize, read) != signedRoot) {
            break;
          }
          auto last = reader.select(std::string(kEntryColumns) + "WHERE sequence = ?",
                                    {bind(static_cast<Poco::Int64>(it->treeSize - 1))});
          if (last.rowCount() != 1) break;
          AuditEntry entry = readEntry(last);
          merkle::Hash unused{};
          if (!merkle::fromHex(entry.previousHash, unused)) break;
          std::string canonical = canonicalAuditEntry(entry);
          if (merkle::toHex(merkle::sha256(canonical)) != entry.hash) break;
          auto path = merkle::inclusionProof(it->treeSize - 1, it->treeSize, read);
          if (!merkle::verifyInclusion(it->treeSize - 1, it->treeSize, merkle::leafHash(canonical),
                                       path, signedRoot)) {
            break;
          }
          tree = merkle::CompactRange::at(it->treeSize, read);
          lastHash = entry.hash;
        } catch (const Error&) {
          break;  // a missing or malformed node: the full replay names it
        }
        expected = it->treeSize;
        previousStored = lastHash;
        result.coveredByCheckpoint = expected;
        // Checkpoints inside the covered part are vouched for by this one.
        while (nextCheckpoint < checkpoints.size() &&
               checkpoints[nextCheckpoint].treeSize < expected) {
          ++nextCheckpoint;
        }
        break;
      }
    }
    checkCheckpoints();  // checkpoints of the empty log, or of the checkpoint started from

    uint64_t nodesExpected = 0;
    std::optional<uint64_t> lastReported;  // the latest entry with a problem
    bool broken = false;  // a missing entry: nothing after it can be placed in the tree
    while (!broken) {
      auto rows = reader.select(
          std::string(kEntryColumns) + "WHERE sequence >= ? ORDER BY sequence LIMIT ?",
          {bind(static_cast<Poco::Int64>(expected)), bind(kVerifyBatch)});
      if (rows.rowCount() == 0) break;
      // The stored tree nodes must be exactly the ones the entries give (proofs are built from
      // them). Fetch those this batch's leaves finish, one range query per level, then compare
      // each as the replay makes it, so problems come out in log order.
      uint64_t batchBegin = expected;
      uint64_t batchEnd = expected + rows.rowCount();
      std::map<std::pair<unsigned, uint64_t>, std::string> storedNodes;
      for (unsigned level = 0; (uint64_t{1} << level) <= batchEnd; ++level) {
        auto stored = reader.select(
            "SELECT idx, hash FROM audit_nodes WHERE level = ? AND idx >= ? AND idx <= ?",
            {bind(static_cast<Poco::Int64>(level)),
             bind(static_cast<Poco::Int64>(batchBegin >> level)),
             bind(static_cast<Poco::Int64>(batchEnd >> level))});
        for (bool more = stored.moveFirst(); more; more = stored.moveNext()) {
          storedNodes[{level, number(stored, 0)}] = text(stored, 1);
        }
      }
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
        AuditEntry entry = readEntry(rows);
        std::string storedLeaf = text(rows, 10);
        if (entry.sequence != expected) {
          report.entryProblem(expected, "missing (the next stored entry is " +
                                            std::to_string(entry.sequence) + ")");
          broken = true;
          break;
        }
        ++result.entries;
        if (entry.previousHash != previousStored) {
          report.entryProblem(entry.sequence, "previous hash " + entry.previousHash +
                                                  " does not match the hash of entry " +
                                                  std::to_string(entry.sequence - 1) + " (" +
                                                  previousStored + ")");
          lastReported = entry.sequence;
        }
        merkle::Hash leaf{};
        merkle::Hash unused{};
        if (!merkle::fromHex(entry.previousHash, unused)) {
          report.entryProblem(entry.sequence, "previous hash is not 64 hex digits");
          lastReported = entry.sequence;
          leaf = merkle::leafHash("");  // a placeholder: the entry is already reported
        } else {
          std::string canonical = canonicalAuditEntry(entry);
          std::string hash = merkle::toHex(merkle::sha256(canonical));
          leaf = merkle::leafHash(canonical);
          if (hash != entry.hash) {
            report.entryProblem(entry.sequence, "stored hash " + entry.hash +
                                                    " does not match its content (" + hash +
                                                    "): the entry was changed");
            lastReported = entry.sequence;
          } else if (merkle::toHex(leaf) != storedLeaf) {
            report.entryProblem(entry.sequence, "stored leaf hash does not match its content");
            lastReported = entry.sequence;
          }
        }
        previousStored = entry.hash;
        std::vector<merkle::Node> created;
        tree.append(leaf, created);
        nodesExpected += created.size();
        for (const auto& node : created) {
          auto found = storedNodes.find({node.level, node.index});
          if (found != storedNodes.end() && found->second == merkle::toHex(node.hash)) continue;
          uint64_t firstLeaf = node.index << node.level;
          // A node above an entry already reported only repeats that finding.
          if (lastReported && *lastReported >= firstLeaf) continue;
          report.entryProblem(entry.sequence,
                              "stored tree node (level " + std::to_string(node.level) + ", index " +
                                  std::to_string(node.index) + ") " +
                                  (found == storedNodes.end() ? "is missing" : "is wrong"));
          lastReported = entry.sequence;
        }
        ++expected;
        checkCheckpoints();
      }
    }
    if (!broken && result.coveredByCheckpoint == 0) {
      auto count = reader.select("SELECT COUNT(*) FROM audit_nodes");
      uint64_t nodes = number(count, 0);
      if (nodes != nodesExpected) {
        report.add("the tree has " + std::to_string(nodes) + " stored nodes, the entries give " +
                   std::to_string(nodesExpected));
      }
    }
    // Checkpoints beyond the entries: entries were removed from the end (or never verified).
    for (; nextCheckpoint < checkpoints.size(); ++nextCheckpoint) {
      const auto& checkpoint = checkpoints[nextCheckpoint];
      if (!broken) report.entryProblem(expected, "missing (the log ends here)");
      broken = true;
      report.checkpointProblem(checkpoint.treeSize,
                               "covers entries up to " + std::to_string(checkpoint.treeSize - 1) +
                                   " but the log breaks at entry " + std::to_string(expected));
    }
    // Time-stamp tokens: each must belong to a stored checkpoint, and is judged when the
    // caller gave a judge.
    auto stamps = reader.select(
        "SELECT tree_size, checkpoint_signature, token FROM audit_checkpoint_timestamps"
        " ORDER BY tree_size, id");
    for (bool more = stamps.moveFirst(); more; more = stamps.moveNext()) {
      ++result.timestamps;
      uint64_t treeSize = number(stamps, 0);
      std::string signature = text(stamps, 1);
      auto checkpoint = std::find_if(checkpoints.begin(), checkpoints.end(), [&](const auto& c) {
        return c.treeSize == treeSize && c.signature == signature;
      });
      std::string token;
      if (checkpoint == checkpoints.end()) {
        report.checkpointProblem(treeSize,
                                 "a time-stamp token names a checkpoint that is not in the log");
      } else if (!fromHexText(text(stamps, 2), token) || token.empty()) {
        report.checkpointProblem(treeSize, "a stored time-stamp token is not hex DER");
      } else if (options_.checkTimestamp) {
        ++result.timestampsChecked;
        std::string problem = options_.checkTimestamp(token, checkpointTimestampData(*checkpoint));
        if (!problem.empty()) report.checkpointProblem(treeSize, "time-stamp token: " + problem);
      }
    }
    return 0;
  });
  return result;
}

}  // namespace vanthu::storage
