// vanthu-bench-storage: storage benchmarks of issue 5 ("Speed") on one backend per run.
//
//   vanthu-bench-storage --backend sqlite --dir DIR [options]
//   vanthu-bench-storage --backend postgresql --url postgresql://USER@HOST:PORT/DB --dir DIR
//
// Phases (--phases, comma-separated; default writes,proofs,inbox):
//   writes  audit appends one by one (each its own transaction), appendAll batches (group
//           commit), appends inside one caller transaction; SqlDocumentRepository::addVersion
//           alone and with a 30 KB BlobStore::putTail before it.
//   proofs  for each --proof-sizes N: N audit entries bulk-loaded (the rows appendAll writes,
//           computed with the same functions, inserted with multi-row parameterised INSERTs in
//           big transactions), then inclusion and consistency proofs through SqlAuditLog, each
//           checked against roots computed in memory while loading, with SqlAuditLog::stats().
//   inbox   for each --inbox-sizes N: N documents of 10 organisations bulk-inserted with
//           parameterised SQL; 50-item pages of one organisation's list, newest first, timed
//           on the schema as migrated and again after adding the index the query needs.
//   blob    (no database) BlobStore: putFile of a 2 MB and a 200 MB base, five 30 KB putTail
//           versions on each, the 5th timed; putVersion of the full next version for contrast.
//
// Every database phase uses a fresh database (SQLite file in DIR, or a fresh PostgreSQL schema).
// Output: one tab-separated line per measurement on stdout for script/bench-storage:
//   R <backend> <metric> <size> <n> <ops_per_s> <p50_ms> <p99_ms> <extra key=value;...>
// Progress on stderr. Nothing here asserts a time.
#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

// The adapter's session: a benchmark bulk-loads and runs the listing query on the same
// connection the repositories use (the query SqlDocumentRepository::listDocuments runs).
#include "database_impl.h"
#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/merkle_tree.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"

namespace {

namespace fs = std::filesystem;
using namespace vanthu;
using namespace vanthu::storage;
using Poco::Data::Keywords::bind;
using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Options {
  std::string backend;  // sqlite | postgresql
  std::string url;      // postgresql base URL
  fs::path dir;
  std::vector<std::string> phases{"writes", "proofs", "inbox"};
  std::vector<uint64_t> proofSizes{1000000};
  std::vector<uint64_t> inboxSizes{1000000};
  int appends = 2000;      // one-by-one audit appends / version writes (at most)
  double maxSeconds = 20;  // per write measurement
  int batches = 50;        // appendAll batches of 100
  int proofs = 200;
  int pages = 200;
  uint64_t seed = 42;
};
Options options;
std::mt19937_64 rng;

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, ',');) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

bool hasPhase(const std::string& phase) {
  return std::find(options.phases.begin(), options.phases.end(), phase) != options.phases.end();
}

// --- statistics and output ----------------------------------------------------------------------

struct Summary {
  size_t n = 0;
  double totalMs = 0;
  double p50 = 0;
  double p99 = 0;
  double max = 0;
};

Summary summarise(std::vector<double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  for (double v : samples) s.totalMs += v;
  auto rank = [&](double q) {
    size_t index = static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size())));
    return samples[std::min(samples.size() - 1, index == 0 ? 0 : index - 1)];
  };
  s.p50 = rank(0.5);
  s.p99 = rank(0.99);
  s.max = samples.back();
  return s;
}

// items: how many things one sample did (entries per batch), for the rate.
void report(const std::string& metric, uint64_t size, const Summary& s, double items = 1,
            const std::string& extra = "") {
  double rate = s.totalMs > 0 ? static_cast<double>(s.n) * items * 1000.0 / s.totalMs : 0;
  std::printf("R\t%s\t%s\t%llu\t%zu\t%.1f\t%.3f\t%.3f\t%s\n", options.backend.c_str(),
              metric.c_str(), static_cast<unsigned long long>(size), s.n, rate, s.p50, s.p99,
              extra.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "  %-34s size=%-9llu n=%-5zu %10.1f/s p50 %.3f ms p99 %.3f ms %s\n",
               metric.c_str(), static_cast<unsigned long long>(size), s.n, rate, s.p50, s.p99,
               extra.c_str());
}

void note(const std::string& metric, uint64_t size, const std::string& extra) {
  std::printf("R\t%s\t%s\t%llu\t-\t-\t-\t-\t%s\n", options.backend.c_str(), metric.c_str(),
              static_cast<unsigned long long>(size), extra.c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "  %-34s size=%-9llu %s\n", metric.c_str(),
               static_cast<unsigned long long>(size), extra.c_str());
}

std::string fixed(double value, int digits = 1) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, value);
  return buffer;
}

// --- databases ----------------------------------------------------------------------------------

std::unique_ptr<Database> openFresh(const std::string& name) {
  if (options.backend == "sqlite") {
    fs::path file = options.dir / (name + ".db");
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(file.string() + suffix);
    return Database::open({"sqlite:" + file.string()});
  }
  return Database::open({options.url + "?schema=" + name});
}

