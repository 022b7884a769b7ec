#include "document_routes.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Timestamp.h>
#include <Poco/UUIDGenerator.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "allowed_actions.h"
#include "http_support.h"
#include "incoming_flow_service.h"
#include "metrics.h"
#include "outgoing_flow_service.h"
#include "pdf_upload.h"
#include "pending_work.h"
#include "vanthu/signing/signature_validator.h"
#include "vanthu/storage/sql_assignment_repository.h"
#include "vanthu/storage/sql_attachment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/workflow/deadlines.h"
#include "vanthu/workflow/document_access.h"

namespace vanthu::api {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using workflow::DocumentRecord;
using workflow::DocumentVersion;

const std::set<std::string> kDirections = {"outgoing", "incoming"};
// Decree 30/2020 marks: độ khẩn (khẩn, thượng khẩn, hỏa tốc) and độ mật (mật, tối mật, tuyệt mật).
const std::set<std::string> kUrgencies = {"normal", "urgent", "very_urgent", "express"};
const std::set<std::string> kConfidentialities = {"normal", "confidential", "secret", "top_secret"};
constexpr size_t kSubjectLimit = 2000;
constexpr size_t kDocumentTypeLimit = 16;
constexpr size_t kSearchLimit = 200;

// Whether `document` may be waiting on someone's step with a due date (see dueDatesOf()).
bool mayWait(const DocumentRecord& document) {
  static const std::set<std::string> kWaiting = {"review",   "signing",   "signed",
                                                 "returned", "assigned",  "in_progress",
                                                 "received", "registered"};
  return kWaiting.count(document.status) > 0;
}

std::string nowIso() {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(), "%Y-%m-%dT%H:%M:%S.%iZ");
}

workflow::DocumentViewer viewerOf(const Principal& principal) {
  return {principal.userId, principal.organisationId, principal.roles};
}

Poco::Dynamic::Var optionalValue(const std::optional<std::string>& value) {
  return value ? Poco::Dynamic::Var(*value) : Poco::Dynamic::Var();
}

Poco::Dynamic::Var optionalValue(const std::optional<int>& value) {
  return value ? Poco::Dynamic::Var(*value) : Poco::Dynamic::Var();
}

}  // namespace

Object::Ptr documentJson(const DocumentRecord& d) {
  Object::Ptr json = new Object;
  json->set("id", d.id);
  json->set("organisation_id", d.organisationId);
  json->set("direction", d.direction);
  json->set("document_type", d.documentType);
  json->set("subject", d.subject);
  json->set("status", d.status);
  json->set("urgency", d.urgency);
  json->set("confidentiality", d.confidentiality);
  json->set("created_by", d.createdBy);
  json->set("created_at", d.createdAt);
  json->set("updated_at", d.updatedAt);
  json->set("revision", d.revision);
  json->set("register_id", optionalValue(d.registerId));
  json->set("register_year", optionalValue(d.registerYear));
  json->set("register_number", optionalValue(d.registerNumber));
  json->set("notation", optionalValue(d.notation));
  return json;
}

namespace {

Object::Ptr versionJson(const DocumentVersion& v) {
  Object::Ptr json = new Object;
  json->set("number", v.number);
  json->set("sha256", v.blobHash);
  json->set("size", v.size);
  json->set("parent_number", optionalValue(v.parentNumber));
  json->set("kind", v.kind);
  json->set("actor", v.actor);
  json->set("on_behalf_of", v.onBehalfOf);
  json->set("reason", v.reason);
  json->set("created_at", v.createdAt);
  return json;
}

}  // namespace

std::string documentTag(const DocumentRecord& d) {
  return "\"" + std::to_string(d.revision) + "\"";
}

std::string documentTag(const DocumentRecord& d, const std::string& variant) {
  // FNV-1a, 32 bits: stable across builds and instances, enough to tell two lists apart.
  uint32_t hash = 2166136261u;
  for (unsigned char c : variant) {
    hash ^= c;
    hash *= 16777619u;
  }
  char digest[9];
  std::snprintf(digest, sizeof digest, "%08x", hash);
  return "\"" + std::to_string(d.revision) + "." + digest + "\"";
}

namespace {

// The entity tags of an If-None-Match / If-Match value ("*" included), weak or not.
std::vector<std::string> entityTags(const std::string& header) {
  std::vector<std::string> tags;
  std::istringstream in(header);
  std::string tag;
  while (std::getline(in, tag, ',')) {
    auto first = tag.find_first_not_of(" \t");
    auto last = tag.find_last_not_of(" \t");
    if (first == std::string::npos) continue;
    tag = tag.substr(first, last - first + 1);
    if (tag.rfind("W/", 0) == 0) tag = tag.substr(2);
    tags.push_back(tag);
  }
  return tags;
}

bool notModified(RequestContext& context, const std::string& tag) {
  const std::string header = context.request.get("If-None-Match", "");
  if (header.empty()) return false;
  for (const auto& candidate : entityTags(header)) {
    if (candidate == "*" || candidate == tag) {
      context.response.set("ETag", tag);
      context.response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NOT_MODIFIED);
      context.response.setContentLength(0);
      context.response.send();
      return true;
    }
  }
  return false;
}

}  // namespace

Result<int64_t> expectedRevision(const RequestContext& context) {
  const std::string header = context.request.get("If-Match", "");
  if (header.empty()) {
    return Status(ErrorCode::PreconditionRequired,
                  "send If-Match with the document's ETag (its revision) to change it");
  }
  auto tags = entityTags(header);
  if (tags.size() == 1 && tags[0].size() > 2 && tags[0].front() == '"' && tags[0].back() == '"') {
    std::string digits = tags[0].substr(1, tags[0].size() - 2);
    // The single-document GET's tag: "<revision>.<digest of the caller's actions>".
    if (auto dot = digits.find('.'); dot != std::string::npos) digits = digits.substr(0, dot);
    if (!digits.empty() && digits.size() <= 18 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return std::stoll(digits);
    }
  }
  return Status(ErrorCode::PreconditionFailed,
                "If-Match '" + header + "' names no revision of the document; reload it");
}

