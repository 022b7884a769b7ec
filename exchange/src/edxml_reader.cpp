#include "vanthu/exchange/edxml_reader.h"

#include <cstring>
#include <map>
#include <set>

#include "base64_decoder.h"
#include "libxml_handles.h"
#include "untrusted_xml.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_writer.h"
#include "vanthu/workflow/agency_code.h"

namespace vanthu::exchange {
namespace {

// A refusal found deep in the tree. Thrown only inside this file and caught at the two entry
// points, so that each field reads as one line instead of a chain of early returns.
struct Refusal {
  Status status;
};

// Reads the elements of one document; knows its name for messages.
class TreeReader {
 public:
  TreeReader(std::string name, const ReadLimits& limits)
      : name_(std::move(name)), limits_(limits) {}

  [[noreturn]] void refuse(EdxmlProblem problem, const xmlNode* node,
                           const std::string& what) const {
    std::string where = name_ + ":" + std::to_string(node != nullptr ? xmlGetLineNo(node) : 0);
    throw Refusal{edxmlFailure(problem, where + ": " + what)};
  }

  static bool inEdxmlNamespace(const xmlNode* node) {
    return node->ns != nullptr && std::strcmp(libxml::text(node->ns->href), kEdxmlNamespace) == 0;
  }

  static std::string localName(const xmlNode* node) { return libxml::text(node->name); }

  /// The children of `parent` named `name` in the edXML namespace. A child with that name in
  /// another namespace is refused as such: it is the usual mistake of a foreign client.
  std::vector<xmlNode*> children(const xmlNode* parent, const char* name) const {
    std::vector<xmlNode*> found;
    for (xmlNode* child = parent->children; child != nullptr; child = child->next) {
      if (child->type != XML_ELEMENT_NODE || std::strcmp(libxml::text(child->name), name) != 0) {
        continue;
      }
      if (!inEdxmlNamespace(child)) {
        refuse(EdxmlProblem::WrongNamespace, child,
               std::string(name) + " is in namespace '" +
                   (child->ns != nullptr ? libxml::text(child->ns->href) : "") + "', expected '" +
                   kEdxmlNamespace + "'");
      }
      found.push_back(child);
    }
    return found;
  }

  xmlNode* optionalChild(const xmlNode* parent, const char* name) const {
    auto found = children(parent, name);
    if (found.size() > 1) {
      refuse(EdxmlProblem::InvalidValue, found[1],
             localName(parent) + " has more than one " + name);
    }
    return found.empty() ? nullptr : found.front();
  }

  xmlNode* requiredChild(const xmlNode* parent, const char* name) const {
    xmlNode* child = optionalChild(parent, name);
    if (child == nullptr)
      refuse(EdxmlProblem::MissingElement, parent, localName(parent) + " has no " + name);
    return child;
  }

  static std::string textOf(const xmlNode* node) {
    std::string text;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
          child->content != nullptr) {
        text += libxml::text(child->content);
      }
    }
    return text;
  }

  /// The text of a node that holds a value (number, date, code): other clients indent or pad
  /// them, and XSD's own types collapse the white space too.
  static std::string valueOf(const xmlNode* node) {
    std::string text = textOf(node);
    const char* space = " \t\r\n";
    auto first = text.find_first_not_of(space);
    if (first == std::string::npos) return {};
    return text.substr(first, text.find_last_not_of(space) - first + 1);
  }

  std::string optionalText(const xmlNode* parent, const char* name) const {
    const xmlNode* child = optionalChild(parent, name);
    return child == nullptr ? std::string() : textOf(child);
  }

  std::string requiredText(const xmlNode* parent, const char* name) const {
    const xmlNode* child = requiredChild(parent, name);
    std::string text = textOf(child);
    if (text.empty()) refuse(EdxmlProblem::MissingElement, child, std::string(name) + " is empty");
    return text;
  }