void execute(Database& db, const std::string& sql) {
  db.impl().session << db.impl().sql(sql), Poco::Data::Keywords::now;
}

void analyse(Database& db) {
  execute(db, "ANALYZE");
}

// A multi-row parameterised INSERT: "(?, ?, ...), (?, ?, ...)" for `rows` rows of `columns`.
std::string multiRowInsert(const std::string& head, size_t columns, size_t rows) {
  std::string row = "(";
  for (size_t c = 0; c < columns; ++c) row += c == 0 ? "?" : ", ?";
  row += ")";
  std::string sql = head + " VALUES ";
  for (size_t r = 0; r < rows; ++r) {
    if (r != 0) sql += ", ";
    sql += row;
  }
  return sql;
}

// Runs `rows` INSERTs of one row's bindings each, grouped into multi-row statements.
class BulkInserter {
 public:
  BulkInserter(Database& db, std::string head, size_t columns, size_t rowsPerStatement)
      : db_(db), head_(std::move(head)), columns_(columns), per_(rowsPerStatement) {}
  ~BulkInserter() = default;

  void add(std::vector<Poco::Data::AbstractBinding::Ptr> row) {
    for (auto& binding : row) pending_.push_back(std::move(binding));
    if (++rows_ == per_) flush();
  }

  void flush() {
    if (rows_ == 0) return;
    Poco::Data::Statement statement(db_.impl().session);
    statement << db_.impl().sql(multiRowInsert(head_, columns_, rows_));
    for (auto& binding : pending_) statement.addBind(binding);
    statement.execute();
    pending_.clear();
    rows_ = 0;
  }

 private:
  Database& db_;
  std::string head_;
  size_t columns_;
  size_t per_;
  size_t rows_ = 0;
  std::vector<Poco::Data::AbstractBinding::Ptr> pending_;
};

void begin(Database& db) {
  if (db.impl().dialect == Dialect::Sqlite) {
    execute(db, "BEGIN IMMEDIATE");
  } else {
    db.impl().session.begin();
  }
}

void commit(Database& db) {
  if (db.impl().dialect == Dialect::Sqlite) {
    execute(db, "COMMIT");
  } else {
    db.impl().session.commit();
  }
}

