// vanthu: the administration and signing command line.
// Exit codes: 0 success; 1 the operation failed; 2 usage error (unknown command or flag, bad
// value).

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "audit_command.h"
#include "backup_command.h"
#include "blobs_command.h"
#include "cli_args.h"
#include "edxml_command.h"
#include "exchange_command.h"
#include "sign_command.h"
#include "tsa_command.h"
#include "vanthu/demo/demo_init.h"
#include "vanthu/workflow/error.h"

namespace {

using namespace vanthu;

constexpr const char* kUsage = R"(usage: vanthu COMMAND [OPTIONS]

Commands:
  demo init --dir DIR   create a demo data directory (PKI, organisations, users, sample PDFs,
                        images, database); does nothing if DIR already holds a complete demo.
                        The users' password is $VANTHU_DEMO_PASSWORD, else generated and printed.
                        --database URL fills that database (e.g. a PostgreSQL shared by several
                        servers) instead of DIR/vanthu.db.
  sign --in IN --out OUT ...
                        sign a PDF (PAdES); see 'vanthu sign --help'
  fill --in IN --out OUT --field NAME=VALUE...
                        fill text fields (the clerk's number and date) as an update
  tsa --p12 FILE --password-env VAR [--port N]
                        serve an RFC 3161 time-stamping authority (tests, demo)
  audit verify [--data DIR] [--tsa-trust PEM]
                        recompute the audit log's hash chain, signed checkpoints and their
                        time-stamps
  audit checkpoint [--data DIR] [--tsa URL]
                        sign a checkpoint of the audit log now (time-stamped by the TSA)
  audit timestamp --tsa URL [--data DIR]
                        time-stamp every checkpoint that has no time-stamp yet
  backup --to DIR [--data DIR]
                        a consistent online copy of the database and the blobs
  restore --from DIR [--data DIR]
                        bring a backup back into an empty data directory
  blobs gc [--data DIR] [--min-age DURATION]
                        remove the blobs no document version refers to
  exchange peer --code CODE --endpoint URL [--token-file FILE] [--ca-file PEM]
                        point an agency of the directory at its exchange endpoint
  exchange peers        list the agencies with an endpoint
  edxml pack|unpack|validate ...
                        make, take apart or check an edXML package (QCVN 102:2016); see
                        'vanthu edxml --help'
  help                  show this text

Options for every command: --help, --version.
)";

int usage(const std::string& message) {
  std::cerr << "vanthu: " << message << "; see 'vanthu help'" << std::endl;
  return cli::kExitUsage;
}

int demoInit(const std::vector<std::string>& args) {
  auto parsed = cli::parseArgs(
      args, {{"dir"}, {"pki-base-url"}, {"database"}, {"quiet", false}, {"help", false}});
  if (!parsed) return usage(parsed.status().message() + " for 'demo init'");
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << "usage: vanthu demo init --dir DIR [--pki-base-url URL] [--database URL] "
                 "[--quiet]\n";
    return cli::kExitOk;
  }
  if (!flags.positionals.empty()) {
    return usage("unexpected argument '" + flags.positionals.front() + "' for 'demo init'");
  }
  if (!flags.has("dir") || flags.value("dir").empty()) {
    return usage("'demo init' needs --dir DIR");
  }
  demo::DemoInitOptions options;
  options.dir = flags.value("dir");
  if (const char* password = std::getenv("VANTHU_DEMO_PASSWORD")) options.userPassword = password;
  if (flags.has("pki-base-url")) options.pkiBaseUrl = flags.value("pki-base-url");
  if (flags.has("database")) options.databaseUrl = flags.value("database");
  if (!flags.has("quiet")) {
    options.progress = [](const std::string& line) { std::cerr << "vanthu: " << line << "\n"; };
  }
  try {
    auto result = demo::initDemo(options);
    if (!result.created) {
      std::cout << "vanthu: " << options.dir.string()
                << " already holds the demo data; nothing to do" << std::endl;
      return cli::kExitOk;
    }
    std::cout << "vanthu: demo data created in " << options.dir.string() << "\n";
    std::cout << "  users: ";
    for (size_t i = 0; i < result.usernames.size(); ++i) {
      std::cout << (i ? ", " : "") << result.usernames[i];
    }
    std::cout << "\n";
    if (result.passwordGenerated) {
      std::cout << "  password (generated, also in "
                << (options.dir / demo::kDemoCredentialsFile).string()
                << "): " << result.userPassword << "\n";
    } else {
      std::cout << "  password: the value of VANTHU_DEMO_PASSWORD\n";
    }
    std::cout << std::flush;
    return cli::kExitOk;
  } catch (const Error& e) {
    std::cerr << "vanthu: demo init failed: " << e.describe() << std::endl;
    return e.code() == ErrorCode::InvalidArgument ? cli::kExitUsage : cli::kExitFailure;
  } catch (const std::filesystem::filesystem_error& e) {
    std::cerr << "vanthu: demo init failed: " << e.what() << std::endl;
    return cli::kExitFailure;
  }
}

}  // namespace

static int dispatch(const std::vector<std::string>& args) {
  if (args.empty()) return usage("no command given");
  const std::string& command = args.front();
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << kUsage;
    return cli::kExitOk;
  }
  if (command == "--version") {
    std::cout << "vanthu " << VANTHU_VERSION << std::endl;
    return cli::kExitOk;
  }
  if (command == "sign") return cli::runSignCommand({args.begin() + 1, args.end()});
  if (command == "tsa") return cli::runTsaCommand({args.begin() + 1, args.end()});
  if (command == "fill") return cli::runFillCommand({args.begin() + 1, args.end()});
  if (command == "audit") return cli::runAuditCommand({args.begin() + 1, args.end()});
  if (command == "backup") return cli::runBackupCommand({args.begin() + 1, args.end()});
  if (command == "restore") return cli::runRestoreCommand({args.begin() + 1, args.end()});
  if (command == "blobs") return cli::runBlobsCommand({args.begin() + 1, args.end()});
  if (command == "edxml") return cli::runEdxmlCommand({args.begin() + 1, args.end()});
  if (command == "exchange") return cli::runExchangeCommand({args.begin() + 1, args.end()});
  if (command == "demo") {
    if (args.size() < 2) return usage("'demo' needs a subcommand: init");
    if (args[1] == "init") return demoInit({args.begin() + 2, args.end()});
    return usage("unknown subcommand 'demo " + args[1] + "'");
  }
  if (command.rfind("-", 0) == 0) return usage("unknown option '" + command + "'");
  return usage("unknown command '" + command + "'");
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    return dispatch(args);
  } catch (const vanthu::Error& e) {
    std::cerr << "vanthu: failed (" << vanthu::errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return vanthu::cli::kExitFailure;
  } catch (const std::exception& e) {
    // A bug, not the user's doing: say so instead of dying with terminate().
    std::cerr << "vanthu: internal error: " << e.what() << std::endl;
    return vanthu::cli::kExitFailure;
  }
}
