#include "external_signing_service.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Exception.h>
#include <Poco/Timestamp.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <vector>

#include "action_requests.h"
#include "authenticator.h"
#include "document_routes.h"
#include "http_support.h"
#include "vanthu/signing/key_sources.h"
#include "vanthu/signing/official_signing.h"
#include "vanthu/storage/sql_directory_repository.h"
#include "vanthu/storage/sql_pending_signature_repository.h"

namespace vanthu::api {
namespace {

namespace fs = std::filesystem;
using Poco::JSON::Object;

constexpr const char* kPendingSignatureSchema = R"json({"type":"object","properties":{
"pending_id":{"type":"string","description":"names the prepared signature in complete_signature"},
"document_id":{"type":"string"},"action":{"type":"string","enum":["sign"]},
"key_id":{"type":"string","description":"the external key reference"},
"document_revision":{"type":"integer","description":"the revision the signature was prepared at; send it as If-Match with complete_signature"},
"version":{"type":"integer","description":"the version the signature goes over"},
"digest_algorithm":{"type":"string","enum":["sha256","sha384","sha512"]},
"to_be_signed_digest":{"type":"string","contentEncoding":"base64","description":"the hash of signed_attributes: what the key signs (a raw signature over this digest, PKCS#1 v1.5 for RSA, DER ECDSA-Sig-Value for EC)"},
"to_be_signed_digest_hex":{"type":"string","description":"the same digest in hexadecimal, to show the signer"},
"signed_attributes":{"type":"string","contentEncoding":"base64","description":"the DER SET OF signed attributes, for signers that hash themselves or build the CMS"},
"content_digest":{"type":"string","contentEncoding":"base64","description":"the hash of the PDF's signed byte ranges (the CMS message digest)"},
"certificate":{"type":"string","description":"PEM: the certificate the signature must verify with"},
"created_at":{"type":"string","format":"date-time"},
"expires_at":{"type":"string","format":"date-time","description":"after this, complete_signature answers 410 expired; prepare again"},
"completed":{"type":"boolean","description":"GET only: whether complete_signature has taken it"}},
"required":["pending_id","document_id","action","key_id","document_revision","version",
"digest_algorithm","to_be_signed_digest","to_be_signed_digest_hex","signed_attributes",
"content_digest","certificate","created_at","expires_at"]})json";

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string text;
  for (unsigned char c : bytes) {
    text += digits[c >> 4];
    text += digits[c & 15];
  }
  return text;
}

Result<std::string> unbase64(const std::string& text, const std::string& field) {
  std::istringstream in(text);
  Poco::Base64Decoder decoder(in);
  std::ostringstream out;
  try {
    out << decoder.rdbuf();
  } catch (const Poco::Exception&) {
    return Status::invalidArgument("field '" + field + "' is not base64");
  }
  // A bad character ends the copy with failbit set (the stream catches the decoder's exception).
  if (out.fail() || out.str().empty()) {
    return Status::invalidArgument("field '" + field + "' is not base64");
  }
  return out.str();
}

// Files of one step under DATA/tmp, removed however the step ends.
class StepFiles {
 public:
  explicit StepFiles(const fs::path& dataDir) : directory_(dataDir / "tmp") {
    fs::create_directories(directory_);
  }
  ~StepFiles() {
    std::error_code ignored;
    for (const auto& file : files_) fs::remove(file, ignored);
  }
  StepFiles(const StepFiles&) = delete;
  StepFiles& operator=(const StepFiles&) = delete;
  fs::path next(const std::string& suffix) {
    files_.push_back(directory_ / ("external-" + randomHex(12) + suffix));
    return files_.back();
  }

 private:
  fs::path directory_;
  std::vector<fs::path> files_;
};

void copyBlob(ApiServices& services, const std::string& hash, const fs::path& file) {
  services.withBlobs([&](storage::BlobStore& blobs) {
    auto in = blobs.open(hash);
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << in->rdbuf();
    out.flush();
    if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + file.string());
  });
}

