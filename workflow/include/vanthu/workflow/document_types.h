#pragma once

// The 29 administrative document types of Decree 30/2020/NĐ-CP (Art. 7, Phụ lục III) and the
// number/notation they carry (Art. 15, Phụ lục I): "15/QĐ-UBND" for a typed document,
// "15/UBND-VP" for a công văn. Legal normative documents (NĐ, TT, ...) are numbered outside
// Decree 30 and are not listed here.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

struct DocumentType {
  /// Stable ASCII id for the API and the database, e.g. "quyet_dinh", "cong_van". The
  /// abbreviation cannot be the id: two types have none, and "Đ" makes it non-ASCII.
  std::string key;
  std::string name;  ///< "Quyết định"
  /// The official abbreviation as printed, e.g. "QĐ", "QyĐ", "TTr"; "" for công văn and thư
  /// công, which carry none ("CV" is not official).
  std::string abbreviation;
};

/// The 29 types in the order of Art. 7.
const std::vector<DocumentType>& documentTypes();

std::optional<DocumentType> documentTypeByKey(std::string_view key);
/// Exact, case-sensitive: "HĐ" (hợp đồng) is not "HD" (hướng dẫn). An empty abbreviation
/// finds nothing, since two types share it.
std::optional<DocumentType> documentTypeByAbbreviation(std::string_view abbreviation);

/// The number as printed: at least two digits ("05", "15", "123"). Requires number >= 1.
std::string formatDocumentNumber(int number);

/// The number and notation (Phụ lục I): "15/QĐ-UBND" for a type with an abbreviation,
/// "15/UBND-VP" (agency, then the drafting unit or field) for one without. InvalidArgument for a
/// number below 1, an empty agency abbreviation, an abbreviation with a space, '/' or '-' (they
/// separate the groups), or a type without an abbreviation and no unit abbreviation.
Result<std::string> formNotation(int number, const DocumentType& type,
                                 std::string_view agencyAbbreviation,
                                 std::string_view unitAbbreviation);

}  // namespace vanthu::workflow
