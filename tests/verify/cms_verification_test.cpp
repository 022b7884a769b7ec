// The cryptographic checks of one signature or time-stamp, on CMS made by our own signer and TSA
// with a real test PKI (root → CA → signers), and on the signatures of the vendored corpus.
#include "verify/cms_verification.h"

#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "openssl_handles.h"
#include "signing_fixture.h"
#include "vanthu/signing/cms_signature.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/timestamp_authority.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::signing::detail::CmsCheck;
using vanthu::signing::detail::SignedBytesDigest;
using vanthu::signing::detail::TimestampCheck;
using vanthu::signing::detail::TrustContext;
using vanthu::signing::detail::verifyCmsSignature;
using vanthu::signing::detail::verifyDocumentTimestamp;
using vanthu::test::readFile;
namespace fs = std::filesystem;

namespace {

constexpr auto kHour = std::chrono::hours(1);
constexpr auto kDay = std::chrono::hours(24);

const std::string kDocument = "%PDF-1.7 the bytes a ByteRange covers, with a signature gap\n";

SignedBytesDigest digestOf(const std::string& data) {
  return [data](const std::string& name) {
    const EVP_MD* md = EVP_get_digestbyname(name.c_str());
    if (md == nullptr) throw Error(ErrorCode::InvalidArgument, "unknown digest " + name);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
    return std::string(reinterpret_cast<const char*>(out), length);
  };
}

/// A TimeStamper that hands the request to an in-process TimestampAuthority.
class LocalStamper final : public TimeStamper {
 public:
  explicit LocalStamper(const TimestampAuthority& authority) : authority_(authority) {}
  std::string timestampToken(const std::string& digest, DigestAlgorithm algorithm) override {
    const EVP_MD* md = algorithm == DigestAlgorithm::Sha512   ? EVP_sha512()
                       : algorithm == DigestAlgorithm::Sha384 ? EVP_sha384()
                                                              : EVP_sha256();
    TS_REQ* request = TS_REQ_new();
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* hash = X509_ALGOR_new();
    X509_ALGOR_set_md(hash, md);
    TS_MSG_IMPRINT_set_algo(imprint, hash);
    TS_MSG_IMPRINT_set_msg(imprint,
                           reinterpret_cast<unsigned char*>(const_cast<char*>(digest.data())),
                           static_cast<int>(digest.size()));
    TS_REQ_set_version(request, 1);
    TS_REQ_set_msg_imprint(request, imprint);
    TS_REQ_set_cert_req(request, 1);
    unsigned char* der = nullptr;
    int length = i2d_TS_REQ(request, &der);
    std::string requestDer(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
    X509_ALGOR_free(hash);
    TS_MSG_IMPRINT_free(imprint);
    TS_REQ_free(request);

    std::string responseDer = authority_.respond(requestDer);
    const auto* in = reinterpret_cast<const unsigned char*>(responseDer.data());
    TS_RESP* response = d2i_TS_RESP(nullptr, &in, static_cast<long>(responseDer.size()));
    REQUIRE(response != nullptr);
    PKCS7* token = TS_RESP_get_token(response);
    REQUIRE(token != nullptr);
    der = nullptr;
    length = i2d_PKCS7(token, &der);
    std::string tokenDer(reinterpret_cast<char*>(der), static_cast<size_t>(length));
    OPENSSL_free(der);
    TS_RESP_free(response);
    return tokenDer;
  }

 private:
  const TimestampAuthority& authority_;
};

struct Fixture {
  test::TempDir dir;
  test::SigningPki pki{dir.path()};
  Certificate root = Certificate::fromPem(readFile(pki.rootPem()));
  Certificate ca = Certificate::fromPem(readFile(pki.caPem()));
  TimePoint now = std::chrono::system_clock::now();
  /// genTime of the next token; defaults to now.
  TimePoint tokenTime = now;
  std::unique_ptr<TimestampAuthority> authority;
  std::unique_ptr<LocalStamper> stamper;

