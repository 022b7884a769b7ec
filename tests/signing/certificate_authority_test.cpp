#include "vanthu/signing/certificate_authority.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>

#include "test_support.h"

using namespace std::chrono_literals;
using vanthu::ErrorCode;
using vanthu::signing::Certificate;
using vanthu::signing::CertificateAuthority;
using vanthu::signing::CertificateProfile;
using vanthu::signing::CertificateRequest;
using vanthu::signing::DistinguishedName;
using vanthu::signing::KeyAlgorithm;
using vanthu::signing::PrivateKey;
using vanthu::signing::RevocationReason;
using vanthu::signing::TimePoint;
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
const std::string kCrlUrl = "http://127.0.0.1:8080/pki/test-ca.crl";
const std::string kOcspUrl = "http://127.0.0.1:8080/pki/ocsp";

// Whole seconds: certificates carry no sub-second precision.
TimePoint now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

DistinguishedName caName(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Vanthu Test PKI"}, {"CN", commonName}}};
}

DistinguishedName personName() {
  return {{{"C", "VN"},
           {"L", "Thái Nguyên"},
           {"O", "Ủy ban nhân dân tỉnh Thái Nguyên"},
           {"OU", "Văn phòng"},
           {"title", "Chủ tịch"},
           {"CN", "Phạm Quốc Hùng"}}};
}

CertificateRequest request(CertificateProfile profile, DistinguishedName subject, TimePoint start) {
  CertificateRequest r;
  r.subject = std::move(subject);
  r.profile = profile;
  r.notBefore = start - kDay;
  r.notAfter = start + 365 * kDay;
  r.crlUrl = kCrlUrl;
  r.ocspUrl = kOcspUrl;
  return r;
}

// root (RSA) -> intermediate (caKey) -> whatever the test issues.
struct TestPki {
  TimePoint start = now();
  CertificateAuthority root = CertificateAuthority::createRoot(
      caName("Test Root CA"), PrivateKey::generate(KeyAlgorithm::Rsa2048), start - kDay,
      start + 3650 * kDay);
  CertificateAuthority intermediate;

  explicit TestPki(KeyAlgorithm caKey = KeyAlgorithm::EcP256)
      : intermediate(root.createSubordinate(
            request(CertificateProfile::IntermediateCa, caName("Test Issuing CA"), start),
            PrivateKey::generate(caKey))) {}

  // Writes root.pem, int.pem, root.crl.pem and int.crl.pem into `dir`.
  void write(const TempDir& dir) const {
    writeText(dir / "root.pem", root.certificate().toPem());
    writeText(dir / "int.pem", intermediate.certificate().toPem());
    writeText(dir / "root.crl.pem", root.crlPem(start, start + 30 * kDay));
    writeText(dir / "int.crl.pem", intermediate.crlPem(start, start + 30 * kDay));
  }
};

std::string verifyCommand(const TempDir& dir, const std::string& leaf, const std::string& extra) {
  return "verify " + extra + " -CAfile " + shellQuote(dir / "root.pem") + " -untrusted " +
         shellQuote(dir / "int.pem") + " " + shellQuote(dir / leaf);
}

std::string x509Text(const TempDir& dir, const std::string& file, const std::string& options) {
  auto result = openssl("x509 -noout " + options + " -in " + shellQuote(dir / file));
  REQUIRE(result.exitCode == 0);
  return result.output;
}

}  // namespace

