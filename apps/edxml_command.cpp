#include "edxml_command.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>

#include "cli_args.h"
#include "vanthu/exchange/edxml_problem.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_schema.h"
#include "vanthu/exchange/edxml_writer.h"

namespace vanthu::cli {
namespace {

namespace fs = std::filesystem;
using namespace vanthu::exchange;
using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int kExitUnreadable = 3;  // validate: the file could not be read at all

constexpr const char* kUsage = R"(usage: vanthu edxml pack|unpack|validate ...

  pack --pdf FILE --out PACKAGE [--metadata JSON] [--attach FILE]...
       [--from CODE] [--to CODE]... [--number N] [--notation TEXT] [--date YYYY/MM/DD]
       [--type N] [--type-name TEXT] [--subject TEXT] [--signer NAME] [--priority 0-4]
                     make an edXML package: the PDF is the first attachment, then each --attach
                     file. Metadata comes from the JSON file (the form 'unpack' writes as
                     metadata.json) and the flags, the flags winning.
  unpack PACKAGE --out DIR
                     validate PACKAGE, then write each attachment to DIR under its name and the
                     metadata to DIR/metadata.json. DIR must be empty or absent.
  validate PACKAGE [--status]
                     check PACKAGE (a status message with --status) against the shipped XSD and
                     the standard's rules.

Exit status: 0 done / valid; 1 the package is invalid or could not be made; 2 usage error;
3 (validate, unpack) the file could not be read.
)";

int usage(const std::string& message) {
  std::cerr << "vanthu edxml: " << message << "; see 'vanthu edxml --help'" << std::endl;
  return kExitUsage;
}

int fail(const std::string& message) {
  std::cerr << "vanthu edxml: " << message << std::endl;
  return kExitFailure;
}

// Read straight into a string of the file's size: one copy of a large PDF, not two.
std::optional<std::string> readWholeFile(const fs::path& path) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) return std::nullopt;
  auto size = fs::file_size(path, error);
  if (error) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (static_cast<uintmax_t>(in.gcount()) != size) return std::nullopt;
  return bytes;
}

// ---- metadata JSON <-> model ----------------------------------------------------------------
// snake_case names of the model's fields; dates as edXML writes them (YYYY/MM/DD).

std::string text(const Object::Ptr& o, const std::string& key) {
  return o && o->has(key) && !o->isNull(key) ? o->getValue<std::string>(key) : std::string();
}

int integer(const Object::Ptr& o, const std::string& key, int fallback) {
  return o && o->has(key) && !o->isNull(key) ? o->getValue<int>(key) : fallback;
}

std::vector<std::string> texts(const Object::Ptr& o, const std::string& key) {
  std::vector<std::string> out;
  if (!o || !o->has(key)) return out;
  Array::Ptr array = o->getArray(key);
  for (size_t i = 0; array && i < array->size(); ++i)
    out.push_back(array->getElement<std::string>(i));
  return out;
}

std::vector<Object::Ptr> objects(const Object::Ptr& o, const std::string& key) {
  std::vector<Object::Ptr> out;
  if (!o || !o->has(key)) return out;
  Array::Ptr array = o->getArray(key);
  for (size_t i = 0; array && i < array->size(); ++i) out.push_back(array->getObject(i));
  return out;
}

Array::Ptr toArray(const std::vector<std::string>& values) {
  Array::Ptr array = new Array;
  for (const auto& v : values) array->add(v);
  return array;
}

EdxmlDate date(const std::string& textValue, const std::string& field) {
  auto parsed = parseEdxmlDate(textValue);
  if (!parsed) throw Error(ErrorCode::InvalidArgument, field + ": " + parsed.status().message());
  return parsed.value();
}

std::optional<EdxmlDate> optionalDate(const Object::Ptr& o, const std::string& key) {
  std::string value = text(o, key);
  if (value.empty()) return std::nullopt;
  return date(value, key);
}

