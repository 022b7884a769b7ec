#include "signature_placement.h"

#include "vanthu/signing/official_signing.h"
#include "vanthu/storage/sql_flow_repository.h"
#include "vanthu/storage/sql_template_repository.h"

namespace vanthu::api {

Result<LeaderPlacement> chooseLeaderPlacement(
    const SigningInput& input, const std::optional<workflow::SignaturePlacement>& fromTemplate,
    const signing::PdfFormInfo& form) {
  LeaderPlacement placement;
  if (input.rectangle) {
    placement.source = PlacementSource::Request;
    placement.page = input.page;
    placement.rectangle = *input.rectangle;
    return placement;
  }
  if (fromTemplate) {
    int page =
        fromTemplate->page < 0 ? form.pageCount + 1 + fromTemplate->page : fromTemplate->page;
    if (page < 1 || page > form.pageCount) {
      return Status::invalidArgument(
          "the template places the signature on page " + std::to_string(fromTemplate->page) +
          ", which this document of " + std::to_string(form.pageCount) +
          " page(s) does not have; give the rectangle and the page with the sign action");
    }
    placement.source = PlacementSource::Template;
    placement.page = page;
    placement.rectangle = {fromTemplate->x, fromTemplate->y, fromTemplate->width,
                           fromTemplate->height};
    return placement;
  }
  for (const auto& field : form.signatureFields) {
    if (field.signedAlready || field.name == signing::kSealFieldName) continue;
    if (field.rectangle.width <= 0 || field.rectangle.height <= 0) continue;
    placement.source = PlacementSource::DocumentField;
    placement.page = field.page > 0 ? field.page : 1;
    placement.rectangle = field.rectangle;
    placement.existingField = field.name;
    return placement;
  }
  placement.page = input.page;
  placement.rectangle = kDefaultSignatureBox;
  return placement;
}

std::optional<workflow::SignaturePlacement> templatePlacement(storage::Database& database,
                                                              const std::string& documentId) {
  auto flow = storage::SqlFlowRepository(database).findFlow(documentId);
  if (!flow) return std::nullopt;
  auto flowTemplate = storage::SqlTemplateRepository(database).findTemplate(flow->templateId,
                                                                            flow->templateVersion);
  if (!flowTemplate) return std::nullopt;
  for (const auto& level : flowTemplate->levels) {
    if (level.action == workflow::LevelAction::Sign) return level.signaturePlacement;
  }
  return std::nullopt;
}

}  // namespace vanthu::api
