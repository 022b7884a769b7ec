#include "vanthu/signing/http_time_stamper.h"

#include <openssl/cms.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/ts.h>

#include <array>
#include <cctype>
#include <ctime>
#include <utility>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "verify/iso_time.h"

namespace vanthu::signing {

using detail::throwOpenSsl;

namespace {

constexpr const char* kQueryType = "application/timestamp-query";
constexpr const char* kReplyType = "application/timestamp-reply";
// 64 random bits: RFC 3161 2.4.1 wants a nonce large enough that it is unlikely to repeat.
constexpr int kNonceBytes = 8;

std::string lowerMediaType(const std::string& contentType) {
  std::string type = contentType.substr(0, contentType.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) type.pop_back();
  size_t start = 0;
  while (start < type.size() && std::isspace(static_cast<unsigned char>(type[start]))) ++start;
  type.erase(0, start);
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type;
}

detail::Asn1ObjectPtr policyObject(const std::string& oid) {
  // no_name = 1: a dotted OID only.
  detail::Asn1ObjectPtr policy(OBJ_txt2obj(oid.c_str(), 1));
  if (!policy) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::InvalidArgument, "the TSA policy '" + oid + "' is not a dotted OID");
  }
  return policy;
}

detail::TsReqPtr buildRequest(const std::string& digest, DigestAlgorithm algorithm,
                              const std::optional<std::string>& policyOid) {
  const EVP_MD* md = detail::evpDigest(algorithm);
  if (digest.size() != digestSize(algorithm)) {
    throw Error(ErrorCode::InvalidArgument, "a " + std::string(digestAlgorithmName(algorithm)) +
                                                " digest has " +
                                                std::to_string(digestSize(algorithm)) +
                                                " bytes, not " + std::to_string(digest.size()));
  }
  detail::TsReqPtr request(TS_REQ_new());
  detail::TsMsgImprintPtr imprint(TS_MSG_IMPRINT_new());
  detail::X509AlgorPtr algor(X509_ALGOR_new());
  if (!request || !imprint || !algor) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a time-stamp request");
  }
  // Parameters NULL, as `openssl ts -query` and most TSAs write them.
  if (X509_ALGOR_set0(algor.get(), OBJ_nid2obj(EVP_MD_get_type(md)), V_ASN1_NULL, nullptr) != 1 ||
      TS_MSG_IMPRINT_set_algo(imprint.get(), algor.get()) != 1 ||
      TS_MSG_IMPRINT_set_msg(imprint.get(), const_cast<unsigned char*>(detail::bytesOf(digest)),
                             detail::intLength(digest)) != 1 ||
      TS_REQ_set_version(request.get(), 1) != 1 ||
      TS_REQ_set_msg_imprint(request.get(), imprint.get()) != 1 ||
      // certReq TRUE: the token then carries the TSA certificate, which the signature check
      // below and every later verifier need.
      TS_REQ_set_cert_req(request.get(), 1) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot build the time-stamp request");
  }
  if (policyOid) {
    detail::Asn1ObjectPtr policy = policyObject(*policyOid);
    if (TS_REQ_set_policy_id(request.get(), policy.get()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the time-stamp policy");
    }
  }
  std::array<unsigned char, kNonceBytes> random{};
  if (RAND_bytes(random.data(), kNonceBytes) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot draw a time-stamp nonce");
  }
  detail::BignumPtr number(BN_bin2bn(random.data(), kNonceBytes, nullptr));
  detail::Asn1IntegerPtr nonce(number ? BN_to_ASN1_INTEGER(number.get(), nullptr) : nullptr);
  if (!nonce || TS_REQ_set_nonce(request.get(), nonce.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the time-stamp nonce");
  }
  return request;
}

std::string statusName(long status) {
  switch (status) {
    case TS_STATUS_REJECTION:
      return "rejection";
    case TS_STATUS_WAITING:
      return "waiting";
    case TS_STATUS_REVOCATION_WARNING:
      return "revocationWarning";
    case TS_STATUS_REVOCATION_NOTIFICATION:
      return "revocationNotification";
    default:
      return "status " + std::to_string(status);
  }
}

// "rejection (failInfo badAlg): unsupported algorithm" — PKIStatusInfo as a person reads it.
std::string describeStatus(const TS_STATUS_INFO* info, long status) {
  std::string text = statusName(status);
  static const std::pair<int, const char*> kFailures[] = {
      {TS_INFO_BAD_ALG, "badAlg"},
      {TS_INFO_BAD_REQUEST, "badRequest"},
      {TS_INFO_BAD_DATA_FORMAT, "badDataFormat"},
      {TS_INFO_TIME_NOT_AVAILABLE, "timeNotAvailable"},
      {TS_INFO_UNACCEPTED_POLICY, "unacceptedPolicy"},
      {TS_INFO_UNACCEPTED_EXTENSION, "unacceptedExtension"},
      {TS_INFO_ADD_INFO_NOT_AVAILABLE, "addInfoNotAvailable"},
      {TS_INFO_SYSTEM_FAILURE, "systemFailure"},
  };
  std::string failures;
  if (const ASN1_BIT_STRING* bits = TS_STATUS_INFO_get0_failure_info(info)) {
    for (const auto& [bit, name] : kFailures) {
      if (ASN1_BIT_STRING_get_bit(bits, bit) == 1)
        failures += (failures.empty() ? "" : ",") + std::string(name);
    }
  }
  if (!failures.empty()) text += " (failInfo " + failures + ")";
  const auto* strings = TS_STATUS_INFO_get0_text(info);
  std::string said;
  for (int i = 0; i < detail::utf8StringCount(strings); ++i) {
    const ASN1_UTF8STRING* line = detail::utf8StringAt(strings, i);
    if (!said.empty()) said += " ";
    said.append(reinterpret_cast<const char*>(ASN1_STRING_get0_data(line)),
                static_cast<size_t>(ASN1_STRING_length(line)));
  }
  if (!said.empty()) text += ": " + said;
  return text;
}

// The token's signature, checked cryptographically against the TSA certificate the token itself
// carries. TS_RESP_verify_signature needs a trust store; giving it one that holds just that
// certificate, with X509_V_FLAG_PARTIAL_CHAIN, makes the path check trivially succeed while
// OpenSSL still checks everything else it checks for a real verifier: exactly one SignerInfo, the
// timeStamping key purpose of the certificate (RFC 3161 2.3), the ESS signing-certificate(-v2)
// binding to that certificate (RFC 5816), the message digest over TSTInfo and the signature. Time
// validity is not checked (X509_V_FLAG_NO_CHECK_TIME): like trust, it is the verifier's question,
// asked at genTime with the TSA's CRLs. (CMS_verify with CMS_NO_SIGNER_CERT_VERIFY would check the
// signature only, not the ESS binding or the key purpose.)
void verifyTokenSignature(PKCS7* token, const std::string& url) {
  if (token == nullptr || !PKCS7_type_is_signed(token)) {
    throw Error(ErrorCode::CryptoFailure, "the TSA at " + url + " granted no signed token");
  }
  detail::X509StackShallowPtr signers(PKCS7_get0_signers(token, nullptr, 0));
  if (!signers || detail::x509StackSize(signers.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "the time-stamp token from " + url + " does not carry its TSA certificate");
  }
  X509* signer = detail::x509StackAt(signers.get(), 0);
  detail::X509StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_add_cert(store.get(), signer) != 1 ||
      X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_NO_CHECK_TIME) !=
          1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up the token signature check");
  }
  if (TS_RESP_verify_signature(token, nullptr, store.get(), nullptr) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "the time-stamp token from " + url + " has an invalid signature");
  }
}

