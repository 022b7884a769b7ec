#pragma once

// PAdES signatures on PDF files, appended as incremental updates (DESIGN §6).
//
// Signing runs in two phases so that the key can be anywhere:
//   prepare()  writes the signed file with an empty /Contents placeholder and returns the digest
//              the key must sign (and everything needed to finish, serialisable to text);
//   complete() builds the CMS from the signature value and writes it into the placeholder.
// sign() does both with a DigestSigner in one call.
//
// Guarantees: the bytes of the input are the unchanged prefix of the output; only changed objects
// are appended, with an xref section of the same form as the last one; the output appears under
// its name only when complete (temporary file + rename).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/signing/cms_signature.h"
#include "vanthu/signing/digest_signer.h"
#include "vanthu/signing/signature_appearance.h"

namespace vanthu::signing {

/// DocMDP permissions of a certification signature (ISO 32000 §12.8.2.2).
enum class CertificationLevel : uint8_t {
  Unknown = 0,
  None,         ///< an approval signature
  NoChanges,    ///< P=1
  FormFilling,  ///< P=2: form filling and further signatures allowed
  Annotations,  ///< P=3: P=2 plus annotations
};

/// A rectangle in PDF user space (points, origin bottom left).
struct PdfRect {
  double x = 0;
  double y = 0;
  double width = 0;
  double height = 0;
};

/// An empty text field the certifying signature adds, for a value filled in after it (the
/// clerk's number and date): filling it then is form filling, which DocMDP P=2 allows, and never
/// a change of page content.
struct TextFieldSpec {
  std::string name;  ///< e.g. "so", "ngay", "thang"
  int page = 1;
  PdfRect rectangle;
  /// An empty signature field instead (the organisation's seal that follows the leader's
  /// certification): signing into a field that the certified revision already has is
  /// allowed under DocMDP P=2, while a new visible signature field is not.
  bool signature = false;
};

struct SignatureRequest {
  /// The name of a new signature field; empty: "Signature1", "Signature2", ...
  std::string fieldName;
  /// Sign this pre-existing empty signature field instead of creating one.
  std::optional<std::string> existingField;
  /// 1-based page of a new field (invisible fields go on page 1).
  int page = 1;
  /// Where a new visible field goes; absent: an invisible signature (or, for an attachment
  /// appearance, the top right of page 1).
  std::optional<PdfRect> rectangle;
  /// What the visible signature shows (Decree 30 layouts); absent: invisible.
  std::optional<SignatureAppearance> appearance;
  /// Empty text fields added in the same update (before the signature covers it).
  std::vector<TextFieldSpec> textFields;
  /// Also add the fields "so", "ngay" and "thang" where page 1's text has the blanks of a Decree
  /// 30 header (after "Số:", and in "ngày ... tháng ... năm"); InvalidArgument if not found.
  bool numberDateFields = false;
  SignatureFormat format = SignatureFormat::PadesCades;
  DigestAlgorithm digest = DigestAlgorithm::Sha256;
  CertificationLevel certification = CertificationLevel::None;
  std::string reason;
  std::string location;
  std::string contactInfo;
  /// The claimed signing time, /M (PAdES puts the time here, not in the CMS).
  std::chrono::system_clock::time_point signingTime = std::chrono::system_clock::now();
  /// Bytes of DER reserved for the CMS (the /Contents placeholder is twice this in hex).
  size_t reservedCmsBytes = 16384;
  /// ResumableSha256::save() of the input's bytes, computed when the input was stored: the
  /// digest continues it instead of reading the input again (SHA-256 only).
  std::optional<std::string> inputSha256State;
  /// Write only the appended update to the work file: the caller keeps the input and the tail
  /// ("parent + tail" storage), so signing a 200 MB scan copies nothing.
  bool tailOnly = false;
};

/// What phase one hands to whoever holds the key, and what phase two needs. Plain data: it can be
/// saved with serialize() and read back after a restart (external signing at a user's desk).
struct PreparedSignature {
  std::filesystem::path workFile;   ///< the output with the placeholder, not yet under its name
  uint64_t workFileBase = 0;        ///< document offset of the work file's first byte (tailOnly)
  uint64_t contentsOffset = 0;      ///< offset of the first hex digit inside /Contents <...>
  uint64_t contentsLength = 0;      ///< number of hex digits reserved
  std::vector<uint64_t> byteRange;  ///< the four numbers of /ByteRange
  SignatureFormat format = SignatureFormat::PadesCades;
  DigestAlgorithm digest = DigestAlgorithm::Sha256;
  std::string contentDigest;     ///< hash of the ByteRange bytes
  std::string signedAttributes;  ///< DER; what the key signs (after hashing)
  std::string toBeSignedDigest;  ///< hash of signedAttributes: hand this to the key
  std::string certificatePem;    ///< the signer's certificate
  std::string chainPem;          ///< its issuers

  std::string serialize() const;
  /// InvalidArgument when `text` is not a prepared signature.
  static PreparedSignature deserialize(const std::string& text);
};

/// Phase one. `workFile` receives the prepared PDF (overwritten). Throws vanthu::Error:
/// InvalidPdf (unreadable, broken cross-references, encrypted), InvalidPassword, NotFound (no such
/// existing field), InvalidState (the field is signed already, or a certification after one),
/// IoFailure.
PreparedSignature prepareSignature(const std::filesystem::path& input,
                                   const std::filesystem::path& workFile,
                                   const SignatureRequest& request, const Certificate& signer,
                                   const std::vector<Certificate>& chain);

/// Phase one of a document time-stamp (/DocTimeStamp, ETSI.RFC3161): the token for
/// `prepared.contentDigest` goes in with completeSignatureWithCms.
PreparedSignature prepareDocumentTimestamp(const std::filesystem::path& input,
                                           const std::filesystem::path& workFile,
                                           SignatureRequest request = {});

/// Phase two with a signature value over `prepared.toBeSignedDigest`: builds the CMS, writes it
/// into the placeholder and renames the work file to `output`. CryptoFailure when the value does
/// not verify; InvalidArgument when the CMS does not fit the placeholder.
void completeSignature(const PreparedSignature& prepared, const std::string& signatureValue,
                       const std::filesystem::path& output);

/// Phase two with a complete CMS (or, for a document time-stamp, a TimeStampToken) made
/// elsewhere: checked to cover `prepared.contentDigest` before it is embedded.
void completeSignatureWithCms(const PreparedSignature& prepared, const std::string& cmsDer,
                              const std::filesystem::path& output);

/// Fills text fields (by fully qualified name) in an incremental update: /V and an appearance
/// drawn with an embedded Liberation Serif subset. Only the field objects change. Throws
/// vanthu::Error: NotFound (no such text field), InvalidArgument (a glyph missing), InvalidPdf.
void fillTextFields(
    const std::filesystem::path& input, const std::filesystem::path& output,
    const std::vector<std::pair<std::string, std::string>>& values, double fontSize = 13,
    const std::filesystem::path& fontDirectory = "/usr/share/fonts/truetype/liberation2");

/// Both phases with a key at hand. The output appears only when complete.
void signPdf(const std::filesystem::path& input, const std::filesystem::path& output,
             const SignatureRequest& request, DigestSigner& key);

}  // namespace vanthu::signing