  Fixture() {
    auto [certificate, key] = pki.timestampingCredential();
    TimestampAuthorityOptions options;
    options.chain = {ca};
    options.clock = [this] { return tokenTime; };
    authority = std::make_unique<TimestampAuthority>(certificate, key, options);
    stamper = std::make_unique<LocalStamper>(*authority);
  }

  TrustContext context() const {
    TrustContext trust;
    trust.trustAnchors = {root};
    trust.validationTime = now;
    return trust;
  }
};

std::string sign(test::InMemoryKey& key, const std::string& data,
                 DigestAlgorithm digest = DigestAlgorithm::Sha256) {
  CmsSignatureBuilder builder(key.certificate(), key.chain(), digest);
  return signContentDigest(builder, key, computeDigest(digest, data));
}

/// A CMS made by OpenSSL's one-call CMS_sign with `flags` (for shapes our builder never makes).
std::string opensslSign(test::InMemoryKey& key, const std::string& data, unsigned flags,
                        test::InMemoryKey* second = nullptr) {
  BIO* in = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  CMS_ContentInfo* cms = CMS_sign(nullptr, nullptr, nullptr, nullptr, flags | CMS_PARTIAL);
  REQUIRE(cms != nullptr);
  for (test::InMemoryKey* signer : {&key, second}) {
    if (signer == nullptr) continue;
    auto privateKey = PrivateKey::fromPem(signer->privateKeyPemForTest());
    REQUIRE(CMS_add1_signer(cms, signer->certificate().nativeHandle(), privateKey.nativeHandle(),
                            EVP_sha256(), flags) != nullptr);
  }
  for (const auto& certificate : key.chain()) CMS_add1_cert(cms, certificate.nativeHandle());
  REQUIRE(CMS_final(cms, in, nullptr, flags) == 1);
  unsigned char* der = nullptr;
  int length = i2d_CMS_ContentInfo(cms, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  BIO_free(in);
  return out;
}

/// A DER TLV (definite length).
std::string derWrap(unsigned char tag, const std::string& content) {
  std::string length;
  if (content.size() < 0x80) {
    length.push_back(static_cast<char>(content.size()));
  } else {
    for (size_t n = content.size(); n > 0; n >>= 8) {
      length.insert(length.begin(), static_cast<char>(n & 0xFF));
    }
    length.insert(length.begin(), static_cast<char>(0x80 | length.size()));
  }
  return std::string(1, static_cast<char>(tag)) + length + content;
}

/// A detached CMS carrying `crlDer` in SignedData.crls, or in Adobe's signed attribute
/// adbe-revocationInfoArchival (1.2.840.113583.1.1.8).
std::string signWithCrl(test::InMemoryKey& key, const std::string& data, const std::string& crlDer,
                        bool adobeAttribute) {
  constexpr unsigned kFlags = CMS_BINARY | CMS_DETACHED | CMS_PARTIAL;
  auto privateKey = PrivateKey::fromPem(key.privateKeyPemForTest());
  BIO* in = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
  CMS_ContentInfo* cms = CMS_sign(nullptr, nullptr, nullptr, nullptr, kFlags);
  REQUIRE(cms != nullptr);
  CMS_SignerInfo* signerInfo = CMS_add1_signer(cms, key.certificate().nativeHandle(),
                                               privateKey.nativeHandle(), EVP_sha256(), kFlags);
  REQUIRE(signerInfo != nullptr);
  for (const auto& certificate : key.chain()) CMS_add1_cert(cms, certificate.nativeHandle());
  if (adobeAttribute) {
    // RevocationInfoArchival ::= SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL, ... }
    std::string value = derWrap(0x30, derWrap(0xA0, derWrap(0x30, crlDer)));
    REQUIRE(CMS_signed_add1_attr_by_txt(signerInfo, "1.2.840.113583.1.1.8", V_ASN1_SEQUENCE,
                                        value.data(), static_cast<int>(value.size())) == 1);
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(crlDer.data());
    X509_CRL* crl = d2i_X509_CRL(nullptr, &p, static_cast<long>(crlDer.size()));
    REQUIRE(crl != nullptr);
    REQUIRE(CMS_add1_crl(cms, crl) == 1);
    X509_CRL_free(crl);
  }
  REQUIRE(CMS_final(cms, in, nullptr, kFlags) == 1);
  unsigned char* der = nullptr;
  int length = i2d_CMS_ContentInfo(cms, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  CMS_ContentInfo_free(cms);
  BIO_free(in);
  return out;
}

/// A basic OCSP response about `subject` signed by `signer` (its CA, or not).
std::string ocspResponse(const Certificate& subject, const Certificate& issuer,
                         CertificateAuthority& signer, std::optional<TimePoint> revokedAt) {
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), subject.nativeHandle(), issuer.nativeHandle());
  OCSP_BASICRESP* basic = OCSP_BASICRESP_new();
  ASN1_TIME* thisUpdate = X509_gmtime_adj(nullptr, 0);
  ASN1_TIME* revocationTime =
      ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(revokedAt.value_or(TimePoint())));
  REQUIRE(OCSP_basic_add1_status(
              basic, id, revokedAt ? V_OCSP_CERTSTATUS_REVOKED : V_OCSP_CERTSTATUS_GOOD,
              OCSP_REVOKED_STATUS_KEYCOMPROMISE, revokedAt ? revocationTime : nullptr, thisUpdate,
              nullptr) != nullptr);
  REQUIRE(OCSP_basic_sign(basic, signer.certificate().nativeHandle(), signer.key().nativeHandle(),
                          EVP_sha256(), nullptr, 0) == 1);
  OCSP_RESPONSE* response = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic);
  unsigned char* der = nullptr;
  int length = i2d_OCSP_RESPONSE(response, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(length));
  OPENSSL_free(der);
  OCSP_RESPONSE_free(response);
  OCSP_BASICRESP_free(basic);
  ASN1_TIME_free(revocationTime);
  ASN1_TIME_free(thisUpdate);
  OCSP_CERTID_free(id);
  return out;
}

