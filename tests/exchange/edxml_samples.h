#pragma once

// Packages and status messages the exchange tests start from: Vietnamese text everywhere, three
// recipients, three attachments (a PDF with binary bytes, a Word file, every byte value).

#include <filesystem>
#include <string>

#include "test_support.h"
#include "vanthu/exchange/edxml_package.h"
#include "vanthu/exchange/status_message.h"

namespace vanthu::exchange::test {

/// A small valid PDF with the binary comment line PDF writers put after the header.
inline std::string samplePdf() {
  std::string pdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n";
  pdf += "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n";
  pdf += "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n";
  pdf += "trailer << /Root 1 0 R >>\n%%EOF\n";
  return pdf;
}

inline std::string everyByteValue() {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  }
  bytes.push_back('\0');  // a length that is not a multiple of 3: padding at the end
  return bytes;
}

inline Organization agency(const std::string& code, const std::string& name) {
  Organization o;
  o.organId = code;
  o.organName = name;
  return o;
}

inline EdxmlPackage samplePackage() {
  EdxmlPackage p;
  MessageHeader& h = p.header;
  h.from = agency("000.00.00.H49", "Ủy ban nhân dân tỉnh Quảng Ninh");
  h.from.organizationInCharge = "Chủ tịch Ủy ban nhân dân tỉnh";
  h.from.organAdd = "Phường Hồng Hà, thành phố Hạ Long, tỉnh Quảng Ninh";
  h.from.email = "vanthu@quangninh.gov.vn";
  h.from.telephone = "0203 3835 888";
  h.from.fax = "0203 3835 999";
  h.from.website = "https://www.quangninh.gov.vn";
  h.to = {agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Ninh"),
          agency("000.00.02.H49", "Sở Tài chính tỉnh Quảng Ninh"),
          agency("000.00.00.G14", "Văn phòng Chính phủ")};
  h.code = {"267", "UBND-TTĐT"};
  h.promulgationInfo = {"Quảng Ninh", {2026, 11, 29}};
  h.documentType = {18, "1", "Công văn"};
  h.subject = "V/v triển khai chuyển đổi số trong công tác văn thư, lưu trữ";
  h.content =
      "Nội dung tóm tắt: đề nghị các sở, ngành khẩn trương thực hiện.\nDòng thứ hai & <ký tự>.";
  h.signerInfo = {"KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Thắng"};
  h.dueDate = EdxmlDate{2026, 12, 15};
  h.toPlaces = {"Như trên;", "Chủ tịch, các PCT UBND tỉnh;", "Lưu: VT, TTĐT."};
  h.otherInfo.priority = 2;
  h.otherInfo.sphereOfPromulgation = "Lưu hành nội bộ";
  h.otherInfo.typerNotation = "NVT";
  h.otherInfo.promulgationAmount = 12;
  h.otherInfo.pageAmount = 3;
  h.otherInfo.appendixes = {"Phụ lục I: Danh mục hồ sơ", "Phụ lục II: Biểu mẫu báo cáo"};
  ResponseFor answered;
  answered.organId = "000.00.00.G14";
  answered.code = "1234/VPCP-KSTT";
  answered.promulgationDate = EdxmlDate{2026, 10, 2};
  answered.documentId = "000.00.00.G14,2026/10/02,1234/VPCP-KSTT";
  h.responseFor = {answered};
  h.steeringType = 1;
  h.documentId = "000.00.00.H49,2026/11/29,267/UBND-TTĐT";

  TraceHeaderList& t = p.trace;
  t.traceHeaders = {{"000.00.00.H49", {{2026, 11, 29}, 8, 30, 5}},
                    {"000.00.00.G14", {{2026, 11, 29}, 8, 31, 0}}};
  t.business.docType = BusinessDocType::Update;
  t.business.reason = "Cập nhật danh sách nơi nhận";
  BusinessDocumentInfo info;
  info.documentInfo = false;
  info.documentReceiver = true;
  info.receivers = {{1, "000.00.02.H49"}};
  t.business.documentInfo = info;
  t.business.documentId = "000.00.00.H49,2026/11/29,267/UBND-TTĐT";
  t.business.staffInfo = {"Văn phòng UBND tỉnh", "Trần Thị Hương", "0912345678",
                          "huong@quangninh.gov.vn"};
  t.business.paper = true;
  t.business.replacements = {
      {"000.00.00.H49,2026/11/20,250/UBND-TTĐT", {"000.00.01.H49", "000.00.02.H49"}}};

  p.attachments = {
      {"cid:8a1c2f4e-0b7d-4c1e-9a5b-2f3e4d5c6b7a", "267-UBND-TTĐT.pdf", "application/pdf",
       "Văn bản đã ký số", samplePdf()},
      {"cid:1b2c3d4e-5f60-4718-8a9b-0c1d2e3f4a5b", "Phụ lục I.docx",
       "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "",
       std::string("PK\x03\x04", 4) + "nội dung"},
      {"cid:c0ffee00-0000-4000-8000-000000000001", "bytes.bin", "application/octet-stream",
       "Mọi giá trị byte", everyByteValue()},
  };
  return p;
}

inline StatusMessage sampleStatus(StatusCode code) {
  StatusMessage m;
  m.responseFor.organId = "000.00.00.H49";
  m.responseFor.code = "267/UBND-TTĐT";
  m.responseFor.promulgationDate = EdxmlDate{2026, 11, 29};
  m.responseFor.documentId = "000.00.00.H49,2026/11/29,267/UBND-TTĐT";
  m.from = agency("000.00.01.H49", "Sở Nội vụ tỉnh Quảng Ninh");
  m.statusCode = code;
  m.description = "Đã tiếp nhận và vào sổ văn bản đến";
  m.timestamp = {{2026, 11, 29}, 14, 5, 59};
  m.staffInfo = {"Văn phòng Sở", "Lê Văn An", "0987654321", "an@snv.quangninh.gov.vn"};
  return m;
}

/// samples/edxml/NAME in the source tree.
inline std::filesystem::path sampleSchema(const std::string& name) {
  return vanthu::test::sourceDir() / "samples" / "edxml" / name;
}

/// `text` with the first `from` replaced by `to`. Requires: `from` occurs.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace vanthu::exchange::test