  int integer(const xmlNode* node, int min, int max) const {
    std::string text = valueOf(node);
    int value = 0;
    bool ok = !text.empty() && text.size() <= 9;
    for (char c : text) {
      ok = ok && c >= '0' && c <= '9';
      value = ok ? value * 10 + (c - '0') : 0;
    }
    if (!ok || value < min || value > max) {
      refuse(EdxmlProblem::InvalidValue, node,
             localName(node) + " '" + text + "' is not a number from " + std::to_string(min) +
                 " to " + std::to_string(max));
    }
    return value;
  }

  int optionalInteger(const xmlNode* parent, const char* name, int min, int max,
                      int fallback) const {
    const xmlNode* child = optionalChild(parent, name);
    return child == nullptr ? fallback : integer(child, min, max);
  }

  int requiredInteger(const xmlNode* parent, const char* name, int min, int max) const {
    return integer(requiredChild(parent, name), min, max);
  }

  EdxmlDate date(const xmlNode* node) const {
    auto parsed = parseEdxmlDate(valueOf(node));
    if (!parsed)
      refuse(EdxmlProblem::InvalidValue, node, localName(node) + ": " + parsed.status().message());
    return parsed.value();
  }

  std::optional<EdxmlDate> optionalDate(const xmlNode* parent, const char* name) const {
    const xmlNode* child = optionalChild(parent, name);
    if (child == nullptr) return std::nullopt;
    return date(child);
  }

  EdxmlTimestamp timestamp(const xmlNode* node) const {
    auto parsed = parseEdxmlTimestamp(valueOf(node));
    if (!parsed)
      refuse(EdxmlProblem::InvalidValue, node, localName(node) + ": " + parsed.status().message());
    return parsed.value();
  }

  std::string agencyCode(const xmlNode* parent, const char* name) const {
    const xmlNode* child = requiredChild(parent, name);
    std::string text = valueOf(child);
    auto parsed = workflow::AgencyCode::parse(text);
    if (!parsed) refuse(EdxmlProblem::BadAgencyCode, child, parsed.status().message());
    return text;
  }

  Organization organization(const xmlNode* node) const {
    Organization o;
    o.organId = agencyCode(node, "OrganId");
    o.organizationInCharge = optionalText(node, "OrganizationInCharge");
    o.organName = optionalText(node, "OrganName");
    o.organAdd = optionalText(node, "OrganAdd");
    o.email = optionalText(node, "Email");
    o.telephone = optionalText(node, "Telephone");
    o.fax = optionalText(node, "Fax");
    o.website = optionalText(node, "Website");
    return o;
  }

  ResponseFor responseFor(const xmlNode* node) const {
    ResponseFor r;
    r.organId = agencyCode(node, "OrganId");
    r.code = optionalText(node, "Code");
    r.promulgationDate = optionalDate(node, "PromulgationDate");
    r.documentId = optionalText(node, "DocumentId");
    return r;
  }

  StaffInfo staffInfo(const xmlNode* node) const {
    StaffInfo s;
    s.department = optionalText(node, "Department");
    s.staff = optionalText(node, "Staff");
    s.mobile = optionalText(node, "Mobile");
    s.email = optionalText(node, "Email");
    return s;
  }

  /// The edXML root and its envelope header.
  const xmlNode* header(const xmlDoc* doc) const {
    const xmlNode* root = xmlDocGetRootElement(doc);
    if (std::strcmp(libxml::text(root->name), "edXML") != 0) {
      refuse(EdxmlProblem::WrongRoot, root,
             "the root element is " + localName(root) + ", not edXML");
    }
    if (!inEdxmlNamespace(root)) {
      refuse(EdxmlProblem::WrongNamespace, root,
             std::string("edXML is in namespace '") +
                 (root->ns != nullptr ? libxml::text(root->ns->href) : "") + "', expected '" +
                 kEdxmlNamespace + "'");
    }
    return requiredChild(requiredChild(root, "edXMLEnvelope"), "edXMLHeader");
  }