namespace {

// A draft, or one returned to its drafter: the drafter edits it before submitting (again).
bool editable(const DocumentRecord& document) {
  return document.status == "draft" || document.status == "returned";
}

Status notFound(const std::string& id) {
  return Status::notFound("no document " + id);
}

// The document if the caller may see it; nullopt for both "does not exist" and "not yours".
std::optional<DocumentRecord> visibleDocument(storage::Database& database,
                                              const Principal& principal, const std::string& id) {
  return loadVisibleDocument(database, id, viewerOf(principal));
}

void appendAudit(storage::Database& database, const RequestContext& context,
                 const DocumentRecord& document, const std::string& action,
                 const std::string& details) {
  storage::SqlAuditLog audit(database, nullptr);
  workflow::AuditEntry entry;
  entry.actor = context.principal->userId;
  entry.organisationId = document.organisationId;
  entry.documentId = document.id;
  entry.action = action;
  entry.details = details;
  entry.clientAddress = context.request.clientAddress().host().toString();
  audit.append(entry);
}

Result<Object::Ptr> parseObject(const std::string& text, const std::string& what,
                                const std::set<std::string>& allowed) {
  Object::Ptr object;
  try {
    auto parsed = Poco::JSON::Parser().parse(text);
    if (parsed.type() != typeid(Object::Ptr)) {
      return Status::invalidArgument(what + " must be a JSON object");
    }
    object = parsed.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    return Status::invalidArgument(what + " is not valid JSON");
  }
  for (const auto& [name, value] : *object) {
    if (allowed.count(name) == 0) {
      return Status::invalidArgument("unknown field '" + name + "' in " + what);
    }
  }
  return object;
}

Status oneOf(const std::string& field, const std::string& value, const std::set<std::string>& set) {
  if (set.count(value)) return Status::ok();
  std::string list;
  for (const auto& allowed : set) list += (list.empty() ? "" : ", ") + allowed;
  return Status::invalidArgument("field '" + field + "' must be one of " + list);
}

Status validDocumentType(const std::string& type) {
  if (type.size() > kDocumentTypeLimit || type.find_first_of(" /\t") != std::string::npos) {
    return Status::invalidArgument(
        "field 'document_type' must be a Decree 30 type code such as QĐ or TB (\"\" for công "
        "văn)");
  }
  return Status::ok();
}

// Applies the metadata fields present in `body` to `document`.
Status applyMetadata(const Object& body, DocumentRecord& document) {
  if (body.has("subject")) {
    auto subject = requiredString(body, "subject", kSubjectLimit);
    if (!subject) return subject.status();
    document.subject = subject.value();
  }
  if (body.has("urgency")) {
    auto urgency = requiredString(body, "urgency");
    if (!urgency) return urgency.status();
    if (auto status = oneOf("urgency", urgency.value(), kUrgencies); !status) return status;
    document.urgency = urgency.value();
  }
  if (body.has("confidentiality")) {
    auto confidentiality = requiredString(body, "confidentiality");
    if (!confidentiality) return confidentiality.status();
    if (auto status = oneOf("confidentiality", confidentiality.value(), kConfidentialities);
        !status) {
      return status;
    }
    document.confidentiality = confidentiality.value();
  }
  if (body.has("document_type")) {
    auto type = optionalString(body, "document_type", kDocumentTypeLimit);
    if (!type) return type.status();
    if (auto status = validDocumentType(type.value()); !status) return status;
    document.documentType = type.value();
  }
  return Status::ok();
}

storage::BlobInfo storeUpload(ApiServices& services, const UploadedFile& file) {
  auto info =
      services.withBlobs([&](storage::BlobStore& blobs) { return blobs.putFile(file.path()); });
  if (info.hash != file.sha256) {
    throw Error(ErrorCode::StorageFailure, "the blob store hashed the upload as " + info.hash +
                                               ", not " + file.sha256 + " as received");
  }
  return info;
}

// A file name without anything a header or a file system could take as syntax.
std::string safeFileName(const std::string& id, int number) {
  std::string safe;
  for (char c : id) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') safe += c;
  }
  return (safe.empty() ? "document" : safe) + "-v" + std::to_string(number) + ".pdf";
}

std::optional<int> positiveInteger(const std::string& text, int max) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int value = std::stoi(text);
  if (value < 1 || value > max) return std::nullopt;
  return value;
}

// The worker that validates untrusted PDFs in a limited process: vanthu-verify next to this
// executable (build/bin, /usr/bin); empty when there is none.
std::filesystem::path verifyWorker() {
  std::error_code error;
  auto self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  auto worker = self.parent_path() / "vanthu-verify";
  return access(worker.c_str(), X_OK) == 0 ? worker : std::filesystem::path();
}

// The roots of the data directory's demo PKI (DIR/pki/roots/*.pem).
std::vector<std::filesystem::path> trustAnchorFiles(const std::filesystem::path& dataDir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dataDir / "pki" / "roots", error)) {
    if (entry.path().extension() == ".pem") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

signing::FileReport verifyPdf(ApiServices& services, const std::filesystem::path& pdf,
                              const std::string& requestId) {
  auto anchors = trustAnchorFiles(services.config.dataDir);
  signing::ValidationOptions options;
  signing::FileReport report;
  auto started = std::chrono::steady_clock::now();
  auto worker = verifyWorker();
  if (!worker.empty()) {
    report = signing::validatePdfIsolated(pdf, anchors, options, worker);
  } else {
    // No worker installed beside the server: validate here, without its limits.
    services.log.warning("verify_in_process", {{"request_id", requestId}});
    for (const auto& anchor : anchors) {
      std::ifstream in(anchor, std::ios::binary);
      std::ostringstream pem;
      pem << in.rdbuf();
      auto roots = signing::Certificate::allFromPem(pem.str());
      options.trustAnchors.insert(options.trustAnchors.end(), roots.begin(), roots.end());
    }
    report = signing::validatePdf(pdf, options);
  }
  recordVerification(
      std::string(signing::indicationName(report.verdict)),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return report;
}

namespace {

constexpr const char* kDocumentSchema = R"json({"type":"object","properties":{
"id":{"type":"string"},"organisation_id":{"type":"string"},
"direction":{"enum":["outgoing","incoming"]},"document_type":{"type":"string"},
"subject":{"type":"string"},"status":{"type":"string"},
"urgency":{"enum":["normal","urgent","very_urgent","express"]},
"confidentiality":{"enum":["normal","confidential","secret","top_secret"]},
"created_by":{"type":"string"},"created_at":{"type":"string","format":"date-time"},
"updated_at":{"type":"string","format":"date-time"},"revision":{"type":"integer"},
"register_id":{"type":["string","null"]},"register_year":{"type":["integer","null"]},
"register_number":{"type":["integer","null"]},"notation":{"type":["string","null"]},
"deadline":{"type":["string","null"],"description":"lists only: the due date (YYYY-MM-DD) of the step the document waits on, null when none"},
"overdue":{"type":"boolean","description":"lists only: that due date has passed (today in Vietnam)"},
"counterparts":{"type":"array","items":{"type":"string"},"description":"lists only: an outgoing document's recipients, an incoming one's exchange sender"}},
"required":["id","organisation_id","direction","document_type","subject","status","urgency",
"confidentiality","created_by","created_at","updated_at","revision"]})json";

