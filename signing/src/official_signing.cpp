#include "vanthu/signing/official_signing.h"

#include <algorithm>
#include <system_error>

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
  signPdfAtLevel(input, output, signature, leaderKey, request.level, services);
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
