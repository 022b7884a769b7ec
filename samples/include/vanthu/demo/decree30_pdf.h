#pragma once

// Renders an official administrative document (văn bản hành chính) in the layout of Decree
// 30/2020/NĐ-CP, Phụ lục I, to PDF. The demo set and the signing tests use it; PoDoFo stays an
// implementation detail of the .cpp.

#include <filesystem>
#include <string>
#include <vector>

namespace vanthu::demo {

/// The components of a document (Decree 30, Art. 8). All strings are UTF-8 in NFC; the renderer
/// does no normalisation but rejects characters the embedded font has no glyph for.
struct OfficialDocumentLayout {
  std::string superiorAgency;  ///< e.g. "UBND TỈNH THÁI NGUYÊN"; upper case, regular; may be empty
  std::string issuingAgency;    ///< e.g. "VĂN PHÒNG"; bold upper case with a short rule under it
  std::string numberNotation;   ///< "Số:      /QĐ-UBND" (the number is blank until issue)
  std::string placeAndDate;     ///< "Thái Nguyên, ngày      tháng      năm 2026"; italic
  std::string urgency;          ///< optional mark, e.g. "HỎA TỐC"; bold
  std::string confidentiality;  ///< optional mark, e.g. "MẬT"; bold
  std::string typeName;         ///< "QUYẾT ĐỊNH", bold centred; empty for a công văn
  std::string subject;  ///< trích yếu; for a công văn rendered under the number as "V/v ..."
  std::vector<std::string> preamble;        ///< centred bold lines before the body (optional)
  std::vector<std::string> bodyParagraphs;  ///< justified, first-line indent
  std::string authorityMarker;  ///< "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"; may be empty
  std::string signerPosition;   ///< "CHỦ TỊCH"
  std::string signerName;       ///< "Phạm Quốc Hùng"
  std::vector<std::string> recipients;  ///< the "Nơi nhận:" list, last "- Lưu: VT, TH."
};

struct PdfWriteOptions {
  /// Write a cross-reference stream (PDF 1.5) with the non-stream objects packed into an object
  /// stream (/ObjStm) instead of a classic xref table.
  bool xrefStream = false;
  /// The Info /CreationDate and /ModDate as a PDF date ("D:YYYYMMDDHHmmSS+07'00'"). Fixed by
  /// default so that the same layout gives byte-identical files.
  std::string creationDate = "D:20260105090000+07'00'";
};

/// Renders `layout` on A4 pages (margins top 20 mm, bottom 20 mm, left 30 mm, right 15 mm): the
/// agency top left, the national motto top right, body in Liberation Serif 13 pt justified, page
/// numbers centred in the top margin from page 2 on, the signer block at the right with ~35 mm left
/// for the signature, "Nơi nhận:" beside it at the left. Lines wrap by font metrics and pages break
/// as needed. Fonts are embedded as Identity-H subsets with ToUnicode, so text extraction returns
/// the exact text. Writes to a temporary file beside `out` and renames it.
/// Throws vanthu::Error: InvalidArgument (a character the font lacks, malformed UTF-8, an
/// unplaceable block, a malformed creation date), IoFailure (font missing, write failed),
/// Internal (another PoDoFo failure).
void renderOfficialDocument(const OfficialDocumentLayout& layout, const std::filesystem::path& out,
                            const PdfWriteOptions& options = {});

/// The text of the document as renderOfficialDocument draws it, page numbers included, in
/// content-stream order (page number, header row by row, body, recipients, signer), which is what
/// `pdftotext -raw` gives back; whitespace runs are collapsed to one space. Runs the same line and
/// page breaking as the renderer. Throws like it.
std::string renderedText(const OfficialDocumentLayout& layout);

}  // namespace vanthu::demo
