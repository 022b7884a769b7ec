#include "vanthu/demo/demo_pki.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>
#include <sstream>
#include <utility>

#include "vanthu/storage/atomic_file.h"
#include "vanthu/workflow/error.h"

namespace vanthu::demo {

namespace {

using signing::Certificate;
using signing::CertificateAuthority;
using signing::CertificateProfile;
using signing::CertificateRequest;
using signing::DistinguishedName;
using signing::KeyAlgorithm;
using signing::PrivateKey;
using signing::RevocationReason;
using storage::writeFileAtomically;
using TimePoint = std::chrono::system_clock::time_point;

constexpr auto kDay = std::chrono::hours(24);
constexpr int kRootDays = 7305;          // 20 years
constexpr int kIssuingCaDays = 3652;     // 10 years
constexpr int kPersonDays = 730;         // 2 years
constexpr int kOrganisationDays = 1095;  // 3 years
constexpr int kServiceDays = 1826;       // 5 years (TSA, OCSP responder)
constexpr int kCrlDays = 30;
const char* const kPkiOrganisation = "Vanthu Demo PKI";
const char* const kCitizenId = "congdan";

[[noreturn]] void throwInvalid(const std::string& message) {
  throw Error(ErrorCode::InvalidArgument, message);
}

void makeDirectory(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::create_directories(path, error);
  if (error) {
    throw Error(ErrorCode::IoFailure, "cannot create " + path.string() + ": " + error.message());
  }
}

bool isSafeId(const std::string& id) {
  if (id.empty() || id.front() == '.' || id.front() == '-') return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

void validate(const DemoPkiOptions& options, const std::filesystem::path& dir) {
  if (options.pkcs12Password.empty()) throwInvalid("the demo PKCS#12 password is empty");
  if (options.baseUrl.empty()) throwInvalid("the demo PKI base URL is empty");
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throwInvalid("the demo PKI directory " + dir.string() + " does not exist");
  }
  if (!std::filesystem::is_empty(dir, error) || error) {
    throwInvalid("the demo PKI directory " + dir.string() + " is not empty");
  }
  std::set<std::string> ids = {kCitizenId, std::string(kCitizenId) + "-old", "tsa", "ocsp"};
  bool havePerson = false;
  for (const auto& subject : options.subjects) {
    if (!isSafeId(subject.id)) {
      throwInvalid("the demo subject id '" + subject.id +
                   "' is not a safe file name (letters, digits, '.', '_', '-')");
    }
    if (!ids.insert(subject.id).second) {
      throwInvalid("the demo subject id '" + subject.id + "' is used twice or reserved");
    }
    if (subject.kind == DemoCredentialKind::Unknown) {
      throwInvalid("the demo subject '" + subject.id + "' has no kind");
    }
    if (subject.commonName.empty() || subject.organisation.empty()) {
      throwInvalid("the demo subject '" + subject.id + "' needs a common name and organisation");
    }
    if (subject.key == KeyAlgorithm::Unknown) {
      throwInvalid("the demo subject '" + subject.id + "' has no key algorithm");
    }
    if (subject.kind == DemoCredentialKind::Person && !havePerson) {
      havePerson = true;
      if (!ids.insert(subject.id + "-old").second) {
        throwInvalid("the demo subject id '" + subject.id + "-old' is used twice");
      }
    }
  }
  if (!havePerson) {
    throwInvalid(
        "the demo PKI needs at least one Person subject (its older certificate is the "
        "revoked demo certificate)");
  }
}

DistinguishedName caName(const std::string& commonName) {
  return {{{"C", "VN"}, {"O", kPkiOrganisation}, {"CN", commonName}}};
}

DistinguishedName subjectName(const DemoPkiSubject& subject) {
  DistinguishedName name;
  name.attributes.emplace_back("C", "VN");
  if (!subject.locality.empty()) name.attributes.emplace_back("L", subject.locality);
  name.attributes.emplace_back("O", subject.organisation);
  if (!subject.unit.empty()) name.attributes.emplace_back("OU", subject.unit);
  if (!subject.agencyCode.empty()) name.attributes.emplace_back("UID", subject.agencyCode);
  if (!subject.title.empty()) name.attributes.emplace_back("title", subject.title);
  name.attributes.emplace_back("CN", subject.commonName);
  return name;
}

// One CA in the demo: the toolkit's CA, its file stem and where its certificate went.
struct DemoCa {
  std::string stem;
  CertificateAuthority ca;
  std::filesystem::path certificatePem;
};

class Builder {
 public:
  Builder(const DemoPkiOptions& options, std::filesystem::path dir)
      : options_(options), dir_(std::move(dir)), now_(options.now) {
    baseUrl_ = options.baseUrl;
    if (baseUrl_.back() != '/') baseUrl_ += '/';
  }

