#include "audit_command.h"

#include <openssl/sha.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_args.h"
#include "data_directory.h"
#include "vanthu/api/server_config.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/signature_validator.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"

namespace vanthu::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: vanthu audit verify [--data DIR] [--public-key PEM]... [--tsa-trust PEM]...
       vanthu audit checkpoint [--data DIR] [--tsa URL]
       vanthu audit timestamp --tsa URL [--data DIR]

verify: recomputes the audit log of the data directory DIR (default: $VANTHU_DATA, else ./var):
every entry's hash and its link to the previous entry, every stored Merkle tree node, every
signed checkpoint (its root over the entries and its Ed25519 signature) and every RFC 3161
time-stamp token over a checkpoint (its imprint and the TSA's signature; with --tsa-trust, also
the TSA's chain to that root). The database is the one of DIR/vanthu.properties (database.url),
else DIR/vanthu.db. Checkpoints are checked with the public half of the instance key
(DIR/keys/audit-instance.pub.pem, else DIR/keys/audit-instance.pem) and with each --public-key
file (PEM).

checkpoint: signs a checkpoint (signed tree head) over the log as it is now with the instance
key, and with --tsa has the time-stamping authority at URL stamp it.

timestamp: has the TSA at URL stamp every checkpoint that has no time-stamp yet (after an
outage of the TSA, or for checkpoints signed without one).

Exit status: 0 the log verifies ("audit log verified: N entries, M checkpoints, T time-stamps")
or the checkpoint/time-stamps were stored; 1 it does not verify (the first broken entry or
checkpoint is named) or the TSA failed; 2 usage or configuration error.
)";

int usage(const std::string& message) {
  std::cerr << "vanthu audit: " << message << "; see 'vanthu audit --help'" << std::endl;
  return kExitUsage;
}

std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int verify(const ParsedArgs& flags) {
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  if (auto status = api::checkDataDirectory(dataDir, api::DataAccess::ReadOnly); !status)
    return usage(status.message());
  auto url = databaseUrlOf(dataDir, dataDir / "vanthu.properties");
  if (!url) return usage(url.status().message());
  const std::string prefix = "sqlite:";
  if (url.value().rfind(prefix, 0) == 0 &&
      !std::filesystem::exists(url.value().substr(prefix.size()))) {
    // Opening would create an empty database, and an empty log verifies: say so instead.
    return usage("no database at " + url.value().substr(prefix.size()));
  }

  storage::SqlAuditLogOptions options;
  std::vector<std::string> keyIds;
  try {
    auto keyPath = storage::auditKeyPath(dataDir);
    auto publicPath = keyPath;
    publicPath.replace_extension(".pub.pem");
    // Only the public half is needed: prefer its file, so that checking does not need the
    // private key's permissions.
    if (std::filesystem::exists(publicPath)) {
      std::string pem = readText(publicPath);
      keyIds.push_back(storage::auditKeyIdOfPem(pem) + " (" + publicPath.string() + ")");
      options.trustedPublicKeys.push_back(pem);
    } else if (std::filesystem::exists(keyPath)) {
      auto key = storage::AuditSigningKey::loadOrCreate(keyPath);
      options.trustedPublicKeys.push_back(key->publicKeyPem());
      keyIds.push_back(key->keyId() + " (" + keyPath.string() + ")");
    }
    for (const auto& file : flags.options.count("public-key") ? flags.options.at("public-key")
                                                              : std::vector<std::string>{}) {
      std::string pem = readText(file);
      keyIds.push_back(storage::auditKeyIdOfPem(pem) + " (" + file + ")");
      options.trustedPublicKeys.push_back(pem);
    }
  } catch (const Error& e) {
    return usage(e.describe());
  }

  signing::ValidationOptions tsaTrust;
  try {
    for (const auto& file : flags.options.count("tsa-trust") ? flags.options.at("tsa-trust")
                                                             : std::vector<std::string>{}) {
      auto anchors = signing::Certificate::allFromPem(readText(file));
      if (anchors.empty()) return usage(file + " holds no PEM certificate");
      tsaTrust.trustAnchors.insert(tsaTrust.trustAnchors.end(), anchors.begin(), anchors.end());
    }
  } catch (const Error& e) {
    return usage(e.describe());
  }
  const bool judgeTrust = !tsaTrust.trustAnchors.empty();
  options.checkTimestamp = [&](const std::string& token, const std::string& stamped) {
    auto report = signing::validateTimestampToken(token, stamped, tsaTrust);
    if (!report.imprintMatches) return std::string("its imprint is not this checkpoint");
    bool good = report.indication == signing::Indication::TotalPassed ||
                // Without --tsa-trust only the imprint and the TSA's signature are judged.
                (!judgeTrust && report.indication == signing::Indication::Indeterminate &&
                 report.subindication == "NO_CERTIFICATE_CHAIN_FOUND");
    if (good) return std::string();
    std::string why =
        report.subindication.empty() ? std::string("not valid") : report.subindication;
    for (const auto& error : report.errors) why += "; " + error;
    return why;
  };

  try {
    auto database = storage::Database::open({url.value()});
    storage::SqlAuditLog log(*database, nullptr, options);
    auto result = log.verify();
    if (result.ok()) {
      std::cout << "audit log verified: " << result.entries << " entries, " << result.checkpoints
                << " checkpoints, " << result.timestamps << " time-stamps" << std::endl;
      for (const auto& id : keyIds) std::cout << "  trusted checkpoint key: " << id << "\n";
      if (result.timestamps > 0 && !judgeTrust) {
        std::cout << "  time-stamps: imprint and TSA signature checked; give --tsa-trust ROOT.pem"
                     " to check the TSA's chain too\n";
      }
      return kExitOk;
    }
    std::cout << "audit log BROKEN";
    if (result.firstBrokenEntry) std::cout << ": first broken entry " << *result.firstBrokenEntry;
    if (result.firstBrokenCheckpoint) {
      std::cout << (result.firstBrokenEntry ? "," : ":") << " first broken checkpoint at tree size "
                << *result.firstBrokenCheckpoint;
    }
    std::cout << " (" << result.entries << " entries, " << result.checkpoints
              << " checkpoints read)\n";
    for (const auto& problem : result.problems) std::cout << "  " << problem << "\n";
    if (keyIds.empty() && result.checkpoints > 0) {
      std::cout << "  (no trusted key: give --public-key PEM or keep " +
                       storage::auditKeyPath(dataDir).string() + ")\n";
    }
    std::cout.flush();
    return kExitFailure;
  } catch (const Error& e) {
    std::cerr << "vanthu audit: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return e.code() == ErrorCode::DatabaseUnavailable ? kExitUsage : kExitFailure;
  }
}

