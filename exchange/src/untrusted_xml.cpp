#include "untrusted_xml.h"

#include <climits>
#include <fstream>
#include <mutex>
#include <string>

#include "vanthu/exchange/edxml_problem.h"

namespace vanthu::exchange {
namespace {

// XML_PARSE_HUGE lifts libxml2's 10 MB cap on one text node (a base64 attachment of 8 MB already
// exceeds it); what it would otherwise guard against is guarded here: entities never exist (the
// DOCTYPE is stopped), depth is capped by ParseGuard and size by ReadLimits. No XML_PARSE_NOENT,
// DTDLOAD or DTDATTR. Errors come back through the context, never printed.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                              XML_PARSE_HUGE | XML_PARSE_BIG_LINES;

// What the SAX hooks saw; reached through the parser context's _private.
struct ParseGuard {
  startElementNsSAX2Func defaultStart = nullptr;
  endElementNsSAX2Func defaultEnd = nullptr;
  int depth = 0;
  int maxDepth = 0;
  bool doctypeSeen = false;
  bool tooDeep = false;
  int line = 0;
  // File input only.
  std::ifstream* file = nullptr;
  size_t bytesRead = 0;
  size_t maxBytes = 0;
  bool fileTooLarge = false;
  bool fileFailed = false;
};

ParseGuard& guardOf(void* context) {
  auto* parser = static_cast<xmlParserCtxt*>(context);
  return *static_cast<ParseGuard*>(parser->_private);
}

// Called when `<!DOCTYPE name ...` has been read and before `[ ... ]`: stopping here means no
// entity declaration of the internal subset is ever parsed.
void onDoctype(void* context, const xmlChar*, const xmlChar*, const xmlChar*) {
  auto* parser = static_cast<xmlParserCtxt*>(context);
  ParseGuard& guard = guardOf(context);
  guard.doctypeSeen = true;
  guard.line = xmlSAX2GetLineNumber(context);
  xmlStopParser(parser);
}

void onStartElement(void* context, const xmlChar* localName, const xmlChar* prefix,
                    const xmlChar* uri, int namespaceCount, const xmlChar** namespaces,
                    int attributeCount, int defaultedCount, const xmlChar** attributes) {
  ParseGuard& guard = guardOf(context);
  if (++guard.depth > guard.maxDepth) {
    guard.tooDeep = true;
    guard.line = xmlSAX2GetLineNumber(context);
    xmlStopParser(static_cast<xmlParserCtxt*>(context));
    return;
  }
  guard.defaultStart(context, localName, prefix, uri, namespaceCount, namespaces, attributeCount,
                     defaultedCount, attributes);
}

void onEndElement(void* context, const xmlChar* localName, const xmlChar* prefix,
                  const xmlChar* uri) {
  ParseGuard& guard = guardOf(context);
  --guard.depth;
  guard.defaultEnd(context, localName, prefix, uri);
}

libxml::ParserContextPtr guardedContext(ParseGuard& guard, const ReadLimits& limits) {
  libxml::ParserContextPtr context(xmlNewParserCtxt());
  if (!context) throw Error(ErrorCode::Internal, "libxml2 could not allocate a parser context");
  guard.maxDepth = limits.maxDepth;
  guard.defaultStart = context->sax->startElementNs;
  guard.defaultEnd = context->sax->endElementNs;
  context->sax->internalSubset = onDoctype;
  context->sax->startElementNs = onStartElement;
  context->sax->endElementNs = onEndElement;
  context->_private = &guard;
  return context;
}

Result<libxml::DocPtr> finish(xmlParserCtxt* context, xmlDoc* parsed, const ParseGuard& guard,
                              const std::string& name, const ReadLimits& limits) {
  libxml::DocPtr doc(parsed);
  if (guard.doctypeSeen) {
    return edxmlFailure(EdxmlProblem::DoctypeRefused,
                        name + ":" + std::to_string(guard.line) +
                            ": a DOCTYPE is not allowed in exchanged XML (edXML has no DTD)");
  }
  if (guard.tooDeep) {
    return edxmlFailure(EdxmlProblem::TooDeep, name + ":" + std::to_string(guard.line) +
                                                   ": elements nested deeper than " +
                                                   std::to_string(limits.maxDepth));
  }
  if (guard.fileTooLarge) {
    return edxmlFailure(
        EdxmlProblem::PackageTooLarge,
        name + ": larger than the limit of " + std::to_string(limits.maxPackageBytes) + " bytes");
  }
  if (guard.fileFailed) {
    return Status(ErrorCode::IoFailure, name + ": could not be read");
  }
  if (!doc || context->wellFormed == 0) {
    const xmlError* error = xmlCtxtGetLastError(context);
    int line = error != nullptr ? error->line : 0;
    std::string message = error != nullptr ? libxml::trimmedMessage(error->message) : "";
    if (message.empty()) message = "not well-formed XML";
    return edxmlFailure(EdxmlProblem::NotWellFormed,
                        name + ":" + std::to_string(line) + ": " + message);
  }
  // Defence in depth: the hook above should have stopped any DOCTYPE already.
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return edxmlFailure(EdxmlProblem::DoctypeRefused,
                        name + ": a DOCTYPE is not allowed in exchanged XML");
  }
  if (xmlDocGetRootElement(doc.get()) == nullptr) {
    return edxmlFailure(EdxmlProblem::NotWellFormed, name + ": the document has no root element");
  }
  return doc;
}

int readFromFile(void* context, char* buffer, int length) {
  auto& guard = *static_cast<ParseGuard*>(context);
  guard.file->read(buffer, length);
  std::streamsize got = guard.file->gcount();
  if (got == 0 && guard.file->bad()) {
    guard.fileFailed = true;
    return -1;
  }
  guard.bytesRead += static_cast<size_t>(got);
  if (guard.bytesRead > guard.maxBytes) {
    guard.fileTooLarge = true;
    return -1;
  }
  return static_cast<int>(got);
}

int closeNothing(void*) {
  return 0;
}

void printNothing(void*, const char*, ...) {}

// Some libxml2 errors are raised without the parser context: a failed conversion from the
// declared encoding ("input conversion failed due to input error, bytes ..."), I/O errors. Those
// go to the thread's generic error handler, which prints to stderr; the parse reports them as
// not_well_formed anyway. This keeps them off stderr for the duration of one parse on this
// thread (libxml2's handler is per thread) and restores what was there.
class QuietGenericErrors {
 public:
  QuietGenericErrors() : handler_(xmlGenericError), context_(xmlGenericErrorContext) {
    xmlSetGenericErrorFunc(nullptr, printNothing);
  }
  ~QuietGenericErrors() { xmlSetGenericErrorFunc(context_, handler_); }
  QuietGenericErrors(const QuietGenericErrors&) = delete;
  QuietGenericErrors& operator=(const QuietGenericErrors&) = delete;