/// Flips the last byte of the SignerInfo's signature value inside the DER.
std::string corruptSignatureValue(const std::string& cmsDer) {
  const auto* in = reinterpret_cast<const unsigned char*>(cmsDer.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(cmsDer.size()));
  REQUIRE(cms != nullptr);
  CMS_SignerInfo* signerInfo = signing::detail::cmsSignerInfoAt(CMS_get0_SignerInfos(cms), 0);
  const ASN1_OCTET_STRING* value = CMS_SignerInfo_get0_signature(signerInfo);
  std::string bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                    static_cast<size_t>(ASN1_STRING_length(value)));
  CMS_ContentInfo_free(cms);
  size_t at = cmsDer.find(bytes);
  REQUIRE(at != std::string::npos);
  std::string corrupted = cmsDer;
  corrupted[at + bytes.size() - 1] = static_cast<char>(corrupted[at + bytes.size() - 1] ^ 0x01);
  return corrupted;
}

bool mentions(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& line : lines) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

std::string describe(const CmsCheck& check) {
  std::string text = check.indication == Indication::TotalPassed   ? "TOTAL_PASSED"
                     : check.indication == Indication::TotalFailed ? "TOTAL_FAILED"
                                                                   : "INDETERMINATE";
  text += " " + check.subindication;
  for (const auto& error : check.errors) text += "\n  error: " + error;
  for (const auto& warning : check.warnings) text += "\n  warning: " + warning;
  return text;
}

}  // namespace

