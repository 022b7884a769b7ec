#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <openssl/cms.h>
#include <openssl/ts.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include "test_support.h"
#include "vanthu/signing/certificate_authority.h"
#include "vanthu/signing/digest_signer.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/timestamp_authority.h"
#include "vanthu/signing/timestamp_server.h"

using vanthu::ErrorCode;
using vanthu::signing::addSignatureTimestamp;
using vanthu::signing::Certificate;
using vanthu::signing::CertificateAuthority;
using vanthu::signing::CertificateProfile;
using vanthu::signing::CertificateRequest;
using vanthu::signing::computeDigest;
using vanthu::signing::DigestAlgorithm;
using vanthu::signing::DistinguishedName;
using vanthu::signing::HttpFetcher;
using vanthu::signing::HttpResponse;
using vanthu::signing::HttpTimeStamper;
using vanthu::signing::KeyAlgorithm;
using vanthu::signing::makeHttpFetcher;
using vanthu::signing::PrivateKey;
using vanthu::signing::TimePoint;
using vanthu::signing::TimestampAuthority;
using vanthu::signing::TimestampAuthorityOptions;
using vanthu::signing::TimestampServer;
using vanthu::signing::timestampTokenGenTime;
using vanthu::signing::timestampTokenTime;
using vanthu::test::CommandResult;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::TempDir;

using vanthu::test::errorCodeOf;
using vanthu::test::openssl;
using vanthu::test::writeText;

namespace {

constexpr auto kDay = std::chrono::hours(24);
const std::string kCrlUrl = "http://127.0.0.1:8080/pki/tsa-test-root.crl";

TimePoint wholeSeconds(TimePoint t) {
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

std::string isoUtc(TimePoint t) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm fields{};
  gmtime_r(&seconds, &fields);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &fields);
  return text;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

DistinguishedName name(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Vanthu TSA Test PKI"}, {"CN", commonName}}};
}

CertificateRequest request(CertificateProfile profile, const std::string& commonName,
                           TimePoint start) {
  CertificateRequest r;
  r.subject = name(commonName);
  r.profile = profile;
  r.notBefore = start - kDay;
  r.notAfter = start + 365 * kDay;
  r.crlUrl = kCrlUrl;
  return r;
}

// root -> TSA certificate (critical EKU timeStamping); genTime fixed two hours in the past so
// that a token's time is visibly the injected one, not the system clock.
struct TsaFixture {
  TempDir dir;
  TimePoint start = wholeSeconds(std::chrono::system_clock::now());
  TimePoint fixedTime = start - std::chrono::hours(2);
  CertificateAuthority root = CertificateAuthority::createRoot(
      name("TSA Test Root"), PrivateKey::generate(KeyAlgorithm::EcP256), start - kDay,
      start + 3650 * kDay);
  PrivateKey tsaKey = PrivateKey::generate(KeyAlgorithm::EcP256);
  Certificate tsaCertificate =
      root.issue(request(CertificateProfile::TimeStamping, "Vanthu Test TSA", start), tsaKey);

  TsaFixture() {
    writeText(dir / "root.pem", root.certificate().toPem());
    writeText(dir / "tsa.pem", tsaCertificate.toPem());
  }

  TimestampAuthority authority(TimestampAuthorityOptions options = {}) const {
    TimePoint fixed = fixedTime;
    options.clock = [fixed] { return fixed; };
    return TimestampAuthority(tsaCertificate, tsaKey, std::move(options));
  }

  std::string verifyArguments() const {
    return " -CAfile " + shellQuote(dir / "root.pem") + " -untrusted " +
           shellQuote(dir / "tsa.pem");
  }
};

// Parses a DER TimeStampResp and returns its PKIStatus (0 granted, 2 rejection, ...) and whether
// failInfo bit `failBit` is set.
std::pair<long, bool> responseStatus(const std::string& der, int failBit) {
  const auto* in = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<TS_RESP, void (*)(TS_RESP*)> response(
      d2i_TS_RESP(nullptr, &in, static_cast<long>(der.size())), TS_RESP_free);
  REQUIRE(response != nullptr);
  TS_STATUS_INFO* info = TS_RESP_get_status_info(response.get());
  const ASN1_BIT_STRING* failures = TS_STATUS_INFO_get0_failure_info(info);
  return {ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(info)),
          failures != nullptr && ASN1_BIT_STRING_get_bit(failures, failBit) == 1};
}

