#include "vanthu/signing/pades_levels.h"

#include <openssl/cms.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/long_term_validation.h"
#include "vanthu/signing/revocation.h"
#include "vanthu/signing/signature_appearance.h"

namespace vanthu::signing {
namespace fs = std::filesystem;

namespace {

struct CmsDeleter {
  void operator()(CMS_ContentInfo* cms) const { CMS_ContentInfo_free(cms); }
};

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

bool selfSigned(const Certificate& certificate) {
  return X509_check_issued(certificate.nativeHandle(), certificate.nativeHandle()) == X509_V_OK;
}

// leaf → issuer → ... by subject/issuer and signature check, from `pool`.
std::vector<Certificate> buildChain(const Certificate& leaf, const std::vector<Certificate>& pool) {
  std::vector<Certificate> chain{leaf};
  while (chain.size() < 10 && !selfSigned(chain.back())) {
    const Certificate* issuer = nullptr;
    for (const auto& candidate : pool) {
      if (X509_check_issued(candidate.nativeHandle(), chain.back().nativeHandle()) == X509_V_OK) {
        issuer = &candidate;
        break;
      }
    }
    if (issuer == nullptr) break;
    chain.push_back(*issuer);
  }
  return chain;
}

void appendUnique(std::vector<std::string>& into, const std::string& blob) {
  if (std::find(into.begin(), into.end(), blob) == into.end()) into.push_back(blob);
}

// The certificates, CRLs and OCSP responses that let a verifier check `chain` later.
void collect(const std::vector<Certificate>& chain, LevelServices& services, ValidationData& data,
             bool refuseRevoked) {
  if (chain.empty()) return;
  for (const auto& certificate : chain) appendUnique(data.certificates, certificate.toDer());
  if (chain.size() < 2) return;  // a lone self-signed certificate has nothing to check
  OcspClient ocsp(*services.fetcher);
  CrlClient crl(*services.fetcher);
  ValidationMaterial material = collectValidationMaterial(chain, ocsp, crl, true);
  if (refuseRevoked) {
    for (const auto& [subject, status] : material.statuses) {
      if (status == RevocationStatus::Revoked) {
        throw Error(ErrorCode::CertificateInvalid, "the certificate " + subject + " is revoked");
      }
    }
  }
  for (const auto& certificate : material.certificates) {
    appendUnique(data.certificates, certificate.toDer());
  }
  for (const auto& blob : material.crls) appendUnique(data.crls, blob);
  for (const auto& blob : material.ocspResponses) appendUnique(data.ocspResponses, blob);
}

std::vector<Certificate> withAnchors(std::vector<Certificate> pool, const LevelServices& services) {
  pool.insert(pool.end(), services.trustAnchors.begin(), services.trustAnchors.end());
  return pool;
}

// The CMS of every signature and document time-stamp in `pdf`, by /ByteRange.
std::vector<std::string> embeddedCms(const std::string& pdf) {
  std::vector<std::string> found;
  size_t at = 0;
  while ((at = pdf.find("/ByteRange", at)) != std::string::npos) {
    at += 10;
    size_t open = pdf.find('[', at);
    if (open == std::string::npos || open > at + 4) continue;
    std::istringstream numbers(pdf.substr(open + 1, 80));
    uint64_t r0 = 0, r1 = 0, r2 = 0, r3 = 0;
    if (!(numbers >> r0 >> r1 >> r2 >> r3) || r1 + 2 > r2 || r2 > pdf.size()) continue;
    std::string hexDigits = pdf.substr(r1 + 1, r2 - r1 - 2);
    std::string der;
    der.reserve(hexDigits.size() / 2);
    auto nibble = [](char c) {
      return c >= '0' && c <= '9'   ? c - '0'
             : c >= 'a' && c <= 'f' ? c - 'a' + 10
             : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                    : -1;
    };
    bool hex = true;
    for (size_t i = 0; i + 1 < hexDigits.size() && hex; i += 2) {
      int high = nibble(hexDigits[i]);
      int low = nibble(hexDigits[i + 1]);
      hex = high >= 0 && low >= 0;
      der.push_back(static_cast<char>(high * 16 + low));
    }
    if (!hex) continue;  // not a hex /Contents: nothing to collect from it
    found.push_back(der);
  }
  return found;
}

// The time-stamp tokens inside a CMS signature's unsigned attributes.
std::vector<std::string> signatureTimestampTokens(const std::string& cmsDer) {
  std::vector<std::string> tokens;
  const unsigned char* in = reinterpret_cast<const unsigned char*>(cmsDer.data());
  std::unique_ptr<CMS_ContentInfo, CmsDeleter> cms(
      d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(cmsDer.size())));
  if (!cms) {
    detail::clearOpenSslErrors();
    return tokens;
  }
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  for (int i = 0; signers != nullptr && i < detail::signerInfosSize(signers); ++i) {
    CMS_SignerInfo* signer = detail::signerInfosAt(signers, i);
    int index = -1;
    while ((index = CMS_unsigned_get_attr_by_NID(signer, NID_id_smime_aa_timeStampToken, index)) >=
           0) {
      X509_ATTRIBUTE* attribute = CMS_unsigned_get_attr(signer, index);
      ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attribute, 0);
      if (value != nullptr && value->type == V_ASN1_SEQUENCE) {
        tokens.emplace_back(reinterpret_cast<const char*>(value->value.sequence->data),
                            static_cast<size_t>(value->value.sequence->length));
      }
    }
  }
  return tokens;
}

}  // namespace

