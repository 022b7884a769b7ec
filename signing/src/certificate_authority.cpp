#include "vanthu/signing/certificate_authority.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12err.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "verify/iso_time.h"

namespace vanthu::signing {

using detail::encodeDer;
using detail::throwOpenSsl;

namespace {

// 16 random bytes: RFC 5280 4.1.2.2 allows up to 20 octets; CA/B Forum asks for >= 64 random bits.
constexpr int kSerialBytes = 16;
// PBKDF2 and MAC iterations for PKCS#12 (OpenSSL's default is 2048).
constexpr int kPkcs12Iterations = 10000;

[[noreturn]] void throwInvalid(const std::string& message) {
  throw Error(ErrorCode::InvalidArgument, message);
}

const unsigned char* bytesOf(const std::string& text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

int intLength(const std::string& text) {
  if (text.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    throwInvalid("value too large for OpenSSL (" + std::to_string(text.size()) + " bytes)");
  }
  return static_cast<int>(text.size());
}

detail::BioPtr newMemoryBio() {
  detail::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an OpenSSL memory BIO");
  return bio;
}

detail::BioPtr readOnlyBio(const std::string& data) {
  detail::BioPtr bio(BIO_new_mem_buf(data.data(), intLength(data)));
  if (!bio) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an OpenSSL memory BIO");
  return bio;
}

std::string bioContents(BIO* bio) {
  char* data = nullptr;
  long length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, static_cast<void*>(&data));
  if (length <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<size_t>(length));
}

std::time_t toTimeT(TimePoint point) {
  return std::chrono::system_clock::to_time_t(point);
}

detail::Asn1TimePtr asn1Time(TimePoint point) {
  // ASN1_TIME_set picks UTCTime for 1950-2049 and GeneralizedTime otherwise (RFC 5280 4.1.2.5).
  detail::Asn1TimePtr time(ASN1_TIME_set(nullptr, toTimeT(point)));
  if (!time) throwOpenSsl(ErrorCode::CryptoFailure, "cannot encode a time as ASN1_TIME");
  return time;
}

TimePoint fromAsn1Time(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot read a certificate time");
  }
  return detail::timePointFromTimeT(timegm(&parts));
}

// --- text validation ------------------------------------------------------------------------

bool isValidUtf8(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    size_t extra = 0;
    uint32_t codePoint = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      codePoint = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      codePoint = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      codePoint = lead & 0x07;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      codePoint = (codePoint << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8 (RFC 3629 3).
    static constexpr std::array<uint32_t, 4> kMinimum{0, 0x80, 0x800, 0x10000};
    if (codePoint < kMinimum[extra] || codePoint > 0x10FFFF ||
        (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

bool isPrintableString(const std::string& text) {
  // X.680 PrintableString: letters, digits, space and ' ( ) + , - . / : = ?
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::strchr(" '()+,-./:=?", c) != nullptr;
    if (!ok || c == '\0') return false;
  }
  return true;
}

bool isIa5Visible(const std::string& text) {
  for (char c : text) {
    if (c <= ' ' || c > '~') return false;
  }
  return !text.empty();
}

// --- names ----------------------------------------------------------------------------------

detail::X509NamePtr buildName(const DistinguishedName& dn) {
  if (dn.attributes.empty()) throwInvalid("the distinguished name has no attributes");
  detail::X509NamePtr name(X509_NAME_new());
  if (!name) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an X509_NAME");
  for (const auto& [field, value] : dn.attributes) {
    int nid = OBJ_txt2nid(field.c_str());
    if (nid == NID_undef) {
      detail::clearOpenSslErrors();
      throwInvalid("unknown distinguished name attribute '" + field + "'");
    }
    if (value.empty()) throwInvalid("the distinguished name attribute " + field + " is empty");
    // Force the ASN.1 string type instead of letting OpenSSL's global string mask pick one:
    // RFC 5280 4.1.2.4 wants UTF8String, except where the attribute's syntax says otherwise.
    int type = V_ASN1_UTF8STRING;
    switch (nid) {
      case NID_countryName:
        if (value.size() != 2 || !isPrintableString(value)) {
          throwInvalid("the country (C) must be a two-letter ISO 3166 code, got '" + value + "'");
        }
        type = V_ASN1_PRINTABLESTRING;
        break;
      case NID_serialNumber:
      case NID_dnQualifier:
        if (!isPrintableString(value)) {
          throwInvalid(field +
                       " must use PrintableString characters (A-Z a-z 0-9 '()+,-./:=? "
                       "and space), got '" +
                       value + "'");
        }
        type = V_ASN1_PRINTABLESTRING;
        break;
      case NID_pkcs9_emailAddress:
      case NID_domainComponent:
        if (!isIa5Visible(value)) throwInvalid(field + " must be ASCII, got '" + value + "'");
        type = V_ASN1_IA5STRING;
        break;
      default:
        if (!isValidUtf8(value)) throwInvalid("the value of " + field + " is not valid UTF-8");
        break;
    }
    if (X509_NAME_add_entry_by_NID(name.get(), nid, type, bytesOf(value), intLength(value), -1,
                                   0) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add " + field + " to a distinguished name");
    }
  }
  return name;
}

std::string nameText(const X509_NAME* name) {
  auto bio = newMemoryBio();
  // RFC 2253 order and escaping, but UTF-8 left as is instead of \XX-escaped.
  if (X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot print a distinguished name");
  }
  return bioContents(bio.get());
}

// --- extensions -----------------------------------------------------------------------------

void addConfExtension(X509* cert, X509V3_CTX* context, int nid, const std::string& value) {
  detail::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, context, nid, value.c_str()));
  if (!extension) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 std::string("cannot build the extension ") + OBJ_nid2sn(nid) + " = " + value);
  }
  if (X509_add_ext(cert, extension.get(), -1) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot add the extension ") +
                                               OBJ_nid2sn(nid) + " to the certificate");
  }
}

