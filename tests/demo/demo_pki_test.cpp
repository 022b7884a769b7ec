#include "vanthu/demo/demo_pki.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

#include "test_support.h"

using vanthu::ErrorCode;
using vanthu::demo::buildDemoPki;
using vanthu::demo::DemoCredential;
using vanthu::demo::DemoCredentialKind;
using vanthu::demo::DemoPki;
using vanthu::demo::DemoPkiOptions;
using vanthu::demo::DemoPkiSubject;
using vanthu::signing::KeyAlgorithm;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::TempDir;

namespace {

constexpr auto kDay = std::chrono::hours(24);
const std::string kPassword = "Demo-PKI-pass-7f3a9c";

DemoPkiOptions demoOptions() {
  DemoPkiOptions options;
  options.pkcs12Password = kPassword;
  options.baseUrl = "http://127.0.0.1:8080/pki/";
  options.now =
      std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  DemoPkiSubject lanhdao;
  lanhdao.id = "lanhdao";
  lanhdao.kind = DemoCredentialKind::Person;
  lanhdao.commonName = "Phạm Quốc Hùng";
  lanhdao.title = "Chủ tịch";
  lanhdao.organisation = "Ủy ban nhân dân tỉnh Thái Nguyên";
  lanhdao.locality = "Thái Nguyên";
  lanhdao.email = "hungpq@thainguyen.gov.vn";
  lanhdao.key = KeyAlgorithm::Rsa2048;
  DemoPkiSubject vanthu;
  vanthu.id = "vanthu";
  vanthu.kind = DemoCredentialKind::Person;
  vanthu.commonName = "Nguyễn Thị Lan";
  vanthu.title = "Văn thư";
  vanthu.organisation = "Ủy ban nhân dân tỉnh Thái Nguyên";
  vanthu.unit = "Văn phòng";
  vanthu.locality = "Thái Nguyên";
  vanthu.key = KeyAlgorithm::EcP256;
  DemoPkiSubject ubnd;
  ubnd.id = "000.00.00.H55";
  ubnd.kind = DemoCredentialKind::Organisation;
  ubnd.commonName = "Ủy ban nhân dân tỉnh Thái Nguyên";
  ubnd.organisation = "Ủy ban nhân dân tỉnh Thái Nguyên";
  ubnd.locality = "Thái Nguyên";
  ubnd.agencyCode = "000.00.00.H55";
  ubnd.key = KeyAlgorithm::EcP256;
  options.subjects = {lanhdao, vanthu, ubnd};
  return options;
}

// Built once: RSA-3072 root keys take a while.
struct DemoFixture {
  TempDir dir;
  DemoPkiOptions options = demoOptions();
  DemoPki pki = buildDemoPki(options, dir.path());

  const DemoCredential& credential(const std::string& id) const {
    for (const auto& c : pki.credentials) {
      if (c.id == id) return c;
    }
    FAIL("no credential " << id);
    throw std::logic_error("unreachable");
  }
  std::filesystem::path file(const std::string& relative) const { return dir.path() / relative; }
  bool government(const DemoCredential& c) const {
    return c.issuer.find("CN=Demo Government CA,") == 0;
  }
  std::string verify(const DemoCredential& c, const std::string& extra) const {
    std::string stem = government(c) ? "demo-government-ca" : "demo-public-ca";
    std::string root = government(c) ? "demo-national-root-ca" : "demo-public-root-ca";
    return "openssl verify " + extra + " -CAfile " + shellQuote(file("roots/" + root + ".pem")) +
           " -untrusted " + shellQuote(file("ca/" + stem + ".pem")) + " " +
           shellQuote(c.certificatePem);
  }
};

DemoFixture& fixture() {
  static DemoFixture instance;
  return instance;
}

}  // namespace

