#pragma once

// An RFC 3161 time-stamping authority on OpenSSL's TS API: turns a DER TimeStampReq into a DER
// TimeStampResp. Serves tests (pyHanko's dummy-TSA idea, CONVENTIONS, What to absorb 13), the
// demo, and `vanthu tsa`. The HTTP transport is TimestampServer.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing {

/// The default TSA policy. 1.3.6.1.4.1.99999 is NOT a registered enterprise number: it is a demo
/// arc, fine for tests and the demo PKI; a production TSA must use its own registered policy OID.
inline constexpr const char* kDemoTsaPolicyOid = "1.3.6.1.4.1.99999.1.1";

struct TimestampAuthorityOptions {
  /// Issuers of the TSA certificate (nearest first), added to the token after the TSA
  /// certificate when the request has certReq TRUE.
  std::vector<Certificate> chain;
  /// The policy (dotted OID) the TSA issues tokens under; requests naming another are rejected
  /// with failInfo unacceptedPolicy.
  std::string policyOid = kDemoTsaPolicyOid;
  /// genTime source; default: the system clock. Must be safe to call from several threads when
  /// the authority is served by TimestampServer. genTime carries whole seconds.
  std::function<TimePoint()> clock;
  /// The accuracy claimed in each token (RFC 3161 2.4.2), whole seconds.
  std::chrono::seconds accuracy{1};
  /// Imprint algorithms accepted; others are rejected with failInfo badAlg.
  std::vector<DigestAlgorithm> acceptedDigests{DigestAlgorithm::Sha256, DigestAlgorithm::Sha384,
                                               DigestAlgorithm::Sha512};
  /// The first serial number. The counter lives in memory only (not persisted); by default it
  /// starts at the system clock's microseconds since the epoch, so that a restarted TSA goes on
  /// with larger serials than it issued before (RFC 3161 2.4.2 wants them unique per TSA) as long
  /// as it issued fewer than a million tokens a second.
  std::optional<uint64_t> firstSerial;
};

/// An RFC 3161 TSA: signs TSTInfo with `key` (ESS signing-certificate-v2 with SHA-256, SHA-256
/// signature digest), genTime from the injected clock, accuracy, a fresh serial per token, the
/// TSA name, the request's nonce echoed.
/// Thread-safety: respond() may be called from several threads at once (each call has its own
/// OpenSSL context; the serial counter is atomic).
class TimestampAuthority {
 public:
  /// Requires `certificate` to match `key` and to carry the critical extendedKeyUsage
  /// timeStamping only (RFC 3161 2.3; CertificateProfile::TimeStamping). Throws
  /// vanthu::Error(InvalidArgument) otherwise or for a malformed policy OID / an empty digest
  /// list, Error(CryptoFailure) if OpenSSL fails.
  TimestampAuthority(Certificate certificate, PrivateKey key,
                     TimestampAuthorityOptions options = {});
  ~TimestampAuthority();
  /// A moved-from authority may only be destroyed or assigned to.
  TimestampAuthority(TimestampAuthority&&) noexcept;
  TimestampAuthority& operator=(TimestampAuthority&&) noexcept;
  TimestampAuthority(const TimestampAuthority&) = delete;
  TimestampAuthority& operator=(const TimestampAuthority&) = delete;

  /// A DER TimeStampResp for the DER TimeStampReq `requestDer`: status granted with a token, or
  /// status rejection with a statusString and failInfo (badDataFormat for a malformed request,
  /// badAlg for an unaccepted digest, unacceptedPolicy, unacceptedExtension). Never throws for bad
  /// client input; throws vanthu::Error(CryptoFailure) only when the TSA itself fails (e.g. the
  /// key cannot sign), with OpenSSL's reasons.
  std::string respond(const std::string& requestDer) const;

  const Certificate& certificate() const;

  struct State;  // opaque: OpenSSL stays in signing/src

 private:
  std::unique_ptr<State> state_;
};

}  // namespace vanthu::signing