detail::GeneralNamePtr ia5GeneralName(int type, const std::string& text, const char* what) {
  if (!isIa5Visible(text)) {
    throwInvalid(std::string(what) + " must be ASCII without spaces, got '" + text + "'");
  }
  detail::Asn1Ia5StringPtr ia5(ASN1_IA5STRING_new());
  if (!ia5 || ASN1_STRING_set(ia5.get(), text.data(), intLength(text)) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot encode ") + what);
  }
  detail::GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a GENERAL_NAME");
  GENERAL_NAME_set0_value(name.get(), type, ia5.release());
  return name;
}

detail::GeneralNamePtr uriName(const std::string& uri, const char* what) {
  auto colon = uri.find(':');
  if (colon == std::string::npos || colon == 0) {
    throwInvalid(std::string(what) + " must be an absolute URI (e.g. http://...), got '" + uri +
                 "'");
  }
  return ia5GeneralName(GEN_URI, uri, what);
}

detail::GeneralNamePtr ipName(const std::string& address) {
  detail::Asn1OctetStringPtr octets(a2i_IPADDRESS(address.c_str()));
  if (!octets) {
    detail::clearOpenSslErrors();
    throwInvalid("'" + address + "' is not an IPv4 or IPv6 address");
  }
  detail::GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a GENERAL_NAME");
  GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
  return name;
}

void pushName(GENERAL_NAMES* names, detail::GeneralNamePtr name) {
  if (!detail::generalNamesPush(names, name.get())) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a GENERAL_NAME");
  }
  static_cast<void>(name.release());  // the stack owns it now
}

void addSubjectAltName(X509* cert, const CertificateRequest& request) {
  detail::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate GENERAL_NAMES");
  if (!request.email.empty()) {
    if (request.email.find('@') == std::string::npos) {
      throwInvalid("'" + request.email + "' is not an e-mail address");
    }
    pushName(names.get(), ia5GeneralName(GEN_EMAIL, request.email, "the e-mail address"));
  }
  for (const auto& dns : request.dnsNames) {
    pushName(names.get(), ia5GeneralName(GEN_DNS, dns, "a DNS name"));
  }
  for (const auto& ip : request.ipAddresses) pushName(names.get(), ipName(ip));
  if (sk_GENERAL_NAME_num(names.get()) == 0) return;
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_APPEND) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the subjectAltName extension");
  }
}

void addCrlDistributionPoint(X509* cert, const std::string& url) {
  detail::CrlDistPointsPtr points(CRL_DIST_POINTS_new());
  detail::DistPointPtr point(DIST_POINT_new());
  if (!points || !point) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate CRL_DIST_POINTS");
  point->distpoint = DIST_POINT_NAME_new();
  if (point->distpoint == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate DIST_POINT_NAME");
  }
  point->distpoint->type = 0;  // fullName
  point->distpoint->name.fullname = GENERAL_NAMES_new();
  if (point->distpoint->name.fullname == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate GENERAL_NAMES");
  }
  pushName(point->distpoint->name.fullname, uriName(url, "the CRL distribution point"));
  if (!detail::distPointsPush(points.get(), point.get())) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a DIST_POINT");
  }
  static_cast<void>(point.release());
  if (X509_add1_ext_i2d(cert, NID_crl_distribution_points, points.get(), 0, X509V3_ADD_APPEND) !=
      1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the crlDistributionPoints extension");
  }
}

void addOcspAccess(X509* cert, const std::string& url) {
  detail::AuthorityInfoAccessPtr access(AUTHORITY_INFO_ACCESS_new());
  detail::AccessDescriptionPtr description(ACCESS_DESCRIPTION_new());
  if (!access || !description) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate AUTHORITY_INFO_ACCESS");
  }
  ASN1_OBJECT_free(description->method);
  description->method = OBJ_nid2obj(NID_ad_OCSP);
  GENERAL_NAME_free(description->location);
  description->location = uriName(url, "the OCSP responder URL").release();
  if (!detail::accessDescriptionsPush(access.get(), description.get())) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add an ACCESS_DESCRIPTION");
  }
  static_cast<void>(description.release());
  if (X509_add1_ext_i2d(cert, NID_info_access, access.get(), 0, X509V3_ADD_APPEND) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the authorityInfoAccess extension");
  }
}