TEST_CASE("demo pki: credentials, files and kinds", "[pki][demo]") {
  auto& f = fixture();
  std::map<std::string, const DemoCredential*> byId;
  for (const auto& c : f.pki.credentials) byId[c.id] = &c;
  for (const char* id : {"lanhdao", "vanthu", "000.00.00.H55", "congdan", "tsa", "ocsp",
                         "lanhdao-old", "congdan-old"}) {
    INFO(id);
    REQUIRE(byId.count(id) == 1);
    CHECK(std::filesystem::is_regular_file(byId[id]->certificatePem));
    CHECK(std::filesystem::is_regular_file(byId[id]->pkcs12));
  }
  CHECK(f.pki.credentials.size() == 8);
  CHECK(byId["lanhdao"]->certificatePem == f.file("users/lanhdao.pem"));
  CHECK(byId["000.00.00.H55"]->pkcs12 == f.file("orgs/000.00.00.H55.p12"));
  CHECK(byId["000.00.00.H55"]->kind == DemoCredentialKind::Organisation);
  CHECK(byId["congdan"]->certificatePem == f.file("users/congdan.pem"));
  CHECK(byId["tsa"]->certificatePem == f.file("tsa/tsa.pem"));
  CHECK(byId["ocsp"]->pkcs12 == f.file("ocsp/ocsp.p12"));
  CHECK(byId["lanhdao-old"]->certificatePem == f.file("revoked/lanhdao-old.pem"));
  CHECK(byId["congdan-old"]->pkcs12 == f.file("revoked/congdan-old.p12"));
  CHECK(byId["lanhdao-old"]->revoked);
  CHECK(byId["congdan-old"]->revoked);
  CHECK_FALSE(byId["lanhdao"]->revoked);

  CHECK(byId["lanhdao"]->subject ==
        "CN=Phạm Quốc Hùng,title=Chủ tịch,O=Ủy ban nhân dân tỉnh Thái Nguyên,L=Thái Nguyên,C=VN");
  CHECK(byId["000.00.00.H55"]->subject.find("UID=000.00.00.H55") != std::string::npos);
  CHECK(byId["congdan"]->subject.find("CN=Ngô Thị Thu,") == 0);
  CHECK(byId["congdan"]->issuer.find("CN=Demo Public CA,") == 0);
  CHECK(byId["lanhdao"]->issuer.find("CN=Demo Government CA,") == 0);
  CHECK(byId["tsa"]->subject.find("CN=Demo Time Stamping Authority,") == 0);
  CHECK(byId["ocsp"]->subject.find("CN=Demo Government CA OCSP Responder,") == 0);
  CHECK(byId["lanhdao"]->notAfter > f.options.now + 700 * kDay);
  CHECK(byId["tsa"]->notAfter > f.options.now + 4 * 365 * kDay);

  CHECK(f.pki.trustAnchors ==
        std::vector<std::filesystem::path>{f.file("roots/demo-national-root-ca.pem"),
                                           f.file("roots/demo-public-root-ca.pem")});
  CHECK(f.pki.intermediates ==
        std::vector<std::filesystem::path>{f.file("ca/demo-government-ca.pem"),
                                           f.file("ca/demo-public-ca.pem")});
  REQUIRE(f.pki.crls.size() == 4);
  for (const auto& crl : f.pki.crls) {
    INFO(crl);
    CHECK(crl.parent_path() == f.file("crl"));
    auto text = runCommand("openssl crl -inform DER -noout -text -in " + shellQuote(crl));
    CHECK(text.exitCode == 0);
    auto pem = crl;
    pem += ".pem";
    CHECK(std::filesystem::is_regular_file(pem));
  }
  for (const char* path : {"chain/demo-government-ca-chain.pem", "chain/demo-public-ca-chain.pem",
                           "ca/demo-government-ca.p12", "ca/demo-public-ca.p12"}) {
    INFO(path);
    CHECK(std::filesystem::is_regular_file(f.file(path)));
  }
  auto chain = readFile(f.file("chain/demo-government-ca-chain.pem"));
  CHECK(chain == readFile(f.file("ca/demo-government-ca.pem")) +
                     readFile(f.file("roots/demo-national-root-ca.pem")));
  // No temporary files left behind.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(f.dir.path())) {
    CHECK(entry.path().filename().string().find(".tmp-") == std::string::npos);
  }
}

TEST_CASE("demo pki: every certificate verifies with openssl, revoked ones fail CRL checks",
          "[pki][demo]") {
  auto& f = fixture();
  std::string crls;
  for (const auto& crl : f.pki.crls) {
    auto pem = crl;
    pem += ".pem";
    crls += " -CRLfile " + shellQuote(pem);
  }
  for (const auto& c : f.pki.credentials) {
    INFO(c.id);
    auto plain = runCommand(f.verify(c, ""));
    INFO(plain.output);
    CHECK(plain.exitCode == 0);
    CHECK(plain.output.find(c.certificatePem.string() + ": OK") != std::string::npos);
    auto checked = runCommand(f.verify(c, "-crl_check_all" + crls));
    INFO(checked.output);
    if (c.revoked) {
      CHECK(checked.exitCode != 0);
      CHECK(checked.output.find("certificate revoked") != std::string::npos);
    } else {
      CHECK(checked.exitCode == 0);
    }
  }
  // The CA certificates themselves are fine with CRL checking, too.
  for (const auto& [ca, root] : std::vector<std::pair<std::string, std::string>>{
           {"ca/demo-government-ca.pem", "roots/demo-national-root-ca.pem"},
           {"ca/demo-public-ca.pem", "roots/demo-public-root-ca.pem"}}) {
    auto result = runCommand("openssl verify -crl_check_all" + crls + " -CAfile " +
                             shellQuote(f.file(root)) + " " + shellQuote(f.file(ca)));
    INFO(result.output);
    CHECK(result.exitCode == 0);
  }
}