// The certificate of an external key reference and its issuers: the PEM registered with it
// (the certificate first, then any issuers sent along), completed from the data directory's
// intermediates when it holds the certificate alone.
Result<std::vector<signing::Certificate>> externalCertificates(
    const fs::path& dataDir, const workflow::KeyReference& reference) {
  if (reference.location.empty()) {
    return Status::invalidState("key " + reference.id +
                                " was registered without its certificate being kept; register it "
                                "again");
  }
  fs::path file = reference.location;
  if (file.is_relative()) file = dataDir / file;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return Status(ErrorCode::IoFailure, "the certificate of key " + reference.id + " is missing");
  }
  std::ostringstream pem;
  pem << in.rdbuf();
  auto all = signing::Certificate::allFromPem(pem.str());
  if (all.size() == 1) {
    auto issuers = signing::issuersOf(all.front(), issuerCertificates(dataDir));
    all.insert(all.end(), issuers.begin(), issuers.end());
  }
  return all;
}

// The caller's active external key `keyId`; NotFound / InvalidState otherwise.
Result<workflow::KeyReference> externalKey(storage::Database& database, const std::string& keyId,
                                           const std::string& userId) {
  auto reference = storage::SqlDirectoryRepository(database).findKeyReference(keyId);
  if (!reference || reference->userId != userId ||
      reference->source != workflow::KeySource::External) {
    return Status::notFound("no external key " + keyId + " of yours");
  }
  if (!reference->active) return Status::invalidState("key " + keyId + " was withdrawn");
  return *reference;
}

// Step 1 inside the sign action's transaction: prepares the PDF, keeps the work file in the blob
// store and then refuses, so that the transaction rolls back and nothing about the document
// changes. pending() says whether it got that far.
class ExternalSignaturePreparer final : public VersionProducer {
 public:
  ExternalSignaturePreparer(ApiServices& services, SigningInput input)
      : services_(services), input_(std::move(input)) {}

  Result<workflow::DocumentVersion> sign(storage::Database& database,
                                         const workflow::DocumentRecord& document,
                                         const workflow::DocumentVersion& latest,
                                         const workflow::Act& act) override {
    auto reference = externalKey(database, input_.keyId, act.actorId);
    if (!reference) return reference.status();
    // Completion needs the server's part too (a TSA for B-T and above): refuse now, not later.
    if (auto levels = services_.signing.levelServices(); !levels) return levels.status();
    auto request = leaderSigningRequest(services_, database, act);
    if (!request) return request.status();
    const auto& dataDir = services_.config.dataDir;
    try {
      auto certificates = externalCertificates(dataDir, reference.value());
      if (!certificates) return certificates.status();
      const auto& signer = certificates.value().front();
      std::vector<signing::Certificate> chain(certificates.value().begin() + 1,
                                              certificates.value().end());
      StepFiles work(dataDir);
      fs::path input = work.next(".pdf");
      copyBlob(services_, latest.blobHash, input);
      if (auto placed = placeLeaderSignature(database, document.id, input_, input, request.value());
          !placed) {
        return placed;
      }
      fs::path workFile = work.next(".pdf");
      signing::PreparedSignature prepared =
          signing::prepareLeaderSignature(input, workFile, request.value(), signer, chain);
      storage::BlobInfo blob =
          services_.withBlobs([&](storage::BlobStore& blobs) { return blobs.putFile(workFile); });
      // The blob is the work file from now on; completion copies it out again.
      prepared.workFile = "blob:" + blob.hash;
      storage::PendingSignature pending;
      pending.id = randomHex(16);
      pending.documentId = document.id;
      pending.userId = act.actorId;
      pending.keyId = reference.value().id;
      pending.action = "sign";
      pending.documentRevision = document.revision;
      pending.versionNumber = latest.number;
      pending.prepared = prepared.serialize();
      pending.workBlobHash = blob.hash;
      pending.createdAt = act.at;
      pending.expiresAt = act.at + kPendingSignatureLifetime.count();
      pending_ = pending;
    } catch (const Error& e) {
      return Status(e.code(),
                    "preparing the signature of document " + document.id + ": " + e.what());
    }
    // Not an error the caller sees: the route answers 202 with pending().
    return Status::invalidState("the signature waits for the external key");
  }

