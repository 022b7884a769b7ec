#pragma once

// The CMS SignedData of a PDF signature, built by us on OpenSSL (DESIGN §6): one SignerInfo whose
// signed attributes are exactly content-type, message-digest and ESS signing-certificate-v2 — no
// signing-time, the time is the signature dictionary's /M (standards/pdf-signatures.md §1.2) —
// and the signer's chain without the root. The private key is used for exactly one operation,
// on the digest of the signed attributes, so any DigestSigner (file, token, remote) can supply it.

#include <string>
#include <string_view>
#include <vector>

#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing {

/// The /SubFilter of a signature dictionary.
enum class SignatureFormat : uint8_t {
  Unknown = 0,
  PadesCades,         ///< ETSI.CAdES.detached (PAdES baseline) — the default
  Pkcs7Detached,      ///< adbe.pkcs7.detached (ISO 32000-1), on request
  DocumentTimestamp,  ///< ETSI.RFC3161: a document time-stamp (B-LTA), no signer
};

/// "ETSI.CAdES.detached" / "adbe.pkcs7.detached".
std::string_view subFilterName(SignatureFormat format);

class CmsSignatureBuilder {
 public:
  /// `chain`: the signer's issuers; self-signed (root) certificates are left out of the CMS.
  /// Throws InvalidArgument for a key type or digest the builder does not support.
  CmsSignatureBuilder(Certificate signer, std::vector<Certificate> chain, DigestAlgorithm digest);

  DigestAlgorithm digestAlgorithm() const { return digest_; }
  const Certificate& signer() const { return signer_; }

  /// The DER SET OF signed attributes for `contentDigest` (the hash of the signed bytes): what
  /// the private key signs, after hashing with digestAlgorithm().
  std::string signedAttributes(const std::string& contentDigest) const;

  /// The DER ContentInfo (SignedData, detached) for `contentDigest`, carrying `signatureValue`
  /// (made over signedAttributes(contentDigest)). Checks the value against the certificate's
  /// public key first: a wrong value from a remote signer is CryptoFailure, never embedded.
  std::string assemble(const std::string& contentDigest, const std::string& signatureValue) const;

 private:
  Certificate signer_;
  std::vector<Certificate> chain_;
  DigestAlgorithm digest_;
};

/// Signs `contentDigest` with `key` in one step (signedAttributes → signDigest → assemble).
std::string signContentDigest(const CmsSignatureBuilder& builder, DigestSigner& key,
                              const std::string& contentDigest);

}  // namespace vanthu::signing
