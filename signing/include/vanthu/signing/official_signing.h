#pragma once

// The two signatures of an outgoing official document (DESIGN §2, levels 4 and 5;
// standards/vn-government.md §1.5-1.6), built from the signing primitives:
//
//  1. The leader (or a deputy, "KT.") certifies the PDF with DocMDP P=2 and a visible signature.
//     The same update adds what the records office fills in later: empty text fields over the
//     blanks of the header ("Số: ...", "ngày ... tháng ...") and an empty signature field for the
//     organisation's seal. After a P=2 certification, filling fields and signing fields that
//     already exist are the only allowed changes, so both must exist before the leader signs.
//  2. The clerk issues it: the register number and the date go into the fields (form filling),
//     then the organisation signs into the seal field with the seal image, time-stamped.
//
// Each step appends an incremental update; the leader's signature stays valid and a verifier
// reports the changes after it as FORM_FILLING.
//
// Before the leader, review levels may record their approvals as invisible approval signatures
// (signApproval). A DocMDP certification must be the first signature of a file (ISO 32000
// §12.8.2.2), so on a document that carries them the leader's signature is an approval
// signature too: still visible, still adding the number, date and seal fields.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/signing/digest_signer.h"
#include "vanthu/signing/pades_levels.h"
#include "vanthu/signing/pdf_signer.h"
#include "vanthu/signing/signature_appearance.h"

namespace vanthu::signing {

/// The name of the empty signature field the leader's update leaves for the organisation.
inline constexpr const char* kSealFieldName = "ChuKyCoQuan";

struct LeaderSigningRequest {
  int page = 1;       ///< where the visible signature goes (1-based)
  PdfRect rectangle;  ///< the signature box, in points from the page's bottom left
  /// Sign this empty signature field the document already has instead (its page and
  /// rectangle replace `page` and `rectangle`).
  std::optional<std::string> existingField;
  SignatureAppearance appearance;  ///< kind Signer: position (with KT. when deputising), name
  /// The seal field; absent: overlapping the left of the signature box, as Decree 30 places the
  /// seal over about a third of the signature (a 190 x 120 pt box, kept on the page).
  std::optional<PdfRect> sealRectangle;
  std::string reason = "Ký ban hành";
  std::chrono::system_clock::time_point signingTime = std::chrono::system_clock::now();
  PadesLevel level = PadesLevel::BaselineB;
};

/// Step 1. The input must have the Decree 30 header blanks on page 1 (InvalidArgument naming
/// what is missing otherwise). An unsigned input is certified (DocMDP P=2); an input that is
/// signed already (approval signatures) gets an approval signature with the same appearance and
/// fields. Throws the errors of signing (InvalidPdf, InvalidState for a file that is already
/// certified or an existing field signed already, NotFound for no such existing field, ...).
/// The output appears only when complete.
void signAsLeader(const std::filesystem::path& input, const std::filesystem::path& output,
                  const LeaderSigningRequest& request, DigestSigner& leaderKey,
                  LevelServices& services);

struct ApprovalSigningRequest {
  std::string reason = "Duyệt";
  std::chrono::system_clock::time_point signingTime = std::chrono::system_clock::now();
  PadesLevel level = PadesLevel::BaselineB;
};

/// A review level's approval as an invisible approval signature (no DocMDP; a widget with
/// /Rect [0 0 0 0] on page 1, printable and not hidden, as PDF/A wants). Throws the errors of
/// signing (InvalidState on a file certified with no changes allowed, ...).
void signApproval(const std::filesystem::path& input, const std::filesystem::path& output,
                  const ApprovalSigningRequest& request, DigestSigner& approverKey,
                  LevelServices& services);
/// Step 1 with the leader's key elsewhere (a USB token at the leader's desk): phase one of
/// signAsLeader, the same update (appearance, P=2 certification, number/date and seal fields) with
/// an empty /Contents written to `workFile`. Hand `toBeSignedDigest` of the result to the key,
/// then call completeLeaderSignature. Throws what signAsLeader throws.
PreparedSignature prepareLeaderSignature(const std::filesystem::path& input,
                                         const std::filesystem::path& workFile,
                                         const LeaderSigningRequest& request,
                                         const Certificate& signer,
                                         const std::vector<Certificate>& chain);

/// What the key holder sends back for a prepared signature.
struct ExternalSignatureValue {
  /// The raw signature value over the prepared toBeSignedDigest (PKCS#1 v1.5 for RSA, a DER
  /// ECDSA-Sig-Value for EC) ...
  std::string signatureValue;
  /// ... or a whole CMS SignedData (DER) made by the key holder's own software.
  std::string cms;
};

/// Phase two of prepareLeaderSignature: checks the value (SignatureMismatch when the signature
/// value does not verify with the prepared certificate over the prepared digest, or the CMS is not
/// one signature by that certificate whose signed attributes verify and whose message digest is
/// the prepared one), then writes the signature at
/// `level`: B-T adds the signature time-stamp to the CMS; B-LT and B-LTA raise the signed file
/// afterwards as extendPdf does. The output appears only when complete; the work file is consumed.
void completeLeaderSignature(const PreparedSignature& prepared, const ExternalSignatureValue& value,
                             const std::filesystem::path& output, PadesLevel level,
                             LevelServices& services);

struct IssuanceRequest {
  int number = 0;  ///< the register number (1, 2, ...); written "01" ... "09", then 10, 11 ...
  int year = 0;    ///< the issue date, in Vietnam's calendar
  int month = 0;
  int day = 0;
  SignatureAppearance seal;  ///< kind Organisation: the seal image and the organisation's name
  std::string reason = "Phát hành";
  std::chrono::system_clock::time_point signingTime = std::chrono::system_clock::now();
  PadesLevel level = PadesLevel::BaselineT;  ///< the organisation's signature is time-stamped
};

/// The day and month as Decree 30 writes them: a leading 0 for days below 10 and for months 1
/// and 2 ("05", "01", "02"; "3", "12").
std::string decree30Day(int day);
std::string decree30Month(int month);

/// Step 2 on the leader's output: fills "so", "ngay" and "thang", then signs kSealFieldName.
/// InvalidArgument for a number below 1 or an impossible date; NotFound when the input lacks the
/// fields (it was not signed with signAsLeader); the errors of signing and time-stamping.
void issueOfficialDocument(const std::filesystem::path& leaderSigned,
                           const std::filesystem::path& output, const IssuanceRequest& request,
                           DigestSigner& organisationKey, LevelServices& services);

}  // namespace vanthu::signing