TEST_CASE("a valid RSA signature with its trust anchor passes", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Nguyễn Văn An", KeyAlgorithm::Rsa2048);
  CmsCheck check = verifyCmsSignature(sign(*key, kDocument), digestOf(kDocument), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalPassed);
  CHECK(check.subindication.empty());
  CHECK(check.errors.empty());
  CHECK(check.integrity);
  CHECK(check.signedAttributes);
  CHECK(check.essSigningCertificateV2);
  CHECK(check.trusted);
  CHECK(check.digestAlgorithm == "SHA-256");
  CHECK(check.signatureAlgorithm == "RSA");
  REQUIRE(check.signer.has_value());
  CHECK(*check.signer == key->certificate());
  CHECK(check.signerSummary.subject == key->certificate().subjectText());
  CHECK(check.signerSummary.subject.find("Nguyễn Văn An") != std::string::npos);
  CHECK(check.signerSummary.serial == key->certificate().serialHex());
  CHECK(check.signerSummary.notAfter.size() == 20);
  REQUIRE(check.chain.size() == 3);
  CHECK(check.chain.back().subject == f.root.subjectText());
  REQUIRE(check.chainDer.size() == 3);
  CHECK(check.chainDer.front() == key->certificate().toDer());
  // No revocation data anywhere: a warning, not a failure (B-B must be able to pass).
  CHECK(check.revocation.status == "unknown");
  CHECK(check.revocation.source == "none");
  CHECK(mentions(check.warnings, "revocation status is unknown"));
  CHECK_FALSE(check.signatureTimestamp.has_value());
  CHECK_FALSE(check.bestSignatureTime.has_value());
}

TEST_CASE("a valid ECDSA signature with SHA-384 passes", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Trần Thị Bình", KeyAlgorithm::EcP256);
  CmsCheck check = verifyCmsSignature(sign(*key, kDocument, DigestAlgorithm::Sha384),
                                      digestOf(kDocument), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalPassed);
  CHECK(check.integrity);
  CHECK(check.digestAlgorithm == "SHA-384");
  CHECK(check.signatureAlgorithm == "ECDSA");
}

TEST_CASE("without a trust anchor the chain is not found", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
  TrustContext context = f.context();
  context.trustAnchors.clear();
  CmsCheck check = verifyCmsSignature(sign(*key, kDocument), digestOf(kDocument), context);
  INFO(describe(check));
  CHECK(check.indication == Indication::Indeterminate);
  CHECK(check.subindication == "NO_CERTIFICATE_CHAIN_FOUND");
  CHECK(check.integrity);
  CHECK_FALSE(check.trusted);

  SECTION("nor with an unrelated anchor") {
    test::TempDir other;
    test::SigningPki otherPki{other.path()};
    context.trustAnchors = {Certificate::fromPem(readFile(otherPki.rootPem()))};
    check = verifyCmsSignature(sign(*key, kDocument), digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.subindication == "NO_CERTIFICATE_CHAIN_FOUND");
    CHECK_FALSE(check.trusted);
  }
}

TEST_CASE("a changed byte in the signed data is HASH_FAILURE", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::Rsa2048);
  std::string cms = sign(*key, kDocument);
  std::string changed = kDocument;
  changed[10] = static_cast<char>(changed[10] ^ 0x20);
  CmsCheck check = verifyCmsSignature(cms, digestOf(changed), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalFailed);
  CHECK(check.subindication == "HASH_FAILURE");
  CHECK_FALSE(check.integrity);
  CHECK(mentions(check.errors, "message digest"));

  SECTION("even when the chain is indeterminate too") {
    TrustContext context = f.context();
    context.trustAnchors.clear();
    check = verifyCmsSignature(cms, digestOf(changed), context);
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "HASH_FAILURE");
  }
}

TEST_CASE("a corrupted signature value is SIG_CRYPTO_FAILURE", "[verify][cms]") {
  Fixture f;
  for (auto algorithm : {KeyAlgorithm::Rsa2048, KeyAlgorithm::EcP256}) {
    auto key = f.pki.signer("Signer", algorithm);
    CmsCheck check = verifyCmsSignature(corruptSignatureValue(sign(*key, kDocument)),
                                        digestOf(kDocument), f.context());
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "SIG_CRYPTO_FAILURE");
    CHECK_FALSE(check.integrity);
  }
}