detail::Pkcs7Ptr parseToken(const std::string& tokenDer) {
  const unsigned char* in = detail::bytesOf(tokenDer);
  detail::Pkcs7Ptr token(d2i_PKCS7(nullptr, &in, detail::intLength(tokenDer)));
  if (!token || in != detail::bytesOf(tokenDer) + tokenDer.size() ||
      !PKCS7_type_is_signed(token.get())) {
    throwOpenSsl(ErrorCode::InvalidArgument, "not a DER time-stamp token");
  }
  return token;
}

// genTime "YYYYMMDDHHMMSS[.fff]Z" (DER GeneralizedTime, RFC 3161 2.4.2) split into its parts.
struct GenTime {
  std::tm fields{};
  std::string fraction;  // digits after the point, "" for none
};

GenTime genTimeOf(const std::string& tokenDer) {
  detail::Pkcs7Ptr token = parseToken(tokenDer);
  detail::TsTstInfoPtr info(PKCS7_to_TS_TST_INFO(token.get()));
  if (!info) throwOpenSsl(ErrorCode::InvalidArgument, "the token holds no TSTInfo");
  const ASN1_GENERALIZEDTIME* time = TS_TST_INFO_get_time(info.get());
  std::string text(reinterpret_cast<const char*>(ASN1_STRING_get0_data(time)),
                   static_cast<size_t>(ASN1_STRING_length(time)));
  auto digitsAt = [&](size_t pos, size_t count) {
    int value = 0;
    for (size_t i = pos; i < pos + count; ++i) {
      if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) {
        throw Error(ErrorCode::InvalidArgument, "the token's genTime '" + text + "' is malformed");
      }
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  GenTime result;
  result.fields.tm_year = digitsAt(0, 4) - 1900;
  result.fields.tm_mon = digitsAt(4, 2) - 1;
  result.fields.tm_mday = digitsAt(6, 2);
  result.fields.tm_hour = digitsAt(8, 2);
  result.fields.tm_min = digitsAt(10, 2);
  result.fields.tm_sec = digitsAt(12, 2);
  size_t pos = 14;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      result.fraction += text[pos++];
    }
    if (result.fraction.empty()) {
      throw Error(ErrorCode::InvalidArgument, "the token's genTime '" + text + "' is malformed");
    }
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') {
    throw Error(ErrorCode::InvalidArgument, "the token's genTime '" + text + "' is not UTC");
  }
  return result;
}

}  // namespace

