#pragma once

// Small byte-level helpers shared by the time-stamping sources: std::string <-> OpenSSL buffers,
// memory BIOs and DER encoding. Private to signing/src.

#include <openssl/bio.h>

#include <limits>
#include <string>

#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing::detail {

inline const unsigned char* bytesOf(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

/// The length as OpenSSL's int/long APIs take it. Throws Error(InvalidArgument) over INT_MAX.
inline int intLength(const std::string& text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(ErrorCode::InvalidArgument,
                "value too large for OpenSSL (" + std::to_string(text.size()) + " bytes)");
  }
  return static_cast<int>(text.size());
}

/// A read-only memory BIO over `data` (which must outlive it).
inline BioPtr readOnlyBio(const std::string& data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), intLength(data)));
  if (!bio) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an OpenSSL memory BIO");
  return bio;
}

/// i2d_* into a std::string (the usual two-call idiom).
template <typename T, typename Encode>
std::string encodeDer(T* object, Encode encode, const char* what) {
  int length = encode(object, nullptr);
  if (length <= 0) throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot DER-encode ") + what);
  std::string der(static_cast<size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (encode(object, &out) != length) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot DER-encode ") + what);
  }
  return der;
}

/// OpenSSL's EVP_MD for `algorithm`. Throws Error(InvalidArgument) for Unknown.
inline const EVP_MD* evpDigest(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::Sha256:
      return EVP_sha256();
    case DigestAlgorithm::Sha384:
      return EVP_sha384();
    case DigestAlgorithm::Sha512:
      return EVP_sha512();
    case DigestAlgorithm::Unknown:
      break;
  }
  throw Error(ErrorCode::InvalidArgument, "unsupported digest algorithm");
}

}  // namespace vanthu::signing::detail
