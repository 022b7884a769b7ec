#pragma once

// The cryptographic part of validating one signature or time-stamp (ETSI EN 319 102-1 building
// blocks ISC, XCV, CV, SAV and the time-stamp block; standards/pdf-signatures.md §2): decode
// the CMS, identify the signer (SID, ESS signing-certificate(-v2)), check the message digest
// against the signed bytes and the signature value, build the chain to a trust anchor at the
// right time, revocation (DSS, CMS, online), and the signature time-stamp.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/long_term_validation.h"
#include "vanthu/signing/verification_report.h"

namespace vanthu::signing::detail {

/// The digest of the bytes the signature covers with the OpenSSL digest named `name`
/// ("SHA256", "SHA1", "SHA3-256", ...), raw bytes. Throws vanthu::Error(Unsupported) for a
/// digest OpenSSL does not know. Computed at most once per algorithm by the caller.
using SignedBytesDigest = std::function<std::string(const std::string& opensslDigestName)>;

/// The DSS decoded once per file (certificates, OCSP responses), shared by its signatures.
struct DecodedDss;

struct TrustContext {
  std::vector<Certificate> trustAnchors;
  /// Certificates, CRLs and OCSP responses of the document's /DSS (newest revision).
  ValidationData dss;
  /// When set, revocation data the file lacks is fetched (OCSP first, then CRL).
  HttpFetcher* fetcher = nullptr;
  /// "Now" for the validation (ValidationOptions::at or the clock).
  std::chrono::system_clock::time_point validationTime;
  /// Filled on first use from `dss`; a DSS with hundreds of entries is decoded once, not once
  /// per signature.
  mutable std::shared_ptr<DecodedDss> decoded;
};

struct TimestampCheck {
  Indication indication = Indication::Indeterminate;
  std::string subindication;
  std::chrono::system_clock::time_point genTime{};
  bool imprintMatches = false;  ///< the token's message imprint is the expected digest
  bool trusted = false;         ///< the TSA chain ends at a trust anchor
  CertificateSummary tsa;
  std::vector<CertificateSummary> chain;
  std::string digestAlgorithm;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

struct CmsCheck {
  /// For this signature alone (format of the CMS, identification, chain, revocation,
  /// integrity, time-stamp); the caller adds the PDF-level checks.
  Indication indication = Indication::Indeterminate;
  std::string subindication;             ///< ETSI name, empty when passed
  bool integrity = false;                ///< message digest and signature value both verified
  bool essSigningCertificateV2 = false;  ///< the signed attribute is present and matches
  bool signedAttributes = false;         ///< the SignerInfo has signed attributes
  std::optional<Certificate> signer;
  CertificateSummary signerSummary;       ///< empty fields when the signer was not found
  std::vector<CertificateSummary> chain;  ///< signer first
  bool trusted = false;
  RevocationSummary revocation;
  std::string digestAlgorithm;     ///< "SHA-256", ...
  std::string signatureAlgorithm;  ///< "RSA", "RSASSA-PSS", "ECDSA", "Ed25519", ...
  std::optional<TimestampCheck> signatureTimestamp;  ///< when the CMS carries one
  /// The earliest proven time of existence used (signature time-stamp genTime or the
  /// `proofOfExistence` passed in), if any.
  std::optional<std::chrono::system_clock::time_point> bestSignatureTime;
  /// The DER certificates of the signer's chain as found (signer first), for level detection.
  std::vector<std::string> chainDer;
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
};

/// Validates a signature's CMS (SubFilter ETSI.CAdES.detached or adbe.pkcs7.detached).
/// `proofOfExistence` is the genTime of a valid document time-stamp covering the signature,
/// if any; it counts as POE when the CMS has no valid signature time-stamp of its own.
/// Never throws for anything in `cmsDer`: the result says what is wrong.
/// `embeddedSha1`: SubFilter adbe.pkcs7.sha1, whose CMS encapsulates the SHA-1 digest of the
/// signed bytes as id-data and signs that.
CmsCheck verifyCmsSignature(
    const std::string& cmsDer, const SignedBytesDigest& digest, const TrustContext& context,
    std::optional<std::chrono::system_clock::time_point> proofOfExistence = std::nullopt,
    bool embeddedSha1 = false);

/// Validates a document time-stamp (SubFilter ETSI.RFC3161): an RFC 3161 token whose message
/// imprint must be the digest of the signed bytes. Never throws for anything in `tokenDer`.
TimestampCheck verifyDocumentTimestamp(const std::string& tokenDer, const SignedBytesDigest& digest,
                                       const TrustContext& context);

}  // namespace vanthu::signing::detail
