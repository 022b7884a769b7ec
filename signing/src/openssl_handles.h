#pragma once

// RAII for OpenSSL handles: one std::unique_ptr alias per type, freed with the matching *_free.
// Private to signing/src: public headers never see OpenSSL types.

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

namespace vanthu::signing::detail {

/// A deleter that calls `Free` (a *_free function taking T*).
template <typename T, void (*Free)(T*)>
struct OpenSslDeleter {
  void operator()(T* handle) const { Free(handle); }
};

template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslDeleter<T, Free>>;

using EvpPkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;
using EvpPkeyCtxPtr = OpenSslPtr<EVP_PKEY_CTX, EVP_PKEY_CTX_free>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using X509CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using X509RevokedPtr = OpenSslPtr<X509_REVOKED, X509_REVOKED_free>;
using X509NamePtr = OpenSslPtr<X509_NAME, X509_NAME_free>;
using X509ExtensionPtr = OpenSslPtr<X509_EXTENSION, X509_EXTENSION_free>;
using X509StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using X509StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;
using Asn1IntegerPtr = OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free>;
using Asn1EnumeratedPtr = OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free>;
using Asn1TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;
using Asn1Ia5StringPtr = OpenSslPtr<ASN1_IA5STRING, ASN1_IA5STRING_free>;
using Asn1OctetStringPtr = OpenSslPtr<ASN1_OCTET_STRING, ASN1_OCTET_STRING_free>;
using BignumPtr = OpenSslPtr<BIGNUM, BN_free>;
using Pkcs12Ptr = OpenSslPtr<PKCS12, PKCS12_free>;
using GeneralNamePtr = OpenSslPtr<GENERAL_NAME, GENERAL_NAME_free>;
using GeneralNamesPtr = OpenSslPtr<GENERAL_NAMES, GENERAL_NAMES_free>;
using DistPointPtr = OpenSslPtr<DIST_POINT, DIST_POINT_free>;
using CrlDistPointsPtr = OpenSslPtr<CRL_DIST_POINTS, CRL_DIST_POINTS_free>;
using AccessDescriptionPtr = OpenSslPtr<ACCESS_DESCRIPTION, ACCESS_DESCRIPTION_free>;
using AuthorityInfoAccessPtr = OpenSslPtr<AUTHORITY_INFO_ACCESS, AUTHORITY_INFO_ACCESS_free>;

/// BIO_free returns int, so it needs its own deleter.
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

/// The OpenSSL allocator's free for strings and buffers it hands out (OPENSSL_free is a macro).
struct OpenSslFreeDeleter {
  void operator()(void* memory) const { CRYPTO_free(memory, __FILE__, __LINE__); }
};
template <typename T>
using OpenSslMemoryPtr = std::unique_ptr<T, OpenSslFreeDeleter>;

// The STACK_OF(...) accessors are macros with C casts in them; wrap the few we use in typed
// helpers so that the casts stay in this one place (and out of -Wold-style-cast's sight).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"

/// Frees the stack and every X509 in it.
struct X509StackDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_pop_free(stack, X509_free); }
};
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;

inline X509StackPtr newX509Stack() {
  return X509StackPtr(sk_X509_new_null());
}
inline int x509StackSize(const STACK_OF(X509) * stack) {
  return stack == nullptr ? 0 : sk_X509_num(stack);
}
inline X509* x509StackAt(const STACK_OF(X509) * stack, int index) {
  return sk_X509_value(stack, index);
}
/// Takes ownership of `cert` on success (returns false, leaving ownership with the caller, on
/// failure).
inline bool x509StackPush(STACK_OF(X509) * stack, X509* cert) {
  return sk_X509_push(stack, cert) > 0;
}

inline bool generalNamesPush(GENERAL_NAMES* names, GENERAL_NAME* name) {
  return sk_GENERAL_NAME_push(names, name) > 0;
}
inline bool distPointsPush(CRL_DIST_POINTS* points, DIST_POINT* point) {
  return sk_DIST_POINT_push(points, point) > 0;
}
inline bool accessDescriptionsPush(AUTHORITY_INFO_ACCESS* aia, ACCESS_DESCRIPTION* description) {
  return sk_ACCESS_DESCRIPTION_push(aia, description) > 0;
}

#pragma GCC diagnostic pop

// Time-stamping (RFC 3161) and CMS.
using TsReqPtr = OpenSslPtr<TS_REQ, TS_REQ_free>;
using TsRespPtr = OpenSslPtr<TS_RESP, TS_RESP_free>;
using TsRespCtxPtr = OpenSslPtr<TS_RESP_CTX, TS_RESP_CTX_free>;
using TsVerifyCtxPtr = OpenSslPtr<TS_VERIFY_CTX, TS_VERIFY_CTX_free>;
using TsMsgImprintPtr = OpenSslPtr<TS_MSG_IMPRINT, TS_MSG_IMPRINT_free>;
using TsTstInfoPtr = OpenSslPtr<TS_TST_INFO, TS_TST_INFO_free>;
using Pkcs7Ptr = OpenSslPtr<PKCS7, PKCS7_free>;
using CmsContentInfoPtr = OpenSslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;
using Asn1ObjectPtr = OpenSslPtr<ASN1_OBJECT, ASN1_OBJECT_free>;
using X509AlgorPtr = OpenSslPtr<X509_ALGOR, X509_ALGOR_free>;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"