TEST_CASE("pki: root -> intermediate -> leaf verifies in-process and with openssl verify",
          "[pki]") {
  for (auto algorithm : {KeyAlgorithm::EcP256, KeyAlgorithm::Rsa2048}) {
    DYNAMIC_SECTION("issuing CA and leaf key " << static_cast<int>(algorithm)) {
      TempDir dir;
      TestPki pki(algorithm);
      pki.write(dir);
      auto leafKey = PrivateKey::generate(algorithm);
      CHECK(leafKey.algorithm() == algorithm);
      auto leaf = pki.intermediate.issue(
          request(CertificateProfile::PersonalSigner, personName(), pki.start), leafKey);
      writeText(dir / "leaf.pem", leaf.toPem());

      auto status = vanthu::signing::verifyCertificate(leaf, {pki.intermediate.certificate()},
                                                       {pki.root.certificate()}, {}, std::nullopt);
      CHECK(status.isOk());
      INFO(status.message());

      auto cli = openssl(verifyCommand(dir, "leaf.pem", ""));
      INFO(cli.output);
      CHECK(cli.exitCode == 0);
      CHECK(cli.output.find("leaf.pem: OK") != std::string::npos);

      // With every CA's CRL: still fine.
      auto withCrls =
          openssl(verifyCommand(dir, "leaf.pem",
                                "-crl_check_all -CRLfile " + shellQuote(dir / "root.crl.pem") +
                                    " -CRLfile " + shellQuote(dir / "int.crl.pem")));
      INFO(withCrls.output);
      CHECK(withCrls.exitCode == 0);
      CHECK(vanthu::signing::verifyCertificate(
                leaf, {pki.intermediate.certificate()}, {pki.root.certificate()},
                {pki.root.crlDer(pki.start, pki.start + 30 * kDay),
                 pki.intermediate.crlDer(pki.start, pki.start + 30 * kDay)},
                std::nullopt)
                .isOk());

      // The key type is what was asked for, and EC CAs sign with ECDSA.
      auto text = x509Text(dir, "leaf.pem", "-text");
      bool ec = algorithm == KeyAlgorithm::EcP256;
      CHECK(text.find(ec ? "id-ecPublicKey" : "rsaEncryption") != std::string::npos);
      CHECK(text.find(ec ? "ecdsa-with-SHA256" : "sha256WithRSAEncryption") != std::string::npos);
      CHECK(text.find("Version: 3 (0x2)") != std::string::npos);
    }
  }
}

TEST_CASE("pki: a chain without its trust anchor or intermediate does not verify", "[pki]") {
  TestPki pki;
  auto leaf =
      pki.intermediate.issue(request(CertificateProfile::PersonalSigner, personName(), pki.start),
                             PrivateKey::generate(KeyAlgorithm::EcP256));
  auto otherRoot = CertificateAuthority::createRoot(caName("Other Root"),
                                                    PrivateKey::generate(KeyAlgorithm::EcP256),
                                                    pki.start - kDay, pki.start + 10 * kDay);
  CHECK(vanthu::signing::verifyCertificate(leaf, {pki.intermediate.certificate()},
                                           {otherRoot.certificate()}, {}, std::nullopt)
            .code() == ErrorCode::CertificateInvalid);
  CHECK(vanthu::signing::verifyCertificate(leaf, {}, {pki.root.certificate()}, {}, std::nullopt)
            .code() == ErrorCode::CertificateInvalid);
}

