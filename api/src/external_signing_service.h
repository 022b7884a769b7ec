#pragma once

// External signing through the actions route (DESIGN §6, keys "external"): the leader's key is
// on a USB token at their desk or with a remote signing service, never on the server. Two steps:
//
//  1. `sign` with an external key reference: the server runs the sign action's checks (state,
//     role, If-Match) and prepares the PDF exactly as a normal sign would (Decree 30 appearance,
//     P=2 certification, the empty number/date and seal fields), then rolls everything back: the
//     document does not change. The prepared state is kept (table pending_signatures, the work
//     file in the blob store) and the answer is 202 with the digest to sign, the signed
//     attributes, the certificate expected, and when the offer expires.
//  2. `complete_signature {pending_id, signature_value | cms}` with If-Match: the value must
//     verify with that certificate over that digest (422 signature_mismatch otherwise); the
//     entry must be the caller's and this document's (404), not expired (410 expired), not
//     completed (409 conflict), and the document must not have moved on since (409 conflict).
//     Then it is the normal sign act, in one transaction: new version, status, act, one audit
//     entry, and the entry marked completed.
//
// Expired entries are removed a day after they expire; their work blobs then go with the next
// blob collection.

#include <Poco/JSON/Object.h>

#include <chrono>
#include <set>
#include <string>

#include "api_services.h"
#include "official_documents.h"
#include "outgoing_flow_service.h"
#include "router.h"
#include "vanthu/storage/sql_pending_signature_repository.h"

namespace vanthu::api {

/// How long a prepared external signature waits for its signature value.
inline constexpr std::chrono::seconds kPendingSignatureLifetime{15 * 60};
/// How long an expired or completed entry is kept (to answer 410/409 instead of 404).
inline constexpr std::chrono::seconds kPendingSignatureRetention{
    storage::kPendingSignatureRetentionSeconds};

/// The action of step 2, and the fields it takes besides action and comment.
inline constexpr const char* kCompleteSignatureAction = "complete_signature";
inline const std::set<std::string> kExternalSigningFields = {"pending_id", "signature_value",
                                                             "cms"};

/// The PendingSignature schema (the 202 answer of sign with an external key) and
/// GET /api/v1/documents/{id}/pending-signatures/{pending_id}.
void registerExternalSigningRoutes(Router& router, ApiServices& services);

/// True when `input.keyId` names an external key reference of `userId`; step 1 then goes
/// through prepareExternalSignature instead of the normal sign.
bool usesExternalKey(ApiServices& services, const SigningInput& input, const std::string& userId);

/// Step 1: `request` is the sign action as the route read it (no producer). Answers 202 with the
/// pending signature, or the problem.
void prepareExternalSignature(ApiServices& services, RequestContext& context,
                              OutgoingActionRequest request, const SigningInput& input);

/// Step 2: the action complete_signature. Answers 200 as any action does, or the problem.
void completeExternalSignature(ApiServices& services, RequestContext& context,
                               const Poco::JSON::Object& body);

}  // namespace vanthu::api
