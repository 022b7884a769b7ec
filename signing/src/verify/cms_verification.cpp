#include "verify/cms_verification.h"

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <ctime>
#include <exception>
#include <string_view>
#include <utility>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/revocation.h"
#include "verify/iso_time.h"

namespace vanthu::signing::detail {

struct DecodedDss {
  std::vector<X509Ptr> certificates;
  size_t unreadableCertificates = 0;
  std::vector<OcspBasicRespPtr> ocsps;
};

namespace {

const DecodedDss& decodedDss(const TrustContext& context);

using Clock = std::chrono::system_clock;

// ETSI EN 319 102-1 sub-indications used here (standards/pdf-signatures.md §2.1).
constexpr const char* kFormatFailure = "FORMAT_FAILURE";
constexpr const char* kHashFailure = "HASH_FAILURE";
constexpr const char* kSigCryptoFailure = "SIG_CRYPTO_FAILURE";
constexpr const char* kCryptoConstraintsFailure = "CRYPTO_CONSTRAINTS_FAILURE";
constexpr const char* kNoSigningCertificateFound = "NO_SIGNING_CERTIFICATE_FOUND";
constexpr const char* kNoCertificateChainFound = "NO_CERTIFICATE_CHAIN_FOUND";
constexpr const char* kOutOfBoundsNoPoe = "OUT_OF_BOUNDS_NO_POE";
constexpr const char* kNotYetValid = "NOT_YET_VALID";
constexpr const char* kChainGeneralFailure = "CERTIFICATE_CHAIN_GENERAL_FAILURE";
constexpr const char* kChainConstraintsFailure = "CHAIN_CONSTRAINTS_FAILURE";
constexpr const char* kRevoked = "REVOKED";
constexpr const char* kRevokedNoPoe = "REVOKED_NO_POE";
constexpr const char* kRevokedCaNoPoe = "REVOKED_CA_NO_POE";

// adbe-revocationInfoArchival (Adobe's signed attribute carrying CRLs and OCSP responses).
constexpr const char* kAdobeRevocationOid = "1.2.840.113583.1.1.8";

// --- STACK_OF helpers (the sk_* macros carry C casts) ---------------------------------------

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
struct CrlStackDeleter {
  void operator()(STACK_OF(X509_CRL) * stack) const { sk_X509_CRL_pop_free(stack, X509_CRL_free); }
};
using CrlStackPtr = std::unique_ptr<STACK_OF(X509_CRL), CrlStackDeleter>;
int crlStackSize(const STACK_OF(X509_CRL) * stack) {
  return stack == nullptr ? 0 : sk_X509_CRL_num(stack);
}
X509_CRL* crlStackAt(const STACK_OF(X509_CRL) * stack, int index) {
  return sk_X509_CRL_value(stack, index);
}
#pragma GCC diagnostic pop

struct X509StackOnlyDeleter {
  void operator()(STACK_OF(X509) * stack) const { freeX509Stack(stack); }
};

// --- small helpers --------------------------------------------------------------------------

/// Records a problem: the error always, the indication when it is worse than the current one
/// (so the first problem found at the worst level names the sub-indication).
template <typename Check>
void flag(Check& check, Indication indication, const char* subindication, std::string error) {
  check.errors.push_back(std::move(error));
  if (indicationSeverity(indication) > indicationSeverity(check.indication)) {
    check.indication = indication;
    check.subindication = subindication;
  }
}

std::optional<TimePoint> asn1Time(const ASN1_TIME* time) {
  std::tm fields{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &fields) != 1) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  return detail::timePointFromTimeT(timegm(&fields));
}

std::string asn1TimeText(const ASN1_TIME* time) {
  auto point = asn1Time(time);
  return point ? isoUtc(*point) : std::string("(unreadable date)");
}

std::string_view bytesView(const ASN1_STRING* value) {
  if (value == nullptr) return {};
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
          static_cast<size_t>(ASN1_STRING_length(value))};
}

X509Ptr upRef(X509* cert) {
  if (cert == nullptr || X509_up_ref(cert) != 1) return nullptr;
  return X509Ptr(cert);
}

Certificate toCertificate(X509* cert) {
  if (X509_up_ref(cert) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "cannot reference an X509");
  return Certificate::adoptNative(cert);
}

CertificateSummary summarize(X509* cert) {
  Certificate certificate = toCertificate(cert);
  CertificateSummary summary;
  summary.subject = certificate.subjectText();
  summary.issuer = certificate.issuerText();
  summary.serial = certificate.serialHex();
  summary.notBefore = asn1TimeText(X509_get0_notBefore(cert));
  summary.notAfter = asn1TimeText(X509_get0_notAfter(cert));
  return summary;
}

std::string subjectOf(X509* cert) {
  try {
    return toCertificate(cert).subjectText();
  } catch (const std::exception&) {
    return "(unreadable name)";
  }
}

std::string hexOf(std::string_view bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 0x0F]);
  }
  return out;
}

std::string objectText(const ASN1_OBJECT* object) {
  if (object == nullptr) return "(none)";
  char text[128];
  int length = OBJ_obj2txt(text, sizeof text, object, 0);
  if (length <= 0) return "(unreadable OID)";
  return text;
}

X509Ptr parseCertificate(const std::string& der) {
  const unsigned char* in = bytesOf(der);
  X509Ptr cert(d2i_X509(nullptr, &in, static_cast<long>(der.size())));
  if (!cert) clearOpenSslErrors();
  return cert;
}

CmsContentInfoPtr parseCms(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  CmsContentInfoPtr cms(d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(der.size())));
  if (!cms) clearOpenSslErrors();
  return cms;
}

std::string digestBytes(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &length, md, nullptr) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot compute a digest");
  }
  return {reinterpret_cast<const char*>(out), length};
}

std::string derOf(X509* cert) {
  return encodeDer(cert, i2d_X509, "a certificate");
}

// --- minimal DER reading (for attributes OpenSSL 3.0 has no accessors for) ------------------

struct Der {
  unsigned tag = 0;
  std::string_view whole;
  std::string_view content;
};

/// Reads one definite-length TLV off the front of `in`. False when malformed.
bool readDer(std::string_view& in, Der& out) {
  if (in.size() < 2) return false;
  size_t position = 0;
  out.tag = static_cast<unsigned char>(in[position++]);
  if ((out.tag & 0x1FU) == 0x1FU) return false;  // high tag numbers: never used here
  size_t length = static_cast<unsigned char>(in[position++]);
  if ((length & 0x80U) != 0) {
    size_t count = length & 0x7FU;
    if (count == 0 || count > 4 || in.size() - position < count) return false;
    length = 0;
    for (size_t i = 0; i < count; ++i) {
      length = (length << 8) | static_cast<unsigned char>(in[position++]);
    }
  }
  if (in.size() - position < length) return false;
  out.content = in.substr(position, length);
  out.whole = in.substr(0, position + length);
  in.remove_prefix(position + length);
  return true;
}

// --- algorithms -----------------------------------------------------------------------------

struct DigestInfo {
  int nid = NID_undef;
  std::string name;         ///< "SHA-256"
  std::string opensslName;  ///< "SHA256"
};

