#pragma once

// What a PDF's form says about signatures, read without changing the file: its page count and
// its signature fields (signed or empty), so that the next signer's placement and kind can be
// chosen before signing (an empty field a drafted document already has; an approval signature
// instead of a certification when the document is signed already).

#include <filesystem>
#include <string>
#include <vector>

#include "vanthu/signing/pdf_signer.h"

namespace vanthu::signing {

struct SignatureFieldInfo {
  std::string name;            ///< the fully qualified field name
  int page = 0;                ///< 1-based page of its widget; 0 when the widget names no page
  PdfRect rectangle;           ///< the widget's /Rect (all zero for an invisible signature)
  bool signedAlready = false;  ///< it has a /V
};

struct PdfFormInfo {
  int pageCount = 0;
  std::vector<SignatureFieldInfo> signatureFields;  ///< in the order of the form's /Fields
};

/// Reads `pdf`'s pages and signature fields. Throws vanthu::Error: InvalidPdf (unreadable,
/// encrypted), IoFailure.
PdfFormInfo readPdfForm(const std::filesystem::path& pdf);

/// True when some signature field of `form` is signed.
bool hasSignatures(const PdfFormInfo& form);

}  // namespace vanthu::signing
