#include "vanthu/exchange/edxml_writer.h"

#include <set>
#include <sstream>

#include "libxml_handles.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/workflow/agency_code.h"

namespace vanthu::exchange {
namespace {

// ---- checks before writing ------------------------------------------------------------------

Status checkAgencyCode(const std::string& code, const std::string& where) {
  auto parsed = workflow::AgencyCode::parse(code);
  if (!parsed)
    return edxmlFailure(EdxmlProblem::BadAgencyCode, where + ": " + parsed.status().message());
  return {};
}

Status missing(const std::string& what) {
  return edxmlFailure(EdxmlProblem::MissingElement, what + " is required");
}

Status invalid(const std::string& what) {
  return edxmlFailure(EdxmlProblem::InvalidValue, what);
}

Status checkDate(const EdxmlDate& date, const std::string& where) {
  if (!isValidDate(date)) return invalid(where + " is not a calendar day");
  return {};
}

Status checkOrganization(const Organization& organization, const std::string& where) {
  if (organization.organId.empty()) return missing(where + "/OrganId");
  return checkAgencyCode(organization.organId, where + "/OrganId");
}

Status checkResponseFor(const ResponseFor& response, const std::string& where) {
  if (response.organId.empty()) return missing(where + "/OrganId");
  if (auto s = checkAgencyCode(response.organId, where + "/OrganId"); !s) return s;
  if (response.promulgationDate)
    return checkDate(*response.promulgationDate, where + "/PromulgationDate");
  return {};
}

Status checkHeader(const MessageHeader& h) {
  if (auto s = checkOrganization(h.from, "From"); !s) return s;
  if (h.to.empty()) return missing("at least one To");
  for (size_t i = 0; i < h.to.size(); ++i) {
    if (auto s = checkOrganization(h.to[i], "To[" + std::to_string(i + 1) + "]"); !s) return s;
  }
  if (h.code.codeNumber.empty()) return missing("Code/CodeNumber");
  if (h.code.codeNotation.empty()) return missing("Code/CodeNotation");
  if (auto s = checkDate(h.promulgationInfo.promulgationDate, "PromulgationInfo/PromulgationDate");
      !s) {
    return s;
  }
  if (h.documentType.type < 0) return invalid("DocumentType/Type must not be negative");
  if (h.subject.empty()) return missing("Subject");
  if (h.signerInfo.fullName.empty()) return missing("SignerInfo/FullName");
  if (h.dueDate) {
    if (auto s = checkDate(*h.dueDate, "DueDate"); !s) return s;
  }
  if (h.otherInfo.priority < 0 || h.otherInfo.priority > kMaxPriority) {
    return invalid("OtherInfo/Priority " + std::to_string(h.otherInfo.priority) + " is not 0-4");
  }
  if (h.otherInfo.promulgationAmount < 0 || h.otherInfo.pageAmount < 0) {
    return invalid("OtherInfo amounts must not be negative");
  }
  for (size_t i = 0; i < h.responseFor.size(); ++i) {
    if (auto s = checkResponseFor(h.responseFor[i], "ResponseFor[" + std::to_string(i + 1) + "]");
        !s) {
      return s;
    }
  }
  if (h.steeringType < 0 || h.steeringType > 2) {
    return invalid("SteeringType " + std::to_string(h.steeringType) + " is not 0-2");
  }
  return {};
}

Status checkTrace(const TraceHeaderList& trace) {
  for (size_t i = 0; i < trace.traceHeaders.size(); ++i) {
    std::string where = "TraceHeader[" + std::to_string(i + 1) + "]";
    if (auto s = checkAgencyCode(trace.traceHeaders[i].organId, where + "/OrganId"); !s) return s;
    if (!isValidTimestamp(trace.traceHeaders[i].timestamp)) {
      return invalid(where + "/Timestamp is not a valid time");
    }
  }
  auto docType = static_cast<int>(trace.business.docType);
  if (docType > 3)
    return invalid("Bussiness/BussinessDocType " + std::to_string(docType) + " is not 0-3");
  if (trace.business.documentInfo) {
    for (const auto& receiver : trace.business.documentInfo->receivers) {
      if (auto s = checkAgencyCode(receiver.organId, "Receiver/OrganId"); !s) return s;
    }
  }
  for (const auto& replacement : trace.business.replacements) {
    for (const auto& organId : replacement.organIds) {
      if (auto s = checkAgencyCode(organId, "ReplacementInfo/OrganIdList/OrganId"); !s) return s;
    }
  }
  return {};
}

Status checkAttachments(const std::vector<Attachment>& attachments) {
  std::set<std::string> seen;
  for (size_t i = 0; i < attachments.size(); ++i) {
    const auto& a = attachments[i];
    std::string where = "Attachment[" + std::to_string(i + 1) + "]";
    if (a.contentId.empty()) return missing(where + "/ContentId");
    if (a.name.empty()) return missing(where + "/AttachmentName");
    if (a.contentType.empty()) return missing(where + "/ContentType");
    if (!seen.insert(a.contentId).second) {
      return edxmlFailure(EdxmlProblem::ManifestMismatch,
                          where + "/ContentId '" + a.contentId + "' is used twice");
    }
  }
  return {};
}

// ---- writing --------------------------------------------------------------------------------

int writeToStream(void* context, const char* buffer, int length) {
  auto* out = static_cast<std::ostream*>(context);
  out->write(buffer, length);
  return out->good() ? length : -1;
}

int closeStream(void*) {
  return 0;
}

// Why `text` cannot be carried in XML 1.0 as it is, or "" if it can: it must be UTF-8 and hold
// no control character but tab, line feed and carriage return (libxml2 would write bad UTF-8 as
// is, making the package unreadable, and silently drop the control characters).
std::string unfitForXml(const std::string& text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') {
      return "holds the control character " + std::to_string(byte) + " at byte " +
             std::to_string(i + 1);
    }
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xe  ? 3
                    : (byte >> 3) == 0x1e ? 4
                                          : 0;
    bool ok = length != 0 && i + length <= text.size();
    for (size_t k = 1; ok && k < length; ++k) {
      ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
    }
    if (!ok) return "is not UTF-8 at byte " + std::to_string(i + 1);
    i += length;
  }
  return {};
}

