#pragma once

// Reading XML that arrives from outside (edXML packages from other agencies). The parse is the
// one the edXML reader uses (exchange/src/untrusted_xml.h): the parser never touches the network
// and never loads or expands entities, a DOCTYPE is refused outright before its internal subset
// is read (edXML has no DTD, so one can only be an attack: XXE, billion laughs), and the input's
// size and element depth are capped by ReadLimits.
//
// The first parse in a process makes libxml2's external entity loader refuse everything,
// process-wide (once, thread-safe): no libxml2 call in the process can then fetch a DTD, entity
// or schema import from a file or the network.

#include <memory>
#include <string>
#include <string_view>

#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/workflow/error.h"

namespace vanthu::exchange {

class XmlDocument {
 public:
  /// Parses `bytes`; `name` says where they came from, for messages. A refusal is an
  /// edxmlFailure (edxml_problem.h), its message "PROBLEM: NAME:LINE: what":
  ///  - not_well_formed (InvalidXml) with the libxml2 message and line, or no root element;
  ///  - doctype_refused (InvalidXml) for any DOCTYPE, internal subset or external DTD;
  ///  - too_deep (InvalidXml) for elements nested deeper than limits.maxDepth;
  ///  - package_too_large (PayloadTooLarge) for more than limits.maxPackageBytes.
  /// Thread safety: parses may run concurrently.
  static Result<XmlDocument> parse(std::string_view bytes, std::string_view name,
                                   const ReadLimits& limits = {});

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