/// Frees the stack only: for stacks whose certificates belong to someone else (PKCS7_get0_signers).
struct X509StackShallowDeleter {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using X509StackShallowPtr = std::unique_ptr<STACK_OF(X509), X509StackShallowDeleter>;

inline int cmsSignerInfoCount(STACK_OF(CMS_SignerInfo) * stack) {
  return stack == nullptr ? 0 : sk_CMS_SignerInfo_num(stack);
}
inline CMS_SignerInfo* cmsSignerInfoAt(STACK_OF(CMS_SignerInfo) * stack, int index) {
  return sk_CMS_SignerInfo_value(stack, index);
}
inline int utf8StringCount(const STACK_OF(ASN1_UTF8STRING) * stack) {
  return stack == nullptr ? 0 : sk_ASN1_UTF8STRING_num(stack);
}
inline const ASN1_UTF8STRING* utf8StringAt(const STACK_OF(ASN1_UTF8STRING) * stack, int index) {
  return sk_ASN1_UTF8STRING_value(stack, index);
}

#pragma GCC diagnostic pop

}  // namespace vanthu::signing::detail

namespace vanthu::signing::detail {

// ENGINE references (the pkcs11 ENGINE, pkcs11_signer.cpp). The deleters are defined there, where
// the deprecated ENGINE API is allowed, so that no other file sees a deprecation warning.

/// Releases a structural reference (ENGINE_by_id): ENGINE_free.
struct EngineDeleter {
  void operator()(ENGINE* engine) const;
};
using EnginePtr = std::unique_ptr<ENGINE, EngineDeleter>;

/// Releases a functional reference (a successful ENGINE_init): ENGINE_finish. The structural
/// reference it came with stays; release that with an EnginePtr, after this.
struct EngineInitDeleter {
  void operator()(ENGINE* engine) const;
};
using EngineInitPtr = std::unique_ptr<ENGINE, EngineInitDeleter>;

}  // namespace vanthu::signing::detail

// --- OCSP and certificate pointers (revocation.cpp) ----------------------------------------------

#include <openssl/ocsp.h>

namespace vanthu::signing::detail {

using OcspRequestPtr = OpenSslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using OcspResponsePtr = OpenSslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using OcspBasicRespPtr = OpenSslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using OcspCertIdPtr = OpenSslPtr<OCSP_CERTID, OCSP_CERTID_free>;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"

inline int generalNamesSize(const GENERAL_NAMES* names) {
  return names == nullptr ? 0 : sk_GENERAL_NAME_num(names);
}
inline GENERAL_NAME* generalNamesAt(const GENERAL_NAMES* names, int index) {
  return sk_GENERAL_NAME_value(names, index);
}
inline int distPointsSize(const CRL_DIST_POINTS* points) {
  return points == nullptr ? 0 : sk_DIST_POINT_num(points);
}
inline DIST_POINT* distPointsAt(const CRL_DIST_POINTS* points, int index) {
  return sk_DIST_POINT_value(points, index);
}
inline int accessDescriptionsSize(const AUTHORITY_INFO_ACCESS* aia) {
  return aia == nullptr ? 0 : sk_ACCESS_DESCRIPTION_num(aia);
}
inline ACCESS_DESCRIPTION* accessDescriptionsAt(const AUTHORITY_INFO_ACCESS* aia, int index) {
  return sk_ACCESS_DESCRIPTION_value(aia, index);
}

#pragma GCC diagnostic pop

}  // namespace vanthu::signing::detail

// --- CMS stacks (pades_levels.cpp) ---------------------------------------------------------------

#include <openssl/cms.h>

namespace vanthu::signing::detail {

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"

inline int signerInfosSize(STACK_OF(CMS_SignerInfo) * stack) {
  return stack == nullptr ? 0 : sk_CMS_SignerInfo_num(stack);
}
inline CMS_SignerInfo* signerInfosAt(STACK_OF(CMS_SignerInfo) * stack, int index) {
  return sk_CMS_SignerInfo_value(stack, index);
}
/// Frees a stack from CMS_get1_certs together with the references it holds.
inline void freeX509Stack(STACK_OF(X509) * stack) {
  sk_X509_pop_free(stack, X509_free);
}

#pragma GCC diagnostic pop

}  // namespace vanthu::signing::detail