  MessageHeader messageHeader(const xmlNode* node) const {
    MessageHeader h;
    h.from = organization(requiredChild(node, "From"));
    for (const xmlNode* to : children(node, "To")) h.to.push_back(organization(to));
    if (h.to.empty()) refuse(EdxmlProblem::MissingElement, node, "MessageHeader has no To");
    const xmlNode* code = requiredChild(node, "Code");
    h.code.codeNumber = requiredText(code, "CodeNumber");
    h.code.codeNotation = requiredText(code, "CodeNotation");
    const xmlNode* promulgation = requiredChild(node, "PromulgationInfo");
    h.promulgationInfo.place = optionalText(promulgation, "Place");
    h.promulgationInfo.promulgationDate = date(requiredChild(promulgation, "PromulgationDate"));
    const xmlNode* type = requiredChild(node, "DocumentType");
    h.documentType.type = requiredInteger(type, "Type", 0, 999999);
    h.documentType.typeDetail = optionalText(type, "TypeDetail");
    h.documentType.typeName = optionalText(type, "TypeName");
    h.subject = requiredText(node, "Subject");
    h.content = optionalText(node, "Content");
    const xmlNode* signer = requiredChild(node, "SignerInfo");
    h.signerInfo.competence = optionalText(signer, "Competence");
    h.signerInfo.position = optionalText(signer, "Position");
    h.signerInfo.fullName = requiredText(signer, "FullName");
    h.dueDate = optionalDate(node, "DueDate");
    if (const xmlNode* places = optionalChild(node, "ToPlaces")) {
      for (const xmlNode* place : children(places, "Place")) h.toPlaces.push_back(textOf(place));
    }
    if (const xmlNode* other = optionalChild(node, "OtherInfo")) {
      OtherInfo& o = h.otherInfo;
      o.priority = optionalInteger(other, "Priority", 0, kMaxPriority, 0);
      o.sphereOfPromulgation = optionalText(other, "SphereOfPromulgation");
      o.typerNotation = optionalText(other, "TyperNotation");
      o.promulgationAmount = optionalInteger(other, "PromulgationAmount", 0, 999999, 0);
      o.pageAmount = optionalInteger(other, "PageAmount", 0, 999999, 0);
      if (const xmlNode* appendixes = optionalChild(other, "Appendixes")) {
        for (const xmlNode* a : children(appendixes, "Appendix")) o.appendixes.push_back(textOf(a));
      }
    }
    for (const xmlNode* r : children(node, "ResponseFor")) h.responseFor.push_back(responseFor(r));
    h.steeringType = optionalInteger(node, "SteeringType", 0, 2, 0);
    h.documentId = optionalText(node, "DocumentId");
    return h;
  }

  TraceHeaderList trace(const xmlNode* node) const {
    TraceHeaderList t;
    for (const xmlNode* hop : children(node, "TraceHeader")) {
      TraceHeader h;
      h.organId = agencyCode(hop, "OrganId");
      h.timestamp = timestamp(requiredChild(hop, "Timestamp"));
      t.traceHeaders.push_back(h);
    }
    const xmlNode* business = optionalChild(node, "Bussiness");
    if (business == nullptr) return t;  // a new document: the default
    Business& b = t.business;
    b.docType = static_cast<BusinessDocType>(requiredInteger(business, "BussinessDocType", 0, 3));
    b.reason = optionalText(business, "BussinessDocReason");
    if (const xmlNode* info = optionalChild(business, "BussinessDocumentInfo")) {
      BusinessDocumentInfo i;
      i.documentInfo = optionalInteger(info, "DocumentInfo", 0, 1, 0) == 1;
      i.documentReceiver = optionalInteger(info, "DocumentReceiver", 0, 1, 0) == 1;
      if (const xmlNode* list = optionalChild(info, "ReceiverList")) {
        for (const xmlNode* r : children(list, "Receiver")) {
          i.receivers.push_back(
              {requiredInteger(r, "ReceiverType", 0, 99), agencyCode(r, "OrganId")});
        }
      }
      b.documentInfo = i;
    }
    b.documentId = optionalText(business, "DocumentId");
    if (const xmlNode* staff = optionalChild(business, "StaffInfo")) b.staffInfo = staffInfo(staff);
    b.paper = optionalInteger(business, "Paper", 0, 1, 0) == 1;
    if (const xmlNode* list = optionalChild(business, "ReplacementInfoList")) {
      for (const xmlNode* r : children(list, "ReplacementInfo")) {
        ReplacementInfo info;
        info.documentId = requiredText(r, "DocumentId");
        if (const xmlNode* ids = optionalChild(r, "OrganIdList")) {
          for (const xmlNode* id : children(ids, "OrganId")) {
            std::string code = valueOf(id);
            auto parsed = workflow::AgencyCode::parse(code);
            if (!parsed) refuse(EdxmlProblem::BadAgencyCode, id, parsed.status().message());
            info.organIds.push_back(code);
          }
        }
        b.replacements.push_back(info);
      }
    }
    return t;
  }