const char* profileName(CertificateProfile profile) {
  switch (profile) {
    case CertificateProfile::RootCa:
      return "RootCa";
    case CertificateProfile::IntermediateCa:
      return "IntermediateCa";
    case CertificateProfile::PersonalSigner:
      return "PersonalSigner";
    case CertificateProfile::OrganisationSigner:
      return "OrganisationSigner";
    case CertificateProfile::TimeStamping:
      return "TimeStamping";
    case CertificateProfile::OcspSigning:
      return "OcspSigning";
    case CertificateProfile::TlsServer:
      return "TlsServer";
    case CertificateProfile::Unknown:
      break;
  }
  return "Unknown";
}

void addProfileExtensions(X509* cert, X509* issuer, const CertificateRequest& request) {
  X509V3_CTX context{};
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  const bool selfSigned = issuer == cert;
  const auto profile = request.profile;

  switch (profile) {
    case CertificateProfile::RootCa:
      addConfExtension(cert, &context, NID_basic_constraints, "critical,CA:TRUE");
      addConfExtension(cert, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case CertificateProfile::IntermediateCa:
      addConfExtension(cert, &context, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
      addConfExtension(cert, &context, NID_key_usage, "critical,keyCertSign,cRLSign");
      break;
    case CertificateProfile::PersonalSigner:
    case CertificateProfile::OrganisationSigner:
      addConfExtension(cert, &context, NID_basic_constraints, "CA:FALSE");
      addConfExtension(cert, &context, NID_key_usage, "critical,digitalSignature,nonRepudiation");
      // emailProtection for the S/MIME-signer check pdfsig (NSS) makes; 1.3.6.1.4.1.311.10.3.12
      // is Microsoft's document signing EKU (podofo-0.9.8.md addendum).
      addConfExtension(cert, &context, NID_ext_key_usage,
                       "emailProtection,1.3.6.1.4.1.311.10.3.12");
      break;
    case CertificateProfile::TimeStamping:
      addConfExtension(cert, &context, NID_basic_constraints, "CA:FALSE");
      addConfExtension(cert, &context, NID_key_usage, "critical,digitalSignature,nonRepudiation");
      // RFC 3161 2.3: the TSA certificate has exactly this EKU, marked critical.
      addConfExtension(cert, &context, NID_ext_key_usage, "critical,timeStamping");
      break;
    case CertificateProfile::OcspSigning:
      addConfExtension(cert, &context, NID_basic_constraints, "CA:FALSE");
      addConfExtension(cert, &context, NID_key_usage, "critical,digitalSignature");
      addConfExtension(cert, &context, NID_ext_key_usage, "OCSPSigning");
      break;
    case CertificateProfile::TlsServer:
      addConfExtension(cert, &context, NID_basic_constraints, "CA:FALSE");
      addConfExtension(cert, &context, NID_key_usage, "digitalSignature,keyEncipherment");
      addConfExtension(cert, &context, NID_ext_key_usage, "serverAuth");
      break;
    case CertificateProfile::Unknown:
      throwInvalid("the certificate profile is not set");
  }

  addConfExtension(cert, &context, NID_subject_key_identifier, "hash");
  if (!selfSigned) addConfExtension(cert, &context, NID_authority_key_identifier, "keyid:always");

  const bool endEntity =
      profile != CertificateProfile::RootCa && profile != CertificateProfile::IntermediateCa;
  if (endEntity) addSubjectAltName(cert, request);
  if (profile != CertificateProfile::RootCa && profile != CertificateProfile::OcspSigning) {
    if (!request.crlUrl.empty()) addCrlDistributionPoint(cert, request.crlUrl);
    if (!request.ocspUrl.empty()) addOcspAccess(cert, request.ocspUrl);
  }
  if (profile == CertificateProfile::OcspSigning) {
    // RFC 6960 4.2.2.2.1: clients need not check the responder certificate's revocation.
    addConfExtension(cert, &context, NID_id_pkix_OCSP_noCheck, "ignored");
  }
}

void validateRequest(const CertificateRequest& request) {
  if (request.subject.attributes.empty()) throwInvalid("the certificate subject is empty");
  if (request.notBefore >= request.notAfter) {
    throwInvalid("the certificate's notBefore must be before its notAfter");
  }
  switch (request.profile) {
    case CertificateProfile::Unknown:
      throwInvalid("the certificate profile is not set");
    case CertificateProfile::RootCa:
      throwInvalid("a RootCa certificate is self-signed: use CertificateAuthority::createRoot");
    case CertificateProfile::PersonalSigner:
    case CertificateProfile::OrganisationSigner:
    case CertificateProfile::TimeStamping:
      if (request.crlUrl.empty()) {
        throwInvalid(std::string("a ") + profileName(request.profile) +
                     " certificate needs a CRL distribution point (crlUrl): relying parties "
                     "such as pdfsig distrust signer certificates without one");
      }
      break;
    case CertificateProfile::TlsServer:
      if (request.dnsNames.empty() && request.ipAddresses.empty()) {
        throwInvalid("a TlsServer certificate needs at least one DNS name or IP address");
      }
      break;
    case CertificateProfile::IntermediateCa:
    case CertificateProfile::OcspSigning:
      break;
  }
}

const EVP_MD* digestFor(const PrivateKey& signer) {
  // SHA-384 pairs with P-384 (RFC 5480 4); SHA-256 for everything else.
  return signer.algorithm() == KeyAlgorithm::EcP384 ? EVP_sha384() : EVP_sha256();
}

void setRandomSerial(X509* cert) {
  std::array<unsigned char, kSerialBytes> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot draw random bytes for a serial number");
  }
  // Positive (top bit clear) and exactly 16 octets (second bit set), RFC 5280 4.1.2.2.
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7F) | 0x40);
  detail::BignumPtr number(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr));
  if (!number) throwOpenSsl(ErrorCode::CryptoFailure, "cannot build a serial number");
  detail::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial || X509_set_serialNumber(cert, serial.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the serial number");
  }
}

