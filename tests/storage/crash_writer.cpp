// The crash test's writer and judge (issue "Storage", Durability; tests/storage/crash_test.sh).
//
//   vanthu-crash-writer [--seed N] DATA_DIR
//       Opens DATA_DIR/vanthu.db (SQLite) and DATA_DIR/blobs, adds the directory rows it needs
//       when they are missing, then writes forever: documents, blobs (some stored as "parent +
//       tail" of the previous version), versions, audit entries, register numbers and audit
//       checkpoints. After each write returns it prints one acknowledgement line to stdout (a
//       single write(2), so that a kill never leaves half a line that looks complete):
//         doc ID .                           the document was created
//         blob HASH SIZE PARENT|- .          the blob was stored (PARENT: as parent + tail)
//         version ID N HASH SIZE PARENT|- .  version N of document ID points at blob HASH
//         audit SEQ HASH ID .                audit entry SEQ (entry hash HASH) about ID
//         issuing ID .                       printed BEFORE an issuance starts (an intent)
//         number ID N .                      document ID was issued number N
//         checkpoint SIZE ROOT .             a signed checkpoint of the first SIZE entries
//       The test kills it with SIGKILL; it never stops on its own unless a write fails.
//
//       With VANTHU_CRASH_AFTER_SYNC=N in the environment it kills itself with SIGKILL right after
//       the N-th fsync()/fdatasync() of the process returns (the syncs of the blob store, the key
//       files and SQLite all pass through the overrides below), naming the file on stderr: a
//       crash at every durability boundary in turn, deterministically.
//
//   vanthu-crash-writer --put DATA_DIR FILE
//       Stores FILE in DATA_DIR/blobs (BlobStore::putFile) and prints "blob HASH SIZE": one put,
//       for the disk-full test (tests/cli/disk_full_test.sh) to repeat once space is freed.
//
//   vanthu-crash-writer --check DATA_DIR ACKFILE
//       Reads everything back: every acknowledged document, version, blob, audit entry, register
//       number and checkpoint is there as acknowledged; every blob in the store (acknowledged or
//       not) verifies against its hash; the audit log verifies; the register numbers of all
//       documents whose issuance was started are unique and gap-free (1..M). Lines of ACKFILE
//       that start with '#' name the run that follows ("# run 17"), for the messages. Prints
//       one line per problem naming the acknowledgement at fault; exit 0 only if all hold.

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "vanthu/storage/blob_store.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/workflow/error.h"

namespace fs = std::filesystem;
using namespace vanthu;

namespace {

// ------------------------------------------------------------------------------------------
// Crash points: every sync of the process is counted; the chosen one is the last thing it does.

long syncsBeforeKill = -1;  // from VANTHU_CRASH_AFTER_SYNC; -1: never
long syncs = 0;

int afterSync(int fd, int result) {
  if (syncsBeforeKill >= 0 && ++syncs == syncsBeforeKill) {
    int saved = errno;
    char path[512] = "?";
    std::string link = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
    if (n > 0) path[n] = '\0';
    std::fprintf(stderr, "crash point: killed after sync %ld of %s\n", syncs, path);
    std::fflush(stderr);
    ::raise(SIGKILL);
    errno = saved;
  }
  return result;
}

}  // namespace

// The store (linked statically) and SQLite call these instead of the C library's.
extern "C" int fsync(int fd) {
  return afterSync(fd, static_cast<int>(::syscall(SYS_fsync, fd)));
}
extern "C" int fdatasync(int fd) {
  return afterSync(fd, static_cast<int>(::syscall(SYS_fdatasync, fd)));
}

