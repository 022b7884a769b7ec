#include "vanthu/signing/revocation.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <openssl/ocsp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"
#include "vanthu/signing/http_fetcher.h"

using namespace std::chrono_literals;
using vanthu::ErrorCode;
using vanthu::signing::Certificate;
using vanthu::signing::CertificateAuthority;
using vanthu::signing::CertificateProfile;
using vanthu::signing::CertificateRequest;
using vanthu::signing::CrlClient;
using vanthu::signing::DistinguishedName;
using vanthu::signing::HttpFetcher;
using vanthu::signing::KeyAlgorithm;
using vanthu::signing::OcspClient;
using vanthu::signing::OcspResult;
using vanthu::signing::PrivateKey;
using vanthu::signing::RevocationReason;
using vanthu::signing::RevocationStatus;
using vanthu::signing::TimePoint;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
using vanthu::test::TempDir;

using vanthu::test::writeText;

namespace {

constexpr auto kDay = std::chrono::hours(24);

TimePoint now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

ErrorCode errorCodeOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const vanthu::Error& error) {
    INFO(error.what());
    return error.code();
  }
  return ErrorCode::Unknown;
}

std::string errorMessageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const vanthu::Error& error) {
    return error.what();
  }
  return "";
}

// A TCP port nobody listens on (bound once by us and closed again).
int closedPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = socket.address().port();
  socket.close();
  return port;
}

// YYMMDDHHMMSSZ, as `openssl ca` writes its index.
std::string indexTime(TimePoint point) {
  std::time_t t = std::chrono::system_clock::to_time_t(point);
  std::tm parts{};
  gmtime_r(&t, &parts);
  char text[16];
  REQUIRE(std::strftime(text, sizeof text, "%y%m%d%H%M%SZ", &parts) == 13);
  return text;
}

// --- a child process that never outlives the test -------------------------------------------

class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> arguments, const std::filesystem::path& log)
      : arguments_(std::move(arguments)) {
    // Everything the child needs is prepared before fork: between fork and exec only
    // async-signal-safe calls are allowed (Poco's server threads may hold locks).
    std::vector<char*> argv;
    for (auto& argument : arguments_) argv.push_back(argument.data());
    argv.push_back(nullptr);
    std::string logPath = log.string();
    pid_t parent = getpid();
    pid_ = fork();
    if (pid_ == 0) {
      // Killed with us even if the test crashes before the destructor runs.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(127);
      int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
      }
      execvp(argv[0], argv.data());
      _exit(127);
    }
    REQUIRE(pid_ > 0);
  }
  ~ChildProcess() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool running() const { return waitpid(pid_, nullptr, WNOHANG) == 0; }

 private:
  std::vector<std::string> arguments_;
  pid_t pid_ = -1;
};

// --- the judge: a real `openssl ocsp` responder ---------------------------------------------

struct IndexEntry {
  Certificate certificate;
  std::optional<TimePoint> revokedAt;
};

// `openssl ocsp -index` on a port the kernel picks. OpenSSL 3.0's -port takes only a number
// (no host), so it listens on every interface; it prints "ACCEPT [::]:PORT" once it listens.
class OcspResponder {
 public:
  OcspResponder(const TempDir& dir, const std::string& name, const Certificate& ca,
                const Certificate& signer, const PrivateKey& signerKey,
                const std::vector<IndexEntry>& entries) {
    std::string index;
    for (const auto& entry : entries) {
      const Certificate& cert = entry.certificate;
      index += std::string(entry.revokedAt ? "R" : "V") + "\t" + indexTime(cert.notAfter()) + "\t" +
               (entry.revokedAt ? indexTime(*entry.revokedAt) : "") + "\t" + cert.serialHex() +
               "\tunknown\t/CN=" + name + "-" + cert.serialHex() + "\n";
    }
    writeText(dir / (name + ".index.txt"), index);
    writeText(dir / (name + ".ca.pem"), ca.toPem());
    writeText(dir / (name + ".signer.pem"), signer.toPem());
    writeText(dir / (name + ".signer.key"), signerKey.toPem());
    auto log = dir / (name + ".log");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            "openssl", "ocsp", "-index", (dir / (name + ".index.txt")).string(), "-port", "0",
            "-rsigner", (dir / (name + ".signer.pem")).string(), "-rkey",
            (dir / (name + ".signer.key")).string(), "-CA", (dir / (name + ".ca.pem")).string(),
            "-nmin", "10", "-nrequest", "200", "-ignore_err"},
        log);
    for (int attempt = 0; attempt < 200 && port_ == 0; ++attempt) {
      std::this_thread::sleep_for(25ms);
      std::string text = readFile(log);
      auto accept = text.find("ACCEPT ");
      auto end = text.find(' ', accept + 7);
      if (accept == std::string::npos || end == std::string::npos) {
        REQUIRE(process_->running());
        continue;
      }
      std::string address = text.substr(accept + 7, end - accept - 7);
      port_ = std::stoi(address.substr(address.rfind(':') + 1));
    }
    INFO(readFile(log));
    REQUIRE(port_ > 0);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  std::unique_ptr<ChildProcess> process_;
  int port_ = 0;
};

