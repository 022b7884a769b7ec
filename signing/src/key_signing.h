#pragma once

// The one private key operation both key sources share (defined in pkcs12_signer.cpp). Private to
// signing/src.

#include <openssl/evp.h>

#include <string>

#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing::detail {

/// Throws Error(InvalidArgument) unless `digest` is exactly digestSize(algorithm) bytes of a known
/// algorithm.
void checkDigest(const std::string& digest, DigestAlgorithm algorithm);

/// Signs `digest` with `key` by one EVP_PKEY_sign: PKCS#1 v1.5 (DigestInfo built by OpenSSL from
/// the signature md) for RSA, a DER ECDSA-Sig-Value for EC. `key` may be an ENGINE key: the
/// operation then runs on the token. Throws Error(InvalidArgument) for a bad digest or a key
/// type other than RSA/EC, Error(CryptoFailure) with OpenSSL's reasons if signing fails.
std::string signDigestWithKey(EVP_PKEY* key, const std::string& digest, DigestAlgorithm algorithm);

}  // namespace vanthu::signing::detail