TEST_CASE("demo pki: every key store opens with the password", "[pki][demo]") {
  auto& f = fixture();
  std::vector<std::filesystem::path> stores;
  for (const auto& c : f.pki.credentials) stores.push_back(c.pkcs12);
  for (const char* ca : {"roots/demo-national-root-ca.p12", "roots/demo-public-root-ca.p12",
                         "ca/demo-government-ca.p12", "ca/demo-public-ca.p12"}) {
    stores.push_back(f.file(ca));
  }
  for (const auto& store : stores) {
    INFO(store);
    auto cli = runCommand("openssl pkcs12 -noout -in " + shellQuote(store) + " -passin " +
                          shellQuote("pass:" + kPassword));
    INFO(cli.output);
    CHECK(cli.exitCode == 0);
    CHECK(runCommand("openssl pkcs12 -noout -in " + shellQuote(store) + " -passin pass:nope")
              .exitCode != 0);
    auto contents = vanthu::signing::readPkcs12(store, kPassword);
    CHECK(contents.certificate.matchesKey(contents.key));
    struct stat info {};
    REQUIRE(::stat(store.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);
  }
  for (const auto& c : f.pki.credentials) {
    INFO(c.id);
    auto contents = vanthu::signing::readPkcs12(c.pkcs12, kPassword);
    CHECK(contents.certificate.serialHex() == c.serialHex);
    CHECK(contents.certificate.toPem() == readFile(c.certificatePem));
    REQUIRE(contents.chain.size() == 2);  // issuing CA and root
    CHECK(contents.chain[1].subjectText() == contents.chain[1].issuerText());
    CHECK(contents.chain[0].subjectText() == c.issuer);
  }
  try {
    vanthu::signing::readPkcs12(f.credential("lanhdao").pkcs12, "wrong");
    FAIL("a wrong password was accepted");
  } catch (const vanthu::Error& error) {
    CHECK(error.code() == ErrorCode::InvalidPassword);
  }
}

TEST_CASE("demo pki: key types, signer and TSA extensions", "[pki][demo]") {
  auto& f = fixture();
  auto text = [&](const std::string& id) {
    auto result =
        runCommand("openssl x509 -noout -text -in " + shellQuote(f.credential(id).certificatePem));
    REQUIRE(result.exitCode == 0);
    return result.output;
  };
  CHECK(text("lanhdao").find("rsaEncryption") != std::string::npos);
  CHECK(text("vanthu").find("id-ecPublicKey") != std::string::npos);
  CHECK(text("vanthu").find("NIST CURVE: P-256") != std::string::npos);
  CHECK(text("000.00.00.H55").find("id-ecPublicKey") != std::string::npos);

  auto lanhdao = text("lanhdao");
  CHECK(lanhdao.find("URI:http://127.0.0.1:8080/pki/demo-government-ca.crl") != std::string::npos);
  CHECK(lanhdao.find("OCSP - URI:http://127.0.0.1:8080/pki/ocsp") != std::string::npos);
  CHECK(lanhdao.find("E-mail Protection") != std::string::npos);
  CHECK(lanhdao.find("Digital Signature, Non Repudiation") != std::string::npos);
  CHECK(lanhdao.find("email:hungpq@thainguyen.gov.vn") != std::string::npos);
  CHECK(text("congdan").find("URI:http://127.0.0.1:8080/pki/demo-public-ca.crl") !=
        std::string::npos);

  auto tsa = text("tsa");
  CHECK(tsa.find("X509v3 Extended Key Usage: critical\n                Time Stamping") !=
        std::string::npos);
  auto ocsp = text("ocsp");
  CHECK(ocsp.find("OCSP Signing") != std::string::npos);
  CHECK(ocsp.find("OCSP No Check") != std::string::npos);

  auto subject =
      runCommand("openssl x509 -noout -subject -nameopt multiline,-esc_msb,utf8,show_type -in " +
                 shellQuote(f.credential("000.00.00.H55").certificatePem));
  CHECK(subject.output.find(
            "organizationName          = UTF8STRING:Ủy ban nhân dân tỉnh Thái Nguyên") !=
        std::string::npos);
  CHECK(subject.output.find("UTF8STRING:000.00.00.H55") != std::string::npos);
}

TEST_CASE("demo pki: README lists the files and never the password", "[pki][demo]") {
  auto& f = fixture();
  auto readme = readFile(f.file("README.md"));
  CHECK(readme.find(kPassword) == std::string::npos);
  CHECK(readme.find("the demo PKCS#12 password (see docs)") != std::string::npos);
  CHECK(readme.find("http://127.0.0.1:8080/pki/demo-government-ca.crl") != std::string::npos);
  CHECK(readme.find("http://127.0.0.1:8080/pki/ocsp") != std::string::npos);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(f.dir.path())) {
    if (!entry.is_regular_file()) continue;
    auto relative = std::filesystem::relative(entry.path(), f.dir.path()).generic_string();
    INFO(relative);
    if (relative != "README.md") CHECK(readme.find("`" + relative + "`") != std::string::npos);
    // No file anywhere carries the password in clear.
    CHECK(readFile(entry.path()).find(kPassword) == std::string::npos);
  }
}