std::optional<DigestInfo> supportedDigest(int nid) {
  switch (nid) {
    case NID_sha1:
      return DigestInfo{nid, "SHA-1", OBJ_nid2sn(nid)};
    case NID_sha224:
      return DigestInfo{nid, "SHA-224", OBJ_nid2sn(nid)};
    case NID_sha256:
      return DigestInfo{nid, "SHA-256", OBJ_nid2sn(nid)};
    case NID_sha384:
      return DigestInfo{nid, "SHA-384", OBJ_nid2sn(nid)};
    case NID_sha512:
      return DigestInfo{nid, "SHA-512", OBJ_nid2sn(nid)};
    case NID_sha512_224:
      return DigestInfo{nid, "SHA-512/224", OBJ_nid2sn(nid)};
    case NID_sha512_256:
      return DigestInfo{nid, "SHA-512/256", OBJ_nid2sn(nid)};
    case NID_sha3_224:
    case NID_sha3_256:
    case NID_sha3_384:
    case NID_sha3_512:
      return DigestInfo{nid, OBJ_nid2sn(nid), OBJ_nid2sn(nid)};
    default:
      return std::nullopt;
  }
}

/// The digest of an AlgorithmIdentifier; some producers put a signature OID (sha256WithRSA) in
/// digestAlgorithm, which names its digest too.
std::optional<DigestInfo> digestOf(const X509_ALGOR* algorithm, std::string& oidText) {
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  oidText = objectText(object);
  int nid = OBJ_obj2nid(object);
  if (auto info = supportedDigest(nid)) return info;
  int digestNid = NID_undef;
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &digestNid, nullptr) == 1) {
    return supportedDigest(digestNid);
  }
  return std::nullopt;
}

/// "RSA", "RSASSA-PSS", "ECDSA", ... for the SignerInfo's signatureAlgorithm; "" if unknown.
std::string signatureName(const X509_ALGOR* algorithm, std::string& oidText) {
  const ASN1_OBJECT* object = nullptr;
  X509_ALGOR_get0(&object, nullptr, nullptr, algorithm);
  oidText = objectText(object);
  int nid = OBJ_obj2nid(object);
  int keyNid = nid;
  int digestNid = NID_undef;
  if (nid != NID_undef && OBJ_find_sigid_algs(nid, &digestNid, &keyNid) != 1) keyNid = nid;
  switch (keyNid) {
    case NID_rsaEncryption:
      return "RSA";
    case NID_rsassaPss:
      return "RSASSA-PSS";
    case NID_X9_62_id_ecPublicKey:
      return "ECDSA";
    case NID_ED25519:
      return "Ed25519";
    case NID_ED448:
      return "Ed448";
    case NID_dsa:
      return "DSA";
    default:
      return "";
  }
}

// --- ESS signing-certificate(-v2) -----------------------------------------------------------

struct EssOutcome {
  bool present = false;
  bool v2 = false;
  bool matches = false;
  std::string problem;  ///< why it does not match (when present and !matches)
};

bool issuerSerialMatches(std::string_view issuerSerial, X509* cert) {
  // IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber CertificateSerialNumber }
  std::string_view in = issuerSerial;
  Der names;
  Der serial;
  if (!readDer(in, names) || !readDer(in, serial) || serial.tag != 0x02) return false;
  const auto* p = reinterpret_cast<const unsigned char*>(names.whole.data());
  GeneralNamesPtr generalNames(
      d2i_GENERAL_NAMES(nullptr, &p, static_cast<long>(names.whole.size())));
  p = reinterpret_cast<const unsigned char*>(serial.whole.data());
  Asn1IntegerPtr number(d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(serial.whole.size())));
  if (!generalNames || !number) {
    clearOpenSslErrors();
    return false;
  }
  if (ASN1_INTEGER_cmp(number.get(), X509_get0_serialNumber(cert)) != 0) return false;
  for (int i = 0; i < generalNamesSize(generalNames.get()); ++i) {
    GENERAL_NAME* name = generalNamesAt(generalNames.get(), i);
    if (name->type == GEN_DIRNAME &&
        X509_NAME_cmp(name->d.directoryName, X509_get_issuer_name(cert)) == 0) {
      return true;
    }
  }
  return false;
}

EssOutcome checkEss(CMS_SignerInfo* signerInfo, X509* signer) {
  EssOutcome outcome;
  for (int nid : {NID_id_smime_aa_signingCertificateV2, NID_id_smime_aa_signingCertificate}) {
    if (CMS_signed_get_attr_by_NID(signerInfo, nid, -1) < 0) continue;
    outcome.present = true;
    outcome.v2 = nid == NID_id_smime_aa_signingCertificateV2;
    const char* attributeName =
        outcome.v2 ? "ESS signing-certificate-v2" : "ESS signing-certificate";
    auto* value = static_cast<ASN1_STRING*>(
        CMS_signed_get0_data_by_OBJ(signerInfo, OBJ_nid2obj(nid), -3, V_ASN1_SEQUENCE));
    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), policies OPTIONAL }
    std::string_view in = bytesView(value);
    Der outer;
    Der certs;
    Der first;
    if (value == nullptr || !readDer(in, outer) || outer.tag != 0x30) {
      outcome.problem = std::string("the ") + attributeName + " attribute is malformed";
      return outcome;
    }
    in = outer.content;
    if (!readDer(in, certs) || certs.tag != 0x30) {
      outcome.problem = std::string("the ") + attributeName + " attribute is malformed";
      return outcome;
    }
    in = certs.content;
    if (!readDer(in, first) || first.tag != 0x30) {
      outcome.problem = std::string("the ") + attributeName + " attribute lists no certificate";
      return outcome;
    }
    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }
    // ESSCertID   ::= SEQUENCE { certHash (SHA-1), issuerSerial OPTIONAL }
    std::string_view fields = first.content;
    Der field;
    const EVP_MD* md = outcome.v2 ? EVP_sha256() : EVP_sha1();
    if (!readDer(fields, field)) {
      outcome.problem = std::string("the ") + attributeName + " attribute is malformed";
      return outcome;
    }
    if (outcome.v2 && field.tag == 0x30) {
      const auto* p = reinterpret_cast<const unsigned char*>(field.whole.data());
      X509AlgorPtr algorithm(d2i_X509_ALGOR(nullptr, &p, static_cast<long>(field.whole.size())));
      const ASN1_OBJECT* object = nullptr;
      if (algorithm) X509_ALGOR_get0(&object, nullptr, nullptr, algorithm.get());
      md = object == nullptr ? nullptr : EVP_get_digestbyobj(object);
      if (md == nullptr) {
        clearOpenSslErrors();
        outcome.problem = std::string("the ") + attributeName +
                          " attribute uses an unsupported hash algorithm " + objectText(object);
        return outcome;
      }
      if (!readDer(fields, field)) {
        outcome.problem = std::string("the ") + attributeName + " attribute is malformed";
        return outcome;
      }
    }
    if (field.tag != 0x04) {
      outcome.problem = std::string("the ") + attributeName + " attribute is malformed";
      return outcome;
    }
    if (digestBytes(md, derOf(signer)) != field.content) {
      outcome.problem = std::string(attributeName) +
                        " does not match: it names another certificate than the signer's (" +
                        subjectOf(signer) + ")";
      return outcome;
    }
    if (readDer(fields, field) && field.tag == 0x30 &&
        !issuerSerialMatches(field.content, signer)) {
      outcome.problem = std::string(attributeName) +
                        " does not match: its issuer and serial number are not the signer "
                        "certificate's";
      return outcome;
    }
    outcome.matches = true;
    return outcome;
  }
  return outcome;
}

