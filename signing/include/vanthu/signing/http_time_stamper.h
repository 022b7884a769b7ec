#pragma once

// The TimeStamper adapter for an RFC 3161 TSA reached over HTTP (RFC 3161 3.4), and helpers that
// read time-stamp tokens and add a signature time-stamp to a CMS signature (PAdES B-T,
// pdf-signatures.md 1.3).

#include <optional>
#include <string>

#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/time_stamper.h"

namespace vanthu::signing {

/// Asks the TSA at `url` (through `fetcher`) for a token: TimeStampReq v1 with the imprint, a
/// random 64-bit nonce, certReq TRUE and `policyOid` when given. Checks HTTP 200 and
/// application/timestamp-reply, status granted (or grantedWithMods), that the token's version,
/// imprint, nonce (and policy, when asked for) match the request, and that the token's signature
/// is cryptographically valid for the TSA certificate inside it (with its ESS signing-certificate
/// binding and timeStamping key purpose). Does NOT decide whether the TSA is trusted: that is the
/// verifier's job.
/// Throws vanthu::Error(CryptoFailure) for an HTTP error status, a wrong content type, an answer
/// that is not a TimeStampResp, a rejection (with the TSA's status text and failInfo) or a token
/// that does not fit the request; the fetcher's Error(IoFailure) when the TSA cannot be reached;
/// Error(InvalidArgument) for a digest of the wrong length or algorithm Unknown.
/// Thread-safety: as the fetcher; timestampToken() keeps no state between calls.
class HttpTimeStamper final : public TimeStamper {
 public:
  /// Borrows `fetcher`: it must outlive this object. Throws Error(InvalidArgument) for a
  /// malformed `policyOid`.
  HttpTimeStamper(std::string url, HttpFetcher& fetcher, std::optional<std::string> policyOid = {});

  std::string timestampToken(const std::string& digest, DigestAlgorithm algorithm) override;

 private:
  std::string url_;
  HttpFetcher& fetcher_;
  std::optional<std::string> policyOid_;
};

/// The genTime of a DER TimeStampToken as ISO 8601 UTC, "2024-05-06T07:08:09Z" (with the
/// fraction, "...09.25Z", when the token has one). Throws Error(InvalidArgument) when `tokenDer`
/// is not a time-stamp token.
std::string timestampTokenGenTime(const std::string& tokenDer);
/// The genTime of a DER TimeStampToken. Throws as timestampTokenGenTime().
TimePoint timestampTokenTime(const std::string& tokenDer);

/// Adds a signature time-stamp to a CMS signature: hashes the `signature` octets of its only
/// SignerInfo with `algorithm`, asks `stamper` for a token and adds it as the unsigned attribute
/// id-aa-signatureTimeStampToken (1.2.840.113549.1.9.16.2.14, RFC 3161 Appendix A). Returns the
/// new DER ContentInfo; the signed parts are unchanged, so the signature still verifies.
/// Throws Error(InvalidArgument) when `cmsDer` is not a CMS SignedData with exactly one
/// SignerInfo, and whatever `stamper` throws.
std::string addSignatureTimestamp(const std::string& cmsDer, TimeStamper& stamper,
                                  DigestAlgorithm algorithm);

}  // namespace vanthu::signing