// Builds and signs a certificate. `issuer` is null for a self-signed one.
Certificate buildCertificate(const CertificateRequest& request, const PrivateKey& subjectKey,
                             X509* issuer, const PrivateKey& signingKey) {
  auto subjectName = buildName(request.subject);
  detail::X509Ptr cert(X509_new());
  if (!cert) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an X509");
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the certificate version");
  }
  setRandomSerial(cert.get());
  if (X509_set_subject_name(cert.get(), subjectName.get()) != 1 ||
      X509_set_issuer_name(
          cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : subjectName.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the certificate names");
  }
  auto notBefore = asn1Time(request.notBefore);
  auto notAfter = asn1Time(request.notAfter);
  if (X509_set1_notBefore(cert.get(), notBefore.get()) != 1 ||
      X509_set1_notAfter(cert.get(), notAfter.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the certificate validity");
  }
  if (X509_set_pubkey(cert.get(), subjectKey.nativeHandle()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the certificate's public key");
  }
  addProfileExtensions(cert.get(), issuer != nullptr ? issuer : cert.get(), request);
  if (X509_sign(cert.get(), signingKey.nativeHandle(), digestFor(signingKey)) <= 0) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "cannot sign the certificate for " + nameText(subjectName.get()));
  }
  return Certificate::adoptNative(cert.release());
}

// --- files ----------------------------------------------------------------------------------

[[noreturn]] void throwIo(const std::string& what, int error) {
  throw Error(ErrorCode::IoFailure, what + ": " + std::strerror(error));
}

// Writes `data` to a temporary file next to `path`, then renames it over `path`, so that readers
// see either the old or the new file, never half of one.
void writeFileAtomically(const std::filesystem::path& path, const std::string& data, mode_t mode) {
  std::string pattern = path.string() + ".tmp-XXXXXX";
  int fd = mkstemp(pattern.data());  // creates the file with mode 0600
  if (fd < 0) throwIo("cannot create a temporary file for " + path.string(), errno);
  auto fail = [&](const std::string& what) {
    int error = errno;
    ::close(fd);
    ::unlink(pattern.c_str());
    throwIo(what + " " + path.string(), error);
  };
  if (::fchmod(fd, mode) != 0) fail("cannot set the permissions of");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot flush");
  if (::close(fd) != 0) {
    int error = errno;
    ::unlink(pattern.c_str());
    throwIo("cannot close " + path.string(), error);
  }
  if (std::rename(pattern.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(pattern.c_str());
    throwIo("cannot rename the temporary file to " + path.string(), error);
  }
}

std::string readWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throwIo("cannot open " + path.string(), errno);
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) throwIo("cannot read " + path.string(), errno);
  return content.str();
}

int noPasswordCallback(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return 0;  // never prompt on the terminal for an encrypted PEM key
}

}  // namespace

// --- PrivateKey -----------------------------------------------------------------------------

PrivateKey PrivateKey::generate(KeyAlgorithm algorithm) {
  const char* type = nullptr;
  int bits = 0;
  const char* curve = nullptr;
  switch (algorithm) {
    case KeyAlgorithm::Rsa2048:
      type = "RSA", bits = 2048;
      break;
    case KeyAlgorithm::Rsa3072:
      type = "RSA", bits = 3072;
      break;
    case KeyAlgorithm::EcP256:
      type = "EC", curve = "P-256";
      break;
    case KeyAlgorithm::EcP384:
      type = "EC", curve = "P-384";
      break;
    case KeyAlgorithm::Unknown:
      throwInvalid("cannot generate a key of unknown algorithm");
  }
  detail::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 std::string("cannot set up ") + type + " key generation");
  }
  if (bits != 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), bits) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the RSA key size");
  }
  if (curve != nullptr && EVP_PKEY_CTX_set_group_name(context.get(), curve) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot select the curve ") + curve);
  }
  EVP_PKEY* key = nullptr;
  if (EVP_PKEY_generate(context.get(), &key) != 1 || key == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, std::string("cannot generate a ") + type + " key");
  }
  return adoptNative(key);
}