  /// Decodes the base64 text of `node` from the tree's own text, then frees that text: at most
  /// the encoded and the decoded copy of one attachment exist at a time.
  std::string decodeAttachment(xmlNode* node) const {
    size_t significant = 0;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->content != nullptr) {
        significant += Base64Decoder::countSignificant(libxml::text(child->content));
      }
    }
    // The decoded size is known before decoding: refuse an oversized file without decoding it.
    size_t decodedBound = significant / 4 * 3;
    if (decodedBound > limits_.maxAttachmentBytes + 2) {
      refuse(EdxmlProblem::AttachmentTooLarge, node,
             "the attachment decodes to about " + std::to_string(decodedBound) +
                 " bytes, over the limit of " + std::to_string(limits_.maxAttachmentBytes));
    }
    std::string bytes;
    bytes.reserve(decodedBound);
    Base64Decoder decoder(&bytes);
    for (xmlNode* child = node->children; child != nullptr;) {
      xmlNode* next = child->next;
      if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
        if (child->content != nullptr && !decoder.feed(libxml::text(child->content))) {
          refuse(EdxmlProblem::InvalidBase64, node, "ContentTransferEncoded: " + decoder.error());
        }
      } else if (child->type == XML_ELEMENT_NODE) {
        refuse(EdxmlProblem::InvalidBase64, child, "ContentTransferEncoded holds an element");
      }
      xmlUnlinkNode(child);
      libxml::NodePtr freed(child);
      child = next;
    }
    if (!decoder.finish()) {
      refuse(EdxmlProblem::InvalidBase64, node, "ContentTransferEncoded: " + decoder.error());
    }
    if (bytes.size() > limits_.maxAttachmentBytes) {
      refuse(EdxmlProblem::AttachmentTooLarge, node,
             "the attachment is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                 std::to_string(limits_.maxAttachmentBytes));
    }
    return bytes;
  }

  std::vector<Attachment> attachments(const xmlNode* root, const xmlNode* envelope) const {
    // The manifest lists what the package says it carries; AttachmentEncoded carries it.
    std::map<std::string, const xmlNode*> references;
    const xmlNode* body = requiredChild(envelope, "edXMLBody");
    const xmlNode* manifest = requiredChild(body, "edXMLManifest");
    for (const xmlNode* reference : children(manifest, "Reference")) {
      std::string id = requiredText(reference, "ContentId");
      if (!references.emplace(id, reference).second) {
        refuse(EdxmlProblem::ManifestMismatch, reference, "Reference '" + id + "' is listed twice");
      }
    }
    std::vector<Attachment> result;
    std::set<std::string> seen;
    if (const xmlNode* encoded = optionalChild(root, "AttachmentEncoded")) {
      for (xmlNode* node : children(encoded, "Attachment")) {
        Attachment a;
        a.contentId = requiredText(node, "ContentId");
        a.name = requiredText(node, "AttachmentName");
        a.contentType = requiredText(node, "ContentType");
        a.description = optionalText(node, "Description");
        auto reference = references.find(a.contentId);
        if (reference == references.end()) {
          refuse(EdxmlProblem::ManifestMismatch, node,
                 "Attachment '" + a.contentId + "' is not in edXMLManifest");
        }
        if (!seen.insert(a.contentId).second) {
          refuse(EdxmlProblem::ManifestMismatch, node,
                 "Attachment '" + a.contentId + "' appears twice");
        }
        a.bytes = decodeAttachment(requiredChild(node, "ContentTransferEncoded"));
        result.push_back(std::move(a));
      }
    }
    for (const auto& [id, reference] : references) {
      if (seen.count(id) == 0) {
        refuse(EdxmlProblem::ManifestMismatch, reference,
               "Reference '" + id + "' has no Attachment in AttachmentEncoded");
      }
    }
    return result;
  }

  EdxmlPackage package(xmlDoc* doc) const {
    const xmlNode* headerNode = header(doc);
    xmlNode* root = xmlDocGetRootElement(doc);
    EdxmlPackage p;
    p.header = messageHeader(requiredChild(headerNode, "MessageHeader"));
    if (const xmlNode* trace = optionalChild(headerNode, "TraceHeaderList"))
      p.trace = this->trace(trace);
    p.attachments = attachments(root, requiredChild(root, "edXMLEnvelope"));
    return p;
  }

  StatusMessage statusMessage(xmlDoc* doc) const {
    const xmlNode* status = requiredChild(header(doc), "Status");
    StatusMessage m;
    m.responseFor = responseFor(requiredChild(status, "ResponseFor"));
    m.from = organization(requiredChild(status, "From"));
    const xmlNode* code = requiredChild(status, "StatusCode");
    auto parsed = statusCodeFromText(valueOf(code));
    if (!parsed) {
      refuse(EdxmlProblem::UnknownStatusCode, code,
             "StatusCode '" + valueOf(code) + "' is not one of 01-06, 13, 15, 16");
    }
    m.statusCode = *parsed;
    m.description = optionalText(status, "Description");
    m.timestamp = timestamp(requiredChild(status, "Timestamp"));
    if (const xmlNode* staff = optionalChild(status, "StaffInfo")) m.staffInfo = staffInfo(staff);
    return m;
  }

 private:
  std::string name_;
  const ReadLimits& limits_;
};

