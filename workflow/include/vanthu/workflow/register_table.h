#pragma once

// The registers a records office keeps under Decree 30/2020/NĐ-CP, Phụ lục IV: the sổ đăng ký
// văn bản đi (outgoing) and the sổ đăng ký văn bản đến (incoming), ten columns each, as a table
// of text cells (title, headings, rows) that the CSV writer here and the PDF renderer print.
//
// What fills which column (what the schema holds today; the rest stays empty, as the blank
// columns of a printed register that the clerk fills by hand):
//   Outgoing: số, ký hiệu ← the notation (or the number alone when there is none);
//             ngày tháng ← the date of the document's last change (updated_at; the issuance date
//             is not stored apart yet); tên loại và trích yếu ← the Decree 30 type name and the
//             subject (a công văn carries no type name: its subject alone); người ký ← the full
//             name of the actor of the document's latest "signature" version, when there is one;
//             ghi chú ← the urgency and confidentiality marks when not "normal".
//             Empty: nơi nhận, đơn vị/người nhận bản lưu, số lượng bản, ngày chuyển (not in the
//             schema yet), ký nhận (a signature on paper).
//   Incoming: ngày đến ← the date the document was recorded (created_at); số đến ← the register
//             number; số, ký hiệu ← the notation; tên loại và trích yếu, ghi chú as outgoing.
//             Empty: tác giả, ngày tháng of the document, đơn vị hoặc người nhận, ngày chuyển
//             (not in the schema yet), ký nhận (on paper).

#include <string>
#include <string_view>
#include <vector>

namespace vanthu::workflow {

enum class RegisterKind { Outgoing, Incoming };

/// "outgoing" or "incoming" (a register's direction) into `kind`; false for anything else.
bool registerKindFromDirection(std::string_view direction, RegisterKind& kind);

/// One document issued (or registered) under a register's number, as storage reads it.
struct RegisterEntry {
  int number = 0;
  std::string notation;      ///< "01/QĐ-UBND"; "" when none was recorded
  std::string documentType;  ///< Decree 30 abbreviation ("QĐ"); "" for công văn
  std::string subject;
  std::string createdAt;  ///< ISO 8601 UTC
  std::string updatedAt;  ///< ISO 8601 UTC
  std::string urgency = "normal";
  std::string confidentiality = "normal";
  std::string signer;  ///< full name; "" when unknown
};

struct RegisterTable {
  std::string title;     ///< "SỔ ĐĂNG KÝ VĂN BẢN ĐI — năm 2026"
  std::string subtitle;  ///< the organisation and the register's name
  std::vector<std::string> headings;
  /// Relative widths of the columns, for printing; one per heading.
  std::vector<double> columnWeights;
  std::vector<std::vector<std::string>> rows;  ///< one cell per heading
};

/// The ten Phụ lục IV headings of `kind`, in order.
const std::vector<std::string>& registerHeadings(RegisterKind kind);

/// The table of `entries` (kept in register-number order) of one register for one year.
RegisterTable buildRegisterTable(RegisterKind kind, std::string_view organisationName,
                                 std::string_view registerName, int year,
                                 std::vector<RegisterEntry> entries);

/// "2026-03-05T08:00:00Z" → "05/03/2026"; "" when the text does not start with a date.
std::string formatRegisterDate(std::string_view isoTime);

/// One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF (quotes doubled).
/// A field that a spreadsheet would run as a formula (starting with = + - @, tab or CR) gets a
/// leading apostrophe first.
std::string csvField(std::string_view cell);

/// The headings and the rows as CSV: UTF-8 with a byte-order mark (Excel then reads Vietnamese
/// correctly), CRLF after every record.
std::string toCsv(const RegisterTable& table);

/// An ASCII file name: "so-van-ban-di-2026.csv", "so-van-ban-den-2026.pdf".
std::string registerFileName(RegisterKind kind, int year, std::string_view extension);

}  // namespace vanthu::workflow
