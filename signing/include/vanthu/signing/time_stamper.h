#pragma once

// Port for RFC 3161 time-stamps (signature time-stamps for B-T, document time-stamps for B-LTA).

#include <string>

#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing {

class TimeStamper {
 public:
  virtual ~TimeStamper() = default;
  /// A DER TimeStampToken (a CMS ContentInfo) whose messageImprint is `digest` under `algorithm`.
  /// Implementations check the response (status granted, imprint and nonce match) before
  /// returning it. Throws vanthu::Error(IoFailure) when the TSA cannot be reached and
  /// CryptoFailure when its answer is not a valid token for this request.
  virtual std::string timestampToken(const std::string& digest, DigestAlgorithm algorithm) = 0;
};

}  // namespace vanthu::signing