TEST_CASE("input that is not a CMS signature is FORMAT_FAILURE", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
  std::string cms = sign(*key, kDocument);
  for (const std::string& garbage :
       {std::string(), std::string("not DER at all"), std::string(64, '\0'),
        cms.substr(0, cms.size() / 2), std::string("\x30\x84\xff\xff\xff\xff", 6)}) {
    CmsCheck check = verifyCmsSignature(garbage, digestOf(kDocument), f.context());
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "FORMAT_FAILURE");
    CHECK(mentions(check.errors, "cannot be decoded"));
  }

  SECTION("encapsulated content") {
    CmsCheck check = verifyCmsSignature(opensslSign(*key, kDocument, CMS_BINARY),
                                        digestOf(kDocument), f.context());
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "FORMAT_FAILURE");
    CHECK(mentions(check.errors, "detached"));
  }
  SECTION("two SignerInfos") {
    auto second = f.pki.signer("Second Signer", KeyAlgorithm::EcP256);
    CmsCheck check =
        verifyCmsSignature(opensslSign(*key, kDocument, CMS_BINARY | CMS_DETACHED, second.get()),
                           digestOf(kDocument), f.context());
    INFO(describe(check));
    CHECK(check.indication == Indication::Indeterminate);
    CHECK(check.subindication == "FORMAT_FAILURE");
    CHECK(mentions(check.errors, "2 SignerInfos"));
  }
  SECTION("a document time-stamp token given as a signature") {
    std::string token = f.stamper->timestampToken(computeDigest(DigestAlgorithm::Sha256, kDocument),
                                                  DigestAlgorithm::Sha256);
    CmsCheck check = verifyCmsSignature(token, digestOf(kDocument), f.context());
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "FORMAT_FAILURE");
  }
}

TEST_CASE("signatures without signed attributes (adbe.pkcs7.detached)", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Legacy Signer", KeyAlgorithm::Rsa2048);
  std::string cms = opensslSign(*key, kDocument, CMS_BINARY | CMS_DETACHED | CMS_NOATTR);
  CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalPassed);
  CHECK_FALSE(check.signedAttributes);
  CHECK_FALSE(check.essSigningCertificateV2);
  CHECK(check.integrity);

  std::string changed = kDocument + " ";
  check = verifyCmsSignature(cms, digestOf(changed), f.context());
  CHECK(check.indication == Indication::TotalFailed);
  CHECK(check.subindication == "HASH_FAILURE");

  check = verifyCmsSignature(corruptSignatureValue(cms), digestOf(kDocument), f.context());
  CHECK(check.subindication == "SIG_CRYPTO_FAILURE");
}

TEST_CASE("the signer certificate is looked for in the CMS and the DSS", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
  std::string cms = opensslSign(*key, kDocument, CMS_BINARY | CMS_DETACHED | CMS_NOCERTS);
  CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::Indeterminate);
  CHECK(check.subindication == "NO_SIGNING_CERTIFICATE_FOUND");
  CHECK_FALSE(check.signer.has_value());

  TrustContext context = f.context();
  context.dss.certificates = {key->certificate().toDer(), f.ca.toDer()};
  check = verifyCmsSignature(cms, digestOf(kDocument), context);
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalPassed);
  CHECK(check.trusted);
}