// --- format, identification, cryptographic verification of one SignerInfo ------------------

/// Everything about one SignedData (a signature or a time-stamp token) that does not depend on
/// what it signs.
struct SignedDataParts {
  CmsContentInfoPtr cms;
  CMS_SignerInfo* signerInfo = nullptr;
  std::vector<X509Ptr> pool;  ///< certificates of the CMS, then of the DSS
  X509Ptr signer;
};

template <typename Check>
bool decodeSignedData(Check& check, std::string_view der, const char* what, bool detached,
                      SignedDataParts& parts, bool embeddedData = false) {
  parts.cms = parseCms(der);
  if (!parts.cms) {
    flag(check, Indication::TotalFailed, kFormatFailure,
         std::string("the ") + what + " cannot be decoded: it is not a DER CMS ContentInfo");
    return false;
  }
  if (OBJ_obj2nid(CMS_get0_type(parts.cms.get())) != NID_pkcs7_signed) {
    flag(check, Indication::TotalFailed, kFormatFailure,
         std::string("the ") + what + " is not a CMS SignedData (content type " +
             objectText(CMS_get0_type(parts.cms.get())) + ")");
    return false;
  }
  STACK_OF(CMS_SignerInfo)* signerInfos = CMS_get0_SignerInfos(parts.cms.get());
  int count = cmsSignerInfoCount(signerInfos);
  if (count != 1) {
    flag(check, Indication::Indeterminate, kFormatFailure,
         std::string("the ") + what + " has " + std::to_string(count) +
             " SignerInfos; exactly one is required");
    return false;
  }
  parts.signerInfo = cmsSignerInfoAt(signerInfos, 0);
  ASN1_OCTET_STRING** content = CMS_get0_content(parts.cms.get());
  bool hasContent = content != nullptr && *content != nullptr;
  if (embeddedData) {
    // adbe.pkcs7.sha1: the SHA-1 digest of the signed bytes is the encapsulated id-data.
    if (!hasContent || OBJ_obj2nid(CMS_get0_eContentType(parts.cms.get())) != NID_pkcs7_data) {
      flag(check, Indication::TotalFailed, kFormatFailure,
           std::string("the ") + what + " of an adbe.pkcs7.sha1 signature must encapsulate data");
      return false;
    }
    return true;
  }
  if (detached && hasContent) {
    flag(check, Indication::TotalFailed, kFormatFailure,
         std::string("the ") + what +
             " encapsulates content; a PDF signature must be detached (no eContent)");
    return false;
  }
  if (!detached && !hasContent) {
    flag(check, Indication::TotalFailed, kFormatFailure,
         std::string("the ") + what + " carries no TSTInfo (its eContent is absent)");
    return false;
  }
  int contentType = OBJ_obj2nid(CMS_get0_eContentType(parts.cms.get()));
  int expected = detached ? NID_pkcs7_data : NID_id_smime_ct_TSTInfo;
  if (contentType != expected) {
    flag(check, Indication::TotalFailed, kFormatFailure,
         std::string("the ") + what + " has the encapsulated content type " +
             objectText(CMS_get0_eContentType(parts.cms.get())) + " instead of " +
             OBJ_nid2ln(expected));
    return false;
  }
  return true;
}

template <typename Check>
void collectPool(Check& check, SignedDataParts& parts, const TrustContext& context) {
  std::unique_ptr<STACK_OF(X509), X509StackOnlyDeleter> certs(CMS_get1_certs(parts.cms.get()));
  clearOpenSslErrors();
  for (int i = 0; i < x509StackSize(certs.get()); ++i) {
    if (auto cert = upRef(x509StackAt(certs.get(), i))) parts.pool.push_back(std::move(cert));
  }
  const DecodedDss& dss = decodedDss(context);
  for (const auto& cert : dss.certificates) parts.pool.push_back(upRef(cert.get()));
  size_t unreadable = dss.unreadableCertificates;
  if (unreadable > 0) {
    check.warnings.push_back(std::to_string(unreadable) +
                             " certificate(s) of the document security store cannot be read");
  }
}

std::string describeSid(CMS_SignerInfo* signerInfo) {
  ASN1_OCTET_STRING* keyId = nullptr;
  X509_NAME* issuer = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (CMS_SignerInfo_get0_signer_id(signerInfo, &keyId, &issuer, &serial) != 1) {
    clearOpenSslErrors();
    return "(unreadable signer identifier)";
  }
  if (keyId != nullptr) return "subject key identifier " + hexOf(bytesView(keyId));
  std::string text = "issuer ";
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio && issuer != nullptr &&
      X509_NAME_print_ex(bio.get(), issuer, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
    char* data = nullptr;
    long length = BIO_ctrl(bio.get(), BIO_CTRL_INFO, 0, static_cast<void*>(&data));
    if (data != nullptr && length > 0) text.append(data, static_cast<size_t>(length));
  }
  BignumPtr number(serial == nullptr ? nullptr : ASN1_INTEGER_to_BN(serial, nullptr));
  if (number) {
    OpenSslMemoryPtr<char> hex(BN_bn2hex(number.get()));
    if (hex) text += ", serial " + std::string(hex.get());
  }
  return text;
}

template <typename Check>
bool identifySigner(Check& check, SignedDataParts& parts, const char* role) {
  for (const auto& cert : parts.pool) {
    if (CMS_SignerInfo_cert_cmp(parts.signerInfo, cert.get()) == 0) {
      parts.signer = upRef(cert.get());
      break;
    }
  }
  if (!parts.signer) {
    flag(check, Indication::Indeterminate, kNoSigningCertificateFound,
         std::string("the ") + role + " certificate (" + describeSid(parts.signerInfo) +
             ") is neither in the CMS nor in the document security store");
    return false;
  }
  return true;
}

struct CryptoOutcome {
  bool integrity = false;
  std::string digestName;
  std::string signatureName;
};

