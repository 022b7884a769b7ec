// PAdES B-T, B-LT and B-LTA with a real RFC 3161 TSA and CRLs served over loopback HTTP.

#include "vanthu/signing/pades_levels.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <mutex>

#include "signing_fixture.h"
#include "vanthu/demo/sample_documents.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/long_term_validation.h"
#include "vanthu/signing/timestamp_authority.h"
#include "vanthu/signing/timestamp_server.h"

using namespace vanthu;
using namespace vanthu::signing;
using vanthu::test::readFile;
using vanthu::test::runCommand;
using vanthu::test::shellQuote;
namespace fs = std::filesystem;

namespace {

// Serves fixed bodies by path: the CAs' CRLs, where the certificates say they are.
class StaticFiles {
 public:
  StaticFiles() : socket_(0) {
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket_,
                                                      new Poco::Net::HTTPServerParams);
    server_->start();
  }
  ~StaticFiles() { server_->stopAll(true); }
  std::string baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/";
  }
  void put(const std::string& path, const std::string& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    files_[path] = body;
  }

 private:
  struct Handler : Poco::Net::HTTPRequestHandler {
    explicit Handler(StaticFiles& files) : files_(files) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      {
        std::lock_guard<std::mutex> lock(files_.mutex_);
        auto found = files_.files_.find(request.getURI());
        if (found == files_.files_.end()) {
          response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
          response.send();
          return;
        }
        body = found->second;
      }
      response.setContentType("application/pkix-crl");
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      response.send() << body;
    }
    StaticFiles& files_;
  };
  struct Factory : Poco::Net::HTTPRequestHandlerFactory {
    explicit Factory(StaticFiles& files) : files_(files) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(files_);
    }
    StaticFiles& files_;
  };

  Poco::Net::ServerSocket socket_;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::mutex mutex_;
  std::map<std::string, std::string> files_;
};

struct Fixture {
  test::TempDir dir;
  StaticFiles http;
  test::SigningPki pki{dir.path(), http.baseUrl()};
  std::unique_ptr<TimestampAuthority> authority;
  std::unique_ptr<TimestampServer> tsa;
  std::unique_ptr<HttpFetcher> fetcher = makeHttpFetcher();
  std::unique_ptr<HttpTimeStamper> stamper;
  LevelServices services;

  Fixture() {
    auto crls = pki.crls();
    http.put("/root.crl", crls[0]);
    http.put("/ca.crl", crls[1]);
    auto [certificate, key] = pki.timestampingCredential();
    TimestampAuthorityOptions options;
    options.chain = {signing::Certificate::fromPem(readFile(pki.caPem()))};
    authority = std::make_unique<TimestampAuthority>(certificate, key, options);
    tsa = std::make_unique<TimestampServer>(*authority);
    tsa->start();
    stamper = std::make_unique<HttpTimeStamper>(tsa->url(), *fetcher);
    services.timeStamper = stamper.get();
    services.fetcher = fetcher.get();
    services.trustAnchors = {signing::Certificate::fromPem(readFile(pki.rootPem()))};
    fs::create_directories(dir / "samples");
    demo::writeSampleDocuments(dir / "samples");
  }
};

std::string show(const fs::path& pdf, const std::string& path) {
  return runCommand("mutool show " + shellQuote(pdf.string()) + " " + path).output;
}

void checkStillValid(Fixture& f, const fs::path& pdf, size_t signatures) {
  INFO(pdf.string());
  CHECK(runCommand("qpdf --check " + shellQuote(pdf.string())).exitCode == 0);
  auto report = test::pdfsig(f.pki, pdf);
  INFO(report.output);
  size_t valid = 0;
  for (size_t at = 0; (at = report.output.find("Signature is Valid", at)) != std::string::npos;
       ++at) {
    ++valid;
  }
  CHECK(valid == signatures);
}

// The signature time-stamp token inside the first embedded CMS, verified by `openssl ts`.
void checkSignatureTimestamp(Fixture& f, const fs::path& pdf) {
  auto signatures = test::embeddedSignatures(readFile(pdf));
  REQUIRE_FALSE(signatures.empty());
  std::ofstream(f.dir / "cms.der", std::ios::binary) << signatures[0].cmsDer;
  auto dump = runCommand("openssl cms -cmsout -print -inform DER -in " +
                         shellQuote((f.dir / "cms.der").string()));
  CHECK(dump.output.find("id-smime-aa-timeStampToken") != std::string::npos);
}

}  // namespace

TEST_CASE("B-T: the CMS carries an RFC 3161 signature time-stamp", "[pdf][levels]") {
  Fixture f;
  auto key = f.pki.signer("Phạm Quốc Hùng", KeyAlgorithm::Rsa2048);
  auto out = f.dir / "b-t.pdf";
  signPdfAtLevel(f.dir / "samples" / "quyet-dinh.pdf", out, {}, *key, PadesLevel::BaselineT,
                 f.services);
  checkStillValid(f, out, 1);
  checkSignatureTimestamp(f, out);
  CHECK_FALSE(fs::exists(fs::path(out.string() + ".partial")));
}