TEST_CASE("pki: a revoked certificate fails CRL checking, in-process and with openssl", "[pki]") {
  TempDir dir;
  TestPki pki;
  auto revokedLeaf =
      pki.intermediate.issue(request(CertificateProfile::PersonalSigner, personName(), pki.start),
                             PrivateKey::generate(KeyAlgorithm::EcP256));
  auto goodLeaf =
      pki.intermediate.issue(request(CertificateProfile::PersonalSigner, personName(), pki.start),
                             PrivateKey::generate(KeyAlgorithm::Rsa2048));
  pki.intermediate.revoke(revokedLeaf, pki.start - 1h, RevocationReason::KeyCompromise);
  CHECK(pki.intermediate.isRevoked(revokedLeaf));
  CHECK_FALSE(pki.intermediate.isRevoked(goodLeaf));
  pki.write(dir);
  writeText(dir / "revoked.pem", revokedLeaf.toPem());
  writeText(dir / "good.pem", goodLeaf.toPem());
  auto intCrl = pki.intermediate.crlDer(pki.start, pki.start + 30 * kDay);
  auto rootCrl = pki.root.crlDer(pki.start, pki.start + 30 * kDay);
  writeText(dir / "int.crl", intCrl);

  const std::string crlCheck = "-crl_check -CRLfile " + shellQuote(dir / "int.crl.pem");
  auto revokedCli = openssl(verifyCommand(dir, "revoked.pem", crlCheck));
  INFO(revokedCli.output);
  CHECK(revokedCli.exitCode != 0);
  auto goodCli = openssl(verifyCommand(dir, "good.pem", crlCheck));
  INFO(goodCli.output);
  CHECK(goodCli.exitCode == 0);
  // Without CRL checking the revoked certificate is otherwise fine.
  CHECK(openssl(verifyCommand(dir, "revoked.pem", "")).exitCode == 0);

  auto revokedStatus =
      vanthu::signing::verifyCertificate(revokedLeaf, {pki.intermediate.certificate()},
                                         {pki.root.certificate()}, {rootCrl, intCrl}, std::nullopt);
  CHECK(revokedStatus.code() == ErrorCode::CertificateInvalid);
  CHECK(vanthu::signing::verifyCertificate(goodLeaf, {pki.intermediate.certificate()},
                                           {pki.root.certificate()}, {rootCrl, intCrl},
                                           std::nullopt)
            .isOk());

  // The CRL itself: v2, reason code, AKI and CRL number, signed by the issuing CA.
  auto crlText = openssl("crl -inform DER -noout -text -in " + shellQuote(dir / "int.crl"));
  REQUIRE(crlText.exitCode == 0);
  CHECK(crlText.output.find("Version 2 (0x1)") != std::string::npos);
  CHECK(crlText.output.find("Key Compromise") != std::string::npos);
  CHECK(crlText.output.find("X509v3 CRL Number") != std::string::npos);
  CHECK(crlText.output.find("X509v3 Authority Key Identifier") != std::string::npos);
  CHECK(crlText.output.find(revokedLeaf.serialHex()) != std::string::npos);
  CHECK(crlText.output.find(goodLeaf.serialHex()) == std::string::npos);
  auto crlVerify = openssl("crl -inform DER -noout -in " + shellQuote(dir / "int.crl") +
                           " -CAfile " + shellQuote(dir / "int.pem"));
  INFO(crlVerify.output);
  CHECK(crlVerify.exitCode == 0);

  // Revoking twice or revoking someone else's certificate is refused.
  CHECK(errorCodeOf([&] { pki.intermediate.revoke(revokedLeaf, pki.start); }) ==
        ErrorCode::InvalidArgument);
  CHECK(errorCodeOf([&] { pki.root.revoke(goodLeaf, pki.start); }) == ErrorCode::InvalidArgument);
}

TEST_CASE("pki: validation at a time outside the validity period fails", "[pki]") {
  TempDir dir;
  TestPki pki;
  auto leaf =
      pki.intermediate.issue(request(CertificateProfile::PersonalSigner, personName(), pki.start),
                             PrivateKey::generate(KeyAlgorithm::EcP256));
  pki.write(dir);
  writeText(dir / "leaf.pem", leaf.toPem());
  auto untrusted = std::vector<Certificate>{pki.intermediate.certificate()};
  auto anchors = std::vector<Certificate>{pki.root.certificate()};

  auto expired = leaf.notAfter() + kDay;
  CHECK(vanthu::signing::verifyCertificate(leaf, untrusted, anchors, {}, expired).code() ==
        ErrorCode::CertificateInvalid);
  auto early = leaf.notBefore() - kDay;
  CHECK(vanthu::signing::verifyCertificate(leaf, untrusted, anchors, {}, early).code() ==
        ErrorCode::CertificateInvalid);
  CHECK(vanthu::signing::verifyCertificate(leaf, untrusted, anchors, {}, pki.start + 30 * kDay)
            .isOk());

  auto seconds = [](TimePoint t) {
    return std::to_string(std::chrono::system_clock::to_time_t(t));
  };
  CHECK(openssl(verifyCommand(dir, "leaf.pem", "-attime " + seconds(expired))).exitCode != 0);
  CHECK(openssl(verifyCommand(dir, "leaf.pem", "-attime " + seconds(pki.start))).exitCode == 0);
}