PrivateKey PrivateKey::fromPem(const std::string& pem) {
  auto bio = readOnlyBio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, noPasswordCallback, nullptr);
  if (key == nullptr) {
    throwOpenSsl(ErrorCode::InvalidArgument, "the text is not an unencrypted PEM private key");
  }
  return adoptNative(key);
}

PrivateKey PrivateKey::adoptNative(evp_pkey_st* key) {
  return PrivateKey(std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free));
}

KeyAlgorithm PrivateKey::algorithm() const {
  int bits = EVP_PKEY_get_bits(key_.get());
  switch (EVP_PKEY_get_base_id(key_.get())) {
    case EVP_PKEY_RSA:
      if (bits == 2048) return KeyAlgorithm::Rsa2048;
      if (bits == 3072) return KeyAlgorithm::Rsa3072;
      break;
    case EVP_PKEY_EC:
      if (bits == 256) return KeyAlgorithm::EcP256;
      if (bits == 384) return KeyAlgorithm::EcP384;
      break;
    default:
      break;
  }
  return KeyAlgorithm::Unknown;
}

std::string PrivateKey::toPem() const {
  auto bio = newMemoryBio();
  // PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3.
  if (PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot write the private key as PEM");
  }
  return bioContents(bio.get());
}

std::string PrivateKey::publicKeyPem() const {
  auto bio = newMemoryBio();
  if (PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot write the public key as PEM");
  }
  return bioContents(bio.get());
}

// --- Certificate ----------------------------------------------------------------------------

Certificate Certificate::adoptNative(x509_st* cert) {
  return Certificate(std::shared_ptr<x509_st>(cert, X509_free));
}

Certificate Certificate::fromPem(const std::string& pem) {
  auto bio = readOnlyBio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, noPasswordCallback, nullptr);
  if (cert == nullptr)
    throwOpenSsl(ErrorCode::InvalidArgument, "the text is not a PEM certificate");
  return adoptNative(cert);
}

Certificate Certificate::fromDer(const std::string& der) {
  const unsigned char* in = bytesOf(der);
  X509* cert = d2i_X509(nullptr, &in, intLength(der));
  if (cert == nullptr)
    throwOpenSsl(ErrorCode::InvalidArgument, "the data is not a DER certificate");
  if (in != bytesOf(der) + der.size()) {
    X509_free(cert);
    throwInvalid("trailing data after the DER certificate");
  }
  return adoptNative(cert);
}

std::vector<Certificate> Certificate::allFromPem(const std::string& pem) {
  auto bio = readOnlyBio(pem);
  std::vector<Certificate> certificates;
  while (true) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, noPasswordCallback, nullptr);
    if (cert == nullptr) {
      unsigned long error = ERR_peek_last_error();
      if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE &&
          !certificates.empty()) {
        detail::clearOpenSslErrors();  // end of the bundle
        break;
      }
      throwOpenSsl(ErrorCode::InvalidArgument, "cannot read certificate " +
                                                   std::to_string(certificates.size() + 1) +
                                                   " of a PEM bundle");
    }
    certificates.push_back(adoptNative(cert));
  }
  return certificates;
}

std::string Certificate::toPem() const {
  auto bio = newMemoryBio();
  if (PEM_write_bio_X509(bio.get(), cert_.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot write the certificate as PEM");
  }
  return bioContents(bio.get());
}

std::string Certificate::toDer() const {
  return encodeDer(cert_.get(), i2d_X509, "the certificate");
}

std::string Certificate::subjectText() const {
  return nameText(X509_get_subject_name(cert_.get()));
}

std::string Certificate::issuerText() const {
  return nameText(X509_get_issuer_name(cert_.get()));
}

std::string Certificate::subjectAttribute(const std::string& shortName) const {
  const int nid = OBJ_sn2nid(shortName.c_str());
  if (nid == NID_undef) throwInvalid("no name attribute is called '" + shortName + "'");
  const X509_NAME* name = X509_get_subject_name(cert_.get());
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return "";
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot read the subject's " + shortName);
  }
  detail::OpenSslMemoryPtr<unsigned char> owned(utf8);
  return std::string(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
}

std::string Certificate::serialHex() const {
  detail::BignumPtr number(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert_.get()), nullptr));
  if (!number) throwOpenSsl(ErrorCode::CryptoFailure, "cannot read the serial number");
  detail::OpenSslMemoryPtr<char> hex(BN_bn2hex(number.get()));
  if (!hex) throwOpenSsl(ErrorCode::CryptoFailure, "cannot print the serial number");
  return hex.get();
}

