#include "vanthu/signing/key_sources.h"

#include <stdlib.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "vanthu/signing/cms_signature.h"
#include "vanthu/signing/pades_levels.h"

using vanthu::ErrorCode;
using vanthu::signing::Certificate;
using vanthu::signing::CertificateAuthority;
using vanthu::signing::CertificateProfile;
using vanthu::signing::CertificateRequest;
using vanthu::signing::computeDigest;
using vanthu::signing::DigestAlgorithm;
using vanthu::signing::digestAlgorithmName;
using vanthu::signing::DigestSigner;
using vanthu::signing::DistinguishedName;
using vanthu::signing::KeyAlgorithm;
using vanthu::signing::Pkcs11Options;
using vanthu::signing::Pkcs11Signer;
using vanthu::signing::Pkcs12Signer;
using vanthu::signing::PrivateKey;
using vanthu::signing::TimePoint;
using vanthu::test::CommandResult;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::TempDir;

using vanthu::test::writeText;

namespace {

constexpr auto kDay = std::chrono::hours(24);
const std::string kModule = "/usr/lib/softhsm/libsofthsm2.so";
const std::string kPin = "1234";

ErrorCode errorCodeOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const vanthu::Error& error) {
    UNSCOPED_INFO("error: " << error.what());
    return error.code();
  }
  return ErrorCode::Unknown;
}

DistinguishedName name(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Ủy ban nhân dân tỉnh Thái Nguyên"}, {"CN", commonName}}};
}

CertificateRequest request(CertificateProfile profile, const std::string& commonName,
                           TimePoint start) {
  CertificateRequest r;
  r.subject = name(commonName);
  r.profile = profile;
  r.notBefore = start - kDay;
  r.notAfter = start + 365 * kDay;
  r.crlUrl = "http://127.0.0.1:8080/pki/test-ca.crl";
  return r;
}

// root (P-256) -> issuing CA (P-256) -> signer certificates of any key type.
struct TestPki {
  TimePoint start =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  CertificateAuthority root = CertificateAuthority::createRoot(
      name("Key Sources Root CA"), PrivateKey::generate(KeyAlgorithm::EcP256), start - kDay,
      start + 3650 * kDay);
  CertificateAuthority issuing = root.createSubordinate(
      request(CertificateProfile::IntermediateCa, "Key Sources Issuing CA", start),
      PrivateKey::generate(KeyAlgorithm::EcP256));

  Certificate issue(const PrivateKey& key, const std::string& commonName) {
    return issuing.issue(request(CertificateProfile::PersonalSigner, commonName, start), key);
  }
};

/// Verifies `signature` over `digest` against `certificate`'s public key with the openssl CLI, an
/// independent judge. Returns the CLI's result.
CommandResult verifyWithOpenssl(const TempDir& dir, const Certificate& certificate,
                                const std::string& digest, const std::string& signature,
                                DigestAlgorithm algorithm) {
  writeText(dir / "cert.pem", certificate.toPem());
  auto pub = runCommand("openssl x509 -noout -pubkey -in " + shellQuote(dir / "cert.pem") +
                        " -out " + shellQuote(dir / "pub.pem"));
  REQUIRE(pub.exitCode == 0);
  writeText(dir / "digest.bin", digest);
  writeText(dir / "sig.bin", signature);
  return runCommand("openssl pkeyutl -verify -pubin -inkey " + shellQuote(dir / "pub.pem") +
                    " -sigfile " + shellQuote(dir / "sig.bin") + " -in " +
                    shellQuote(dir / "digest.bin") +
                    " -pkeyopt digest:" + std::string(digestAlgorithmName(algorithm)));
}

