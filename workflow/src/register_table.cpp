#include "vanthu/workflow/register_table.h"

#include <algorithm>
#include <cctype>

#include "vanthu/workflow/document_types.h"

namespace vanthu::workflow {
namespace {

std::string typeAndSubject(const RegisterEntry& entry) {
  // A công văn carries no type name (Phụ lục I: its subject follows "V/v").
  if (entry.documentType.empty()) return entry.subject;
  std::string name = entry.documentType;
  if (auto type = documentTypeByAbbreviation(entry.documentType)) {
    name = type->name;
  } else if (auto byKey = documentTypeByKey(entry.documentType)) {
    name = byKey->name;
  }
  if (entry.subject.empty()) return name;
  return name + ": " + entry.subject;
}

// The marks as Decree 30 prints them (urgency: Art. 8; secrecy: Law 29/2018/QH14).
std::string mark(std::string_view value) {
  if (value == "urgent") return "Khẩn";
  if (value == "very_urgent") return "Thượng khẩn";
  if (value == "express") return "Hỏa tốc";
  if (value == "confidential") return "Mật";
  if (value == "secret") return "Tối mật";
  if (value == "top_secret") return "Tuyệt mật";
  return std::string(value);
}

std::string notes(const RegisterEntry& entry) {
  std::string out;
  for (const auto& value : {entry.urgency, entry.confidentiality}) {
    if (value.empty() || value == "normal") continue;
    if (!out.empty()) out += "; ";
    out += mark(value);
  }
  return out;
}

std::string numberAndNotation(const RegisterEntry& entry) {
  if (!entry.notation.empty()) return entry.notation;
  return entry.number >= 1 ? formatDocumentNumber(entry.number) : std::string();
}

}  // namespace

bool registerKindFromDirection(std::string_view direction, RegisterKind& kind) {
  if (direction == "outgoing") {
    kind = RegisterKind::Outgoing;
    return true;
  }
  if (direction == "incoming") {
    kind = RegisterKind::Incoming;
    return true;
  }
  return false;
}

const std::vector<std::string>& registerHeadings(RegisterKind kind) {
  static const std::vector<std::string> outgoing = {"Số, ký hiệu văn bản",
                                                    "Ngày tháng văn bản",
                                                    "Tên loại và trích yếu nội dung văn bản",
                                                    "Người ký",
                                                    "Nơi nhận văn bản",
                                                    "Đơn vị, người nhận bản lưu",
                                                    "Số lượng bản",
                                                    "Ngày chuyển",
                                                    "Ký nhận",
                                                    "Ghi chú"};
  static const std::vector<std::string> incoming = {"Ngày đến",
                                                    "Số đến",
                                                    "Tác giả",
                                                    "Số, ký hiệu",
                                                    "Ngày tháng",
                                                    "Tên loại và trích yếu nội dung",
                                                    "Đơn vị hoặc người nhận",
                                                    "Ngày chuyển",
                                                    "Ký nhận",
                                                    "Ghi chú"};
  return kind == RegisterKind::Outgoing ? outgoing : incoming;
}

std::string formatRegisterDate(std::string_view isoTime) {
  if (isoTime.size() < 10 || isoTime[4] != '-' || isoTime[7] != '-') return "";
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(isoTime[i]))) return "";
  }
  return std::string(isoTime.substr(8, 2)) + "/" + std::string(isoTime.substr(5, 2)) + "/" +
         std::string(isoTime.substr(0, 4));
}

RegisterTable buildRegisterTable(RegisterKind kind, std::string_view organisationName,
                                 std::string_view registerName, int year,
                                 std::vector<RegisterEntry> entries) {
  std::stable_sort(
      entries.begin(), entries.end(),
      [](const RegisterEntry& a, const RegisterEntry& b) { return a.number < b.number; });
  RegisterTable table;
  table.title = std::string(kind == RegisterKind::Outgoing ? "SỔ ĐĂNG KÝ VĂN BẢN ĐI"
                                                           : "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN") +
                " — năm " + std::to_string(year);
  table.subtitle = std::string(organisationName);
  if (!registerName.empty())
    table.subtitle += (table.subtitle.empty() ? "" : " — ") + std::string(registerName);
  table.headings = registerHeadings(kind);
  if (kind == RegisterKind::Outgoing) {
    table.columnWeights = {11, 8, 26, 11, 12, 10, 6, 7, 7, 8};
  } else {
    table.columnWeights = {8, 6, 12, 11, 8, 24, 11, 7, 6, 7};
  }
  for (const auto& entry : entries) {
    if (kind == RegisterKind::Outgoing) {
      table.rows.push_back({numberAndNotation(entry), formatRegisterDate(entry.updatedAt),
                            typeAndSubject(entry), entry.signer, "", "", "", "", "", notes(entry)});
    } else {
      table.rows.push_back({formatRegisterDate(entry.createdAt),
                            entry.number >= 1 ? formatDocumentNumber(entry.number) : "", "",
                            entry.notation, "", typeAndSubject(entry), "", "", "", notes(entry)});
    }
  }
  return table;
}

std::string csvField(std::string_view cell) {
  std::string value;
  if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                        cell[0] == '\t' || cell[0] == '\r')) {
    value = "'";
  }
  value += cell;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string toCsv(const RegisterTable& table) {
  std::string out = "\xEF\xBB\xBF";
  auto record = [&out](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) out += ',';
      out += csvField(cells[i]);
    }
    out += "\r\n";
  };
  record(table.headings);
  for (const auto& row : table.rows) record(row);
  return out;
}

std::string registerFileName(RegisterKind kind, int year, std::string_view extension) {
  return std::string(kind == RegisterKind::Outgoing ? "so-van-ban-di-" : "so-van-ban-den-") +
         std::to_string(year) + "." + std::string(extension);
}

}  // namespace vanthu::workflow
