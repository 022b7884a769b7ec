#pragma once

// Reading XML that arrives from outside (edXML packages from other agencies). The parser never
// touches the network, never loads or expands entities, and refuses a DOCTYPE outright: edXML has
// no DTD, so one can only be an attack (XXE, billion laughs).

#include <memory>
#include <string>
#include <string_view>

#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

class XmlDocument {
 public:
  /// Parses `bytes`. InvalidXml with the libxml2 message and line on malformed input or a DOCTYPE.
  /// `name` says where the bytes came from, for messages.
  static Result<XmlDocument> parse(std::string_view bytes, std::string_view name);

  XmlDocument(XmlDocument&&) noexcept;
  XmlDocument& operator=(XmlDocument&&) noexcept;
  ~XmlDocument();

  /// The local name of the root element.
  std::string rootName() const;
  /// The namespace URI of the root element ("" if none).
  std::string rootNamespace() const;
  /// The concatenated text of the root element and its descendants.
  std::string rootText() const;

 private:
  struct Impl;
  explicit XmlDocument(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vanthu::exchange
