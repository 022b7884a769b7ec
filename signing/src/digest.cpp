#include <openssl/evp.h>
#include <openssl/x509.h>

#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing {

std::string_view digestAlgorithmName(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::Sha256:
      return "sha256";
    case DigestAlgorithm::Sha384:
      return "sha384";
    case DigestAlgorithm::Sha512:
      return "sha512";
    case DigestAlgorithm::Unknown:
      break;
  }
  return "unknown";
}

size_t digestSize(DigestAlgorithm algorithm) {
  switch (algorithm) {
    case DigestAlgorithm::Sha256:
      return 32;
    case DigestAlgorithm::Sha384:
      return 48;
    case DigestAlgorithm::Sha512:
      return 64;
    case DigestAlgorithm::Unknown:
      break;
  }
  return 0;
}

std::string computeDigest(DigestAlgorithm algorithm, std::string_view data) {
  const EVP_MD* md = EVP_get_digestbyname(std::string(digestAlgorithmName(algorithm)).c_str());
  if (md == nullptr) throw Error(ErrorCode::InvalidArgument, "unsupported digest algorithm");
  std::string digest(static_cast<size_t>(EVP_MD_get_size(md)), '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(digest.data()), &length,
                 md, nullptr) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "hashing failed");
  }
  digest.resize(length);
  return digest;
}

KeyAlgorithm keyAlgorithmOf(const Certificate& certificate) {
  EVP_PKEY* key = X509_get0_pubkey(certificate.nativeHandle());
  if (key == nullptr) return KeyAlgorithm::Unknown;
  int bits = EVP_PKEY_get_bits(key);
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (bits == 2048) return KeyAlgorithm::Rsa2048;
    if (bits == 3072) return KeyAlgorithm::Rsa3072;
    return KeyAlgorithm::Unknown;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    if (bits == 256) return KeyAlgorithm::EcP256;
    if (bits == 384) return KeyAlgorithm::EcP384;
  }
  return KeyAlgorithm::Unknown;
}

}  // namespace vanthu::signing