// Element writing over xmlTextWriter. A writer made without a stream writes nothing and only
// checks the text: writePackage runs it first so that a package with unfit text is refused
// before a byte is written. A failed libxml2 call makes the whole write fail (the stream said
// no), checked once at the end.
class Writer {
 public:
  explicit Writer(std::ostream* out) {
    if (out == nullptr) return;
    // The writer takes the output buffer and frees it with itself.
    xmlOutputBuffer* buffer = xmlOutputBufferCreateIO(writeToStream, closeStream, out, nullptr);
    if (buffer == nullptr) {
      throw Error(ErrorCode::Internal, "libxml2 could not make an output buffer");
    }
    writer_.reset(xmlNewTextWriter(buffer));
    if (!writer_) {
      xmlOutputBufferClose(buffer);
      throw Error(ErrorCode::Internal, "libxml2 could not make a text writer");
    }
    xmlTextWriterSetIndent(writer_.get(), 1);
    xmlTextWriterSetIndentString(writer_.get(), libxml::xml("  "));
    check(xmlTextWriterStartDocument(writer_.get(), "1.0", "UTF-8", nullptr));
  }

  void start(const char* name) {
    if (writer_) check(xmlTextWriterStartElement(writer_.get(), libxml::xml(name)));
  }
  void end() {
    if (writer_) check(xmlTextWriterEndElement(writer_.get()));
  }
  void attribute(const char* name, const std::string& value) {
    if (writer_) {
      check(xmlTextWriterWriteAttribute(writer_.get(), libxml::xml(name),
                                        libxml::xml(value.c_str())));
    }
  }
  void element(const char* name, const std::string& value) {
    if (unfit_.empty()) {
      std::string why = unfitForXml(value);
      if (!why.empty()) unfit_ = std::string(name) + " " + why;
    }
    if (writer_) {
      check(
          xmlTextWriterWriteElement(writer_.get(), libxml::xml(name), libxml::xml(value.c_str())));
    }
  }
  void optionalElement(const char* name, const std::string& value) {
    if (!value.empty()) element(name, value);
  }
  void empty(const char* name) {
    start(name);
    end();
  }
  /// Base64 of `bytes` in pieces: each piece a multiple of 3 bytes so no padding lands inside.
  void base64(const std::string& bytes) {
    if (!writer_) return;
    constexpr size_t kPiece = 3 * 16 * 1024;
    for (size_t at = 0; at < bytes.size(); at += kPiece) {
      size_t length = std::min(kPiece, bytes.size() - at);
      check(
          xmlTextWriterWriteBase64(writer_.get(), bytes.data() + at, 0, static_cast<int>(length)));
    }
  }

