#pragma once

// Two key sources behind the DigestSigner port: a PKCS#12 key store (file or in memory) and a key
// on a PKCS#11 token or HSM reached through OpenSSL's pkcs11 ENGINE (libp11). Debian 12 ships no
// pkcs11-provider, so the ENGINE is the one way to a token on OpenSSL 3.0 (standards/podofo-0.9.8,
// P11). No OpenSSL type appears here.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/digest_signer.h"

namespace vanthu::signing {

/// The issuers of `certificate` found in `pool`, nearest first, each checked to have signed the
/// one below it; stops at a self-signed certificate (included) or where no issuer is found.
std::vector<Certificate> issuersOf(const Certificate& certificate,
                                   const std::vector<Certificate>& pool);

/// A software key: one PrivateKey and its certificate, in memory.
/// Not thread-safe to share (see DigestSigner), though signing only reads the key.
class Pkcs12Signer final : public DigestSigner {
 public:
  /// Reads the key store at `path` (readPkcs12). Throws as readPkcs12: Error(IoFailure) if the file
  /// cannot be read, Error(InvalidArgument) if it is not a PKCS#12 store with a key and its
  /// certificate, Error(InvalidPassword) for a wrong password, Error(CryptoFailure) otherwise.
  static std::unique_ptr<Pkcs12Signer> open(const std::filesystem::path& path,
                                            const std::string& password);

  /// `chain`: the issuers of `certificate`, nearest first. Throws Error(InvalidArgument) if `key`
  /// is not the private key of `certificate`.
  Pkcs12Signer(PrivateKey key, Certificate certificate, std::vector<Certificate> chain);

  const Certificate& certificate() const override { return certificate_; }
  std::vector<Certificate> chain() const override { return chain_; }
  /// Throws Error(InvalidArgument) for DigestAlgorithm::Unknown or a digest whose length is not
  /// the algorithm's, Error(CryptoFailure) if OpenSSL fails.
  std::string signDigest(const std::string& digest, DigestAlgorithm algorithm) override;

 private:
  PrivateKey key_;
  Certificate certificate_;
  std::vector<Certificate> chain_;
};

struct Pkcs11Options {
  /// RFC 7512 URI of the private key, e.g. "pkcs11:token=vanthu;object=lanhdao;type=private".
  /// A "pin-value" attribute in it is never echoed in error messages.
  std::string uri;
  /// The user PIN of the token.
  std::string pin;
  /// The token vendor's PKCS#11 module.
  std::string modulePath = "/usr/lib/softhsm/libsofthsm2.so";
  /// OpenSSL's pkcs11 ENGINE (Debian package libengine-pkcs11-openssl).
  std::string enginePath = "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so";
  /// The signing certificate. If absent, the certificate object with the same token/id/label as
  /// the key (the URI with type=cert) is read from the token.
  std::optional<Certificate> certificate;
  /// The issuers of the certificate, nearest first.
  std::vector<Certificate> chain;
  /// When `chain` is empty: certificates to find the issuers among (issuersOf), e.g. the
  /// organisation's intermediate and root certificates, so that the signature carries the chain
  /// a verifier needs, as a PKCS#12 key's does.
  std::vector<Certificate> issuerPool;
};

/// A key that never leaves its PKCS#11 token: every signDigest is one private key operation on
/// the token.
///
/// Errors (the code is stable; the message says what to do):
///  - Error(IoFailure): the ENGINE .so or the PKCS#11 module is missing or cannot be loaded or
///    initialised (install libengine-pkcs11-openssl / the token's middleware).
///  - Error(NotFound): no token or no private key matches the URI — the token is absent
///    (unplugged) or the token/object label or id is wrong; likewise for the certificate when it
///    is to be read from the token.
///  - Error(InvalidPassword): the token rejected the PIN (CKR_PIN_INCORRECT, CKR_PIN_LEN_RANGE)
///    or the PIN is locked (CKR_PIN_LOCKED; the message says so), or no PIN was given (empty pin
///    and no pin-value/pin-source in the URI: libp11 would prompt on the terminal).
///  - Error(InvalidArgument): an empty URI, a URI that is not "pkcs11:", or a key that does not
///    match the certificate.
///  - Error(CryptoFailure): the token or OpenSSL failed while signing.
///
/// Signers on the same ENGINE and module share one ENGINE instance (and so one PKCS#11 session
/// pool); it is finished and freed, and the module finalised, when the last of them is destroyed.
/// Loading and signing are serialised per instance, so signers may be used from several threads.
/// The ENGINE .so itself stays loaded for the rest of the process once used (libp11 keeps
/// methods in static variables that would leak at every unload).
class Pkcs11Signer final : public DigestSigner {
 public:
  static std::unique_ptr<Pkcs11Signer> open(const Pkcs11Options& options);

  ~Pkcs11Signer() override;
  Pkcs11Signer(const Pkcs11Signer&) = delete;
  Pkcs11Signer& operator=(const Pkcs11Signer&) = delete;

  const Certificate& certificate() const override;
  std::vector<Certificate> chain() const override;
  /// Throws Error(InvalidArgument) for DigestAlgorithm::Unknown or a digest whose length is not
  /// the algorithm's, Error(InvalidPassword) if the token asks for the PIN again and rejects it,
  /// Error(CryptoFailure) if the token or OpenSSL fails (e.g. the token was unplugged).
  std::string signDigest(const std::string& digest, DigestAlgorithm algorithm) override;

 private:
  struct State;
  explicit Pkcs11Signer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace vanthu::signing
