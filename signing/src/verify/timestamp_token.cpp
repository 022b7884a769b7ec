// A time-stamp token over arbitrary bytes, checked with the same code as a PDF's document
// time-stamp, so an audit checkpoint's token gets the same scrutiny as a signature's.

#include <openssl/evp.h>

#include <chrono>
#include <string>

#include "vanthu/signing/signature_validator.h"
#include "verify/cms_verification.h"
#include "verify/iso_time.h"

namespace vanthu::signing {

TimestampTokenReport validateTimestampToken(const std::string& tokenDer,
                                            const std::string& stampedData,
                                            const ValidationOptions& options) {
  detail::TrustContext context;
  context.trustAnchors = options.trustAnchors;
  context.fetcher = options.online ? options.fetcher : nullptr;
  context.validationTime = options.at.value_or(std::chrono::system_clock::now());
  detail::SignedBytesDigest digest = [&stampedData](const std::string& name) {
    const EVP_MD* md = EVP_get_digestbyname(name.c_str());
    if (md == nullptr) {
      throw Error(ErrorCode::CryptoFailure, "the digest " + name + " is not available");
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(stampedData.data(), stampedData.size(), out, &length, md, nullptr) != 1) {
      throw Error(ErrorCode::CryptoFailure, "computing " + name + " failed");
    }
    return std::string(reinterpret_cast<const char*>(out), length);
  };
  detail::TimestampCheck check = detail::verifyDocumentTimestamp(tokenDer, digest, context);
  TimestampTokenReport report;
  report.indication = check.indication;
  report.subindication = check.subindication;
  if (check.genTime != std::chrono::system_clock::time_point{}) {
    report.genTime = detail::isoUtc(check.genTime);
  }
  report.imprintMatches = check.imprintMatches;
  report.trusted = check.trusted;
  report.authority = check.tsa.subject;
  report.errors = std::move(check.errors);
  report.warnings = std::move(check.warnings);
  return report;
}

}  // namespace vanthu::signing