std::string isoTime(int64_t secondsSinceEpoch) {
  std::time_t t = static_cast<std::time_t>(secondsSinceEpoch);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

constexpr int64_t kBaseTime = 1767225600;  // 2026-01-01T00:00:00Z

workflow::AuditEntry sampleEntry(uint64_t i) {
  workflow::AuditEntry entry;
  entry.actor = "u" + std::to_string(i % 5000);
  entry.organisationId = "org" + std::to_string(i % 10);
  entry.documentId = "d" + std::to_string(i / 8);
  entry.action = i % 3 == 0 ? "approve" : "sign";
  entry.details = R"({"version":)" + std::to_string(i % 7 + 1) + R"(,"comment":"đồng ý"})";
  entry.clientAddress = "10.0.0." + std::to_string(i % 250 + 1);
  return entry;
}

void createOrganisations(Database& db, int count) {
  SqlDirectoryRepository directory(db);
  auto check = [](const Status& status) {
    if (!status) throw std::runtime_error(status.message());
  };
  check(directory.addTier({"province", "Cấp tỉnh", 2, std::nullopt}));
  for (int i = 0; i < count; ++i) {
    workflow::Organisation o;
    o.id = "org" + std::to_string(i);
    o.code = "000.00.00.H" + std::to_string(10 + i);
    o.name = "Sở số " + std::to_string(i);
    o.abbreviation = "S" + std::to_string(i);
    o.tierCode = "province";
    check(directory.addOrganisation(o));
  }
}

// --- phase: writes ----------------------------------------------------------------------------

template <typename Op>
std::vector<double> timeOps(int maxOps, double maxSeconds, Op&& op) {
  std::vector<double> samples;
  auto start = Clock::now();
  for (int i = 0; i < maxOps; ++i) {
    auto t0 = Clock::now();
    op(i);
    samples.push_back(msSince(t0));
    if (msSince(start) > maxSeconds * 1000 && samples.size() >= 100) break;
  }
  return samples;
}

void writesPhase() {
  std::fprintf(stderr, "[%s] audit appends and version writes\n", options.backend.c_str());
  {
    // The floor under every query: one statement through Poco::Data, no table.
    auto db = openFresh("bench_roundtrip");
    std::vector<double> samples;
    for (int i = 0; i < 1010; ++i) {
      int one = 0;
      auto t0 = Clock::now();
      db->impl().session << "SELECT 1", Poco::Data::Keywords::into(one), Poco::Data::Keywords::now;
      if (i >= 10) samples.push_back(msSince(t0));
    }
    report("statement_roundtrip", 0, summarise(samples), 1,
           "what=SELECT 1 through Poco::Data on the same connection");
    std::string version;
    if (db->impl().dialect == Dialect::Sqlite) {
      db->impl().session << "SELECT sqlite_version()", Poco::Data::Keywords::into(version),
          Poco::Data::Keywords::now;
      note("server", 0, "version=SQLite " + version + ";settings=WAL, synchronous=FULL");
    } else {
      std::string buffers;
      std::string commit;
      db->impl().session << "SHOW server_version", Poco::Data::Keywords::into(version),
          Poco::Data::Keywords::now;
      db->impl().session << "SHOW shared_buffers", Poco::Data::Keywords::into(buffers),
          Poco::Data::Keywords::now;
      db->impl().session << "SHOW synchronous_commit", Poco::Data::Keywords::into(commit),
          Poco::Data::Keywords::now;
      note("server", 0,
           "version=PostgreSQL " + version.substr(0, version.find(' ')) +
               ";settings=shared_buffers " + buffers + ", synchronous_commit " + commit +
               ", fsync on, TCP 127.0.0.1");
    }
  }
  {
    auto db = openFresh("bench_audit_writes");
    SqlAuditLog log(*db, nullptr);
    for (int i = 0; i < 20; ++i) log.append(sampleEntry(static_cast<uint64_t>(i)));  // warm-up
    uint64_t next = 20;
    auto single =
        timeOps(options.appends, options.maxSeconds, [&](int) { log.append(sampleEntry(next++)); });
    report("audit_append_single", 0, summarise(single), 1, "unit=entry;per_transaction=1");

    constexpr int kBatch = 100;
    auto batches = timeOps(options.batches, options.maxSeconds, [&](int) {
      std::vector<workflow::AuditEntry> batch;
      for (int j = 0; j < kBatch; ++j) batch.push_back(sampleEntry(next++));
      log.appendAll(std::move(batch));
    });
    report("audit_append_all_100", 0, summarise(batches), kBatch,
           "unit=entry;per_transaction=100;sample=one appendAll of 100");

    // A caller's unit of work: appends join a transaction already open on the connection.
    SqlDirectoryRepository directory(*db);
    auto grouped = timeOps(options.batches, options.maxSeconds, [&](int) {
      directory.inTransaction([&] {
        for (int j = 0; j < kBatch; ++j) log.append(sampleEntry(next++));
      });
    });
    report("audit_append_in_transaction_100", 0, summarise(grouped), kBatch,
           "unit=entry;per_transaction=100;sample=100 append() in one inTransaction");
    note("audit_writes_total", log.size(), "entries=" + std::to_string(log.size()));
  }
  {
    auto db = openFresh("bench_version_writes");
    createOrganisations(*db, 1);
    SqlDocumentRepository documents(*db);
    constexpr int kDocuments = 100;
    for (int d = 0; d < kDocuments; ++d) {
      workflow::DocumentRecord record;
      record.id = "doc" + std::to_string(d);
      record.organisationId = "org0";
      record.direction = "outgoing";
      record.documentType = "QD";
      record.subject = "Quyết định số " + std::to_string(d);
      record.status = "draft";
      record.createdBy = "u1";
      record.createdAt = record.updatedAt = isoTime(kBaseTime);
      if (auto status = documents.createDocument(record); !status) {
        throw std::runtime_error(status.message());
      }
    }
    BlobStore blobs(options.dir / ("blobs-" + options.backend));
    std::vector<std::string> head(kDocuments);
    std::vector<int> last(kDocuments, 0);
    std::string base(100 * 1024, 'b');
    for (int d = 0; d < kDocuments; ++d) {
      head[d] = blobs.put(base + std::to_string(d)).hash;
    }
    std::string tail(30 * 1024, 't');
    auto addVersion = [&](int i, bool withBlob) {
      int d = i % kDocuments;
      workflow::DocumentVersion v;
      v.documentId = "doc" + std::to_string(d);
      v.kind = last[d] == 0 ? "upload" : "signature";
      if (last[d] != 0) v.parentNumber = last[d];
      v.actor = "u1";
      v.reason = "ký duyệt";
      v.createdAt = isoTime(kBaseTime + i);
      if (withBlob) {
        std::string unique = std::to_string(i) + "-" + std::to_string(rng());
        std::copy(unique.begin(), unique.end(), tail.begin());
        auto info = blobs.putTail(head[d], tail);
        head[d] = info.hash;
        v.blobHash = info.hash;
        v.size = static_cast<int64_t>(info.size);
      } else {
        v.blobHash = head[d];
        v.size = 1000;
      }
      auto number = documents.addVersion(v);
      if (!number) throw std::runtime_error(number.status().message());
      last[d] = number.value();
    };
    int counter = 0;
    for (int i = 0; i < 20; ++i) addVersion(counter++, false);  // warm-up
    auto metadata =
        timeOps(options.appends, options.maxSeconds, [&](int) { addVersion(counter++, false); });
    report("version_add", 0, summarise(metadata), 1,
           "unit=version;per_transaction=1;blob=none (metadata row only)");
    auto withBlob =
        timeOps(options.appends, options.maxSeconds, [&](int) { addVersion(counter++, true); });
    report("version_add_with_tail", 0, summarise(withBlob), 1,
           "unit=version;per_transaction=1;blob=putTail 30 KB then addVersion");
  }
}

// --- phase: proofs -------------------------------------------------------------------------------

struct LoadedLog {
  uint64_t size = 0;
  std::map<uint64_t, merkle::Hash> roots;  // tree size -> root, computed in memory while loading
  double seconds = 0;
};

// The rows appendAll writes for `count` entries (entries and every complete subtree), computed
// with the same functions, inserted with multi-row INSERTs in transactions of 50,000 entries.
LoadedLog bulkLoadAudit(Database& db, uint64_t count) {
  LoadedLog loaded;
  std::set<uint64_t> rootAt;
  for (int i = 0; i < 40; ++i) rootAt.insert(1 + rng() % (count - 1));
  rootAt.insert(count);
  auto start = Clock::now();
  merkle::CompactRange tree;
  std::string previous(64, '0');
  BulkInserter entries(db,
                       "INSERT INTO audit_entries (sequence, time, actor, organisation_id,"
                       " document_id, action, details, client_address, previous_hash,"
                       " entry_hash, leaf_hash)",
                       11, 200);
  BulkInserter nodes(db, "INSERT INTO audit_nodes (level, idx, hash)", 3, 400);
  std::vector<merkle::Node> created;
  constexpr uint64_t kPerTransaction = 50000;
  for (uint64_t i = 0; i < count; ++i) {
    if (i % kPerTransaction == 0) begin(db);
    workflow::AuditEntry entry = sampleEntry(i);
    entry.sequence = i;
    entry.time = isoTime(kBaseTime + static_cast<int64_t>(i / 4));
    entry.previousHash = previous;
    std::string canonical = canonicalAuditEntry(entry);
    entry.hash = merkle::toHex(merkle::sha256(canonical));
    merkle::Hash leaf = merkle::leafHash(canonical);
    entries.add({bind(static_cast<Poco::Int64>(i)), bind(entry.time), bind(entry.actor),
                 bind(entry.organisationId), bind(entry.documentId), bind(entry.action),
                 bind(entry.details), bind(entry.clientAddress), bind(entry.previousHash),
                 bind(entry.hash), bind(merkle::toHex(leaf))});
    created.clear();
    tree.append(leaf, created);
    for (const auto& node : created) {
      nodes.add({bind(static_cast<Poco::Int64>(node.level)),
                 bind(static_cast<Poco::Int64>(node.index)), bind(merkle::toHex(node.hash))});
    }
    previous = entry.hash;
    if (rootAt.count(tree.size())) loaded.roots[tree.size()] = tree.root();
    if ((i + 1) % kPerTransaction == 0 || i + 1 == count) {
      entries.flush();
      nodes.flush();
      commit(db);
    }
    if ((i + 1) % 1000000 == 0) {
      std::fprintf(stderr, "  loaded %llu entries (%.0f s)\n",
                   static_cast<unsigned long long>(i + 1), msSince(start) / 1000);
    }
  }
  analyse(db);
  loaded.size = count;
  loaded.seconds = msSince(start) / 1000;
  return loaded;
}

merkle::Hash fromHexOrThrow(const std::string& hex) {
  merkle::Hash hash{};
  if (!merkle::fromHex(hex, hash)) throw std::runtime_error("bad hex from the log: " + hex);
  return hash;
}

void proofsPhase() {
  for (uint64_t count : options.proofSizes) {
    std::fprintf(stderr, "[%s] audit proofs at %llu entries: loading\n", options.backend.c_str(),
                 static_cast<unsigned long long>(count));
    auto db = openFresh("bench_proofs_" + std::to_string(count));
    LoadedLog loaded = bulkLoadAudit(*db, count);
    note("audit_bulk_load", count,
         "seconds=" + fixed(loaded.seconds) +
             ";entries_per_s=" + fixed(static_cast<double>(count) / loaded.seconds, 0));
    SqlAuditLog log(*db, nullptr);
    if (log.size() != count) throw std::runtime_error("the loaded log has the wrong size");
    merkle::Hash root = loaded.roots.at(count);

    // Inclusion: random entries in the whole tree, each proof verified against the root.
    std::vector<double> samples;
    std::vector<double> queries;
    size_t pathLength = 0;
    for (int i = 0; i < options.proofs + 10; ++i) {
      uint64_t sequence = rng() % count;
      log.resetStats();
      auto t0 = Clock::now();
      auto proof = log.inclusionProof(sequence, count);
      double elapsed = msSince(t0);
      if (!proof) throw std::runtime_error(proof.status().message());
      std::vector<merkle::Hash> path;
      for (const auto& hex : proof.value().path) path.push_back(fromHexOrThrow(hex));
      if (!merkle::verifyInclusion(sequence, count, fromHexOrThrow(proof.value().leafHash), path,
                                   root)) {
        throw std::runtime_error("inclusion proof of entry " + std::to_string(sequence) +
                                 " does not verify");
      }
      if (i < 10) continue;  // warm-up
      samples.push_back(elapsed);
      queries.push_back(static_cast<double>(log.stats().queries));
      pathLength = std::max(pathLength, proof.value().path.size());
    }
    Summary q = summarise(queries);
    report("audit_inclusion_proof", count, summarise(samples), 1,
           "queries_p50=" + fixed(q.p50, 0) + ";queries_max=" + fixed(q.max, 0) +
               ";path_max=" + std::to_string(pathLength) + ";verified=yes");

    // Consistency: from sizes whose roots were recorded while loading, to the whole tree.
    samples.clear();
    queries.clear();
    pathLength = 0;
    std::vector<uint64_t> firsts;
    for (const auto& [size, hash] : loaded.roots) firsts.push_back(size);
    for (int i = 0; i < options.proofs + 10; ++i) {
      uint64_t first = firsts[static_cast<size_t>(i) % firsts.size()];
      log.resetStats();
      auto t0 = Clock::now();
      auto proof = log.consistencyProof(first, count);
      double elapsed = msSince(t0);
      if (!proof) throw std::runtime_error(proof.status().message());
      std::vector<merkle::Hash> path;
      for (const auto& hex : proof.value().path) path.push_back(fromHexOrThrow(hex));
      if (!merkle::verifyConsistency(first, count, loaded.roots.at(first), root, path)) {
        throw std::runtime_error("consistency proof from " + std::to_string(first) +
                                 " does not verify");
      }
      if (i < 10) continue;
      samples.push_back(elapsed);
      queries.push_back(static_cast<double>(log.stats().queries));
      pathLength = std::max(pathLength, proof.value().path.size());
    }
    q = summarise(queries);
    report("audit_consistency_proof", count, summarise(samples), 1,
           "queries_p50=" + fixed(q.p50, 0) + ";queries_max=" + fixed(q.max, 0) +
               ";path_max=" + std::to_string(pathLength) +
               ";first_sizes=" + std::to_string(firsts.size()) + ";verified=yes");

    // One node lookup alone: what each of those queries costs.
    samples.clear();
    for (int i = 0; i < 1000; ++i) {
      log.resetStats();
      auto t0 = Clock::now();
      log.entry(rng() % count);
      samples.push_back(msSince(t0));
    }
    report("audit_single_select", count, summarise(samples), 1,
           "what=SqlAuditLog::entry(random): one parameterised SELECT by primary key");

    // The bulk-loaded rows are what appendAll writes: appending goes on from them.
    auto appended = log.append(sampleEntry(count));
    auto proof = log.inclusionProof(appended.sequence, count + 1);
    if (!proof || proof.value().path.empty())
      throw std::runtime_error("append after the load failed");
    std::fprintf(stderr, "  append after the bulk load: entry %llu, proof of %zu hashes\n",
                 static_cast<unsigned long long>(appended.sequence), proof.value().path.size());
  }
}

// --- phase: inbox --------------------------------------------------------------------------------

constexpr const char* kPageColumns =
    "SELECT id, subject, status, urgency, direction, document_type, updated_at FROM documents"
    " WHERE organisation_id = ?";
constexpr const char* kPageOrder = " ORDER BY updated_at DESC, id DESC LIMIT 50";

size_t fetchPage(Database& db, const std::string& sql,
                 std::vector<Poco::Data::AbstractBinding::Ptr> bindings) {
  Poco::Data::Statement statement(db.impl().session);
  statement << db.impl().sql(sql);
  for (auto& binding : bindings) statement.addBind(binding);
  statement.execute();
  Poco::Data::RecordSet rows(statement);
  size_t bytes = 0;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    for (size_t c = 0; c < rows.columnCount(); ++c)
      bytes += rows.value(c).convert<std::string>().size();
  }
  if (bytes == 0) throw std::runtime_error("empty page");
  return rows.rowCount();
}

