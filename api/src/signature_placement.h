#pragma once

// Where the leader's visible signature goes (DESIGN §2 level 4, "sign {key, placement}"), in
// this order: the rectangle the sign request names (on the request's page); else the sign
// level's placement in the document's template version (its page counted from the end when
// negative); else the empty signature field the drafted PDF already has for the leader (the
// first unsigned signature field other than the seal's); else the signer block of the one-page
// Decree 30 layout the demo documents use (x 334, y 175, 150 x 90 pt, on the request's page).

#include <optional>
#include <string>

#include "official_documents.h"
#include "vanthu/signing/pdf_signer.h"
#include "vanthu/signing/signature_fields.h"
#include "vanthu/storage/database.h"
#include "vanthu/workflow/templates.h"

namespace vanthu::api {

/// The last resort: the demo layout's signer block.
inline constexpr signing::PdfRect kDefaultSignatureBox{334, 175, 150, 90};

enum class PlacementSource : uint8_t { Request, Template, DocumentField, Default };

struct LeaderPlacement {
  PlacementSource source = PlacementSource::Default;
  int page = 1;                              ///< 1-based
  signing::PdfRect rectangle;                ///< the box (for DocumentField: the field's own)
  std::optional<std::string> existingField;  ///< DocumentField: the field to sign into
};

/// The placement by the order above. InvalidArgument when the template's page is not in the
/// document (its page count is `form.pageCount`).
Result<LeaderPlacement> chooseLeaderPlacement(
    const SigningInput& input, const std::optional<workflow::SignaturePlacement>& fromTemplate,
    const signing::PdfFormInfo& form);

/// The sign level's placement in the template version `documentId`'s flow follows; none when the
/// document has no flow or the level has no placement. Reads through `database`.
std::optional<workflow::SignaturePlacement> templatePlacement(storage::Database& database,
                                                              const std::string& documentId);

}  // namespace vanthu::api
