#include "exchange_command.h"

#include <Poco/Timestamp.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_args.h"
#include "data_directory.h"
#include "vanthu/api/server_config.h"
#include "vanthu/storage/database.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/workflow/agency_code.h"

namespace vanthu::cli {
namespace {

constexpr const char* kUsage = R"(usage: vanthu exchange peer --code CODE --endpoint URL
                             [--token-file FILE] [--ca-file PEM] [--data DIR]
       vanthu exchange peers [--data DIR]

peer   points the directory entry of agency CODE (V1V2V3.Z1Z2.Y1Y2.X1X2X3, an organisation of
       the directory) at its exchange endpoint: packages and status messages for it are POSTed
       to URL/api/v1/exchange/inbox. FILE holds the API token that agency gave us (scope
       exchange:inbox); PEM the CA its TLS certificate must chain to (https endpoints; the
       system's CAs otherwise). --endpoint "" makes the agency one hosted by this instance again
       (delivered to in process). The token is never printed.
peers  lists the agencies with an endpoint.

The database is the one of DIR/vanthu.properties (database.url), else DIR/vanthu.db. A running
server reads the entry at its next delivery. Exit status: 0 done; 1 the database could not be
read or written; 2 usage or configuration error (unknown agency, unreadable file).
)";

int usage(const std::string& message) {
  std::cerr << "vanthu exchange: " << message << "; see 'vanthu exchange --help'" << std::endl;
  return kExitUsage;
}

std::optional<std::string> readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  std::string value = text.str();
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ')) {
    value.pop_back();
  }
  return value;
}

std::string isoNow() {
  std::time_t now = static_cast<std::time_t>(Poco::Timestamp().epochTime());
  std::tm parts{};
  gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace

int runExchangeCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (args.empty() || (args[0] != "peer" && args[0] != "peers")) {
    return usage(args.empty() ? "'exchange' needs a subcommand: peer or peers"
                              : "unknown subcommand 'exchange " + args[0] + "'");
  }
  const bool list = args[0] == "peers";
  auto parsed =
      parseArgs({args.begin() + 1, args.end()},
                {{"data"}, {"code"}, {"endpoint"}, {"token-file"}, {"ca-file"}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty()) {
    return usage("unexpected argument '" + flags.positionals.front() + "'");
  }
  std::filesystem::path dataDir = dataDirectoryOf(flags);
  if (auto status = api::checkDataDirectory(dataDir); !status) return usage(status.message());
  auto url = databaseUrlOf(dataDir, dataDir / "vanthu.properties");
  if (!url) return usage(url.status().message());
  try {
    auto database = storage::Database::open({url.value()});
    storage::SqlDirectoryRepository directory(*database);
    if (list) {
      for (const auto& organisation : directory.listOrganisations()) {
        if (organisation.endpoint.empty()) continue;
        auto credentials = storage::SqlExchangeState(*database).peerCredentials(organisation.code);
        std::cout << organisation.code << "\t" << organisation.endpoint << "\t"
                  << (credentials && !credentials->token.empty() ? "token" : "no token") << "\t"
                  << (credentials && !credentials->caPem.empty() ? "own CA" : "system CAs") << "\t"
                  << organisation.name << "\n";
      }
      return kExitOk;
    }
    if (!flags.has("code")) return usage("--code is required");
    if (!flags.has("endpoint")) return usage("--endpoint is required");
    auto code = workflow::AgencyCode::parse(flags.value("code"));
    if (!code) return usage(code.status().message());
    const std::string endpoint = flags.value("endpoint");
    if (!endpoint.empty() && endpoint.rfind("http://", 0) != 0 &&
        endpoint.rfind("https://", 0) != 0) {
      return usage("--endpoint must be an http:// or https:// URL, or empty");
    }
    storage::PeerCredentials credentials;
    if (flags.has("token-file")) {
      auto token = readText(flags.value("token-file"));
      if (!token || token->empty()) {
        return usage("cannot read a token from " + flags.value("token-file"));
      }
      credentials.token = *token;
    }
    if (flags.has("ca-file")) {
      auto pem = readText(flags.value("ca-file"));
      if (!pem || pem->find("-----BEGIN CERTIFICATE-----") == std::string::npos) {
        return usage(flags.value("ca-file") + " is not a PEM certificate file");
      }
      credentials.caPem = *pem;
    }
    std::optional<workflow::Organisation> found;
    for (auto& organisation : directory.listOrganisations()) {
      if (organisation.code == code.value().text()) found = organisation;
    }
    if (!found) return usage("no agency " + code.value().text() + " in the directory");
    found->endpoint = endpoint;
    if (auto updated = directory.updateOrganisation(*found); !updated) {
      std::cerr << "vanthu exchange: " << updated.message() << std::endl;
      return kExitFailure;
    }
    storage::SqlExchangeState(*database).setPeerCredentials(found->code, credentials, isoNow());
    std::cout << found->code << " (" << found->name
              << "): " << (endpoint.empty() ? "hosted here" : endpoint)
              << (credentials.token.empty() ? "" : ", with a token")
              << (credentials.caPem.empty() ? "" : ", with its own CA") << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    std::cerr << "vanthu exchange: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return kExitFailure;
  }
}

}  // namespace vanthu::cli
