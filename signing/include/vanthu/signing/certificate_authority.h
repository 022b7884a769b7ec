#pragma once

// A small X.509 toolkit on OpenSSL 3: keys, certificates, certificate authorities that issue
// certificates for the profiles vanthu needs, CRLs, PKCS#12 key stores and an in-process
// certificate path check. Used by the demo PKI (`vanthu demo init`) and by tests that need a PKI.
//
// Certificates follow RFC 5280 (v3, positive 16-byte random serials, SHA-256 or, for P-384 CA
// keys, SHA-384 signatures). No OpenSSL type appears here: the classes hold the OpenSSL objects
// behind forward-declared handles and free them themselves.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "vanthu/workflow/error.h"

struct evp_pkey_st;
struct x509_st;

namespace vanthu::signing {

using TimePoint = std::chrono::system_clock::time_point;

enum class KeyAlgorithm : uint8_t { Unknown = 0, Rsa2048, Rsa3072, EcP256, EcP384 };

/// A private key (with its public half). Copies share the same immutable key, so copying is cheap;
/// a PrivateKey may be used from several threads at once.
class PrivateKey {
 public:
  /// A fresh key from the OpenSSL default random generator.
  /// Throws Error(InvalidArgument) for KeyAlgorithm::Unknown, Error(CryptoFailure) if OpenSSL
  /// fails.
  static PrivateKey generate(KeyAlgorithm algorithm);
  /// Reads an unencrypted PEM private key (PKCS#8 or traditional).
  /// Throws Error(InvalidArgument) when `pem` holds no readable key.
  static PrivateKey fromPem(const std::string& pem);

  /// The algorithm and size, or Unknown for a key of another kind (e.g. RSA-4096 read from PEM).
  KeyAlgorithm algorithm() const;
  /// Unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"). Handle the result as a secret.
  std::string toPem() const;
  /// The public key as PEM ("-----BEGIN PUBLIC KEY-----").
  std::string publicKeyPem() const;

  /// The OpenSSL EVP_PKEY, borrowed: valid while this object (or a copy) lives. For signing/src.
  evp_pkey_st* nativeHandle() const { return key_.get(); }
  /// Adopts one reference of `key` (for signing/src). Requires: key != nullptr.
  static PrivateKey adoptNative(evp_pkey_st* key);

 private:
  explicit PrivateKey(std::shared_ptr<evp_pkey_st> key) : key_(std::move(key)) {}
  std::shared_ptr<evp_pkey_st> key_;
};

/// An X.509 certificate. Immutable; copies share the same OpenSSL object and are cheap; safe to
/// read from several threads at once.
class Certificate {
 public:
  /// Throws Error(InvalidArgument) when `pem` holds no readable certificate (the first one is
  /// taken if there are several).
  static Certificate fromPem(const std::string& pem);
  /// Throws Error(InvalidArgument) when `der` is not one DER certificate.
  static Certificate fromDer(const std::string& der);
  /// Every certificate in a PEM bundle, in file order. Throws Error(InvalidArgument) when there is
  /// none or one is unreadable.
  static std::vector<Certificate> allFromPem(const std::string& pem);

  std::string toPem() const;
  std::string toDer() const;
  /// RFC 2253 text with UTF-8 left unescaped, most specific attribute first:
  /// "CN=Phạm Quốc Hùng,title=Chủ tịch,O=...,C=VN".
  std::string subjectText() const;
  std::string issuerText() const;
  /// The first subject attribute with OpenSSL's short name `shortName` ("CN", "O", "UID", ...)
  /// in UTF-8; "" when there is none. Throws Error(InvalidArgument) for an unknown short name.
  std::string subjectAttribute(const std::string& shortName) const;
  /// The serial number in upper-case hex without separators, as `openssl x509 -serial` shows it.
  std::string serialHex() const;
  TimePoint notBefore() const;
  TimePoint notAfter() const;
  /// Whether `key` is the private key for this certificate's public key.
  bool matchesKey(const PrivateKey& key) const;

  friend bool operator==(const Certificate& a, const Certificate& b);
  friend bool operator!=(const Certificate& a, const Certificate& b) { return !(a == b); }

  /// The OpenSSL X509, borrowed: valid while this object (or a copy) lives. For signing/src.
  x509_st* nativeHandle() const { return cert_.get(); }
  /// Adopts one reference of `cert` (for signing/src). Requires: cert != nullptr.
  static Certificate adoptNative(x509_st* cert);