Organization organizationFrom(const Object::Ptr& o) {
  Organization org;
  org.organId = text(o, "organ_id");
  org.organizationInCharge = text(o, "organization_in_charge");
  org.organName = text(o, "organ_name");
  org.organAdd = text(o, "organ_add");
  org.email = text(o, "email");
  org.telephone = text(o, "telephone");
  org.fax = text(o, "fax");
  org.website = text(o, "website");
  return org;
}

Object::Ptr organizationJson(const Organization& org) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("organ_id", org.organId);
  o->set("organization_in_charge", org.organizationInCharge);
  o->set("organ_name", org.organName);
  o->set("organ_add", org.organAdd);
  o->set("email", org.email);
  o->set("telephone", org.telephone);
  o->set("fax", org.fax);
  o->set("website", org.website);
  return o;
}

StaffInfo staffFrom(const Object::Ptr& o) {
  return {text(o, "department"), text(o, "staff"), text(o, "mobile"), text(o, "email")};
}

Object::Ptr staffJson(const StaffInfo& s) {
  Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("department", s.department);
  o->set("staff", s.staff);
  o->set("mobile", s.mobile);
  o->set("email", s.email);
  return o;
}

void headerFromJson(const Object::Ptr& m, EdxmlPackage& p) {
  MessageHeader& h = p.header;
  if (m->has("from")) h.from = organizationFrom(m->getObject("from"));
  for (const auto& to : objects(m, "to")) h.to.push_back(organizationFrom(to));
  h.code = {text(m, "code_number"), text(m, "code_notation")};
  h.promulgationInfo.place = text(m, "place");
  if (!text(m, "promulgation_date").empty()) {
    h.promulgationInfo.promulgationDate = date(text(m, "promulgation_date"), "promulgation_date");
  }
  h.documentType = {integer(m, "type", 0), text(m, "type_detail"), text(m, "type_name")};
  h.subject = text(m, "subject");
  h.content = text(m, "content");
  Object::Ptr signer = m->has("signer") ? m->getObject("signer") : nullptr;
  h.signerInfo = {text(signer, "competence"), text(signer, "position"), text(signer, "full_name")};
  h.dueDate = optionalDate(m, "due_date");
  h.toPlaces = texts(m, "to_places");
  h.otherInfo.priority = integer(m, "priority", 0);
  h.otherInfo.sphereOfPromulgation = text(m, "sphere_of_promulgation");
  h.otherInfo.typerNotation = text(m, "typer_notation");
  h.otherInfo.promulgationAmount = integer(m, "promulgation_amount", 0);
  h.otherInfo.pageAmount = integer(m, "page_amount", 0);
  h.otherInfo.appendixes = texts(m, "appendixes");
  for (const auto& r : objects(m, "response_for")) {
    ResponseFor response;
    response.organId = text(r, "organ_id");
    response.code = text(r, "code");
    response.promulgationDate = optionalDate(r, "promulgation_date");
    response.documentId = text(r, "document_id");
    h.responseFor.push_back(response);
  }
  h.steeringType = integer(m, "steering_type", 0);
  h.documentId = text(m, "document_id");
}

