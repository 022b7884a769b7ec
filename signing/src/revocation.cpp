#include "vanthu/signing/revocation.h"

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <limits>
#include <string_view>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "verify/iso_time.h"

namespace vanthu::signing {
namespace {

using detail::encodeDer;
using detail::throwOpenSsl;

// Allowance for the clocks of responder, CA and us disagreeing (OCSP_check_validity's nsec).
constexpr long kClockSkewSeconds = 5 * 60;
constexpr auto kClockSkew = std::chrono::seconds(kClockSkewSeconds);
constexpr int kHttpOk = 200;

const unsigned char* bytesOf(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

int intLength(const std::string& text, ErrorCode code) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throw Error(code, "value too large for OpenSSL (" + std::to_string(text.size()) + " bytes)");
  }
  return static_cast<int>(text.size());
}

TimePoint fromAsn1Time(const ASN1_TIME* time, const std::string& what) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot read " + what);
  }
  return detail::timePointFromTimeT(timegm(&parts));
}

std::optional<TimePoint> optionalTime(const ASN1_TIME* time, const std::string& what) {
  if (time == nullptr) return std::nullopt;
  return fromAsn1Time(time, what);
}

// A server may send an encrypted-looking PEM block: never let OpenSSL prompt on the terminal.
int noPasswordCallback(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return -1;
}

// RFC 3986: the scheme is case-insensitive. Only http:// is fetched: CRLs and OCSP responses are
// signed, so TLS adds nothing, and an https:// fetch of a CRL could need that very CRL (RFC 5280
// 4.2.1.13 asks for http or ldap).
bool isHttpUrl(const std::string& url) {
  static constexpr std::string_view kScheme = "http://";
  if (url.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(url[i])) != kScheme[i]) return false;
  }
  return true;
}

std::optional<std::string> httpUri(const GENERAL_NAME* name) {
  if (name == nullptr || name->type != GEN_URI) return std::nullopt;
  const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
  std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                   static_cast<size_t>(ASN1_STRING_length(uri)));
  if (!isHttpUrl(text)) return std::nullopt;
  return text;
}

// X509_get_ext_d2i: nullptr with critical == -1 means "absent"; anything else is a broken or
// duplicated extension, which a CA must not issue.
template <typename T>
T* decodeExtension(const Certificate& certificate, int nid, const char* name) {
  int critical = 0;
  void* decoded = X509_get_ext_d2i(certificate.nativeHandle(), nid, &critical, nullptr);
  if (decoded == nullptr && critical != -1) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot read the ") + name +
                                               " extension of " + certificate.subjectText());
  }
  return static_cast<T*>(decoded);
}

const char* ocspResponseStatusName(int status) {
  // RFC 6960 4.2.1 names (OpenSSL's OCSP_response_status_str lower-cases them).
  switch (status) {
    case OCSP_RESPONSE_STATUS_SUCCESSFUL:
      return "successful";
    case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST:
      return "malformedRequest";
    case OCSP_RESPONSE_STATUS_INTERNALERROR:
      return "internalError";
    case OCSP_RESPONSE_STATUS_TRYLATER:
      return "tryLater";
    case OCSP_RESPONSE_STATUS_SIGREQUIRED:
      return "sigRequired";
    case OCSP_RESPONSE_STATUS_UNAUTHORIZED:
      return "unauthorized";
    default:
      return "an unknown status";
  }
}

void pushCopy(STACK_OF(X509) * stack, const Certificate& certificate) {
  X509* cert = certificate.nativeHandle();
  if (X509_up_ref(cert) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "cannot reference an X509");
  if (!detail::x509StackPush(stack, cert)) {
    X509_free(cert);
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot build a certificate stack");
  }
}

// RFC 6960 4.2.2.2: the response must be signed by the CA that issued the certificate, or by a
// responder the CA delegated to: a certificate it issued (and signed) with id-kp-OCSPSigning.
// OCSP_basic_verify checks this too, but falls back to "any signer chaining to an explicitly
// trusted root" when it does not match; with the root as issuer that would let any certificate
// the root issued answer for it. So the rule is stated here, once, independently.
void checkResponder(X509* signer, const Certificate& issuer, const std::string& what) {
  X509* ca = issuer.nativeHandle();
  if (X509_cmp(signer, ca) == 0) return;
  bool issuedByCa =
      X509_check_issued(ca, signer) == X509_V_OK && X509_verify(signer, X509_get0_pubkey(ca)) == 1;
  bool ocspSigning = (X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) != 0 &&
                     (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) != 0;
  if (!issuedByCa || !ocspSigning) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 what + " is signed by a certificate that is neither the issuer (" +
                     issuer.subjectText() + ") nor an OCSP responder it delegated to");
  }
}