namespace {

constexpr const char* kOrganisation = "crash-org";
constexpr const char* kRegister = "crash-outgoing";
constexpr int kYear = 2026;
constexpr const char* kNotation = "{n}/QĐ-UBND";

std::string databaseUrl(const fs::path& dataDir) {
  return "sqlite:" + (dataDir / "vanthu.db").string();
}

[[noreturn]] void fail(const std::string& message) {
  throw std::runtime_error(message);
}

void require(const Status& status, const std::string& what) {
  if (!status) fail(what + ": " + status.toString());
}

// A status that is OK or says the row is already there (a previous run made it).
void requireCreated(const Status& status, const std::string& what) {
  if (status.code() != ErrorCode::AlreadyExists) require(status, what);
}

// ------------------------------------------------------------------------------------------
// The writer

void ack(const std::string& line) {
  std::string text = line + " .\n";
  const char* data = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::perror("vanthu-crash-writer: cannot write an acknowledgement");
      std::exit(2);
    }
    data += n;
    left -= static_cast<size_t>(n);
  }
}

std::string hexWord(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

void setUpDirectory(storage::Database& database, storage::SqlDocumentRepository& documents) {
  storage::SqlDirectoryRepository directory(database);
  requireCreated(directory.addTier({"crash", "Crash test tier", 1, std::nullopt}),
                 "adding the tier");
  workflow::Organisation organisation;
  organisation.id = kOrganisation;
  organisation.code = "000.00.00.C01";
  organisation.name = "Crash test organisation";
  organisation.abbreviation = "UBND";
  organisation.tierCode = "crash";
  requireCreated(directory.addOrganisation(organisation), "adding the organisation");
  requireCreated(documents.createRegister({kRegister, kOrganisation, "Sổ văn bản đi", "outgoing"}),
                 "adding the register");
}

struct Current {
  std::string id;
  int lastVersion = 0;
  std::string lastHash;
  bool issued = false;
};

int runWriter(const fs::path& dataDir, uint64_t seed) {
  fs::create_directories(dataDir);
  auto database = storage::Database::open({databaseUrl(dataDir)});
  std::shared_ptr<const storage::AuditSigningKey> key =
      storage::AuditSigningKey::loadOrCreate(storage::auditKeyPath(dataDir));
  storage::SqlDocumentRepository documents(*database);
  storage::SqlAuditLog audit(*database, key);
  storage::BlobStore blobs(dataDir / "blobs");
  setUpDirectory(*database, documents);

  std::mt19937_64 random(seed);
  // Document ids stay unique across runs on the same data dir, whatever the seed.
  std::string run = hexWord((static_cast<uint64_t>(std::random_device()()) << 32) ^
                            static_cast<uint64_t>(::getpid()))
                        .substr(4);
  std::optional<Current> current;
  for (uint64_t iteration = 0;; ++iteration) {
    bool extend = current && random() % 3 == 0;
    if (!extend) {
      workflow::DocumentRecord d;
      d.id = "c" + run + "-" + std::to_string(iteration);
      d.organisationId = kOrganisation;
      d.direction = "outgoing";
      d.documentType = "QD";
      d.subject = "Crash test document " + d.id;
      d.status = "draft";
      d.createdBy = "crash-writer";
      d.createdAt = d.updatedAt = "2026-01-01T00:00:00Z";
      require(documents.createDocument(d), "creating document " + d.id);
      ack("doc " + d.id);
      current = Current{d.id, 0, "", false};
    }

    // 1 to 200 KB of random bytes: a new document's first version, or a tail appended to the
    // previous version (an incremental update, as a signature is).
    size_t size = 1024 + random() % (200 * 1024 - 1024 + 1);
    std::string content(size, '\0');
    for (size_t at = 0; at < size; at += 8) {
      uint64_t word = random();
      for (size_t b = 0; b < 8 && at + b < size; ++b)
        content[at + b] = static_cast<char>(word >> (8 * b));
    }
    storage::BlobInfo blob =
        extend ? blobs.putTail(current->lastHash, content) : blobs.put(content);
    std::string parent = extend ? current->lastHash : "-";
    ack("blob " + blob.hash + " " + std::to_string(blob.size) + " " + parent);

    workflow::DocumentVersion version;
    version.documentId = current->id;
    version.blobHash = blob.hash;
    if (extend) version.parentNumber = current->lastVersion;
    version.kind = extend ? "signature" : "upload";
    version.actor = "crash-writer";
    version.reason = "crash test";
    version.size = static_cast<int64_t>(blob.size);
    version.createdAt = "2026-01-01T00:00:00Z";
    auto number = documents.addVersion(version);
    if (!number) require(number.status(), "adding a version to document " + current->id);
    ack("version " + current->id + " " + std::to_string(number.value()) + " " + blob.hash + " " +
        std::to_string(blob.size) + " " +
        (extend ? std::to_string(current->lastVersion) : std::string("-")));
    current->lastVersion = number.value();
    current->lastHash = blob.hash;

    workflow::AuditEntry entry;
    entry.actor = "crash-writer";
    entry.organisationId = kOrganisation;
    entry.documentId = current->id;
    entry.action = version.kind;
    entry.details = "version " + std::to_string(number.value()) + " blob " + blob.hash;
    entry = audit.append(entry);
    ack("audit " + std::to_string(entry.sequence) + " " + entry.hash + " " + current->id);

    if (!current->issued && random() % 4 == 0) {
      auto document = documents.findDocument(current->id);
      if (!document) fail("document " + current->id + " vanished");
      ack("issuing " + current->id);
      auto issued = documents.issue(current->id, document->revision, kRegister, kYear, kNotation);
      if (!issued) require(issued.status(), "issuing document " + current->id);
      ack("number " + current->id + " " + std::to_string(issued.value()));
      current->issued = true;
    }
    if (iteration % 5 == 4) {
      workflow::AuditCheckpoint checkpoint = audit.checkpoint();
      ack("checkpoint " + std::to_string(checkpoint.treeSize) + " " + checkpoint.rootHash);
    }
  }
}

// ------------------------------------------------------------------------------------------
// The judge

struct Ack {
  std::string run;  // "# run N" label of the run that printed it
  size_t line = 0;  // 1-based line in ACKFILE
  std::vector<std::string> fields;

  std::string where() const {
    std::string text = "ack line " + std::to_string(line) + (run.empty() ? "" : " (" + run + ")");
    text += " '";
    for (size_t i = 0; i < fields.size(); ++i) text += (i ? " " : "") + fields[i];
    return text + "'";
  }
};

class Judge {
 public:
  void problem(const std::string& text) {
    if (++problems_ <= 100) std::cout << "FAIL: " << text << "\n";
  }
  size_t problems() const { return problems_; }

 private:
  size_t problems_ = 0;
};

std::vector<Ack> readAcks(const fs::path& file, size_t& torn) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail("cannot read the acknowledgements " + file.string());
  std::vector<Ack> acks;
  std::string run;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      run = line.substr(line.find_first_not_of("# "));
      continue;
    }
    Ack a;
    a.run = run;
    a.line = number;
    std::istringstream words(line);
    for (std::string word; words >> word;) a.fields.push_back(word);
    // A line cut by the kill lacks the final "." and was never acknowledged.
    if (a.fields.size() < 2 || a.fields.back() != ".") {
      ++torn;
      continue;
    }
    a.fields.pop_back();
    acks.push_back(std::move(a));
  }
  return acks;
}

