#include "vanthu/signing/official_signing.h"

#include <openssl/cms.h>
#include <openssl/objects.h>

#include <algorithm>
#include <system_error>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/signature_fields.h"
#include "vanthu/workflow/document_types.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

namespace fs = std::filesystem;

bool isLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : days[month - 1];
}

// The seal goes over the left of the signature (Decree 30 Phụ lục I: the seal covers about a
// third of the signature, on its left), centred on the box's height, never off the page's
// bottom or left edge.
PdfRect defaultSealRectangle(const PdfRect& signature) {
  constexpr double kWidth = 190;
  constexpr double kHeight = 120;
  PdfRect seal;
  seal.width = kWidth;
  seal.height = kHeight;
  seal.x = std::max(10.0, signature.x - kWidth / 2);
  seal.y = std::max(10.0, signature.y + signature.height / 2 - kHeight / 2);
  return seal;
}

// A temporary file beside `output` that is removed however the step ends.
struct StepFile {
  explicit StepFile(const fs::path& output) : path(output.string() + ".filled.tmp") {}
  ~StepFile() {
    std::error_code ignored;
    fs::remove(path, ignored);
  }
  StepFile(const StepFile&) = delete;
  StepFile& operator=(const StepFile&) = delete;
  fs::path path;
};

// The leader's update: the visible signature (certifying unless approvals were signed before),
// the number/date fields and the seal field, as one signature request. Reads `input`'s form to
// find an existing field and whether the document is signed already.
SignatureRequest leaderSignatureRequest(const fs::path& input,
                                        const LeaderSigningRequest& request) {
  if (request.appearance.kind != AppearanceKind::Signer) {
    throw Error(ErrorCode::InvalidArgument, "the leader's signature uses a signer's appearance");
  }
  PdfFormInfo form = readPdfForm(input);
  SignatureRequest signature;
  int page = request.page;
  PdfRect box = request.rectangle;
  if (request.existingField) {
    const SignatureFieldInfo* field = nullptr;
    for (const auto& each : form.signatureFields) {
      if (each.name == *request.existingField) field = &each;
    }
    if (field == nullptr) {
      throw Error(ErrorCode::NotFound,
                  "no signature field named '" + *request.existingField + "' in " + input.string());
    }
    if (field->signedAlready) {
      throw Error(ErrorCode::InvalidState,
                  "the signature field '" + *request.existingField + "' is signed already");
    }
    page = field->page > 0 ? field->page : 1;
    box = field->rectangle;
    signature.existingField = request.existingField;
  } else {
    signature.page = page;
    signature.rectangle = box;
  }
  if (box.width <= 0 || box.height <= 0) {
    throw Error(ErrorCode::InvalidArgument, "the signature box needs a width and a height");
  }
  signature.appearance = request.appearance;
  // Certification only as the first signature; after approval signatures, an approval too.
  signature.certification =
      hasSignatures(form) ? CertificationLevel::None : CertificationLevel::FormFilling;
  signature.numberDateFields = true;
  TextFieldSpec seal;
  seal.name = kSealFieldName;
  seal.page = page;
  seal.rectangle = request.sealRectangle.value_or(defaultSealRectangle(box));
  seal.signature = true;
  signature.textFields.push_back(seal);
  signature.reason = request.reason;
  signature.signingTime = request.signingTime;
  return signature;
}

// A CMS made by the key holder's own software must be one signature by `signer` whose signed
// attributes verify and whose message digest is the prepared one: SignatureMismatch otherwise.
void checkExternalCms(const std::string& cmsDer, const Certificate& signer,
                      const std::string& contentDigest) {
  const unsigned char* in = detail::bytesOf(cmsDer);
  detail::CmsContentInfoPtr cms(d2i_CMS_ContentInfo(nullptr, &in, detail::intLength(cmsDer)));
  if (!cms) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::SignatureMismatch, "the CMS is not DER SignedData");
  }
  STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms.get());
  if (detail::cmsSignerInfoCount(infos) != 1) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::SignatureMismatch, "the CMS must hold exactly one signature");
  }
  CMS_SignerInfo* info = detail::cmsSignerInfoAt(infos, 0);
  if (CMS_SignerInfo_cert_cmp(info, signer.nativeHandle()) != 0) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::SignatureMismatch,
                "the CMS is not signed with the certificate the signature was prepared for (" +
                    signer.subjectText() + ")");
  }
  CMS_SignerInfo_set1_signer_cert(info, signer.nativeHandle());
  if (CMS_SignerInfo_verify(info) != 1) {
    const std::string reason = detail::drainOpenSslErrors();
    throw Error(ErrorCode::SignatureMismatch,
                "the CMS signature does not verify with the certificate of " +
                    signer.subjectText() + (reason.empty() ? "" : " (" + reason + ")"));
  }
  const ASN1_OCTET_STRING* digest =
      static_cast<const ASN1_OCTET_STRING*>(CMS_signed_get0_data_by_OBJ(
          info, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING));
  if (digest == nullptr ||
      std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(digest)),
                  static_cast<size_t>(ASN1_STRING_length(digest))) != contentDigest) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::SignatureMismatch,
                "the CMS does not sign this document's bytes (its message digest differs)");
  }
}

}  // namespace