detail::X509CrlPtr parseCrl(const std::string& data, ErrorCode code, const std::string& what) {
  auto start = data.find_first_not_of(" \t\r\n");
  if (start != std::string::npos && data.compare(start, 10, "-----BEGIN") == 0) {
    detail::BioPtr bio(BIO_new_mem_buf(data.data(), intLength(data, code)));
    if (!bio) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an OpenSSL memory BIO");
    detail::X509CrlPtr crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, noPasswordCallback, nullptr));
    if (!crl) throwOpenSsl(code, what + " is not a PEM CRL");
    return crl;
  }
  const unsigned char* in = bytesOf(data);
  detail::X509CrlPtr crl(d2i_X509_CRL(nullptr, &in, intLength(data, code)));
  if (!crl) throwOpenSsl(code, what + " is not a DER CRL");
  if (in != bytesOf(data) + data.size()) throw Error(code, what + " has data after the DER CRL");
  return crl;
}

CrlResult fetchCrlFrom(HttpFetcher& fetcher, const std::string& url, const Certificate& issuer) {
  std::string what = "the CRL at " + url;
  HttpResponse response = fetcher.get(url);
  if (response.status != kHttpOk) {
    throw Error(ErrorCode::CryptoFailure,
                url + " answered HTTP " + std::to_string(response.status));
  }
  auto crl = parseCrl(response.body, ErrorCode::CryptoFailure, what);

  // RFC 5280 6.3.3 (b), (f): a CRL from the certificate's issuer, signed with its key.
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer.nativeHandle())) !=
      0) {
    throw Error(ErrorCode::CryptoFailure,
                what + " is not issued by " + issuer.subjectText() + " (the certificate's issuer)");
  }
  // RFC 5280 6.3.3 (f): the key must be allowed to sign CRLs (no keyUsage at all reads as all).
  if ((X509_get_key_usage(issuer.nativeHandle()) & KU_CRL_SIGN) == 0) {
    throw Error(ErrorCode::CryptoFailure,
                issuer.subjectText() + " may not sign CRLs (its keyUsage lacks cRLSign)");
  }
  EVP_PKEY* issuerKey = X509_get0_pubkey(issuer.nativeHandle());
  if (issuerKey == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot read the public key of " + issuer.subjectText());
  }
  if (X509_CRL_verify(crl.get(), issuerKey) != 1) {
    throwOpenSsl(
        ErrorCode::CryptoFailure,
        "the signature of " + what + " does not verify with the key of " + issuer.subjectText());
  }

  CrlResult result;
  result.thisUpdate = fromAsn1Time(X509_CRL_get0_lastUpdate(crl.get()), "the CRL's thisUpdate");
  result.nextUpdate = optionalTime(X509_CRL_get0_nextUpdate(crl.get()), "the CRL's nextUpdate");
  auto now = std::chrono::system_clock::now();
  if (result.thisUpdate > now + kClockSkew) {
    throw Error(ErrorCode::CryptoFailure, what + " is dated in the future (thisUpdate)");
  }
  // A stale CRL proves nothing about the time after the signature; a fresher mirror might help.
  if (result.nextUpdate && *result.nextUpdate < now - kClockSkew) {
    throw Error(ErrorCode::CryptoFailure, what + " has expired (nextUpdate is in the past)");
  }
  result.crlDer = encodeDer(crl.get(), i2d_X509_CRL, "the CRL");
  return result;
}

void addUnique(std::vector<Certificate>& certificates, const Certificate& certificate) {
  for (const auto& present : certificates) {
    if (present == certificate) return;
  }
  certificates.push_back(certificate);
}

enum class Source : uint8_t { Ocsp, Crl };