bool arity(Judge& judge, const Ack& a, size_t fields) {
  if (a.fields.size() == fields) return true;
  judge.problem(a.where() + ": malformed acknowledgement");
  return false;
}

int runCheck(const fs::path& dataDir, const fs::path& ackFile) {
  Judge judge;
  size_t torn = 0;
  std::vector<Ack> acks = readAcks(ackFile, torn);
  if (!fs::exists(dataDir / "vanthu.db")) {
    if (acks.empty()) {
      std::cout << "crash check: nothing was acknowledged and there is no database yet\n";
      return 0;
    }
    fail(acks.front().where() + ": acknowledged, but " + (dataDir / "vanthu.db").string() +
         " does not exist");
  }
  auto database = storage::Database::open({databaseUrl(dataDir)});
  storage::SqlDocumentRepository documents(*database);
  storage::BlobStore blobs(dataDir / "blobs");

  // The public key next to the instance key: checkpoints are checked with it, as a third party
  // would.
  storage::SqlAuditLogOptions options;
  fs::path keyFile = storage::auditKeyPath(dataDir);
  fs::path publicKeyFile = fs::path(keyFile).replace_extension(".pub.pem");
  std::optional<std::string> privateKeyId;
  if (fs::exists(keyFile)) {
    try {
      std::ifstream in(keyFile, std::ios::binary);
      std::stringstream text;
      text << in.rdbuf();
      privateKeyId = storage::auditKeyIdOfPem(text.str());
    } catch (const Error& e) {
      judge.problem("the audit instance key " + keyFile.string() + " is unusable: " + e.what());
    }
  }
  if (fs::exists(publicKeyFile)) {
    std::ifstream in(publicKeyFile, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    options.trustedPublicKeys.push_back(text.str());
    try {
      std::string publicKeyId = storage::auditKeyIdOfPem(text.str());
      if (privateKeyId && publicKeyId != *privateKeyId) {
        judge.problem(publicKeyFile.string() + " is not the public half of " + keyFile.string());
      }
    } catch (const Error& e) {
      judge.problem("the audit public key " + publicKeyFile.string() + " is unusable: " + e.what());
    }
  } else if (fs::exists(keyFile)) {
    judge.problem("the audit instance key " + keyFile.string() + " exists but its public half " +
                  publicKeyFile.string() + " does not (a kill while the key was being created)");
    // Checks the chain with the private key's public half so that this is reported once.
    if (privateKeyId) {
      options.trustedPublicKeys.push_back(
          storage::AuditSigningKey::loadOrCreate(keyFile)->publicKeyPem());
    }
  }
  storage::SqlAuditLog audit(*database, nullptr, options);

  std::set<std::string> verified;  // blobs already read back in full
  auto verifyBlob = [&](const std::string& hash, const std::string& where) {
    if (verified.count(hash)) return true;
    try {
      blobs.verify(hash);
      verified.insert(hash);
      return true;
    } catch (const Error& e) {
      judge.problem(where + ": blob " + hash + " does not verify: " + e.what());
      return false;
    }
  };

  std::set<std::string> ackedDocuments;
  std::set<std::string> issuing;            // every document whose issuance was started
  std::map<std::string, int> ackedNumbers;  // document -> number
  std::map<std::string, size_t> counts;
  for (const Ack& a : acks) {
    const std::string& kind = a.fields[0];
    ++counts[kind];
    if (kind == "doc") {
      if (!arity(judge, a, 2)) continue;
      ackedDocuments.insert(a.fields[1]);
      if (!documents.findDocument(a.fields[1])) {
        judge.problem(a.where() + ": document " + a.fields[1] + " is missing");
      }
    } else if (kind == "blob") {
      if (!arity(judge, a, 4)) continue;
      const std::string& hash = a.fields[1];
      try {
        if (!blobs.exists(hash)) {
          judge.problem(a.where() + ": blob " + hash + " is missing");
          continue;
        }
        if (std::to_string(blobs.size(hash)) != a.fields[2]) {
          judge.problem(a.where() + ": blob " + hash + " has " + std::to_string(blobs.size(hash)) +
                        " bytes, acknowledged " + a.fields[2]);
        }
        std::string parent = blobs.parentOf(hash);
        if (a.fields[3] != "-" && parent != a.fields[3]) {
          judge.problem(a.where() + ": blob " + hash + " was stored as a tail of " + a.fields[3] +
                        " but its record names parent '" + parent + "'");
        }
      } catch (const Error& e) {
        judge.problem(a.where() + ": blob " + hash + " cannot be read: " + e.what());
        continue;
      }
      verifyBlob(hash, a.where());
    } else if (kind == "version") {
      if (!arity(judge, a, 6)) continue;
      const std::string& id = a.fields[1];
      int number = std::stoi(a.fields[2]);
      auto version = documents.version(id, number);
      if (!version) {
        judge.problem(a.where() + ": version " + a.fields[2] + " of document " + id +
                      " is missing");
        continue;
      }
      if (version->blobHash != a.fields[3] || std::to_string(version->size) != a.fields[4]) {
        judge.problem(a.where() + ": version " + a.fields[2] + " of document " + id +
                      " points at blob " + version->blobHash + " (" +
                      std::to_string(version->size) + " bytes)");
      }
      std::string parent = version->parentNumber ? std::to_string(*version->parentNumber) : "-";
      if (parent != a.fields[5]) {
        judge.problem(a.where() + ": version " + a.fields[2] + " of document " + id +
                      " has parent version " + parent);
      }
      verifyBlob(version->blobHash, a.where());
    } else if (kind == "audit") {
      if (!arity(judge, a, 4)) continue;
      auto entry = audit.entry(std::stoull(a.fields[1]));
      if (!entry) {
        judge.problem(a.where() + ": audit entry " + a.fields[1] + " is missing");
      } else if (entry->hash != a.fields[2] || entry->documentId != a.fields[3]) {
        judge.problem(a.where() + ": audit entry " + a.fields[1] + " is now " + entry->hash +
                      " about '" + entry->documentId + "'");
      }
    } else if (kind == "issuing") {
      if (!arity(judge, a, 2)) continue;
      issuing.insert(a.fields[1]);
    } else if (kind == "number") {
      if (!arity(judge, a, 3)) continue;
      ackedNumbers[a.fields[1]] = std::stoi(a.fields[2]);
      auto document = documents.findDocument(a.fields[1]);
      if (!document) {
        judge.problem(a.where() + ": issued document " + a.fields[1] + " is missing");
      } else if (document->registerNumber != std::stoi(a.fields[2]) ||
                 document->registerId != std::optional<std::string>(kRegister)) {
        judge.problem(a.where() + ": document " + a.fields[1] + " holds number " +
                      (document->registerNumber ? std::to_string(*document->registerNumber)
                                                : std::string("none")));
      }
    } else if (kind == "checkpoint") {
      if (!arity(judge, a, 3)) continue;
      bool found = false;
      for (const auto& checkpoint : audit.checkpoints()) {
        found = found || (std::to_string(checkpoint.treeSize) == a.fields[1] &&
                          checkpoint.rootHash == a.fields[2]);
      }
      if (!found) {
        judge.problem(a.where() + ": checkpoint of tree size " + a.fields[1] + " is missing");
      }
    } else {
      judge.problem(a.where() + ": unknown acknowledgement");
    }
  }

  // Every version of an acknowledged document (acknowledged or not: the kill may have come right
  // after its commit) is numbered 1..n and points at a blob that verifies: the blob is stored
  // before the version that names it.
  for (const auto& id : ackedDocuments) {
    auto all = documents.versions(id);
    for (size_t i = 0; i < all.size(); ++i) {
      const auto& v = all[i];
      std::string where = "document " + id + " version " + std::to_string(v.number);
      if (v.number != static_cast<int>(i) + 1) {
        judge.problem(where + ": versions are not numbered 1.." + std::to_string(all.size()));
      }
      verifyBlob(v.blobHash, where);
    }
  }

  // Register numbers: the documents whose issuance started (a kill may have come after the
  // commit but before the acknowledgement) hold numbers 1..M of the register, each once.
  std::map<int, std::string> holders;
  for (const auto& id : issuing) {
    auto document = documents.findDocument(id);
    if (!document) {
      judge.problem("document " + id + " (issuance started) is missing");
      continue;
    }
    if (!document->registerNumber) {
      if (ackedNumbers.count(id)) judge.problem("document " + id + " lost its register number");
      continue;
    }
    int number = *document->registerNumber;
    auto [at, fresh] = holders.emplace(number, id);
    if (!fresh) {
      judge.problem("register number " + std::to_string(number) + " is held by documents " +
                    at->second + " and " + id);
    }
  }
  int highest = holders.empty() ? 0 : holders.rbegin()->first;
  for (int n = 1; n <= highest; ++n) {
    if (!holders.count(n)) {
      judge.problem("register number " + std::to_string(n) + " is missing (a gap below " +
                    std::to_string(highest) + ")");
    }
  }

  // No torn blob anywhere: every blob whose record exists reads back to its hash.
  size_t stored = 0;
  fs::path root = dataDir / "blobs";
  auto isFanOut = [](const fs::path& p) {
    std::string name = p.filename().string();
    return name.size() == 2 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  if (fs::exists(root)) {
    for (const auto& first : fs::directory_iterator(root)) {
      if (!first.is_directory() || !isFanOut(first.path())) continue;
      for (const auto& second : fs::directory_iterator(first.path())) {
        if (!second.is_directory() || !isFanOut(second.path())) continue;
        for (const auto& file : fs::directory_iterator(second.path())) {
          std::string name = file.path().filename().string();
          if (name.size() != 64 + 5 || name.compare(64, 5, ".meta") != 0) continue;
          ++stored;
          verifyBlob(name.substr(0, 64), "blob store " + file.path().string());
        }
      }
    }
  }

  workflow::AuditVerification verification = audit.verify();
  for (const auto& text : verification.problems) judge.problem("audit verify: " + text);
  if (counts["checkpoint"] > 0 && verification.checkpoints == 0) {
    judge.problem("checkpoints were acknowledged but verify() read none");
  }

  std::cout << "crash check: " << acks.size() << " acknowledgements (" << counts["doc"]
            << " documents, " << counts["version"] << " versions, " << counts["blob"] << " blobs, "
            << counts["audit"] << " audit entries, " << counts["number"] << " register numbers, "
            << counts["checkpoint"] << " checkpoints; " << torn << " cut lines ignored); " << stored
            << " blobs in the store, " << verified.size()
            << " read back; audit log: " << verification.entries << " entries, "
            << verification.checkpoints << " checkpoints; register numbers 1.." << highest << "\n";
  if (judge.problems() > 0) {
    std::cout << "crash check FAILED: " << judge.problems() << " problem(s)\n";
    return 1;
  }
  std::cout << "crash check passed\n";
  return 0;
}

int runPut(const fs::path& dataDir, const fs::path& file) {
  storage::BlobStore blobs(dataDir / "blobs");
  storage::BlobInfo blob = blobs.putFile(file);
  std::cout << "blob " << blob.hash << " " << blob.size << "\n";
  return 0;
}

int usage() {
  std::cerr << "usage: vanthu-crash-writer [--seed N] DATA_DIR\n"
               "       vanthu-crash-writer --put DATA_DIR FILE\n"
               "       vanthu-crash-writer --check DATA_DIR ACKFILE\n";
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (const char* point = std::getenv("VANTHU_CRASH_AFTER_SYNC"))
    syncsBeforeKill = std::atol(point);
  try {
    if (args.size() == 3 && args[0] == "--check") return runCheck(args[1], args[2]);
    if (args.size() == 3 && args[0] == "--put") return runPut(args[1], args[2]);
    uint64_t seed = std::random_device()();
    if (args.size() == 3 && args[0] == "--seed") {
      seed = std::stoull(args[1]);
      args.erase(args.begin(), args.begin() + 2);
    }
    if (args.size() != 1 || args[0].empty() || args[0][0] == '-') return usage();
    return runWriter(args[0], seed);
  } catch (const Error& e) {
    std::cerr << "vanthu-crash-writer: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "vanthu-crash-writer: " << e.what() << "\n";
  }
  return 1;
}