std::string_view padesLevelName(PadesLevel level) {
  switch (level) {
    case PadesLevel::BaselineB:
      return "B-B";
    case PadesLevel::BaselineT:
      return "B-T";
    case PadesLevel::BaselineLT:
      return "B-LT";
    case PadesLevel::BaselineLTA:
      return "B-LTA";
    case PadesLevel::Unknown:
      break;
  }
  return "unknown";
}

std::optional<PadesLevel> padesLevelFromName(std::string_view name) {
  for (auto level : {PadesLevel::BaselineB, PadesLevel::BaselineT, PadesLevel::BaselineLT,
                     PadesLevel::BaselineLTA}) {
    if (padesLevelName(level) == name) return level;
  }
  return std::nullopt;
}

std::vector<Certificate> cmsCertificates(const std::string& cmsDer) {
  const unsigned char* in = reinterpret_cast<const unsigned char*>(cmsDer.data());
  std::unique_ptr<CMS_ContentInfo, CmsDeleter> cms(
      d2i_CMS_ContentInfo(nullptr, &in, static_cast<long>(cmsDer.size())));
  if (!cms) detail::throwOpenSsl(ErrorCode::InvalidArgument, "not a CMS structure");
  std::vector<Certificate> certificates;
  STACK_OF(X509)* all = CMS_get1_certs(cms.get());
  std::vector<Certificate> pool;
  for (int i = 0; all != nullptr && i < detail::x509StackSize(all); ++i) {
    X509* certificate = detail::x509StackAt(all, i);
    X509_up_ref(certificate);
    pool.push_back(Certificate::adoptNative(certificate));
  }
  detail::freeX509Stack(all);
  // The signer first: the certificate the SignerInfo identifies.
  STACK_OF(CMS_SignerInfo)* signers = CMS_get0_SignerInfos(cms.get());
  if (signers != nullptr && detail::signerInfosSize(signers) > 0) {
    CMS_SignerInfo* signer = detail::signerInfosAt(signers, 0);
    for (const auto& candidate : pool) {
      if (CMS_SignerInfo_cert_cmp(signer, candidate.nativeHandle()) == 0) {
        certificates.push_back(candidate);
      }
    }
  }
  for (const auto& candidate : pool) {
    if (certificates.empty() || candidate != certificates.front())
      certificates.push_back(candidate);
  }
  return certificates;
}

