// The Decree 30 registers as a table of cells, and the CSV they are exported as.

#include "vanthu/workflow/register_table.h"

#include <catch2/catch.hpp>

using namespace vanthu::workflow;

TEST_CASE("a CSV field is quoted only when it must be, with its quotes doubled",
          "[workflow][register_table]") {
  CHECK(csvField("") == "");
  CHECK(csvField("01/QĐ-UBND") == "01/QĐ-UBND");
  CHECK(csvField("Về việc A, B") == "\"Về việc A, B\"");
  CHECK(csvField("Về \"dự án\" mới") == "\"Về \"\"dự án\"\" mới\"");
  CHECK(csvField("dòng 1\ndòng 2") == "\"dòng 1\ndòng 2\"");
  CHECK(csvField("dòng 1\r\ndòng 2") == "\"dòng 1\r\ndòng 2\"");
  CHECK(csvField("\"") == "\"\"\"\"");
}

TEST_CASE("a CSV field a spreadsheet would run as a formula gets a leading apostrophe",
          "[workflow][register_table]") {
  CHECK(csvField("=1+1") == "'=1+1");
  CHECK(csvField("+84 912") == "'+84 912");
  CHECK(csvField("-5") == "'-5");
  CHECK(csvField("@SUM(A1)") == "'@SUM(A1)");
  CHECK(csvField("\tx") == "'\tx");
  CHECK(csvField("=HYPERLINK(\"http://x\",\"y\")") ==
        "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"");
  // Only the first character counts.
  CHECK(csvField("a=b") == "a=b");
  CHECK(csvField("01/QĐ-UBND") == "01/QĐ-UBND");
}

TEST_CASE("the CSV starts with a byte-order mark and ends every record with CRLF",
          "[workflow][register_table]") {
  RegisterTable table;
  table.headings = {"Số, ký hiệu", "Ghi chú"};
  table.rows = {{"01/QĐ-UBND", ""}, {"02/UBND-VP", "Khẩn"}};
  CHECK(toCsv(table) ==
        "\xEF\xBB\xBF\"Số, ký hiệu\",Ghi chú\r\n01/QĐ-UBND,\r\n02/UBND-VP,Khẩn\r\n");
}

TEST_CASE("the outgoing register has the ten Phụ lục IV columns, rows in number order",
          "[workflow][register_table]") {
  RegisterEntry second;
  second.number = 2;
  second.notation = "02/UBND-VP";
  second.subject = "V/v báo cáo";
  second.updatedAt = "2026-03-05T08:00:00Z";
  second.urgency = "urgent";
  second.confidentiality = "confidential";
  RegisterEntry first;
  first.number = 1;
  first.notation = "01/QĐ-UBND";
  first.documentType = "QĐ";
  first.subject = "Về việc ban hành quy chế";
  first.updatedAt = "2026-01-02T01:00:00Z";
  first.signer = "Phạm Quốc Hùng";
  auto table = buildRegisterTable(RegisterKind::Outgoing, "Ủy ban nhân dân tỉnh Thái Nguyên",
                                  "Sổ văn bản đi", 2026, {second, first});
  CHECK(table.title == "SỔ ĐĂNG KÝ VĂN BẢN ĐI — năm 2026");
  CHECK(table.subtitle == "Ủy ban nhân dân tỉnh Thái Nguyên — Sổ văn bản đi");
  REQUIRE(table.headings.size() == 10);
  CHECK(table.columnWeights.size() == 10);
  CHECK(table.headings[0] == "Số, ký hiệu văn bản");
  CHECK(table.headings[8] == "Ký nhận");
  REQUIRE(table.rows.size() == 2);
  CHECK(table.rows[0] == std::vector<std::string>{"01/QĐ-UBND", "02/01/2026",
                                                  "Quyết định: Về việc ban hành quy chế",
                                                  "Phạm Quốc Hùng", "", "", "", "", "", ""});
  CHECK(table.rows[1][0] == "02/UBND-VP");
  CHECK(table.rows[1][2] == "V/v báo cáo");  // a công văn: no type name
  CHECK(table.rows[1][9] == "Khẩn; Mật");
  CHECK(registerFileName(RegisterKind::Outgoing, 2026, "csv") == "so-van-ban-di-2026.csv");
}

TEST_CASE("the incoming register puts the arrival date and the incoming number first",
          "[workflow][register_table]") {
  RegisterEntry entry;
  entry.number = 7;
  entry.notation = "15/TB-BNV";
  entry.documentType = "TB";
  entry.subject = "Lịch họp";
  entry.createdAt = "2026-11-29T04:00:00Z";
  auto table = buildRegisterTable(RegisterKind::Incoming, "UBND xã", "", 2026, {entry});
  CHECK(table.title == "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN — năm 2026");
  CHECK(table.subtitle == "UBND xã");
  REQUIRE(table.headings.size() == 10);
  CHECK(table.headings[0] == "Ngày đến");
  REQUIRE(table.rows.size() == 1);
  CHECK(table.rows[0] == std::vector<std::string>{"29/11/2026", "07", "", "15/TB-BNV", "",
                                                  "Thông báo: Lịch họp", "", "", "", ""});
  CHECK(registerFileName(RegisterKind::Incoming, 2026, "pdf") == "so-van-ban-den-2026.pdf");
  CHECK(formatRegisterDate("garbage") == "");
  RegisterKind kind;
  CHECK(registerKindFromDirection("incoming", kind));
  CHECK(kind == RegisterKind::Incoming);
  CHECK_FALSE(registerKindFromDirection("sideways", kind));
}
