#pragma once

// Electronic identifier codes of agencies (mã định danh điện tử), QCVN 102:2016/BTTTT and Decision
// 20/2020/QĐ-TTg: `V1V2V3.Z1Z2.Y1Y2.X1X2X3`, read from the lowest level on the left to level 1 on
// the right; unused levels are zero-filled (standards/vn-government.md §3).

#include <string>
#include <string_view>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

class AgencyCode {
 public:
  /// Parses "000.00.01.H55". Fails with InvalidArgument and a message naming the bad group.
  static Result<AgencyCode> parse(std::string_view text);

  const std::string& text() const { return text_; }
  /// The level-1 group, e.g. "H55" (province) or "G14" (government bloc).
  std::string levelOne() const { return text_.substr(10, 3); }
  /// 1 for the level-1 body itself (000.00.00.H55) up to 4 for a level-4 unit.
  int level() const;
  /// The code of the body directly above, if any (000.01.02.H55 -> 000.00.02.H55).
  Result<AgencyCode> parent() const;

  bool operator==(const AgencyCode& other) const { return text_ == other.text_; }
  bool operator!=(const AgencyCode& other) const { return text_ != other.text_; }

 private:
  explicit AgencyCode(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

}  // namespace vanthu::workflow
