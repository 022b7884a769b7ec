#pragma once

// The PDFs of the sign and issue actions (DESIGN §2 levels 4-5): the leader's certifying
// signature with the Decree 30 appearance, and the issued document with its number, date and the
// organisation's seal signature. Keys are the key references of the directory: a PKCS#12 file
// in the data directory opened with the password given with the action (never stored), or a
// PKCS#11 token with its PIN. What goes on the page comes from the directory: the signer's
// position in capitals (with "KT." and the leader's position when a deputy signs for the leader),
// the full name, the signature image images/signatures/<username>.png, the seal image
// images/seals/<organisation code>.png and the organisation's name.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "api_services.h"
#include "outgoing_flow_service.h"
#include "vanthu/signing/official_signing.h"
#include "vanthu/signing/pdf_signer.h"

namespace vanthu::api {

/// What the caller sends with sign or issue.
struct SigningInput {
  std::string keyId;     ///< a key reference: the signer's own (sign) or the organisation's (issue)
  std::string password;  ///< PKCS#12 password or PKCS#11 PIN; used once, never stored or logged
  int page = 1;          ///< sign: where the visible signature goes
  /// sign: the signature box; absent: the template's, the PDF's own empty field, or the demo
  /// layout's signer block, in that order (signature_placement.h).
  std::optional<signing::PdfRect> rectangle;
};

/// The leader's signature request for `act` (the appearance from the directory, the box, the
/// time, the server's level): what sign puts on the page, whoever holds the key.
Result<signing::LeaderSigningRequest> leaderSigningRequest(ApiServices& services,
                                                           storage::Database& database,
                                                           const workflow::Act& act);

/// Where the leader's signature goes on `pdf` (the document's current PDF): the request's
/// rectangle, else the template's placement, else the PDF's own empty signature field, else the
/// default box; written into `request`. InvalidArgument for a template page the PDF lacks.
Status placeLeaderSignature(storage::Database& database, const std::string& documentId,
                            const SigningInput& input, const std::filesystem::path& pdf,
                            signing::LeaderSigningRequest& request);

/// The certificates the data directory holds for completing chains: DIR/pki/ca/*.pem (the
/// intermediates) and DIR/pki/roots/*.pem. Unreadable files are skipped.
std::vector<signing::Certificate> issuerCertificates(const std::filesystem::path& dataDir);

class OfficialDocumentProducer final : public VersionProducer {
 public:
  OfficialDocumentProducer(ApiServices& services, SigningInput input)
      : services_(services), input_(std::move(input)) {}

  Result<workflow::DocumentVersion> sign(storage::Database& database,
                                         const workflow::DocumentRecord& document,
                                         const workflow::DocumentVersion& latest,
                                         const workflow::Act& act) override;
  Result<workflow::DocumentVersion> issue(storage::Database& database,
                                          const workflow::DocumentRecord& document,
                                          const workflow::DocumentVersion& latest, int year,
                                          int month, int day, const workflow::Act& act) override;
  /// The approver's invisible approval signature (signing::signApproval).
  Result<workflow::DocumentVersion> approve(storage::Database& database,
                                            const workflow::DocumentRecord& document,
                                            const workflow::DocumentVersion& latest,
                                            const workflow::Act& act) override;

 private:
  ApiServices& services_;
  SigningInput input_;
};

}  // namespace vanthu::api