TEST_CASE("an expired signer needs a proof of existence from before the expiry", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::Rsa2048);  // valid for 365 days
  std::string cms = sign(*key, kDocument);
  TrustContext later = f.context();
  later.validationTime = f.now + 400 * kDay;

  CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), later);
  INFO(describe(check));
  CHECK(check.indication == Indication::Indeterminate);
  CHECK(check.subindication == "OUT_OF_BOUNDS_NO_POE");
  CHECK(mentions(check.errors, "expired on"));
  CHECK(mentions(check.errors, "no time-stamp proves"));
  CHECK(check.integrity);

  SECTION("a signature time-stamp before the expiry") {
    std::string stamped = addSignatureTimestamp(cms, *f.stamper, DigestAlgorithm::Sha256);
    check = verifyCmsSignature(stamped, digestOf(kDocument), later);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    REQUIRE(check.signatureTimestamp.has_value());
    CHECK(check.signatureTimestamp->indication == Indication::TotalPassed);
    CHECK(check.signatureTimestamp->imprintMatches);
    CHECK(check.signatureTimestamp->trusted);
    CHECK(check.signatureTimestamp->digestAlgorithm == "SHA-256");
    CHECK(check.signatureTimestamp->tsa.subject.find("Time Stamping") != std::string::npos);
    REQUIRE(check.bestSignatureTime.has_value());
    CHECK(*check.bestSignatureTime <= f.now + std::chrono::seconds(1));
    CHECK(*check.bestSignatureTime >= f.now - std::chrono::seconds(2));
  }
  SECTION("a document time-stamp's genTime passed in as proof of existence") {
    check = verifyCmsSignature(cms, digestOf(kDocument), later, f.now);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.bestSignatureTime == f.now);
  }
  SECTION("a signature time-stamp after the expiry is no help") {
    f.tokenTime = f.now + 380 * kDay;
    std::string stamped = addSignatureTimestamp(cms, *f.stamper, DigestAlgorithm::Sha256);
    check = verifyCmsSignature(stamped, digestOf(kDocument), later);
    INFO(describe(check));
    CHECK(check.indication == Indication::Indeterminate);
    CHECK(check.subindication == "OUT_OF_BOUNDS_NO_POE");
  }
}

TEST_CASE("an invalid signature time-stamp warns and gives no proof of existence",
          "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
  std::string cms = sign(*key, kDocument);
  // A token over other bytes, attached as if it were this signature's.
  std::string foreign = f.stamper->timestampToken(
      computeDigest(DigestAlgorithm::Sha256, "something else"), DigestAlgorithm::Sha256);
  class Fixed final : public TimeStamper {
   public:
    explicit Fixed(std::string token) : token_(std::move(token)) {}
    std::string timestampToken(const std::string&, DigestAlgorithm) override { return token_; }

   private:
    std::string token_;
  } fixed(foreign);
  std::string stamped = addSignatureTimestamp(cms, fixed, DigestAlgorithm::Sha256);
  CmsCheck check = verifyCmsSignature(stamped, digestOf(kDocument), f.context());
  INFO(describe(check));
  CHECK(check.indication == Indication::TotalPassed);  // the signature itself is fine
  REQUIRE(check.signatureTimestamp.has_value());
  CHECK(check.signatureTimestamp->indication == Indication::TotalFailed);
  CHECK(check.signatureTimestamp->subindication == "HASH_FAILURE");
  CHECK_FALSE(check.signatureTimestamp->imprintMatches);
  CHECK_FALSE(check.bestSignatureTime.has_value());
  CHECK(mentions(check.warnings, "signature time-stamp is not valid"));
}