HttpTimeStamper::HttpTimeStamper(std::string url, HttpFetcher& fetcher,
                                 std::optional<std::string> policyOid)
    : url_(std::move(url)), fetcher_(fetcher), policyOid_(std::move(policyOid)) {
  if (policyOid_) policyObject(*policyOid_);  // reject a malformed OID now, not per request
}

std::string HttpTimeStamper::timestampToken(const std::string& digest, DigestAlgorithm algorithm) {
  detail::TsReqPtr request = buildRequest(digest, algorithm, policyOid_);
  std::string requestDer = detail::encodeDer(request.get(), i2d_TS_REQ, "the time-stamp request");

  HttpResponse answer = fetcher_.post(url_, kQueryType, requestDer);
  if (answer.status != 200) {
    throw Error(ErrorCode::CryptoFailure, "the TSA at " + url_ + " answered HTTP " +
                                              std::to_string(answer.status) +
                                              " instead of a time-stamp");
  }
  const std::string notAResponse =
      "the TSA at " + url_ + " answered with something that is not a time-stamp response";
  if (lowerMediaType(answer.contentType) != kReplyType) {
    throw Error(ErrorCode::CryptoFailure,
                notAResponse + " (Content-Type '" + answer.contentType + "')");
  }
  const unsigned char* in = detail::bytesOf(answer.body);
  detail::TsRespPtr response(d2i_TS_RESP(nullptr, &in, detail::intLength(answer.body)));
  if (!response || in != detail::bytesOf(answer.body) + answer.body.size()) {
    throwOpenSsl(ErrorCode::CryptoFailure, notAResponse);
  }

  TS_STATUS_INFO* info = TS_RESP_get_status_info(response.get());
  long status = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info));
  if (status != TS_STATUS_GRANTED && status != TS_STATUS_GRANTED_WITH_MODS) {
    throw Error(ErrorCode::CryptoFailure,
                "the TSA at " + url_ + " refused the time-stamp: " + describeStatus(info, status));
  }
  PKCS7* token = TS_RESP_get_token(response.get());
  verifyTokenSignature(token, url_);

  // The token must answer this request: same version, imprint and nonce (a replayed or
  // misrouted answer fails here), and the policy when one was asked for.
  detail::TsVerifyCtxPtr check(TS_REQ_to_TS_VERIFY_CTX(request.get(), nullptr));
  if (!check) throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up the time-stamp check");
  TS_VERIFY_CTX_set_flags(check.get(),
                          static_cast<int>(TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE |
                                           (policyOid_ ? TS_VFY_POLICY : 0u)));
  if (TS_RESP_verify_response(check.get(), response.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "the time-stamp from " + url_ + " does not match the request");
  }
  return detail::encodeDer(token, i2d_PKCS7, "the time-stamp token");
}

