#include "exchange_service.h"

#include <Poco/JSON/Object.h>
#include <Poco/Timestamp.h>
#include <Poco/UUIDGenerator.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

#include "document_routes.h"
#include "http_support.h"
#include "incoming_flow_service.h"
#include "pdf_upload.h"
#include "pending_work.h"
#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_schema.h"
#include "vanthu/exchange/edxml_writer.h"
#include "vanthu/signing/verification_report.h"
#include "vanthu/storage/sql_attachment_repository.h"
#include "vanthu/storage/sql_audit_log.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_document_repository.h"
#include "vanthu/storage/sql_exchange_repository.h"
#include "vanthu/storage/sql_exchange_state.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_incoming_repository.h"
#include "vanthu/workflow/incoming_flow.h"

namespace vanthu::api {
namespace {

using exchange::EdxmlPackage;
using exchange::StatusCode;
using exchange::StatusMessage;

/// The largest status message taken (they are a few KiB).
constexpr uint64_t kMaxStatusBytes = 1024 * 1024;

std::string newId() {
  return Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
}

int64_t unixNow() {
  return static_cast<int64_t>(Poco::Timestamp().epochTime());
}

/// A Unix time as Vietnam's wall clock (UTC+7), as edXML writes times.
exchange::EdxmlTimestamp vietnamTimestamp(int64_t seconds) {
  std::time_t local = static_cast<std::time_t>(seconds + 7 * 3600);
  std::tm parts{};
  gmtime_r(&local, &parts);
  exchange::EdxmlTimestamp t;
  t.date = {parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday};
  t.hour = parts.tm_hour;
  t.minute = parts.tm_min;
  t.second = parts.tm_sec;
  return t;
}

exchange::EdxmlDate dateOfIso(const std::string& iso) {
  exchange::EdxmlDate d;
  if (iso.size() >= 10) {
    d.year = std::stoi(iso.substr(0, 4));
    d.month = std::stoi(iso.substr(5, 2));
    d.day = std::stoi(iso.substr(8, 2));
  }
  return d;
}

std::string isoOfDate(const exchange::EdxmlDate& d) {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, d.month, d.day);
  return text;
}

std::optional<workflow::Organisation> organisationByCode(storage::Database& database,
                                                         const std::string& code) {
  for (auto& organisation : storage::SqlDirectoryRepository(database).listOrganisations()) {
    if (organisation.code == code) return organisation;
  }
  return std::nullopt;
}

exchange::Organization edxmlOrganization(const workflow::Organisation& organisation) {
  exchange::Organization o;
  o.organId = organisation.code;
  o.organName = organisation.name;
  return o;
}

std::string userName(storage::Database& database, const std::string& userId) {
  auto user = storage::SqlDirectoryRepository(database).findUser(userId);
  return user ? user->fullName : userId;
}

std::string readBlob(ApiServices& services, const std::string& hash) {
  return services.withBlobs([&](storage::BlobStore& blobs) {
    auto in = blobs.open(hash);
    std::ostringstream bytes;
    bytes << in->rdbuf();
    return bytes.str();
  });
}

std::string putBlob(ApiServices& services, std::string_view bytes) {
  return services.withBlobs([&](storage::BlobStore& blobs) { return blobs.put(bytes).hash; });
}

/// The SĐ1:2022 type code of our document types; TypeDetail keeps our own code.
int edxmlTypeOf(const std::string& documentType) {
  if (documentType.empty() || documentType == "CV") return 18;  // Công văn
  if (documentType == "QD") return 8;                           // Quyết định
  if (documentType == "ND") return 7;                           // Nghị định
  if (documentType == "CD") return 19;                          // Công điện
  return 0;
}

std::string documentTypeOf(const exchange::DocumentType& type) {
  const auto& detail = type.typeDetail;
  bool ours =
      !detail.empty() && detail.size() <= 8 &&
      std::all_of(detail.begin(), detail.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (ours) return detail == "CV" ? "" : detail;
  switch (type.type) {
    case 8:
      return "QD";
    case 7:
      return "ND";
    case 19:
      return "CD";
    default:
      return "";
  }
}

int priorityOf(const std::string& urgency) {
  if (urgency == "urgent") return 1;
  if (urgency == "very_urgent") return 2;
  if (urgency == "express") return 3;
  return 0;
}

std::string urgencyOf(int priority) {
  switch (priority) {
    case 1:
      return "urgent";
    case 2:
      return "very_urgent";
    case 3:
    case 4:
      return "express";
    default:
      return "normal";
  }
}

/// The standard's words for a status, for when the actor gave none.
std::string statusText(const std::string& code) {
  static const std::map<std::string, std::string> texts = {
      {"01", "Đã đến"},          {"02", "Từ chối tiếp nhận"}, {"03", "Đã tiếp nhận, vào sổ"},
      {"04", "Đã phân công"},    {"05", "Đang xử lý"},        {"06", "Hoàn thành"},
      {"13", "Yêu cầu lấy lại"}, {"15", "Đồng ý lấy lại"},    {"16", "Từ chối lấy lại"}};
  auto found = texts.find(code);
  return found == texts.end() ? code : found->second;
}

void audit(storage::Database& database, const std::string& organisationId,
           const std::string& documentId, const std::string& action, Poco::JSON::Object details) {
  workflow::AuditEntry entry;
  entry.actor = "system";
  entry.organisationId = organisationId;
  entry.documentId = documentId;
  entry.action = action;
  std::ostringstream out;
  details.stringify(out);
  entry.details = out.str();
  storage::SqlAuditLog(database, nullptr).append(entry);
}

/// The edXML identity of an issued document: OrganId,YYYY/MM/DD,Number/Notation.
std::string edxmlDocumentId(const std::string& organisationCode, const exchange::EdxmlDate& date,
                            const std::string& notation) {
  return organisationCode + "," + exchange::formatEdxmlDate(date) + "," + notation;
}

/// The notation's part after the number: "QĐ-UBND" of "15/QĐ-UBND".
std::string codeNotationOf(const std::string& notation) {
  auto slash = notation.find('/');
  return slash == std::string::npos ? notation : notation.substr(slash + 1);
}

/// The inbox row id of a message for one receiving organisation: a package sent to several
/// agencies hosted on this instance is the same bytes for each, and each must receive it once.
std::string inboxId(const std::string& payloadHash, const std::string& recipientOrganisationId) {
  return payloadHash + ":" + recipientOrganisationId;
}

/// The inbox row of a message just read.
workflow::InboxMessage inboxRow(const std::string& payloadHash, const std::string& senderCode,
                                const std::string& recipientOrganisationId, const std::string& kind,
                                const std::string& at) {
  workflow::InboxMessage row;
  row.id = inboxId(payloadHash, recipientOrganisationId);
  row.senderCode = senderCode;
  row.recipientOrganisationId = recipientOrganisationId;
  row.kind = kind;
  row.payloadHash = payloadHash;
  row.receivedAt = at;
  return row;
}

/// Records `row`: true when it is new; false, with `receipt` saying so, when this id was
/// received before (a repeated delivery, to be acknowledged and nothing more).
Result<bool> recordFresh(storage::SqlExchangeRepository& inbox, const workflow::InboxMessage& row,
                         ExchangeReceipt& receipt) {
  auto fresh = inbox.recordReceived(row);
  if (!fresh || fresh.value()) return fresh;
  auto earlier = inbox.inboxMessage(row.id);
  receipt.outcome = "duplicate";
  receipt.documentId = earlier ? earlier->documentId : "";
  receipt.note = "this " + std::string(row.kind == "status" ? "status message" : "package") +
                 " was received before";
  return false;
}

/// Why a received PDF's signatures keep it out of the flow, or "" when they do not.
std::string signatureRefusal(const signing::FileReport& report) {
  if (!report.readable) return "the document's PDF cannot be validated: " + report.error;
  if (report.signatures.empty()) return "the document's PDF carries no digital signature";
  if (report.verdict != signing::Indication::TotalFailed) return "";
  for (const auto& signature : report.signatures) {
    if (signature.indication == signing::Indication::TotalFailed) {
      return "signature " + signature.field + " does not verify (" + signature.subindication + ")";
    }
  }
  return "a signature of the document's PDF does not verify";
}

}  // namespace

ScratchFile::ScratchFile(const std::filesystem::path& dataDir, const std::string& prefix)
    : path_(uploadDirectory(dataDir) / (prefix + newId())) {
  std::filesystem::create_directories(path_.parent_path());
}

ScratchFile::~ScratchFile() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

Status ScratchFile::write(const std::string& bytes) {
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status(ErrorCode::IoFailure, "writing " + path_.string() + " failed");
  return Status::ok();
}

// ---- sending -------------------------------------------------------------------------------

Status ExchangeService::enqueue(storage::Database& database,
                                const workflow::OutboxMessage& message) {
  auto queued = storage::SqlExchangeRepository(database).enqueue(message);
  if (queued && queued_) queued_();
  return queued;
}

Status ExchangeService::queueStatus(storage::Database& database, const std::string& documentId,
                                    const std::string& recipientCode,
                                    const StatusMessage& message) {
  auto xml = exchange::buildStatusMessageXml(message);
  if (!xml) return xml.status();
  workflow::OutboxMessage out;
  out.id = newId();
  out.documentId = documentId;
  out.recipientCode = recipientCode;
  out.kind = "status";
  out.payloadHash = putBlob(services_, xml.value());
  out.nextAttemptAt = isoTime(unixNow());
  out.createdAt = out.nextAttemptAt;
  return enqueue(database, out);
}

Status ExchangeService::issued(storage::Database& database,
                               const workflow::DocumentRecord& document,
                               const workflow::DocumentVersion& issued) {
  storage::SqlExchangeState state(database);
  auto recipients = state.recipients(document.id);
  if (recipients.empty()) return Status::ok();
  auto sender = storage::SqlDirectoryRepository(database).findOrganisation(document.organisationId);
  if (!sender) return Status(ErrorCode::Internal, "organisation " + document.organisationId);
  const int64_t now = unixNow();

  EdxmlPackage package;
  auto& h = package.header;
  h.from = edxmlOrganization(*sender);
  std::vector<std::string> remote;
  for (const auto& code : recipients) {
    if (code == sender->code) continue;
    auto recipient = organisationByCode(database, code);
    if (!recipient) {
      return Status::invalidArgument("recipient " + code +
                                     " is not in the directory; correct the recipients first");
    }
    h.to.push_back(edxmlOrganization(*recipient));
    h.toPlaces.push_back(recipient->name);
    remote.push_back(code);
  }
  if (remote.empty()) return Status::ok();
  const std::string notation = document.notation.value_or("");
  h.code.codeNumber = std::to_string(document.registerNumber.value_or(0));
  h.code.codeNotation = codeNotationOf(notation);
  h.promulgationInfo.place = sender->name;
  h.promulgationInfo.promulgationDate = dateOfIso(vietnamDate(now));
  h.documentType.type = edxmlTypeOf(document.documentType);
  h.documentType.typeDetail = document.documentType.empty() ? "CV" : document.documentType;
  h.subject = document.subject;
  h.otherInfo.priority = priorityOf(document.urgency);
  h.otherInfo.promulgationAmount = static_cast<int>(remote.size());
  // The signer: the leader whose act signed the document.
  for (const auto& stored : storage::SqlFlowRepository(database).acts(document.id)) {
    if (stored.act.action != "sign") continue;
    auto user = storage::SqlDirectoryRepository(database).findUser(stored.act.actorId);
    h.signerInfo.fullName = user ? user->fullName : stored.act.actorId;
    h.signerInfo.position = user ? user->position : "";
    h.signerInfo.competence = stored.act.authorityMarker;
  }
  if (h.signerInfo.fullName.empty()) h.signerInfo.fullName = userName(database, issued.actor);
  h.documentId = edxmlDocumentId(sender->code, h.promulgationInfo.promulgationDate, notation);
  package.trace.traceHeaders.push_back({sender->code, vietnamTimestamp(now)});

  exchange::Attachment pdf;
  pdf.contentId = "cid:" + newId();
  pdf.name = notation.empty() ? "van-ban.pdf" : notation + ".pdf";
  std::replace(pdf.name.begin(), pdf.name.end(), '/', '-');
  pdf.contentType = "application/pdf";
  pdf.description = document.subject;
  pdf.bytes = readBlob(services_, issued.blobHash);
  package.attachments.push_back(std::move(pdf));
  for (const auto& attachment : storage::SqlAttachmentRepository(database).list(document.id)) {
    exchange::Attachment file;
    file.contentId = "cid:" + newId();
    file.name = attachment.name;
    file.contentType = "application/octet-stream";
    if (attachment.name.size() > 4 &&
        attachment.name.compare(attachment.name.size() - 4, 4, ".pdf") == 0) {
      file.contentType = "application/pdf";
    }
    file.bytes = readBlob(services_, attachment.signedBlobHash.value_or(attachment.blobHash));
    package.attachments.push_back(std::move(file));
  }
  auto xml = exchange::buildPackageXml(package);
  if (!xml) return xml.status();
  const std::string payload = putBlob(services_, xml.value());
  if (auto recorded = state.recordSent(document.id, h.documentId); !recorded) return recorded;

  for (const auto& code : remote) {
    workflow::OutboxMessage out;
    out.id = newId();
    out.documentId = document.id;
    out.recipientCode = code;
    out.kind = "document";
    out.payloadHash = payload;
    out.nextAttemptAt = isoTime(now);
    out.createdAt = out.nextAttemptAt;
    if (auto queued = enqueue(database, out); !queued) return queued;
    workflow::TrackingEvent event{
        newId(),       document.id,        code, "queued", "Chờ gửi (" + h.documentId + ")", "",
        out.createdAt, isoTimeNowPrecise()};
    state.addTrackingEvent(event);
  }
  return Status::ok();
}

Status ExchangeService::recalled(storage::Database& database,
                                 const workflow::DocumentRecord& document,
                                 const workflow::Act& act) {
  storage::SqlExchangeState state(database);
  auto sentAs = state.sentAs(document.id);
  if (!sentAs) return Status::ok();  // never sent: nobody to tell
  auto sender = storage::SqlDirectoryRepository(database).findOrganisation(document.organisationId);
  if (!sender) return Status(ErrorCode::Internal, "organisation " + document.organisationId);
  const int64_t now = unixNow();
  StatusMessage message;
  message.responseFor.organId = sender->code;
  message.responseFor.code = document.notation.value_or("");
  message.responseFor.documentId = *sentAs;
  auto comma = sentAs->find(',');
  if (comma != std::string::npos) {
    auto date = exchange::parseEdxmlDate(sentAs->substr(comma + 1, 10));
    if (date) message.responseFor.promulgationDate = date.value();
  }
  message.from = edxmlOrganization(*sender);
  message.statusCode = StatusCode::TakeBackRequested;
  message.description = act.comment.empty() ? statusText("13") : act.comment;
  message.timestamp = vietnamTimestamp(now);
  message.staffInfo.staff = userName(database, act.actorId);
  for (const auto& code : state.recipients(document.id)) {
    if (code == sender->code) continue;
    if (auto queued = queueStatus(database, document.id, code, message); !queued) return queued;
    workflow::TrackingEvent event{newId(),      document.id,         code,
                                  "13",         message.description, message.staffInfo.staff,
                                  isoTime(now), isoTimeNowPrecise()};
    state.addTrackingEvent(event);
  }
  return Status::ok();
}

Status ExchangeService::incomingMoved(storage::Database& database,
                                      const workflow::DocumentRecord& document,
                                      const workflow::Act& act, const std::string& statusCode) {
  storage::SqlExchangeState state(database);
  auto origin = state.originOf(document.id);
  if (!origin) return Status::ok();  // registered from paper or by hand: no sender to tell
  auto code = exchange::statusCodeFromText(statusCode);
  if (!code) return Status::ok();
  auto self = storage::SqlDirectoryRepository(database).findOrganisation(document.organisationId);
  if (!self) return Status(ErrorCode::Internal, "organisation " + document.organisationId);
  StatusMessage message;
  message.responseFor.organId = origin->senderCode;
  message.responseFor.code = origin->codeNumber + "/" + origin->codeNotation;
  if (!origin->promulgationDate.empty()) {
    message.responseFor.promulgationDate = dateOfIso(origin->promulgationDate);
  }
  message.responseFor.documentId = origin->edxmlDocumentId;
  message.from = edxmlOrganization(*self);
  message.statusCode = *code;
  message.description = act.comment.empty() ? statusText(statusCode) : act.comment;
  message.timestamp = vietnamTimestamp(act.at ? act.at : unixNow());
  message.staffInfo.staff = act.actorId == "system" ? "" : userName(database, act.actorId);
  return queueStatus(database, document.id, origin->senderCode, message);
}

// ---- receiving -----------------------------------------------------------------------------

Result<ExchangeReceipt> ExchangeService::receive(const std::filesystem::path& payload,
                                                 bool isStatus,
                                                 const std::string& recipientOrganisationId,
                                                 const std::string& requestId) {
  return isStatus ? receiveStatus(payload, recipientOrganisationId)
                  : receivePackage(payload, recipientOrganisationId, requestId);
}

Result<ExchangeReceipt> ExchangeService::receiveStatus(const std::filesystem::path& payload,
                                                       const std::string& recipientOrganisationId) {
  std::error_code sizeError;
  auto size = std::filesystem::file_size(payload, sizeError);
  if (sizeError) return Status(ErrorCode::IoFailure, "reading " + payload.string() + " failed");
  if (size > kMaxStatusBytes) {
    return Status(ErrorCode::PayloadTooLarge, "a status message is at most 1 MiB");
  }
  std::ifstream in(payload, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (auto valid = exchange::EdxmlSchema::statusMessage().validate(bytes, "status message");
      !valid) {
    return valid;
  }
  auto parsed = exchange::readStatusMessage(bytes, "status message");
  if (!parsed) return parsed.status();
  const StatusMessage& message = parsed.value();
  const std::string code = exchange::statusCodeText(message.statusCode);
  const std::string payloadHash = putBlob(services_, bytes);
  const std::string nowIso = isoTime(unixNow());

  ExchangeReceipt receipt;
  receipt.messageId = payloadHash;
  auto done = services_.withDatabase([&](storage::Database& database) {
    storage::SqlDocumentRepository documents(database);
    return documents.inTransaction([&]() -> Status {
      storage::SqlExchangeRepository inbox(database);
      storage::SqlExchangeState state(database);
      auto fresh = recordFresh(
          inbox,
          inboxRow(payloadHash, message.from.organId, recipientOrganisationId, "status", nowIso),
          receipt);
      if (!fresh) return fresh.status();
      if (!fresh.value()) return Status::ok();
      if (message.statusCode == StatusCode::TakeBackRequested) {
        // The sender asks for a document it sent us back.
        auto origin = state.originFrom(message.from.organId, message.responseFor.documentId,
                                       recipientOrganisationId);
        std::optional<workflow::DocumentRecord> document;
        if (origin) document = documents.findDocument(origin->documentId);
        if (!document || document->organisationId != recipientOrganisationId) {
          return Status(ErrorCode::UnknownDocument,
                        "no document " + message.responseFor.documentId + " from " +
                            message.from.organId + " was received here");
        }
        StatusMessage answer;
        answer.responseFor = message.responseFor;
        auto self =
            storage::SqlDirectoryRepository(database).findOrganisation(recipientOrganisationId);
        if (!self) return Status(ErrorCode::Internal, "organisation " + recipientOrganisationId);
        answer.from = edxmlOrganization(*self);
        answer.timestamp = vietnamTimestamp(unixNow());
        Poco::JSON::Object details;
        details.set("sender", message.from.organId);
        details.set("reason", message.description);
        if (document->status == workflow::incomingStatusName(workflow::IncomingStatus::Completed)) {
          answer.statusCode = StatusCode::TakeBackRefused;
          answer.description = "Văn bản đã được xử lý xong; không thể thu hồi";
          receipt.note = "recall refused: the document was already completed";
        } else {
          state.markRecalled(document->id, nowIso);
          answer.statusCode = StatusCode::TakeBackAccepted;
          answer.description = statusText("15");
          receipt.note = "recalled by the sender: " + message.description;
        }
        details.set("answer", exchange::statusCodeText(answer.statusCode));
        audit(database, recipientOrganisationId, document->id, "exchange_recall", details);
        if (auto queued = queueStatus(database, document->id, message.from.organId, answer);
            !queued) {
          return queued;
        }
        receipt.outcome = "processed";
        receipt.documentId = document->id;
        return inbox.markProcessed(inboxId(payloadHash, recipientOrganisationId), "processed",
                                   document->id, receipt.note, nowIso);
      }
      // A recipient reports on a document we sent.
      auto documentId = state.documentSentAs(message.responseFor.documentId);
      std::optional<workflow::DocumentRecord> document;
      if (documentId) document = documents.findDocument(*documentId);
      if (!document || document->organisationId != recipientOrganisationId) {
        return Status(ErrorCode::UnknownDocument,
                      "no document " + message.responseFor.documentId + " was sent from here");
      }
      auto recipients = state.recipients(document->id);
      if (std::find(recipients.begin(), recipients.end(), message.from.organId) ==
          recipients.end()) {
        return Status(ErrorCode::UnknownDocument, "document " + message.responseFor.documentId +
                                                      " was not sent to " + message.from.organId);
      }
      workflow::TrackingEvent event;
      event.id = payloadHash;
      event.documentId = document->id;
      event.recipientCode = message.from.organId;
      event.statusCode = code;
      event.description = message.description;
      event.staff = message.staffInfo.staff;
      event.reportedAt = exchange::formatEdxmlTimestamp(message.timestamp);
      event.recordedAt = isoTimeNowPrecise();
      state.addTrackingEvent(event);
      Poco::JSON::Object details;
      details.set("recipient", message.from.organId);
      details.set("status", code);
      details.set("description", message.description);
      audit(database, recipientOrganisationId, document->id, "exchange_status", details);
      receipt.outcome = "processed";
      receipt.documentId = document->id;
      receipt.note = "status " + code + " from " + message.from.organId;
      return inbox.markProcessed(inboxId(payloadHash, recipientOrganisationId), "processed",
                                 document->id, receipt.note, nowIso);
    });
  });
  if (!done) return done;
  return receipt;
}

Result<ExchangeReceipt> ExchangeService::receivePackage(const std::filesystem::path& payload,
                                                        const std::string& recipientOrganisationId,
                                                        const std::string& requestId) {
  if (auto valid = exchange::EdxmlSchema::package().validateFile(payload); !valid) return valid;
  auto parsed = exchange::readPackageFile(payload);
  if (!parsed) return parsed.status();
  const EdxmlPackage& package = parsed.value();
  const auto& h = package.header;

  auto self = services_.withDatabase([&](storage::Database& database) {
    return storage::SqlDirectoryRepository(database).findOrganisation(recipientOrganisationId);
  });
  if (!self) return Status(ErrorCode::Internal, "organisation " + recipientOrganisationId);
  bool forUs = std::any_of(h.to.begin(), h.to.end(), [&](const exchange::Organization& to) {
    return to.organId == self->code;
  });
  if (!forUs) {
    std::string to;
    for (const auto& each : h.to) to += (to.empty() ? "" : ", ") + each.organId;
    return Status(ErrorCode::WrongRecipient, "the package is addressed to " + to + ", not to " +
                                                 self->code + " (" + self->name + ")");
  }
  const auto business = package.trace.business.docType;
  if (business == exchange::BusinessDocType::Update ||
      business == exchange::BusinessDocType::Replace) {
    return Status(ErrorCode::NotImplemented,
                  "packages that update or replace a document (business type 2 or 3) are not "
                  "taken; send a recall (status 13) and the new document");
  }
  if (business == exchange::BusinessDocType::Recall) {
    // A recall package: as the status message 13.
    StatusMessage request;
    request.responseFor.organId = h.from.organId;
    request.responseFor.documentId = package.trace.business.documentId.empty()
                                         ? h.documentId
                                         : package.trace.business.documentId;
    request.from = h.from;
    request.statusCode = StatusCode::TakeBackRequested;
    request.description = package.trace.business.reason;
    request.timestamp = vietnamTimestamp(unixNow());
    auto xml = exchange::buildStatusMessageXml(request);
    if (!xml) return xml.status();
    ScratchFile file(services_.config.dataDir, "exchange-");
    if (auto written = file.write(xml.value()); !written) return written;
    return receiveStatus(file.path(), recipientOrganisationId);
  }
  if (package.attachments.empty() || package.attachments.front().contentType != "application/pdf") {
    return Status(ErrorCode::InvalidPdf,
                  "the package's first attachment must be the document's PDF (application/pdf)");
  }
  // Blobs first (content-addressed; an unreferenced one is collected), then one transaction.
  const std::string packageHash =
      services_.withBlobs([&](storage::BlobStore& blobs) { return blobs.putFile(payload).hash; });
  // A repeated delivery is answered before the signatures are verified again. (The transaction
  // below decides for good when two deliveries race.)
  if (auto earlier = services_.withDatabase([&](storage::Database& database) {
        return storage::SqlExchangeRepository(database).inboxMessage(
            inboxId(packageHash, recipientOrganisationId));
      })) {
    return ExchangeReceipt{packageHash, "duplicate", earlier->documentId,
                           "this package was received before"};
  }
  ScratchFile pdfFile(services_.config.dataDir, "exchange-");
  if (auto written = pdfFile.write(package.attachments.front().bytes); !written) return written;
  if (auto pdf = checkPdfFile(pdfFile.path()); !pdf) return pdf;
  signing::FileReport report = verifyPdf(services_, pdfFile.path(), requestId);
  report.file = package.attachments.front().name;
  const std::string refusal = signatureRefusal(report);
  const std::string pdfHash = services_.withBlobs(
      [&](storage::BlobStore& blobs) { return blobs.putFile(pdfFile.path()).hash; });
  std::vector<storage::Attachment> attachments;
  for (size_t i = 1; i < package.attachments.size(); ++i) {
    storage::Attachment a;
    a.name = package.attachments[i].name;
    a.blobHash = putBlob(services_, package.attachments[i].bytes);
    a.size = static_cast<int64_t>(package.attachments[i].bytes.size());
    attachments.push_back(std::move(a));
  }
  const int64_t now = unixNow();
  const std::string nowIso = isoTime(now);

  ExchangeReceipt receipt;
  receipt.messageId = packageHash;
  auto done = services_.withDatabase([&](storage::Database& database) {
    storage::SqlDocumentRepository documents(database);
    return documents.inTransaction([&]() -> Status {
      storage::SqlExchangeRepository inbox(database);
      storage::SqlExchangeState state(database);
      auto fresh = recordFresh(
          inbox, inboxRow(packageHash, h.from.organId, recipientOrganisationId, "document", nowIso),
          receipt);
      if (!fresh) return fresh.status();
      if (!fresh.value()) return Status::ok();
      if (auto earlier = state.originFrom(h.from.organId, h.documentId, recipientOrganisationId)) {
        // The same document in another package (sent again with a new trace): once is enough.
        receipt.outcome = "duplicate";
        receipt.documentId = earlier->documentId;
        receipt.note = "document " + h.documentId + " was received before";
        return inbox.markProcessed(inboxId(packageHash, recipientOrganisationId), "refused",
                                   earlier->documentId, receipt.note, nowIso);
      }
      workflow::DocumentRecord document;
      document.id = newId();
      document.organisationId = recipientOrganisationId;
      document.direction = "incoming";
      document.documentType = documentTypeOf(h.documentType);
      document.subject = h.subject;
      document.status =
          std::string(workflow::incomingStatusName(workflow::IncomingStatus::Received));
      document.urgency = urgencyOf(h.otherInfo.priority);
      document.createdBy = "system";
      document.createdAt = nowIso;
      document.updatedAt = nowIso;
      if (auto created = documents.createDocument(document); !created) return created;
      workflow::DocumentVersion version;
      version.documentId = document.id;
      version.blobHash = pdfHash;
      version.kind = "upload";
      version.actor = "system";
      version.reason = "received from " + h.from.organId + " (" + h.from.organName + ")";
      version.size = static_cast<int64_t>(package.attachments.front().bytes.size());
      version.createdAt = nowIso;
      if (auto added = documents.addVersion(version); !added) return added.status();
      for (auto attachment : attachments) {
        attachment.documentId = document.id;
        attachment.createdBy = "system";
        attachment.createdAt = nowIso;
        if (auto added = storage::SqlAttachmentRepository(database).add(attachment); !added) {
          return added.status();
        }
      }
      IncomingArrival arrival;
      arrival.verdict = std::string(signing::indicationName(report.verdict));
      arrival.reportJson = signing::reportToJson(report);
      arrival.now = now;
      arrival.nowIso = nowIso;
      if (auto received = IncomingFlowService(database).receive(document, arrival); !received) {
        return received;
      }
      workflow::IncomingOrigin origin;
      origin.documentId = document.id;
      origin.senderCode = h.from.organId;
      origin.senderName = h.from.organName;
      origin.edxmlDocumentId = h.documentId;
      origin.codeNumber = h.code.codeNumber;
      origin.codeNotation = h.code.codeNotation;
      origin.promulgationDate = isoOfDate(h.promulgationInfo.promulgationDate);
      origin.messageId = packageHash;
      if (auto recorded = state.recordOrigin(origin); !recorded) return recorded;

      workflow::Act act;
      act.actorId = "system";
      act.at = now;
      if (refusal.empty()) {
        if (auto queued = incomingMoved(database, document, act, "01"); !queued) return queued;
        receipt.outcome = "processed";
        receipt.note = "registered as incoming document " + document.id + " (signatures " +
                       arrival.verdict + ")";
      } else {
        // Quarantined: kept, with its report, as a refused incoming document, and the sender
        // is told why.
        auto incoming = storage::SqlIncomingRepository(database).findIncoming(document.id);
        if (!incoming) return Status(ErrorCode::Internal, "incoming flow of " + document.id);
        incoming->state.status = workflow::IncomingStatus::Refused;
        incoming->updatedAt = nowIso;
        if (auto stored = storage::SqlIncomingRepository(database).updateIncoming(*incoming);
            !stored) {
          return stored;
        }
        document.status =
            std::string(workflow::incomingStatusName(workflow::IncomingStatus::Refused));
        auto revision = documents.updateDocument(document, document.revision);
        if (!revision) return revision.status();
        act.action = "refuse";
        act.role = "clerk";
        act.comment = refusal;
        if (auto stored = storage::SqlFlowRepository(database).appendAct(document.id, act);
            !stored) {
          return stored.status();
        }
        Poco::JSON::Object details;
        details.set("sender", h.from.organId);
        details.set("reason", refusal);
        details.set("exchange_status", "02");
        audit(database, recipientOrganisationId, document.id, "exchange_refused", details);
        if (auto queued = incomingMoved(database, document, act, "02"); !queued) return queued;
        receipt.outcome = "refused";
        receipt.note = refusal;
      }
      receipt.documentId = document.id;
      return inbox.markProcessed(inboxId(packageHash, recipientOrganisationId),
                                 refusal.empty() ? "processed" : "refused", document.id,
                                 receipt.note, nowIso);
    });
  });
  if (!done) return done;
  return receipt;
}

}  // namespace vanthu::api