/// Signs a digest of each algorithm with `signer`; each verifies with openssl, and fails to verify
/// against a different digest.
void checkSignsVerifiably(DigestSigner& signer, const TempDir& dir) {
  for (auto algorithm :
       {DigestAlgorithm::Sha256, DigestAlgorithm::Sha384, DigestAlgorithm::Sha512}) {
    INFO("digest " << digestAlgorithmName(algorithm));
    const std::string digest = computeDigest(algorithm, "Công văn số 123/UBND-VP");
    const std::string signature = signer.signDigest(digest, algorithm);
    CHECK_FALSE(signature.empty());

    auto good = verifyWithOpenssl(dir, signer.certificate(), digest, signature, algorithm);
    INFO(good.output);
    CHECK(good.exitCode == 0);
    CHECK(good.output.find("Signature Verified Successfully") != std::string::npos);

    const std::string other = computeDigest(algorithm, "Công văn số 124/UBND-VP");
    auto bad = verifyWithOpenssl(dir, signer.certificate(), other, signature, algorithm);
    INFO(bad.output);
    CHECK(bad.exitCode != 0);
    CHECK(bad.output.find("Signature Verified Successfully") == std::string::npos);
  }
}

const char* keyName(KeyAlgorithm algorithm) {
  return algorithm == KeyAlgorithm::Rsa2048 ? "RSA-2048" : "EC P-256";
}

// --- SoftHSM2 ----------------------------------------------------------------------------------

/// A SoftHSM2 token store of its own: SOFTHSM2_CONF points at it for this process (and the tools
/// it runs) while the object lives. Tests run one at a time, and every Pkcs11Signer of a test is
/// gone before its SoftHSM goes, so the next Pkcs11Signer::open re-initialises the module with the
/// next test's configuration.
class SoftHsm {
 public:
  SoftHsm() {
    std::filesystem::create_directories(dir_ / "tokens");
    writeText(dir_ / "softhsm2.conf", "directories.tokendir = " + (dir_ / "tokens").string() +
                                          "\nobjectstore.backend = file\nlog.level = ERROR\n");
    REQUIRE(setenv("SOFTHSM2_CONF", (dir_ / "softhsm2.conf").c_str(), 1) == 0);
  }
  ~SoftHsm() { unsetenv("SOFTHSM2_CONF"); }
  SoftHsm(const SoftHsm&) = delete;
  SoftHsm& operator=(const SoftHsm&) = delete;

  const TempDir& dir() const { return dir_; }

  void initToken(const std::string& label) {
    run("softhsm2-util --init-token --free --label " + shellQuote(label) + " --pin " + kPin +
        " --so-pin 5678");
  }

  /// Imports `key` and `certificate` into token `token` under `label` and id `id`.
  void import(const std::string& token, const std::string& label, const std::string& id,
              const PrivateKey& key, const Certificate& certificate) {
    writeText(dir_ / "key.pk8.pem", key.toPem());
    run("softhsm2-util --import " + shellQuote(dir_ / "key.pk8.pem") + " --token " +
        shellQuote(token) + " --label " + shellQuote(label) + " --id " + id + " --pin " + kPin);
    std::filesystem::remove(dir_ / "key.pk8.pem");
    writeText(dir_ / "cert.pem", certificate.toPem());
    run("openssl x509 -in " + shellQuote(dir_ / "cert.pem") + " -outform DER -out " +
        shellQuote(dir_ / "cert.der"));
    run("pkcs11-tool --module " + kModule + " --token-label " + shellQuote(token) +
        " --login --pin " + kPin + " --write-object " + shellQuote(dir_ / "cert.der") +
        " --type cert --id " + id + " --label " + shellQuote(label));
  }

 private:
  static void run(const std::string& command) {
    auto result = runCommand(command);
    INFO(command << "\n" << result.output);
    REQUIRE(result.exitCode == 0);
  }

  TempDir dir_;
};

Pkcs11Options options(const std::string& uri, const std::string& pin = kPin) {
  Pkcs11Options o;
  o.uri = uri;
  o.pin = pin;
  o.modulePath = kModule;
  return o;
}

}  // namespace

// --- PKCS#12 -----------------------------------------------------------------------------------

TEST_CASE("keys: a PKCS#12 signer signs digests that openssl verifies", "[keys]") {
  TestPki pki;
  for (auto algorithm : {KeyAlgorithm::Rsa2048, KeyAlgorithm::EcP256}) {
    DYNAMIC_SECTION(keyName(algorithm)) {
      TempDir dir;
      auto key = PrivateKey::generate(algorithm);
      auto cert = pki.issue(key, "Phạm Quốc Hùng");
      writePkcs12(dir / "signer.p12", key, cert, pki.issuing.chain(), "mật khẩu", "Phạm Quốc Hùng");

      auto signer = Pkcs12Signer::open(dir / "signer.p12", "mật khẩu");
      CHECK(signer->certificate() == cert);
      REQUIRE(signer->chain().size() == 2);
      CHECK(signer->chain()[0] == pki.issuing.certificate());
      CHECK(signer->chain()[1] == pki.root.certificate());
      checkSignsVerifiably(*signer, dir);
    }
  }
}