void traceFromJson(const Object::Ptr& m, EdxmlPackage& p) {
  for (const auto& hop : objects(m, "trace")) {
    auto timestamp = parseEdxmlTimestamp(text(hop, "timestamp"));
    if (!timestamp)
      throw Error(ErrorCode::InvalidArgument, "trace: " + timestamp.status().message());
    p.trace.traceHeaders.push_back({text(hop, "organ_id"), timestamp.value()});
  }
  if (!m->has("business")) return;
  Object::Ptr b = m->getObject("business");
  Business& business = p.trace.business;
  int docType = integer(b, "doc_type", 0);
  if (docType < 0 || docType > 3)
    throw Error(ErrorCode::InvalidArgument, "business.doc_type must be 0-3");
  business.docType = static_cast<BusinessDocType>(docType);
  business.reason = text(b, "reason");
  if (b->has("document_info")) {
    Object::Ptr i = b->getObject("document_info");
    BusinessDocumentInfo info;
    info.documentInfo = integer(i, "document_info", 0) == 1;
    info.documentReceiver = integer(i, "document_receiver", 0) == 1;
    for (const auto& r : objects(i, "receivers")) {
      info.receivers.push_back({integer(r, "receiver_type", 0), text(r, "organ_id")});
    }
    business.documentInfo = info;
  }
  business.documentId = text(b, "document_id");
  if (b->has("staff")) business.staffInfo = staffFrom(b->getObject("staff"));
  business.paper = integer(b, "paper", 0) == 1;
  for (const auto& r : objects(b, "replacements")) {
    business.replacements.push_back({text(r, "document_id"), texts(r, "organ_ids")});
  }
}

Object::Ptr metadataJson(const EdxmlPackage& p, const std::vector<std::string>& files) {
  const MessageHeader& h = p.header;
  Object::Ptr m = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  m->set("from", organizationJson(h.from));
  Array::Ptr to = new Array;
  for (const auto& org : h.to) to->add(organizationJson(org));
  m->set("to", to);
  m->set("code_number", h.code.codeNumber);
  m->set("code_notation", h.code.codeNotation);
  m->set("place", h.promulgationInfo.place);
  m->set("promulgation_date", formatEdxmlDate(h.promulgationInfo.promulgationDate));
  m->set("type", h.documentType.type);
  m->set("type_detail", h.documentType.typeDetail);
  m->set("type_name", h.documentType.typeName);
  m->set("subject", h.subject);
  m->set("content", h.content);
  Object::Ptr signer = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  signer->set("competence", h.signerInfo.competence);
  signer->set("position", h.signerInfo.position);
  signer->set("full_name", h.signerInfo.fullName);
  m->set("signer", signer);
  m->set("due_date", h.dueDate ? formatEdxmlDate(*h.dueDate) : std::string());
  m->set("to_places", toArray(h.toPlaces));
  m->set("priority", h.otherInfo.priority);
  m->set("sphere_of_promulgation", h.otherInfo.sphereOfPromulgation);
  m->set("typer_notation", h.otherInfo.typerNotation);
  m->set("promulgation_amount", h.otherInfo.promulgationAmount);
  m->set("page_amount", h.otherInfo.pageAmount);
  m->set("appendixes", toArray(h.otherInfo.appendixes));
  Array::Ptr responses = new Array;
  for (const auto& r : h.responseFor) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("organ_id", r.organId);
    o->set("code", r.code);
    o->set("promulgation_date", r.promulgationDate ? formatEdxmlDate(*r.promulgationDate) : "");
    o->set("document_id", r.documentId);
    responses->add(o);
  }
  m->set("response_for", responses);
  m->set("steering_type", h.steeringType);
  m->set("document_id", h.documentId);
  Array::Ptr trace = new Array;
  for (const auto& hop : p.trace.traceHeaders) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("organ_id", hop.organId);
    o->set("timestamp", formatEdxmlTimestamp(hop.timestamp));
    trace->add(o);
  }
  m->set("trace", trace);
  const Business& b = p.trace.business;
  Object::Ptr business = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  business->set("doc_type", static_cast<int>(b.docType));
  business->set("reason", b.reason);
  if (b.documentInfo) {
    Object::Ptr info = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    info->set("document_info", b.documentInfo->documentInfo ? 1 : 0);
    info->set("document_receiver", b.documentInfo->documentReceiver ? 1 : 0);
    Array::Ptr receivers = new Array;
    for (const auto& r : b.documentInfo->receivers) {
      Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
      o->set("receiver_type", r.receiverType);
      o->set("organ_id", r.organId);
      receivers->add(o);
    }
    info->set("receivers", receivers);
    business->set("document_info", info);
  }
  business->set("document_id", b.documentId);
  business->set("staff", staffJson(b.staffInfo));
  business->set("paper", b.paper ? 1 : 0);
  Array::Ptr replacements = new Array;
  for (const auto& r : b.replacements) {
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("document_id", r.documentId);
    o->set("organ_ids", toArray(r.organIds));
    replacements->add(o);
  }
  business->set("replacements", replacements);
  m->set("business", business);
  Array::Ptr attachments = new Array;
  for (size_t i = 0; i < p.attachments.size(); ++i) {
    const Attachment& a = p.attachments[i];
    Object::Ptr o = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("file", files[i]);
    o->set("name", a.name);
    o->set("content_type", a.contentType);
    o->set("description", a.description);
    o->set("content_id", a.contentId);
    o->set("size", static_cast<Poco::UInt64>(a.bytes.size()));
    attachments->add(o);
  }
  m->set("attachments", attachments);
  return m;
}

