#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <utility>

#include "key_signing.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/key_sources.h"

namespace vanthu::signing {

namespace detail {

void checkDigest(const std::string& digest, DigestAlgorithm algorithm) {
  const size_t expected = digestSize(algorithm);
  if (expected == 0) throw Error(ErrorCode::InvalidArgument, "unknown digest algorithm");
  if (digest.size() != expected) {
    throw Error(ErrorCode::InvalidArgument, "a " + std::string(digestAlgorithmName(algorithm)) +
                                                " digest has " + std::to_string(expected) +
                                                " bytes, got " + std::to_string(digest.size()));
  }
}

std::string signDigestWithKey(EVP_PKEY* key, const std::string& digest, DigestAlgorithm algorithm) {
  checkDigest(digest, algorithm);
  const bool isRsa = EVP_PKEY_is_a(key, "RSA") == 1;
  if (!isRsa && EVP_PKEY_is_a(key, "EC") != 1) {
    throw Error(ErrorCode::InvalidArgument, "only RSA and EC keys can sign");
  }
  const EVP_MD* md = EVP_get_digestbyname(std::string(digestAlgorithmName(algorithm)).c_str());
  if (md == nullptr) throwOpenSsl(ErrorCode::CryptoFailure, "OpenSSL lacks the digest");

  // EVP_PKEY_CTX_new (not _from_pkey) so that a legacy ENGINE key keeps its ENGINE's methods.
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx) throwOpenSsl(ErrorCode::CryptoFailure, "cannot create a signing context");
  if (EVP_PKEY_sign_init(ctx.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot start signing");
  }
  // PKCS#1 v1.5 is the default, but CMS SignerInfo needs exactly it: say so rather than rely on it.
  if (isRsa && EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot select PKCS#1 v1.5 padding");
  }
  // With the signature md set, RSA wraps the digest in a DigestInfo before the private key
  // operation; ECDSA signs the digest as is.
  if (EVP_PKEY_CTX_set_signature_md(ctx.get(), md) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the signature digest");
  }
  const auto* tbs = reinterpret_cast<const unsigned char*>(digest.data());
  size_t length = 0;
  if (EVP_PKEY_sign(ctx.get(), nullptr, &length, tbs, digest.size()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot size the signature");
  }
  std::string signature(length, '\0');
  if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, tbs,
                    digest.size()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "signing the digest failed");
  }
  // ECDSA signatures are DER and usually shorter than the maximum the first call gave.
  signature.resize(length);
  return signature;
}

}  // namespace detail

std::unique_ptr<Pkcs12Signer> Pkcs12Signer::open(const std::filesystem::path& path,
                                                 const std::string& password) {
  Pkcs12Contents contents = readPkcs12(path, password);
  return std::make_unique<Pkcs12Signer>(std::move(contents.key), std::move(contents.certificate),
                                        std::move(contents.chain));
}

Pkcs12Signer::Pkcs12Signer(PrivateKey key, Certificate certificate, std::vector<Certificate> chain)
    : key_(std::move(key)), certificate_(std::move(certificate)), chain_(std::move(chain)) {
  // A signature by the wrong key would only show up at verification, far from the cause.
  if (!certificate_.matchesKey(key_)) {
    throw Error(ErrorCode::InvalidArgument,
                "the private key does not belong to the certificate " + certificate_.subjectText());
  }
}

std::string Pkcs12Signer::signDigest(const std::string& digest, DigestAlgorithm algorithm) {
  return detail::signDigestWithKey(key_.nativeHandle(), digest, algorithm);
}

}  // namespace vanthu::signing