TEST_CASE("revocation from the CRLs of the document security store", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::Rsa2048);
  std::string cms = sign(*key, kDocument);
  TrustContext context = f.context();

  SECTION("good") {
    context.dss.crls = f.pki.crls();
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.revocation.status == "good");
    CHECK(check.revocation.source == "dss");
    CHECK(check.revocation.revokedAt.empty());
  }
  SECTION("revoked, no proof of existence") {
    f.pki.ca().revoke(key->certificate(), f.now - kHour, RevocationReason::KeyCompromise);
    context.dss.crls = f.pki.crls();
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::Indeterminate);
    CHECK(check.subindication == "REVOKED_NO_POE");
    CHECK(check.revocation.status == "revoked");
    CHECK(check.revocation.source == "dss");
    CHECK(check.revocation.revokedAt.size() == 20);
  }
  SECTION("revoked before the signature time-stamp") {
    f.pki.ca().revoke(key->certificate(), f.now - kHour, RevocationReason::KeyCompromise);
    context.dss.crls = f.pki.crls();
    std::string stamped = addSignatureTimestamp(cms, *f.stamper, DigestAlgorithm::Sha256);
    CmsCheck check = verifyCmsSignature(stamped, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "REVOKED");
  }
  SECTION("revoked after the signature time-stamp") {
    f.pki.ca().revoke(key->certificate(), f.now + kHour, RevocationReason::KeyCompromise);
    context.dss.crls = f.pki.crls();
    context.validationTime = f.now + 2 * kHour;
    std::string stamped = addSignatureTimestamp(cms, *f.stamper, DigestAlgorithm::Sha256);
    CmsCheck check = verifyCmsSignature(stamped, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.revocation.status == "revoked");
    CHECK(mentions(check.warnings, "after the signature's proof of existence"));
  }
  SECTION("a CRL signed by someone else does not count") {
    f.pki.ca().revoke(key->certificate(), f.now - kHour);
    test::TempDir other;
    test::SigningPki otherPki{other.path()};
    context.dss.crls = otherPki.crls();
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.revocation.status == "unknown");
  }
}

TEST_CASE("revocation data carried in the CMS", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::Rsa2048);
  f.pki.ca().revoke(key->certificate(), f.now - kHour, RevocationReason::KeyCompromise);
  std::string caCrl = f.pki.crls()[1];
  for (bool adobe : {false, true}) {
    INFO((adobe ? "adbe-revocationInfoArchival" : "SignedData.crls"));
    CmsCheck check = verifyCmsSignature(signWithCrl(*key, kDocument, caCrl, adobe),
                                        digestOf(kDocument), f.context());
    INFO(describe(check));
    CHECK(check.integrity);
    CHECK(check.indication == Indication::Indeterminate);
    CHECK(check.subindication == "REVOKED_NO_POE");
    CHECK(check.revocation.status == "revoked");
    CHECK(check.revocation.source == "cms");
  }
}

TEST_CASE("revocation from OCSP responses of the document security store", "[verify][cms]") {
  Fixture f;
  auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
  std::string cms = sign(*key, kDocument);
  TrustContext context = f.context();

  SECTION("good") {
    context.dss.ocspResponses = {ocspResponse(key->certificate(), f.ca, f.pki.ca(), std::nullopt)};
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.revocation.status == "good");
    CHECK(check.revocation.source == "dss");
  }
  SECTION("revoked") {
    context.dss.ocspResponses = {ocspResponse(key->certificate(), f.ca, f.pki.ca(), f.now - kHour)};
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.subindication == "REVOKED_NO_POE");
    CHECK(check.revocation.status == "revoked");
    CHECK(check.revocation.revokedAt.size() == 20);
  }
  SECTION("signed by another CA: ignored") {
    test::TempDir other;
    test::SigningPki otherPki{other.path()};
    context.dss.ocspResponses = {
        ocspResponse(key->certificate(), f.ca, otherPki.ca(), f.now - kHour)};
    CmsCheck check = verifyCmsSignature(cms, digestOf(kDocument), context);
    INFO(describe(check));
    CHECK(check.indication == Indication::TotalPassed);
    CHECK(check.revocation.status == "unknown");
  }
}