// ---- pack -----------------------------------------------------------------------------------

std::string contentTypeOf(const fs::path& path) {
  std::string extension = path.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, const char*> kTypes[] = {
      {".pdf", "application/pdf"},
      {".doc", "application/msword"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".xls", "application/vnd.ms-excel"},
      {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".txt", "text/plain"},
      {".xml", "application/xml"},
      {".zip", "application/zip"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (extension == ext) return type;
  }
  return "application/octet-stream";
}

// "cid:" and a random (version 4) UUID, as the axis's clients write content ids.
std::string newContentId(std::mt19937_64& random) {
  const char* hex = "0123456789abcdef";
  std::string id = "cid:";
  for (int i = 0; i < 32; ++i) {
    auto nibble = static_cast<int>(random() & 0xf);
    if (i == 12) nibble = 4;
    if (i == 16) nibble = 8 | (nibble & 3);
    if (i == 8 || i == 12 || i == 16 || i == 20) id += '-';
    id += hex[nibble];
  }
  return id;
}

// Now in Vietnam time (+07:00, no daylight saving), the zone edXML timestamps are in.
EdxmlTimestamp vietnamNow() {
  std::time_t now =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now()) + 7 * 3600;
  std::tm utc{};
  gmtime_r(&now, &utc);
  return {{utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday}, utc.tm_hour, utc.tm_min, utc.tm_sec};
}

