#include "official_documents.h"

#include <fstream>
#include <memory>
#include <sstream>
#include <system_error>

#include "authenticator.h"
#include "http_support.h"
#include "signature_placement.h"
#include "vanthu/signing/key_sources.h"
#include "vanthu/signing/official_signing.h"
#include "vanthu/signing/signature_appearance.h"
#include "vanthu/signing/signature_fields.h"
#include "vanthu/storage/sql_attachment_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

namespace fs = std::filesystem;

// Files of one action under DATA/tmp, removed however the action ends.
class WorkFiles {
 public:
  explicit WorkFiles(const fs::path& dataDir) : directory_(dataDir / "tmp") {
    fs::create_directories(directory_);
  }
  ~WorkFiles() {
    std::error_code ignored;
    for (const auto& file : files_) fs::remove(file, ignored);
  }
  WorkFiles(const WorkFiles&) = delete;
  WorkFiles& operator=(const WorkFiles&) = delete;
  fs::path next(const std::string& suffix) {
    files_.push_back(directory_ / ("action-" + randomHex(12) + suffix));
    return files_.back();
  }

 private:
  fs::path directory_;
  std::vector<fs::path> files_;
};

// The key behind a key reference, opened with what the caller gave. The reference must be
// active and belong to `ownerUserId` (a personal key) or `ownerOrganisationId` (a seal key).
Result<std::unique_ptr<signing::DigestSigner>> openKey(storage::Database& database,
                                                       const fs::path& dataDir,
                                                       const SigningInput& input,
                                                       const std::string& ownerUserId,
                                                       const std::string& ownerOrganisationId) {
  if (input.keyId.empty()) {
    return Status::invalidArgument("field 'key_id' is required: the key reference to sign with");
  }
  auto reference = storage::SqlDirectoryRepository(database).findKeyReference(input.keyId);
  bool owned = reference && (ownerUserId.empty() ? reference->organisationId == ownerOrganisationId
                                                 : reference->userId == ownerUserId);
  if (!owned) {
    return Status::notFound("no key " + input.keyId +
                            (ownerUserId.empty() ? " of the organisation" : " of yours"));
  }
  if (!reference->active) {
    return Status::invalidState("key " + input.keyId + " was withdrawn");
  }
  try {
    switch (reference->source) {
      case workflow::KeySource::Pkcs12: {
        if (input.password.empty()) {
          return Status::invalidArgument("field 'password' is required for a PKCS#12 key");
        }
        fs::path file = reference->location;
        if (file.is_relative()) file = dataDir / file;
        return std::unique_ptr<signing::DigestSigner>(
            signing::Pkcs12Signer::open(file, input.password));
      }
      case workflow::KeySource::Pkcs11: {
        if (input.password.empty()) {
          return Status::invalidArgument("field 'password' (the token's PIN) is required");
        }
        signing::Pkcs11Options options;
        options.uri = reference->location;
        options.pin = input.password;
        // The token holds the key and its certificate; the issuers come from the data
        // directory, so that the signature carries the chain as a PKCS#12 key's does.
        options.issuerPool = issuerCertificates(dataDir);
        return std::unique_ptr<signing::DigestSigner>(signing::Pkcs11Signer::open(options));
      }
      case workflow::KeySource::External:
        return Status(ErrorCode::NotImplemented,
                      "key " + input.keyId +
                          " is external: sign with it through POST "
                          "/api/v1/documents/{id}/actions (sign, then complete_signature)");
      case workflow::KeySource::Unknown:
        break;
    }
  } catch (const Error& e) {
    return Status(e.code(), "key " + input.keyId + ": " + e.what());
  }
  return Status(ErrorCode::Internal, "key " + input.keyId + " has an unknown source");
}

// The latest version's bytes in a work file.
Result<fs::path> copyOut(ApiServices& services, const workflow::DocumentVersion& version,
                         WorkFiles& work) {
  fs::path file = work.next(".pdf");
  try {
    services.withBlobs([&](storage::BlobStore& blobs) {
      auto in = blobs.open(version.blobHash);
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << in->rdbuf();
      out.flush();
      if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + file.string());
    });
  } catch (const Error& e) {
    return Status(e.code(), "reading version " + std::to_string(version.number) + ": " + e.what());
  }
  return file;
}

