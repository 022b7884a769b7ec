#include "vanthu/exchange/edxml_schema.h"

#include <fstream>
#include <sstream>

#include "libxml_handles.h"
#include "untrusted_xml.h"
#include "vanthu/exchange/edxml_problem.h"

namespace vanthu::exchange {
namespace {

// The first error libxml2 reports, with its line: a person fixes the first fault first, and later
// ones are often its echoes.
struct FirstError {
  bool set = false;
  int line = 0;
  std::string message;
};

void collectFirst(void* context, xmlError* error) {
  auto* first = static_cast<FirstError*>(context);
  if (first->set || error == nullptr) return;
  first->set = true;
  first->line = error->line;
  first->message = libxml::trimmedMessage(error->message);
}

Status validateTree(xmlSchema* schema, xmlDoc* doc, const std::string& name) {
  libxml::SchemaValidContextPtr context(xmlSchemaNewValidCtxt(schema));
  if (!context) throw Error(ErrorCode::Internal, "libxml2 could not make a validation context");
  FirstError first;
  xmlSchemaSetValidStructuredErrors(context.get(), collectFirst, &first);
  int result = xmlSchemaValidateDoc(context.get(), doc);
  if (result == 0) return {};
  if (result < 0) throw Error(ErrorCode::Internal, "libxml2 schema validation failed internally");
  return edxmlFailure(EdxmlProblem::SchemaInvalid,
                      name + ":" + std::to_string(first.line) + ": " + first.message);
}

}  // namespace

struct EdxmlSchema::Impl {
  libxml::DocPtr schemaDoc;  // the XSD's tree; the compiled schema refers into it
  libxml::SchemaPtr schema;
};

EdxmlSchema::EdxmlSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EdxmlSchema::EdxmlSchema(EdxmlSchema&&) noexcept = default;
EdxmlSchema& EdxmlSchema::operator=(EdxmlSchema&&) noexcept = default;
EdxmlSchema::~EdxmlSchema() = default;

Result<EdxmlSchema> EdxmlSchema::load(const std::filesystem::path& path) {
  // The XSD is read by us and parsed like any untrusted XML (it is a file an operator can
  // replace): libxml2's own loader, which would follow URLs, is never asked for it.
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::invalidConfig(path.string() + ": the schema cannot be opened");
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return fromText(bytes.str(), path.string());
}

Result<EdxmlSchema> EdxmlSchema::fromText(std::string_view xsd, const std::string& name) {
  auto doc = parseUntrustedXml(xsd, name, ReadLimits{});
  if (!doc) return Status::invalidConfig("schema " + doc.status().message());
  libxml::SchemaParserContextPtr parser(xmlSchemaNewDocParserCtxt(doc.value().get()));
  if (!parser) throw Error(ErrorCode::Internal, "libxml2 could not make a schema parser");
  FirstError first;
  xmlSchemaSetParserStructuredErrors(parser.get(), collectFirst, &first);
  libxml::SchemaPtr schema(xmlSchemaParse(parser.get()));
  if (!schema) {
    return Status::invalidConfig(name + ":" + std::to_string(first.line) +
                                 ": not a usable schema: " + first.message);
  }
  auto impl = std::make_unique<Impl>();
  impl->schemaDoc = std::move(doc).value();
  impl->schema = std::move(schema);
  return EdxmlSchema(std::move(impl));
}

namespace {

// A built-in schema that does not compile is a build defect, not an input problem.
EdxmlSchema compileShipped(std::string_view text, const char* name) {
  auto schema = EdxmlSchema::fromText(text, name);
  if (!schema) throw Error(ErrorCode::Internal, "the built-in " + schema.status().message());
  return std::move(schema).value();
}

}  // namespace

const EdxmlSchema& EdxmlSchema::package() {
  static const EdxmlSchema schema = compileShipped(packageSchemaText(), "edxml.xsd");
  return schema;
}

const EdxmlSchema& EdxmlSchema::statusMessage() {
  static const EdxmlSchema schema = compileShipped(statusSchemaText(), "edxml-status.xsd");
  return schema;
}

Status EdxmlSchema::validate(std::string_view bytes, std::string_view name,
                             const ReadLimits& limits) const {
  auto doc = parseUntrustedXml(bytes, name, limits);
  if (!doc) return doc.status();
  return validateTree(impl_->schema.get(), doc.value().get(), std::string(name));
}

Status EdxmlSchema::validateFile(const std::filesystem::path& path,
                                 const ReadLimits& limits) const {
  auto doc = parseUntrustedXmlFile(path, limits);
  if (!doc) return doc.status();
  return validateTree(impl_->schema.get(), doc.value().get(), path.string());
}

}  // namespace vanthu::exchange