// The plan the database chooses, with `literals` in place of the placeholders; one line, the plan
// nodes only.
std::string planOf(Database& db, const std::string& sql, const std::vector<std::string>& literals) {
  bool sqlite = db.impl().dialect == Dialect::Sqlite;
  std::string text = (sqlite ? "EXPLAIN QUERY PLAN " : "EXPLAIN ") + sql;
  for (const auto& literal : literals) {
    auto at = text.find('?');
    if (at != std::string::npos) text.replace(at, 1, literal);
  }
  Poco::Data::Statement statement(db.impl().session);
  statement << text;
  statement.execute();
  Poco::Data::RecordSet rows(statement);
  std::string plan;
  bool firstLine = true;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    std::string line = rows.value(rows.columnCount() - 1).convert<std::string>();
    auto start = line.find_first_not_of(' ');
    line = start == std::string::npos ? line : line.substr(start);
    bool node = sqlite || firstLine || line.rfind("->", 0) == 0;
    firstLine = false;
    if (!node) continue;
    if (line.rfind("->", 0) == 0) line = line.substr(line.find_first_not_of(" ", 2));
    line = line.substr(0, line.find("  (cost"));
    if (!plan.empty()) plan += " → ";
    plan += line;
  }
  for (char& c : plan) {
    if (c == '\t' || c == ';' || c == '|') c = ' ';
  }
  return plan;
}

