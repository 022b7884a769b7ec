#pragma once

// The sample documents of the demo data set: Decree 30 documents of the Ủy ban nhân dân tỉnh
// Thái Nguyên (agency code 000.00.00.H55), ready for the signing and exchange demos.

#include <filesystem>
#include <string>
#include <vector>

#include "vanthu/demo/decree30_pdf.h"

namespace vanthu::demo {

struct SampleDocument {
  std::string fileName;  ///< e.g. "quyet-dinh.pdf"
  std::string title;     ///< a one-line description for listings
  OfficialDocumentLayout layout;
  PdfWriteOptions options;
};

/// The demo set: "quyet-dinh.pdf" (QUYẾT ĐỊNH, one page, classic xref), "cong-van.pdf" (a công văn
/// of at least three pages) and "ke-hoach.pdf" (KẾ HOẠCH, cross-reference and object streams).
const std::vector<SampleDocument>& sampleDocuments();

/// Renders all of them into `dir`, which must exist. Returns the written paths in the order of
/// sampleDocuments(). Throws vanthu::Error like renderOfficialDocument.
std::vector<std::filesystem::path> writeSampleDocuments(const std::filesystem::path& dir);

/// What `pdftotext -raw -enc UTF-8` gives back for the document once whitespace runs are collapsed
/// to single spaces: every line of the layout in drawing order, with the page numbers of pages 2+.
/// (Plain `pdftotext` gives the same words; its column detection may order the header cells
/// differently.)
std::string expectedText(const SampleDocument& document);

}  // namespace vanthu::demo
