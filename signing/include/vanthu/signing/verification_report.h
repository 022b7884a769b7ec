#pragma once

// The result of validating the signatures of one PDF (DESIGN §4 "Verification report"), its JSON
// form (docs/verification-report.schema.json) and its human form. Names follow ETSI EN 319 102-1:
// an indication (TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE) and a sub-indication
// (HASH_FAILURE, SIG_CRYPTO_FAILURE, NO_CERTIFICATE_CHAIN_FOUND, ...).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vanthu::signing {

enum class Indication : uint8_t { TotalPassed, TotalFailed, Indeterminate };

/// "TOTAL_PASSED", "TOTAL_FAILED", "INDETERMINATE".
std::string_view indicationName(Indication indication);
std::optional<Indication> indicationFromName(std::string_view name);
/// 0 passed, 1 indeterminate, 2 failed: the worst of several is the highest.
int indicationSeverity(Indication indication);

/// What the revisions after a signature changed, from harmless to anything (pyHanko's levels).
enum class ModificationLevel : uint8_t { None, LtaUpdates, FormFilling, Annotations, Other };

/// "NONE", "LTA_UPDATES", "FORM_FILLING", "ANNOTATIONS", "OTHER".
std::string_view modificationLevelName(ModificationLevel level);
std::optional<ModificationLevel> modificationLevelFromName(std::string_view name);

struct CertificateSummary {
  std::string subject;    ///< RFC 2253 distinguished name, UTF-8
  std::string issuer;     ///< RFC 2253
  std::string serial;     ///< upper-case hex
  std::string notBefore;  ///< ISO 8601 UTC
  std::string notAfter;   ///< ISO 8601 UTC
};

struct RevocationSummary {
  std::string status = "unknown";  ///< "good", "revoked", "unknown"
  std::string source = "none";     ///< "dss", "cms", "online", "none"
  std::string revokedAt;           ///< ISO 8601 UTC when status is "revoked"
};

struct SignatureReport {
  std::string field;                    ///< fully qualified field name
  std::string kind = "signature";       ///< "signature" or "document-timestamp"
  CertificateSummary signer;            ///< the signing (or time-stamping) certificate
  std::string subfilter;                ///< /SubFilter as written
  std::string level;                    ///< "B-B", "B-T", "B-LT", "B-LTA", or "" (not PAdES)
  std::string claimedTime;              ///< /M (a claim, not a proof), ISO 8601, or ""
  std::string timestampTime;            ///< genTime of a valid signature time-stamp, or ""
  std::string bestSignatureTime;        ///< earliest proven time of existence, or ""
  std::string bestSignatureTimeSource;  ///< "signature-timestamp", "document-timestamp", "" ...
  Indication indication = Indication::Indeterminate;
  std::string subindication;  ///< ETSI name, empty when TOTAL_PASSED
  bool integrity = false;     ///< message digest and signature value verified
  std::vector<int64_t> byteRange;
  int coversRevision = 0;  ///< 1-based revision the signature covers; 0 when none
  bool coversWholeFile = false;
  ModificationLevel modificationsAfter = ModificationLevel::None;
  std::vector<std::string> changes;       ///< what the later revisions changed, one line each
  std::vector<CertificateSummary> chain;  ///< signer first, the trust anchor last when found
  bool trusted = false;                   ///< the chain ends at a configured trust anchor
  RevocationSummary revocation;
  std::string certification = "none";  ///< "none", "no-changes", "form-filling", "annotations"
  std::string digestAlgorithm;         ///< "SHA-256", ...
  std::string signatureAlgorithm;      ///< "RSA", "ECDSA", ...
  std::vector<std::string> errors;     ///< why it failed or is indeterminate
  std::vector<std::string> warnings;   ///< what a careful reader should know anyway
};

struct FileReport {
  std::string file;
  std::string sha256;  ///< lower-case hex of the whole file, "" when unreadable
  /// The worst indication of all signatures; INDETERMINATE when there is none.
  Indication verdict = Indication::Indeterminate;
  bool readable = true;               ///< false: the file could not be read or validated at all
  std::string errorCode;              ///< vanthu ErrorCode name when !readable (e.g. "invalid_pdf")
  std::string error;                  ///< the reason when !readable
  int revisions = 0;                  ///< revisions found by following /Prev
  std::vector<std::string> problems;  ///< structural findings (e.g. "needs repair")
  std::vector<SignatureReport> signatures;
};

/// One JSON object (no newline inside), as `vanthu-verify --json` prints per file.
std::string reportToJson(const FileReport& report);
/// Parses what reportToJson wrote. Throws vanthu::Error(InvalidArgument) on anything else.
FileReport reportFromJson(const std::string& json);
/// The human report; `colour` adds ANSI colours for a terminal.
std::string reportToText(const FileReport& report, bool colour);

/// DESIGN §4: 0 all TOTAL_PASSED; 1 some TOTAL_FAILED; 2 some INDETERMINATE (none failed);
/// 3 a file could not be read.
int verificationExitCode(const std::vector<FileReport>& reports);

}  // namespace vanthu::signing