// Stores what `output` appended to `input` as a tail of `parent`, and the version that says so.
Result<workflow::DocumentVersion> storeVersion(ApiServices& services,
                                               const workflow::DocumentVersion& parent,
                                               const fs::path& input, const fs::path& output,
                                               const std::string& kind, const workflow::Act& act) {
  auto base = fs::file_size(input);
  std::ifstream tail(output, std::ios::binary);
  tail.seekg(static_cast<std::streamoff>(base));
  storage::BlobInfo blob = services.withBlobs(
      [&](storage::BlobStore& blobs) { return blobs.putTail(parent.blobHash, tail); });
  workflow::DocumentVersion version;
  version.documentId = parent.documentId;
  version.blobHash = blob.hash;
  version.parentNumber = parent.number;
  version.kind = kind;
  version.actor = act.actorId;
  version.onBehalfOf = act.onBehalfOfId;
  version.reason = act.comment;
  version.size = static_cast<int64_t>(blob.size);
  version.createdAt = isoTime(act.at);
  return version;
}

Status signingFailure(const Error& e, const std::string& what) {
  return Status(e.code(), what + ": " + e.what());
}

}  // namespace

Result<signing::LeaderSigningRequest> leaderSigningRequest(ApiServices& services,
                                                           storage::Database& database,
                                                           const workflow::Act& act) {
  const auto& dataDir = services.config.dataDir;
  storage::SqlDirectoryRepository directory(database);
  auto signer = directory.findUser(act.actorId);
  if (!signer) return Status(ErrorCode::Internal, "user " + act.actorId + " is missing");

  signing::LeaderSigningRequest request;
  request.appearance.kind = signing::AppearanceKind::Signer;
  request.appearance.name = signer->fullName;
  fs::path image = dataDir / "images" / "signatures" / (signer->username + ".png");
  if (fs::exists(image)) request.appearance.image = image;
  try {
    // A deputy signing for the leader: "KT. <the leader's position>" over their own position.
    if (!act.authorityMarker.empty() && !act.onBehalfOfId.empty()) {
      auto leader = directory.findUser(act.onBehalfOfId);
      std::string forWhom = leader ? leader->position : "";
      request.appearance.headingLines.push_back(act.authorityMarker + " " +
                                                signing::upperCaseVietnamese(forWhom));
    }
    if (!signer->position.empty()) {
      request.appearance.headingLines.push_back(signing::upperCaseVietnamese(signer->position));
    }
  } catch (const Error& e) {
    return signingFailure(e, "the signature of " + signer->username);
  }
  request.reason = act.comment.empty() ? "Ký ban hành" : act.comment;
  request.signingTime = std::chrono::system_clock::from_time_t(act.at);
  request.level = services.signing.level();
  return request;
}

Status placeLeaderSignature(storage::Database& database, const std::string& documentId,
                            const SigningInput& input, const fs::path& pdf,
                            signing::LeaderSigningRequest& request) {
  // The PDF's pages and fields matter only when the request names no rectangle.
  signing::PdfFormInfo form;
  if (!input.rectangle) form = signing::readPdfForm(pdf);
  auto placement = chooseLeaderPlacement(input, templatePlacement(database, documentId), form);
  if (!placement) return placement.status();
  request.page = placement.value().page;
  request.rectangle = placement.value().rectangle;
  request.existingField = placement.value().existingField;
  return Status::ok();
}

std::vector<signing::Certificate> issuerCertificates(const fs::path& dataDir) {
  std::vector<signing::Certificate> all;
  for (const char* folder : {"ca", "roots"}) {
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(dataDir / "pki" / folder, error)) {
      if (entry.path().extension() != ".pem") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::ostringstream pem;
      pem << in.rdbuf();
      try {
        auto certificates = signing::Certificate::allFromPem(pem.str());
        all.insert(all.end(), certificates.begin(), certificates.end());
      } catch (const Error&) {
        continue;  // not a certificate file: nothing to complete chains with
      }
    }
  }
  return all;
}

Result<workflow::DocumentVersion> OfficialDocumentProducer::sign(
    storage::Database& database, const workflow::DocumentRecord& document,
    const workflow::DocumentVersion& latest, const workflow::Act& act) {
  const auto& dataDir = services_.config.dataDir;
  // The caller's part first (which key, its password), then the server's (a TSA).
  auto key = openKey(database, dataDir, input_, act.actorId, "");
  if (!key) return key.status();
  auto levels = services_.signing.levelServices();
  if (!levels) return levels.status();
  auto request = leaderSigningRequest(services_, database, act);
  if (!request) return request.status();
  try {
    WorkFiles work(dataDir);
    auto input = copyOut(services_, latest, work);
    if (!input) return input.status();
    if (auto placed =
            placeLeaderSignature(database, document.id, input_, input.value(), request.value());
        !placed) {
      return placed;
    }
    fs::path output = work.next(".pdf");
    auto services = levels.value();
    signing::signAsLeader(input.value(), output, request.value(), *key.value(), services);
    return storeVersion(services_, latest, input.value(), output, "signature", act);
  } catch (const Error& e) {
    return signingFailure(e, "signing document " + document.id);
  }
}

