#pragma once

// The key port of the signing engine (CONVENTIONS, What to absorb 7). Everything that holds a
// private key — a PKCS#12 file, a PKCS#11 token or HSM, a USB token at a user's desk reached
// through the browser — implements DigestSigner and nothing more: it signs one digest.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/signing/certificate_authority.h"

namespace vanthu::signing {

enum class DigestAlgorithm : uint8_t { Unknown = 0, Sha256, Sha384, Sha512 };

/// "sha256", "sha384", "sha512".
std::string_view digestAlgorithmName(DigestAlgorithm algorithm);
/// The digest length in bytes (32, 48, 64).
size_t digestSize(DigestAlgorithm algorithm);
/// The hash of `data`. Throws vanthu::Error(CryptoFailure) if OpenSSL fails.
std::string computeDigest(DigestAlgorithm algorithm, std::string_view data);

/// The key algorithm of a certificate's public key (Unknown for anything not supported).
KeyAlgorithm keyAlgorithmOf(const Certificate& certificate);

/// Port: one private key and its certificate.
/// Thread-safety: implementations need not be thread-safe; use one per signing operation.
class DigestSigner {
 public:
  virtual ~DigestSigner() = default;

  /// The signing certificate.
  virtual const Certificate& certificate() const = 0;
  /// The issuers of the signing certificate, nearest first; may include the root.
  virtual std::vector<Certificate> chain() const = 0;
  /// Signs `digest` (already hashed with `algorithm`) with the private key: exactly one private
  /// key operation. Returns the signature value as CMS SignerInfo carries it: PKCS#1 v1.5 for RSA,
  /// a DER ECDSA-Sig-Value for EC. Throws vanthu::Error (CryptoFailure, InvalidPassword,
  /// NotFound when a token is absent) with a message a person can act on.
  virtual std::string signDigest(const std::string& digest, DigestAlgorithm algorithm) = 0;
};

}  // namespace vanthu::signing