std::string checkSigningCertificate(const Certificate& certificate,
                                    const std::vector<Certificate>& chain,
                                    std::chrono::system_clock::time_point now, HttpFetcher* fetcher,
                                    RevocationCheck check) {
  if (now < certificate.notBefore()) {
    throw Error(ErrorCode::CertificateInvalid,
                "the signing certificate is not valid yet (valid from " +
                    appearanceTime(certificate.notBefore()) + "): " + certificate.subjectText());
  }
  if (now > certificate.notAfter()) {
    throw Error(ErrorCode::CertificateInvalid, "the signing certificate expired on " +
                                                   appearanceTime(certificate.notAfter()) + ": " +
                                                   certificate.subjectText());
  }
  if (check == RevocationCheck::Off || check == RevocationCheck::Unknown) return "";
  if (fetcher == nullptr) {
    throw Error(ErrorCode::InvalidArgument, "a revocation check needs network access");
  }
  std::vector<Certificate> full = buildChain(certificate, chain);
  if (full.size() < 2) {
    throw Error(ErrorCode::CertificateInvalid,
                "the issuer of the signing certificate is not known; give its chain");
  }
  OcspClient ocsp(*fetcher);
  CrlClient crl(*fetcher);
  try {
    // The signer only: its issuers are the CA's business and covered by the verifier later.
    ValidationMaterial material = collectValidationMaterial({full[0], full[1]}, ocsp, crl, true);
    for (const auto& [subject, status] : material.statuses) {
      if (status == RevocationStatus::Revoked) {
        throw Error(ErrorCode::CertificateInvalid,
                    "the signing certificate is revoked: " + certificate.subjectText());
      }
    }
    return "";
  } catch (const Error& e) {
    if (e.code() == ErrorCode::CertificateInvalid || check == RevocationCheck::Required) throw;
    return "the revocation status of the signing certificate could not be checked (" +
           std::string(e.what()) + "); signing anyway";
  }
}

void signPdfAtLevel(const fs::path& input, const fs::path& output, const SignatureRequest& request,
                    DigestSigner& key, PadesLevel level, LevelServices& services) {
  if (level == PadesLevel::Unknown) throw Error(ErrorCode::InvalidArgument, "no level given");
  if (level == PadesLevel::BaselineB) {
    signPdf(input, output, request, key);
    return;
  }
  if (services.timeStamper == nullptr) {
    throw Error(ErrorCode::InvalidArgument, std::string(padesLevelName(level)) +
                                                " needs a time-stamping authority (--tsa URL)");
  }
  if (level != PadesLevel::BaselineT && services.fetcher == nullptr) {
    throw Error(ErrorCode::InvalidArgument,
                std::string(padesLevelName(level)) + " needs network access for revocation data");
  }
  // Intermediate revisions go to temporary files beside the output; only the last is renamed
  // into place, so a failure at any step leaves no output.
  std::vector<fs::path> temporaries;
  auto temporary = [&](const char* step) {
    fs::path path = output;
    path += std::string(".") + step;
    temporaries.push_back(path);
    return path;
  };
  auto cleanup = [&] {
    for (const auto& path : temporaries) {
      std::error_code ignored;
      fs::remove(path, ignored);
      fs::path partial = path;
      partial += ".partial";
      fs::remove(partial, ignored);
    }
  };
  try {
    // B-T: the CMS gets a signature time-stamp before it goes into the file.
    fs::path signedFile = level == PadesLevel::BaselineT ? output : temporary("b-t");
    fs::path work = signedFile;
    work += ".partial";
    temporaries.push_back(work);
    PreparedSignature prepared =
        prepareSignature(input, work, request, key.certificate(), key.chain());
    std::string value = key.signDigest(prepared.toBeSignedDigest, prepared.digest);
    CmsSignatureBuilder builder(key.certificate(), key.chain(), request.digest);
    std::string cms = builder.assemble(prepared.contentDigest, value);
    cms = addSignatureTimestamp(cms, *services.timeStamper, request.digest);
    completeSignatureWithCms(prepared, cms, signedFile);
    if (level == PadesLevel::BaselineT) {
      cleanup();
      return;
    }

    // B-LT: the chains of the signer and of the TSA, with revocation data fetched now (after
    // the time-stamp, so responders do not answer for a time before they could know).
    ValidationData data;
    std::vector<Certificate> signerPool = key.chain();
    collect(buildChain(key.certificate(), withAnchors(signerPool, services)), services, data, true);
    for (const auto& token : signatureTimestampTokens(cms)) {
      auto tsa = cmsCertificates(token);
      if (!tsa.empty())
        collect(buildChain(tsa.front(), withAnchors(tsa, services)), services, data, false);
    }
    std::string field =
        request.existingField ? *request.existingField : signedFieldNames(signedFile).back();
    fs::path ltFile = level == PadesLevel::BaselineLT ? output : temporary("b-lt");
    addDocumentSecurityStore(signedFile, ltFile, data, {field});
    if (level == PadesLevel::BaselineLT) {
      cleanup();
      return;
    }
    timestampPdf(ltFile, output, *services.timeStamper, request.digest);
    cleanup();
  } catch (...) {
    cleanup();
    throw;
  }
}

