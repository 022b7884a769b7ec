#pragma once

// Revocation data for PAdES B-LT (standards/pdf-signatures.md §1.3): OCSP responses (RFC 6960)
// and CRLs (RFC 5280 §5) for every certificate of a chain, plus the certificates needed to check
// them, ready for the document security store (/DSS /Certs, /CRLs, /OCSPs).
//
// Fetch revocation data *after* the signature time-stamp's time: a verifier only accepts
// revocation data produced after the time it proves the signature existed.
//
// All network access goes through an HttpFetcher (DESIGN §3). No OpenSSL type appears here.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/http_fetcher.h"

namespace vanthu::signing {

/// The http:// URIs of the certificate's CRL distribution points (fullName entries only; points
/// that name a cRLIssuer, i.e. indirect CRLs, are skipped), in certificate order. Empty when the
/// certificate has none. Throws Error(CryptoFailure) when the extension is malformed.
std::vector<std::string> crlDistributionPointUrls(const Certificate& certificate);

/// The http:// URIs of the certificate's authorityInfoAccess id-ad-ocsp entries, in certificate
/// order. Empty when there are none. Throws Error(CryptoFailure) when the extension is malformed.
std::vector<std::string> ocspResponderUrls(const Certificate& certificate);

enum class RevocationStatus : uint8_t { Unknown = 0, Good, Revoked };

/// "unknown", "good", "revoked".
std::string_view revocationStatusName(RevocationStatus status);

struct OcspResult {
  RevocationStatus status = RevocationStatus::Unknown;
  /// The whole DER OCSPResponse exactly as the responder sent it, as /DSS /OCSPs stores it.
  std::string responseDer;
  TimePoint thisUpdate;
  TimePoint producedAt;
  std::optional<TimePoint> nextUpdate;
  std::optional<TimePoint> revocationTime;  ///< set when status == Revoked
  /// The certificates the response carries (the responder's certificate, for a delegated
  /// responder), in response order.
  std::vector<Certificate> responderCertificates;
};

/// An OCSP client (RFC 6960). Holds a reference to the fetcher, which must outlive it.
/// Not thread-safe (the fetcher need not be).
class OcspClient {
 public:
  explicit OcspClient(HttpFetcher& fetcher) : fetcher_(fetcher) {}

  /// Asks the OCSP responder at `url` (default: the first OCSP URL of `subject`'s AIA) about
  /// `subject`, issued by `issuer`. The request has a SHA-1 CertID (what responders index by) and
  /// a random nonce. The response is accepted only when:
  ///  - its responseStatus is successful and it is a basic response;
  ///  - its nonce, if it has one, equals ours (a response without a nonce is accepted: many
  ///    responders pre-sign their answers);
  ///  - it holds a single response for our CertID;
  ///  - it is signed by `issuer` itself, or by a delegated responder certificate that `issuer`
  ///    issued, valid now, with extendedKeyUsage OCSPSigning (RFC 6960 §4.2.2.2);
  ///  - thisUpdate is not in the future and nextUpdate (if any) not in the past, with a 5-minute
  ///    allowance for clock skew.
  /// A "revoked" or "unknown" answer is a result, not an error.
  /// Throws Error(NotFound) when there is no URL, Error(IoFailure) (from the fetcher) when the
  /// responder cannot be reached, Error(CryptoFailure) for an HTTP error status, a response that
  /// is unreadable, unsuccessful (the message names the status, e.g. "tryLater") or fails any
  /// check above.
  OcspResult check(const Certificate& subject, const Certificate& issuer,
                   std::optional<std::string> url = std::nullopt);

 private:
  HttpFetcher& fetcher_;
};

struct CrlResult {
  std::string crlDer;  ///< the CRL, DER (as /DSS /CRLs stores it)
  TimePoint thisUpdate;
  std::optional<TimePoint> nextUpdate;
};

/// Downloads CRLs. Holds a reference to the fetcher, which must outlive it. Not thread-safe.
class CrlClient {
 public:
  explicit CrlClient(HttpFetcher& fetcher) : fetcher_(fetcher) {}

  /// The CRL of `issuer` that covers `subject`, from the first of `subject`'s CRL distribution
  /// points that works (HTTP 200, a DER or PEM CRL whose issuer name is `issuer`'s subject, signed
  /// with `issuer`'s key, not expired: nextUpdate, if any, no more than 5 minutes in the past).
  /// Throws Error(NotFound) when `subject` has no http:// distribution point; otherwise, when no
  /// point works, the error of the first one that failed (IoFailure when unreachable,
  /// CryptoFailure for an HTTP error status or a CRL that is unreadable or fails a check), its
  /// message naming every failure.
  CrlResult fetch(const Certificate& subject, const Certificate& issuer);

 private:
  HttpFetcher& fetcher_;
};

/// Whether the DER CRL `crlDer` lists `subject`: Revoked if it does, Good if it does not (or lists
/// it as removeFromCRL), Unknown when the CRL is from another issuer than `subject`'s.
/// Does not check the CRL's signature or dates (CrlClient::fetch does).
/// Throws Error(InvalidArgument) when `crlDer` is not one DER CRL.
RevocationStatus crlStatus(const std::string& crlDer, const Certificate& subject);

/// What a B-LT document security store embeds for one chain.
struct ValidationMaterial {
  /// The chain and the OCSP responders' certificates, each once, chain first.
  std::vector<Certificate> certificates;
  std::vector<std::string> crls;           ///< DER CRLs
  std::vector<std::string> ocspResponses;  ///< DER OCSPResponses
  /// (subjectText(), status) for each certificate checked, in chain order.
  std::vector<std::pair<std::string, RevocationStatus>> statuses;
  /// Failures that a fallback made up for ("CN=...: OCSP: cannot reach ..."), for the log.
  std::vector<std::string> warnings;
};

/// Collects revocation data for every certificate of `chain` (leaf first, each issued by the
/// next; the last one, normally the self-signed root, is the trust anchor and is not checked).
/// For each certificate the preferred source (OCSP when `preferOcsp` and the certificate names an
/// OCSP responder, else its CRL) is asked first, the other one when that fails or answers
/// "unknown". A revoked certificate is not an error: the caller decides (see `statuses`).
/// An "unknown" answer is kept only when no source does better.
/// Throws Error(InvalidArgument) for an empty chain or one out of order, Error(NotFound) when a
/// certificate names neither an OCSP responder nor a CRL distribution point, and otherwise the
/// error of the first source that failed when none worked.
ValidationMaterial collectValidationMaterial(const std::vector<Certificate>& chain,
                                             OcspClient& ocsp, CrlClient& crls,
                                             bool preferOcsp = true);

}  // namespace vanthu::signing
