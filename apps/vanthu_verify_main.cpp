// vanthu-verify: validates the signatures of PDF files (DESIGN §4). Each file is read by a
// worker process (this executable with --worker) under CPU, memory and time limits.
// Exit codes: 0 all TOTAL_PASSED; 1 some TOTAL_FAILED; 2 some INDETERMINATE (none failed);
// 3 a file could not be read; 4 the command line or a trust anchor file is wrong.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <future>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli_args.h"
#include "vanthu/signing/signature_validator.h"

namespace {

using namespace vanthu;

// Usage errors get their own code: 2 already means INDETERMINATE here (DESIGN §4).
constexpr int kExitVerifyUsage = 4;

constexpr const char* kUsage =
    R"(usage: vanthu-verify [--trust PEM]... [--at ISO-TIME] [--online] [--json]
                     [--timeout SECONDS] FILE.pdf...

Validates every signature and document time-stamp in each PDF (ETSI EN 319 102-1) and reports
TOTAL_PASSED, TOTAL_FAILED or INDETERMINATE per signature, with what changed after it.

  --trust PEM       a trust anchor (root certificate); repeatable; a file may hold several
  --at TIME         validate at this time (ISO 8601, e.g. 2026-01-31T08:00:00Z) instead of now
  --online          fetch OCSP responses / CRLs that the file does not carry
  --json            one JSON report per file and line (docs/verification-report.schema.json)
  --timeout SECONDS wall-clock and CPU limit per file (default 60)
  --max-memory MB   address-space limit of the process that reads a file (default 2048)

Exit 0: all passed; 1: some failed; 2: some indeterminate (none failed); 3: a file could not
be read; 4: bad command line or trust anchor file.
)";

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::NotFound, "cannot read " + path);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::chrono::system_clock::time_point parseTime(const std::string& text) {
  std::tm parts{};
  std::istringstream in(text);
  in >> std::get_time(&parts, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) {
    throw Error(ErrorCode::InvalidArgument,
                "--at '" + text + "' is not an ISO 8601 time like 2026-01-31T08:00:00Z");
  }
  long offset = 0;
  std::string rest;
  std::getline(in, rest);
  if (rest == "Z" || rest.empty()) {
    offset = 0;
  } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
    offset = (std::stol(rest.substr(1, 2)) * 60 + std::stol(rest.substr(4, 2))) * 60;
    if (rest[0] == '-') offset = -offset;
  } else {
    throw Error(ErrorCode::InvalidArgument, "--at '" + text + "' has an unreadable time zone");
  }
  return std::chrono::system_clock::from_time_t(timegm(&parts) - offset);
}

std::vector<signing::Certificate> readAnchors(const std::vector<std::string>& files) {
  std::vector<signing::Certificate> anchors;
  for (const auto& file : files) {
    auto certificates = signing::Certificate::allFromPem(readFile(file));
    if (certificates.empty()) {
      throw Error(ErrorCode::InvalidArgument, file + " holds no PEM certificate");
    }
    anchors.insert(anchors.end(), certificates.begin(), certificates.end());
  }
  return anchors;
}

long positiveNumber(const cli::ParsedArgs& args, const std::string& option) {
  const std::string text = args.value(option);
  char* end = nullptr;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value <= 0) {
    throw Error(ErrorCode::InvalidArgument,
                "--" + option + " must be a positive number, not '" + text + "'");
  }
  return value;
}

#if !defined(__SANITIZE_ADDRESS__)
// The address space this process already holds (libraries, heap, stacks), from /proc.
uint64_t addressSpaceInUse() {
  std::ifstream statm("/proc/self/statm");
  uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}
#endif

// A limit the worker cannot honour is reported for the file, not silently ignored: a batch
// run that asked for it must not believe the file was read under it.
int refuseToRead(const std::string& file, const std::string& reason) {
  signing::FileReport report;
  report.file = file;
  report.readable = false;
  report.errorCode = std::string(errorCodeName(ErrorCode::InvalidConfig));
  report.error = reason;
  std::cout << signing::reportToJson(report) << "\n";
  return std::cout.good() ? 0 : 1;
}