/// CV: the message digest (or, without signed attributes, the signature value over the content
/// digest) and the signature value. `contentDigest` gives the digest of what is signed.
template <typename Check>
CryptoOutcome verifyCrypto(Check& check, SignedDataParts& parts, const SignedBytesDigest& digest,
                           int expectedContentType, const char* what) {
  CryptoOutcome outcome;
  X509_ALGOR* digestAlgorithm = nullptr;
  X509_ALGOR* signatureAlgorithm = nullptr;
  CMS_SignerInfo_get0_algs(parts.signerInfo, nullptr, nullptr, &digestAlgorithm,
                           &signatureAlgorithm);
  std::string digestOid;
  std::string signatureOid;
  auto digestInfo = digestOf(digestAlgorithm, digestOid);
  outcome.signatureName = signatureName(signatureAlgorithm, signatureOid);
  if (!digestInfo) {
    flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
         std::string("unsupported algorithm: the ") + what + " uses the digest algorithm " +
             digestOid + ", which this validator does not accept");
    return outcome;
  }
  outcome.digestName = digestInfo->name;
  if (outcome.signatureName.empty()) {
    flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
         std::string("unsupported algorithm: the ") + what + " uses the signature algorithm " +
             signatureOid + ", which this validator does not know");
    return outcome;
  }
  if (digestInfo->nid == NID_sha1) {
    check.warnings.push_back(std::string("weak digest SHA-1: the ") + what +
                             " uses SHA-1, which no longer resists collisions");
  }
  std::string contentDigest;
  try {
    contentDigest = digest(digestInfo->opensslName);
  } catch (const std::exception& error) {
    flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
         std::string("unsupported algorithm: cannot compute ") + digestInfo->name +
             " of the signed bytes (" + error.what() + ")");
    return outcome;
  }
  const EVP_MD* md = EVP_get_digestbyname(digestInfo->opensslName.c_str());
  EVP_PKEY* publicKey = X509_get0_pubkey(parts.signer.get());
  if (md == nullptr || publicKey == nullptr) {
    clearOpenSslErrors();
    flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
         std::string("unsupported algorithm: the ") + what + "'s digest " + digestInfo->name +
             " or the signer's public key is not usable with this OpenSSL");
    return outcome;
  }

  if (CMS_signed_get_attr_count(parts.signerInfo) > 0) {
    bool digestOk = false;
    if (CMS_signed_get_attr_by_NID(parts.signerInfo, NID_pkcs9_contentType, -1) < 0) {
      flag(check, Indication::TotalFailed, kFormatFailure,
           std::string("the ") + what + "'s signed attributes lack the content-type attribute");
    } else {
      auto* type = static_cast<ASN1_OBJECT*>(CMS_signed_get0_data_by_OBJ(
          parts.signerInfo, OBJ_nid2obj(NID_pkcs9_contentType), -3, V_ASN1_OBJECT));
      if (type == nullptr || OBJ_obj2nid(type) != expectedContentType) {
        flag(check, Indication::TotalFailed, kFormatFailure,
             std::string("the ") + what + "'s content-type attribute is " + objectText(type) +
                 " instead of " + OBJ_nid2ln(expectedContentType));
      }
    }
    if (CMS_signed_get_attr_by_NID(parts.signerInfo, NID_pkcs9_messageDigest, -1) < 0) {
      flag(check, Indication::TotalFailed, kFormatFailure,
           std::string("the ") + what +
               "'s signed attributes lack the message-digest attribute, so nothing binds it "
               "to the signed bytes");
    } else {
      auto* messageDigest = static_cast<ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
          parts.signerInfo, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
      if (messageDigest == nullptr) {
        flag(check, Indication::TotalFailed, kFormatFailure,
             std::string("the ") + what + "'s message-digest attribute is malformed");
      } else if (bytesView(messageDigest) != contentDigest) {
        flag(check, Indication::TotalFailed, kHashFailure,
             std::string("the ") + what + "'s message digest (" + digestInfo->name +
                 ") does not match the signed bytes: they were changed after signing");
      } else {
        digestOk = true;
      }
    }
    clearOpenSslErrors();
    CMS_SignerInfo_set1_signer_cert(parts.signerInfo, parts.signer.get());
    bool valueOk = CMS_SignerInfo_verify(parts.signerInfo) == 1;
    if (!valueOk) {
      std::string reason = drainOpenSslErrors();
      flag(check, Indication::TotalFailed, kSigCryptoFailure,
           std::string("the ") + what + "'s signature value does not verify with the " +
               "public key of " + subjectOf(parts.signer.get()) +
               (reason.empty() ? std::string() : " (" + reason + ")"));
    }
    outcome.integrity = digestOk && valueOk;
    return outcome;
  }

  // No signed attributes (adbe.pkcs7.detached from older producers): the value signs the
  // content digest itself.
  if (outcome.signatureName != "RSA" && outcome.signatureName != "ECDSA" &&
      outcome.signatureName != "DSA") {
    flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
         "unsupported algorithm: " + outcome.signatureName + " without signed attributes");
    return outcome;
  }
  std::string_view value = bytesView(CMS_SignerInfo_get0_signature(parts.signerInfo));
  EvpPkeyCtxPtr verify(EVP_PKEY_CTX_new(publicKey, nullptr));
  bool ok = verify && EVP_PKEY_verify_init(verify.get()) == 1 &&
            EVP_PKEY_CTX_set_signature_md(verify.get(), md) == 1 &&
            EVP_PKEY_verify(verify.get(), reinterpret_cast<const unsigned char*>(value.data()),
                            value.size(), bytesOf(contentDigest), contentDigest.size()) == 1;
  clearOpenSslErrors();
  if (ok) {
    outcome.integrity = true;
    return outcome;
  }
  // For RSA, recovering the DigestInfo tells a changed document from a bad value.
  bool recovered = false;
  if (EVP_PKEY_get_base_id(publicKey) == EVP_PKEY_RSA) {
    EvpPkeyCtxPtr recover(EVP_PKEY_CTX_new(publicKey, nullptr));
    std::string out(static_cast<size_t>(EVP_PKEY_get_size(publicKey)), '\0');
    size_t length = out.size();
    recovered = recover && EVP_PKEY_verify_recover_init(recover.get()) == 1 &&
                EVP_PKEY_CTX_set_signature_md(recover.get(), md) == 1 &&
                EVP_PKEY_verify_recover(
                    recover.get(), reinterpret_cast<unsigned char*>(out.data()), &length,
                    reinterpret_cast<const unsigned char*>(value.data()), value.size()) == 1;
    clearOpenSslErrors();
  }
  if (recovered) {
    flag(check, Indication::TotalFailed, kHashFailure,
         std::string("the ") + what + " signs another " + digestInfo->name +
             " digest than the one of the signed bytes: they were changed after signing");
  } else {
    flag(check, Indication::TotalFailed, kSigCryptoFailure,
         std::string("the ") + what + "'s signature value does not verify with the public key of " +
             subjectOf(parts.signer.get()));
  }
  return outcome;
}

// --- chain (XCV) ----------------------------------------------------------------------------

struct ChainOutcome {
  bool trusted = false;
  std::vector<X509Ptr> chain;  ///< leaf first
};