int pack(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"pdf"},
                                 {"out"},
                                 {"metadata"},
                                 {"attach", true, true},
                                 {"from"},
                                 {"to", true, true},
                                 {"number"},
                                 {"notation"},
                                 {"date"},
                                 {"type"},
                                 {"type-name"},
                                 {"subject"},
                                 {"signer"},
                                 {"priority"},
                                 {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty())
    return usage("unexpected argument '" + flags.positionals.front() + "'");
  if (!flags.has("pdf") || !flags.has("out"))
    return usage("'edxml pack' needs --pdf FILE and --out PACKAGE");

  EdxmlPackage package;
  try {
    if (flags.has("metadata")) {
      auto json = readWholeFile(flags.value("metadata"));
      if (!json) return fail("cannot read " + flags.value("metadata"));
      Poco::JSON::Parser parser;
      Object::Ptr metadata = parser.parse(*json).extract<Object::Ptr>();
      if (!metadata) return fail(flags.value("metadata") + ": not a JSON object");
      headerFromJson(metadata, package);
      traceFromJson(metadata, package);
    }
    MessageHeader& h = package.header;
    if (flags.has("from")) h.from.organId = flags.value("from");
    if (flags.has("to")) {
      h.to.clear();
      for (const auto& code : flags.options.at("to")) {
        Organization recipient;
        recipient.organId = code;
        h.to.push_back(recipient);
      }
    }
    if (flags.has("number")) h.code.codeNumber = flags.value("number");
    if (flags.has("notation")) h.code.codeNotation = flags.value("notation");
    if (flags.has("date"))
      h.promulgationInfo.promulgationDate = date(flags.value("date"), "--date");
    if (flags.has("type")) h.documentType.type = std::stoi(flags.value("type"));
    if (flags.has("type-name")) h.documentType.typeName = flags.value("type-name");
    if (flags.has("subject")) h.subject = flags.value("subject");
    if (flags.has("signer")) h.signerInfo.fullName = flags.value("signer");
    if (flags.has("priority")) h.otherInfo.priority = std::stoi(flags.value("priority"));
  } catch (const Poco::Exception& e) {
    return fail("metadata: " + e.displayText());
  } catch (const Error& e) {
    return fail(e.describe());
  } catch (const std::logic_error&) {  // std::stoi
    return usage("--type and --priority take a number");
  }
  if (package.trace.traceHeaders.empty()) {
    // The sender's own hop: when the package left.
    package.trace.traceHeaders.push_back({package.header.from.organId, vietnamNow()});
  }

  std::random_device seed;
  std::mt19937_64 random((static_cast<uint64_t>(seed()) << 32) | seed());
  std::vector<fs::path> files{flags.value("pdf")};
  if (flags.has("attach")) {
    for (const auto& file : flags.options.at("attach")) files.emplace_back(file);
  }
  for (size_t i = 0; i < files.size(); ++i) {
    auto bytes = readWholeFile(files[i]);
    if (!bytes) return fail("cannot read " + files[i].string());
    if (i == 0 && bytes->compare(0, 5, "%PDF-") != 0)
      return fail(files[i].string() + " is not a PDF");
    Attachment a;
    a.contentId = newContentId(random);
    a.name = files[i].filename().string();
    a.contentType = i == 0 ? "application/pdf" : contentTypeOf(files[i]);
    a.bytes = std::move(*bytes);
    package.attachments.push_back(std::move(a));
  }

  // Written beside the target and renamed: a failed pack leaves no half package.
  fs::path out = flags.value("out");
  fs::path partial = out.string() + ".partial";
  {
    std::ofstream stream(partial, std::ios::binary | std::ios::trunc);
    if (!stream) return fail("cannot write " + partial.string());
    auto status = writePackage(package, stream);
    stream.close();
    if (!status || !stream) {
      std::error_code ignored;
      fs::remove(partial, ignored);
      return fail("cannot make the package: " +
                  (status ? "writing " + out.string() + " failed" : status.message()));
    }
  }
  fs::rename(partial, out);
  std::cout << "vanthu edxml: wrote " << out.string() << " (" << package.attachments.size()
            << " attachment" << (package.attachments.size() == 1 ? "" : "s") << ")" << std::endl;
  return kExitOk;
}

// ---- validate and unpack --------------------------------------------------------------------

// Reads and checks `path` as a package: the XSD, then the rules the XSD cannot say (agency code
// zero-fill, calendar days, base64, manifest). Sets *exitCode on failure.
std::optional<EdxmlPackage> checkedPackage(const fs::path& path, int* exitCode) {
  std::error_code error;
  if (!fs::is_regular_file(path, error)) {
    std::cerr << "vanthu edxml: cannot read " << path.string() << std::endl;
    *exitCode = kExitUnreadable;
    return std::nullopt;
  }
  // Both passes stream the file: a package is never held whole in memory next to its tree.
  auto status = EdxmlSchema::package().validateFile(path);
  auto package = status ? readPackageFile(path) : Result<EdxmlPackage>(status);
  if (!package) {
    bool unreadable = package.status().code() == ErrorCode::IoFailure;
    std::cerr << "vanthu edxml: " << (unreadable ? "cannot read: " : "invalid: ")
              << package.status().message() << std::endl;
    *exitCode = unreadable ? kExitUnreadable : kExitFailure;
    return std::nullopt;
  }
  return std::move(package).value();
}