// --- a tiny HTTP server: CRL files, canned answers, and a relay to the responder ------------

struct Reply {
  int status = 200;
  std::string contentType = "application/octet-stream";
  std::string body;
  std::string relayTo;  ///< POST the request body there and answer with its response
};

class TestHttpServer {
 public:
  TestHttpServer() {
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket,
                                                      new Poco::Net::HTTPServerParams);
    server_->start();
  }
  ~TestHttpServer() { server_->stopAll(true); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  void set(const std::string& path, Reply reply) {
    std::lock_guard<std::mutex> lock(mutex_);
    replies_[path] = std::move(reply);
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(TestHttpServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      Reply reply = server_.find(request.getURI());
      if (!reply.relayTo.empty()) {
        auto relayed =
            vanthu::signing::makeHttpFetcher()->post(reply.relayTo, request.getContentType(), body);
        reply.status = relayed.status;
        reply.contentType = relayed.contentType;
        reply.body = relayed.body;
      }
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
      response.setContentType(reply.contentType);
      response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
      response.send() << reply.body;
    }

   private:
    TestHttpServer& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(TestHttpServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    TestHttpServer& server_;
  };

  Reply find(const std::string& path) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = replies_.find(path);
    if (found == replies_.end()) return Reply{404, "text/plain", "not found", ""};
    return found->second;
  }

  std::mutex mutex_;
  std::map<std::string, Reply> replies_;
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

// --- the PKI --------------------------------------------------------------------------------

DistinguishedName caName(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Vanthu Test PKI"}, {"CN", commonName}}};
}

DistinguishedName agencyName(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Ủy ban nhân dân tỉnh Thái Nguyên"}, {"CN", commonName}}};
}

CertificateRequest request(CertificateProfile profile, const std::string& commonName,
                           TimePoint start, std::string crlUrl = "", std::string ocspUrl = "") {
  CertificateRequest r;
  r.subject = agencyName(commonName);
  r.profile = profile;
  r.notBefore = start - kDay;
  r.notAfter = start + 365 * kDay;
  r.crlUrl = std::move(crlUrl);
  r.ocspUrl = std::move(ocspUrl);
  return r;
}

// root -> CA -> {good leaf, revoked leaf, delegated OCSP responder}. The CA's certificate points
// at the root's CRL; the leaves at the CA's CRL and at /ocsp, which the HTTP server relays to a
// real `openssl ocsp` signing with the delegated responder certificate.
struct RevocationPki {
  TempDir dir;
  TestHttpServer http;
  TimePoint start = now();
  TimePoint revokedAt = start - 1h;
  CertificateAuthority root = CertificateAuthority::createRoot(
      caName("Test Root CA"), PrivateKey::generate(KeyAlgorithm::EcP256), start - kDay,
      start + 3650 * kDay);
  CertificateAuthority ca =
      root.createSubordinate(request(CertificateProfile::IntermediateCa, "Test Issuing CA", start,
                                     http.url("/crl/root.crl")),
                             PrivateKey::generate(KeyAlgorithm::EcP256));
  PrivateKey responderKey = PrivateKey::generate(KeyAlgorithm::EcP256);
  Certificate responderCert = ca.issue(
      request(CertificateProfile::OcspSigning, "Test OCSP Responder", start), responderKey);
  Certificate goodLeaf = issueLeaf("Nguyễn Văn An", http.url("/crl/ca.crl"), http.url("/ocsp"));
  Certificate revokedLeaf = issueLeaf("Trần Thị Bình", http.url("/crl/ca.crl"), http.url("/ocsp"));
  // Made once: ECDSA signatures differ each time.
  std::string rootCrlDer = root.crlDer(start - 1h, start + 7 * kDay);
  std::unique_ptr<OcspResponder> responder;

  RevocationPki() {
    ca.revoke(revokedLeaf, revokedAt, RevocationReason::KeyCompromise);
    // DER for the root's CRL, PEM for the CA's: the client takes both.
    http.set("/crl/root.crl", {200, "application/pkix-crl", rootCrl(), ""});
    http.set("/crl/ca.crl",
             {200, "application/x-pem-file", ca.crlPem(start - 1h, start + 7 * kDay), ""});
    responder = std::make_unique<OcspResponder>(dir, "delegated", ca.certificate(), responderCert,
                                                responderKey, indexEntries());
    http.set("/ocsp", {200, "", "", responder->url()});
  }

  Certificate issueLeaf(const std::string& name, const std::string& crlUrl,
                        const std::string& ocspUrl) {
    return ca.issue(request(CertificateProfile::PersonalSigner, name, start, crlUrl, ocspUrl),
                    PrivateKey::generate(KeyAlgorithm::EcP256));
  }
  const std::string& rootCrl() const { return rootCrlDer; }
  std::vector<IndexEntry> indexEntries() const {
    return {{goodLeaf, std::nullopt}, {revokedLeaf, revokedAt}, {responderCert, std::nullopt}};
  }
  const Certificate& caCert() const { return ca.certificate(); }
};

struct Clients {
  std::unique_ptr<HttpFetcher> fetcher =
      vanthu::signing::makeHttpFetcher({std::chrono::milliseconds(5000), 1u << 20});
  OcspClient ocsp{*fetcher};
  CrlClient crl{*fetcher};
};

bool contains(const std::vector<Certificate>& certificates, const Certificate& certificate) {
  for (const auto& cert : certificates) {
    if (cert == certificate) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("revocation: reads the CRL and OCSP pointers of a certificate", "[revocation]") {
  RevocationPki pki;
  CHECK(vanthu::signing::crlDistributionPointUrls(pki.goodLeaf) ==
        std::vector<std::string>{pki.http.url("/crl/ca.crl")});
  CHECK(vanthu::signing::ocspResponderUrls(pki.goodLeaf) ==
        std::vector<std::string>{pki.http.url("/ocsp")});
  CHECK(vanthu::signing::crlDistributionPointUrls(pki.caCert()) ==
        std::vector<std::string>{pki.http.url("/crl/root.crl")});
  CHECK(vanthu::signing::ocspResponderUrls(pki.caCert()).empty());
  CHECK(vanthu::signing::crlDistributionPointUrls(pki.root.certificate()).empty());
  CHECK(vanthu::signing::ocspResponderUrls(pki.root.certificate()).empty());
  CHECK(vanthu::signing::revocationStatusName(RevocationStatus::Revoked) == "revoked");
}

TEST_CASE("revocation: OCSP against a real openssl responder (delegated responder)",
          "[revocation]") {
  RevocationPki pki;
  Clients clients;

  SECTION("a good certificate is good, and openssl reads the response") {
    OcspResult result = clients.ocsp.check(pki.goodLeaf, pki.caCert());
    CHECK(result.status == RevocationStatus::Good);
    CHECK_FALSE(result.revocationTime);
    CHECK(result.thisUpdate <= now() + 1s);
    CHECK(result.thisUpdate >= pki.start - 1min);
    CHECK(result.producedAt >= pki.start - 1min);
    REQUIRE(result.nextUpdate);  // -nmin 10
    CHECK(*result.nextUpdate > result.thisUpdate);
    CHECK(contains(result.responderCertificates, pki.responderCert));

    writeText(pki.dir / "resp.der", result.responseDer);
    writeText(pki.dir / "root.pem", pki.root.certificate().toPem());
    writeText(pki.dir / "ca.pem", pki.caCert().toPem());
    writeText(pki.dir / "leaf.pem", pki.goodLeaf.toPem());
    // -no_nonce: the judge builds its own request from -issuer/-cert; our nonce is not in it.
    auto judge =
        runCommand("openssl ocsp -no_nonce -respin " + shellQuote(pki.dir / "resp.der") +
                   " -resp_text -CAfile " + shellQuote(pki.dir / "root.pem") + " -verify_other " +
                   shellQuote(pki.dir / "ca.pem") + " -issuer " + shellQuote(pki.dir / "ca.pem") +
                   " -cert " + shellQuote(pki.dir / "leaf.pem"));
    INFO(judge.output);
    CHECK(judge.exitCode == 0);
    CHECK(judge.output.find("Response verify OK") != std::string::npos);
    CHECK(judge.output.find("leaf.pem: good") != std::string::npos);
  }

  SECTION("a revoked certificate is revoked, with its revocation time") {
    OcspResult result = clients.ocsp.check(pki.revokedLeaf, pki.caCert());
    CHECK(result.status == RevocationStatus::Revoked);
    REQUIRE(result.revocationTime);
    CHECK(*result.revocationTime == pki.revokedAt);
  }

  SECTION("an explicit URL overrides the AIA") {
    // Straight to the responder, not through the relay the AIA names.
    OcspResult result = clients.ocsp.check(pki.goodLeaf, pki.caCert(), pki.responder->url());
    CHECK(result.status == RevocationStatus::Good);
  }

  SECTION("a response without a nonce is accepted; a replayed one is not") {
    writeText(pki.dir / "ca.pem", pki.caCert().toPem());
    writeText(pki.dir / "leaf.pem", pki.goodLeaf.toPem());
    auto fetched =
        runCommand("openssl ocsp -no_nonce -issuer " + shellQuote(pki.dir / "ca.pem") + " -cert " +
                   shellQuote(pki.dir / "leaf.pem") + " -url " + pki.responder->url() +
                   " -noverify -respout " + shellQuote(pki.dir / "nononce.der"));
    INFO(fetched.output);
    REQUIRE(fetched.exitCode == 0);
    pki.http.set("/no-nonce",
                 {200, "application/ocsp-response", readFile(pki.dir / "nononce.der"), ""});
    CHECK(clients.ocsp.check(pki.goodLeaf, pki.caCert(), pki.http.url("/no-nonce")).status ==
          RevocationStatus::Good);

    // An earlier answer, carrying the nonce of an earlier request: what a replay looks like.
    OcspResult earlier = clients.ocsp.check(pki.goodLeaf, pki.caCert());
    pki.http.set("/replay", {200, "application/ocsp-response", earlier.responseDer, ""});
    CHECK(errorCodeOf([&] {
            clients.ocsp.check(pki.goodLeaf, pki.caCert(), pki.http.url("/replay"));
          }) == ErrorCode::CryptoFailure);
  }

  SECTION("a response about another certificate is refused") {
    // The answer for the good leaf, offered for the revoked one (the nonce is absent, so only
    // the CertID tells them apart).
    writeText(pki.dir / "ca.pem", pki.caCert().toPem());
    writeText(pki.dir / "leaf.pem", pki.goodLeaf.toPem());
    auto fetched =
        runCommand("openssl ocsp -no_nonce -issuer " + shellQuote(pki.dir / "ca.pem") + " -cert " +
                   shellQuote(pki.dir / "leaf.pem") + " -url " + pki.responder->url() +
                   " -noverify -respout " + shellQuote(pki.dir / "good.der"));
    REQUIRE(fetched.exitCode == 0);
    pki.http.set("/other", {200, "application/ocsp-response", readFile(pki.dir / "good.der"), ""});
    CHECK(errorCodeOf([&] {
            clients.ocsp.check(pki.revokedLeaf, pki.caCert(), pki.http.url("/other"));
          }) == ErrorCode::CryptoFailure);
  }
}

TEST_CASE("revocation: OCSP signed by the CA itself is accepted", "[revocation]") {
  RevocationPki pki;
  Clients clients;
  OcspResponder byCa(pki.dir, "ca-signed", pki.caCert(), pki.caCert(), pki.ca.key(),
                     pki.indexEntries());
  OcspResult result = clients.ocsp.check(pki.revokedLeaf, pki.caCert(), byCa.url());
  CHECK(result.status == RevocationStatus::Revoked);
  CHECK(contains(result.responderCertificates, pki.caCert()));
}

TEST_CASE("revocation: OCSP responders the CA did not authorise are refused", "[revocation]") {
  RevocationPki pki;
  Clients clients;

  SECTION("a responder certificate from an unrelated CA") {
    auto rogueRoot = CertificateAuthority::createRoot(caName("Rogue CA"),
                                                      PrivateKey::generate(KeyAlgorithm::EcP256),
                                                      pki.start - kDay, pki.start + 30 * kDay);
    auto rogueKey = PrivateKey::generate(KeyAlgorithm::EcP256);
    auto rogueCert = rogueRoot.issue(
        request(CertificateProfile::OcspSigning, "Rogue OCSP", pki.start), rogueKey);
    OcspResponder rogue(pki.dir, "rogue", pki.caCert(), rogueCert, rogueKey, pki.indexEntries());
    CHECK(errorCodeOf([&] { clients.ocsp.check(pki.goodLeaf, pki.caCert(), rogue.url()); }) ==
          ErrorCode::CryptoFailure);
  }

  SECTION("a certificate of the CA without the OCSPSigning extended key usage") {
    auto signerKey = PrivateKey::generate(KeyAlgorithm::EcP256);
    auto signerCert = pki.ca.issue(request(CertificateProfile::PersonalSigner, "Not A Responder",
                                           pki.start, pki.http.url("/crl/ca.crl")),
                                   signerKey);
    OcspResponder wrong(pki.dir, "no-eku", pki.caCert(), signerCert, signerKey, pki.indexEntries());
    CHECK(errorCodeOf([&] { clients.ocsp.check(pki.goodLeaf, pki.caCert(), wrong.url()); }) ==
          ErrorCode::CryptoFailure);
  }

  SECTION("the CA's responder asked about a certificate of another issuer") {
    // The CA certificate (issued by the root) sent to the CA's responder: it answers "unknown",
    // signed by a responder the root never authorised.
    CHECK(errorCodeOf([&] {
            clients.ocsp.check(pki.caCert(), pki.root.certificate(), pki.responder->url());
          }) == ErrorCode::CryptoFailure);
  }
}

TEST_CASE("revocation: OCSP transport and protocol failures", "[revocation]") {
  RevocationPki pki;
  Clients clients;
  auto check = [&](const std::string& url) {
    return errorCodeOf([&] { clients.ocsp.check(pki.goodLeaf, pki.caCert(), url); });
  };

  CHECK(check("http://127.0.0.1:" + std::to_string(closedPort()) + "/") == ErrorCode::IoFailure);

  pki.http.set("/500", {500, "text/plain", "boom", ""});
  CHECK(check(pki.http.url("/500")) == ErrorCode::CryptoFailure);

  pki.http.set("/garbage", {200, "application/ocsp-response", "this is not DER", ""});
  CHECK(check(pki.http.url("/garbage")) == ErrorCode::CryptoFailure);
  CHECK(check(pki.http.url("/missing")) == ErrorCode::CryptoFailure);  // HTTP 404

  std::unique_ptr<OCSP_RESPONSE, decltype(&OCSP_RESPONSE_free)> tryLater(
      OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, nullptr), OCSP_RESPONSE_free);
  REQUIRE(tryLater);
  int length = i2d_OCSP_RESPONSE(tryLater.get(), nullptr);
  REQUIRE(length > 0);
  std::string der(static_cast<size_t>(length), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  REQUIRE(i2d_OCSP_RESPONSE(tryLater.get(), &out) == length);
  pki.http.set("/try-later", {200, "application/ocsp-response", der, ""});
  CHECK(check(pki.http.url("/try-later")) == ErrorCode::CryptoFailure);
  CHECK(errorMessageOf([&] {
          clients.ocsp.check(pki.goodLeaf, pki.caCert(), pki.http.url("/try-later"));
        }).find("tryLater") != std::string::npos);

  // The CA certificate names no OCSP responder.
  CHECK(errorCodeOf([&] { clients.ocsp.check(pki.caCert(), pki.root.certificate()); }) ==
        ErrorCode::NotFound);

  // Nonce mismatch from a live responder cannot be provoked with `openssl ocsp`; the replay case
  // in the test above covers the same check with a recorded answer.
}

TEST_CASE("revocation: CRLs are fetched, verified and read", "[revocation]") {
  RevocationPki pki;
  Clients clients;

  SECTION("PEM from the CA's distribution point, DER from the root's") {
    auto caCrl = clients.crl.fetch(pki.goodLeaf, pki.caCert());
    CHECK(caCrl.thisUpdate == pki.start - 1h);
    REQUIRE(caCrl.nextUpdate);
    CHECK(*caCrl.nextUpdate == pki.start + 7 * kDay);
    CHECK(vanthu::signing::crlStatus(caCrl.crlDer, pki.goodLeaf) == RevocationStatus::Good);
    CHECK(vanthu::signing::crlStatus(caCrl.crlDer, pki.revokedLeaf) == RevocationStatus::Revoked);
    // The CA's CRL says nothing about the CA's own certificate (the root's CRL does).
    CHECK(vanthu::signing::crlStatus(caCrl.crlDer, pki.caCert()) == RevocationStatus::Unknown);

    writeText(pki.dir / "ca.crl", caCrl.crlDer);
    auto judge =
        runCommand("openssl crl -inform DER -noout -text -in " + shellQuote(pki.dir / "ca.crl"));
    INFO(judge.output);
    CHECK(judge.exitCode == 0);
    CHECK(judge.output.find(pki.revokedLeaf.serialHex()) != std::string::npos);

    auto rootCrl = clients.crl.fetch(pki.caCert(), pki.root.certificate());
    CHECK(rootCrl.crlDer == pki.rootCrl());
    CHECK(vanthu::signing::crlStatus(rootCrl.crlDer, pki.caCert()) == RevocationStatus::Good);
  }

  SECTION("a CRL signed by another key under the same name is refused") {
    auto impostor = CertificateAuthority::createRoot(agencyName("Test Issuing CA"),
                                                     PrivateKey::generate(KeyAlgorithm::EcP256),
                                                     pki.start - kDay, pki.start + 30 * kDay);
    REQUIRE(impostor.certificate().subjectText() == pki.caCert().subjectText());
    pki.http.set("/crl/impostor.crl",
                 {200, "", impostor.crlDer(pki.start - 1h, pki.start + kDay), ""});
    auto leaf = pki.issueLeaf("Lê Văn Cường", pki.http.url("/crl/impostor.crl"), "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(leaf, pki.caCert()); }) == ErrorCode::CryptoFailure);
  }

  SECTION("a CRL of another CA is refused") {
    pki.http.set("/crl/other.crl", {200, "", pki.rootCrl(), ""});
    auto leaf = pki.issueLeaf("Lê Văn Cường", pki.http.url("/crl/other.crl"), "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(leaf, pki.caCert()); }) == ErrorCode::CryptoFailure);
  }

  SECTION("an expired CRL is refused") {
    pki.http.set("/crl/old.crl",
                 {200, "", pki.ca.crlDer(pki.start - 10 * kDay, pki.start - 5 * kDay), ""});
    auto leaf = pki.issueLeaf("Lê Văn Cường", pki.http.url("/crl/old.crl"), "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(leaf, pki.caCert()); }) == ErrorCode::CryptoFailure);
  }

  SECTION("HTTP errors, garbage, unreachable servers and missing pointers") {
    auto missing = pki.issueLeaf("A", pki.http.url("/crl/missing.crl"), "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(missing, pki.caCert()); }) ==
          ErrorCode::CryptoFailure);
    pki.http.set("/crl/garbage.crl", {200, "", "-----BEGIN X509 CRL-----\nnope\n", ""});
    auto garbage = pki.issueLeaf("B", pki.http.url("/crl/garbage.crl"), "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(garbage, pki.caCert()); }) ==
          ErrorCode::CryptoFailure);
    auto down =
        pki.issueLeaf("C", "http://127.0.0.1:" + std::to_string(closedPort()) + "/ca.crl", "");
    CHECK(errorCodeOf([&] { clients.crl.fetch(down, pki.caCert()); }) == ErrorCode::IoFailure);
    CHECK(errorCodeOf([&] { clients.crl.fetch(pki.root.certificate(), pki.root.certificate()); }) ==
          ErrorCode::NotFound);
    CHECK(errorCodeOf([&] { vanthu::signing::crlStatus("not a CRL", pki.goodLeaf); }) ==
          ErrorCode::InvalidArgument);
  }
}

TEST_CASE("revocation: validation material for a whole chain", "[revocation]") {
  RevocationPki pki;
  Clients clients;
  const Certificate& root = pki.root.certificate();

  SECTION("OCSP for the leaf, the root's CRL for the CA") {
    auto material = vanthu::signing::collectValidationMaterial({pki.goodLeaf, pki.caCert(), root},
                                                               clients.ocsp, clients.crl);
    CHECK(material.certificates.size() == 4);
    CHECK(material.certificates[0] == pki.goodLeaf);
    CHECK(contains(material.certificates, pki.caCert()));
    CHECK(contains(material.certificates, root));
    CHECK(contains(material.certificates, pki.responderCert));
    REQUIRE(material.ocspResponses.size() == 1);
    REQUIRE(material.crls.size() == 1);
    CHECK(material.crls[0] == pki.rootCrl());
    REQUIRE(material.statuses.size() == 2);
    CHECK(material.statuses[0] ==
          std::make_pair(pki.goodLeaf.subjectText(), RevocationStatus::Good));
    CHECK(material.statuses[1] ==
          std::make_pair(pki.caCert().subjectText(), RevocationStatus::Good));
    CHECK(material.warnings.empty());

    writeText(pki.dir / "resp.der", material.ocspResponses[0]);
    auto judge =
        runCommand("openssl ocsp -noverify -resp_text -respin " + shellQuote(pki.dir / "resp.der"));
    INFO(judge.output);
    CHECK(judge.exitCode == 0);
    CHECK(judge.output.find("Cert Status: good") != std::string::npos);
  }

  SECTION("a revoked leaf is reported, not thrown") {
    auto material = vanthu::signing::collectValidationMaterial(
        {pki.revokedLeaf, pki.caCert(), root}, clients.ocsp, clients.crl);
    REQUIRE(material.statuses.size() == 2);
    CHECK(material.statuses[0].second == RevocationStatus::Revoked);
    CHECK(material.ocspResponses.size() == 1);
  }

  SECTION("CRLs only when OCSP is not preferred") {
    auto material = vanthu::signing::collectValidationMaterial(
        {pki.revokedLeaf, pki.caCert(), root}, clients.ocsp, clients.crl, false);
    CHECK(material.ocspResponses.empty());
    CHECK(material.crls.size() == 2);
    CHECK(material.certificates.size() == 3);
    REQUIRE(material.statuses.size() == 2);
    CHECK(material.statuses[0].second == RevocationStatus::Revoked);
  }

  SECTION("a dead OCSP responder falls back to the CRL, with a warning") {
    auto leaf = pki.issueLeaf("Lê Văn Cường", pki.http.url("/crl/ca.crl"),
                              "http://127.0.0.1:" + std::to_string(closedPort()) + "/");
    auto material = vanthu::signing::collectValidationMaterial({leaf, pki.caCert(), root},
                                                               clients.ocsp, clients.crl);
    CHECK(material.ocspResponses.empty());
    CHECK(material.crls.size() == 2);
    REQUIRE(material.statuses.size() == 2);
    CHECK(material.statuses[0].second == RevocationStatus::Good);
    CHECK(material.warnings.size() == 1);
  }

  SECTION("bad chains and certificates without revocation pointers") {
    CHECK(errorCodeOf([&] {
            vanthu::signing::collectValidationMaterial({}, clients.ocsp, clients.crl);
          }) == ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([&] {
            vanthu::signing::collectValidationMaterial({pki.goodLeaf, root, pki.caCert()},
                                                       clients.ocsp, clients.crl);
          }) == ErrorCode::InvalidArgument);
    CHECK(errorCodeOf([&] {
            vanthu::signing::collectValidationMaterial({pki.responderCert, pki.caCert(), root},
                                                       clients.ocsp, clients.crl);
          }) == ErrorCode::NotFound);
    auto unreachable =
        pki.issueLeaf("D", "http://127.0.0.1:" + std::to_string(closedPort()) + "/ca.crl", "");
    CHECK(errorCodeOf([&] {
            vanthu::signing::collectValidationMaterial({unreachable, pki.caCert(), root},
                                                       clients.ocsp, clients.crl);
          }) == ErrorCode::IoFailure);
  }
}