  Result<workflow::DocumentVersion> issue(storage::Database&, const workflow::DocumentRecord&,
                                          const workflow::DocumentVersion&, int, int, int,
                                          const workflow::Act&) override {
    return Status::invalidArgument("issue is not signed with an external key");
  }

  const std::optional<storage::PendingSignature>& pending() const { return pending_; }

 private:
  ApiServices& services_;
  SigningInput input_;
  std::optional<storage::PendingSignature> pending_;
};

// Step 2 inside the sign action's transaction: the prepared PDF with the signature value in it
// becomes the new version, and the entry is marked completed in the same transaction.
class ExternalSignatureCompleter final : public VersionProducer {
 public:
  ExternalSignatureCompleter(ApiServices& services, storage::PendingSignature pending,
                             signing::ExternalSignatureValue value, int64_t now)
      : services_(services), pending_(std::move(pending)), value_(std::move(value)), now_(now) {}

  Result<workflow::DocumentVersion> sign(storage::Database& database,
                                         const workflow::DocumentRecord& document,
                                         const workflow::DocumentVersion& latest,
                                         const workflow::Act& act) override {
    if (document.revision != pending_.documentRevision || latest.number != pending_.versionNumber) {
      return Status(ErrorCode::Conflict,
                    "document " + document.id + " changed since the signature was prepared (at " +
                        "revision " + std::to_string(pending_.documentRevision) +
                        "); prepare it again");
    }
    if (act.actorId != pending_.userId) {
      return Status::notFound("no pending signature " + pending_.id + " of yours");
    }
    auto reference = externalKey(database, pending_.keyId, act.actorId);
    if (!reference) return reference.status();
    auto levels = services_.signing.levelServices();
    if (!levels) return levels.status();
    if (auto marked =
            storage::SqlPendingSignatureRepository(database).markCompleted(pending_.id, now_);
        !marked) {
      return marked.code() == ErrorCode::InvalidState
                 ? Status(ErrorCode::Conflict, marked.message())
                 : marked;
    }
    try {
      StepFiles work(services_.config.dataDir);
      signing::PreparedSignature prepared =
          signing::PreparedSignature::deserialize(pending_.prepared);
      prepared.workFile = work.next(".pdf");
      copyBlob(services_, pending_.workBlobHash, prepared.workFile);
      fs::path output = work.next(".pdf");
      auto services = levels.value();
      signing::completeLeaderSignature(prepared, value_, output, services_.signing.level(),
                                       services);
      // What the signature appended to the version it was prepared over.
      std::ifstream tail(output, std::ios::binary);
      tail.seekg(static_cast<std::streamoff>(latest.size));
      storage::BlobInfo blob = services_.withBlobs(
          [&](storage::BlobStore& blobs) { return blobs.putTail(latest.blobHash, tail); });
      workflow::DocumentVersion version;
      version.documentId = latest.documentId;
      version.blobHash = blob.hash;
      version.parentNumber = latest.number;
      version.kind = "signature";
      version.actor = act.actorId;
      version.onBehalfOf = act.onBehalfOfId;
      version.reason = act.comment;
      version.size = static_cast<int64_t>(blob.size);
      version.createdAt = isoTime(act.at);
      return version;
    } catch (const Error& e) {
      return Status(e.code(),
                    "completing the signature of document " + document.id + ": " + e.what());
    }
  }

  Result<workflow::DocumentVersion> issue(storage::Database&, const workflow::DocumentRecord&,
                                          const workflow::DocumentVersion&, int, int, int,
                                          const workflow::Act&) override {
    return Status::invalidState("pending signature " + pending_.id + " completes a sign action");
  }

 private:
  ApiServices& services_;
  storage::PendingSignature pending_;
  signing::ExternalSignatureValue value_;
  int64_t now_;
};

