#include "vanthu/signing/cms_signature.h"

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"

namespace vanthu::signing {
namespace {

struct CmsDeleter {
  void operator()(CMS_ContentInfo* cms) const { CMS_ContentInfo_free(cms); }
};
using CmsPtr = std::unique_ptr<CMS_ContentInfo, CmsDeleter>;

bool isSelfSigned(const Certificate& certificate) {
  return X509_check_issued(certificate.nativeHandle(), certificate.nativeHandle()) == X509_V_OK;
}

std::string derLength(size_t length) {
  std::string out;
  if (length < 0x80) {
    out.push_back(static_cast<char>(length));
    return out;
  }
  std::string bytes;
  for (size_t n = length; n > 0; n >>= 8) bytes.insert(bytes.begin(), static_cast<char>(n & 0xFF));
  out.push_back(static_cast<char>(0x80 | bytes.size()));
  return out + bytes;
}

// The SignerInfo as OpenSSL will encode it, minus the signature value. Rebuilt the same way for
// both phases, so the attributes signed in phase one are the ones embedded in phase two.
struct PartialCms {
  CmsPtr cms;
  CMS_SignerInfo* signerInfo = nullptr;
};

PartialCms buildPartial(const Certificate& signer, const std::vector<Certificate>& chain,
                        DigestAlgorithm algorithm, const std::string& contentDigest) {
  if (contentDigest.size() != digestSize(algorithm)) {
    throw Error(ErrorCode::InvalidArgument, "the content digest has the wrong length for " +
                                                std::string(digestAlgorithmName(algorithm)));
  }
  constexpr unsigned kFlags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL | CMS_NOSMIMECAP;
  PartialCms partial;
  partial.cms.reset(CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags));
  if (!partial.cms) detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot start a CMS SignedData");
  // The public key stands in for the private one: CMS_PARTIAL means OpenSSL only lays out the
  // SignerInfo (algorithms, SID, ESS signing-certificate-v2 through CMS_CADES) and signs nothing.
  EVP_PKEY* publicKey = X509_get0_pubkey(signer.nativeHandle());
  if (publicKey == nullptr) {
    detail::throwOpenSsl(ErrorCode::CertificateInvalid,
                         "the signing certificate has no usable key");
  }
  partial.signerInfo = CMS_add1_signer(partial.cms.get(), signer.nativeHandle(), publicKey,
                                       detail::evpDigest(algorithm), kFlags | CMS_CADES);
  if (partial.signerInfo == nullptr) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the signer to the CMS");
  }
  for (const auto& certificate : chain) {
    if (isSelfSigned(certificate) ||
        X509_cmp(certificate.nativeHandle(), signer.nativeHandle()) == 0) {
      continue;  // the root is the verifier's trust anchor, never shipped inside the signature
    }
    if (CMS_add1_cert(partial.cms.get(), certificate.nativeHandle()) != 1) {
      detail::clearOpenSslErrors();  // already present: fine
    }
  }
  if (CMS_signed_add1_attr_by_NID(partial.signerInfo, NID_pkcs9_contentType, V_ASN1_OBJECT,
                                  OBJ_nid2obj(NID_pkcs7_data), -1) != 1 ||
      CMS_signed_add1_attr_by_NID(partial.signerInfo, NID_pkcs9_messageDigest, V_ASN1_OCTET_STRING,
                                  contentDigest.data(),
                                  static_cast<int>(contentDigest.size())) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the signed attributes");
  }
  return partial;
}

// DER of the SignerInfo's signedAttrs as the SET OF that is signed (RFC 5652 §5.4): the
// attributes in DER order, under a SET tag.
std::string encodeSignedAttributes(CMS_SignerInfo* signerInfo) {
  std::vector<std::string> encoded;
  int count = CMS_signed_get_attr_count(signerInfo);
  for (int i = 0; i < count; ++i) {
    X509_ATTRIBUTE* attribute = CMS_signed_get_attr(signerInfo, i);
    unsigned char* der = nullptr;
    int length = i2d_X509_ATTRIBUTE(attribute, &der);
    if (length <= 0) detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot encode an attribute");
    encoded.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
  }
  std::sort(encoded.begin(), encoded.end());
  std::string content;
  for (const auto& attribute : encoded) content += attribute;
  return std::string(1, '\x31') + derLength(content.size()) + content;
}

}  // namespace

std::string_view subFilterName(SignatureFormat format) {
  switch (format) {
    case SignatureFormat::PadesCades:
      return "ETSI.CAdES.detached";
    case SignatureFormat::Pkcs7Detached:
      return "adbe.pkcs7.detached";
    case SignatureFormat::DocumentTimestamp:
      return "ETSI.RFC3161";
    case SignatureFormat::Unknown:
      break;
  }
  return "unknown";
}

CmsSignatureBuilder::CmsSignatureBuilder(Certificate signer, std::vector<Certificate> chain,
                                         DigestAlgorithm digest)
    : signer_(std::move(signer)), chain_(std::move(chain)), digest_(digest) {
  detail::evpDigest(digest_);  // throws for an unsupported digest
  KeyAlgorithm key = keyAlgorithmOf(signer_);
  if (key == KeyAlgorithm::Unknown) {
    throw Error(ErrorCode::CertificateInvalid,
                "the signing certificate's key is neither RSA-2048/3072 nor ECDSA P-256/P-384: " +
                    signer_.subjectText());
  }
}

std::string CmsSignatureBuilder::signedAttributes(const std::string& contentDigest) const {
  auto partial = buildPartial(signer_, chain_, digest_, contentDigest);
  return encodeSignedAttributes(partial.signerInfo);
}

std::string CmsSignatureBuilder::assemble(const std::string& contentDigest,
                                          const std::string& signatureValue) const {
  auto partial = buildPartial(signer_, chain_, digest_, contentDigest);
  std::string attributes = encodeSignedAttributes(partial.signerInfo);

  // Check the value before it goes into a document: one bad byte from a token would otherwise
  // become a signature every verifier rejects.
  detail::EvpPkeyCtxPtr verify(EVP_PKEY_CTX_new(X509_get0_pubkey(signer_.nativeHandle()), nullptr));
  std::string attributesDigest = computeDigest(digest_, attributes);
  if (!verify || EVP_PKEY_verify_init(verify.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(verify.get(), detail::evpDigest(digest_)) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up the signature check");
  }
  if (EVP_PKEY_verify(verify.get(), reinterpret_cast<const unsigned char*>(signatureValue.data()),
                      signatureValue.size(),
                      reinterpret_cast<const unsigned char*>(attributesDigest.data()),
                      attributesDigest.size()) != 1) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::CryptoFailure,
                "the signature value does not verify with the certificate of " +
                    signer_.subjectText() + "; the key that signed is not this certificate's");
  }

  ASN1_OCTET_STRING* slot = CMS_SignerInfo_get0_signature(partial.signerInfo);
  if (ASN1_STRING_set(slot, signatureValue.data(), static_cast<int>(signatureValue.size())) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot store the signature value");
  }
  unsigned char* der = nullptr;
  int length = i2d_CMS_ContentInfo(partial.cms.get(), &der);
  if (length <= 0) detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot encode the CMS");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  return out;
}

std::string signContentDigest(const CmsSignatureBuilder& builder, DigestSigner& key,
                              const std::string& contentDigest) {
  std::string attributes = builder.signedAttributes(contentDigest);
  std::string value = key.signDigest(computeDigest(builder.digestAlgorithm(), attributes),
                                     builder.digestAlgorithm());
  return builder.assemble(contentDigest, value);
}

}  // namespace vanthu::signing
