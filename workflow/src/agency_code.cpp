#include "vanthu/workflow/agency_code.h"

#include <cctype>

namespace vanthu::workflow {
namespace {

bool allDigits(std::string_view s) {
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}

Status badCode(std::string_view text, const std::string& why) {
  return Status::invalidArgument("agency code '" + std::string(text) + "' " + why +
                                 " (expected the form 000.00.00.H55)");
}

}  // namespace

Result<AgencyCode> AgencyCode::parse(std::string_view text) {
  // Fixed width: 3 + 1 + 2 + 1 + 2 + 1 + 3 = 13 characters.
  if (text.size() != 13 || text[3] != '.' || text[6] != '.' || text[9] != '.') {
    return badCode(text, "is not four dot-separated groups of 3, 2, 2 and 3 characters");
  }
  if (!allDigits(text.substr(0, 3)))
    return badCode(text, "has a level-4 group that is not 3 digits");
  if (!allDigits(text.substr(4, 2)))
    return badCode(text, "has a level-3 group that is not 2 digits");
  if (!allDigits(text.substr(7, 2)))
    return badCode(text, "has a level-2 group that is not 2 digits");
  char bloc = text[10];
  if (std::isupper(static_cast<unsigned char>(bloc)) == 0 || !allDigits(text.substr(11, 2))) {
    return badCode(text, "has a level-1 group that is not an upper-case letter and 2 digits");
  }
  // A lower level cannot be set under an unset one: 001.00.01.H55 names nothing.
  bool level2 = text.substr(7, 2) != "00";
  bool level3 = text.substr(4, 2) != "00";
  bool level4 = text.substr(0, 3) != "000";
  if ((level3 && !level2) || (level4 && !level3)) {
    return badCode(text, "sets a lower level under a zero higher level");
  }
  return AgencyCode(std::string(text));
}

int AgencyCode::level() const {
  if (text_.compare(0, 3, "000") != 0) return 4;
  if (text_.compare(4, 2, "00") != 0) return 3;
  if (text_.compare(7, 2, "00") != 0) return 2;
  return 1;
}

Result<AgencyCode> AgencyCode::parent() const {
  std::string up = text_;
  switch (level()) {
    case 4:
      up.replace(0, 3, "000");
      break;
    case 3:
      up.replace(4, 2, "00");
      break;
    case 2:
      up.replace(7, 2, "00");
      break;
    default:
      return Status::notFound("agency code " + text_ + " is level 1 and has no parent");
  }
  return AgencyCode(up);
}

}  // namespace vanthu::workflow
