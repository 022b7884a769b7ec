#pragma once

// Shared material for the PDF signing tests: a real test PKI (root → CA → signers), the NSS
// database pdfsig trusts it through, and readers for what a signed file holds.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "test_support.h"
#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/digest_signer.h"

namespace vanthu::test {

/// A DigestSigner over an in-memory OpenSSL key.
class InMemoryKey final : public signing::DigestSigner {
 public:
  InMemoryKey(signing::PrivateKey key, signing::Certificate certificate,
              std::vector<signing::Certificate> chain)
      : key_(std::move(key)), certificate_(std::move(certificate)), chain_(std::move(chain)) {}
  const signing::Certificate& certificate() const override { return certificate_; }
  std::vector<signing::Certificate> chain() const override { return chain_; }
  std::string signDigest(const std::string& digest, signing::DigestAlgorithm algorithm) override;
  int operations = 0;  ///< private-key operations performed
  /// The key as PEM, for tests that hand it to an outside tool playing the remote signer.
  std::string privateKeyPemForTest() const { return key_.toPem(); }

 private:
  signing::PrivateKey key_;
  signing::Certificate certificate_;
  std::vector<signing::Certificate> chain_;
};

/// root → CA → signers, written to `dir`: root.pem, ca.pem, and the NSS database nssdb/ that
/// trusts the root (pdfsig's trust store).
class SigningPki {
 public:
  /// `baseUrl`: where the certificates' CRL distribution points and OCSP pointers go
  /// (root.crl, ca.crl, ocsp under it). The default points at a closed port.
  explicit SigningPki(const std::filesystem::path& dir,
                      const std::string& baseUrl = "http://127.0.0.1:9/");
  /// A time-stamping certificate and key issued by the signing CA.
  std::pair<signing::Certificate, signing::PrivateKey> timestampingCredential();
  std::unique_ptr<InMemoryKey> signer(const std::string& commonName,
                                      signing::KeyAlgorithm algorithm);
  std::string nssDatabase() const { return "sql:" + (dir_ / "nssdb").string(); }
  const std::filesystem::path& rootPem() const { return rootPem_; }
  const std::filesystem::path& caPem() const { return caPem_; }
  /// The CRLs of the root and the signing CA (DER).
  std::vector<std::string> crls() const;
  signing::CertificateAuthority& ca() { return *ca_; }

 private:
  std::string baseUrl_;
  std::filesystem::path dir_;
  std::filesystem::path rootPem_;
  std::filesystem::path caPem_;
  std::unique_ptr<signing::CertificateAuthority> root_;
  std::unique_ptr<signing::CertificateAuthority> ca_;
};

struct EmbeddedSignature {
  std::vector<uint64_t> byteRange;
  std::string cmsDer;      ///< /Contents without the zero padding
  std::string signedData;  ///< the bytes the ByteRange covers
};

/// Every signature of a PDF, in file order (found by /ByteRange).
std::vector<EmbeddedSignature> embeddedSignatures(const std::string& pdf);

/// pdfsig's report of `pdf`, trusting the test root.
CommandResult pdfsig(const SigningPki& pki, const std::filesystem::path& pdf);

/// How many times `what` occurs in `text` (e.g. "Signature is Valid" in a pdfsig report).
inline size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

/// `openssl cms -verify` of one embedded signature against the test root.
CommandResult opensslVerify(const SigningPki& pki, const EmbeddedSignature& signature,
                            const std::filesystem::path& scratch);

}  // namespace vanthu::test