TimePoint Certificate::notBefore() const {
  return fromAsn1Time(X509_get0_notBefore(cert_.get()));
}

TimePoint Certificate::notAfter() const {
  return fromAsn1Time(X509_get0_notAfter(cert_.get()));
}

bool Certificate::matchesKey(const PrivateKey& key) const {
  int result = EVP_PKEY_eq(X509_get0_pubkey(cert_.get()), key.nativeHandle());
  detail::clearOpenSslErrors();  // a mismatch of key types leaves an entry behind
  return result == 1;
}

bool operator==(const Certificate& a, const Certificate& b) {
  return X509_cmp(a.nativeHandle(), b.nativeHandle()) == 0;
}

// --- CertificateAuthority -------------------------------------------------------------------

struct CertificateAuthority::State {
  struct Revoked {
    Certificate certificate;
    TimePoint when;
    RevocationReason reason;
  };

  Certificate certificate;
  PrivateKey key;
  std::vector<Certificate> issuers;  // this CA's issuer first, the root last
  std::vector<Revoked> revoked;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
CertificateAuthority::~CertificateAuthority() = default;
CertificateAuthority::CertificateAuthority(CertificateAuthority&&) noexcept = default;
CertificateAuthority& CertificateAuthority::operator=(CertificateAuthority&&) noexcept = default;

CertificateAuthority CertificateAuthority::createRoot(const DistinguishedName& subject,
                                                      PrivateKey key, TimePoint notBefore,
                                                      TimePoint notAfter) {
  CertificateRequest request;
  request.subject = subject;
  request.profile = CertificateProfile::RootCa;
  request.notBefore = notBefore;
  request.notAfter = notAfter;
  if (subject.attributes.empty()) throwInvalid("the root CA subject is empty");
  if (notBefore >= notAfter) throwInvalid("the root CA's notBefore must be before its notAfter");
  Certificate certificate = buildCertificate(request, key, nullptr, key);
  return CertificateAuthority(
      std::make_unique<State>(State{std::move(certificate), std::move(key), {}, {}}));
}

CertificateAuthority CertificateAuthority::createSubordinate(const CertificateRequest& request,
                                                             PrivateKey key) {
  CertificateRequest caRequest = request;
  caRequest.profile = CertificateProfile::IntermediateCa;
  Certificate certificate = issue(caRequest, key);
  return CertificateAuthority(
      std::make_unique<State>(State{std::move(certificate), std::move(key), chain(), {}}));
}

Certificate CertificateAuthority::issue(const CertificateRequest& request,
                                        const PrivateKey& subjectKey) {
  validateRequest(request);
  return buildCertificate(request, subjectKey, state_->certificate.nativeHandle(), state_->key);
}

void CertificateAuthority::revoke(const Certificate& certificate, TimePoint when,
                                  RevocationReason reason) {
  X509* caCert = state_->certificate.nativeHandle();
  X509* cert = certificate.nativeHandle();
  // Issued by us: the names and key identifiers fit and our key verifies the signature.
  bool issuedHere = X509_check_issued(caCert, cert) == X509_V_OK &&
                    X509_verify(cert, X509_get0_pubkey(caCert)) == 1;
  detail::clearOpenSslErrors();
  if (!issuedHere) {
    throwInvalid("cannot revoke " + certificate.subjectText() + ": it was not issued by " +
                 state_->certificate.subjectText());
  }
  if (isRevoked(certificate)) {
    throwInvalid("the certificate " + certificate.serialHex() + " is already revoked");
  }
  state_->revoked.push_back(State::Revoked{certificate, when, reason});
}

bool CertificateAuthority::isRevoked(const Certificate& certificate) const {
  for (const auto& entry : state_->revoked) {
    if (ASN1_INTEGER_cmp(X509_get0_serialNumber(entry.certificate.nativeHandle()),
                         X509_get0_serialNumber(certificate.nativeHandle())) == 0) {
      return true;
    }
  }
  return false;
}

std::string CertificateAuthority::crlDer(TimePoint thisUpdate, TimePoint nextUpdate) const {
  if (thisUpdate >= nextUpdate) throwInvalid("the CRL's thisUpdate must be before its nextUpdate");
  X509* caCert = state_->certificate.nativeHandle();
  detail::X509CrlPtr crl(X509_CRL_new());
  if (!crl) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an X509_CRL");
  auto lastUpdateTime = asn1Time(thisUpdate);
  auto nextUpdateTime = asn1Time(nextUpdate);
  if (X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(caCert)) != 1 ||
      X509_CRL_set1_lastUpdate(crl.get(), lastUpdateTime.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), nextUpdateTime.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot fill in the CRL header");
  }