// A fetcher that answers every request with a canned response.
class CannedFetcher final : public HttpFetcher {
 public:
  explicit CannedFetcher(HttpResponse response) : response_(std::move(response)) {}
  HttpResponse get(const std::string&) override { return response_; }
  HttpResponse post(const std::string&, const std::string&, const std::string&) override {
    return response_;
  }

 private:
  HttpResponse response_;
};

// Forwards to a real fetcher and keeps the last answer (to replay or tamper with it).
class RecordingFetcher final : public HttpFetcher {
 public:
  explicit RecordingFetcher(HttpFetcher& inner) : inner_(inner) {}
  HttpResponse get(const std::string& url) override { return inner_.get(url); }
  HttpResponse post(const std::string& url, const std::string& type,
                    const std::string& body) override {
    last = inner_.post(url, type, body);
    return last;
  }
  HttpResponse last;

 private:
  HttpFetcher& inner_;
};

// The signatureTimeStampToken and the signature octets of the only SignerInfo of `cmsDer`.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
std::pair<std::string, std::string> timestampAndSignature(const std::string& cmsDer) {
  const auto* in = reinterpret_cast<const unsigned char*>(cmsDer.data());
  std::unique_ptr<CMS_ContentInfo, void (*)(CMS_ContentInfo*)> cms(
      d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(cmsDer.size())), CMS_ContentInfo_free);
  REQUIRE(cms != nullptr);
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  REQUIRE(sk_CMS_SignerInfo_num(infos) == 1);
  CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
  int index = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
  REQUIRE(index >= 0);
  ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(CMS_unsigned_get_attr(si, index), 0);
  REQUIRE(value != nullptr);
  REQUIRE(value->type == V_ASN1_SEQUENCE);
  std::string token(reinterpret_cast<const char*>(value->value.sequence->data),
                    static_cast<size_t>(value->value.sequence->length));
  const ASN1_OCTET_STRING* signature = CMS_SignerInfo_get0_signature(si);
  std::string octets(reinterpret_cast<const char*>(ASN1_STRING_get0_data(signature)),
                     static_cast<size_t>(ASN1_STRING_length(signature)));
  return {token, octets};
}
#pragma GCC diagnostic pop

}  // namespace