TEST_CASE("document time-stamps", "[verify][cms]") {
  Fixture f;
  std::string token = f.stamper->timestampToken(computeDigest(DigestAlgorithm::Sha256, kDocument),
                                                DigestAlgorithm::Sha256);
  TimestampCheck check = verifyDocumentTimestamp(token, digestOf(kDocument), f.context());
  INFO((check.errors.empty() ? std::string() : check.errors.front()));
  CHECK(check.indication == Indication::TotalPassed);
  CHECK(check.subindication.empty());
  CHECK(check.imprintMatches);
  CHECK(check.trusted);
  CHECK(check.digestAlgorithm == "SHA-256");
  CHECK(check.genTime == std::chrono::time_point_cast<std::chrono::seconds>(f.now));
  CHECK(check.chain.size() == 3);

  SECTION("over other bytes (copied from another file)") {
    check = verifyDocumentTimestamp(token, digestOf(kDocument + "x"), f.context());
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "HASH_FAILURE");
    CHECK_FALSE(check.imprintMatches);
  }
  SECTION("without a trust anchor") {
    TrustContext context = f.context();
    context.trustAnchors.clear();
    check = verifyDocumentTimestamp(token, digestOf(kDocument), context);
    CHECK(check.indication == Indication::Indeterminate);
    CHECK(check.subindication == "NO_CERTIFICATE_CHAIN_FOUND");
    CHECK(check.imprintMatches);
  }
  SECTION("garbage") {
    check = verifyDocumentTimestamp("garbage", digestOf(kDocument), f.context());
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "FORMAT_FAILURE");
  }
  SECTION("a signature given as a document time-stamp") {
    auto key = f.pki.signer("Signer", KeyAlgorithm::EcP256);
    check = verifyDocumentTimestamp(sign(*key, kDocument), digestOf(kDocument), f.context());
    CHECK(check.indication == Indication::TotalFailed);
    CHECK(check.subindication == "FORMAT_FAILURE");
  }
}

TEST_CASE("the corpus signatures verify cryptographically", "[verify][cms][corpus]") {
  fs::path corpus = fs::path(VANTHU_SOURCE_DIR) / "tests/data/corpus/signed";
  TrustContext context;  // no trust anchors: the chains are indeterminate, integrity is not
  context.validationTime = std::chrono::system_clock::now();
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    std::string pdf = readFile(entry.path());
    auto signatures = test::embeddedSignatures(pdf);
    for (size_t i = 0; i < signatures.size(); ++i) {
      const auto& signature = signatures[i];
      INFO(entry.path().filename().string() << " signature " << i);
      CmsCheck check =
          verifyCmsSignature(signature.cmsDer, digestOf(signature.signedData), context);
      INFO(describe(check));
      if (check.subindication == "FORMAT_FAILURE" && mentions(check.errors, "encapsulates")) {
        // A document time-stamp, or an adbe.pkcs7.sha1 signature (the digest encapsulated).
        TimestampCheck timestamp =
            verifyDocumentTimestamp(signature.cmsDer, digestOf(signature.signedData), context);
        INFO((timestamp.errors.empty() ? std::string() : timestamp.errors.front()));
        if (timestamp.subindication == "FORMAT_FAILURE") {
          CmsCheck sha1 = verifyCmsSignature(signature.cmsDer, digestOf(signature.signedData),
                                             context, std::nullopt, true);
          INFO(describe(sha1));
          CHECK(sha1.integrity);
          CHECK(sha1.indication == Indication::Indeterminate);
        } else {
          CHECK(timestamp.imprintMatches);
          CHECK(timestamp.indication == Indication::Indeterminate);
        }
      } else if (check.subindication == "CRYPTO_CONSTRAINTS_FAILURE") {
        // Algorithms outside OpenSSL's CMS (BSI plain-ECDSA, Ed448 with SHAKE256) are reported
        // as unsupported, never as an invalid signature.
        CHECK(check.indication == Indication::Indeterminate);
        CHECK(mentions(check.errors, "unsupported algorithm"));
      } else {
        CHECK(check.integrity);
        CHECK(check.indication == Indication::Indeterminate);
        CHECK(check.signer.has_value());
      }
      ++checked;
    }
  }
  CHECK(checked >= 9);
}