TEST_CASE("pki: certificate fields come back as written", "[pki]") {
  TempDir dir;
  TestPki pki;
  auto req = request(CertificateProfile::PersonalSigner, personName(), pki.start);
  auto leaf = pki.intermediate.issue(req, PrivateKey::generate(KeyAlgorithm::EcP256));
  writeText(dir / "leaf.pem", leaf.toPem());

  CHECK(leaf.subjectText() ==
        "CN=Phạm Quốc Hùng,title=Chủ tịch,OU=Văn phòng,O=Ủy ban nhân dân tỉnh Thái Nguyên,"
        "L=Thái Nguyên,C=VN");
  CHECK(leaf.issuerText() == "CN=Test Issuing CA,O=Vanthu Test PKI,C=VN");
  CHECK(leaf.subjectAttribute("CN") == "Phạm Quốc Hùng");
  CHECK(leaf.subjectAttribute("O") == "Ủy ban nhân dân tỉnh Thái Nguyên");
  CHECK(leaf.subjectAttribute("UID").empty());
  CHECK_THROWS_AS(leaf.subjectAttribute("no-such-attribute"), vanthu::Error);
  CHECK(leaf.notBefore() == req.notBefore);
  CHECK(leaf.notAfter() == req.notAfter);

  // 16 random octets, positive: 32 hex digits, what `openssl x509 -serial` prints.
  CHECK(leaf.serialHex().size() == 32);
  CHECK(x509Text(dir, "leaf.pem", "-serial") == "serial=" + leaf.serialHex() + "\n");

  // Every attribute but C is a UTF8String; the text is exactly ours.
  auto subject = x509Text(dir, "leaf.pem", "-subject -nameopt multiline,-esc_msb,utf8,show_type");
  INFO(subject);
  CHECK(subject.find("commonName                = UTF8STRING:Phạm Quốc Hùng") != std::string::npos);
  CHECK(subject.find("title                     = UTF8STRING:Chủ tịch") != std::string::npos);
  CHECK(subject.find("organizationName          = UTF8STRING:Ủy ban nhân dân tỉnh Thái Nguyên") !=
        std::string::npos);
  CHECK(subject.find("organizationalUnitName    = UTF8STRING:Văn phòng") != std::string::npos);
  CHECK(subject.find("localityName              = UTF8STRING:Thái Nguyên") != std::string::npos);
  CHECK(subject.find("countryName               = PRINTABLESTRING:VN") != std::string::npos);

  // PEM and DER agree and read back to the same certificate.
  CHECK(Certificate::fromPem(leaf.toPem()) == leaf);
  CHECK(Certificate::fromDer(leaf.toDer()) == leaf);
  CHECK(Certificate::fromPem(leaf.toPem()).toDer() == leaf.toDer());
  auto bundle = Certificate::allFromPem(leaf.toPem() + pki.intermediate.certificate().toPem());
  REQUIRE(bundle.size() == 2);
  CHECK(bundle[1] == pki.intermediate.certificate());

  auto chain = pki.intermediate.chain();
  REQUIRE(chain.size() == 2);
  CHECK(chain[0] == pki.intermediate.certificate());
  CHECK(chain[1] == pki.root.certificate());
  CHECK(pki.root.chain().size() == 1);
}