constexpr const char* kDocumentDetailSchema =
    R"json({"allOf":[{"$ref":"#/components/schemas/Document"},
{"type":"object","properties":{
"allowed_actions":{"type":"array","items":{"type":"string"},"description":"the actions the caller may take now (POST .../actions), decided by the same rules as the action itself: the caller's roles, the delegations in force, the document's state and level. Inputs the action asks for (a reason, a key and its password, a unit, a specialist) are checked when it is taken"},
"action_hints":{"type":"object","description":"what the allowed actions need to know: approve.approval_signature (this level records the approval as a signature: key_id and password), return.levels (the levels it may go back to), assign_specialist.lead_unit_id (whose members may be chosen)","additionalProperties":{"type":"object"}}},
"required":["allowed_actions","action_hints"]}]})json";

constexpr const char* kDocumentListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/Document"}},
"page":{"type":"integer","minimum":1},"limit":{"type":"integer","minimum":1,"maximum":100},
"total":{"type":"integer","minimum":0}},"required":["items","page","limit","total"]})json";

constexpr const char* kDocumentUploadSchema = R"json({"type":"object","properties":{
"metadata":{"type":"string","description":"JSON: {direction, document_type, subject, urgency, confidentiality, template_id} (see DocumentMetadata)"},
"file":{"type":"string","format":"binary","description":"the PDF"}},"required":["metadata","file"],
"additionalProperties":false})json";

constexpr const char* kDocumentMetadataSchema = R"json({"type":"object","properties":{
"direction":{"enum":["outgoing","incoming"]},"document_type":{"type":"string","maxLength":16},
"subject":{"type":"string","minLength":1,"maxLength":2000},
"urgency":{"enum":["normal","urgent","very_urgent","express"]},
"confidentiality":{"enum":["normal","confidential","secret","top_secret"]},
"template_id":{"type":"string","maxLength":128,"description":"outgoing only: the workflow template to follow (shipped, or your organisation's own; 400 invalid_argument otherwise); default: your organisation's default outgoing template, else outgoing-4"}},
"required":["direction","subject"],"additionalProperties":false})json";

constexpr const char* kDocumentPatchSchema = R"json({"type":"object","properties":{
"document_type":{"type":"string","maxLength":16},
"subject":{"type":"string","minLength":1,"maxLength":2000},
"urgency":{"enum":["normal","urgent","very_urgent","express"]},
"confidentiality":{"enum":["normal","confidential","secret","top_secret"]}},
"additionalProperties":false})json";

constexpr const char* kVersionSchema = R"json({"type":"object","properties":{
"number":{"type":"integer","minimum":1},"sha256":{"type":"string"},"size":{"type":"integer"},
"parent_number":{"type":["integer","null"]},"kind":{"type":"string"},"actor":{"type":"string"},
"on_behalf_of":{"type":"string"},"reason":{"type":"string"},
"created_at":{"type":"string","format":"date-time"}},
"required":["number","sha256","size","kind","actor","created_at"]})json";

constexpr const char* kVersionListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/DocumentVersion"}}},
"required":["items"]})json";

constexpr const char* kVersionUploadSchema = R"json({"type":"object","properties":{
"metadata":{"type":"string","description":"optional JSON: {reason}"},
"file":{"type":"string","format":"binary","description":"the PDF"}},"required":["file"],
"additionalProperties":false})json";

constexpr const char* kAttachmentSchema = R"json({"type":"object","properties":{
"number":{"type":"integer","minimum":1},"name":{"type":"string"},"sha256":{"type":"string"},
"size":{"type":"integer"},"created_by":{"type":"string"},
"created_at":{"type":"string","format":"date-time"},
"signed":{"type":"boolean","description":"signed by the organisation at issuance"},
"signed_sha256":{"type":["string","null"]}},
"required":["number","name","sha256","size","created_by","created_at","signed"]})json";

constexpr const char* kAttachmentListSchema = R"json({"type":"object","properties":{
"items":{"type":"array","items":{"$ref":"#/components/schemas/Attachment"}}},
"required":["items"]})json";

constexpr const char* kAttachmentUploadSchema = R"json({"type":"object","properties":{
"metadata":{"type":"string","description":"optional JSON: {name}, the file name to show (default: the uploaded file's)"},
"file":{"type":"string","format":"binary","description":"the attachment, a PDF"}},
"required":["file"],"additionalProperties":false})json";

Object::Ptr attachmentJson(const storage::Attachment& a) {
  Object::Ptr json = new Object;
  json->set("number", a.number);
  json->set("name", a.name);
  json->set("sha256", a.blobHash);
  json->set("size", a.size);
  json->set("created_by", a.createdBy);
  json->set("created_at", a.createdAt);
  json->set("signed", a.signedBlobHash.has_value());
  json->set("signed_sha256",
            a.signedBlobHash ? Poco::Dynamic::Var(*a.signedBlobHash) : Poco::Dynamic::Var());
  return json;
}

// A file name safe in a Content-Disposition header: letters, digits, '-', '_' and '.'.
std::string plainFileName(const std::string& name, const std::string& fallback) {
  std::string plain;
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') {
      plain += c;
    }
  }
  return plain.empty() || plain.size() > 128 ? fallback : plain;
}

constexpr const char* kVerificationReportSchema = R"json({"type":"object",
"description":"as vanthu-verify --json prints it, see docs/verification-report.schema.json",
"properties":{"file":{"type":"string"},"sha256":{"type":"string"},
"verdict":{"enum":["TOTAL_PASSED","TOTAL_FAILED","INDETERMINATE"]},
"signatures":{"type":"array","items":{"type":"object"}}},"required":["verdict"]})json";

}  // namespace