  for (const auto& entry : state_->revoked) {
    detail::X509RevokedPtr revoked(X509_REVOKED_new());
    auto when = asn1Time(entry.when);
    if (!revoked ||
        X509_REVOKED_set_serialNumber(
            revoked.get(), X509_get_serialNumber(entry.certificate.nativeHandle())) != 1 ||
        X509_REVOKED_set_revocationDate(revoked.get(), when.get()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot build a CRL entry");
    }
    // RFC 5280 5.3.1: leave the reasonCode out rather than say "unspecified".
    if (entry.reason != RevocationReason::Unspecified) {
      detail::Asn1EnumeratedPtr code(ASN1_ENUMERATED_new());
      if (!code || ASN1_ENUMERATED_set(code.get(), static_cast<long>(entry.reason)) != 1 ||
          X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0, 0) != 1) {
        throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the reasonCode to a CRL entry");
      }
    }
    if (X509_CRL_add0_revoked(crl.get(), revoked.get()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add an entry to the CRL");
    }
    static_cast<void>(revoked.release());
  }

  X509V3_CTX context{};
  X509V3_set_ctx(&context, caCert, nullptr, nullptr, crl.get(), 0);
  detail::X509ExtensionPtr keyId(
      X509V3_EXT_conf_nid(nullptr, &context, NID_authority_key_identifier, "keyid:always"));
  if (!keyId || X509_CRL_add_ext(crl.get(), keyId.get(), -1) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the authorityKeyIdentifier to the CRL");
  }
  detail::Asn1IntegerPtr number(ASN1_INTEGER_new());
  if (!number ||
      ASN1_INTEGER_set_int64(number.get(), static_cast<int64_t>(toTimeT(thisUpdate))) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot add the cRLNumber to the CRL");
  }
  if (X509_CRL_sort(crl.get()) != 1 ||
      X509_CRL_sign(crl.get(), state_->key.nativeHandle(), digestFor(state_->key)) <= 0) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "cannot sign the CRL of " + state_->certificate.subjectText());
  }
  return encodeDer(crl.get(), i2d_X509_CRL, "the CRL");
}

std::string CertificateAuthority::crlPem(TimePoint thisUpdate, TimePoint nextUpdate) const {
  std::string der = crlDer(thisUpdate, nextUpdate);
  const unsigned char* in = bytesOf(der);
  detail::X509CrlPtr crl(d2i_X509_CRL(nullptr, &in, intLength(der)));
  auto bio = newMemoryBio();
  if (!crl || PEM_write_bio_X509_CRL(bio.get(), crl.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot write the CRL as PEM");
  }
  return bioContents(bio.get());
}

const Certificate& CertificateAuthority::certificate() const {
  return state_->certificate;
}

const PrivateKey& CertificateAuthority::key() const {
  return state_->key;
}

std::vector<Certificate> CertificateAuthority::chain() const {
  std::vector<Certificate> result;
  result.reserve(state_->issuers.size() + 1);
  result.push_back(state_->certificate);
  result.insert(result.end(), state_->issuers.begin(), state_->issuers.end());
  return result;
}

// --- PKCS#12 --------------------------------------------------------------------------------

void writePkcs12(const std::filesystem::path& path, const PrivateKey& key,
                 const Certificate& certificate, const std::vector<Certificate>& chain,
                 const std::string& password, const std::string& friendlyName) {
  if (password.empty()) throwInvalid("a PKCS#12 file needs a non-empty password");
  if (!certificate.matchesKey(key)) {
    throwInvalid("the private key does not belong to the certificate " + certificate.subjectText());
  }
  auto extra = detail::newX509Stack();
  if (!extra) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a certificate stack");
  for (const auto& cert : chain) {
    X509* handle = cert.nativeHandle();
    if (X509_up_ref(handle) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "X509_up_ref failed");
    if (!detail::x509StackPush(extra.get(), handle)) {
      X509_free(handle);
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a certificate to a stack");
    }
  }
  // Explicit algorithms instead of the library defaults: PBES2/PBKDF2-HMAC-SHA256/AES-256-CBC for
  // both bags; the MAC is set below (mac_iter -1 = none yet) so that it is HMAC-SHA256 for sure.
  detail::Pkcs12Ptr p12(PKCS12_create(password.c_str(),
                                      friendlyName.empty() ? nullptr : friendlyName.c_str(),
                                      key.nativeHandle(), certificate.nativeHandle(), extra.get(),
                                      NID_aes_256_cbc, NID_aes_256_cbc, kPkcs12Iterations, -1, 0));
  if (!p12) throwOpenSsl(ErrorCode::CryptoFailure, "cannot build the PKCS#12 structure");
  if (PKCS12_set_mac(p12.get(), password.c_str(), -1, nullptr, 0, kPkcs12Iterations,
                     EVP_sha256()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot compute the PKCS#12 MAC");
  }
  writeFileAtomically(path, encodeDer(p12.get(), i2d_PKCS12, "the PKCS#12 structure"), 0600);
}

Pkcs12Contents readPkcs12(const std::filesystem::path& path, const std::string& password) {
  const std::string data = readWholeFile(path);
  const unsigned char* in = bytesOf(data);
  detail::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &in, intLength(data)));
  if (!p12) throwOpenSsl(ErrorCode::InvalidArgument, path.string() + " is not a PKCS#12 file");

  if (PKCS12_mac_present(p12.get()) == 1 &&
      PKCS12_verify_mac(p12.get(), password.c_str(), intLength(password)) != 1) {
    // A MAC mismatch leaves the queue empty; anything in it means the check itself failed.
    std::string details = detail::drainOpenSslErrors();
    if (details.empty()) {
      throw Error(ErrorCode::InvalidPassword,
                  "wrong password for the PKCS#12 file " + path.string());
    }
    throw Error(ErrorCode::CryptoFailure,
                "cannot check the MAC of the PKCS#12 file " + path.string() + ": " + details);
  }

  EVP_PKEY* rawKey = nullptr;
  X509* rawCert = nullptr;
  STACK_OF(X509)* rawChain = nullptr;
  int parsed = PKCS12_parse(p12.get(), password.c_str(), &rawKey, &rawCert, &rawChain);
  detail::EvpPkeyPtr keyHandle(rawKey);
  detail::X509Ptr certHandle(rawCert);
  detail::X509StackPtr chainHandle(rawChain);
  if (parsed != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure,
                 "cannot decrypt the PKCS#12 file " + path.string() +
                     " (a file without a MAC and a wrong password, or algorithms such as RC2 that "
                     "need OpenSSL's legacy provider)");
  }
  if (!keyHandle || !certHandle) {
    throwInvalid("the PKCS#12 file " + path.string() +
                 " does not hold a private key with its certificate");
  }
  Pkcs12Contents contents{PrivateKey::adoptNative(keyHandle.release()),
                          Certificate::adoptNative(certHandle.release()),
                          {}};
  for (int i = 0; i < detail::x509StackSize(chainHandle.get()); ++i) {
    X509* cert = detail::x509StackAt(chainHandle.get(), i);
    if (X509_up_ref(cert) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "X509_up_ref failed");
    contents.chain.push_back(Certificate::adoptNative(cert));
  }
  return contents;
}

