#pragma once

// The edXML status message (standards/vn-government.md §2.4): edXML > edXMLEnvelope >
// edXMLHeader > Status, sent back about a package received.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vanthu/exchange/edxml_package.h"

namespace vanthu::exchange {

/// The status codes VDXP and LGSP clients agree on; written as two digits ("01").
enum class StatusCode : uint8_t {
  Unknown = 0,
  Arrived = 1,             ///< 01 arrived at the destination server
  Rejected = 2,            ///< 02 refused at receipt (also "recall refused")
  Accepted = 3,            ///< 03 received and registered (also "recall accepted")
  Assigned = 4,            ///< 04 a leader assigned the handling
  InProgress = 5,          ///< 05 an officer is handling it
  Completed = 6,           ///< 06 done
  TakeBackRequested = 13,  ///< 13 the sender asks for the document back
  TakeBackAccepted = 15,   ///< 15 take-back or update accepted
  TakeBackRefused = 16,    ///< 16 take-back or update refused
};

/// "01" for Arrived. Requires: code != Unknown.
std::string statusCodeText(StatusCode code);
/// The code written as `text` ("01", "13"), if it is one of the nine.
std::optional<StatusCode> statusCodeFromText(std::string_view text);

struct StatusMessage {
  ResponseFor responseFor;  ///< the package this is about
  Organization from;        ///< who reports
  StatusCode statusCode = StatusCode::Unknown;
  std::string description;  ///< a reason, required in practice for 02 and 16
  EdxmlTimestamp timestamp;
  StaffInfo staffInfo;
  bool operator==(const StatusMessage& o) const {
    return responseFor == o.responseFor && from == o.from && statusCode == o.statusCode &&
           description == o.description && timestamp == o.timestamp && staffInfo == o.staffInfo;
  }
};

}  // namespace vanthu::exchange