void registerDocumentRoutes(Router& router, ApiServices& services) {
  router.addSchema("Document", kDocumentSchema);
  router.addSchema("DocumentDetail", kDocumentDetailSchema);
  router.addSchema("DocumentList", kDocumentListSchema);
  router.addSchema("DocumentUpload", kDocumentUploadSchema);
  router.addSchema("DocumentMetadata", kDocumentMetadataSchema);
  router.addSchema("DocumentPatch", kDocumentPatchSchema);
  router.addSchema("DocumentVersion", kVersionSchema);
  router.addSchema("DocumentVersionList", kVersionListSchema);
  router.addSchema("VersionUpload", kVersionUploadSchema);
  router.addSchema("Attachment", kAttachmentSchema);
  router.addSchema("AttachmentList", kAttachmentListSchema);
  router.addSchema("AttachmentUpload", kAttachmentUploadSchema);
  router.addSchema("VerificationReport", kVerificationReportSchema);

  const uint64_t uploadLimit = static_cast<uint64_t>(services.config.maxUploadMb) << 20;
  const auto drafters = Access::usersWith(
      {workflow::Role::Specialist, workflow::Role::DepartmentHead, workflow::Role::OfficeChief,
       workflow::Role::Leader, workflow::Role::DeputyLeader, workflow::Role::Clerk});
  const auto readers = Access::anyUser().orApiToken("documents:read");

  router.add(
      {"POST",
       "/api/v1/documents",
       drafters,
       {"Upload a PDF as a new document (multipart: metadata JSON, file PDF)",
        "documents",
        "multipart:DocumentUpload",
        201,
        "Document",
        {},
        {413, 415, 422}}},
      [&services, uploadLimit](RequestContext& context) {
        const auto& principal = *context.principal;
        auto upload = receiveMultipartUpload(context, services.config.dataDir, uploadLimit, true);
        if (!upload) return refuseUpload(context, upload.status());
        auto metadata = parseObject(
            *upload.value().metadata, "the 'metadata' part",
            {"direction", "document_type", "subject", "urgency", "confidentiality", "template_id"});
        if (!metadata) return refuseUpload(context, metadata.status());
        const Object& fields = *metadata.value();
        DocumentRecord document;
        auto direction = requiredString(fields, "direction");
        if (!direction) return refuseUpload(context, direction.status());
        if (auto status = oneOf("direction", direction.value(), kDirections); !status) {
          return refuseUpload(context, status);
        }
        if (!fields.has("subject")) {
          return refuseUpload(context, Status::invalidArgument("field 'subject' is required"));
        }
        if (auto status = applyMetadata(fields, document); !status) {
          return refuseUpload(context, status);
        }
        auto templateId = optionalString(fields, "template_id", 128);
        if (!templateId) return refuseUpload(context, templateId.status());
        if (!templateId.value().empty() && direction.value() != "outgoing") {
          return refuseUpload(context, Status::invalidArgument(
                                           "field 'template_id' is for outgoing documents only"));
        }
        const UploadedFile& file = *upload.value().file;
        if (auto status = checkPdfFile(file.path()); !status) return refuseUpload(context, status);

        // An incoming document's signatures are checked as it arrives (outside the transaction:
        // the check can take seconds); the verdict and the report stay with its flow.
        std::optional<signing::FileReport> arrivalReport;
        if (direction.value() == "incoming") {
          arrivalReport = verifyPdf(services, file.path(), context.requestId);
          arrivalReport->file = "received.pdf";
        }
        const auto blob = storeUpload(services, file);
        const std::string now = nowIso();
        document.id = Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
        document.organisationId = principal.organisationId;
        document.direction = direction.value();
        document.status =
            direction.value() == "incoming"
                ? std::string(workflow::incomingStatusName(workflow::IncomingStatus::Received))
                : "draft";
        document.createdBy = principal.userId;
        document.createdAt = now;
        document.updatedAt = now;
        DocumentVersion version;
        version.documentId = document.id;
        version.blobHash = blob.hash;
        version.kind = "upload";
        version.actor = principal.userId;
        version.size = static_cast<int64_t>(blob.size);
        version.createdAt = now;
        auto stored = services.withDatabase([&](storage::Database& database) {
          storage::SqlDocumentRepository documents(database);
          return documents.inTransaction([&]() -> Status {
            if (auto status = documents.createDocument(document); !status) return status;
            // An outgoing document starts its approval flow as a draft of the latest version of
            // the template it names, else of its organisation's default.
            if (document.direction == "outgoing") {
              if (auto status =
                      OutgoingFlowService(database).startFlow(document, templateId.value());
                  !status) {
                return status;
              }
            }
            auto number = documents.addVersion(version);
            if (!number) return number.status();
            appendAudit(database, context, document, "create",
                        "version 1, sha256 " + version.blobHash + ", " +
                            std::to_string(version.size) + " bytes");
            // An incoming document starts its flow as received, with the act "receive" (01).
            if (arrivalReport) {
              IncomingArrival arrival;
              arrival.verdict = std::string(signing::indicationName(arrivalReport->verdict));
              arrival.reportJson = signing::reportToJson(*arrivalReport);
              arrival.clientAddress = context.request.clientAddress().host().toString();
              arrival.now = static_cast<int64_t>(Poco::Timestamp().epochTime());
              arrival.nowIso = now;
              if (auto status = IncomingFlowService(database).receive(document, arrival); !status) {
                return status;
              }
            }
            return Status::ok();
          });
        });
        if (!stored) return sendProblem(context, stored);
        services.log.info("document_created", {{"request_id", context.requestId},
                                               {"document_id", document.id},
                                               {"user_id", principal.userId},
                                               {"bytes", std::to_string(version.size)}});
        context.response.set("Location", "/api/v1/documents/" + document.id);
        context.response.set("ETag", documentTag(document));
        sendJson(context, 201, *documentJson(document));
      });

  router.add(
      {"GET",
       "/api/v1/documents",
       readers,
       {"List the documents you may see, newest change first",
        "documents",
        "",
        200,
        "DocumentList",
        {{"box", "string",
          "outgoing, incoming or pending (documents waiting for your action now: outgoing ones at "
          "a level whose role you hold or hold through a delegation in force, your own returned "
          "drafts, incoming ones for you to register, assign, pass to a specialist or handle); "
          "all when absent"},
         {"status", "string", "only documents in this workflow state"},
         {"q", "string", "words of the subject (trích yếu) or notation, case-insensitive"},
         {"type", "string",
          "only documents of this Decree 30 type code, e.g. QĐ or TB; empty (type=) for công văn"},
         {"from", "string",
          "YYYY-MM-DD: only documents created (incoming: received) on or after this day, in "
          "Vietnam time"},
         {"to", "string",
          "YYYY-MM-DD: only documents created (incoming: received) on or before "
          "this day, in Vietnam time"},
         {"counterpart", "string",
          "an organisation code (exact) or words of its name (case-insensitive): outgoing "
          "documents with that recipient, incoming ones received from that sender through the "
          "exchange"},
         {"overdue", "string",
          "true: only documents whose current step is past its due date (false: no filter)"},
         {"sort", "string",
          "updated (default), created, number (register year and number, unnumbered last) or "
          "subject; ties are ordered by id, so pages neither repeat nor skip"},
         {"order", "string", "desc (default) or asc"},
         {"page", "integer", "1, 2, ... (default 1)"},
         {"limit", "integer", "1 to 100 (default 20)"}},
        {}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        auto query = queryParameters(context);
        workflow::DocumentQuery listing;
        storage::DocumentListFilter filter;
        int page = 1;
        listing.limit = 20;
        if (query.count("page")) {
          auto value = positiveInteger(query["page"], 1000000);
          if (!value) {
            return sendProblem(
                context, Status::invalidArgument("page must be a whole number from 1 to 1000000"));
          }
          page = *value;
        }
        if (query.count("limit")) {
          auto value = positiveInteger(query["limit"], 100);
          if (!value) {
            return sendProblem(
                context, Status::invalidArgument("limit must be a whole number from 1 to 100"));
          }
          listing.limit = *value;
        }
        bool pending = false;
        if (query.count("box")) {
          const std::string& box = query["box"];
          if (box == "outgoing" || box == "incoming") {
            listing.direction = box;
          } else if (box == "pending") {
            if (!principal.isUser()) {
              return sendProblem(context, Status::invalidArgument(
                                              "box=pending is a person's list, not a token's"));
            }
            pending = true;
          } else {
            return sendProblem(
                context, Status::invalidArgument("box must be outgoing, incoming or pending"));
          }
        }
        if (query.count("status")) {
          listing.status = query["status"];
          if (listing.status.empty() || listing.status.size() > 32) {
            return sendProblem(context, Status::invalidArgument("status must be a workflow state"));
          }
        }
        if (query.count("q")) {
          filter.text = query["q"];
          if (filter.text.size() > kSearchLimit) {
            return sendProblem(context, Status::invalidArgument("q is longer than 200 bytes"));
          }
        }
        if (query.count("type")) {
          filter.documentType = query["type"];
          if (filter.documentType->size() > kDocumentTypeLimit ||
              filter.documentType->find_first_of(" /\t") != std::string::npos) {
            return sendProblem(context,
                               Status::invalidArgument("type must be a Decree 30 type code such "
                                                       "as QĐ or TB (empty for công văn)"));
          }
        }
        for (const char* bound : {"from", "to"}) {
          if (!query.count(bound)) continue;
          const std::string& value = query[bound];
          auto days = value.size() == 10 ? workflow::isoDateToDays(value) : std::nullopt;
          if (!days) {
            return sendProblem(context, Status::invalidArgument(std::string(bound) +
                                                                " must be a date YYYY-MM-DD"));
          }
          // The day in Vietnam (UTC+7) starts at 17:00 UTC the day before; created_at is UTC.
          const int64_t start =
              (static_cast<int64_t>(*days) + (bound[0] == 't' ? 1 : 0)) * 86400 - 7 * 3600;
          std::string utc = isoTime(start);
          utc.pop_back();  // "...:00" is a prefix of every created_at from that second on
          (bound[0] == 't' ? filter.createdBefore : filter.createdFrom) = utc;
        }
        if (query.count("from") && query.count("to") &&
            filter.createdFrom >= filter.createdBefore) {
          return sendProblem(context, Status::invalidArgument("from must not be after to"));
        }
        if (query.count("counterpart")) {
          filter.counterpart = query["counterpart"];
          if (filter.counterpart.empty() || filter.counterpart.size() > kSearchLimit) {
            return sendProblem(context,
                               Status::invalidArgument("counterpart must be 1 to 200 bytes"));
          }
        }
        bool overdueOnly = false;
        if (query.count("overdue")) {
          if (query["overdue"] != "true" && query["overdue"] != "false") {
            return sendProblem(context, Status::invalidArgument("overdue must be true or false"));
          }
          overdueOnly = query["overdue"] == "true";
        }
        if (query.count("sort")) {
          static const std::map<std::string, storage::DocumentSort> kSorts = {
              {"updated", storage::DocumentSort::Updated},
              {"created", storage::DocumentSort::Created},
              {"number", storage::DocumentSort::Number},
              {"subject", storage::DocumentSort::Subject}};
          auto found = kSorts.find(query["sort"]);
          if (found == kSorts.end()) {
            return sendProblem(context, Status::invalidArgument(
                                            "sort must be updated, created, number or subject"));
          }
          filter.sort = found->second;
        }
        if (query.count("order")) {
          if (query["order"] != "asc" && query["order"] != "desc") {
            return sendProblem(context, Status::invalidArgument("order must be asc or desc"));
          }
          filter.ascending = query["order"] == "asc";
        }
        listing.offset = (page - 1) * listing.limit;
        listing.organisationId = principal.organisationId;
        auto visibility = workflow::documentVisibility(viewerOf(principal));
        const int64_t now = static_cast<int64_t>(Poco::Timestamp().epochTime());
        const std::string today = vietnamDate(now);
        std::map<std::string, std::string> dueDates;
        std::map<std::string, std::vector<std::string>> counterparts;
        auto result = services.withDatabase(
            [&](storage::Database& database) -> Result<workflow::DocumentPage> {
              if (pending || (!visibility.allConfidential && !visibility.confidentialFor.empty())) {
                // What waits for the caller, as the dashboard counts it: the pending box itself,
                // and the confidential documents the caller sees because their step is next.
                // Then the box's filters, visibility, order and paging as for the other boxes.
                auto actor = loadActor(database, viewerOf(principal), now);
                auto waiting = pendingWorkOf(database, actor, now).idsForActor();
                if (pending) filter.onlyIds = waiting;
                visibility.awaitingViewer = std::move(waiting);
              }
              // Due dates as the dashboard computes them, read only when a row may carry one.
              bool duesRead = false;
              auto readDues = [&] {
                if (!duesRead) dueDates = dueDatesOf(database, principal.organisationId);
                duesRead = true;
              };
              if (overdueOnly) {
                readDues();
                std::vector<std::string> late;
                for (const auto& [id, due] : dueDates) {
                  if (workflow::classifyDeadline(due, today) != workflow::DeadlineStatus::Overdue) {
                    continue;
                  }
                  if (!filter.onlyIds || std::find(filter.onlyIds->begin(), filter.onlyIds->end(),
                                                   id) != filter.onlyIds->end()) {
                    late.push_back(id);
                  }
                }
                filter.onlyIds = std::move(late);
              }
              storage::SqlDocumentRepository documents(database);
              auto found = documents.listVisibleDocuments(listing, visibility, filter);
              if (!found) return found;
              std::vector<std::string> ids;
              for (const auto& document : found.value().items) {
                ids.push_back(document.id);
                if (mayWait(document)) readDues();
              }
              counterparts = documents.counterparts(ids);
              return found;
            });
        if (!result) return sendProblem(context, result.status());
        Array::Ptr items = new Array;
        for (const auto& document : result.value().items) {
          auto item = documentJson(document);
          auto due = dueDates.find(document.id);
          if (due == dueDates.end()) {
            item->set("deadline", Poco::Dynamic::Var());
            item->set("overdue", false);
          } else {
            item->set("deadline", due->second);
            item->set("overdue", workflow::classifyDeadline(due->second, today) ==
                                     workflow::DeadlineStatus::Overdue);
          }
          Array::Ptr names = new Array;
          for (const auto& name : counterparts[document.id]) names->add(name);
          item->set("counterparts", names);
          items->add(item);
        }
        Object body;
        body.set("items", items);
        body.set("page", page);
        body.set("limit", listing.limit);
        body.set("total", result.value().total);
        sendJson(context, 200, body);
      });

  router.add({"GET",
              "/api/v1/documents/{id}",
              readers,
              {"A document with the actions the caller may take now (ETag: its revision and a "
               "digest of those actions, \"<revision>.<digest>\"; If-None-Match gives 304; "
               "If-Match takes it or the bare revision)",
               "documents",
               "",
               200,
               "DocumentDetail",
               {},
               {404}}},
             [&services](RequestContext& context) {
               const std::string& id = context.pathParameters["id"];
               std::vector<AllowedAction> allowed;
               auto document = services.withDatabase([&](storage::Database& database) {
                 auto visible = visibleDocument(database, *context.principal, id);
                 if (visible) {
                   allowed = allowedActions(database, *visible, viewerOf(*context.principal),
                                            static_cast<int64_t>(Poco::Timestamp().epochTime()));
                 }
                 return visible;
               });
               if (!document) return sendProblem(context, notFound(id));
               auto json = documentJson(*document);
               Array::Ptr names = new Array;
               Object::Ptr hints = new Object;
               for (const auto& action : allowed) {
                 names->add(action.name);
                 Object::Ptr hint = new Object;
                 if (action.name == "approve") {
                   hint->set("approval_signature", action.approvalSignature);
                 }
                 if (action.name == "return") {
                   Array::Ptr levels = new Array;
                   for (int level : action.returnLevels) levels->add(level);
                   hint->set("levels", levels);
                 }
                 if (action.name == "assign_specialist") {
                   hint->set("lead_unit_id", action.leadUnitId);
                 }
                 if (hint->size() > 0) hints->set(action.name, hint);
               }
               json->set("allowed_actions", names);
               json->set("action_hints", hints);
               // The actions depend on the caller and the time (a delegation starts or ends)
               // as well as on the revision: the tag names both, so a 304 never keeps a stale
               // list of actions. If-Match reads the revision before the dot.
               std::ostringstream digestInput;
               Poco::JSON::Stringifier::stringify(names, digestInput);
               Poco::JSON::Stringifier::stringify(hints, digestInput);
               const std::string tag = documentTag(*document, digestInput.str());
               if (notModified(context, tag)) return;
               context.response.set("ETag", tag);
               sendJson(context, 200, *json);
             });

  router.add({"PATCH",
              "/api/v1/documents/{id}",
              Access::anyUser(),
              {"Change a draft's subject, urgency, confidentiality or type (If-Match required)",
               "documents",
               "DocumentPatch",
               200,
               "Document",
               {},
               {404, 409, 412, 428}}},
             [&services](RequestContext& context) {
               const auto& principal = *context.principal;
               const std::string& id = context.pathParameters["id"];
               auto expected = expectedRevision(context);
               if (!expected) return sendProblem(context, expected.status());
               auto body = readJsonObject(
                   context, {"subject", "urgency", "confidentiality", "document_type"});
               if (!body) return sendProblem(context, body.status());
               if (body.value()->size() == 0) {
                 return sendProblem(
                     context, Status::invalidArgument("nothing to change: give subject, urgency, "
                                                      "confidentiality or document_type"));
               }
               std::optional<DocumentRecord> changed;
               auto outcome = services.withDatabase([&](storage::Database& database) -> Status {
                 auto document = visibleDocument(database, principal, id);
                 if (!document) return notFound(id);
                 if (!workflow::canChangeDocument(viewerOf(principal), *document)) {
                   return Status::forbidden(
                       "only the document's creator or an administrator may "
                       "change it");
                 }
                 if (!editable(*document)) {
                   return Status::invalidState("document " + id + " is " + document->status +
                                               "; only a draft's metadata can change");
                 }
                 if (auto status = applyMetadata(*body.value(), *document); !status) return status;
                 document->updatedAt = nowIso();
                 storage::SqlDocumentRepository documents(database);
                 return documents.inTransaction([&]() -> Status {
                   auto revision = documents.updateDocument(*document, expected.value());
                   if (!revision) return revision.status();
                   document->revision = revision.value();
                   std::ostringstream details;
                   body.value()->stringify(details);
                   appendAudit(database, context, *document, "update", details.str());
                   changed = document;
                   return Status::ok();
                 });
               });
               if (!outcome) return sendProblem(context, outcome);
               context.response.set("ETag", documentTag(*changed));
               sendJson(context, 200, *documentJson(*changed));
             });

  router.add({"GET",
              "/api/v1/documents/{id}/versions",
              readers,
              {"The versions of a document, oldest first",
               "documents",
               "",
               200,
               "DocumentVersionList",
               {},
               {404}}},
             [&services](RequestContext& context) {
               const std::string& id = context.pathParameters["id"];
               std::vector<DocumentVersion> versions;
               bool visible = services.withDatabase([&](storage::Database& database) {
                 if (!visibleDocument(database, *context.principal, id)) return false;
                 versions = storage::SqlDocumentRepository(database).versions(id);
                 return true;
               });
               if (!visible) return sendProblem(context, notFound(id));
               Array::Ptr items = new Array;
               for (const auto& version : versions) items->add(versionJson(version));
               Object body;
               body.set("items", items);
               sendJson(context, 200, body);
             });

  router.add(
      {"GET",
       "/api/v1/documents/{id}/versions/{n}/content",
       readers,
       {"The PDF of a version (ETag: its SHA-256; If-None-Match gives 304)",
        "documents",
        "",
        200,
        "pdf",
        {},
        {404}}},
      [&services](RequestContext& context) {
        const std::string& id = context.pathParameters["id"];
        auto number = positiveInteger(context.pathParameters["n"], 1000000);
        std::optional<DocumentVersion> version;
        services.withDatabase([&](storage::Database& database) {
          if (!number || !visibleDocument(database, *context.principal, id)) return;
          version = storage::SqlDocumentRepository(database).version(id, *number);
        });
        if (!version) {
          return sendProblem(context, Status::notFound("no version " + context.pathParameters["n"] +
                                                       " of document " + id));
        }
        const std::string tag = "\"" + version->blobHash + "\"";
        if (notModified(context, tag)) return;
        auto reader = services.withBlobs(
            [&](storage::BlobStore& blobs) { return blobs.reader(version->blobHash); });
        auto& response = context.response;
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/pdf");
        response.setContentLength64(static_cast<Poco::Int64>(reader.size()));
        response.set("ETag", tag);
        response.set("Content-Disposition",
                     "attachment; filename=\"" + safeFileName(id, version->number) + "\"");
        std::ostream& out = response.send();
        std::array<char, 64 * 1024> buffer{};
        while (true) {
          // One chunk at a time under the lock: a store in the database shares its connection.
          size_t count = services.withBlobs(
              [&](storage::BlobStore&) { return reader.read(buffer.data(), buffer.size()); });
          if (count == 0) break;
          if (!out.write(buffer.data(), static_cast<std::streamsize>(count))) break;
        }
      });

  router.add(
      {"POST",
       "/api/v1/documents/{id}/versions",
       drafters,
       {"Upload a new version of a draft's PDF (multipart: file, optional metadata {reason}; "
        "If-Match required)",
        "documents",
        "multipart:VersionUpload",
        201,
        "DocumentVersion",
        {},
        {404, 409, 412, 413, 415, 422, 428}}},
      [&services, uploadLimit](RequestContext& context) {
        const auto& principal = *context.principal;
        const std::string& id = context.pathParameters["id"];
        auto expected = expectedRevision(context);
        if (!expected) return refuseUpload(context, expected.status());
        // Refused before the upload is read when it already cannot succeed.
        auto current =
            services.withDatabase([&](storage::Database& database) -> Result<DocumentRecord> {
              auto document = visibleDocument(database, principal, id);
              if (!document) return notFound(id);
              if (!workflow::canChangeDocument(viewerOf(principal), *document)) {
                return Status::forbidden(
                    "only the document's creator or an administrator may "
                    "add versions");
              }
              if (!editable(*document)) {
                return Status::invalidState("document " + id + " is " + document->status +
                                            "; only a draft takes uploaded versions");
              }
              if (document->revision != expected.value()) {
                return Status(ErrorCode::PreconditionFailed,
                              "document " + id + " is at revision " +
                                  std::to_string(document->revision) + ", not " +
                                  std::to_string(expected.value()) + "; reload it");
              }
              return *document;
            });
        if (!current) return refuseUpload(context, current.status());
        auto upload = receiveMultipartUpload(context, services.config.dataDir, uploadLimit, false);
        if (!upload) return refuseUpload(context, upload.status());
        std::string reason;
        if (upload.value().metadata) {
          auto metadata = parseObject(*upload.value().metadata, "the 'metadata' part", {"reason"});
          if (!metadata) return refuseUpload(context, metadata.status());
          auto text = optionalString(*metadata.value(), "reason", 2000);
          if (!text) return refuseUpload(context, text.status());
          reason = text.value();
        }
        const UploadedFile& file = *upload.value().file;
        if (auto status = checkPdfFile(file.path()); !status) return refuseUpload(context, status);
        const auto blob = storeUpload(services, file);
        DocumentRecord document = current.value();
        DocumentVersion version;
        version.documentId = id;
        version.blobHash = blob.hash;
        version.kind = "upload";
        version.actor = principal.userId;
        version.reason = reason;
        version.size = static_cast<int64_t>(blob.size);
        version.createdAt = nowIso();
        auto stored = services.withDatabase([&](storage::Database& database) {
          storage::SqlDocumentRepository documents(database);
          return documents.inTransaction([&]() -> Status {
            document.updatedAt = version.createdAt;
            // The revision moves with every version, so an If-Match also covers the content.
            auto revision = documents.updateDocument(document, expected.value());
            if (!revision) return revision.status();
            document.revision = revision.value();
            auto number = documents.addVersion(version);
            if (!number) return number.status();
            version.number = number.value();
            appendAudit(database, context, document, "upload_version",
                        "version " + std::to_string(version.number) + ", sha256 " +
                            version.blobHash + ", " + std::to_string(version.size) + " bytes");
            return Status::ok();
          });
        });
        if (!stored) return sendProblem(context, stored);
        context.response.set(
            "Location", "/api/v1/documents/" + id + "/versions/" + std::to_string(version.number));
        context.response.set("ETag", documentTag(document));
        sendJson(context, 201, *versionJson(version));
      });

  router.add({"POST",
              "/api/v1/verify",
              Access::anyone(),
              {"Validate the signatures of a PDF (the body); the report of vanthu-verify --json",
               "verification",
               "pdf",
               200,
               "VerificationReport",
               {},
               {413, 415, 422}}},
             [&services, uploadLimit](RequestContext& context) {
               auto file = receivePdfBody(context, services.config.dataDir, uploadLimit);
               if (!file) return refuseUpload(context, file.status());
               if (auto status = checkPdfFile(file.value().path()); !status) {
                 return refuseUpload(context, status);
               }
               auto report = verifyPdf(services, file.value().path(), context.requestId);
               // The client's file, not where the server kept it.
               report.file = "upload.pdf";
               sendBody(context, 200, kJsonType, signing::reportToJson(report));
             });

  // Attachments (phụ lục): separate PDFs sent with the document. The drafter adds them while
  // the document is a draft (or returned); at issuance the organisation signs each one.
  router.add(
      {"POST",
       "/api/v1/documents/{id}/attachments",
       drafters,
       {"Add an attachment (a separate PDF sent with the document) to a draft (multipart: file, "
        "optional metadata {name}; If-Match required); the organisation signs it at issuance",
        "documents",
        "multipart:AttachmentUpload",
        201,
        "Attachment",
        {},
        {404, 409, 412, 413, 415, 422, 428}}},
      [&services, uploadLimit](RequestContext& context) {
        const auto& principal = *context.principal;
        const std::string& id = context.pathParameters["id"];
        auto expected = expectedRevision(context);
        if (!expected) return refuseUpload(context, expected.status());
        auto current =
            services.withDatabase([&](storage::Database& database) -> Result<DocumentRecord> {
              auto document = visibleDocument(database, principal, id);
              if (!document) return notFound(id);
              if (!workflow::canChangeDocument(viewerOf(principal), *document)) {
                return Status::forbidden(
                    "only the document's creator or an administrator may add attachments");
              }
              if (!editable(*document)) {
                return Status::invalidState("document " + id + " is " + document->status +
                                            "; attachments are added to a draft");
              }
              if (document->revision != expected.value()) {
                return Status(ErrorCode::PreconditionFailed,
                              "document " + id + " is at revision " +
                                  std::to_string(document->revision) + ", not " +
                                  std::to_string(expected.value()) + "; reload it");
              }
              return *document;
            });
        if (!current) return refuseUpload(context, current.status());
        auto upload = receiveMultipartUpload(context, services.config.dataDir, uploadLimit, false);
        if (!upload) return refuseUpload(context, upload.status());
        const UploadedFile& file = *upload.value().file;
        std::string name = file.name;
        if (upload.value().metadata) {
          auto metadata = parseObject(*upload.value().metadata, "the 'metadata' part", {"name"});
          if (!metadata) return refuseUpload(context, metadata.status());
          auto given = optionalString(*metadata.value(), "name", 200);
          if (!given) return refuseUpload(context, given.status());
          if (!given.value().empty()) name = given.value();
        }
        if (name.empty()) name = "phu-luc.pdf";
        if (auto status = checkPdfFile(file.path()); !status) return refuseUpload(context, status);
        const auto blob = storeUpload(services, file);
        DocumentRecord document = current.value();
        storage::Attachment attachment;
        attachment.documentId = id;
        attachment.name = name;
        attachment.blobHash = blob.hash;
        attachment.size = static_cast<int64_t>(blob.size);
        attachment.createdBy = principal.userId;
        attachment.createdAt = nowIso();
        auto stored = services.withDatabase([&](storage::Database& database) {
          storage::SqlDocumentRepository documents(database);
          return documents.inTransaction([&]() -> Status {
            document.updatedAt = attachment.createdAt;
            auto revision = documents.updateDocument(document, expected.value());
            if (!revision) return revision.status();
            document.revision = revision.value();
            auto number = storage::SqlAttachmentRepository(database).add(attachment);
            if (!number) return number.status();
            attachment.number = number.value();
            appendAudit(database, context, document, "add_attachment",
                        "attachment " + std::to_string(attachment.number) + " '" + name +
                            "', sha256 " + attachment.blobHash);
            return Status::ok();
          });
        });
        if (!stored) return sendProblem(context, stored);
        context.response.set("Location", "/api/v1/documents/" + id + "/attachments/" +
                                             std::to_string(attachment.number) + "/content");
        context.response.set("ETag", documentTag(document));
        sendJson(context, 201, *attachmentJson(attachment));
      });

  router.add({"GET",
              "/api/v1/documents/{id}/attachments",
              readers,
              {"The attachments of a document, in the order they were added",
               "documents",
               "",
               200,
               "AttachmentList",
               {},
               {404}}},
             [&services](RequestContext& context) {
               const std::string& id = context.pathParameters["id"];
               std::vector<storage::Attachment> attachments;
               bool visible = services.withDatabase([&](storage::Database& database) {
                 if (!visibleDocument(database, *context.principal, id)) return false;
                 attachments = storage::SqlAttachmentRepository(database).list(id);
                 return true;
               });
               if (!visible) return sendProblem(context, notFound(id));
               Array::Ptr items = new Array;
               for (const auto& attachment : attachments) items->add(attachmentJson(attachment));
               Object body;
               body.set("items", items);
               sendJson(context, 200, body);
             });

  router.add(
      {"GET",
       "/api/v1/documents/{id}/attachments/{n}/content",
       readers,
       {"An attachment's PDF: as the organisation signed it once the document is issued, as "
        "uploaded before (ETag: its SHA-256)",
        "documents",
        "",
        200,
        "pdf",
        {},
        {404}}},
      [&services](RequestContext& context) {
        const std::string& id = context.pathParameters["id"];
        auto number = positiveInteger(context.pathParameters["n"], 1000000);
        std::optional<storage::Attachment> attachment;
        services.withDatabase([&](storage::Database& database) {
          if (!number || !visibleDocument(database, *context.principal, id)) return;
          attachment = storage::SqlAttachmentRepository(database).find(id, *number);
        });
        if (!attachment) {
          return sendProblem(context,
                             Status::notFound("no attachment " + context.pathParameters["n"] +
                                              " of document " + id));
        }
        const std::string hash = attachment->signedBlobHash.value_or(attachment->blobHash);
        const std::string tag = "\"" + hash + "\"";
        if (notModified(context, tag)) return;
        auto reader =
            services.withBlobs([&](storage::BlobStore& blobs) { return blobs.reader(hash); });
        auto& response = context.response;
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/pdf");
        response.setContentLength64(static_cast<Poco::Int64>(reader.size()));
        response.set("ETag", tag);
        response.set("Content-Disposition",
                     "attachment; filename=\"" +
                         plainFileName(attachment->name,
                                       "phu-luc-" + std::to_string(attachment->number) + ".pdf") +
                         "\"");
        std::ostream& out = response.send();
        std::array<char, 64 * 1024> buffer{};
        while (true) {
          size_t count = services.withBlobs(
              [&](storage::BlobStore&) { return reader.read(buffer.data(), buffer.size()); });
          if (count == 0) break;
          if (!out.write(buffer.data(), static_cast<std::streamsize>(count))) break;
        }
      });
}

}  // namespace vanthu::api
