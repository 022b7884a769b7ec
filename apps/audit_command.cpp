#include "audit_command.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_args.h"
#include "data_directory.h"
#include "vanthu/api/server_config.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_audit_log.h"

namespace vanthu::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: vanthu audit verify [--data DIR] [--public-key PEM]...

Recomputes the audit log of the data directory DIR (default: $VANTHU_DATA, else ./var): every
entry's hash and its link to the previous entry, every stored Merkle tree node, and every signed
checkpoint (its root over the entries and its Ed25519 signature). The database is the one of
DIR/vanthu.properties (database.url), else DIR/vanthu.db. Checkpoints are checked with the public
half of the instance key (DIR/keys/audit-instance.pub.pem, else DIR/keys/audit-instance.pem)
and with each --public-key file (PEM).

Exit status: 0 the log verifies ("audit log verified: N entries, M checkpoints"); 1 it does not
(the first broken entry or checkpoint is named); 2 usage or configuration error.
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

  try {
    auto database = storage::Database::open({url.value()});
    storage::SqlAuditLog log(*database, nullptr, options);
    auto result = log.verify();
    if (result.ok()) {
      std::cout << "audit log verified: " << result.entries << " entries, " << result.checkpoints
                << " checkpoints" << std::endl;
      for (const auto& id : keyIds) std::cout << "  trusted checkpoint key: " << id << "\n";
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

}  // namespace

int runAuditCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"data"}, {"public-key", true, true}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (flags.positionals.empty()) return usage("which audit command? ('verify')");
  if (flags.positionals.front() != "verify" || flags.positionals.size() > 1) {
    return usage("unknown audit command '" + flags.positionals.back() + "'");
  }
  return verify(flags);
}

}  // namespace vanthu::cli