TEST_CASE("keys: an in-memory PKCS#12 signer signs", "[keys]") {
  TestPki pki;
  TempDir dir;
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto cert = pki.issue(key, "Văn thư");
  Pkcs12Signer signer(key, cert, {pki.issuing.certificate()});
  CHECK(signer.chain().size() == 1);
  checkSignsVerifiably(signer, dir);
}

TEST_CASE("keys: PKCS#12 signer errors carry stable codes", "[keys]") {
  TestPki pki;
  TempDir dir;
  auto key = PrivateKey::generate(KeyAlgorithm::Rsa2048);
  auto cert = pki.issue(key, "Phạm Quốc Hùng");
  writePkcs12(dir / "signer.p12", key, cert, {}, "right", "signer");

  SECTION("wrong password") {
    CHECK(errorCodeOf([&] { Pkcs12Signer::open(dir / "signer.p12", "wrong"); }) ==
          ErrorCode::InvalidPassword);
  }
  SECTION("missing file") {
    CHECK(errorCodeOf([&] { Pkcs12Signer::open(dir / "absent.p12", "right"); }) ==
          ErrorCode::IoFailure);
  }
  SECTION("key and certificate do not match") {
    auto other = PrivateKey::generate(KeyAlgorithm::Rsa2048);
    CHECK(errorCodeOf([&] { Pkcs12Signer(other, cert, {}); }) == ErrorCode::InvalidArgument);
    auto ec = PrivateKey::generate(KeyAlgorithm::EcP256);
    CHECK(errorCodeOf([&] { Pkcs12Signer(ec, cert, {}); }) == ErrorCode::InvalidArgument);
  }
  SECTION("digest length does not fit the algorithm") {
    auto signer = Pkcs12Signer::open(dir / "signer.p12", "right");
    const std::string sha256 = computeDigest(DigestAlgorithm::Sha256, "x");
    CHECK(errorCodeOf([&] { signer->signDigest(sha256, DigestAlgorithm::Sha384); }) ==
          ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([&] { signer->signDigest(sha256 + "!", DigestAlgorithm::Sha256); }) ==
          ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([&] { signer->signDigest("", DigestAlgorithm::Sha256); }) ==
          ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([&] { signer->signDigest(sha256, DigestAlgorithm::Unknown); }) ==
          ErrorCode::InvalidArgument);
  }
}

// --- PKCS#11 (SoftHSM2) ------------------------------------------------------------------------

TEST_CASE("keys: a PKCS#11 signer signs on the token, certificate read from the token",
          "[keys][hsm]") {
  TestPki pki;
  for (auto algorithm : {KeyAlgorithm::Rsa2048, KeyAlgorithm::EcP256}) {
    DYNAMIC_SECTION(keyName(algorithm)) {
      SoftHsm hsm;
      hsm.initToken("vanthu");
      auto key = PrivateKey::generate(algorithm);
      auto cert = pki.issue(key, "Lãnh đạo");
      hsm.import("vanthu", "lanhdao", "01", key, cert);

      auto o = options("pkcs11:token=vanthu;object=lanhdao;type=private");
      o.chain = pki.issuing.chain();
      auto signer = Pkcs11Signer::open(o);
      CHECK(signer->certificate() == cert);
      CHECK(signer->chain().size() == 2);
      checkSignsVerifiably(*signer, hsm.dir());
    }
  }
}

