#pragma once

#include <podofo/podofo.h>

#include <set>
#include <string>
#include <vector>

#include "vanthu/signing/signature_appearance.h"

namespace vanthu::signing::detail {

/// Draws `appearance` into a new form XObject of `width` × `height` points in `doc` and returns
/// it (owned by `doc`). Throws vanthu::Error: InvalidArgument for text the font cannot show or a
/// box too small, IoFailure for a missing image or font.
PoDoFo::PdfObject* buildAppearance(PoDoFo::PdfMemDocument& doc,
                                   const SignatureAppearance& appearance, double width,
                                   double height, const std::string& isoTime);

struct TextFieldLook {
  std::string text;
  double width = 0;
  double height = 0;
};

/// The appearances of filled text fields: each text centred in its box, in Liberation Serif at
/// `fontSize` (shrunk to fit), inside the /Tx marked content viewers expect. All glyphs are
/// checked before anything is drawn.
std::vector<PoDoFo::PdfObject*> buildTextFieldAppearances(
    PoDoFo::PdfMemDocument& doc, const std::vector<TextFieldLook>& fields, double fontSize,
    const std::filesystem::path& fontDirectory);

/// PoDoFo tags every subset font "AAAAAA+", "BAAAAA+", ... in every file, so two signatures
/// carry two different fonts under one name (standards/podofo-0.9.8.md P5). Gives the subset
/// fonts among `created` random tags, the same one across a font's dictionaries.
void randomiseSubsetTags(PoDoFo::PdfMemDocument& doc,
                         const std::set<PoDoFo::PdfReference>& created);

}  // namespace vanthu::signing::detail