/// Builds and checks the path of `leaf` to one of the trust anchors at `at`, recording problems
/// in `check`. `role` names the leaf ("signer", "TSA"); `poe` is the proof of existence that set
/// `at`, if any.
template <typename Check>
ChainOutcome checkChain(Check& check, X509* leaf, const std::vector<X509Ptr>& pool,
                        const std::vector<Certificate>& anchors, TimePoint at,
                        std::optional<TimePoint> poe, const std::string& role) {
  ChainOutcome outcome;
  X509StorePtr store(X509_STORE_new());
  X509StoreCtxPtr context(X509_STORE_CTX_new());
  auto untrusted = newX509Stack();
  if (!store || !context || !untrusted) throwOpenSsl(ErrorCode::CryptoFailure, "out of memory");
  for (const auto& anchor : anchors) {
    if (X509_STORE_add_cert(store.get(), anchor.nativeHandle()) != 1) clearOpenSslErrors();
  }
  // An intermediate configured as a trust anchor ends the path there.
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  for (const auto& cert : pool) {
    X509Ptr copy = upRef(cert.get());
    if (copy && x509StackPush(untrusted.get(), copy.get())) static_cast<void>(copy.release());
  }
  if (X509_STORE_CTX_init(context.get(), store.get(), leaf, untrusted.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up the certificate path check");
  }
  X509_STORE_CTX_set_time(context.get(), 0, Clock::to_time_t(at));
  int verified = X509_verify_cert(context.get());
  int error = X509_STORE_CTX_get_error(context.get());
  X509* failing = X509_STORE_CTX_get_current_cert(context.get());
  {
    X509StackPtr built(X509_STORE_CTX_get1_chain(context.get()));
    for (int i = 0; i < x509StackSize(built.get()); ++i) {
      if (auto cert = upRef(x509StackAt(built.get(), i))) outcome.chain.push_back(std::move(cert));
    }
  }
  clearOpenSslErrors();
  if (outcome.chain.empty()) {
    if (auto cert = upRef(leaf)) outcome.chain.push_back(std::move(cert));
  }
  std::string leafName = subjectOf(leaf);
  std::string culprit = failing == nullptr ? leafName : subjectOf(failing);
  bool isLeaf = failing == nullptr || X509_cmp(failing, leaf) == 0;
  std::string who = isLeaf ? "the " + role + " certificate (" + leafName + ")"
                           : "the certificate " + culprit + " in the " + role + "'s chain";
  if (anchors.empty()) {
    flag(check, Indication::Indeterminate, kNoCertificateChainFound,
         "no trust anchor is configured, so the chain of the " + role + " certificate (" +
             leafName + ") cannot be checked");
    return outcome;
  }
  if (verified == 1) {
    outcome.trusted = true;
  } else {
    switch (error) {
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
      case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
      case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        flag(check, Indication::Indeterminate, kNoCertificateChainFound,
             "no chain from the " + role + " certificate (" + leafName +
                 ") to a trust anchor was found (" + X509_verify_cert_error_string(error) + " at " +
                 culprit + ")");
        break;
      case X509_V_ERR_CERT_HAS_EXPIRED: {
        std::string expired = asn1TimeText(X509_get0_notAfter(failing ? failing : leaf));
        flag(check, Indication::Indeterminate, kOutOfBoundsNoPoe,
             poe ? who + " expired on " + expired +
                       ", before the earliest proof of existence of the signature (" +
                       isoUtc(*poe) + ")"
                 : who + " expired on " + expired +
                       " and no time-stamp proves the signature existed before");
        break;
      }
      case X509_V_ERR_CERT_NOT_YET_VALID:
        flag(check, Indication::Indeterminate, kNotYetValid,
             who + " is not valid before " +
                 asn1TimeText(X509_get0_notBefore(failing ? failing : leaf)) +
                 ", after the validation time " + isoUtc(at));
        break;
      default:
        flag(check, Indication::Indeterminate, kChainGeneralFailure,
             "the path of the " + role + " certificate (" + leafName +
                 ") fails validation: " + X509_verify_cert_error_string(error) + " at " + culprit);
        break;
    }
  }
  return outcome;
}

template <typename Check>
void summarizeChain(Check& check, const ChainOutcome& outcome) {
  for (const auto& cert : outcome.chain) check.chain.push_back(summarize(cert.get()));
}

// --- revocation -----------------------------------------------------------------------------

struct RevocationFinding {
  RevocationStatus status = RevocationStatus::Unknown;
  std::string source = "none";
  std::optional<TimePoint> revokedAt;
};

/// The status of `cert` in `crl`, when the CRL is `issuer`'s and signed by it.
std::optional<RevocationFinding> fromCrl(X509_CRL* crl, X509* cert, X509* issuer,
                                         const std::string& source) {
  if (crl == nullptr ||
      X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0 ||
      X509_CRL_verify(crl, X509_get0_pubkey(issuer)) != 1) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  RevocationFinding finding;
  finding.source = source;
  X509_REVOKED* entry = nullptr;
  if (X509_CRL_get0_by_cert(crl, &entry, cert) == 1 && entry != nullptr) {
    // removeFromCRL (delta CRLs) means "no longer on hold": good.
    int critical = 0;
    Asn1EnumeratedPtr reason(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
    if (reason && ASN1_ENUMERATED_get(reason.get()) == CRL_REASON_REMOVE_FROM_CRL) {
      finding.status = RevocationStatus::Good;
    } else {
      finding.status = RevocationStatus::Revoked;
      finding.revokedAt = asn1Time(X509_REVOKED_get0_revocationDate(entry));
    }
  } else {
    finding.status = RevocationStatus::Good;
  }
  clearOpenSslErrors();
  return finding;
}

std::optional<RevocationFinding> fromCrlDer(std::string_view der, X509* cert, X509* issuer,
                                            const std::string& source) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  X509CrlPtr crl(d2i_X509_CRL(nullptr, &in, static_cast<long>(der.size())));
  if (!crl) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  return fromCrl(crl.get(), cert, issuer, source);
}

OcspBasicRespPtr parseOcspBasic(std::string_view der) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &in, static_cast<long>(der.size())));
  if (!response || OCSP_response_status(response.get()) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    clearOpenSslErrors();
    return OcspBasicRespPtr(nullptr);
  }
  OcspBasicRespPtr basic(OCSP_response_get1_basic(response.get()));
  clearOpenSslErrors();
  return basic;
}

/// The status of `cert` in an OCSP response, when it is signed by `issuer` or a responder it
/// delegated to (RFC 6960 4.2.2.2) and answers for `cert`. The cheap question (does it answer
/// for this certificate?) comes first: a DSS holds responses for many certificates.
std::optional<RevocationFinding> fromOcspBasic(OCSP_BASICRESP* basic, X509* cert, X509* issuer,
                                               TimePoint at, const std::string& source) {
  if (basic == nullptr) return std::nullopt;
  OCSP_SINGLERESP* answer = nullptr;
  for (int i = 0; i < OCSP_resp_count(basic) && answer == nullptr; ++i) {
    OCSP_SINGLERESP* single = OCSP_resp_get0(basic, i);
    const OCSP_CERTID* id = OCSP_SINGLERESP_get0_id(single);
    ASN1_OBJECT* hashObject = nullptr;
    if (OCSP_id_get0_info(nullptr, &hashObject, nullptr, nullptr, const_cast<OCSP_CERTID*>(id)) !=
        1) {
      continue;
    }
    const EVP_MD* md = EVP_get_digestbyobj(hashObject);
    if (md == nullptr) continue;
    OcspCertIdPtr ours(OCSP_cert_to_id(md, cert, issuer));
    if (ours && OCSP_id_cmp(ours.get(), id) == 0) answer = single;
  }
  if (answer == nullptr) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  X509StorePtr store(X509_STORE_new());
  auto trusted = newX509Stack();
  X509Ptr issuerCopy = upRef(issuer);
  if (!store || !trusted || !issuerCopy || X509_STORE_add_cert(store.get(), issuer) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1 ||
      !x509StackPush(trusted.get(), issuerCopy.get())) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  static_cast<void>(issuerCopy.release());
  // A delegated responder's certificate is checked at the validation time, not now.
  X509_VERIFY_PARAM* param = X509_STORE_get0_param(store.get());
  X509_VERIFY_PARAM_set_time(param, Clock::to_time_t(at));
  if (OCSP_basic_verify(basic, trusted.get(), store.get(), OCSP_TRUSTOTHER | OCSP_NOEXPLICIT) <=
      0) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  X509* signer = nullptr;
  if (OCSP_resp_get0_signer(basic, &signer, trusted.get()) != 1 || signer == nullptr) {
    clearOpenSslErrors();
    return std::nullopt;
  }
  if (X509_cmp(signer, issuer) != 0) {
    bool issuedByCa = X509_check_issued(issuer, signer) == X509_V_OK &&
                      X509_verify(signer, X509_get0_pubkey(issuer)) == 1;
    bool ocspSigning = (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) != 0 &&
                       (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) != 0;
    if (!issuedByCa || !ocspSigning) {
      clearOpenSslErrors();
      return std::nullopt;
    }
  }
  int reason = 0;
  ASN1_GENERALIZEDTIME* revokedAt = nullptr;
  int status = OCSP_single_get0_status(answer, &reason, &revokedAt, nullptr, nullptr);
  clearOpenSslErrors();
  RevocationFinding finding;
  finding.source = source;
  if (status == V_OCSP_CERTSTATUS_GOOD) {
    finding.status = RevocationStatus::Good;
  } else if (status == V_OCSP_CERTSTATUS_REVOKED) {
    finding.status = RevocationStatus::Revoked;
    finding.revokedAt = asn1Time(revokedAt);
  } else {
    return std::nullopt;
  }
  return finding;
}

