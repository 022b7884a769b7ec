#pragma once

// Dates and timestamps of edXML (QCVN 102:2016). Clients in the field write two forms
// (standards/vn-government.md §2.3): `YYYY/MM/DD` and `dd/MM/yyyy`, timestamps
// `yyyy/MM/dd HH:mm:ss` and `dd/MM/yyyy HH:mm:ss`. Both are read; one is written: year first
// (`2026/11/29`, `2026/11/29 08:30:00`), the form the DocumentId (`OrganId,YYYY/MM/DD,...`) uses,
// so dates sort as text. Timestamps carry no zone: they are Vietnam time (+07:00) as the axis uses.

#include <string>
#include <string_view>

#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

struct EdxmlDate {
  int year = 0;
  int month = 0;  ///< 1-12
  int day = 0;    ///< 1-31, valid for the month

  bool operator==(const EdxmlDate& o) const {
    return year == o.year && month == o.month && day == o.day;
  }
  bool operator!=(const EdxmlDate& o) const { return !(*this == o); }
};

struct EdxmlTimestamp {
  EdxmlDate date;
  int hour = 0;    ///< 0-23
  int minute = 0;  ///< 0-59
  int second = 0;  ///< 0-59

  bool operator==(const EdxmlTimestamp& o) const {
    return date == o.date && hour == o.hour && minute == o.minute && second == o.second;
  }
  bool operator!=(const EdxmlTimestamp& o) const { return !(*this == o); }
};

/// True when the fields name a real calendar day (leap years included), years 1000-9999.
bool isValidDate(const EdxmlDate& date);
bool isValidTimestamp(const EdxmlTimestamp& timestamp);

/// Reads `2026/11/29` or `29/11/2026`. InvalidArgument naming the text otherwise.
Result<EdxmlDate> parseEdxmlDate(std::string_view text);
/// Reads `2026/11/29 08:30:00` or `29/11/2026 08:30:00`. InvalidArgument naming the text otherwise.
Result<EdxmlTimestamp> parseEdxmlTimestamp(std::string_view text);

/// `2026/11/29`. Requires: isValidDate(date).
std::string formatEdxmlDate(const EdxmlDate& date);
/// `2026/11/29 08:30:00`. Requires: isValidTimestamp(timestamp).
std::string formatEdxmlTimestamp(const EdxmlTimestamp& timestamp);

}  // namespace vanthu::exchange