struct OpenLog {
  std::unique_ptr<storage::Database> database;
  std::unique_ptr<storage::SqlAuditLog> log;
};

// The log with the instance key, for commands that sign or add to it.
Result<OpenLog> openForWriting(const ParsedArgs& flags) {
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  if (auto status = api::checkDataDirectory(dataDir); !status) return status;
  auto url = databaseUrlOf(dataDir, dataDir / "vanthu.properties");
  if (!url) return url.status();
  const std::string prefix = "sqlite:";
  if (url.value().rfind(prefix, 0) == 0 &&
      !std::filesystem::exists(url.value().substr(prefix.size()))) {
    return Status(ErrorCode::NotFound, "no database at " + url.value().substr(prefix.size()));
  }
  OpenLog open;
  std::shared_ptr<const storage::AuditSigningKey> key =
      storage::AuditSigningKey::loadOrCreate(storage::auditKeyPath(dataDir));
  open.database = storage::Database::open({url.value()});
  open.log = std::make_unique<storage::SqlAuditLog>(*open.database, key);
  return open;
}

// Asks the TSA for a token over `checkpoint` and stores it. Throws what the TSA client throws.
void stamp(storage::SqlAuditLog& log, const workflow::AuditCheckpoint& checkpoint,
           const std::string& tsaUrl, signing::HttpFetcher& fetcher) {
  signing::HttpTimeStamper stamper(tsaUrl, fetcher);
  std::string data = storage::checkpointTimestampData(checkpoint);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  std::string token =
      stamper.timestampToken(std::string(reinterpret_cast<const char*>(digest), sizeof digest),
                             signing::DigestAlgorithm::Sha256);
  std::string genTime = signing::timestampTokenGenTime(token);
  log.addCheckpointTimestamp(checkpoint, token, genTime, tsaUrl);
  std::cout << "checkpoint at tree size " << checkpoint.treeSize << " time-stamped at " << genTime
            << " by " << tsaUrl << "\n";
}

int failed(const Error& e) {
  std::cerr << "vanthu audit: failed (" << errorCodeName(e.code()) << "): " << e.describe()
            << std::endl;
  return e.code() == ErrorCode::DatabaseUnavailable || e.code() == ErrorCode::InvalidConfig
             ? kExitUsage
             : kExitFailure;
}

int checkpoint(const ParsedArgs& flags) {
  try {
    auto open = openForWriting(flags);
    if (!open) return usage(open.status().message());
    auto made = open.value().log->checkpoint();
    std::cout << "checkpoint signed: tree size " << made.treeSize << ", root " << made.rootHash
              << ", key " << made.keyId << "\n";
    if (flags.has("tsa")) {
      auto fetcher = signing::makeHttpFetcher();
      stamp(*open.value().log, made, flags.value("tsa"), *fetcher);
    }
    std::cout.flush();
    return kExitOk;
  } catch (const Error& e) {
    return failed(e);
  }
}

int timestamp(const ParsedArgs& flags) {
  if (!flags.has("tsa")) return usage("timestamp needs --tsa URL");
  try {
    auto open = openForWriting(flags);
    if (!open) return usage(open.status().message());
    auto pending = open.value().log->checkpointsWithoutTimestamp();
    auto fetcher = signing::makeHttpFetcher();
    for (const auto& checkpoint : pending) {
      stamp(*open.value().log, checkpoint, flags.value("tsa"), *fetcher);
    }
    std::cout << pending.size() << " checkpoint(s) time-stamped" << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    return failed(e);
  }
}

}  // namespace

int runAuditCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(
      args,
      {{"data"}, {"public-key", true, true}, {"tsa-trust", true, true}, {"tsa"}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (flags.positionals.empty()) {
    return usage("which audit command? ('verify', 'checkpoint' or 'timestamp')");
  }
  if (flags.positionals.size() > 1) {
    return usage("unexpected argument '" + flags.positionals.back() + "'");
  }
  const std::string& command = flags.positionals.front();
  if (command == "verify") return verify(flags);
  if (command == "checkpoint") return checkpoint(flags);
  if (command == "timestamp") return timestamp(flags);
  return usage("unknown audit command '" + command + "'");
}

}  // namespace vanthu::cli