TEST_CASE("tsa: responses to openssl ts -query verify with openssl ts -verify", "[tsa]") {
  TsaFixture pki;
  TimestampAuthority tsa = pki.authority();
  writeText(pki.dir / "data.txt", "Công văn số 123/UBND-VP\n");

  for (const char* digest : {"sha256", "sha384", "sha512"}) {
    DYNAMIC_SECTION("imprint " << digest) {
      auto query = openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") + " -" + digest +
                           " -cert -out " + shellQuote(pki.dir / "req.tsq"));
      REQUIRE(query.exitCode == 0);
      std::string reply = tsa.respond(readFile(pki.dir / "req.tsq"));
      CHECK(responseStatus(reply, 0).first == 0);
      writeText(pki.dir / "resp.tsr", reply);

      auto verify = openssl("ts -verify -in " + shellQuote(pki.dir / "resp.tsr") + " -queryfile " +
                            shellQuote(pki.dir / "req.tsq") + pki.verifyArguments());
      INFO(verify.output);
      CHECK(verify.exitCode == 0);
      CHECK(verify.output.find("Verification: OK") != std::string::npos);

      auto text = openssl("ts -reply -text -in " + shellQuote(pki.dir / "resp.tsr"));
      INFO(text.output);
      CHECK(text.output.find("Status: Granted.") != std::string::npos);
      CHECK(text.output.find("Policy OID: 1.3.6.1.4.1.99999.1.1") != std::string::npos);
      CHECK(text.output.find("Accuracy: 0x01 seconds") != std::string::npos);
      CHECK(text.output.find("Nonce: 0x") != std::string::npos);
      CHECK(text.output.find("TSA: DirName:") != std::string::npos);

      // The token pins the TSA certificate with ESS signing-certificate-v2 (SHA-256).
      REQUIRE(openssl("ts -reply -in " + shellQuote(pki.dir / "resp.tsr") + " -token_out -out " +
                      shellQuote(pki.dir / "token.der"))
                  .exitCode == 0);
      auto cms = openssl("cms -cmsout -print -inform DER -in " + shellQuote(pki.dir / "token.der"));
      CHECK(cms.output.find("id-smime-aa-signingCertificateV2") != std::string::npos);
    }
  }

  SECTION("without a nonce and without certReq the token still verifies") {
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") +
                    " -sha256 -no_nonce -out " + shellQuote(pki.dir / "req.tsq"))
                .exitCode == 0);
    writeText(pki.dir / "resp.tsr", tsa.respond(readFile(pki.dir / "req.tsq")));
    auto verify = openssl("ts -verify -in " + shellQuote(pki.dir / "resp.tsr") + " -queryfile " +
                          shellQuote(pki.dir / "req.tsq") + pki.verifyArguments());
    INFO(verify.output);
    CHECK(verify.output.find("Verification: OK") != std::string::npos);
  }

  SECTION("serial numbers are unique and growing") {
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") + " -sha256 -out " +
                    shellQuote(pki.dir / "req.tsq"))
                .exitCode == 0);
    TimestampAuthorityOptions options;
    options.firstSerial = 41;
    TimestampAuthority counted = pki.authority(options);
    writeText(pki.dir / "a.tsr", counted.respond(readFile(pki.dir / "req.tsq")));
    writeText(pki.dir / "b.tsr", counted.respond(readFile(pki.dir / "req.tsq")));
    CHECK(openssl("ts -reply -text -in " + shellQuote(pki.dir / "a.tsr"))
              .output.find("Serial number: 0x29") != std::string::npos);
    CHECK(openssl("ts -reply -text -in " + shellQuote(pki.dir / "b.tsr"))
              .output.find("Serial number: 0x2A") != std::string::npos);
  }

  SECTION("bad client input is answered with a rejection, never an exception") {
    // SHA-1 imprint: badAlg (bit 0).
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") + " -sha1 -cert -out " +
                    shellQuote(pki.dir / "sha1.tsq"))
                .exitCode == 0);
    auto sha1 = responseStatus(tsa.respond(readFile(pki.dir / "sha1.tsq")), 0);
    CHECK(sha1.first == 2);
    CHECK(sha1.second);
    // Not DER at all, and empty: badDataFormat (bit 5).
    for (const std::string& garbage : {std::string("not a request"), std::string()}) {
      auto status = responseStatus(tsa.respond(garbage), 5);
      CHECK(status.first == 2);
      CHECK(status.second);
    }
    // Another policy: unacceptedPolicy (bit 15).
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") +
                    " -sha256 -tspolicy 1.2.3.4.5 -out " + shellQuote(pki.dir / "policy.tsq"))
                .exitCode == 0);
    auto policy = responseStatus(tsa.respond(readFile(pki.dir / "policy.tsq")), 15);
    CHECK(policy.first == 2);
    CHECK(policy.second);
    // A TSA that only takes SHA-256 refuses SHA-512.
    TimestampAuthorityOptions options;
    options.acceptedDigests = {DigestAlgorithm::Sha256};
    TimestampAuthority narrow = pki.authority(options);
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") + " -sha512 -out " +
                    shellQuote(pki.dir / "sha512.tsq"))
                .exitCode == 0);
    auto sha512 = responseStatus(narrow.respond(readFile(pki.dir / "sha512.tsq")), 0);
    CHECK(sha512.first == 2);
    CHECK(sha512.second);
  }

  SECTION("a clock that fails makes respond() throw that failure") {
    TimestampAuthorityOptions options;
    options.clock = []() -> TimePoint {
      throw vanthu::Error(ErrorCode::IoFailure, "clock source unavailable");
    };
    TimestampAuthority broken(pki.tsaCertificate, pki.tsaKey, options);
    REQUIRE(openssl("ts -query -data " + shellQuote(pki.dir / "data.txt") + " -sha256 -out " +
                    shellQuote(pki.dir / "req.tsq"))
                .exitCode == 0);
    std::string requestDer = readFile(pki.dir / "req.tsq");
    CHECK(errorCodeOf([&] { broken.respond(requestDer); }) == ErrorCode::IoFailure);
  }
}