// Revocation data for `subject` into `material`, from the preferred source first (see the
// header). Returns normally only with data added.
void collectFor(const Certificate& subject, const Certificate& issuer, OcspClient& ocsp,
                CrlClient& crls, bool preferOcsp, ValidationMaterial& material) {
  bool hasOcsp = !ocspResponderUrls(subject).empty();
  bool hasCrl = !crlDistributionPointUrls(subject).empty();
  if (!hasOcsp && !hasCrl) {
    throw Error(ErrorCode::NotFound, subject.subjectText() +
                                         " names neither an OCSP responder nor a CRL "
                                         "distribution point: its revocation cannot be checked");
  }
  std::vector<Source> order;
  if (preferOcsp && hasOcsp) order.push_back(Source::Ocsp);
  if (hasCrl) order.push_back(Source::Crl);
  if (!preferOcsp && hasOcsp) order.push_back(Source::Ocsp);

  std::optional<OcspResult> unknownAnswer;
  std::optional<ErrorCode> firstFailure;
  std::vector<std::string> failures;
  for (Source source : order) {
    try {
      if (source == Source::Ocsp) {
        OcspResult answer = ocsp.check(subject, issuer);
        if (answer.status == RevocationStatus::Unknown) {
          failures.push_back("the OCSP responder does not know the certificate");
          unknownAnswer = std::move(answer);
          continue;
        }
        material.statuses.emplace_back(subject.subjectText(), answer.status);
        material.ocspResponses.push_back(std::move(answer.responseDer));
        for (const auto& cert : answer.responderCertificates) {
          addUnique(material.certificates, cert);
        }
      } else {
        CrlResult crl = crls.fetch(subject, issuer);
        material.statuses.emplace_back(subject.subjectText(), crlStatus(crl.crlDer, subject));
        material.crls.push_back(std::move(crl.crlDer));
      }
      for (const auto& failure : failures) {
        material.warnings.push_back(subject.subjectText() + ": " + failure);
      }
      return;
    } catch (const Error& error) {
      // Not swallowed: the other source gets its turn, and the failure is reported either as a
      // warning (when that works) or in the error below.
      if (!firstFailure) firstFailure = error.code();
      failures.push_back(std::string(source == Source::Ocsp ? "OCSP: " : "CRL: ") + error.what());
    }
  }

  std::string reasons;
  for (const auto& failure : failures) reasons += (reasons.empty() ? "" : "; ") + failure;
  if (unknownAnswer) {
    material.statuses.emplace_back(subject.subjectText(), RevocationStatus::Unknown);
    material.ocspResponses.push_back(std::move(unknownAnswer->responseDer));
    for (const auto& cert : unknownAnswer->responderCertificates) {
      addUnique(material.certificates, cert);
    }
    material.warnings.push_back(subject.subjectText() + ": " + reasons);
    return;
  }
  throw Error(*firstFailure, "no revocation data for " + subject.subjectText() + ": " + reasons);
}

}  // namespace

std::vector<std::string> crlDistributionPointUrls(const Certificate& certificate) {
  detail::CrlDistPointsPtr points(decodeExtension<CRL_DIST_POINTS>(
      certificate, NID_crl_distribution_points, "crlDistributionPoints"));
  std::vector<std::string> urls;
  for (int i = 0; i < detail::distPointsSize(points.get()); ++i) {
    const DIST_POINT* point = detail::distPointsAt(points.get(), i);
    // A point with a cRLIssuer names an indirect CRL (RFC 5280 4.2.1.13), which CrlClient, checking
    // the CRL against the certificate's issuer, could never accept; a relative name needs an
    // X.500 directory.
    if (point->distpoint == nullptr || point->distpoint->type != 0 || point->CRLissuer != nullptr) {
      continue;
    }
    const GENERAL_NAMES* names = point->distpoint->name.fullname;
    for (int j = 0; j < detail::generalNamesSize(names); ++j) {
      if (auto uri = httpUri(detail::generalNamesAt(names, j))) urls.push_back(std::move(*uri));
    }
  }
  return urls;
}

std::vector<std::string> ocspResponderUrls(const Certificate& certificate) {
  detail::AuthorityInfoAccessPtr access(
      decodeExtension<AUTHORITY_INFO_ACCESS>(certificate, NID_info_access, "authorityInfoAccess"));
  std::vector<std::string> urls;
  for (int i = 0; i < detail::accessDescriptionsSize(access.get()); ++i) {
    const ACCESS_DESCRIPTION* description = detail::accessDescriptionsAt(access.get(), i);
    if (OBJ_obj2nid(description->method) != NID_ad_OCSP) continue;
    if (auto uri = httpUri(description->location)) urls.push_back(std::move(*uri));
  }
  return urls;
}

std::string_view revocationStatusName(RevocationStatus status) {
  switch (status) {
    case RevocationStatus::Good:
      return "good";
    case RevocationStatus::Revoked:
      return "revoked";
    case RevocationStatus::Unknown:
      break;
  }
  return "unknown";
}