  DemoPki build() {
    for (const char* sub :
         {"roots", "ca", "chain", "crl", "users", "orgs", "tsa", "ocsp", "revoked", "tls"}) {
      makeDirectory(dir_ / sub);
    }

    DemoCa nationalRoot = makeRoot(kDemoNationalRootStem, "Demo National Root CA");
    DemoCa government = makeIssuingCa(nationalRoot, kDemoGovernmentCaStem, "Demo Government CA",
                                      KeyAlgorithm::Rsa2048);
    DemoCa publicRoot = makeRoot(kDemoPublicRootStem, "Demo Public Root CA");
    DemoCa publicCa =
        makeIssuingCa(publicRoot, kDemoPublicCaStem, "Demo Public CA", KeyAlgorithm::EcP256);

    for (const auto& subject : options_.subjects) {
      issueSubject(government, subject, subject.id, now_ - kDay, false);
    }
    DemoPkiSubject citizen;
    citizen.id = kCitizenId;
    citizen.kind = DemoCredentialKind::Person;
    citizen.commonName = "Ngô Thị Thu";
    citizen.organisation = "Công dân";
    citizen.locality = "Hà Nội";
    citizen.email = "ngo.thi.thu@example.vn";
    citizen.key = KeyAlgorithm::Rsa2048;
    issueSubject(publicCa, citizen, citizen.id, now_ - kDay, false);

    issueService(government, "tsa", "Demo Time Stamping Authority",
                 CertificateProfile::TimeStamping);
    issueService(government, "ocsp", "Demo Government CA OCSP Responder",
                 CertificateProfile::OcspSigning);
    issueLocalhostTlsServer(government);

    // The revoked demo certificates: an older certificate of the first person, compromised a day
    // ago, and the citizen's previous certificate, superseded.
    const DemoPkiSubject* firstPerson = nullptr;
    for (const auto& subject : options_.subjects) {
      if (subject.kind == DemoCredentialKind::Person) {
        firstPerson = &subject;
        break;
      }
    }
    issueSubject(government, *firstPerson, firstPerson->id + "-old", now_ - 180 * kDay, true);
    revokeLast(government, RevocationReason::KeyCompromise);
    issueSubject(publicCa, citizen, citizen.id + "-old", now_ - 180 * kDay, true);
    revokeLast(publicCa, RevocationReason::Superseded);

    for (const DemoCa* ca : {&nationalRoot, &government, &publicRoot, &publicCa}) writeCrl(*ca);
    writeReadme(nationalRoot, government, publicRoot, publicCa);
    return std::move(result_);
  }

 private:
  std::string crlUrl(const DemoCa& issuer) const { return baseUrl_ + issuer.stem + ".crl"; }
  std::string ocspUrl() const { return baseUrl_ + "ocsp"; }

  DemoCa makeRoot(const std::string& stem, const std::string& commonName) {
    auto ca = CertificateAuthority::createRoot(caName(commonName),
                                               PrivateKey::generate(KeyAlgorithm::Rsa3072),
                                               now_ - kDay, now_ + kRootDays * kDay);
    auto pem = dir_ / "roots" / (stem + ".pem");
    writeFileAtomically(pem, ca.certificate().toPem());
    signing::writePkcs12(dir_ / "roots" / (stem + ".p12"), ca.key(), ca.certificate(), {},
                         options_.pkcs12Password, stem);
    result_.trustAnchors.push_back(pem);
    files_.emplace_back(pem, commonName + " certificate (trust anchor)");
    files_.emplace_back(dir_ / "roots" / (stem + ".p12"), commonName + " key store");
    return DemoCa{stem, std::move(ca), pem};
  }

