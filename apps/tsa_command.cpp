#include "tsa_command.h"

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli_args.h"
#include "vanthu/signing/key_sources.h"
#include "vanthu/signing/timestamp_authority.h"
#include "vanthu/signing/timestamp_server.h"

namespace vanthu::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: vanthu tsa --p12 FILE --password-env VAR [--host ADDR] [--port N]

Serves an RFC 3161 time-stamping authority over HTTP with the key and certificate in FILE (its
certificate must carry the critical extendedKeyUsage timeStamping; the demo's is
DIR/pki/tsa/tsa.p12). POST application/timestamp-query to any path. Stops on SIGTERM or SIGINT.
Prints "listening on http://HOST:PORT/" when ready.
)";

int usage(const std::string& message) {
  std::cerr << "vanthu tsa: " << message << "; see 'vanthu tsa --help'" << std::endl;
  return kExitUsage;
}

}  // namespace

int runTsaCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"p12"}, {"password-env"}, {"host"}, {"port"}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!flags.has("p12") || !flags.has("password-env")) {
    return usage("--p12 FILE and --password-env VAR are required");
  }
  const char* password = std::getenv(flags.value("password-env").c_str());
  if (password == nullptr)
    return usage("the variable " + flags.value("password-env") + " is not set");
  long port = 0;
  try {
    port = std::stol(flags.value("port", "0"));
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535) return usage("--port must be 0-65535");
  try {
    auto contents = signing::readPkcs12(flags.value("p12"), password);
    signing::TimestampAuthorityOptions options;
    options.chain = contents.chain;
    signing::TimestampAuthority authority(contents.certificate, contents.key, options);
    signing::TimestampServer server(authority);
    // Block the stop signals before any thread starts, then wait for one of them.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    server.start(flags.value("host", "127.0.0.1"), static_cast<uint16_t>(port));
    std::cout << "vanthu tsa: listening on " << server.url() << std::endl;
    int received = 0;
    sigwait(&stop, &received);
    server.stop();
    return kExitOk;
  } catch (const Error& e) {
    std::cerr << "vanthu tsa: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return e.code() == ErrorCode::IoFailure ? kExitUsage : kExitFailure;
  }
}

}  // namespace vanthu::cli