std::optional<RevocationFinding> fromOcspDer(std::string_view der, X509* cert, X509* issuer,
                                             TimePoint at, const std::string& source) {
  OcspBasicRespPtr basic = parseOcspBasic(der);
  return fromOcspBasic(basic.get(), cert, issuer, at, source);
}

const DecodedDss& decodedDss(const TrustContext& context) {
  if (!context.decoded) {
    auto decoded = std::make_shared<DecodedDss>();
    for (const auto& der : context.dss.certificates) {
      if (auto cert = parseCertificate(der)) {
        decoded->certificates.push_back(std::move(cert));
      } else {
        ++decoded->unreadableCertificates;
      }
    }
    for (const auto& der : context.dss.ocspResponses) {
      decoded->ocsps.push_back(parseOcspBasic(der));
    }
    context.decoded = decoded;
  }
  return *context.decoded;
}

/// The CRLs and OCSP responses of the adbe-revocationInfoArchival signed attribute:
/// SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL, ocsp [1] EXPLICIT SEQUENCE OF
/// OCSPResponse OPTIONAL, otherRevInfo [2] ... OPTIONAL }.
void adobeRevocationData(CMS_SignerInfo* signerInfo, std::vector<std::string>& crls,
                         std::vector<std::string>& ocsps) {
  Asn1ObjectPtr oid(OBJ_txt2obj(kAdobeRevocationOid, 1));
  if (!oid || CMS_signed_get_attr_by_OBJ(signerInfo, oid.get(), -1) < 0) {
    clearOpenSslErrors();
    return;
  }
  auto* value = static_cast<ASN1_STRING*>(
      CMS_signed_get0_data_by_OBJ(signerInfo, oid.get(), -3, V_ASN1_SEQUENCE));
  std::string_view in = bytesView(value);
  Der outer;
  if (!readDer(in, outer) || outer.tag != 0x30) return;
  std::string_view fields = outer.content;
  Der field;
  while (readDer(fields, field)) {
    if (field.tag != 0xA0 && field.tag != 0xA1) continue;
    std::string_view explicitContent = field.content;
    Der list;
    if (!readDer(explicitContent, list) || list.tag != 0x30) continue;
    std::string_view items = list.content;
    Der item;
    while (readDer(items, item)) {
      (field.tag == 0xA0 ? crls : ocsps).emplace_back(item.whole);
    }
  }
}

struct RevocationSources {
  std::vector<std::string> cmsCrls;
  std::vector<std::string> cmsOcsps;
};

RevocationFinding findRevocation(X509* cert, X509* issuer, const TrustContext& context,
                                 const RevocationSources& cms, TimePoint at) {
  std::vector<RevocationFinding> found;
  for (const auto& basic : decodedDss(context).ocsps) {
    if (auto finding = fromOcspBasic(basic.get(), cert, issuer, at, "dss")) {
      found.push_back(*finding);
    }
  }
  for (const auto& der : context.dss.crls) {
    if (auto finding = fromCrlDer(der, cert, issuer, "dss")) found.push_back(*finding);
  }
  for (const auto& der : cms.cmsOcsps) {
    if (auto finding = fromOcspDer(der, cert, issuer, at, "cms")) found.push_back(*finding);
  }
  for (const auto& der : cms.cmsCrls) {
    if (auto finding = fromCrlDer(der, cert, issuer, "cms")) found.push_back(*finding);
  }
  // Any source that says revoked wins (the earliest revocation date); otherwise the first
  // "good".
  std::optional<RevocationFinding> revoked;
  for (const auto& finding : found) {
    if (finding.status != RevocationStatus::Revoked) continue;
    if (!revoked ||
        (finding.revokedAt && (!revoked->revokedAt || *finding.revokedAt < *revoked->revokedAt))) {
      revoked = finding;
    }
  }
  if (revoked) return *revoked;
  for (const auto& finding : found) {
    if (finding.status == RevocationStatus::Good) return finding;
  }
  return {};
}

/// Asks the certificate's OCSP responder, then its CRL distribution point.
RevocationFinding fetchRevocation(X509* cert, X509* issuer, HttpFetcher& fetcher,
                                  std::vector<std::string>& warnings) {
  Certificate subject = toCertificate(cert);
  Certificate issuerCertificate = toCertificate(issuer);
  std::string failures;
  try {
    if (!ocspResponderUrls(subject).empty()) {
      OcspClient client(fetcher);
      OcspResult result = client.check(subject, issuerCertificate);
      if (result.status != RevocationStatus::Unknown) {
        RevocationFinding finding;
        finding.status = result.status;
        finding.source = "online";
        finding.revokedAt = result.revocationTime;
        return finding;
      }
    }
  } catch (const std::exception& error) {
    failures += std::string("OCSP: ") + error.what();
  }
  try {
    if (!crlDistributionPointUrls(subject).empty()) {
      CrlClient client(fetcher);
      CrlResult result = client.fetch(subject, issuerCertificate);
      if (auto finding = fromCrlDer(result.crlDer, cert, issuer, "online")) return *finding;
    }
  } catch (const std::exception& error) {
    if (!failures.empty()) failures += "; ";
    failures += std::string("CRL: ") + error.what();
  }
  clearOpenSslErrors();
  if (!failures.empty()) {
    warnings.push_back("the revocation status of " + subject.subjectText() +
                       " could not be fetched (" + failures + ")");
  }
  return {};
}

// --- time-stamp tokens ----------------------------------------------------------------------

