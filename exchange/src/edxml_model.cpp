// Comparisons of the model (round-trip tests and idempotent delivery compare packages) and the
// status code texts.

#include "vanthu/exchange/edxml_package.h"
#include "vanthu/exchange/status_message.h"

namespace vanthu::exchange {

bool Organization::operator==(const Organization& o) const {
  return organId == o.organId && organizationInCharge == o.organizationInCharge &&
         organName == o.organName && organAdd == o.organAdd && email == o.email &&
         telephone == o.telephone && fax == o.fax && website == o.website;
}

bool OtherInfo::operator==(const OtherInfo& o) const {
  return priority == o.priority && sphereOfPromulgation == o.sphereOfPromulgation &&
         typerNotation == o.typerNotation && promulgationAmount == o.promulgationAmount &&
         pageAmount == o.pageAmount && appendixes == o.appendixes;
}

bool ResponseFor::operator==(const ResponseFor& o) const {
  return organId == o.organId && code == o.code && promulgationDate == o.promulgationDate &&
         documentId == o.documentId;
}

bool MessageHeader::operator==(const MessageHeader& o) const {
  return from == o.from && to == o.to && code == o.code && promulgationInfo == o.promulgationInfo &&
         documentType == o.documentType && subject == o.subject && content == o.content &&
         signerInfo == o.signerInfo && dueDate == o.dueDate && toPlaces == o.toPlaces &&
         otherInfo == o.otherInfo && responseFor == o.responseFor &&
         steeringType == o.steeringType && documentId == o.documentId;
}

bool Business::operator==(const Business& o) const {
  return docType == o.docType && reason == o.reason && documentInfo == o.documentInfo &&
         documentId == o.documentId && staffInfo == o.staffInfo && paper == o.paper &&
         replacements == o.replacements;
}

std::string statusCodeText(StatusCode code) {
  auto value = static_cast<int>(code);
  return std::string(1, static_cast<char>('0' + value / 10)) + static_cast<char>('0' + value % 10);
}

std::optional<StatusCode> statusCodeFromText(std::string_view text) {
  for (StatusCode code :
       {StatusCode::Arrived, StatusCode::Rejected, StatusCode::Accepted, StatusCode::Assigned,
        StatusCode::InProgress, StatusCode::Completed, StatusCode::TakeBackRequested,
        StatusCode::TakeBackAccepted, StatusCode::TakeBackRefused}) {
    if (text == statusCodeText(code)) return code;
  }
  return std::nullopt;
}

}  // namespace vanthu::exchange