 private:
  explicit Certificate(std::shared_ptr<x509_st> cert) : cert_(std::move(cert)) {}
  std::shared_ptr<x509_st> cert_;
};

/// A distinguished name as (short name, UTF-8 value) pairs, most general first (C, ST, L, O, OU,
/// title, CN). Short names are OpenSSL's: C, ST, L, O, OU, CN, title, emailAddress, UID,
/// serialNumber, givenName, SN, DC, ... Encoding (RFC 5280 4.1.2.4, Appendix A): C, serialNumber
/// and dnQualifier are PrintableString, emailAddress and DC IA5String, everything else UTF8String.
struct DistinguishedName {
  std::vector<std::pair<std::string, std::string>> attributes;
};

/// What a certificate is for; decides its extensions.
enum class CertificateProfile : uint8_t {
  Unknown = 0,
  /// basicConstraints critical CA:TRUE; keyUsage critical keyCertSign,cRLSign; SKI.
  RootCa,
  /// basicConstraints critical CA:TRUE,pathlen:0; keyUsage critical keyCertSign,cRLSign; SKI;
  /// AKI; CDP and OCSP AIA when given.
  IntermediateCa,
  /// basicConstraints CA:FALSE; keyUsage critical digitalSignature,nonRepudiation;
  /// extendedKeyUsage emailProtection + document signing (1.3.6.1.4.1.311.10.3.12); SKI; AKI;
  /// CDP (required: pdfsig distrusts signer certificates without one); OCSP AIA when given;
  /// subjectAltName email when given.
  PersonalSigner,
  /// As PersonalSigner (a seal / organisation certificate).
  OrganisationSigner,
  /// basicConstraints CA:FALSE; keyUsage critical digitalSignature,nonRepudiation;
  /// extendedKeyUsage critical timeStamping (RFC 3161 2.3); SKI; AKI; CDP (required); OCSP AIA
  /// when given.
  TimeStamping,
  /// basicConstraints CA:FALSE; keyUsage critical digitalSignature; extendedKeyUsage OCSPSigning;
  /// id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1); SKI; AKI.
  OcspSigning,
  /// basicConstraints CA:FALSE; keyUsage digitalSignature,keyEncipherment; extendedKeyUsage
  /// serverAuth; SKI; AKI; subjectAltName DNS/IP entries (at least one required); CDP/AIA when
  /// given.
  TlsServer,
};

struct CertificateRequest {
  DistinguishedName subject;
  CertificateProfile profile = CertificateProfile::Unknown;
  TimePoint notBefore;
  TimePoint notAfter;
  std::string crlUrl;                    ///< CRL distribution point URI, "" for none
  std::string ocspUrl;                   ///< authorityInfoAccess OCSP URI, "" for none
  std::string email;                     ///< subjectAltName rfc822Name, "" for none
  std::vector<std::string> dnsNames;     ///< subjectAltName dNSName entries
  std::vector<std::string> ipAddresses;  ///< subjectAltName iPAddress entries (IPv4 or IPv6 text)
};

/// CRLReason codes (RFC 5280 5.3.1); the numeric values are the ASN.1 ones.
enum class RevocationReason : uint8_t {
  Unspecified = 0,
  KeyCompromise,
  CaCompromise,
  AffiliationChanged,
  Superseded,
  CessationOfOperation,
};

/// A CA: its certificate and key, its issuers, and the certificates it has revoked.
/// Move-only. Not thread-safe: use one thread at a time (or guard it with a mutex).
class CertificateAuthority {
 public:
  /// A self-signed root CA certificate (profile RootCa) for `subject` and `key`.
  /// Throws Error(InvalidArgument) for an empty/malformed subject or notBefore >= notAfter,
  /// Error(CryptoFailure) when OpenSSL fails.
  static CertificateAuthority createRoot(const DistinguishedName& subject, PrivateKey key,
                                         TimePoint notBefore, TimePoint notAfter);

  ~CertificateAuthority();
  CertificateAuthority(CertificateAuthority&&) noexcept;
  CertificateAuthority& operator=(CertificateAuthority&&) noexcept;
  CertificateAuthority(const CertificateAuthority&) = delete;
  CertificateAuthority& operator=(const CertificateAuthority&) = delete;