int validate(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"status", false}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (flags.positionals.size() != 1) return usage("'edxml validate' needs one PACKAGE");
  fs::path path = flags.positionals.front();
  if (flags.has("status")) {
    auto bytes = readWholeFile(path);
    if (!bytes) {
      std::cerr << "vanthu edxml: cannot read " << path.string() << std::endl;
      return kExitUnreadable;
    }
    auto status = EdxmlSchema::statusMessage().validate(*bytes, path.string());
    auto message =
        status ? readStatusMessage(*bytes, path.string()) : Result<StatusMessage>(status);
    if (!message) {
      std::cerr << "vanthu edxml: invalid: " << message.status().message() << std::endl;
      return kExitFailure;
    }
    std::cout << "vanthu edxml: " << path.string() << " is a valid status message (code "
              << statusCodeText(message.value().statusCode) << ")" << std::endl;
    return kExitOk;
  }
  int exitCode = kExitOk;
  auto package = checkedPackage(path, &exitCode);
  if (!package) return exitCode;
  std::cout << "vanthu edxml: " << path.string() << " is a valid edXML package ("
            << package->attachments.size() << " attachments, from " << package->header.from.organId
            << ")" << std::endl;
  return kExitOk;
}

// A file name for an attachment: AttachmentName comes from another agency, so only its last
// component is used, never "." or ".." or a hidden name, and never one used already.
std::string safeFileName(const std::string& name, size_t index, std::set<std::string>& used) {
  std::string base = name;
  for (char separator : {'/', '\\'}) {
    auto at = base.find_last_of(separator);
    if (at != std::string::npos) base = base.substr(at + 1);
  }
  bool bad = base.empty() || base.front() == '.' || base.find('\0') != std::string::npos ||
             base.size() > 200;
  if (bad) base = "attachment-" + std::to_string(index + 1);
  std::string candidate = base;
  for (int n = 2; used.count(candidate) > 0 || candidate == "metadata.json"; ++n) {
    candidate = std::to_string(n) + "-" + base;
  }
  used.insert(candidate);
  return candidate;
}

int unpack(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"out"}, {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (flags.positionals.size() != 1 || !flags.has("out")) {
    return usage("'edxml unpack' needs PACKAGE and --out DIR");
  }
  fs::path dir = flags.value("out");
  std::error_code error;
  if (fs::exists(dir, error) && !fs::is_empty(dir, error)) {
    return usage(dir.string() + " is not empty; unpack into an empty or new directory");
  }
  int exitCode = kExitOk;
  auto package = checkedPackage(flags.positionals.front(), &exitCode);
  if (!package) return exitCode;
  if (!fs::create_directories(dir, error) && error) {
    return fail("cannot create " + dir.string() + ": " + error.message());
  }
  std::set<std::string> used;
  std::vector<std::string> files;
  for (size_t i = 0; i < package->attachments.size(); ++i) {
    const Attachment& a = package->attachments[i];
    files.push_back(safeFileName(a.name, i, used));
    std::ofstream out(dir / files.back(), std::ios::binary);
    out.write(a.bytes.data(), static_cast<std::streamsize>(a.bytes.size()));
    if (!out) return fail("cannot write " + (dir / files.back()).string());
  }
  std::ofstream metadata(dir / "metadata.json", std::ios::binary);
  Poco::JSON::Stringifier::stringify(metadataJson(*package, files), metadata, 2);
  metadata << "\n";
  if (!metadata) return fail("cannot write " + (dir / "metadata.json").string());
  std::cout << "vanthu edxml: unpacked " << package->attachments.size() << " attachments and "
            << "metadata.json into " << dir.string() << std::endl;
  return kExitOk;
}

}  // namespace

int runEdxmlCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (args.empty()) return usage("'edxml' needs a subcommand: pack, unpack or validate");
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "pack") return pack(rest);
  if (args[0] == "unpack") return unpack(rest);
  if (args[0] == "validate") return validate(rest);
  return usage("unknown subcommand 'edxml " + args[0] + "'");
}

}  // namespace vanthu::cli
