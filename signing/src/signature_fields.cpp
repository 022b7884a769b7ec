#include "vanthu/signing/signature_fields.h"

#include <algorithm>

#include "podofo_support.h"

namespace vanthu::signing {
namespace {

using namespace PoDoFo;

PdfObject* resolved(PdfMemDocument& doc, PdfObject* object) {
  if (object != nullptr && object->IsReference()) {
    return doc.GetObjects().GetObject(object->GetReference());
  }
  return object;
}

std::string partialName(const PdfObject& field) {
  const PdfObject* name = field.GetDictionary().GetKey(PdfName("T"));
  return name != nullptr && name->IsString() ? name->GetString().GetStringUtf8() : std::string();
}

struct Walk {
  PdfMemDocument& doc;
  std::vector<PdfReference> pages;
  std::vector<SignatureFieldInfo> out;

  int pageOf(const PdfObject& widget) const {
    const PdfObject* page = widget.GetDictionary().GetKey(PdfName("P"));
    if (page == nullptr || !page->IsReference()) return 0;
    auto at = std::find(pages.begin(), pages.end(), page->GetReference());
    return at == pages.end() ? 0 : static_cast<int>(at - pages.begin()) + 1;
  }

  // Depth first over /Fields and /Kids; a field's type may be inherited from its parent.
  void fields(PdfObject* array, const std::string& prefix, bool inheritedSignature, int depth) {
    array = resolved(doc, array);
    if (array == nullptr || !array->IsArray() || depth > 32) return;
    for (auto& entry : array->GetArray()) {
      PdfObject* field = resolved(doc, &entry);
      if (field == nullptr || !field->IsDictionary()) continue;
      const PdfObject* type = field->GetDictionary().GetKey(PdfName("FT"));
      bool signature = type != nullptr && type->IsName() ? type->GetName() == PdfName("Sig")
                                                         : inheritedSignature;
      std::string name = partialName(*field);
      std::string qualified = prefix.empty() ? name : name.empty() ? prefix : prefix + "." + name;
      PdfObject* kids = resolved(doc, field->GetDictionary().GetKey(PdfName("Kids")));
      bool fieldKids = false;
      if (kids != nullptr && kids->IsArray()) {
        for (auto& kid : kids->GetArray()) {
          PdfObject* k = resolved(doc, &kid);
          if (k != nullptr && k->IsDictionary() && k->GetDictionary().HasKey(PdfName("T"))) {
            fieldKids = true;
          }
        }
      }
      if (fieldKids) {
        fields(kids, qualified, signature, depth + 1);
        continue;
      }
      if (!signature) continue;
      SignatureFieldInfo info;
      info.name = qualified;
      info.signedAlready = field->GetDictionary().HasKey(PdfName("V"));
      // The widget: the field itself, or its first kid.
      PdfObject* widget = field;
      if (kids != nullptr && kids->IsArray() && !kids->GetArray().empty()) {
        PdfObject* first = resolved(doc, &kids->GetArray()[0]);
        if (first != nullptr && first->IsDictionary()) widget = first;
      }
      const PdfObject* rect = resolved(doc, widget->GetDictionary().GetKey(PdfName("Rect")));
      if (rect != nullptr && rect->IsArray() && rect->GetArray().size() == 4) {
        PoDoFo::PdfRect box(rect->GetArray());
        info.rectangle = {box.GetLeft(), box.GetBottom(), box.GetWidth(), box.GetHeight()};
      }
      info.page = pageOf(*widget);
      out.push_back(std::move(info));
    }
  }
};

}  // namespace

PdfFormInfo readPdfForm(const std::filesystem::path& pdf) {
  detail::quietPodofo();
  PdfFormInfo form;
  try {
    PdfMemDocument doc;
    doc.Load(pdf.c_str());
    if (doc.GetEncrypted()) {
      throw Error(ErrorCode::InvalidPdf,
                  pdf.string() + " is encrypted; decrypt it first (qpdf --decrypt)");
    }
    Walk walk{doc, {}, {}};
    form.pageCount = doc.GetPageCount();
    for (int i = 0; i < form.pageCount; ++i) {
      PdfPage* page = doc.GetPage(i);
      if (page == nullptr || page->GetObject() == nullptr) {
        throw Error(ErrorCode::InvalidPdf, pdf.string() + ": page " + std::to_string(i + 1) +
                                               " cannot be read; the page tree is damaged");
      }
      walk.pages.push_back(page->GetObject()->Reference());
    }
    PdfObject* acroForm =
        resolved(doc, doc.GetCatalog()->GetDictionary().GetKey(PdfName("AcroForm")));
    if (acroForm != nullptr && acroForm->IsDictionary()) {
      walk.fields(acroForm->GetDictionary().GetKey(PdfName("Fields")), "", false, 0);
    }
    form.signatureFields = std::move(walk.out);
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "reading the form of " + pdf.string());
  }
  return form;
}

bool hasSignatures(const PdfFormInfo& form) {
  return std::any_of(form.signatureFields.begin(), form.signatureFields.end(),
                     [](const SignatureFieldInfo& field) { return field.signedAlready; });
}

}  // namespace vanthu::signing