template <typename T, typename Read>
Result<T> readWith(Result<libxml::DocPtr> doc, std::string name, const ReadLimits& limits,
                   Read read) {
  if (!doc) return doc.status();
  TreeReader reader(std::move(name), limits);
  try {
    return read(reader, doc.value().get());
  } catch (const Refusal& refusal) {
    return refusal.status;
  }
}

}  // namespace

Result<EdxmlPackage> readPackage(std::string_view bytes, std::string_view name,
                                 const ReadLimits& limits) {
  return readWith<EdxmlPackage>(parseUntrustedXml(bytes, name, limits), std::string(name), limits,
                                [](const TreeReader& r, xmlDoc* doc) { return r.package(doc); });
}

Result<EdxmlPackage> readPackageFile(const std::filesystem::path& path, const ReadLimits& limits) {
  return readWith<EdxmlPackage>(parseUntrustedXmlFile(path, limits), path.string(), limits,
                                [](const TreeReader& r, xmlDoc* doc) { return r.package(doc); });
}

Result<StatusMessage> readStatusMessage(std::string_view bytes, std::string_view name,
                                        const ReadLimits& limits) {
  return readWith<StatusMessage>(
      parseUntrustedXml(bytes, name, limits), std::string(name), limits,
      [](const TreeReader& r, xmlDoc* doc) { return r.statusMessage(doc); });
}

}  // namespace vanthu::exchange