  DemoCa makeIssuingCa(DemoCa& root, const std::string& stem, const std::string& commonName,
                       KeyAlgorithm algorithm) {
    CertificateRequest request;
    request.subject = caName(commonName);
    request.profile = CertificateProfile::IntermediateCa;
    request.notBefore = now_ - kDay;
    request.notAfter = now_ + kIssuingCaDays * kDay;
    request.crlUrl = crlUrl(root);
    auto ca = root.ca.createSubordinate(request, PrivateKey::generate(algorithm));
    auto pem = dir_ / "ca" / (stem + ".pem");
    auto p12 = dir_ / "ca" / (stem + ".p12");
    auto chainPem = dir_ / "chain" / (stem + "-chain.pem");
    writeFileAtomically(pem, ca.certificate().toPem());
    auto chain = ca.chain();
    signing::writePkcs12(p12, ca.key(), ca.certificate(),
                         std::vector<Certificate>(chain.begin() + 1, chain.end()),
                         options_.pkcs12Password, stem);
    std::string bundle;
    for (const auto& cert : chain) bundle += cert.toPem();
    writeFileAtomically(chainPem, bundle);
    result_.intermediates.push_back(pem);
    files_.emplace_back(pem, commonName + " certificate");
    files_.emplace_back(p12, commonName + " key store");
    files_.emplace_back(chainPem, commonName + " + its root (PEM bundle)");
    return DemoCa{stem, std::move(ca), pem};
  }

  void issueSubject(DemoCa& issuer, const DemoPkiSubject& subject, const std::string& id,
                    TimePoint notBefore, bool old) {
    const bool person = subject.kind == DemoCredentialKind::Person;
    CertificateRequest request;
    request.subject = subjectName(subject);
    request.profile =
        person ? CertificateProfile::PersonalSigner : CertificateProfile::OrganisationSigner;
    request.notBefore = notBefore;
    request.notAfter = notBefore + (person ? kPersonDays : kOrganisationDays) * kDay;
    request.crlUrl = crlUrl(issuer);
    request.ocspUrl = ocspUrl();
    request.email = subject.email;
    const char* folder = old ? "revoked" : (person ? "users" : "orgs");
    writeCredential(issuer, request, subject.key, folder, id, subject.kind,
                    subject.commonName + (old ? " (older certificate, revoked)" : ""));
  }

  void issueService(DemoCa& issuer, const std::string& id, const std::string& commonName,
                    CertificateProfile profile) {
    CertificateRequest request;
    request.subject = caName(commonName);
    request.profile = profile;
    request.notBefore = now_ - kDay;
    request.notAfter = now_ + kServiceDays * kDay;
    if (profile != CertificateProfile::OcspSigning) request.crlUrl = crlUrl(issuer);
    writeCredential(issuer, request, KeyAlgorithm::Rsa2048, id, id,
                    DemoCredentialKind::Organisation, commonName);
  }

  // So that script/server users can try HTTPS: server.tls_certificate = pki/tls/localhost.pem,
  // server.tls_key = pki/tls/localhost.key, clients trust roots/demo-national-root-ca.pem.
  void issueLocalhostTlsServer(DemoCa& issuer) {
    CertificateRequest request;
    request.subject = caName("localhost");
    request.profile = CertificateProfile::TlsServer;
    request.notBefore = now_ - kDay;
    request.notAfter = now_ + kServiceDays * kDay;
    request.dnsNames = {"localhost"};
    request.ipAddresses = {"127.0.0.1", "::1"};
    auto key = PrivateKey::generate(KeyAlgorithm::EcP256);
    auto certificate = issuer.ca.issue(request, key);
    // The chain a TLS server sends: its certificate, then the issuing CA (not the root).
    std::string chain = certificate.toPem() + issuer.ca.certificate().toPem();
    auto pem = dir_ / "tls" / "localhost.pem";
    auto keyFile = dir_ / "tls" / "localhost.key";
    writeFileAtomically(pem, chain);
    writeFileAtomically(keyFile, key.toPem(), 0600);
    files_.emplace_back(pem, "TLS server certificate for localhost and 127.0.0.1 (with its CA)");
    files_.emplace_back(keyFile, "its private key, unencrypted, for server.tls_key");
  }

  void writeCredential(DemoCa& issuer, const CertificateRequest& request, KeyAlgorithm algorithm,
                       const std::string& folder, const std::string& id, DemoCredentialKind kind,
                       const std::string& description) {
    auto key = PrivateKey::generate(algorithm);
    auto certificate = issuer.ca.issue(request, key);
    auto pem = dir_ / folder / (id + ".pem");
    auto p12 = dir_ / folder / (id + ".p12");
    writeFileAtomically(pem, certificate.toPem());
    signing::writePkcs12(p12, key, certificate, issuer.ca.chain(), options_.pkcs12Password, id);
    DemoCredential credential;
    credential.id = id;
    credential.kind = kind;
    credential.certificatePem = pem;
    credential.pkcs12 = p12;
    credential.subject = certificate.subjectText();
    credential.issuer = certificate.issuerText();
    credential.serialHex = certificate.serialHex();
    credential.notAfter = certificate.notAfter();
    result_.credentials.push_back(std::move(credential));
    lastIssued_.emplace_back(certificate);
    files_.emplace_back(pem, description + " certificate");
    files_.emplace_back(p12, description + " key store");
  }