void inboxPhase() {
  constexpr int kOrganisations = 10;
  for (uint64_t count : options.inboxSizes) {
    std::fprintf(stderr, "[%s] inbox at %llu documents: loading\n", options.backend.c_str(),
                 static_cast<unsigned long long>(count));
    auto db = openFresh("bench_inbox_" + std::to_string(count));
    createOrganisations(*db, kOrganisations);
    // Documents of org0, (updated_at, id), to pick cursors from.
    std::vector<std::pair<std::string, std::string>> org0;
    auto start = Clock::now();
    {
      BulkInserter inserter(*db,
                            "INSERT INTO documents (id, organisation_id, direction,"
                            " document_type, subject, status, urgency, confidentiality,"
                            " created_by, created_at, updated_at, revision)",
                            12, 200);
      const char* statuses[] = {"draft", "pending", "pending", "signed", "issued", "archived"};
      constexpr uint64_t kPerTransaction = 50000;
      for (uint64_t i = 0; i < count; ++i) {
        if (i % kPerTransaction == 0) begin(*db);
        char id[32];
        std::snprintf(id, sizeof id, "d%08llu", static_cast<unsigned long long>(i));
        std::string organisation = "org" + std::to_string(i % kOrganisations);
        // Activity spread over time, not in insertion order.
        int64_t seconds = kBaseTime + static_cast<int64_t>((i * 7919) % count) * 3;
        std::string created = isoTime(seconds - 86400);
        std::string updated = isoTime(seconds);
        inserter.add({bind(std::string(id)), bind(organisation),
                      bind(std::string(i % 2 ? "incoming" : "outgoing")),
                      bind(std::string(i % 5 ? "CV" : "QD")),
                      bind("Công văn về việc triển khai nhiệm vụ số " + std::to_string(i)),
                      bind(std::string(statuses[i % 6])), bind(std::string("normal")),
                      bind(std::string("normal")), bind("u" + std::to_string(i % 5000)),
                      bind(created), bind(updated), bind(static_cast<Poco::Int64>(1))});
        if (i % kOrganisations == 0) org0.emplace_back(updated, id);
        if ((i + 1) % kPerTransaction == 0 || i + 1 == count) {
          inserter.flush();
          commit(*db);
        }
        if ((i + 1) % 1000000 == 0) {
          std::fprintf(stderr, "  loaded %llu documents (%.0f s)\n",
                       static_cast<unsigned long long>(i + 1), msSince(start) / 1000);
        }
      }
    }
    analyse(*db);
    note("inbox_bulk_load", count,
         "seconds=" + fixed(msSince(start) / 1000) +
             ";organisations=10;org_documents=" + std::to_string(org0.size()));
    std::sort(org0.begin(), org0.end());

    std::string first = std::string(kPageColumns) + kPageOrder;
    std::string keyset = std::string(kPageColumns) + " AND (updated_at, id) < (?, ?)" + kPageOrder;
    std::string offset = std::string(kPageColumns) + kPageOrder + " OFFSET ?";
    // At most --pages samples or --max-seconds per kind of page, at least 10 (slow plans get fewer
    // samples).
    auto enough = [&](Clock::time_point since, size_t samples) {
      return msSince(since) > options.maxSeconds * 1000 && samples >= 10;
    };
    auto measure = [&](const std::string& variant) {
      std::vector<double> samples;
      auto since = Clock::now();
      for (int i = 0; i < options.pages / 4 + 5; ++i) {
        auto t0 = Clock::now();
        size_t rows = fetchPage(*db, first, {bind(std::string("org0"))});
        if (i >= 5) samples.push_back(msSince(t0));
        if (rows != 50) throw std::runtime_error("first page short");
        if (enough(since, samples.size())) break;
      }
      report("inbox_first_page", count, summarise(samples), 1,
             "index=" + variant + ";org_documents=" + std::to_string(org0.size()) +
                 ";plan=" + planOf(*db, first, {"'org0'"}));
      samples.clear();
      since = Clock::now();
      for (int i = 0; i < options.pages + 5; ++i) {
        // A cursor with at least 50 older documents after it.
        const auto& cursor = org0[50 + rng() % (org0.size() - 50)];
        auto t0 = Clock::now();
        size_t rows = fetchPage(
            *db, keyset, {bind(std::string("org0")), bind(cursor.first), bind(cursor.second)});
        if (i >= 5) samples.push_back(msSince(t0));
        if (rows != 50) throw std::runtime_error("keyset page short");
        if (enough(since, samples.size())) break;
      }
      report("inbox_page_keyset", count, summarise(samples), 1,
             "index=" + variant + ";plan=" +
                 planOf(*db, keyset, {"'org0'", "'2026-06-01T00:00:00Z'", "'d00000001'"}));
      samples.clear();
      since = Clock::now();
      for (int i = 0; i < options.pages + 5; ++i) {
        Poco::Int64 skip = static_cast<Poco::Int64>(rng() % (org0.size() / 50)) * 50;
        auto t0 = Clock::now();
        size_t rows = fetchPage(*db, offset, {bind(std::string("org0")), bind(skip)});
        if (i >= 5) samples.push_back(msSince(t0));
        if (rows != 50) throw std::runtime_error("offset page short");
        if (enough(since, samples.size())) break;
      }
      report("inbox_page_offset", count, summarise(samples), 1,
             "index=" + variant + ";plan=" + planOf(*db, offset, {"'org0'", "25000"}));
    };
    measure("migrations");
    auto t0 = Clock::now();
    execute(*db,
            "CREATE INDEX bench_documents_inbox ON documents"
            " (organisation_id, updated_at DESC, id DESC)");
    analyse(*db);
    note("inbox_create_index", count, "seconds=" + fixed(msSince(t0) / 1000));
    measure("bench");
  }
}