/// Verifies a time-stamp token (a CMS SignedData over TSTInfo): format, TSA identification and
/// ESS binding, signature, TSA chain at `context.validationTime`, and that the message imprint is
/// `expectedDigest(algorithm)`.
TimestampCheck checkToken(std::string_view tokenDer, const SignedBytesDigest& expectedDigest,
                          const TrustContext& context, const std::vector<X509Ptr>& extraCerts,
                          bool documentTimestamp) {
  TimestampCheck check;
  check.indication = Indication::TotalPassed;
  const char* what = documentTimestamp ? "document time-stamp" : "signature time-stamp";
  try {
    SignedDataParts parts;
    if (!decodeSignedData(check, tokenDer, what, false, parts)) return check;
    ASN1_OCTET_STRING** content = CMS_get0_content(parts.cms.get());
    std::string_view tstDer = bytesView(*content);
    const auto* in = reinterpret_cast<const unsigned char*>(tstDer.data());
    TsTstInfoPtr info(d2i_TS_TST_INFO(nullptr, &in, static_cast<long>(tstDer.size())));
    if (!info) {
      clearOpenSslErrors();
      flag(check, Indication::TotalFailed, kFormatFailure,
           std::string("the ") + what + "'s TSTInfo cannot be decoded");
      return check;
    }
    auto genTime = asn1Time(TS_TST_INFO_get_time(info.get()));
    if (!genTime) {
      flag(check, Indication::TotalFailed, kFormatFailure,
           std::string("the ") + what + "'s genTime cannot be read");
      return check;
    }
    check.genTime = *genTime;

    collectPool(check, parts, context);
    for (const auto& cert : extraCerts) {
      if (auto copy = upRef(cert.get())) parts.pool.push_back(std::move(copy));
    }
    if (!identifySigner(check, parts, "TSA")) return check;
    check.tsa = summarize(parts.signer.get());
    // RFC 3161 2.4.2 / RFC 5816: the token binds the TSA certificate with ESS.
    EssOutcome ess = checkEss(parts.signerInfo, parts.signer.get());
    if (!ess.present) {
      flag(check, Indication::Indeterminate, kNoSigningCertificateFound,
           std::string("the ") + what +
               " has no ESS signing-certificate attribute binding the "
               "TSA certificate (RFC 3161)");
    } else if (!ess.matches) {
      flag(check, Indication::Indeterminate, kNoSigningCertificateFound, ess.problem);
    }

    // CV of the token itself: its message-digest attribute covers the TSTInfo.
    std::string tst(tstDer);
    SignedBytesDigest tstDigest = [&tst](const std::string& name) {
      const EVP_MD* md = EVP_get_digestbyname(name.c_str());
      if (md == nullptr) throw Error(ErrorCode::InvalidArgument, "unknown digest " + name);
      return digestBytes(md, tst);
    };
    verifyCrypto(check, parts, tstDigest, NID_id_smime_ct_TSTInfo, what);

    // The message imprint.
    TS_MSG_IMPRINT* imprint = TS_TST_INFO_get_msg_imprint(info.get());
    X509_ALGOR* imprintAlgorithm = TS_MSG_IMPRINT_get_algo(imprint);
    std::string imprintOid;
    auto imprintDigest = digestOf(imprintAlgorithm, imprintOid);
    if (!imprintDigest) {
      flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
           std::string("unsupported algorithm: the ") + what + "'s message imprint uses " +
               imprintOid);
    } else {
      check.digestAlgorithm = imprintDigest->name;
      if (imprintDigest->nid == NID_sha1) {
        check.warnings.push_back(std::string("weak digest SHA-1: the ") + what +
                                 "'s message imprint uses SHA-1");
      }
      std::optional<std::string> expected;
      try {
        expected = expectedDigest(imprintDigest->opensslName);
      } catch (const std::exception& error) {
        flag(check, Indication::Indeterminate, kCryptoConstraintsFailure,
             "unsupported algorithm: cannot compute " + imprintDigest->name + " (" + error.what() +
                 ")");
      }
      if (expected) {
        check.imprintMatches = bytesView(TS_MSG_IMPRINT_get_msg(imprint)) == *expected;
        if (!check.imprintMatches) {
          flag(check, Indication::TotalFailed, kHashFailure,
               documentTimestamp
                   ? std::string("the document time-stamp's message imprint is not the ") +
                         imprintDigest->name +
                         " of the signed bytes: it was made for other content (copied from "
                         "another file, or the file was changed)"
                   : std::string("the signature time-stamp's message imprint is not the ") +
                         imprintDigest->name + " of the signature value it is attached to");
        }
      }
    }

    // The TSA certificate must be for time-stamping (extendedKeyUsage timeStamping).
    if (X509_check_purpose(parts.signer.get(), X509_PURPOSE_TIMESTAMP_SIGN, 0) != 1) {
      flag(check, Indication::Indeterminate, kChainConstraintsFailure,
           "the TSA certificate (" + subjectOf(parts.signer.get()) +
               ") is not a time-stamping certificate (extendedKeyUsage timeStamping)");
    }
    clearOpenSslErrors();
    ChainOutcome chain = checkChain(check, parts.signer.get(), parts.pool, context.trustAnchors,
                                    context.validationTime, std::nullopt, "TSA");
    check.trusted = chain.trusted;
    summarizeChain(check, chain);
  } catch (const std::exception& error) {
    flag(check, Indication::Indeterminate, kFormatFailure,
         std::string("the ") + what + " could not be checked: " + error.what());
  }
  clearOpenSslErrors();
  if (check.indication == Indication::TotalPassed) check.subindication.clear();
  return check;
}

std::vector<std::string> signatureTimestampTokens(CMS_SignerInfo* signerInfo) {
  std::vector<std::string> tokens;
  int index = -1;
  while ((index = CMS_unsigned_get_attr_by_NID(signerInfo, NID_id_smime_aa_timeStampToken,
                                               index)) >= 0) {
    X509_ATTRIBUTE* attribute = CMS_unsigned_get_attr(signerInfo, index);
    for (int i = 0; i < X509_ATTRIBUTE_count(attribute); ++i) {
      ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attribute, i);
      if (value != nullptr && value->type == V_ASN1_SEQUENCE) {
        tokens.emplace_back(bytesView(value->value.sequence));
      }
    }
  }
  return tokens;
}

// --- the signature --------------------------------------------------------------------------

