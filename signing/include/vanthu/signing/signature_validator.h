#pragma once

// Validation of the signatures and document time-stamps of a PDF, in the order of ETSI EN 319
// 102-1 (standards/pdf-signatures.md §2): format, signer identification, chain, revocation,
// integrity, time-stamps, then what every later revision changed (pyHanko-style whitelist).
//
// validatePdf runs in the calling process; validatePdfIsolated runs it in a worker process with
// CPU, memory and wall-time limits, so a crash or a hang while parsing an untrusted PDF becomes
// an unreadable-file report and nothing else.

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/verification_report.h"

namespace vanthu::signing {

struct ValidationOptions {
  std::vector<Certificate> trustAnchors;
  /// The validation time; now when empty.
  std::optional<std::chrono::system_clock::time_point> at;
  /// Fetch OCSP responses / CRLs that the file does not carry. Needs `fetcher`.
  bool online = false;
  HttpFetcher* fetcher = nullptr;
};

/// The verdict on an RFC 3161 time-stamp token over bytes that are not a PDF (an audit
/// checkpoint, a package): imprint, the TSA's signature and key purpose, its chain to
/// `options.trustAnchors` at `options.at` (or now), and revocation as for signatures.
struct TimestampTokenReport {
  Indication indication = Indication::Indeterminate;
  std::string subindication;  ///< ETSI name, empty when TOTAL_PASSED
  std::string genTime;        ///< ISO 8601 UTC, empty when the token cannot be read
  bool imprintMatches = false;
  bool trusted = false;
  std::string authority;  ///< the TSA certificate's subject
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

/// Never throws for what `tokenDer` contains: the report says what is wrong.
TimestampTokenReport validateTimestampToken(const std::string& tokenDer,
                                            const std::string& stampedData,
                                            const ValidationOptions& options);

/// Validates every signature of `pdf`. Never throws for what the file contains: an unreadable
/// file is a report with readable == false.
FileReport validatePdf(const std::filesystem::path& pdf, const ValidationOptions& options);

struct IsolationLimits {
  std::chrono::seconds wallTime{60};
  std::chrono::seconds cpuTime{60};
  uint64_t memoryBytes = 2ULL << 30;  ///< address space of the worker
};

/// validatePdf in a child process: `worker` is the vanthu-verify executable (run as
/// `vanthu-verify --worker ...`). The trust anchors are handed over as PEM files.
FileReport validatePdfIsolated(const std::filesystem::path& pdf,
                               const std::vector<std::filesystem::path>& trustAnchorFiles,
                               const ValidationOptions& options,
                               const std::filesystem::path& worker,
                               const IsolationLimits& limits = {});

}  // namespace vanthu::signing