// The worker: limits itself, validates one file in-process, prints its JSON report.
int runWorker(const cli::ParsedArgs& args) {
  if (args.positionals.size() != 1) throw Error(ErrorCode::InvalidArgument, "one file per worker");
  const std::string& file = args.positionals[0];
  rlimit cpu{};
  cpu.rlim_cur = std::stoul(args.value("cpu-seconds", "60"));
  cpu.rlim_max = cpu.rlim_cur + 1;
  if (setrlimit(RLIMIT_CPU, &cpu) != 0) {
    return refuseToRead(file, std::string("cannot limit the CPU time: ") + strerror(errno));
  }
#if !defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer reserves terabytes of address space; the limit is for release builds.
  const uint64_t limit = std::stoull(args.value("memory-bytes", "2147483648"));
  const uint64_t inUse = addressSpaceInUse();
  if (inUse >= limit) {
    return refuseToRead(file, "the memory limit of " + std::to_string(limit >> 20) +
                                  " MiB is below the " +
                                  std::to_string((inUse + (1u << 20) - 1) >> 20) +
                                  " MiB the validator holds before it reads a file");
  }
  rlimit memory{};
  memory.rlim_cur = memory.rlim_max = limit;
  if (setrlimit(RLIMIT_AS, &memory) != 0) {
    return refuseToRead(file, std::string("cannot limit the memory: ") + strerror(errno));
  }
#endif
  signing::ValidationOptions options;
  options.trustAnchors = readAnchors(args.options.count("trust") ? args.options.at("trust")
                                                                 : std::vector<std::string>{});
  if (args.has("at")) options.at = parseTime(args.value("at"));
  std::unique_ptr<signing::HttpFetcher> fetcher;
  if (args.has("online")) {
    fetcher = signing::makeHttpFetcher();
    options.online = true;
    options.fetcher = fetcher.get();
  }
  std::cout << signing::reportToJson(signing::validatePdf(file, options)) << "\n";
  return std::cout.good() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = cli::parseArgs(args, {{"trust", true, true},
                                      {"at"},
                                      {"online", false},
                                      {"json", false},
                                      {"timeout"},
                                      {"max-memory"},
                                      {"worker", false},
                                      {"cpu-seconds"},
                                      {"memory-bytes"},
                                      {"help", false},
                                      {"version", false}});
  if (!parsed) {
    std::cerr << "vanthu-verify: " << parsed.status().message() << "; see 'vanthu-verify --help'\n";
    return kExitVerifyUsage;
  }
  const auto& options = parsed.value();
  if (options.has("help")) {
    std::cout << kUsage;
    return cli::kExitOk;
  }
  if (options.has("version")) {
    std::cout << "vanthu-verify " << VANTHU_VERSION << "\n";
    return cli::kExitOk;
  }
  try {
    if (options.has("worker")) return runWorker(options);
    if (options.positionals.empty()) {
      std::cerr << "vanthu-verify: no PDF given; see 'vanthu-verify --help'\n";
      return kExitVerifyUsage;
    }
    std::vector<std::string> anchorFiles =
        options.options.count("trust") ? options.options.at("trust") : std::vector<std::string>{};
    signing::ValidationOptions validation;
    validation.trustAnchors = readAnchors(anchorFiles);  // fail early on a bad anchor file
    if (options.has("at")) validation.at = parseTime(options.value("at"));
    validation.online = options.has("online");
    signing::IsolationLimits limits;
    if (options.has("timeout")) {
      long seconds = positiveNumber(options, "timeout");
      limits.wallTime = std::chrono::seconds(seconds);
      limits.cpuTime = std::chrono::seconds(seconds);
    }
    if (options.has("max-memory")) {
      long megabytes = positiveNumber(options, "max-memory");
      limits.memoryBytes = static_cast<uint64_t>(megabytes) << 20;
    }
    std::vector<std::filesystem::path> anchors(anchorFiles.begin(), anchorFiles.end());
    bool json = options.has("json");
    bool colour = !json && isatty(STDOUT_FILENO) && getenv("NO_COLOR") == nullptr;
    // Files are independent: up to one worker per core, reports printed in the given order.
    const auto& files = options.positionals;
    size_t parallel = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::future<signing::FileReport>> pending(files.size());
    auto start = [&](size_t i) {
      pending[i] = std::async(std::launch::async, [&, i] {
        return signing::validatePdfIsolated(files[i], anchors, validation, "/proc/self/exe",
                                            limits);
      });
    };
    for (size_t i = 0; i < files.size() && i < parallel; ++i) start(i);
    std::vector<signing::FileReport> reports;
    for (size_t i = 0; i < files.size(); ++i) {
      const std::string& file = files[i];
      signing::FileReport report = pending[i].get();
      if (i + parallel < files.size()) start(i + parallel);
      if (json) {
        std::cout << signing::reportToJson(report) << "\n";
      } else {
        std::cout << signing::reportToText(report, colour) << "\n";
      }
      std::cout.flush();
      if (!report.readable) {
        std::cerr << "vanthu-verify: " << file << " could not be read (" << report.errorCode
                  << "): " << report.error << "\n";
      }
      reports.push_back(std::move(report));
    }
    return signing::verificationExitCode(reports);
  } catch (const Error& error) {
    std::cerr << "vanthu-verify: " << error.what() << "\n";
    return options.has("worker") ? 1 : kExitVerifyUsage;
  } catch (const std::exception& error) {
    std::cerr << "vanthu-verify: " << error.what() << "\n";
    return options.has("worker") ? 1 : kExitVerifyUsage;
  }
}
