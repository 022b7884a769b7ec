#include "vanthu/exchange/xml_document.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include <climits>

namespace vanthu::exchange {
namespace {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct ParserDeleter {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};
struct CharDeleter {
  void operator()(xmlChar* text) const { xmlFree(text); }
};

using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;
using ParserPtr = std::unique_ptr<xmlParserCtxt, ParserDeleter>;

std::string asString(const xmlChar* text) {
  return text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(text));
}

// No XML_PARSE_NOENT (would substitute entities), no XML_PARSE_DTDLOAD / DTDATTR (would fetch
// or apply a DTD), XML_PARSE_NONET in case anything still tries; errors come back through the
// context instead of being printed to stderr.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

}  // namespace

struct XmlDocument::Impl {
  DocPtr doc;
};

XmlDocument::XmlDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XmlDocument::XmlDocument(XmlDocument&&) noexcept = default;
XmlDocument& XmlDocument::operator=(XmlDocument&&) noexcept = default;
XmlDocument::~XmlDocument() = default;

Result<XmlDocument> XmlDocument::parse(std::string_view bytes, std::string_view name) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    return Status(ErrorCode::PayloadTooLarge, std::string(name) + " is too large to parse");
  }
  ParserPtr context(xmlNewParserCtxt());
  if (!context) throw Error(ErrorCode::Internal, "libxml2 could not allocate a parser context");
  std::string url(name);
  DocPtr doc(xmlCtxtReadMemory(context.get(), bytes.data(), static_cast<int>(bytes.size()),
                               url.c_str(), nullptr, kParseOptions));
  if (!doc) {
    const xmlError* error = xmlCtxtGetLastError(context.get());
    std::string message =
        error != nullptr && error->message != nullptr ? error->message : "not well-formed XML";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    int line = error != nullptr ? error->line : 0;
    return Status(ErrorCode::InvalidXml, url + ":" + std::to_string(line) + ": " + message);
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return Status(ErrorCode::InvalidXml, url + ": a DOCTYPE is not allowed in exchanged XML");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return Status(ErrorCode::InvalidXml, url + ": the document has no root element");
  }
  auto impl = std::make_unique<Impl>();
  impl->doc = std::move(doc);
  return XmlDocument(std::move(impl));
}

std::string XmlDocument::rootName() const {
  return asString(xmlDocGetRootElement(impl_->doc.get())->name);
}

std::string XmlDocument::rootNamespace() const {
  const xmlNode* root = xmlDocGetRootElement(impl_->doc.get());
  return root->ns == nullptr ? std::string() : asString(root->ns->href);
}

std::string XmlDocument::rootText() const {
  std::unique_ptr<xmlChar, CharDeleter> content(
      xmlNodeGetContent(xmlDocGetRootElement(impl_->doc.get())));
  return asString(content.get());
}

}  // namespace vanthu::exchange
