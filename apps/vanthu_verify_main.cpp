// vanthu-verify: validates the signatures of PDF files (DESIGN §4).
// Exit codes: 0 all TOTAL_PASSED; 1 some TOTAL_FAILED; 2 some INDETERMINATE; 3 unreadable.
//
// The validation engine is not part of this build yet. Until it is, this tool refuses to give a
// verdict rather than give one it has not earned: it exits 3 for every file.

#include <iostream>

#include "cli_args.h"

namespace {

constexpr const char* kUsage =
    R"(usage: vanthu-verify [--trust PEM]... [--at ISO-TIME] [--online] [--json] FILE.pdf...

Validates every signature in each PDF (ETSI EN 319 102-1) and reports TOTAL_PASSED,
TOTAL_FAILED or INDETERMINATE. Exit 0: all passed; 1: some failed; 2: some indeterminate
(none failed); 3: a file could not be read or validated.
)";

}  // namespace

int main(int argc, char** argv) {
  using namespace vanthu;
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::parseArgs(args, {{"trust", true, true},
                                      {"at"},
                                      {"online", false},
                                      {"json", false},
                                      {"help", false},
                                      {"version", false}});
  if (!parsed) {
    std::cerr << "vanthu-verify: " << parsed.status().message() << "; see 'vanthu-verify --help'\n";
    return cli::kExitUsage;
  }
  if (parsed.value().has("help")) {
    std::cout << kUsage;
    return cli::kExitOk;
  }
  if (parsed.value().has("version")) {
    std::cout << "vanthu-verify " << VANTHU_VERSION << "\n";
    return cli::kExitOk;
  }
  if (parsed.value().positionals.empty()) {
    std::cerr << "vanthu-verify: no PDF given; see 'vanthu-verify --help'\n";
    return cli::kExitUsage;
  }
  for (const auto& file : parsed.value().positionals) {
    std::cerr << "vanthu-verify: " << file
              << ": signature validation is not available in this build; no verdict given\n";
  }
  return 3;
}