Result<workflow::DocumentVersion> OfficialDocumentProducer::approve(
    storage::Database& database, const workflow::DocumentRecord& document,
    const workflow::DocumentVersion& latest, const workflow::Act& act) {
  if (input_.keyId.empty()) return VersionProducer::approve(database, document, latest, act);
  const auto& dataDir = services_.config.dataDir;
  auto key = openKey(database, dataDir, input_, act.actorId, "");
  if (!key) return key.status();
  auto levels = services_.signing.levelServices();
  if (!levels) return levels.status();
  signing::ApprovalSigningRequest request;
  request.reason = act.comment.empty() ? "Duyệt" : act.comment;
  request.signingTime = std::chrono::system_clock::from_time_t(act.at);
  request.level = services_.signing.level();
  try {
    WorkFiles work(dataDir);
    auto input = copyOut(services_, latest, work);
    if (!input) return input.status();
    fs::path output = work.next(".pdf");
    auto services = levels.value();
    signing::signApproval(input.value(), output, request, *key.value(), services);
    return storeVersion(services_, latest, input.value(), output, "approval", act);
  } catch (const Error& e) {
    return signingFailure(e, "signing the approval of document " + document.id);
  }
}

Result<workflow::DocumentVersion> OfficialDocumentProducer::issue(
    storage::Database& database, const workflow::DocumentRecord& document,
    const workflow::DocumentVersion& latest, int year, int month, int day,
    const workflow::Act& act) {
  const auto& dataDir = services_.config.dataDir;
  auto key = openKey(database, dataDir, input_, "", document.organisationId);
  if (!key) return key.status();
  auto levels = services_.signing.levelServices();
  if (!levels) return levels.status();
  auto organisation =
      storage::SqlDirectoryRepository(database).findOrganisation(document.organisationId);
  if (!organisation) {
    return Status(ErrorCode::Internal, "organisation " + document.organisationId + " is missing");
  }
  signing::IssuanceRequest request;
  request.number = document.registerNumber.value_or(0);
  request.year = year;
  request.month = month;
  request.day = day;
  request.seal.kind = signing::AppearanceKind::Organisation;
  request.seal.name = organisation->name;
  fs::path seal = dataDir / "images" / "seals" / (organisation->code + ".png");
  if (fs::exists(seal)) request.seal.image = seal;
  request.reason = "Phát hành " + document.notation.value_or("");
  request.signingTime = std::chrono::system_clock::from_time_t(act.at);
  request.level = services_.signing.level();
  try {
    WorkFiles work(dataDir);
    auto input = copyOut(services_, latest, work);
    if (!input) return input.status();
    fs::path output = work.next(".pdf");
    auto services = levels.value();
    signing::issueOfficialDocument(input.value(), output, request, *key.value(), services);
    auto version = storeVersion(services_, latest, input.value(), output, "issue", act);
    if (!version) return version;
    // Each attachment, a file of its own, gets the organisation's signature too: Decree 30's
    // attachment appearance, the document's number and the time at the top right of page 1.
    storage::SqlAttachmentRepository attachments(database);
    for (const auto& attachment : attachments.list(document.id)) {
      fs::path in = work.next(".pdf");
      services_.withBlobs([&](storage::BlobStore& blobs) {
        auto content = blobs.open(attachment.blobHash);
        std::ofstream copy(in, std::ios::binary | std::ios::trunc);
        copy << content->rdbuf();
        if (!copy.flush()) throw Error(ErrorCode::IoFailure, "cannot write " + in.string());
      });
      fs::path out = work.next(".pdf");
      signing::SignatureRequest attachmentSeal;
      attachmentSeal.appearance = signing::SignatureAppearance{};
      attachmentSeal.appearance->kind = signing::AppearanceKind::Attachment;
      attachmentSeal.appearance->headingLines = {"Số: " + document.notation.value_or("")};
      attachmentSeal.reason = "Phát hành kèm theo văn bản " + document.notation.value_or("");
      attachmentSeal.signingTime = request.signingTime;
      signing::signPdfAtLevel(in, out, attachmentSeal, *key.value(), request.level, services);
      auto base = fs::file_size(in);
      std::ifstream tail(out, std::ios::binary);
      tail.seekg(static_cast<std::streamoff>(base));
      auto blob = services_.withBlobs(
          [&](storage::BlobStore& blobs) { return blobs.putTail(attachment.blobHash, tail); });
      if (auto recorded = attachments.setSigned(document.id, attachment.number, blob.hash,
                                                static_cast<int64_t>(blob.size));
          !recorded) {
        return recorded;
      }
    }
    return version;
  } catch (const Error& e) {
    return signingFailure(e, "issuing document " + document.id);
  }
}

}  // namespace vanthu::api