TEST_CASE("demo pki: bad options are refused", "[pki][demo]") {
  auto code = [](const DemoPkiOptions& options, const std::filesystem::path& dir) {
    try {
      buildDemoPki(options, dir);
    } catch (const vanthu::Error& error) {
      return error.code();
    }
    return ErrorCode::Unknown;
  };
  TempDir dir;
  auto noPassword = demoOptions();
  noPassword.pkcs12Password.clear();
  CHECK(code(noPassword, dir.path()) == ErrorCode::InvalidArgument);
  auto duplicate = demoOptions();
  duplicate.subjects[1].id = duplicate.subjects[0].id;
  CHECK(code(duplicate, dir.path()) == ErrorCode::InvalidArgument);
  auto unsafe = demoOptions();
  unsafe.subjects[0].id = "../escape";
  CHECK(code(unsafe, dir.path()) == ErrorCode::InvalidArgument);
  auto reserved = demoOptions();
  reserved.subjects[2].id = "congdan";
  CHECK(code(reserved, dir.path()) == ErrorCode::InvalidArgument);
  CHECK(code(demoOptions(), dir / "missing") == ErrorCode::InvalidArgument);
  CHECK(std::filesystem::is_empty(dir.path()));
  { std::ofstream(dir / "existing") << "x"; }
  CHECK(code(demoOptions(), dir.path()) == ErrorCode::InvalidArgument);
}

TEST_CASE("demo pki: a TLS server certificate for localhost that openssl accepts for HTTPS",
          "[pki][demo][tls]") {
  auto& f = fixture();
  auto pem = f.file("tls/localhost.pem");
  auto key = f.file("tls/localhost.key");
  REQUIRE(std::filesystem::is_regular_file(pem));
  REQUIRE(std::filesystem::is_regular_file(key));
  // The key is a secret: readable by its owner only.
  auto permissions = std::filesystem::status(key).permissions();
  CHECK((permissions & (std::filesystem::perms::group_all | std::filesystem::perms::others_all)) ==
        std::filesystem::perms::none);
  // The file holds the chain a server sends: its certificate, then the issuing CA.
  CHECK(readFile(pem).find(readFile(f.file("ca/demo-government-ca.pem"))) != std::string::npos);
  std::string verify = "openssl verify -purpose sslserver -CAfile " +
                       shellQuote(f.file("roots/demo-national-root-ca.pem")) + " -untrusted " +
                       shellQuote(f.file("ca/demo-government-ca.pem")) + " ";
  for (const char* check : {"-verify_hostname localhost", "-verify_ip 127.0.0.1"}) {
    auto result = runCommand(verify + check + " " + shellQuote(pem));
    INFO(check << ": " << result.output);
    CHECK(result.exitCode == 0);
  }
  auto wrongName = runCommand(verify + "-verify_hostname example.org " + shellQuote(pem));
  CHECK(wrongName.exitCode != 0);
  auto certificateKey = runCommand("openssl x509 -noout -pubkey -in " + shellQuote(pem));
  auto privateKey = runCommand("openssl pkey -pubout -in " + shellQuote(key));
  CHECK(certificateKey.exitCode == 0);
  CHECK(certificateKey.output == privateKey.output);
}