TEST_CASE("tsa: the authority refuses a certificate that is not a TSA certificate", "[tsa]") {
  TsaFixture pki;
  PrivateKey signerKey = PrivateKey::generate(KeyAlgorithm::EcP256);
  Certificate signer = pki.root.issue(
      request(CertificateProfile::PersonalSigner, "Not a TSA", pki.start), signerKey);
  CHECK(errorCodeOf([&] { TimestampAuthority tsa(signer, signerKey); }) ==
        ErrorCode::InvalidArgument);
  CHECK(errorCodeOf([&] { TimestampAuthority tsa(pki.tsaCertificate, signerKey); }) ==
        ErrorCode::InvalidArgument);
  TimestampAuthorityOptions options;
  options.policyOid = "not an oid";
  CHECK(errorCodeOf([&] { TimestampAuthority tsa(pki.tsaCertificate, pki.tsaKey, options); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("tsa: HttpTimeStamper gets a verified token from TimestampServer over loopback",
          "[tsa]") {
  TsaFixture pki;
  TimestampAuthority tsa = pki.authority();
  TimestampServer server(tsa);
  server.start("127.0.0.1", 0);
  REQUIRE(server.port() != 0);
  auto fetcher = makeHttpFetcher();

  for (auto algorithm :
       {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    DYNAMIC_SECTION("imprint " << vanthu::signing::digestAlgorithmName(algorithm)) {
      HttpTimeStamper stamper(server.url() + "tsa", *fetcher);
      std::string digest = computeDigest(algorithm, "PAdES signature value");
      std::string token = stamper.timestampToken(digest, algorithm);

      CHECK(timestampTokenGenTime(token) == isoUtc(pki.fixedTime));
      CHECK(timestampTokenTime(token) == pki.fixedTime);

      writeText(pki.dir / "token.der", token);
      auto verify =
          openssl("ts -verify -digest " + hex(digest) + " -in " +
                  shellQuote(pki.dir / "token.der") + " -token_in" + pki.verifyArguments());
      INFO(verify.output);
      CHECK(verify.exitCode == 0);
      CHECK(verify.output.find("Verification: OK") != std::string::npos);
      // Another digest does not match the token.
      auto wrong =
          openssl("ts -verify -digest " + hex(computeDigest(algorithm, "other")) + " -in " +
                  shellQuote(pki.dir / "token.der") + " -token_in" + pki.verifyArguments());
      CHECK(wrong.output.find("Verification: OK") == std::string::npos);
    }
  }

  SECTION("the policy the client asks for") {
    std::string digest = computeDigest(DigestAlgorithm::Sha256, "x");
    HttpTimeStamper demoPolicy(server.url(), *fetcher,
                               std::string(vanthu::signing::kDemoTsaPolicyOid));
    CHECK_FALSE(demoPolicy.timestampToken(digest, DigestAlgorithm::Sha256).empty());
    HttpTimeStamper otherPolicy(server.url(), *fetcher, std::string("1.2.3.4"));
    CHECK(errorCodeOf([&] { otherPolicy.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::CryptoFailure);
    CHECK(errorCodeOf([&] { HttpTimeStamper bad(server.url(), *fetcher, std::string("x")); }) ==
          ErrorCode::InvalidArgument);
  }

  SECTION("a digest of the wrong length is the caller's mistake") {
    HttpTimeStamper stamper(server.url(), *fetcher);
    CHECK(errorCodeOf([&] { stamper.timestampToken("short", DigestAlgorithm::Sha256); }) ==
          ErrorCode::InvalidArgument);
  }

  SECTION("token helpers reject what is not a token") {
    CHECK(errorCodeOf([] { timestampTokenGenTime("garbage"); }) == ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([] { timestampTokenTime(""); }) == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("tsa: addSignatureTimestamp adds a signature time-stamp openssl cms accepts", "[tsa]") {
  TsaFixture pki;
  TimestampAuthority tsa = pki.authority();
  TimestampServer server(tsa);
  server.start();
  auto fetcher = makeHttpFetcher();
  HttpTimeStamper stamper(server.url(), *fetcher);

  PrivateKey signerKey = PrivateKey::generate(KeyAlgorithm::EcP256);
  Certificate signer = pki.root.issue(
      request(CertificateProfile::PersonalSigner, "Phạm Quốc Hùng", pki.start), signerKey);
  writeText(pki.dir / "s.pem", signer.toPem());
  writeText(pki.dir / "s.key", signerKey.toPem());
  writeText(pki.dir / "data", "%PDF-1.7 bytes covered by the ByteRange\n");
  auto sign = openssl("cms -sign -binary -in " + shellQuote(pki.dir / "data") + " -signer " +
                      shellQuote(pki.dir / "s.pem") + " -inkey " + shellQuote(pki.dir / "s.key") +
                      " -outform DER -out " + shellQuote(pki.dir / "sig.der"));
  INFO(sign.output);
  REQUIRE(sign.exitCode == 0);

  std::string stamped =
      addSignatureTimestamp(readFile(pki.dir / "sig.der"), stamper, DigestAlgorithm::Sha256);
  writeText(pki.dir / "stamped.der", stamped);

  auto verify =
      openssl("cms -verify -binary -inform DER -in " + shellQuote(pki.dir / "stamped.der") +
              " -content " + shellQuote(pki.dir / "data") + " -CAfile " +
              shellQuote(pki.dir / "root.pem") + " -out /dev/null");
  INFO(verify.output);
  CHECK(verify.exitCode == 0);
  CHECK(verify.output.find("Verification successful") != std::string::npos);

  auto print = openssl("cms -cmsout -print -inform DER -in " + shellQuote(pki.dir / "stamped.der"));
  size_t unsignedAttrs = print.output.find("unsignedAttrs:");
  REQUIRE(unsignedAttrs != std::string::npos);
  CHECK(print.output.find("id-smime-aa-timeStampToken", unsignedAttrs) != std::string::npos);

  // The token's imprint is the hash of the SignerInfo's signature octets (RFC 3161 Appendix A).
  auto [token, signature] = timestampAndSignature(stamped);
  writeText(pki.dir / "token.der", token);
  auto tokenVerify =
      openssl("ts -verify -digest " + hex(computeDigest(DigestAlgorithm::Sha256, signature)) +
              " -in " + shellQuote(pki.dir / "token.der") + " -token_in" + pki.verifyArguments());
  INFO(tokenVerify.output);
  CHECK(tokenVerify.output.find("Verification: OK") != std::string::npos);
  CHECK(timestampTokenTime(token) == pki.fixedTime);

  SECTION("not a CMS signature") {
    CHECK(errorCodeOf([&] {
            addSignatureTimestamp("garbage", stamper, DigestAlgorithm::Sha256);
          }) == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("tsa: HttpTimeStamper turns bad answers into CryptoFailure, no answer into IoFailure",
          "[tsa]") {
  TsaFixture pki;
  std::string digest = computeDigest(DigestAlgorithm::Sha256, "document");
  const std::string url = "http://127.0.0.1:1/tsa";

  SECTION("HTTP 404") {
    CannedFetcher fetcher({404, "text/html", "<h1>Not Found</h1>"});
    HttpTimeStamper stamper(url, fetcher);
    CHECK(errorCodeOf([&] { stamper.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::CryptoFailure);
  }
  SECTION("garbage with the right content type") {
    CannedFetcher fetcher({200, "application/timestamp-reply", "\x30\x03garbage"});
    HttpTimeStamper stamper(url, fetcher);
    CHECK(errorCodeOf([&] { stamper.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::CryptoFailure);
  }
  SECTION("the wrong content type") {
    CannedFetcher fetcher({200, "text/html", "<html></html>"});
    HttpTimeStamper stamper(url, fetcher);
    CHECK(errorCodeOf([&] { stamper.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::CryptoFailure);
  }

  TimestampAuthorityOptions options;
  options.acceptedDigests = {DigestAlgorithm::Sha256};
  TimestampAuthority tsa = pki.authority(options);
  TimestampServer server(tsa);
  server.start();
  auto fetcher = makeHttpFetcher();

  SECTION("a rejection (the TSA does not take SHA-512)") {
    HttpTimeStamper stamper(server.url(), *fetcher);
    CHECK(errorCodeOf([&] {
            stamper.timestampToken(computeDigest(DigestAlgorithm::Sha512, "document"),
                                   DigestAlgorithm::Sha512);
          }) == ErrorCode::CryptoFailure);
  }
  SECTION("a replayed answer (nonce and imprint do not match)") {
    RecordingFetcher recorder(*fetcher);
    HttpTimeStamper recorded(server.url(), recorder);
    recorded.timestampToken(digest, DigestAlgorithm::Sha256);
    CannedFetcher replay(recorder.last);
    HttpTimeStamper stamper(server.url(), replay);
    CHECK(errorCodeOf([&] { stamper.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::CryptoFailure);
  }
  SECTION("a tampered token (signature no longer valid)") {
    RecordingFetcher recorder(*fetcher);
    HttpTimeStamper recorded(server.url(), recorder);
    recorded.timestampToken(digest, DigestAlgorithm::Sha256);
    HttpResponse tampered = recorder.last;
    // Flip a byte of the signature value: the last bytes of the response are inside it (the
    // SignerInfo comes last and has no unsigned attributes).
    tampered.body[tampered.body.size() - 3] ^= 0x01;
    CannedFetcher replay(tampered);
    CHECK(errorCodeOf([&] {
            // The signature is checked before the nonce, so this fails on the signature.
            HttpTimeStamper stamper(server.url(), replay);
            stamper.timestampToken(digest, DigestAlgorithm::Sha256);
          }) == ErrorCode::CryptoFailure);
  }
  SECTION("the TSA is down") {
    uint16_t closedPort = 0;
    {
      Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
      closedPort = socket.address().port();
    }
    HttpTimeStamper stamper("http://127.0.0.1:" + std::to_string(closedPort) + "/", *fetcher);
    CHECK(errorCodeOf([&] { stamper.timestampToken(digest, DigestAlgorithm::Sha256); }) ==
          ErrorCode::IoFailure);
  }
}

TEST_CASE("tsa: TimestampServer answers only time-stamp queries and keeps serving", "[tsa]") {
  TsaFixture pki;
  TimestampAuthority tsa = pki.authority();
  TimestampServer server(tsa);
  server.start("127.0.0.1", 0);
  auto fetcher = makeHttpFetcher();
  const std::string query = "application/timestamp-query";

  CHECK(fetcher->get(server.url()).status == 405);
  CHECK(fetcher->post(server.url(), "application/octet-stream", "x").status == 415);
  CHECK(fetcher
            ->post(server.url(), query,
                   std::string(TimestampServer::kMaxTimestampQueryBytes + 1, '\x30'))
            .status == 413);

  HttpResponse garbage = fetcher->post(server.url(), query, "garbage");
  CHECK(garbage.status == 200);
  CHECK(garbage.contentType == "application/timestamp-reply");
  auto status = responseStatus(garbage.body, 5);
  CHECK(status.first == 2);
  CHECK(status.second);

  // Still serving, and a second start is refused.
  HttpTimeStamper stamper(server.url(), *fetcher);
  CHECK_FALSE(
      stamper
          .timestampToken(computeDigest(DigestAlgorithm::Sha256, "after"), DigestAlgorithm::Sha256)
          .empty());
  CHECK(errorCodeOf([&] { server.start(); }) == ErrorCode::InvalidState);
  server.stop();
  server.stop();
}
