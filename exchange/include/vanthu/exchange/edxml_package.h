#pragma once

// The edXML document package (gói tin edXML, QCVN 102:2016/BTTTT) as plain C++ values: what one
// agency sends another. Element names in comments are the standard's, spelling included
// ("Bussiness"); the clause numbers follow standards/vn-government.md §2.3.
//
// Optional text is "absent" when empty: a package read back from XML has an empty string where
// the element was missing, and an empty string is not written. Numbers that the standard leaves
// optional but that have a natural "none" (amounts, SteeringType) default to 0 and are always
// written.

#include <optional>
#include <string>
#include <vector>

#include "vanthu/exchange/edxml_date.h"

namespace vanthu::exchange {

/// 1.1 From / 1.2 To: an agency. `organId` is its electronic identifier code (000.00.00.H49).
struct Organization {
  std::string organId;
  std::string organizationInCharge;
  std::string organName;
  std::string organAdd;
  std::string email;
  std::string telephone;
  std::string fax;
  std::string website;

  bool operator==(const Organization& o) const;
  bool operator!=(const Organization& o) const { return !(*this == o); }
};

/// 1.3 Code: number (số) and notation (ký hiệu), e.g. 267 and VPCP-TTĐT.
struct DocumentCode {
  std::string codeNumber;
  std::string codeNotation;
  bool operator==(const DocumentCode& o) const {
    return codeNumber == o.codeNumber && codeNotation == o.codeNotation;
  }
};

/// 1.4 PromulgationInfo: place and date of issue.
struct PromulgationInfo {
  std::string place;
  EdxmlDate promulgationDate;
  bool operator==(const PromulgationInfo& o) const {
    return place == o.place && promulgationDate == o.promulgationDate;
  }
};

/// 1.5 DocumentType. `type` is the type code (e.g. 18 Công văn in the SĐ1:2022 table);
/// implementations disagree on how Type and TypeDetail split, so TypeDetail is kept as written.
struct DocumentType {
  int type = 0;
  std::string typeDetail;
  std::string typeName;
  bool operator==(const DocumentType& o) const {
    return type == o.type && typeDetail == o.typeDetail && typeName == o.typeName;
  }
};

/// 1.8 SignerInfo: signing authority (TM., KT., ...), title and name.
struct SignerInfo {
  std::string competence;
  std::string position;
  std::string fullName;
  bool operator==(const SignerInfo& o) const {
    return competence == o.competence && position == o.position && fullName == o.fullName;
  }
};

/// OtherInfo/Priority: 0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
constexpr int kMaxPriority = 4;

/// 1.11 OtherInfo.
struct OtherInfo {
  int priority = 0;
  std::string sphereOfPromulgation;  ///< circulation scope
  std::string typerNotation;         ///< drafter's code
  int promulgationAmount = 0;        ///< number of copies
  int pageAmount = 0;
  std::vector<std::string> appendixes;  ///< Appendixes/Appendix titles
  bool operator==(const OtherInfo& o) const;
};

/// 1.12 ResponseFor: the document this one answers.
struct ResponseFor {
  std::string organId;
  std::string code;  ///< "267/VPCP-TTĐT"
  std::optional<EdxmlDate> promulgationDate;
  std::string documentId;
  bool operator==(const ResponseFor& o) const;
};

/// 1.1-1.14 MessageHeader.
struct MessageHeader {
  Organization from;
  std::vector<Organization> to;  ///< one or more recipients
  DocumentCode code;
  PromulgationInfo promulgationInfo;
  DocumentType documentType;
  std::string subject;  ///< trích yếu
  std::string content;
  SignerInfo signerInfo;
  std::optional<EdxmlDate> dueDate;
  std::vector<std::string> toPlaces;  ///< nơi nhận as printed
  OtherInfo otherInfo;
  std::vector<ResponseFor> responseFor;
  int steeringType = 0;    ///< 0 not a directive, 1 directive, 2 report on a directive
  std::string documentId;  ///< OrganId,YYYY/MM/DD,Number/Notation
  bool operator==(const MessageHeader& o) const;
};

/// 2.1 TraceHeader: one per hop.
struct TraceHeader {
  std::string organId;
  EdxmlTimestamp timestamp;
  bool operator==(const TraceHeader& o) const {
    return organId == o.organId && timestamp == o.timestamp;
  }
};

/// 2.2.1 Bussiness/BussinessDocType.
enum class BusinessDocType : uint8_t { New = 0, Recall = 1, Update = 2, Replace = 3 };

/// 2.2.3 BussinessDocumentInfo/ReceiverList/Receiver.
struct Receiver {
  int receiverType = 0;
  std::string organId;
  bool operator==(const Receiver& o) const {
    return receiverType == o.receiverType && organId == o.organId;
  }
};

/// 2.2.3 BussinessDocumentInfo: what an update changes.
struct BusinessDocumentInfo {
  bool documentInfo = false;      ///< the metadata changed
  bool documentReceiver = false;  ///< the recipient list changed
  std::vector<Receiver> receivers;
  bool operator==(const BusinessDocumentInfo& o) const {
    return documentInfo == o.documentInfo && documentReceiver == o.documentReceiver &&
           receivers == o.receivers;
  }
};

/// 2.2.5 StaffInfo: the contact person (also in status messages).
struct StaffInfo {
  std::string department;
  std::string staff;
  std::string mobile;
  std::string email;
  bool operator==(const StaffInfo& o) const {
    return department == o.department && staff == o.staff && mobile == o.mobile && email == o.email;
  }
};

/// 2.2.8 ReplacementInfo: a replaced document and the agencies holding it.
struct ReplacementInfo {
  std::string documentId;
  std::vector<std::string> organIds;
  bool operator==(const ReplacementInfo& o) const {
    return documentId == o.documentId && organIds == o.organIds;
  }
};

/// 2.2 Bussiness: what this package does to the document.
struct Business {
  BusinessDocType docType = BusinessDocType::New;
  std::string reason;
  std::optional<BusinessDocumentInfo> documentInfo;
  std::string documentId;  ///< the target of a recall, update or replacement
  StaffInfo staffInfo;
  bool paper = false;  ///< a paper copy is also sent
  std::vector<ReplacementInfo> replacements;
  bool operator==(const Business& o) const;
};

/// 2 TraceHeaderList.
struct TraceHeaderList {
  std::vector<TraceHeader> traceHeaders;
  Business business;
  bool operator==(const TraceHeaderList& o) const {
    return traceHeaders == o.traceHeaders && business == o.business;
  }
};

/// A file carried in AttachmentEncoded (base64) and listed in edXMLManifest as a Reference.
/// By our convention the first attachment is the document itself (the signed PDF).
struct Attachment {
  std::string contentId;    ///< "cid:<uuid>", unique in the package
  std::string name;         ///< AttachmentName, a file name
  std::string contentType;  ///< a media type, "application/pdf"
  std::string description;
  std::string bytes;  ///< the file's raw bytes
  bool operator==(const Attachment& o) const {
    return contentId == o.contentId && name == o.name && contentType == o.contentType &&
           description == o.description && bytes == o.bytes;
  }
};

struct EdxmlPackage {
  MessageHeader header;
  TraceHeaderList trace;
  std::vector<Attachment> attachments;
  bool operator==(const EdxmlPackage& o) const {
    return header == o.header && trace == o.trace && attachments == o.attachments;
  }
};

}  // namespace vanthu::exchange
