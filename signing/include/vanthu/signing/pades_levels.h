#pragma once

// PAdES baseline levels (ETSI EN 319 142-1; standards/pdf-signatures.md §1.3), each built by
// appending to what the level below wrote:
//   B-B   the signature;
//   B-T   + an RFC 3161 signature time-stamp in the CMS (proof the signature existed then);
//   B-LT  + a /DSS update with the chains of the signer and the TSA and their revocation data
//           (OCSP responses or CRLs, fetched after the time-stamp);
//   B-LTA + a document time-stamp over everything.
// A file signed earlier can be raised: a document time-stamp gives an earlier B-B signature its
// proof of existence (DSS accepts it as B-T), then DSS, then another document time-stamp.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/pdf_signer.h"
#include "vanthu/signing/time_stamper.h"

namespace vanthu::signing {

enum class PadesLevel : uint8_t { Unknown = 0, BaselineB, BaselineT, BaselineLT, BaselineLTA };

/// "B-B", "B-T", "B-LT", "B-LTA".
std::string_view padesLevelName(PadesLevel level);
std::optional<PadesLevel> padesLevelFromName(std::string_view name);

struct LevelServices {
  TimeStamper* timeStamper = nullptr;  ///< B-T and above
  HttpFetcher* fetcher = nullptr;      ///< B-LT and above: OCSP responders and CRLs
  /// Roots to complete chains the signatures do not carry (they leave the root out).
  std::vector<Certificate> trustAnchors;
};

/// Signs at `level`. InvalidArgument when a service the level needs is missing; otherwise the
/// errors of signing, time-stamping (IoFailure, CryptoFailure) and revocation fetching. A signer
/// certificate found revoked while collecting B-LT data is CertificateInvalid, and nothing is
/// written.
void signPdfAtLevel(const std::filesystem::path& input, const std::filesystem::path& output,
                    const SignatureRequest& request, DigestSigner& key, PadesLevel level,
                    LevelServices& services);

/// Raises every signature of a signed file to `level` (B-T, B-LT or B-LTA) by appending.
/// InvalidState for a file without signatures.
void extendPdf(const std::filesystem::path& input, const std::filesystem::path& output,
               PadesLevel level, LevelServices& services);

enum class RevocationCheck : uint8_t {
  Unknown = 0,
  Off,         ///< validity dates only
  BestEffort,  ///< refuse a certificate found revoked; go on (with a warning) when unreachable
  Required,    ///< refuse unless OCSP or a CRL says the certificate is good
};

/// Checks a signing certificate before it is used (Decree 23/2025 Art. 15: check the status of
/// one's own certificate before signing): valid at `now`, and not revoked according to its OCSP
/// responder or CRL. Throws vanthu::Error(CertificateInvalid) with the reason (not yet valid,
/// expired on ..., revoked); with Required, the fetch errors. Returns a warning to show when
/// BestEffort could not reach the revocation service, else "".
std::string checkSigningCertificate(const Certificate& certificate,
                                    const std::vector<Certificate>& chain,
                                    std::chrono::system_clock::time_point now, HttpFetcher* fetcher,
                                    RevocationCheck check);

/// The certificates carried in a CMS SignedData or a time-stamp token (DER), signer first.
std::vector<Certificate> cmsCertificates(const std::string& cmsDer);

}  // namespace vanthu::signing