// --- phase: blob ---------------------------------------------------------------------------------

struct IoCounters {
  uint64_t rchar = 0;
  uint64_t wchar = 0;
};

IoCounters ioNow() {
  IoCounters io;
  std::ifstream in("/proc/self/io");
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "rchar:") io.rchar = value;
    if (key == "wchar:") io.wchar = value;
  }
  return io;
}

uint64_t storeBytes(const fs::path& root) {
  uint64_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) total += entry.file_size();
  }
  return total;
}

std::string randomBytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t value = rng();
    std::memcpy(&bytes[i], &value, 8);
  }
  return bytes;
}

// Durable write of `bytes` to a new file (write, fsync, close): the floor under every put.
void writeAndSync(const fs::path& file, const std::string& bytes) {
  FILE* out = std::fopen(file.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + file.string());
  std::fwrite(bytes.data(), 1, bytes.size(), out);
  std::fflush(out);
  ::fsync(fileno(out));
  std::fclose(out);
}

void blobPhase() {
  fs::path root = options.dir / "blob-bench";
  fs::remove_all(root);
  fs::create_directories(root);
  BlobStore store(root / "store");
  constexpr size_t kTail = 30 * 1024;
  constexpr int kTrials = 9;
  const std::vector<uint64_t> sizesMb{2, 200};
  std::map<uint64_t, BlobInfo> baseOf;
  std::map<uint64_t, fs::path> baseFile;
  for (uint64_t mb : sizesMb) {
    std::fprintf(stderr, "[blob] %llu MB document: putFile\n", static_cast<unsigned long long>(mb));
    fs::path base = root / ("base-" + std::to_string(mb) + ".pdf");
    {
      std::ofstream out(base, std::ios::binary);
      for (uint64_t i = 0; i < mb; ++i) out << randomBytes(1 << 20);
    }
    // Written back first: the fsyncs timed below do not wait behind our own dirty pages.
    ::sync();
    auto io0 = ioNow();
    uint64_t bytes0 = storeBytes(store.root());
    auto t0 = Clock::now();
    baseOf[mb] = store.putFile(base);
    double putMs = msSince(t0);
    auto io1 = ioNow();
    note("blob_put_file", mb << 20,
         "ms=" + fixed(putMs) + ";written=" + std::to_string(io1.wchar - io0.wchar) +
             ";read=" + std::to_string(io1.rchar - io0.rchar) +
             ";stored=" + std::to_string(storeBytes(store.root()) - bytes0));
    baseFile[mb] = base;
  }

  // Trials alternate between the sizes, so that both see the same disk (it is shared).
  std::map<uint64_t, std::vector<double>> fifth, written, stored, read;
  std::map<uint64_t, std::string> fifthHash;
  std::map<uint64_t, std::vector<std::string>> firstChain;
  std::vector<double> floor;
  for (int trial = 0; trial < kTrials; ++trial) {
    for (uint64_t mb : sizesMb) {
      ::sync();
      std::string head = baseOf[mb].hash;
      for (int signature = 1; signature <= 5; ++signature) {
        std::string tail = randomBytes(kTail);
        if (trial == 0) firstChain[mb].push_back(tail);
        auto before = ioNow();
        uint64_t storedBefore = signature == 5 ? storeBytes(store.root()) : 0;
        auto start = Clock::now();
        auto info = store.putTail(head, tail);
        double elapsed = msSince(start);
        auto after = ioNow();
        if (info.size != (mb << 20) + static_cast<uint64_t>(signature) * kTail) {
          throw std::runtime_error("putTail size mismatch");
        }
        head = info.hash;
        if (signature == 5) {
          fifth[mb].push_back(elapsed);
          written[mb].push_back(static_cast<double>(after.wchar - before.wchar));
          read[mb].push_back(static_cast<double>(after.rchar - before.rchar));
          stored[mb].push_back(static_cast<double>(storeBytes(store.root()) - storedBefore));
        }
      }
      if (trial == 0) fifthHash[mb] = head;
    }
    auto start = Clock::now();
    writeAndSync(root / "floor.bin", randomBytes(kTail));
    floor.push_back(msSince(start));
  }
  for (uint64_t mb : sizesMb) {
    report("blob_put_tail_5th", mb << 20, summarise(fifth[mb]), 1,
           "tail=" + std::to_string(kTail) +
               ";written_p50=" + fixed(summarise(written[mb]).p50, 0) +
               ";read_p50=" + fixed(summarise(read[mb]).p50, 0) + ";stored_p50=" +
               fixed(summarise(stored[mb]).p50, 0) + ";trials=" + std::to_string(kTrials));
  }
  report("blob_fsync_30k", 0, summarise(floor), 1,
         "what=write 30 KB to a new file + fsync, between the trials");

  // putVersion: the full content of a 6th version, given as a stream; it reads the parent.
  for (uint64_t mb : sizesMb) {
    fs::path content = root / ("v6-" + std::to_string(mb) + ".pdf");
    std::vector<double> versionMs;
    std::vector<double> versionWritten;
    std::vector<double> versionRead;
    for (int trial = 0; trial < 3; ++trial) {
      {
        std::ofstream out(content, std::ios::binary);
        std::ifstream in(baseFile[mb], std::ios::binary);
        out << in.rdbuf();
        for (const auto& tail : firstChain[mb]) out << tail;
        out << randomBytes(kTail);
      }
      ::sync();
      std::ifstream in(content, std::ios::binary);
      auto before = ioNow();
      auto start = Clock::now();
      auto info = store.putVersion(fifthHash[mb], in);
      double elapsed = msSince(start);
      auto after = ioNow();
      if (store.parentOf(info.hash) != fifthHash[mb]) {
        throw std::runtime_error("putVersion did not store a tail");
      }
      versionMs.push_back(elapsed);
      versionWritten.push_back(static_cast<double>(after.wchar - before.wchar));
      versionRead.push_back(static_cast<double>(after.rchar - before.rchar));
    }
    report("blob_put_version_6th", mb << 20, summarise(versionMs), 1,
           "tail=" + std::to_string(kTail) +
               ";written_p50=" + fixed(summarise(versionWritten).p50, 0) +
               ";read_p50=" + fixed(summarise(versionRead).p50, 0) + ";trials=3");
    fs::remove(content);
  }
  fs::remove_all(root);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: vanthu-bench-storage --backend sqlite|postgresql [--url URL] --dir DIR\n"
               "  [--phases writes,proofs,inbox,blob] [--proof-sizes N,...] [--inbox-sizes N,...]\n"
               "  [--appends N] [--batches N] [--max-seconds S] [--proofs N] [--pages N]\n");
  std::exit(2);
}