TEST_CASE("pki: profiles carry the extensions they need", "[pki][certificate]") {
  TempDir dir;
  TestPki pki;
  pki.write(dir);
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  const std::string exts =
      "-ext keyUsage,extendedKeyUsage,crlDistributionPoints,authorityInfoAccess,basicConstraints,"
      "subjectAltName,subjectKeyIdentifier,authorityKeyIdentifier";

  SECTION("root and intermediate CAs") {
    auto root = x509Text(dir, "root.pem", exts);
    CHECK(root.find("X509v3 Basic Constraints: critical\n    CA:TRUE\n") != std::string::npos);
    CHECK(root.find("X509v3 Key Usage: critical\n    Certificate Sign, CRL Sign") !=
          std::string::npos);
    CHECK(root.find("Subject Key Identifier") != std::string::npos);
    auto intermediate = x509Text(dir, "int.pem", exts);
    CHECK(intermediate.find("X509v3 Basic Constraints: critical\n    CA:TRUE, pathlen:0") !=
          std::string::npos);
    CHECK(intermediate.find("X509v3 Key Usage: critical\n    Certificate Sign, CRL Sign") !=
          std::string::npos);
    CHECK(intermediate.find("Authority Key Identifier") != std::string::npos);
    CHECK(intermediate.find("URI:" + kCrlUrl) != std::string::npos);
    CHECK(intermediate.find("OCSP - URI:" + kOcspUrl) != std::string::npos);
  }

  SECTION("personal and organisation signers") {
    for (auto profile :
         {CertificateProfile::PersonalSigner, CertificateProfile::OrganisationSigner}) {
      auto req = request(profile, personName(), pki.start);
      req.email = "hung.pq@thainguyen.gov.vn";
      writeText(dir / "signer.pem", pki.intermediate.issue(req, key).toPem());
      auto text = x509Text(dir, "signer.pem", exts);
      CHECK(text.find("X509v3 Basic Constraints: \n    CA:FALSE") != std::string::npos);
      CHECK(text.find("X509v3 Key Usage: critical\n    Digital Signature, Non Repudiation") !=
            std::string::npos);
      CHECK(text.find("E-mail Protection") != std::string::npos);
      CHECK(text.find("1.3.6.1.4.1.311.10.3.12") != std::string::npos);
      CHECK(text.find("X509v3 Extended Key Usage: critical") == std::string::npos);
      CHECK(text.find("X509v3 CRL Distribution Points") != std::string::npos);
      CHECK(text.find("URI:" + kCrlUrl) != std::string::npos);
      CHECK(text.find("OCSP - URI:" + kOcspUrl) != std::string::npos);
      CHECK(text.find("email:hung.pq@thainguyen.gov.vn") != std::string::npos);
      CHECK(text.find("Subject Key Identifier") != std::string::npos);
      CHECK(text.find("Authority Key Identifier") != std::string::npos);
    }
  }

  SECTION("time stamping: critical timeStamping EKU") {
    auto tsa = pki.intermediate.issue(
        request(CertificateProfile::TimeStamping, caName("Test TSA"), pki.start), key);
    writeText(dir / "tsa.pem", tsa.toPem());
    auto text = x509Text(dir, "tsa.pem", exts);
    CHECK(text.find("X509v3 Extended Key Usage: critical\n    Time Stamping\n") !=
          std::string::npos);
    CHECK(text.find("X509v3 Key Usage: critical\n    Digital Signature, Non Repudiation") !=
          std::string::npos);
    CHECK(text.find("URI:" + kCrlUrl) != std::string::npos);
    auto purpose = openssl("x509 -noout -purpose -in " + shellQuote(dir / "tsa.pem"));
    CHECK(purpose.output.find("Time Stamp signing : Yes") != std::string::npos);
  }

  SECTION("OCSP signing: OCSPSigning EKU and ocsp-nocheck") {
    auto ocsp = pki.intermediate.issue(
        request(CertificateProfile::OcspSigning, caName("Test OCSP"), pki.start), key);
    writeText(dir / "ocsp.pem", ocsp.toPem());
    auto text = x509Text(dir, "ocsp.pem", "-text");
    CHECK(text.find("X509v3 Key Usage: critical\n                Digital Signature\n") !=
          std::string::npos);
    CHECK(text.find("OCSP Signing") != std::string::npos);
    CHECK(text.find("OCSP No Check") != std::string::npos);
    CHECK(text.find("CRL Distribution Points") == std::string::npos);
  }

  SECTION("TLS server: serverAuth and DNS/IP names") {
    auto req = request(CertificateProfile::TlsServer, caName("vanthu.local"), pki.start);
    req.dnsNames = {"vanthu.local", "localhost"};
    req.ipAddresses = {"127.0.0.1", "::1"};
    writeText(dir / "tls.pem", pki.intermediate.issue(req, key).toPem());
    auto text = x509Text(dir, "tls.pem", exts);
    CHECK(text.find("Digital Signature, Key Encipherment") != std::string::npos);
    CHECK(text.find("TLS Web Server Authentication") != std::string::npos);
    CHECK(
        text.find(
            "DNS:vanthu.local, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1") !=
        std::string::npos);
    auto check =
        openssl("verify -purpose sslserver -CAfile " + shellQuote(dir / "root.pem") +
                " -untrusted " + shellQuote(dir / "int.pem") + " " + shellQuote(dir / "tls.pem"));
    INFO(check.output);
    CHECK(check.exitCode == 0);
  }
}