std::string timestampTokenGenTime(const std::string& tokenDer) {
  GenTime time = genTimeOf(tokenDer);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &time.fields);
  std::string result = text;
  if (!time.fraction.empty()) result += "." + time.fraction;
  return result + "Z";
}

TimePoint timestampTokenTime(const std::string& tokenDer) {
  GenTime time = genTimeOf(tokenDer);
  TimePoint point = detail::timePointFromTimeT(timegm(&time.fields));
  // Up to nanoseconds; finer digits (allowed by GeneralizedTime, never seen) are dropped.
  std::string nanos = time.fraction.substr(0, 9);
  nanos.append(9 - nanos.size(), '0');
  return point + std::chrono::duration_cast<TimePoint::duration>(
                     std::chrono::nanoseconds(std::stoll(nanos)));
}

std::string addSignatureTimestamp(const std::string& cmsDer, TimeStamper& stamper,
                                  DigestAlgorithm algorithm) {
  const unsigned char* in = detail::bytesOf(cmsDer);
  detail::CmsContentInfoPtr cms(d2i_CMS_ContentInfo(nullptr, &in, detail::intLength(cmsDer)));
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    throwOpenSsl(ErrorCode::InvalidArgument, "not a DER CMS SignedData");
  }
  STACK_OF(CMS_SignerInfo)* signerInfos = CMS_get0_SignerInfos(cms.get());
  if (detail::cmsSignerInfoCount(signerInfos) != 1) {
    throw Error(ErrorCode::InvalidArgument,
                "a signature time-stamp needs a CMS with exactly one SignerInfo, this one has " +
                    std::to_string(detail::cmsSignerInfoCount(signerInfos)));
  }
  CMS_SignerInfo* signerInfo = detail::cmsSignerInfoAt(signerInfos, 0);
  // The imprint is the hash of the signature value's octets, not of the whole SignerInfo
  // (RFC 3161 Appendix A; pdf-signatures.md 1.3, B-T).
  const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(signerInfo);
  std::string signatureBytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(signature)),
                             static_cast<size_t>(ASN1_STRING_length(signature)));
  std::string token = stamper.timestampToken(computeDigest(algorithm, signatureBytes), algorithm);
  parseToken(token);  // a TimeStamper bug must not produce a malformed CMS
  // The attribute value is the token itself, a ContentInfo SEQUENCE: V_ASN1_SEQUENCE takes the
  // bytes as its complete DER encoding.
  if (CMS_unsigned_add1_attr_by_NID(signerInfo, NID_id_smime_aa_timeStampToken, V_ASN1_SEQUENCE,
                                    token.data(), detail::intLength(token)) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the signature time-stamp");
  }
  return detail::encodeDer(cms.get(), i2d_CMS_ContentInfo, "the time-stamped CMS signature");
}

}  // namespace vanthu::signing