TEST_CASE("keys: issuersOf finds the chain above a certificate in a pool, nearest first",
          "[keys]") {
  TestPki pki;
  TestPki other;
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto cert = pki.issue(key, "Lãnh đạo");
  const std::vector<Certificate> pool = {other.root.certificate(), pki.root.certificate(),
                                         other.issuing.certificate(), pki.issuing.certificate()};
  auto chain = vanthu::signing::issuersOf(cert, pool);
  REQUIRE(chain.size() == 2);
  CHECK(chain[0] == pki.issuing.certificate());
  CHECK(chain[1] == pki.root.certificate());
  // A CA of the same name that did not sign it is not its issuer.
  CHECK(vanthu::signing::issuersOf(cert, {other.issuing.certificate()}).empty());
  CHECK(vanthu::signing::issuersOf(cert, {}).empty());
  // A root ends the chain.
  CHECK(vanthu::signing::issuersOf(pki.root.certificate(), pool).empty());
}

TEST_CASE("keys: a PKCS#11 signer without a chain takes its issuers from the pool into the CMS",
          "[keys][hsm]") {
  TestPki pki;
  TestPki other;
  SoftHsm hsm;
  hsm.initToken("vanthu");
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto cert = pki.issue(key, "Lãnh đạo");
  hsm.import("vanthu", "lanhdao", "01", key, cert);

  auto o = options("pkcs11:token=vanthu;object=lanhdao;type=private");
  o.issuerPool = {other.issuing.certificate(), pki.root.certificate(), pki.issuing.certificate()};
  auto signer = Pkcs11Signer::open(o);
  REQUIRE(signer->chain().size() == 2);
  CHECK(signer->chain()[0] == pki.issuing.certificate());
  CHECK(signer->chain()[1] == pki.root.certificate());

  // The CMS carries the signer and the intermediate (the root is left out).
  vanthu::signing::CmsSignatureBuilder builder(signer->certificate(), signer->chain(),
                                               DigestAlgorithm::Sha256);
  auto cms = vanthu::signing::signContentDigest(
      builder, *signer, computeDigest(DigestAlgorithm::Sha256, "Quyết định"));
  auto carried = vanthu::signing::cmsCertificates(cms);
  CHECK(std::count(carried.begin(), carried.end(), cert) == 1);
  CHECK(std::count(carried.begin(), carried.end(), pki.issuing.certificate()) == 1);
  CHECK(std::count(carried.begin(), carried.end(), other.issuing.certificate()) == 0);

  // A chain given explicitly wins over the pool.
  auto given = options("pkcs11:token=vanthu;object=lanhdao;type=private");
  given.chain = {pki.issuing.certificate()};
  given.issuerPool = o.issuerPool;
  CHECK(Pkcs11Signer::open(given)->chain().size() == 1);
}

TEST_CASE("keys: a PKCS#11 signer takes the certificate it is given, and checks it",
          "[keys][hsm]") {
  TestPki pki;
  SoftHsm hsm;
  hsm.initToken("vanthu-given");
  auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
  auto cert = pki.issue(key, "Lãnh đạo");
  hsm.import("vanthu-given", "lanhdao", "0a", key, cert);
  const std::string uri = "pkcs11:token=vanthu-given;id=%0a;type=private";

  SECTION("matching certificate, key named by id") {
    auto o = options(uri);
    o.certificate = cert;
    auto signer = Pkcs11Signer::open(o);
    CHECK(signer->certificate() == cert);
    checkSignsVerifiably(*signer, hsm.dir());
  }
  SECTION("a certificate for another key") {
    auto o = options(uri);
    o.certificate = pki.issue(PrivateKey::generate(KeyAlgorithm::EcP256), "Người khác");
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(o); }) == ErrorCode::InvalidArgument);
  }
  SECTION("wrong digest length") {
    auto signer = Pkcs11Signer::open(options(uri));
    CHECK(errorCodeOf([&] { signer->signDigest("short", DigestAlgorithm::Sha256); }) ==
          ErrorCode::InvalidArgument);
  }
}