void extendPdf(const fs::path& input, const fs::path& output, PadesLevel level,
               LevelServices& services) {
  if (level == PadesLevel::BaselineB || level == PadesLevel::Unknown) {
    throw Error(ErrorCode::InvalidArgument, "a signed file can be extended to B-T, B-LT or B-LTA");
  }
  if (services.timeStamper == nullptr) {
    throw Error(ErrorCode::InvalidArgument,
                "extending needs a time-stamping authority (--tsa URL)");
  }
  auto fields = signedFieldNames(input);
  if (fields.empty()) throw Error(ErrorCode::InvalidState, input.string() + " holds no signature");
  fs::path stamped = output;
  stamped += ".b-t";
  fs::path withDss = output;
  withDss += ".b-lt";
  auto cleanup = [&] {
    std::error_code ignored;
    fs::remove(stamped, ignored);
    fs::remove(withDss, ignored);
  };
  try {
    // Proof of existence for every signature so far: a document time-stamp over them.
    timestampPdf(input, level == PadesLevel::BaselineT ? output : stamped, *services.timeStamper);
    if (level == PadesLevel::BaselineT) return;
    if (services.fetcher == nullptr) {
      throw Error(ErrorCode::InvalidArgument, "B-LT needs network access for revocation data");
    }
    ValidationData data;
    for (const auto& cms : embeddedCms(readAll(stamped))) {
      std::vector<Certificate> certificates;
      try {
        certificates = cmsCertificates(cms);
      } catch (const Error&) {
        continue;  // an unreadable signature: the verifier will say so; nothing to collect
      }
      if (certificates.empty()) continue;
      collect(buildChain(certificates.front(), withAnchors(certificates, services)), services, data,
              false);
      for (const auto& token : signatureTimestampTokens(cms)) {
        auto tsa = cmsCertificates(token);
        if (!tsa.empty())
          collect(buildChain(tsa.front(), withAnchors(tsa, services)), services, data, false);
      }
    }
    addDocumentSecurityStore(stamped, level == PadesLevel::BaselineLT ? output : withDss, data,
                             signedFieldNames(stamped));
    if (level == PadesLevel::BaselineLT) {
      cleanup();
      return;
    }
    timestampPdf(withDss, output, *services.timeStamper);
    cleanup();
  } catch (...) {
    cleanup();
    throw;
  }
}

}  // namespace vanthu::signing