std::vector<uint64_t> sizes(const std::string& text) {
  std::vector<uint64_t> out;
  for (const auto& part : split(text)) out.push_back(std::stoull(part));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (arg == "--backend") {
      options.backend = value();
    } else if (arg == "--url") {
      options.url = value();
    } else if (arg == "--dir") {
      options.dir = value();
    } else if (arg == "--phases") {
      options.phases = split(value());
    } else if (arg == "--proof-sizes") {
      options.proofSizes = sizes(value());
    } else if (arg == "--inbox-sizes") {
      options.inboxSizes = sizes(value());
    } else if (arg == "--appends") {
      options.appends = std::stoi(value());
    } else if (arg == "--batches") {
      options.batches = std::stoi(value());
    } else if (arg == "--max-seconds") {
      options.maxSeconds = std::stod(value());
    } else if (arg == "--proofs") {
      options.proofs = std::stoi(value());
    } else if (arg == "--pages") {
      options.pages = std::stoi(value());
    } else {
      usage();
    }
  }
  if (options.dir.empty()) usage();
  if (options.backend != "sqlite" && options.backend != "postgresql" && options.backend != "none") {
    usage();
  }
  if (options.backend == "postgresql" && options.url.empty()) usage();
  rng.seed(options.seed);
  try {
    fs::create_directories(options.dir);
    if (hasPhase("writes")) writesPhase();
    if (hasPhase("proofs")) proofsPhase();
    if (hasPhase("inbox")) inboxPhase();
    if (hasPhase("blob")) blobPhase();
  } catch (const Poco::Exception& e) {
    std::fprintf(stderr, "vanthu-bench-storage: %s\n", e.displayText().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vanthu-bench-storage: %s\n", e.what());
    return 1;
  }
  return 0;
}