  /// What the text check found, as a refusal (OK if nothing).
  Status textProblem() const {
    if (unfit_.empty()) return {};
    return edxmlFailure(EdxmlProblem::InvalidValue, unfit_);
  }

  Status finish() {
    if (!writer_) return textProblem();
    check(xmlTextWriterEndDocument(writer_.get()));
    check(xmlTextWriterFlush(writer_.get()));
    writer_.reset();
    if (failed_) return Status(ErrorCode::IoFailure, "writing the edXML output failed");
    return {};
  }

 private:
  void check(int result) {
    if (result < 0) failed_ = true;
  }
  libxml::TextWriterPtr writer_;
  bool failed_ = false;
  std::string unfit_;
};

void writeOrganization(Writer& w, const char* element, const Organization& o) {
  w.start(element);
  w.element("OrganId", o.organId);
  w.optionalElement("OrganizationInCharge", o.organizationInCharge);
  w.optionalElement("OrganName", o.organName);
  w.optionalElement("OrganAdd", o.organAdd);
  w.optionalElement("Email", o.email);
  w.optionalElement("Telephone", o.telephone);
  w.optionalElement("Fax", o.fax);
  w.optionalElement("Website", o.website);
  w.end();
}

void writeResponseFor(Writer& w, const ResponseFor& r) {
  w.start("ResponseFor");
  w.element("OrganId", r.organId);
  w.optionalElement("Code", r.code);
  if (r.promulgationDate) w.element("PromulgationDate", formatEdxmlDate(*r.promulgationDate));
  w.optionalElement("DocumentId", r.documentId);
  w.end();
}

bool hasAny(const StaffInfo& s) {
  return !s.department.empty() || !s.staff.empty() || !s.mobile.empty() || !s.email.empty();
}

void writeStaffInfo(Writer& w, const StaffInfo& s) {
  w.start("StaffInfo");
  w.optionalElement("Department", s.department);
  w.optionalElement("Staff", s.staff);
  w.optionalElement("Mobile", s.mobile);
  w.optionalElement("Email", s.email);
  w.end();
}

void startEnvelope(Writer& w) {
  w.start("edXML");
  // One namespace, bound as default (MessageHeader, AttachmentEncoded, ... unprefixed) and as
  // `edXML` for the envelope elements.
  w.attribute("xmlns", kEdxmlNamespace);
  w.attribute("xmlns:edXML", kEdxmlNamespace);
  w.start("edXML:edXMLEnvelope");
  w.start("edXML:edXMLHeader");
}