OcspResult OcspClient::check(const Certificate& subject, const Certificate& issuer,
                             std::optional<std::string> url) {
  if (!url) {
    auto urls = ocspResponderUrls(subject);
    if (urls.empty()) {
      throw Error(ErrorCode::NotFound, subject.subjectText() + " names no OCSP responder");
    }
    url = urls.front();
  }
  std::string what = "the OCSP response from " + *url + " about " + subject.subjectText();

  // SHA-1 CertID: RFC 6960 allows others, but responders index by SHA-1 and the lightweight
  // profile (RFC 5019 2.1.1) requires it. It only identifies; it protects nothing.
  detail::OcspCertIdPtr id(
      OCSP_cert_to_id(EVP_sha1(), subject.nativeHandle(), issuer.nativeHandle()));
  if (!id) throwOpenSsl(ErrorCode::CryptoFailure, "cannot build the OCSP CertID");
  detail::OcspRequestPtr request(OCSP_REQUEST_new());
  detail::OcspCertIdPtr requestId(OCSP_CERTID_dup(id.get()));
  if (!request || !requestId)
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an OCSP request");
  if (OCSP_request_add0_id(request.get(), requestId.get()) == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the CertID to the OCSP request");
  }
  static_cast<void>(requestId.release());  // the request owns it now
  // A fresh nonce (RFC 6960 4.4.1) so that an old answer cannot be replayed to us as new.
  if (OCSP_request_add1_nonce(request.get(), nullptr, -1) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a nonce to the OCSP request");
  }
  std::string requestDer = encodeDer(request.get(), i2d_OCSP_REQUEST, "the OCSP request");

  HttpResponse http = fetcher_.post(*url, "application/ocsp-request", requestDer);
  // The content type is not checked: some responders label responses application/octet-stream;
  // the parse below is the real test.
  if (http.status != kHttpOk) {
    throw Error(ErrorCode::CryptoFailure,
                "the OCSP responder " + *url + " answered HTTP " + std::to_string(http.status));
  }
  const unsigned char* in = bytesOf(http.body);
  detail::OcspResponsePtr response(
      d2i_OCSP_RESPONSE(nullptr, &in, intLength(http.body, ErrorCode::CryptoFailure)));
  if (!response) throwOpenSsl(ErrorCode::CryptoFailure, what + " is not an OCSP response");
  if (in != bytesOf(http.body) + http.body.size()) {
    throw Error(ErrorCode::CryptoFailure, what + " has data after the OCSP response");
  }
  int responseStatus = OCSP_response_status(response.get());
  if (responseStatus != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    throw Error(ErrorCode::CryptoFailure, "the OCSP responder " + *url + " answered " +
                                              ocspResponseStatusName(responseStatus));
  }
  detail::OcspBasicRespPtr basic(OCSP_response_get1_basic(response.get()));
  if (!basic) throwOpenSsl(ErrorCode::CryptoFailure, what + " is not a basic OCSP response");

  // 1: the nonces match. -1: the response has none, as pre-produced responses (RFC 5019 2.2.1)
  // never do; their freshness is judged by thisUpdate below. 0: a different nonce, i.e. an answer
  // to another request. 2 and 3 mean our request had no nonce, which cannot happen.
  int nonce = OCSP_check_nonce(request.get(), basic.get());
  if (nonce != 1 && nonce != -1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 what + " answers another request (its nonce is not the one we sent)");
  }

  // The issuer is the only trust anchor: partial chains let it be an intermediate CA. With
  // OCSP_TRUSTOTHER a response signed by the issuer itself needs no chain; a delegated responder
  // is chain-checked up to the issuer (and must be valid now). OCSP_NOEXPLICIT refuses the
  // "signer chains to an explicitly trusted root" escape hatch (see checkResponder).
  detail::X509StorePtr store(X509_STORE_new());
  auto trusted = detail::newX509Stack();
  if (!store || !trusted) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an X509_STORE");
  if (X509_STORE_add_cert(store.get(), issuer.nativeHandle()) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up the OCSP trust store");
  }
  pushCopy(trusted.get(), issuer);
  if (OCSP_basic_verify(basic.get(), trusted.get(), store.get(),
                        OCSP_TRUSTOTHER | OCSP_NOEXPLICIT) <= 0) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "the signature of " + what + " does not verify against " + issuer.subjectText());
  }
  X509* signer = nullptr;
  if (OCSP_resp_get0_signer(basic.get(), &signer, trusted.get()) != 1 || signer == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot find the signer of " + what);
  }
  checkResponder(signer, issuer, what);

  int status = V_OCSP_CERTSTATUS_UNKNOWN;
  int reason = 0;
  ASN1_GENERALIZEDTIME* revokedAt = nullptr;
  ASN1_GENERALIZEDTIME* thisUpdate = nullptr;
  ASN1_GENERALIZEDTIME* nextUpdate = nullptr;
  if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revokedAt, &thisUpdate,
                            &nextUpdate) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 what + " holds no answer for serial " + subject.serialHex());
  }
  // maxsec -1: no limit on the age of thisUpdate when there is a nextUpdate (the CA's promise).
  if (OCSP_check_validity(thisUpdate, nextUpdate, kClockSkewSeconds, -1) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 what + " is not current (thisUpdate in the future or nextUpdate in the past)");
  }

  OcspResult result;
  switch (status) {
    case V_OCSP_CERTSTATUS_GOOD:
      result.status = RevocationStatus::Good;
      break;
    case V_OCSP_CERTSTATUS_REVOKED:
      result.status = RevocationStatus::Revoked;
      break;
    default:
      result.status = RevocationStatus::Unknown;
      break;
  }
  result.responseDer = std::move(http.body);
  result.thisUpdate = fromAsn1Time(thisUpdate, "the OCSP thisUpdate");
  result.nextUpdate = optionalTime(nextUpdate, "the OCSP nextUpdate");
  result.producedAt = fromAsn1Time(OCSP_resp_get0_produced_at(basic.get()), "the OCSP producedAt");
  if (result.status == RevocationStatus::Revoked) {
    result.revocationTime = fromAsn1Time(revokedAt, "the OCSP revocationTime");
  }
  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic.get());
  for (int i = 0; i < detail::x509StackSize(certs); ++i) {
    X509* cert = detail::x509StackAt(certs, i);
    if (X509_up_ref(cert) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "cannot reference an X509");
    result.responderCertificates.push_back(Certificate::adoptNative(cert));
  }
  return result;
}