TEST_CASE("B-LT adds a DSS with both chains and CRLs, B-LTA a document time-stamp",
          "[pdf][levels]") {
  Fixture f;
  auto key = f.pki.signer("Đỗ Minh Tuấn", KeyAlgorithm::EcP256);
  auto lt = f.dir / "b-lt.pdf";
  signPdfAtLevel(f.dir / "samples" / "ke-hoach.pdf", lt, {}, *key, PadesLevel::BaselineLT,
                 f.services);
  checkStillValid(f, lt, 1);
  checkSignatureTimestamp(f, lt);
  std::string dss = show(lt, "trailer/Root/DSS");
  INFO(dss);
  CHECK(dss.find("/Certs") != std::string::npos);
  CHECK(dss.find("/CRLs") != std::string::npos);
  CHECK(dss.find("/VRI") != std::string::npos);
  // The signer, the CA, the root and the TSA certificate.
  std::string certs = show(lt, "trailer/Root/DSS/Certs");
  size_t count = 0;
  for (size_t at = 0; (at = certs.find(" R", at)) != std::string::npos; ++at) ++count;
  CHECK(count == 4);

  auto lta = f.dir / "b-lta.pdf";
  signPdfAtLevel(f.dir / "samples" / "ke-hoach.pdf", lta, {}, *key, PadesLevel::BaselineLTA,
                 f.services);
  auto report = test::pdfsig(f.pki, lta);
  INFO(report.output);
  // pdfsig 22.12 lists the document time-stamp with the TSA as its signer (it cannot validate
  // ETSI.RFC3161 itself: openssl ts judges it below).
  auto second = report.output.find("Signature #2:");
  REQUIRE(second != std::string::npos);
  CHECK(report.output.find("Vanthu Test Time Stamping Authority", second) != std::string::npos);
  CHECK(report.output.find("Total document signed", second) != std::string::npos);
  CHECK(runCommand("qpdf --check " + shellQuote(lta.string())).exitCode == 0);
  // The document time-stamp verifies with openssl ts over its ByteRange.
  auto signatures = test::embeddedSignatures(readFile(lta));
  REQUIRE(signatures.size() == 2);
  std::ofstream(f.dir / "token.der", std::ios::binary) << signatures[1].cmsDer;
  std::ofstream(f.dir / "data.bin", std::ios::binary) << signatures[1].signedData;
  auto ts = runCommand(
      "openssl ts -verify -token_in -in " + shellQuote((f.dir / "token.der").string()) + " -data " +
      shellQuote((f.dir / "data.bin").string()) + " -CAfile " +
      shellQuote(f.pki.rootPem().string()) + " -untrusted " + shellQuote(f.pki.caPem().string()));
  INFO(ts.output);
  CHECK(ts.output.find("Verification: OK") != std::string::npos);
  CHECK(signedFieldNames(lta).size() == 2);
}

TEST_CASE("a B-B file is raised to B-LTA by appending", "[pdf][levels]") {
  Fixture f;
  auto key = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::Rsa2048);
  auto plain = f.dir / "b-b.pdf";
  signPdf(f.dir / "samples" / "quyet-dinh.pdf", plain, {}, *key);
  auto raised = f.dir / "raised.pdf";
  extendPdf(plain, raised, PadesLevel::BaselineLTA, f.services);
  std::string before = readFile(plain), after = readFile(raised);
  CHECK(after.compare(0, before.size(), before) == 0);
  CHECK(show(raised, "trailer/Root/DSS").find("/Certs") != std::string::npos);
  CHECK(signedFieldNames(raised).size() == 3);  // the signature and two document time-stamps
  CHECK(runCommand("qpdf --check " + shellQuote(raised.string())).exitCode == 0);
}

TEST_CASE("levels fail cleanly when a service is missing or down", "[pdf][levels][errors]") {
  Fixture f;
  auto key = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  auto out = f.dir / "out.pdf";
  LevelServices none;
  CHECK(vanthu::test::errorCodeOf([&] {
          signPdfAtLevel(f.dir / "samples" / "quyet-dinh.pdf", out, {}, *key, PadesLevel::BaselineT,
                         none);
        }) == ErrorCode::InvalidArgument);
  f.tsa->stop();
  CHECK(vanthu::test::errorCodeOf([&] {
          signPdfAtLevel(f.dir / "samples" / "quyet-dinh.pdf", out, {}, *key, PadesLevel::BaselineT,
                         f.services);
        }) == ErrorCode::IoFailure);
  CHECK_FALSE(fs::exists(out));
  for (const auto& entry : fs::directory_iterator(f.dir.path())) {
    CHECK(entry.path().filename().string().find("out.pdf") == std::string::npos);
  }
}

TEST_CASE("a revoked signing certificate is refused before signing", "[pdf][levels][errors]") {
  Fixture f;
  auto key = f.pki.signer("Người Bị Thu Hồi", KeyAlgorithm::EcP256);
  f.pki.ca().revoke(key->certificate(), std::chrono::system_clock::now() - std::chrono::hours(1),
                    RevocationReason::KeyCompromise);
  f.http.put("/ca.crl", f.pki.crls()[1]);
  try {
    checkSigningCertificate(key->certificate(), key->chain(), std::chrono::system_clock::now(),
                            f.fetcher.get(), RevocationCheck::BestEffort);
    FAIL("a revoked certificate passed the check");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::CertificateInvalid);
    CHECK(std::string(e.what()).find("revoked") != std::string::npos);
  }
  // A certificate that is good passes; an unreachable service is only a warning in best effort.
  auto good = f.pki.signer("Hoàng Thị Mai", KeyAlgorithm::EcP256);
  CHECK(checkSigningCertificate(good->certificate(), good->chain(),
                                std::chrono::system_clock::now(), f.fetcher.get(),
                                RevocationCheck::BestEffort)
            .empty());
  CHECK_THROWS_AS(checkSigningCertificate(good->certificate(), good->chain(),
                                          good->certificate().notAfter() + std::chrono::hours(1),
                                          nullptr, RevocationCheck::Off),
                  Error);
}