void writeMessageHeader(Writer& w, const MessageHeader& h) {
  w.start("MessageHeader");
  writeOrganization(w, "From", h.from);
  for (const auto& to : h.to) writeOrganization(w, "To", to);
  w.start("Code");
  w.element("CodeNumber", h.code.codeNumber);
  w.element("CodeNotation", h.code.codeNotation);
  w.end();
  w.start("PromulgationInfo");
  w.optionalElement("Place", h.promulgationInfo.place);
  w.element("PromulgationDate", formatEdxmlDate(h.promulgationInfo.promulgationDate));
  w.end();
  w.start("DocumentType");
  w.element("Type", std::to_string(h.documentType.type));
  w.optionalElement("TypeDetail", h.documentType.typeDetail);
  w.optionalElement("TypeName", h.documentType.typeName);
  w.end();
  w.element("Subject", h.subject);
  w.optionalElement("Content", h.content);
  w.start("SignerInfo");
  w.optionalElement("Competence", h.signerInfo.competence);
  w.optionalElement("Position", h.signerInfo.position);
  w.element("FullName", h.signerInfo.fullName);
  w.end();
  if (h.dueDate) w.element("DueDate", formatEdxmlDate(*h.dueDate));
  if (!h.toPlaces.empty()) {
    w.start("ToPlaces");
    for (const auto& place : h.toPlaces) w.element("Place", place);
    w.end();
  }
  const OtherInfo& other = h.otherInfo;
  w.start("OtherInfo");
  w.element("Priority", std::to_string(other.priority));
  w.optionalElement("SphereOfPromulgation", other.sphereOfPromulgation);
  w.optionalElement("TyperNotation", other.typerNotation);
  w.element("PromulgationAmount", std::to_string(other.promulgationAmount));
  w.element("PageAmount", std::to_string(other.pageAmount));
  if (!other.appendixes.empty()) {
    w.start("Appendixes");
    for (const auto& appendix : other.appendixes) w.element("Appendix", appendix);
    w.end();
  }
  w.end();
  for (const auto& response : h.responseFor) writeResponseFor(w, response);
  w.element("SteeringType", std::to_string(h.steeringType));
  w.optionalElement("DocumentId", h.documentId);
  w.end();
}

void writeTrace(Writer& w, const TraceHeaderList& trace) {
  w.start("TraceHeaderList");
  for (const auto& hop : trace.traceHeaders) {
    w.start("TraceHeader");
    w.element("OrganId", hop.organId);
    w.element("Timestamp", formatEdxmlTimestamp(hop.timestamp));
    w.end();
  }
  const Business& b = trace.business;
  w.start("Bussiness");  // sic: the standard's spelling
  w.element("BussinessDocType", std::to_string(static_cast<int>(b.docType)));
  w.optionalElement("BussinessDocReason", b.reason);
  if (b.documentInfo) {
    w.start("BussinessDocumentInfo");
    w.element("DocumentInfo", b.documentInfo->documentInfo ? "1" : "0");
    w.element("DocumentReceiver", b.documentInfo->documentReceiver ? "1" : "0");
    if (!b.documentInfo->receivers.empty()) {
      w.start("ReceiverList");
      for (const auto& receiver : b.documentInfo->receivers) {
        w.start("Receiver");
        w.element("ReceiverType", std::to_string(receiver.receiverType));
        w.element("OrganId", receiver.organId);
        w.end();
      }
      w.end();
    }
    w.end();
  }
  w.optionalElement("DocumentId", b.documentId);
  if (hasAny(b.staffInfo)) writeStaffInfo(w, b.staffInfo);
  w.element("Paper", b.paper ? "1" : "0");
  if (!b.replacements.empty()) {
    w.start("ReplacementInfoList");
    for (const auto& replacement : b.replacements) {
      w.start("ReplacementInfo");
      w.element("DocumentId", replacement.documentId);
      w.start("OrganIdList");
      for (const auto& organId : replacement.organIds) w.element("OrganId", organId);
      w.end();
      w.end();
    }
    w.end();
  }
  w.end();
  w.end();
}

