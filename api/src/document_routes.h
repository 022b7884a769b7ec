#pragma once

#include <Poco/JSON/Object.h>

#include <filesystem>

#include "api_services.h"
#include "router.h"
#include "vanthu/signing/verification_report.h"
#include "vanthu/workflow/documents.h"

namespace vanthu::api {

/// Documents and their versions (list, read, upload, metadata changes, content) and the public
/// verification of a PDF (issue 6, points 2 and 4). Who sees what: workflow/document_access.h.
void registerDocumentRoutes(Router& router, ApiServices& services);

/// A document as the API shows it (the Document schema).
Poco::JSON::Object::Ptr documentJson(const workflow::DocumentRecord& document);
/// Its entity tag: the revision, quoted.
std::string documentTag(const workflow::DocumentRecord& document);
/// The tag of a representation that also depends on `variant` (the single-document GET: the
/// caller's allowed actions): "<revision>.<digest of variant>". expectedRevision() reads its
/// revision.
std::string documentTag(const workflow::DocumentRecord& document, const std::string& variant);
/// The revision an If-Match names: PreconditionRequired (428) when there is none,
/// PreconditionFailed (412) when it names no revision.
Result<int64_t> expectedRevision(const RequestContext& context);
/// Validates the signatures of `pdf` as POST /api/v1/verify does (the isolated vanthu-verify
/// worker when installed beside the server, in process otherwise) against the data directory's
/// trust anchors, and counts the verdict in the metrics.
signing::FileReport verifyPdf(ApiServices& services, const std::filesystem::path& pdf,
                              const std::string& requestId);

}  // namespace vanthu::api