Object pendingJson(const storage::PendingSignature& pending) {
  auto prepared = signing::PreparedSignature::deserialize(pending.prepared);
  Object json;
  json.set("pending_id", pending.id);
  json.set("document_id", pending.documentId);
  json.set("action", pending.action);
  json.set("key_id", pending.keyId);
  json.set("document_revision", pending.documentRevision);
  json.set("version", pending.versionNumber);
  json.set("digest_algorithm", std::string(signing::digestAlgorithmName(prepared.digest)));
  json.set("to_be_signed_digest", base64(prepared.toBeSignedDigest));
  json.set("to_be_signed_digest_hex", hex(prepared.toBeSignedDigest));
  json.set("signed_attributes", base64(prepared.signedAttributes));
  json.set("content_digest", base64(prepared.contentDigest));
  json.set("certificate", prepared.certificatePem);
  json.set("created_at", isoTime(pending.createdAt));
  json.set("expires_at", isoTime(pending.expiresAt));
  return json;
}

void stamp(OutgoingActionRequest& request) {
  Poco::Timestamp now;
  request.now = static_cast<int64_t>(now.epochTime());
  request.nowIso = Poco::DateTimeFormatter::format(now, "%Y-%m-%dT%H:%M:%S.%iZ");
}

}  // namespace

void registerExternalSigningRoutes(Router& router, ApiServices& services) {
  router.addSchema("PendingSignature", kPendingSignatureSchema);
  router.add(
      {"GET",
       "/api/v1/documents/{id}/pending-signatures/{pending_id}",
       Access::anyUser(),
       {"A signature prepared for the caller's external key (sign with an external "
        "key_id): the digest to sign, the certificate expected, when it expires. Only "
        "the user who prepared it sees it; it goes on the document with the action "
        "complete_signature",
        "documents",
        "",
        200,
        "PendingSignature",
        {},
        {404, 410}}},
      [&services](RequestContext& context) {
        const auto& principal = *context.principal;
        const std::string& documentId = context.pathParameters["id"];
        const std::string& pendingId = context.pathParameters["pending_id"];
        auto pending = services.withDatabase([&](storage::Database& database) {
          return storage::SqlPendingSignatureRepository(database).find(pendingId);
        });
        if (!pending || pending->userId != principal.userId || pending->documentId != documentId) {
          return sendProblem(context, Status::notFound("no pending signature " + pendingId +
                                                       " of yours on document " + documentId));
        }
        Poco::Timestamp now;
        if (pending->completedAt == 0 &&
            pending->expiresAt <= static_cast<int64_t>(now.epochTime())) {
          return sendProblem(context, Status(ErrorCode::Expired, "pending signature " +
                                                                     pending->id + " expired at " +
                                                                     isoTime(pending->expiresAt)));
        }
        Object json = pendingJson(*pending);
        json.set("completed", pending->completedAt != 0);
        sendJson(context, 200, json);
      });
}

bool usesExternalKey(ApiServices& services, const SigningInput& input, const std::string& userId) {
  if (input.keyId.empty()) return false;
  return services.withDatabase([&](storage::Database& database) {
    auto reference = storage::SqlDirectoryRepository(database).findKeyReference(input.keyId);
    return reference && reference->userId == userId &&
           reference->source == workflow::KeySource::External;
  });
}

void prepareExternalSignature(ApiServices& services, RequestContext& context,
                              OutgoingActionRequest request, const SigningInput& input) {
  if (!input.password.empty()) {
    return sendProblem(
        context, Status::invalidArgument("field 'password' does not go with an external key: its "
                                         "holder signs the digest"));
  }
  ExternalSignaturePreparer preparer(services, input);
  request.producer = &preparer;
  auto outcome = services.withDatabase(
      [&](storage::Database& database) { return OutgoingFlowService(database).apply(request); });
  if (!preparer.pending()) {
    return sendProblem(
        context, outcome ? Status(ErrorCode::Internal, "nothing was prepared") : outcome.status());
  }
  const auto& pending = *preparer.pending();
  auto stored = services.withDatabase([&](storage::Database& database) {
    storage::SqlPendingSignatureRepository repository(database);
    repository.removeExpired(request.now - kPendingSignatureRetention.count());
    return repository.add(pending);
  });
  if (!stored) return sendProblem(context, stored);
  services.log.info("signature_prepared", {{"request_id", context.requestId},
                                           {"document_id", pending.documentId},
                                           {"user_id", pending.userId},
                                           {"pending_id", pending.id},
                                           {"key_id", pending.keyId}});
  context.response.set(
      "Location", "/api/v1/documents/" + pending.documentId + "/pending-signatures/" + pending.id);
  sendJson(context, 202, pendingJson(pending));
}