TEST_CASE("pki: P-384 CAs sign with SHA-384", "[pki]") {
  TempDir dir;
  auto start = now();
  auto root = CertificateAuthority::createRoot(caName("P-384 Root"),
                                               PrivateKey::generate(KeyAlgorithm::EcP384),
                                               start - kDay, start + 100 * kDay);
  writeText(dir / "root.pem", root.certificate().toPem());
  auto text = x509Text(dir, "root.pem", "-text");
  CHECK(text.find("ecdsa-with-SHA384") != std::string::npos);
  CHECK(text.find("NIST CURVE: P-384") != std::string::npos);
  CHECK(
      openssl("verify -CAfile " + shellQuote(dir / "root.pem") + " " + shellQuote(dir / "root.pem"))
          .exitCode == 0);
}

TEST_CASE("pki: malformed requests are refused with InvalidArgument", "[pki]") {
  TestPki pki;
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto good = request(CertificateProfile::PersonalSigner, personName(), pki.start);
  auto issueWith = [&](CertificateRequest r) {
    return errorCodeOf([&] { pki.intermediate.issue(r, key); });
  };

  auto noCrl = good;
  noCrl.crlUrl.clear();
  CHECK(issueWith(noCrl) == ErrorCode::InvalidArgument);
  auto unknownAttribute = good;
  unknownAttribute.subject.attributes.emplace_back("notAnAttribute", "x");
  CHECK(issueWith(unknownAttribute) == ErrorCode::InvalidArgument);
  auto badUtf8 = good;
  badUtf8.subject.attributes.emplace_back("CN", std::string("\xC3\x28", 2));
  CHECK(issueWith(badUtf8) == ErrorCode::InvalidArgument);
  auto badCountry = good;
  badCountry.subject.attributes[0].second = "Việt Nam";
  CHECK(issueWith(badCountry) == ErrorCode::InvalidArgument);
  auto backwards = good;
  std::swap(backwards.notBefore, backwards.notAfter);
  CHECK(issueWith(backwards) == ErrorCode::InvalidArgument);
  auto noProfile = good;
  noProfile.profile = CertificateProfile::Unknown;
  CHECK(issueWith(noProfile) == ErrorCode::InvalidArgument);
  auto badIp = good;
  badIp.profile = CertificateProfile::TlsServer;
  badIp.ipAddresses = {"300.1.2.3"};
  CHECK(issueWith(badIp) == ErrorCode::InvalidArgument);
  auto emptySubject = good;
  emptySubject.subject.attributes.clear();
  CHECK(issueWith(emptySubject) == ErrorCode::InvalidArgument);
  CHECK(errorCodeOf([] { PrivateKey::generate(KeyAlgorithm::Unknown); }) ==
        ErrorCode::InvalidArgument);
  CHECK(errorCodeOf([] { Certificate::fromPem("not a certificate"); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("pki: private keys are unencrypted PKCS#8 PEM", "[pki]") {
  TempDir dir;
  for (auto algorithm : {KeyAlgorithm::Rsa2048, KeyAlgorithm::EcP256}) {
    auto key = PrivateKey::generate(algorithm);
    auto pem = key.toPem();
    CHECK(pem.rfind("-----BEGIN PRIVATE KEY-----", 0) == 0);
    writeText(dir / "key.pem", pem);
    CHECK(openssl("pkey -check -noout -in " + shellQuote(dir / "key.pem")).exitCode == 0);
    auto back = PrivateKey::fromPem(pem);
    CHECK(back.algorithm() == algorithm);
    CHECK(back.publicKeyPem() == key.publicKeyPem());
  }
}

TEST_CASE("pki: PKCS#12 round trip, passwords and file mode", "[pki]") {
  TempDir dir;
  TestPki pki;
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto leaf = pki.intermediate.issue(
      request(CertificateProfile::PersonalSigner, personName(), pki.start), key);
  const std::string password = "mật khẩu thử nghiệm 123";
  auto path = dir / "signer.p12";
  vanthu::signing::writePkcs12(path, key, leaf, pki.intermediate.chain(), password, "lanhdao");

  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  // No temporary file is left behind.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);

  auto contents = vanthu::signing::readPkcs12(path, password);
  CHECK(contents.certificate == leaf);
  CHECK(contents.certificate.matchesKey(contents.key));
  CHECK(contents.key.publicKeyPem() == key.publicKeyPem());
  REQUIRE(contents.chain.size() == 2);
  CHECK(contents.chain[0] == pki.intermediate.certificate());
  CHECK(contents.chain[1] == pki.root.certificate());

  CHECK(errorCodeOf([&] { vanthu::signing::readPkcs12(path, "wrong password"); }) ==
        ErrorCode::InvalidPassword);
  CHECK(errorCodeOf([&] { vanthu::signing::readPkcs12(path, ""); }) == ErrorCode::InvalidPassword);

  // The independent judge: openssl opens it with the password and refuses another.
  auto ok = openssl("pkcs12 -noout -in " + shellQuote(path) + " -passin " +
                    shellQuote("pass:" + password));
  INFO(ok.output);
  CHECK(ok.exitCode == 0);
  CHECK(openssl("pkcs12 -noout -in " + shellQuote(path) + " -passin pass:wrong").exitCode != 0);

  // Modern algorithms: PBES2 / PBKDF2 / AES-256-CBC, SHA-256 MAC, friendly name.
  auto info12 = openssl("pkcs12 -info -nokeys -nocerts -in " + shellQuote(path) + " -passin " +
                        shellQuote("pass:" + password));
  INFO(info12.output);
  CHECK(info12.output.find("MAC: sha256") != std::string::npos);
  CHECK(info12.output.find(
            "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 10000, PRF hmacWithSHA256") !=
        std::string::npos);
  CHECK(info12.output.find("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC") !=
        std::string::npos);
  CHECK(info12.output.find("RC2") == std::string::npos);
  CHECK(info12.output.find("3DES") == std::string::npos);
  auto names = openssl("pkcs12 -nokeys -in " + shellQuote(path) + " -passin " +
                       shellQuote("pass:" + password) + " -clcerts");
  CHECK(names.output.find("friendlyName: lanhdao") != std::string::npos);

  // A key that is not the certificate's, or no password, is refused.
  CHECK(errorCodeOf([&] {
          vanthu::signing::writePkcs12(dir / "x.p12", PrivateKey::generate(KeyAlgorithm::EcP256),
                                       leaf, {}, password, "x");
        }) == ErrorCode::InvalidArgument);
  CHECK(errorCodeOf([&] { vanthu::signing::writePkcs12(dir / "x.p12", key, leaf, {}, "", "x"); }) ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("pki: unreadable PKCS#12 files are not reported as a wrong password", "[pki]") {
  TempDir dir;
  writeText(dir / "garbage.p12", "this is not a PKCS#12 file at all");
  auto garbage = errorCodeOf([&] { vanthu::signing::readPkcs12(dir / "garbage.p12", "x"); });
  CHECK(garbage == ErrorCode::InvalidArgument);
  auto missing = errorCodeOf([&] { vanthu::signing::readPkcs12(dir / "missing.p12", "x"); });
  CHECK(missing == ErrorCode::IoFailure);
  TestPki pki;
  CHECK(errorCodeOf([&] {
          vanthu::signing::writePkcs12(dir / "no-such-dir" / "a.p12", pki.root.key(),
                                       pki.root.certificate(), {}, "x", "x");
        }) == ErrorCode::IoFailure);
}
