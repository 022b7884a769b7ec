// Untrusted PDFs are parsed in a worker process (issue: strict reading, isolation): the worker
// is `vanthu-verify --worker`, which limits its own CPU time and address space before it reads
// the file and prints one JSON report. Here the parent enforces the wall-clock limit and turns
// a crash, a kill or garbage output into an unreadable-file report, so a batch run or the
// server goes on with the next file.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "vanthu/signing/signature_validator.h"
#include "verify/iso_time.h"

extern char** environ;

namespace vanthu::signing {
namespace {

constexpr size_t kMaxReportBytes = 64u * 1024u * 1024u;

FileReport unreadable(const std::filesystem::path& pdf, const std::string& code,
                      const std::string& reason) {
  FileReport report;
  report.file = pdf.string();
  report.readable = false;
  report.errorCode = code;
  report.error = reason;
  return report;
}

struct Pipe {
  int read = -1;
  int write = -1;
  ~Pipe() {
    if (read >= 0) close(read);
    if (write >= 0) close(write);
  }
};

}  // namespace

FileReport validatePdfIsolated(const std::filesystem::path& pdf,
                               const std::vector<std::filesystem::path>& trustAnchorFiles,
                               const ValidationOptions& options,
                               const std::filesystem::path& worker, const IsolationLimits& limits) {
  std::vector<std::string> args = {worker.string(),  "--worker",
                                   "--cpu-seconds",  std::to_string(limits.cpuTime.count()),
                                   "--memory-bytes", std::to_string(limits.memoryBytes)};
  for (const auto& anchor : trustAnchorFiles) {
    args.push_back("--trust");
    args.push_back(anchor.string());
  }
  if (options.at) {
    args.push_back("--at");
    args.push_back(detail::isoUtc(*options.at));
  }
  if (options.online) args.push_back("--online");
  args.push_back("--");
  args.push_back(pdf.string());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  Pipe output;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return unreadable(pdf, "io_failure", std::string("cannot create a pipe: ") + strerror(errno));
  }
  output.read = fds[0];
  output.write = fds[1];

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, output.write, STDOUT_FILENO);
  pid_t child = 0;
  int spawned = posix_spawn(&child, worker.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    return unreadable(
        pdf, "internal",
        "cannot start the validation worker " + worker.string() + ": " + strerror(spawned));
  }
  close(output.write);
  output.write = -1;

  std::string json;
  auto deadline = std::chrono::steady_clock::now() + limits.wallTime;
  bool timedOut = false;
  bool tooLarge = false;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timedOut = true;
      break;
    }
    pollfd poller{output.read, POLLIN, 0};
    int ready = poll(&poller, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    char buffer[65536];
    ssize_t got = read(output.read, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    json.append(buffer, static_cast<size_t>(got));
    if (json.size() > kMaxReportBytes) {
      tooLarge = true;
      break;
    }
  }
  if (timedOut || tooLarge) kill(child, SIGKILL);
  int status = 0;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }

  if (timedOut) {
    return unreadable(pdf, "invalid_pdf",
                      "validation did not finish within " +
                          std::to_string(limits.wallTime.count()) + " s; the worker was stopped");
  }
  if (tooLarge) return unreadable(pdf, "invalid_pdf", "the validation report is implausibly large");
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    std::string reason =
        signal == SIGXCPU || signal == SIGKILL
            ? "validation used more than its CPU time limit"
            : std::string("the validator stopped on this file (signal ") + strsignal(signal) + ")";
    return unreadable(pdf, "invalid_pdf", reason);
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || json.empty()) {
    return unreadable(pdf, "invalid_pdf",
                      "the validation worker failed (exit code " +
                          std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                          "), most likely out of memory on this file");
  }
  try {
    FileReport report = reportFromJson(json);
    report.file = pdf.string();
    return report;
  } catch (const Error& error) {
    return unreadable(pdf, "internal",
                      std::string("the worker's report is unreadable: ") + error.what());
  }
}

}  // namespace vanthu::signing