  void revokeLast(DemoCa& issuer, RevocationReason reason) {
    issuer.ca.revoke(lastIssued_.back(), now_ - kDay, reason);
    result_.credentials.back().revoked = true;
  }

  void writeCrl(const DemoCa& ca) {
    auto der = dir_ / "crl" / (ca.stem + ".crl");
    auto pem = dir_ / "crl" / (ca.stem + ".crl.pem");
    writeFileAtomically(der, ca.ca.crlDer(now_, now_ + kCrlDays * kDay));
    writeFileAtomically(pem, ca.ca.crlPem(now_, now_ + kCrlDays * kDay));
    result_.crls.push_back(der);
    files_.emplace_back(der, "CRL of " + ca.ca.certificate().subjectText() + " (DER), served as " +
                                 baseUrl_ + ca.stem + ".crl");
    files_.emplace_back(pem, "the same CRL as PEM");
  }

  void writeReadme(const DemoCa& nationalRoot, const DemoCa& government, const DemoCa& publicRoot,
                   const DemoCa& publicCa) {
    std::ostringstream out;
    out << "# Demo PKI\n\n"
        << "Generated by `vanthu demo init` for demonstrations and tests only. These keys are not\n"
        << "secret: never trust these roots outside a demo.\n\n"
        << "Every `.p12` file (key, certificate and chain up to the root; friendly name = id) is\n"
        << "protected by the demo PKCS#12 password (see docs).\n\n"
        << "## Hierarchy\n\n"
        << "- " << nationalRoot.ca.certificate().subjectText() << " (`roots/" << nationalRoot.stem
        << ".pem`)\n"
        << "  - " << government.ca.certificate().subjectText() << " (`ca/" << government.stem
        << ".pem`): issues the agencies' people and organisations, the time-stamping authority "
           "and the OCSP responder\n"
        << "- " << publicRoot.ca.certificate().subjectText() << " (`roots/" << publicRoot.stem
        << ".pem`)\n"
        << "  - " << publicCa.ca.certificate().subjectText() << " (`ca/" << publicCa.stem
        << ".pem`): public CA for citizens and enterprises\n\n"
        << "## URLs\n\n";
    for (const DemoCa* ca : {&nationalRoot, &government, &publicRoot, &publicCa}) {
      out << "- CRL of " << ca->ca.certificate().subjectText() << ": " << crlUrl(*ca) << "\n";
    }
    out << "- OCSP: " << ocspUrl() << "\n\n"
        << "## Credentials\n\n"
        << "| id | subject | issuer | serial | revoked |\n|---|---|---|---|---|\n";
    for (const auto& credential : result_.credentials) {
      out << "| " << credential.id << " | " << credential.subject << " | " << credential.issuer
          << " | " << credential.serialHex << " | " << (credential.revoked ? "yes" : "no")
          << " |\n";
    }
    out << "\n## Files\n\n";
    for (const auto& [path, description] : files_) {
      out << "- `" << std::filesystem::relative(path, dir_).generic_string() << "`: " << description
          << "\n";
    }
    out << "- `README.md`: this file\n\n"
        << "Check a certificate: `openssl verify -CAfile roots/" << nationalRoot.stem
        << ".pem -untrusted ca/" << government.stem << ".pem -crl_check_all -CRLfile crl/"
        << nationalRoot.stem << ".crl.pem -CRLfile crl/" << government.stem
        << ".crl.pem users/<id>.pem`\n";
    writeFileAtomically(dir_ / "README.md", out.str());
  }

  const DemoPkiOptions& options_;
  std::filesystem::path dir_;
  TimePoint now_;
  std::string baseUrl_;
  DemoPki result_;
  std::vector<Certificate> lastIssued_;
  std::vector<std::pair<std::filesystem::path, std::string>> files_;
};

}  // namespace

DemoPki buildDemoPki(const DemoPkiOptions& options, const std::filesystem::path& dir) {
  validate(options, dir);
  return Builder(options, dir).build();
}

}  // namespace vanthu::demo
