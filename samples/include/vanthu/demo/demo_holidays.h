#pragma once

// The national holiday calendar the demo starts with: samples/data/holidays-vn.csv, built into
// the program, read into calendar entries.

#include <string_view>
#include <vector>

#include "vanthu/workflow/deadlines.h"
#include "vanthu/workflow/error.h"

namespace vanthu::demo {

/// Reads a holiday CSV: '#' lines are comments, the first other line is the heading
/// "scope,date,kind,name", then one entry a line; scope "national" (organisation "") or an
/// organisation id, kind "day_off" or "worked". The name is the rest of the line (it may hold
/// commas). InvalidArgument naming the line for anything else, or as
/// workflow::validateCalendarDays() per scope.
Result<std::vector<workflow::CalendarDay>> parseHolidayCsv(std::string_view text);

/// The text of samples/data/holidays-vn.csv.
std::string_view vietnamHolidayCsv();

/// parseHolidayCsv(vietnamHolidayCsv()); throws vanthu::Error if the file built in is broken.
std::vector<workflow::CalendarDay> vietnamHolidays();

}  // namespace vanthu::demo