TEST_CASE("keys: PKCS#11 signers on one module share it, also across threads", "[keys][hsm]") {
  TestPki pki;
  SoftHsm hsm;
  hsm.initToken("vanthu-shared");
  auto rsa = PrivateKey::generate(KeyAlgorithm::Rsa2048);
  auto ec = PrivateKey::generate(KeyAlgorithm::EcP256);
  hsm.import("vanthu-shared", "rsa", "01", rsa, pki.issue(rsa, "RSA"));
  hsm.import("vanthu-shared", "ec", "02", ec, pki.issue(ec, "EC"));

  auto first = Pkcs11Signer::open(options("pkcs11:token=vanthu-shared;object=rsa;type=private"));
  auto second = Pkcs11Signer::open(options("pkcs11:token=vanthu-shared;object=ec;type=private"));
  const std::string digest = computeDigest(DigestAlgorithm::Sha256, "song song");
  std::vector<std::string> rsaSignatures(4);
  std::vector<std::string> ecSignatures(4);
  {
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        rsaSignatures[i] = first->signDigest(digest, DigestAlgorithm::Sha256);
        ecSignatures[i] = second->signDigest(digest, DigestAlgorithm::Sha256);
      });
    }
    for (auto& thread : threads) thread.join();
  }
  for (size_t i = 0; i < 4; ++i) {
    CHECK(verifyWithOpenssl(hsm.dir(), first->certificate(), digest, rsaSignatures[i],
                            DigestAlgorithm::Sha256)
              .exitCode == 0);
    CHECK(verifyWithOpenssl(hsm.dir(), second->certificate(), digest, ecSignatures[i],
                            DigestAlgorithm::Sha256)
              .exitCode == 0);
  }
  // Releasing one signer leaves the module initialised for the other.
  first.reset();
  auto signature = second->signDigest(digest, DigestAlgorithm::Sha256);
  CHECK(verifyWithOpenssl(hsm.dir(), second->certificate(), digest, signature,
                          DigestAlgorithm::Sha256)
            .exitCode == 0);
}

TEST_CASE("keys: PKCS#11 signer errors carry stable codes", "[keys][hsm]") {
  TestPki pki;
  SoftHsm hsm;
  hsm.initToken("vanthu-errors");
  auto key = PrivateKey::generate(KeyAlgorithm::Rsa2048);
  hsm.import("vanthu-errors", "lanhdao", "01", key, pki.issue(key, "Lãnh đạo"));
  const std::string uri = "pkcs11:token=vanthu-errors;object=lanhdao;type=private";

  SECTION("wrong PIN") {
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(options(uri, "0000")); }) ==
          ErrorCode::InvalidPassword);
    // The wrong attempt leaves nothing behind that spoils the next, right one.
    CHECK(Pkcs11Signer::open(options(uri))->certificate().subjectText().find("Lãnh đạo") !=
          std::string::npos);
  }
  SECTION("no PIN") {
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(options(uri, "")); }) == ErrorCode::InvalidPassword);
  }
  SECTION("absent token") {
    CHECK(errorCodeOf([&] {
            Pkcs11Signer::open(options("pkcs11:token=rut-ra;object=lanhdao;type=private"));
          }) == ErrorCode::NotFound);
  }
  SECTION("absent key") {
    CHECK(errorCodeOf([&] {
            Pkcs11Signer::open(options("pkcs11:token=vanthu-errors;object=khong-co;type=private"));
          }) == ErrorCode::NotFound);
  }
  SECTION("the message never shows a PIN from the URI") {
    try {
      Pkcs11Signer::open(options("pkcs11:token=rut-ra;object=x;type=private?pin-value=9876"));
      FAIL("open succeeded");
    } catch (const vanthu::Error& error) {
      CHECK(error.code() == ErrorCode::NotFound);
      CHECK(std::string(error.what()).find("9876") == std::string::npos);
    }
  }
  SECTION("not a pkcs11: URI") {
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(options("token=vanthu-errors")); }) ==
          ErrorCode::InvalidArgument);
  }
  SECTION("missing module") {
    auto o = options(uri);
    o.modulePath = (hsm.dir() / "libabsent-pkcs11.so").string();
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(o); }) == ErrorCode::IoFailure);
  }
  SECTION("a module that is not a PKCS#11 library") {
    writeText(hsm.dir() / "not-a-module.so", "not an ELF file");
    auto o = options(uri);
    o.modulePath = (hsm.dir() / "not-a-module.so").string();
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(o); }) == ErrorCode::IoFailure);
  }
  SECTION("missing ENGINE") {
    auto o = options(uri);
    o.enginePath = (hsm.dir() / "pkcs11.so").string();
    CHECK(errorCodeOf([&] { Pkcs11Signer::open(o); }) == ErrorCode::IoFailure);
  }
}