CrlResult CrlClient::fetch(const Certificate& subject, const Certificate& issuer) {
  auto urls = crlDistributionPointUrls(subject);
  if (urls.empty()) {
    throw Error(ErrorCode::NotFound,
                subject.subjectText() + " names no http:// CRL distribution point");
  }
  std::optional<ErrorCode> firstFailure;
  std::string failures;
  for (const auto& url : urls) {
    try {
      return fetchCrlFrom(fetcher_, url, issuer);
    } catch (const Error& error) {
      // The distribution points are alternatives (RFC 5280 4.2.1.13): try the next one and report
      // every failure if none works.
      if (!firstFailure) firstFailure = error.code();
      failures += (failures.empty() ? "" : "; ") + std::string(error.what());
    }
  }
  throw Error(*firstFailure,
              "no CRL distribution point of " + subject.subjectText() + " works: " + failures);
}

RevocationStatus crlStatus(const std::string& crlDer, const Certificate& subject) {
  auto crl = parseCrl(crlDer, ErrorCode::InvalidArgument, "the data");
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_issuer_name(subject.nativeHandle())) !=
      0) {
    return RevocationStatus::Unknown;
  }
  X509_REVOKED* entry = nullptr;
  // 1: listed. 2: listed as removeFromCRL (a delta CRL lifting a hold), i.e. not revoked.
  int found = X509_CRL_get0_by_cert(crl.get(), &entry, subject.nativeHandle());
  return found == 1 ? RevocationStatus::Revoked : RevocationStatus::Good;
}

ValidationMaterial collectValidationMaterial(const std::vector<Certificate>& chain,
                                             OcspClient& ocsp, CrlClient& crls, bool preferOcsp) {
  if (chain.empty()) {
    throw Error(ErrorCode::InvalidArgument, "collecting revocation data needs a certificate chain");
  }
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    int issued = X509_check_issued(chain[i + 1].nativeHandle(), chain[i].nativeHandle());
    if (issued != X509_V_OK) {
      throwOpenSsl(ErrorCode::InvalidArgument,
                   "the chain is out of order: " + chain[i + 1].subjectText() + " did not issue " +
                       chain[i].subjectText() + " (" + X509_verify_cert_error_string(issued) + ")");
    }
  }
  ValidationMaterial material;
  for (const auto& cert : chain) addUnique(material.certificates, cert);
  for (size_t i = 0; i + 1 < chain.size(); ++i) {
    collectFor(chain[i], chain[i + 1], ocsp, crls, preferOcsp, material);
  }
  return material;
}

}  // namespace vanthu::signing
