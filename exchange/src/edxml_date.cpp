#include "vanthu/exchange/edxml_date.h"

#include <cctype>
#include <cstdio>

namespace vanthu::exchange {
namespace {

bool isLeapYear(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int daysInMonth(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && isLeapYear(year) ? 29 : kDays[month - 1];
}

// Exactly `width` digits at `text[at]`.
bool readNumber(std::string_view text, size_t at, size_t width, int* value) {
  if (at + width > text.size()) return false;
  int n = 0;
  for (size_t i = at; i < at + width; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
    n = n * 10 + (text[i] - '0');
  }
  *value = n;
  return true;
}

// The 10-character date at the start of `text`, either form.
bool readDate(std::string_view text, EdxmlDate* date) {
  if (text.size() < 10) return false;
  if (text[4] == '/' && text[7] == '/') {  // 2026/11/29
    return readNumber(text, 0, 4, &date->year) && readNumber(text, 5, 2, &date->month) &&
           readNumber(text, 8, 2, &date->day);
  }
  if (text[2] == '/' && text[5] == '/') {  // 29/11/2026
    return readNumber(text, 0, 2, &date->day) && readNumber(text, 3, 2, &date->month) &&
           readNumber(text, 6, 4, &date->year);
  }
  return false;
}

Status badDate(std::string_view text, const char* what) {
  return Status::invalidArgument("'" + std::string(text) + "' is not a " + what +
                                 " (expected YYYY/MM/DD or dd/MM/yyyy" +
                                 (std::string(what) == "timestamp" ? " and HH:mm:ss)" : ")"));
}

}  // namespace

bool isValidDate(const EdxmlDate& date) {
  return date.year >= 1000 && date.year <= 9999 && date.month >= 1 && date.month <= 12 &&
         date.day >= 1 && date.day <= daysInMonth(date.year, date.month);
}

bool isValidTimestamp(const EdxmlTimestamp& t) {
  return isValidDate(t.date) && t.hour >= 0 && t.hour <= 23 && t.minute >= 0 && t.minute <= 59 &&
         t.second >= 0 && t.second <= 59;
}

Result<EdxmlDate> parseEdxmlDate(std::string_view text) {
  EdxmlDate date;
  if (text.size() != 10 || !readDate(text, &date) || !isValidDate(date)) {
    return badDate(text, "date");
  }
  return date;
}

Result<EdxmlTimestamp> parseEdxmlTimestamp(std::string_view text) {
  EdxmlTimestamp t;
  if (text.size() != 19 || !readDate(text, &t.date) || text[10] != ' ' || text[13] != ':' ||
      text[16] != ':' || !readNumber(text, 11, 2, &t.hour) || !readNumber(text, 14, 2, &t.minute) ||
      !readNumber(text, 17, 2, &t.second) || !isValidTimestamp(t)) {
    return badDate(text, "timestamp");
  }
  return t;
}

std::string formatEdxmlDate(const EdxmlDate& date) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d/%02d/%02d", date.year, date.month, date.day);
  return buffer;
}

std::string formatEdxmlTimestamp(const EdxmlTimestamp& t) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, " %02d:%02d:%02d", t.hour, t.minute, t.second);
  return formatEdxmlDate(t.date) + buffer;
}

}  // namespace vanthu::exchange
