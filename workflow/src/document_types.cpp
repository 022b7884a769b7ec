#include "vanthu/workflow/document_types.h"

#include <algorithm>

namespace vanthu::workflow {
namespace {

// Phụ lục III. Bản ghi nhớ, bản thỏa thuận and giấy nghỉ phép: most sources give BGN/BTT/GNP,
// two give GN/TTh/NP (the abbreviations of the older circular 01/2011/TT-BNV). We follow the
// majority until someone checks the official PDF (standards/vn-government.md, open question 1);
// the keys stay the same whichever way it goes.
const std::vector<DocumentType>& table() {
  static const std::vector<DocumentType> types = {
      {"nghi_quyet", "Nghị quyết", "NQ"},
      {"quyet_dinh", "Quyết định", "QĐ"},
      {"chi_thi", "Chỉ thị", "CT"},
      {"quy_che", "Quy chế", "QC"},
      {"quy_dinh", "Quy định", "QyĐ"},
      {"thong_cao", "Thông cáo", "TC"},
      {"thong_bao", "Thông báo", "TB"},
      {"huong_dan", "Hướng dẫn", "HD"},
      {"chuong_trinh", "Chương trình", "CTr"},
      {"ke_hoach", "Kế hoạch", "KH"},
      {"phuong_an", "Phương án", "PA"},
      {"de_an", "Đề án", "ĐA"},
      {"du_an", "Dự án", "DA"},
      {"bao_cao", "Báo cáo", "BC"},
      {"bien_ban", "Biên bản", "BB"},
      {"to_trinh", "Tờ trình", "TTr"},
      {"hop_dong", "Hợp đồng", "HĐ"},
      {"cong_van", "Công văn", ""},
      {"cong_dien", "Công điện", "CĐ"},
      {"ban_ghi_nho", "Bản ghi nhớ", "BGN"},
      {"ban_thoa_thuan", "Bản thỏa thuận", "BTT"},
      {"giay_uy_quyen", "Giấy ủy quyền", "GUQ"},
      {"giay_moi", "Giấy mời", "GM"},
      {"giay_gioi_thieu", "Giấy giới thiệu", "GGT"},
      {"giay_nghi_phep", "Giấy nghỉ phép", "GNP"},
      {"phieu_gui", "Phiếu gửi", "PG"},
      {"phieu_chuyen", "Phiếu chuyển", "PC"},
      {"phieu_bao", "Phiếu báo", "PB"},
      {"thu_cong", "Thư công", ""},
  };
  return types;
}

// '-' and '/' separate the groups of a notation and a notation has no spaces, so none of them
// may hide inside an abbreviation.
bool usableInNotation(std::string_view abbreviation) {
  return std::none_of(abbreviation.begin(), abbreviation.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/' || c == '-';
  });
}

}  // namespace

const std::vector<DocumentType>& documentTypes() {
  return table();
}

std::optional<DocumentType> documentTypeByKey(std::string_view key) {
  for (const auto& type : table()) {
    if (type.key == key) return type;
  }
  return std::nullopt;
}

std::optional<DocumentType> documentTypeByAbbreviation(std::string_view abbreviation) {
  if (abbreviation.empty()) return std::nullopt;
  for (const auto& type : table()) {
    if (type.abbreviation == abbreviation) return type;
  }
  return std::nullopt;
}

std::string formatDocumentNumber(int number) {
  std::string digits = std::to_string(number);
  return number < 10 ? "0" + digits : digits;
}

Result<std::string> formNotation(int number, const DocumentType& type,
                                 std::string_view agencyAbbreviation,
                                 std::string_view unitAbbreviation) {
  if (number < 1) {
    return Status::invalidArgument("a document number starts at 1, not " + std::to_string(number));
  }
  if (agencyAbbreviation.empty()) {
    return Status::invalidArgument("the agency abbreviation is empty");
  }
  if (!usableInNotation(agencyAbbreviation)) {
    return Status::invalidArgument("agency abbreviation '" + std::string(agencyAbbreviation) +
                                   "' has a space, '/' or '-'");
  }
  if (!usableInNotation(type.abbreviation)) {
    return Status::invalidArgument("type abbreviation '" + type.abbreviation +
                                   "' has a space, '/' or '-'");
  }
  std::string prefix = formatDocumentNumber(number) + "/";
  if (!type.abbreviation.empty()) {
    return prefix + type.abbreviation + "-" + std::string(agencyAbbreviation);
  }
  // Công văn and thư công: the drafting unit (or field) tells them apart instead of a type.
  if (unitAbbreviation.empty()) {
    return Status::invalidArgument("a " + type.name +
                                   " is numbered with the drafting unit's abbreviation, and none "
                                   "was given");
  }
  if (!usableInNotation(unitAbbreviation)) {
    return Status::invalidArgument("unit abbreviation '" + std::string(unitAbbreviation) +
                                   "' has a space, '/' or '-'");
  }
  return prefix + std::string(agencyAbbreviation) + "-" + std::string(unitAbbreviation);
}

}  // namespace vanthu::workflow
