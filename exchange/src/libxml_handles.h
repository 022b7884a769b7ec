#pragma once

// RAII owners for every libxml2 handle the exchange module holds: each is freed by the libxml2
// function that matches its allocator, on every path.

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlwriter.h>

#include <memory>
#include <string>

namespace vanthu::exchange::libxml {

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
struct ParserContextDeleter {
  void operator()(xmlParserCtxt* context) const { xmlFreeParserCtxt(context); }
};
struct TextWriterDeleter {
  void operator()(xmlTextWriter* writer) const { xmlFreeTextWriter(writer); }
};
struct SchemaDeleter {
  void operator()(xmlSchema* schema) const { xmlSchemaFree(schema); }
};
struct SchemaParserContextDeleter {
  void operator()(xmlSchemaParserCtxt* context) const { xmlSchemaFreeParserCtxt(context); }
};
struct SchemaValidContextDeleter {
  void operator()(xmlSchemaValidCtxt* context) const { xmlSchemaFreeValidCtxt(context); }
};
struct NodeDeleter {
  void operator()(xmlNode* node) const { xmlFreeNode(node); }
};

using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;
using ParserContextPtr = std::unique_ptr<xmlParserCtxt, ParserContextDeleter>;
using TextWriterPtr = std::unique_ptr<xmlTextWriter, TextWriterDeleter>;
using SchemaPtr = std::unique_ptr<xmlSchema, SchemaDeleter>;
using SchemaParserContextPtr = std::unique_ptr<xmlSchemaParserCtxt, SchemaParserContextDeleter>;
using SchemaValidContextPtr = std::unique_ptr<xmlSchemaValidCtxt, SchemaValidContextDeleter>;
using NodePtr = std::unique_ptr<xmlNode, NodeDeleter>;

inline const char* text(const xmlChar* s) {
  return reinterpret_cast<const char*>(s);
}
inline const xmlChar* xml(const char* s) {
  return reinterpret_cast<const xmlChar*>(s);
}

/// libxml2's message without its trailing newline.
inline std::string trimmedMessage(const char* message) {
  std::string m = message == nullptr ? std::string() : std::string(message);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

}  // namespace vanthu::exchange::libxml
