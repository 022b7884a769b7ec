#include "vanthu/exchange/xml_document.h"

#include "libxml_handles.h"
#include "untrusted_xml.h"

namespace vanthu::exchange {
namespace {

struct CharDeleter {
  void operator()(xmlChar* text) const { xmlFree(text); }
};

std::string asString(const xmlChar* text) {
  return text == nullptr ? std::string() : std::string(libxml::text(text));
}

}  // namespace

struct XmlDocument::Impl {
  libxml::DocPtr doc;
};

XmlDocument::XmlDocument(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
XmlDocument::XmlDocument(XmlDocument&&) noexcept = default;
XmlDocument& XmlDocument::operator=(XmlDocument&&) noexcept = default;
XmlDocument::~XmlDocument() = default;

Result<XmlDocument> XmlDocument::parse(std::string_view bytes, std::string_view name,
                                       const ReadLimits& limits) {
  // The same guards as the edXML reader: DOCTYPE stopped before its internal subset, no entity
  // loading or substitution, NONET, the depth and size limits, the refusing entity loader.
  auto doc = parseUntrustedXml(bytes, name, limits);
  if (!doc.isOk()) return doc.status();
  auto impl = std::make_unique<Impl>();
  impl->doc = std::move(doc).value();
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