// --- path validation ------------------------------------------------------------------------

Status verifyCertificate(const Certificate& leaf, const std::vector<Certificate>& untrusted,
                         const std::vector<Certificate>& trustAnchors,
                         const std::vector<std::string>& crlsDer, std::optional<TimePoint> at) {
  detail::X509StorePtr store(X509_STORE_new());
  if (!store) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate an X509_STORE");
  for (const auto& anchor : trustAnchors) {
    if (X509_STORE_add_cert(store.get(), anchor.nativeHandle()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a trust anchor to the X509_STORE");
    }
  }
  for (size_t i = 0; i < crlsDer.size(); ++i) {
    const unsigned char* in = bytesOf(crlsDer[i]);
    detail::X509CrlPtr crl(d2i_X509_CRL(nullptr, &in, intLength(crlsDer[i])));
    if (!crl) {
      throwOpenSsl(ErrorCode::InvalidArgument,
                   "CRL " + std::to_string(i + 1) + " is not a DER-encoded CRL");
    }
    if (X509_STORE_add_crl(store.get(), crl.get()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a CRL to the X509_STORE");
    }
  }
  if (!crlsDer.empty()) {
    X509_STORE_set_flags(store.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }

  auto chain = detail::newX509Stack();
  if (!chain) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a certificate stack");
  for (const auto& cert : untrusted) {
    X509* handle = cert.nativeHandle();
    if (X509_up_ref(handle) != 1) throwOpenSsl(ErrorCode::CryptoFailure, "X509_up_ref failed");
    if (!detail::x509StackPush(chain.get(), handle)) {
      X509_free(handle);
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot add a certificate to a stack");
    }
  }

  detail::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context ||
      X509_STORE_CTX_init(context.get(), store.get(), leaf.nativeHandle(), chain.get()) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot set up certificate verification");
  }
  if (at) X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(context.get()), toTimeT(*at));

  int verified = X509_verify_cert(context.get());
  if (verified == 1) {
    detail::clearOpenSslErrors();
    return Status::ok();
  }
  int error = X509_STORE_CTX_get_error(context.get());
  if (verified < 0 || error == X509_V_OK) {
    throwOpenSsl(ErrorCode::CryptoFailure, "certificate verification could not run");
  }
  detail::clearOpenSslErrors();
  std::string message = "certificate verification failed: ";
  message += X509_verify_cert_error_string(error);
  message += " (depth " + std::to_string(X509_STORE_CTX_get_error_depth(context.get()));
  if (X509* current = X509_STORE_CTX_get_current_cert(context.get()); current != nullptr) {
    message += ", " + nameText(X509_get_subject_name(current));
  }
  message += ")";
  return Status(ErrorCode::CertificateInvalid, std::move(message));
}

}  // namespace vanthu::signing