void checkSignature(CmsCheck& check, const std::string& cmsDer,
                    const SignedBytesDigest& bytesDigest, const TrustContext& context,
                    std::optional<TimePoint> proofOfExistence, bool embeddedSha1 = false) {
  // 1. Format.
  SignedDataParts parts;
  if (!decodeSignedData(check, cmsDer, "CMS", true, parts, embeddedSha1)) return;
  check.signedAttributes = CMS_signed_get_attr_count(parts.signerInfo) > 0;
  SignedBytesDigest digest = bytesDigest;
  std::string embedded;
  if (embeddedSha1) {
    // The signature covers the encapsulated digest; that digest must be the signed bytes'.
    ASN1_OCTET_STRING** content = CMS_get0_content(parts.cms.get());
    if (content != nullptr && *content != nullptr) embedded = std::string(bytesView(*content));
    if (embedded != bytesDigest("SHA1")) {
      flag(check, Indication::TotalFailed, kHashFailure,
           "the SHA-1 digest inside the adbe.pkcs7.sha1 signature is not the digest of the "
           "signed bytes");
    }
    digest = [&embedded](const std::string& name) {
      const EVP_MD* md = EVP_get_digestbyname(name.c_str());
      if (md == nullptr) throw Error(ErrorCode::InvalidArgument, "unknown digest " + name);
      return digestBytes(md, embedded);
    };
    check.warnings.push_back("adbe.pkcs7.sha1 is deprecated (ISO 32000-2) and rests on SHA-1");
  }

  // 2. Identification.
  collectPool(check, parts, context);
  if (!identifySigner(check, parts, "signer")) return;
  check.signer = toCertificate(parts.signer.get());
  check.signerSummary = summarize(parts.signer.get());
  EssOutcome ess = checkEss(parts.signerInfo, parts.signer.get());
  if (ess.present && !ess.matches) {
    flag(check, Indication::Indeterminate, kNoSigningCertificateFound, ess.problem);
  }
  check.essSigningCertificateV2 = ess.present && ess.v2 && ess.matches;

  // 3. Cryptographic verification.
  CryptoOutcome crypto = verifyCrypto(check, parts, digest, NID_pkcs7_data, "signature");
  check.integrity = crypto.integrity;
  check.digestAlgorithm = crypto.digestName;
  check.signatureAlgorithm = crypto.signatureName;

  // 4. Signature time-stamp: its imprint is the hash of the signature value's octets.
  std::string signatureValue(bytesView(CMS_SignerInfo_get0_signature(parts.signerInfo)));
  SignedBytesDigest valueDigest = [&signatureValue](const std::string& name) {
    const EVP_MD* md = EVP_get_digestbyname(name.c_str());
    if (md == nullptr) throw Error(ErrorCode::InvalidArgument, "unknown digest " + name);
    return digestBytes(md, signatureValue);
  };
  for (const auto& token : signatureTimestampTokens(parts.signerInfo)) {
    TimestampCheck timestamp = checkToken(token, valueDigest, context, parts.pool, false);
    bool valid = timestamp.indication == Indication::TotalPassed;
    if (!valid) {
      check.warnings.push_back(
          "the signature time-stamp is not valid (" +
          (timestamp.errors.empty() ? std::string("no reason given") : timestamp.errors.front()) +
          "), so it gives no proof of existence");
    }
    bool better = !check.signatureTimestamp ||
                  (valid && check.signatureTimestamp->indication != Indication::TotalPassed);
    if (better) check.signatureTimestamp = std::move(timestamp);
    if (valid) break;
  }
  if (check.signatureTimestamp && check.signatureTimestamp->indication == Indication::TotalPassed) {
    check.bestSignatureTime = check.signatureTimestamp->genTime;
  } else if (proofOfExistence) {
    check.bestSignatureTime = proofOfExistence;
  }

  // 5. Chain, at the proof of existence when there is one.
  TimePoint at = check.bestSignatureTime.value_or(context.validationTime);
  ChainOutcome chain = checkChain(check, parts.signer.get(), parts.pool, context.trustAnchors, at,
                                  check.bestSignatureTime, "signer");
  check.trusted = chain.trusted;
  summarizeChain(check, chain);
  for (const auto& cert : chain.chain) check.chainDer.push_back(derOf(cert.get()));
  uint32_t keyUsage = X509_get_key_usage(parts.signer.get());
  if ((keyUsage & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) == 0) {
    flag(check, Indication::Indeterminate, kChainConstraintsFailure,
         "the signer certificate (" + check.signerSummary.subject +
             ") does not allow signing: its key usage has neither digitalSignature nor "
             "nonRepudiation");
  }

  // 6. Revocation, for the signer and each CA below the trust anchor.
  RevocationSources cms;
  {
    CrlStackPtr crls(CMS_get1_crls(parts.cms.get()));
    clearOpenSslErrors();
    for (int i = 0; i < crlStackSize(crls.get()); ++i) {
      cms.cmsCrls.push_back(encodeDer(crlStackAt(crls.get(), i), i2d_X509_CRL, "a CRL"));
    }
  }
  adobeRevocationData(parts.signerInfo, cms.cmsCrls, cms.cmsOcsps);
  // The issuer of each certificate: the next one in the chain, or (no chain) from the pool.
  std::vector<X509*> path;
  for (const auto& cert : chain.chain) path.push_back(cert.get());
  if (path.size() < 2) {
    path.assign(1, parts.signer.get());
    for (const auto& candidate : parts.pool) {
      if (X509_cmp(candidate.get(), parts.signer.get()) != 0 &&
          X509_check_issued(candidate.get(), parts.signer.get()) == X509_V_OK) {
        path.push_back(candidate.get());
        break;
      }
    }
    for (const auto& anchor : context.trustAnchors) {
      if (path.size() >= 2) break;
      if (X509_check_issued(anchor.nativeHandle(), parts.signer.get()) == X509_V_OK) {
        path.push_back(anchor.nativeHandle());
      }
    }
    clearOpenSslErrors();
  }
  // The last certificate of a trusted path is the anchor: it is not checked.
  size_t checkedCount = path.size() >= 2 ? path.size() - 1 : 0;
  if (checkedCount == 0 && !chain.trusted) {
    check.warnings.push_back("the issuer of the signer certificate (" + check.signerSummary.issuer +
                             ") was not found, so its revocation status could not be checked");
  }
  for (size_t i = 0; i < checkedCount; ++i) {
    X509* cert = path[i];
    X509* issuer = path[i + 1];
    bool isSigner = i == 0;
    RevocationFinding finding = findRevocation(cert, issuer, context, cms, context.validationTime);
    if (finding.status == RevocationStatus::Unknown && isSigner && context.fetcher != nullptr) {
      finding = fetchRevocation(cert, issuer, *context.fetcher, check.warnings);
    }
    if (isSigner) {
      check.revocation.status = std::string(revocationStatusName(finding.status));
      check.revocation.source =
          finding.status == RevocationStatus::Unknown ? "none" : finding.source;
      if (finding.revokedAt) check.revocation.revokedAt = isoUtc(*finding.revokedAt);
    }
    std::string name = subjectOf(cert);
    std::string role = isSigner ? "the signer certificate (" + name + ")"
                                : "the CA certificate " + name + " in the signer's chain";
    if (finding.status == RevocationStatus::Unknown) {
      if (isSigner) {
        check.warnings.push_back("no revocation data was found for " + role +
                                 ", so its revocation status is unknown");
      }
      continue;
    }
    if (finding.status != RevocationStatus::Revoked) continue;
    std::string when = finding.revokedAt ? isoUtc(*finding.revokedAt) : "an unknown date";
    const auto& poe = check.bestSignatureTime;
    if (poe && finding.revokedAt && *poe < *finding.revokedAt) {
      check.warnings.push_back(role + " was revoked on " + when +
                               ", after the signature's proof of existence at " + isoUtc(*poe));
    } else if (poe && isSigner) {
      flag(check, Indication::TotalFailed, kRevoked,
           role + " was revoked on " + when + ", before the signature's proof of existence at " +
               isoUtc(*poe));
    } else {
      flag(check, Indication::Indeterminate, isSigner ? kRevokedNoPoe : kRevokedCaNoPoe,
           role + " was revoked on " + when +
               (poe ? ", before the signature's proof of existence at " + isoUtc(*poe)
                    : " and no time-stamp proves the signature existed before"));
    }
  }
}

}  // namespace

CmsCheck verifyCmsSignature(const std::string& cmsDer, const SignedBytesDigest& digest,
                            const TrustContext& context,
                            std::optional<std::chrono::system_clock::time_point> proofOfExistence,
                            bool embeddedSha1) {
  CmsCheck check;
  check.indication = Indication::TotalPassed;
  try {
    checkSignature(check, cmsDer, digest, context, proofOfExistence, embeddedSha1);
  } catch (const std::exception& error) {
    flag(check, Indication::Indeterminate, kFormatFailure,
         std::string("the signature could not be checked: ") + error.what());
  }
  clearOpenSslErrors();
  if (check.indication == Indication::TotalPassed) check.subindication.clear();
  return check;
}

TimestampCheck verifyDocumentTimestamp(const std::string& tokenDer, const SignedBytesDigest& digest,
                                       const TrustContext& context) {
  return checkToken(tokenDer, digest, context, {}, true);
}

}  // namespace vanthu::signing::detail