  /// Issues an IntermediateCa certificate for `request` (its profile is ignored) and `key`, and
  /// returns the CA that can issue with it. Throws as issue().
  CertificateAuthority createSubordinate(const CertificateRequest& request, PrivateKey key);

  /// Issues a certificate of `request.profile` for the public half of `subjectKey`, signed with
  /// this CA's key. Throws Error(InvalidArgument) for a request that does not fit its profile
  /// (Unknown/RootCa profile, empty subject, notBefore >= notAfter, missing CDP for signer/TSA
  /// profiles, no SAN for TlsServer, malformed URL/e-mail/IP) and Error(CryptoFailure) when
  /// OpenSSL fails.
  Certificate issue(const CertificateRequest& request, const PrivateKey& subjectKey);

  /// Records `certificate` as revoked at `when` for the next crlDer()/crlPem().
  /// Throws Error(InvalidArgument) if this CA did not issue it or it is already revoked.
  void revoke(const Certificate& certificate, TimePoint when,
              RevocationReason reason = RevocationReason::Unspecified);
  bool isRevoked(const Certificate& certificate) const;

  /// A v2 CRL signed by this CA: the revoked entries (with a reasonCode extension unless the
  /// reason is Unspecified, RFC 5280 5.3.1), authorityKeyIdentifier and cRLNumber extensions.
  /// The cRLNumber is `thisUpdate` in seconds since the epoch, so it grows with thisUpdate.
  /// Throws Error(InvalidArgument) if thisUpdate >= nextUpdate, Error(CryptoFailure) if OpenSSL
  /// fails.
  std::string crlDer(TimePoint thisUpdate, TimePoint nextUpdate) const;
  std::string crlPem(TimePoint thisUpdate, TimePoint nextUpdate) const;

  const Certificate& certificate() const;
  const PrivateKey& key() const;
  /// This CA's certificate followed by its issuers' up to and including the root.
  std::vector<Certificate> chain() const;

 private:
  struct State;
  explicit CertificateAuthority(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Writes a PKCS#12 key store with `key`, `certificate` (both under `friendlyName`, UTF-8) and
/// `chain` (extra certificates, in order) to `path`: PBES2 AES-256-CBC with PBKDF2-HMAC-SHA256
/// for the key and the certificates, HMAC-SHA256 MAC, 10000 iterations each. Written to a
/// temporary file in the same directory and renamed into place; the file has mode 0600.
/// Throws Error(InvalidArgument) for an empty password or a key that does not match the
/// certificate, Error(IoFailure) when the file cannot be written, Error(CryptoFailure) when
/// OpenSSL fails.
void writePkcs12(const std::filesystem::path& path, const PrivateKey& key,
                 const Certificate& certificate, const std::vector<Certificate>& chain,
                 const std::string& password, const std::string& friendlyName);

struct Pkcs12Contents {
  PrivateKey key;
  Certificate certificate;         ///< the certificate that matches the key
  std::vector<Certificate> chain;  ///< the other certificates, in file order
};

/// Reads a PKCS#12 key store. Throws Error(IoFailure) if the file cannot be read,
/// Error(InvalidArgument) if it is not a PKCS#12 store (or holds no key and matching certificate),
/// Error(InvalidPassword) if `password` is wrong (MAC mismatch), Error(CryptoFailure) if OpenSSL
/// fails otherwise (e.g. an algorithm the default provider lacks).
Pkcs12Contents readPkcs12(const std::filesystem::path& path, const std::string& password);

/// Checks that `leaf` chains to one of `trustAnchors` through `untrusted`, with OpenSSL's
/// X509_verify_cert (RFC 5280 6.1 path validation, default purpose "any"). With CRLs (DER), every
/// certificate in the path below the trust anchor must be covered by a current CRL of its issuer
/// and not be on it (X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL): pass the root's CRL too.
/// `at` sets the validation time (default: now). Returns OK or Status(CertificateInvalid, reason
/// naming the depth and subject). Throws Error(InvalidArgument) for an unreadable CRL,
/// Error(CryptoFailure) if OpenSSL fails.
Status verifyCertificate(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                         const std::vector<Certificate>& trustAnchors,
                         const std::vector<std::string>& crlsDer,
                         std::optional<TimePoint> at = std::nullopt);

}  // namespace vanthu::signing