std::string decree30Day(int day) {
  return day < 10 ? "0" + std::to_string(day) : std::to_string(day);
}

std::string decree30Month(int month) {
  return month <= 2 ? "0" + std::to_string(month) : std::to_string(month);
}

void signAsLeader(const fs::path& input, const fs::path& output,
                  const LeaderSigningRequest& request, DigestSigner& leaderKey,
                  LevelServices& services) {
  signPdfAtLevel(input, output, leaderSignatureRequest(input, request), leaderKey, request.level,
                 services);
}

PreparedSignature prepareLeaderSignature(const fs::path& input, const fs::path& workFile,
                                         const LeaderSigningRequest& request,
                                         const Certificate& signer,
                                         const std::vector<Certificate>& chain) {
  return prepareSignature(input, workFile, leaderSignatureRequest(input, request), signer, chain);
}

void completeLeaderSignature(const PreparedSignature& prepared, const ExternalSignatureValue& value,
                             const fs::path& output, PadesLevel level, LevelServices& services) {
  if (level == PadesLevel::Unknown) throw Error(ErrorCode::InvalidArgument, "no level given");
  if (value.signatureValue.empty() == value.cms.empty()) {
    throw Error(ErrorCode::InvalidArgument, "give either a signature value or a CMS");
  }
  if (level != PadesLevel::BaselineB && services.timeStamper == nullptr) {
    throw Error(ErrorCode::InvalidArgument, std::string(padesLevelName(level)) +
                                                " needs a time-stamping authority (--tsa URL)");
  }
  const Certificate signer = Certificate::fromPem(prepared.certificatePem);
  std::string cms = value.cms;
  if (cms.empty()) {
    const std::vector<Certificate> chain = prepared.chainPem.empty()
                                               ? std::vector<Certificate>{}
                                               : Certificate::allFromPem(prepared.chainPem);
    CmsSignatureBuilder builder(signer, chain, prepared.digest);
    try {
      // assemble() checks the value against the certificate before anything is embedded.
      cms = builder.assemble(prepared.contentDigest, value.signatureValue);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::CryptoFailure) throw;
      throw Error(ErrorCode::SignatureMismatch, e.what());
    }
  } else {
    checkExternalCms(cms, signer, prepared.contentDigest);
  }
  if (level == PadesLevel::BaselineB) {
    completeSignatureWithCms(prepared, cms, output);
    return;
  }
  cms = addSignatureTimestamp(cms, *services.timeStamper, prepared.digest);
  if (level == PadesLevel::BaselineT) {
    completeSignatureWithCms(prepared, cms, output);
    return;
  }
  StepFile timestamped(output);
  completeSignatureWithCms(prepared, cms, timestamped.path);
  extendPdf(timestamped.path, output, level, services);
}

void signApproval(const fs::path& input, const fs::path& output,
                  const ApprovalSigningRequest& request, DigestSigner& approverKey,
                  LevelServices& services) {
  SignatureRequest signature;  // no rectangle, no appearance: invisible
  signature.certification = CertificationLevel::None;
  signature.reason = request.reason;
  signature.signingTime = request.signingTime;
  signPdfAtLevel(input, output, signature, approverKey, request.level, services);
}

void issueOfficialDocument(const fs::path& leaderSigned, const fs::path& output,
                           const IssuanceRequest& request, DigestSigner& organisationKey,
                           LevelServices& services) {
  if (request.number < 1) {
    throw Error(ErrorCode::InvalidArgument,
                "a register number starts at 1, not " + std::to_string(request.number));
  }
  if (request.month < 1 || request.month > 12 || request.day < 1 || request.year < 1 ||
      request.day > daysInMonth(request.year, request.month)) {
    throw Error(ErrorCode::InvalidArgument, "the issue date " + std::to_string(request.year) + "-" +
                                                std::to_string(request.month) + "-" +
                                                std::to_string(request.day) + " does not exist");
  }
  if (request.seal.kind != AppearanceKind::Organisation) {
    throw Error(ErrorCode::InvalidArgument,
                "the organisation's signature uses an organisation (seal) appearance");
  }
  StepFile filled(output);
  fillTextFields(leaderSigned, filled.path,
                 {{"so", workflow::formatDocumentNumber(request.number)},
                  {"ngay", decree30Day(request.day)},
                  {"thang", decree30Month(request.month)}});
  SignatureRequest signature;
  signature.existingField = kSealFieldName;
  signature.appearance = request.seal;
  signature.reason = request.reason;
  signature.signingTime = request.signingTime;
  signPdfAtLevel(filled.path, output, signature, organisationKey, request.level, services);
}

}  // namespace vanthu::signing
