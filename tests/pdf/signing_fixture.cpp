#include "signing_fixture.h"

#include <openssl/evp.h>

#include <fstream>
#include <regex>

namespace vanthu::test {
namespace {

constexpr auto kDay = std::chrono::hours(24);

void write(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

signing::DistinguishedName name(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", "Vanthu Test PKI"}, {"CN", commonName}}};
}

}  // namespace

std::string InMemoryKey::signDigest(const std::string& digest, signing::DigestAlgorithm algorithm) {
  ++operations;
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new(key_.nativeHandle(), nullptr);
  const EVP_MD* md = algorithm == signing::DigestAlgorithm::Sha512   ? EVP_sha512()
                     : algorithm == signing::DigestAlgorithm::Sha384 ? EVP_sha384()
                                                                     : EVP_sha256();
  size_t length = 0;
  std::string signature;
  if (context != nullptr && EVP_PKEY_sign_init(context) == 1 &&
      EVP_PKEY_CTX_set_signature_md(context, md) == 1 &&
      EVP_PKEY_sign(context, nullptr, &length,
                    reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) == 1) {
    signature.resize(length);
    if (EVP_PKEY_sign(context, reinterpret_cast<unsigned char*>(signature.data()), &length,
                      reinterpret_cast<const unsigned char*>(digest.data()), digest.size()) != 1) {
      signature.clear();
    }
    signature.resize(length);
  }
  EVP_PKEY_CTX_free(context);
  if (signature.empty()) throw Error(ErrorCode::CryptoFailure, "test key failed to sign");
  return signature;
}

SigningPki::SigningPki(const std::filesystem::path& dir, const std::string& baseUrl)
    : baseUrl_(baseUrl), dir_(dir) {
  auto now = std::chrono::system_clock::now();
  root_ = std::make_unique<signing::CertificateAuthority>(signing::CertificateAuthority::createRoot(
      name("Vanthu Test Root CA"), signing::PrivateKey::generate(signing::KeyAlgorithm::Rsa2048),
      now - kDay, now + 3650 * kDay));
  signing::CertificateRequest request;
  request.subject = name("Vanthu Test Signing CA");
  request.profile = signing::CertificateProfile::IntermediateCa;
  request.notBefore = now - kDay;
  request.notAfter = now + 1825 * kDay;
  request.crlUrl = baseUrl_ + "root.crl";
  ca_ = std::make_unique<signing::CertificateAuthority>(root_->createSubordinate(
      request, signing::PrivateKey::generate(signing::KeyAlgorithm::EcP256)));
  rootPem_ = dir_ / "root.pem";
  caPem_ = dir_ / "ca.pem";
  write(rootPem_, root_->certificate().toPem());
  write(caPem_, ca_->certificate().toPem());
  std::filesystem::create_directories(dir_ / "nssdb");
  auto init = runCommand("certutil -N -d " + shellQuote(nssDatabase()) + " --empty-password");
  auto add = runCommand("certutil -A -d " + shellQuote(nssDatabase()) + " -n root -t CT,C,C -i " +
                        shellQuote(rootPem_.string()));
  if (init.exitCode != 0 || add.exitCode != 0) {
    throw std::runtime_error("cannot make the NSS database: " + init.output + add.output);
  }
}

std::unique_ptr<InMemoryKey> SigningPki::signer(const std::string& commonName,
                                                signing::KeyAlgorithm algorithm) {
  auto now = std::chrono::system_clock::now();
  auto key = signing::PrivateKey::generate(algorithm);
  signing::CertificateRequest request;
  request.subject = name(commonName);
  request.profile = signing::CertificateProfile::PersonalSigner;
  request.notBefore = now - kDay;
  request.notAfter = now + 365 * kDay;
  request.crlUrl = baseUrl_ + "ca.crl";
  request.ocspUrl = baseUrl_ + "ocsp";
  auto certificate = ca_->issue(request, key);
  return std::make_unique<InMemoryKey>(
      key, certificate,
      std::vector<signing::Certificate>{ca_->certificate(), root_->certificate()});
}

std::pair<signing::Certificate, signing::PrivateKey> SigningPki::timestampingCredential() {
  auto now = std::chrono::system_clock::now();
  auto key = signing::PrivateKey::generate(signing::KeyAlgorithm::Rsa2048);
  signing::CertificateRequest request;
  request.subject = name("Vanthu Test Time Stamping Authority");
  request.profile = signing::CertificateProfile::TimeStamping;
  request.notBefore = now - kDay;
  request.notAfter = now + 1825 * kDay;
  request.crlUrl = baseUrl_ + "ca.crl";
  return {ca_->issue(request, key), key};
}

std::vector<std::string> SigningPki::crls() const {
  auto now = std::chrono::system_clock::now();
  return {root_->crlDer(now - kDay, now + 30 * kDay), ca_->crlDer(now - kDay, now + 30 * kDay)};
}

std::vector<EmbeddedSignature> embeddedSignatures(const std::string& pdf) {
  std::vector<EmbeddedSignature> signatures;
  std::regex byteRange(R"(/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\])");
  for (auto it = std::sregex_iterator(pdf.begin(), pdf.end(), byteRange);
       it != std::sregex_iterator(); ++it) {
    EmbeddedSignature signature;
    for (int i = 1; i <= 4; ++i) signature.byteRange.push_back(std::stoull((*it)[i].str()));
    const auto& r = signature.byteRange;
    if (r[2] + r[3] > pdf.size() || r[1] + 1 >= r[2]) continue;
    std::string hexDigits = pdf.substr(r[1] + 1, r[2] - r[1] - 2);
    std::string der;
    for (size_t i = 0; i + 1 < hexDigits.size(); i += 2) {
      der.push_back(static_cast<char>(std::stoi(hexDigits.substr(i, 2), nullptr, 16)));
    }
    // Trim the zero padding: the DER says how long it is (30 82 LL LL or 30 83 LL LL LL).
    if (der.size() > 4 && static_cast<unsigned char>(der[0]) == 0x30) {
      auto b = [&](size_t i) { return static_cast<size_t>(static_cast<unsigned char>(der[i])); };
      size_t length = b(1) < 0x80    ? 2 + b(1)
                      : b(1) == 0x81 ? 3 + b(2)
                      : b(1) == 0x82 ? 4 + (b(2) << 8 | b(3))
                                     : 5 + (b(2) << 16 | b(3) << 8 | b(4));
      if (length <= der.size()) der.resize(length);
    }
    signature.cmsDer = der;
    signature.signedData = pdf.substr(0, r[1]) + pdf.substr(r[2], r[3]);
    signatures.push_back(std::move(signature));
  }
  return signatures;
}

CommandResult pdfsig(const SigningPki& pki, const std::filesystem::path& pdf) {
  return runCommand("pdfsig -no-ocsp -nssdir " + shellQuote(pki.nssDatabase()) + " " +
                    shellQuote(pdf.string()));
}

CommandResult opensslVerify(const SigningPki& pki, const EmbeddedSignature& signature,
                            const std::filesystem::path& scratch) {
  write(scratch / "sig.der", signature.cmsDer);
  write(scratch / "content.bin", signature.signedData);
  return runCommand("openssl cms -verify -binary -purpose any -inform DER -in " +
                    shellQuote((scratch / "sig.der").string()) + " -content " +
                    shellQuote((scratch / "content.bin").string()) + " -CAfile " +
                    shellQuote(pki.rootPem().string()) + " -out /dev/null");
}

}  // namespace vanthu::test