void completeExternalSignature(ApiServices& services, RequestContext& context, const Object& body) {
  const auto& principal = *context.principal;
  const std::string documentId = context.pathParameters["id"];
  for (const auto& [name, ignored] : body) {
    if (name != "action" && name != "comment" && kExternalSigningFields.count(name) == 0) {
      return sendProblem(context, Status::invalidArgument("field '" + name +
                                                          "' does not go with complete_signature"));
    }
  }
  auto pendingId = requiredString(body, "pending_id", 64);
  if (!pendingId) return sendProblem(context, pendingId.status());
  auto comment = optionalString(body, "comment", 2000);
  if (!comment) return sendProblem(context, comment.status());
  auto valueText = optionalString(body, "signature_value", 16 * 1024);
  if (!valueText) return sendProblem(context, valueText.status());
  auto cmsText = optionalString(body, "cms", 48 * 1024);
  if (!cmsText) return sendProblem(context, cmsText.status());
  if (valueText.value().empty() == cmsText.value().empty()) {
    return sendProblem(context, Status::invalidArgument(
                                    "give exactly one of 'signature_value' (base64, the raw "
                                    "signature over to_be_signed_digest) and 'cms' (base64 DER)"));
  }
  signing::ExternalSignatureValue value;
  if (!valueText.value().empty()) {
    auto bytes = unbase64(valueText.value(), "signature_value");
    if (!bytes) return sendProblem(context, bytes.status());
    value.signatureValue = bytes.value();
  } else {
    auto bytes = unbase64(cmsText.value(), "cms");
    if (!bytes) return sendProblem(context, bytes.status());
    value.cms = bytes.value();
  }
  auto expected = expectedRevision(context);
  if (!expected) return sendProblem(context, expected.status());

  OutgoingActionRequest request;
  request.documentId = documentId;
  request.expectedRevision = expected.value();
  request.action.kind = workflow::OutgoingActionKind::Sign;
  request.action.reason = comment.value();
  request.caller = viewerOf(principal);
  request.clientAddress = context.request.clientAddress().host().toString();
  stamp(request);

  // Whose and which entry it is, and whether it can still be completed, before the action.
  auto pending = services.withDatabase([&](storage::Database& database) {
    return storage::SqlPendingSignatureRepository(database).find(pendingId.value());
  });
  if (!pending || pending->userId != principal.userId || pending->documentId != documentId) {
    return sendProblem(context, Status::notFound("no pending signature " + pendingId.value() +
                                                 " of yours on document " + documentId));
  }
  if (pending->completedAt != 0) {
    return sendProblem(context, Status(ErrorCode::Conflict, "pending signature " + pending->id +
                                                                " was completed already"));
  }
  if (pending->expiresAt <= request.now) {
    return sendProblem(
        context, Status(ErrorCode::Expired, "pending signature " + pending->id + " expired at " +
                                                isoTime(pending->expiresAt) + "; sign again"));
  }

  ExternalSignatureCompleter completer(services, *pending, value, request.now);
  request.producer = &completer;
  auto outcome = services.withDatabase(
      [&](storage::Database& database) { return OutgoingFlowService(database).apply(request); });
  if (!outcome) return sendProblem(context, outcome.status());
  services.log.info("document_action", {{"request_id", context.requestId},
                                        {"document_id", request.documentId},
                                        {"user_id", principal.userId},
                                        {"action", outcome.value().act.act.action},
                                        {"pending_id", pending->id}});
  Object result;
  result.set("document", documentJson(outcome.value().document));
  result.set("act", actJson(outcome.value().act));
  context.response.set("ETag", documentTag(outcome.value().document));
  sendJson(context, 200, result);
}

}  // namespace vanthu::api