Status writePackageTo(const EdxmlPackage& package, std::ostream* out) {
  Writer w(out);
  startEnvelope(w);
  writeMessageHeader(w, package.header);
  writeTrace(w, package.trace);
  // Envelope signatures (XML-DSig) are not made here: the PDF carries the signature.
  w.empty("DigitalSignature");
  w.end();  // edXMLHeader
  w.start("edXML:edXMLBody");
  w.start("edXML:edXMLManifest");
  w.attribute("version", "1.0");
  for (const auto& a : package.attachments) {
    w.start("Reference");
    w.element("ContentId", a.contentId);
    w.element("ContentType", a.contentType);
    w.element("AttachmentName", a.name);
    w.optionalElement("Description", a.description);
    w.end();
  }
  w.end();  // edXMLManifest
  w.end();  // edXMLBody
  w.end();  // edXMLEnvelope
  w.start("AttachmentEncoded");
  for (const auto& a : package.attachments) {
    w.start("Attachment");
    w.element("ContentId", a.contentId);
    w.element("AttachmentName", a.name);
    w.element("ContentType", a.contentType);
    w.optionalElement("Description", a.description);
    w.start("ContentTransferEncoded");
    w.base64(a.bytes);
    w.end();
    w.end();
  }
  w.end();  // AttachmentEncoded
  w.end();  // edXML
  return w.finish();
}

Status writeStatusMessageTo(const StatusMessage& message, std::ostream* out) {
  Writer w(out);
  startEnvelope(w);
  w.start("Status");
  writeResponseFor(w, message.responseFor);
  writeOrganization(w, "From", message.from);
  w.element("StatusCode", statusCodeText(message.statusCode));
  w.optionalElement("Description", message.description);
  w.element("Timestamp", formatEdxmlTimestamp(message.timestamp));
  if (hasAny(message.staffInfo)) writeStaffInfo(w, message.staffInfo);
  w.end();  // Status
  w.end();  // edXMLHeader
  w.end();  // edXMLEnvelope
  w.end();  // edXML
  return w.finish();
}

}  // namespace

Status checkPackage(const EdxmlPackage& package) {
  if (auto s = checkHeader(package.header); !s) return s;
  if (auto s = checkTrace(package.trace); !s) return s;
  if (auto s = checkAttachments(package.attachments); !s) return s;
  return writePackageTo(package, nullptr);  // the text check, writing nothing
}

Status writePackage(const EdxmlPackage& package, std::ostream& out) {
  if (auto s = checkPackage(package); !s) return s;
  return writePackageTo(package, &out);
}

Status checkStatusMessage(const StatusMessage& message) {
  if (auto s = checkResponseFor(message.responseFor, "ResponseFor"); !s) return s;
  if (auto s = checkOrganization(message.from, "From"); !s) return s;
  if (!statusCodeFromText(statusCodeText(message.statusCode)) ||
      message.statusCode == StatusCode::Unknown) {
    return edxmlFailure(EdxmlProblem::UnknownStatusCode,
                        "StatusCode " + std::to_string(static_cast<int>(message.statusCode)) +
                            " is not one of 01-06, 13, 15, 16");
  }
  if (!isValidTimestamp(message.timestamp)) return invalid("Timestamp is not a valid time");
  return writeStatusMessageTo(message, nullptr);  // the text check, writing nothing
}

Status writeStatusMessage(const StatusMessage& message, std::ostream& out) {
  if (auto s = checkStatusMessage(message); !s) return s;
  return writeStatusMessageTo(message, &out);
}

Result<std::string> buildPackageXml(const EdxmlPackage& package) {
  std::ostringstream out;
  if (auto s = writePackage(package, out); !s) return s;
  return out.str();
}

Result<std::string> buildStatusMessageXml(const StatusMessage& message) {
  std::ostringstream out;
  if (auto s = writeStatusMessage(message, out); !s) return s;
  return out.str();
}

}  // namespace vanthu::exchange