 private:
  xmlGenericErrorFunc handler_;
  void* context_;
};

// Returning no input is libxml2's "cannot load": the caller reports it as its own error (a
// schema import that failed, an entity that is undefined), with the line, through the handler
// it installed. Nothing is printed here.
xmlParserInputPtr refuseEntity(const char*, const char*, xmlParserCtxtPtr) {
  return nullptr;
}

}  // namespace

void refuseExternalEntities() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(refuseEntity);
  });
}

Result<libxml::DocPtr> parseUntrustedXml(std::string_view bytes, std::string_view name,
                                         const ReadLimits& limits) {
  refuseExternalEntities();
  std::string url(name);
  if (bytes.size() > limits.maxPackageBytes || bytes.size() > static_cast<size_t>(INT_MAX)) {
    return edxmlFailure(EdxmlProblem::PackageTooLarge, url + ": " + std::to_string(bytes.size()) +
                                                           " bytes, over the limit of " +
                                                           std::to_string(limits.maxPackageBytes));
  }
  ParseGuard guard;
  auto context = guardedContext(guard, limits);
  QuietGenericErrors quiet;
  xmlDoc* doc = xmlCtxtReadMemory(context.get(), bytes.data(), static_cast<int>(bytes.size()),
                                  url.c_str(), nullptr, kParseOptions);
  return finish(context.get(), doc, guard, url, limits);
}

Result<libxml::DocPtr> parseUntrustedXmlFile(const std::filesystem::path& path,
                                             const ReadLimits& limits) {
  refuseExternalEntities();
  std::string url = path.string();
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status(ErrorCode::IoFailure, url + ": cannot be opened");
  ParseGuard guard;
  guard.file = &file;
  guard.maxBytes = limits.maxPackageBytes;
  auto context = guardedContext(guard, limits);
  QuietGenericErrors quiet;
  xmlDoc* doc = xmlCtxtReadIO(context.get(), readFromFile, closeNothing, &guard, url.c_str(),
                              nullptr, kParseOptions);
  return finish(context.get(), doc, guard, url, limits);
}

}  // namespace vanthu::exchange
