#include "vanthu/signing/pdf_signer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "appearance_builder.h"
#include "openssl_bytes.h"
#include "openssl_error.h"
#include "pdf_update.h"
#include "podofo_support.h"
#include "vanthu/signing/page_text.h"
#include "vanthu/signing/resumable_sha256.h"

namespace vanthu::signing {
namespace fs = std::filesystem;
using namespace PoDoFo;

namespace {

constexpr const char* kByteRangePlaceholder = "0000000000 0000000000 0000000000";

// PDF date in Vietnam time (UTC+07:00), as the appearance shows it.
std::string pdfDate(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when) + 7 * 3600;
  std::tm local{};
  gmtime_r(&t, &local);
  char text[40];
  std::strftime(text, sizeof text, "D:%Y%m%d%H%M%S+07'00'", &local);
  return text;
}

// PDFDocEncoding for plain ASCII names, UTF-16BE for anything else.
PdfString textString(const std::string& utf8) {
  bool ascii = true;
  for (unsigned char c : utf8) ascii = ascii && c >= 0x20 && c < 0x7F;
  return ascii ? PdfString(utf8) : PdfString(reinterpret_cast<const pdf_utf8*>(utf8.c_str()));
}

// A PDF text string: PoDoFo picks PDFDocEncoding or UTF-16BE with a BOM as the text needs.
std::string pdfTextString(const std::string& utf8) {
  PdfString value = textString(utf8);
  std::string out;
  PdfVariant(value).ToString(out, ePdfWriteMode_Compact);
  return out;
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

std::string unhex(const std::string& text) {
  if (text.size() % 2 != 0) throw Error(ErrorCode::InvalidArgument, "odd-length hex string");
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw Error(ErrorCode::InvalidArgument, "not a hex digit");
  };
  std::string out;
  for (size_t i = 0; i < text.size(); i += 2) {
    out.push_back(static_cast<char>(value(text[i]) * 16 + value(text[i + 1])));
  }
  return out;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

int docMdpPermission(CertificationLevel level) {
  switch (level) {
    case CertificationLevel::NoChanges:
      return 1;
    case CertificationLevel::FormFilling:
      return 2;
    case CertificationLevel::Annotations:
      return 3;
    default:
      return 0;
  }
}

// PoDoFo returns null for a page its tree walk cannot reach (a damaged /Pages tree).
PdfPage* pageOf(PdfMemDocument& doc, int index, const fs::path& input) {
  PdfPage* page = index >= 0 && index < doc.GetPageCount() ? doc.GetPage(index) : nullptr;
  if (page == nullptr || page->GetObject() == nullptr || !page->GetObject()->IsDictionary()) {
    throw Error(ErrorCode::InvalidPdf, input.string() + ": page " + std::to_string(index + 1) +
                                           " cannot be read; the page tree is damaged");
  }
  return page;
}

// --- reading the document's form --------------------------------------------------------------

std::string fieldName(const PdfObject& field) {
  const PdfObject* name = field.GetDictionary().GetKey(PdfName("T"));
  return name != nullptr && name->IsString() ? name->GetString().GetStringUtf8() : std::string();
}

bool isSignatureField(PdfMemDocument& doc, PdfObject* field) {
  for (PdfObject* node = field; node != nullptr && node->IsDictionary();) {
    const PdfObject* type = node->GetDictionary().GetKey(PdfName("FT"));
    if (type != nullptr && type->IsName()) return type->GetName() == PdfName("Sig");
    PdfObject* parent = node->GetDictionary().GetKey(PdfName("Parent"));
    node = parent != nullptr && parent->IsReference()
               ? doc.GetObjects().GetObject(parent->GetReference())
               : nullptr;
  }
  return false;
}

// Every terminal field, depth first, with the indirect references that hold it.
void collectFields(PdfMemDocument& doc, PdfObject* fields, std::vector<PdfObject*>& out,
                   int depth = 0) {
  if (fields == nullptr || !fields->IsArray() || depth > 32) return;
  for (auto& entry : fields->GetArray()) {
    PdfObject* field =
        entry.IsReference() ? doc.GetObjects().GetObject(entry.GetReference()) : nullptr;
    if (field == nullptr || !field->IsDictionary()) continue;
    PdfObject* kids = field->GetDictionary().GetKey(PdfName("Kids"));
    if (kids != nullptr && kids->IsReference())
      kids = doc.GetObjects().GetObject(kids->GetReference());
    bool hasFieldKids = false;
    if (kids != nullptr && kids->IsArray()) {
      for (auto& kid : kids->GetArray()) {
        PdfObject* k = kid.IsReference() ? doc.GetObjects().GetObject(kid.GetReference()) : nullptr;
        if (k != nullptr && k->IsDictionary() && k->GetDictionary().HasKey(PdfName("T"))) {
          hasFieldKids = true;
        }
      }
    }
    if (hasFieldKids) {
      collectFields(doc, kids, out, depth + 1);
    } else {
      out.push_back(field);
    }
  }
}

// --- the signature ------------------------------------------------------------------------------

struct SignatureDictionary {
  std::string body;
  size_t byteRangeAt = 0;  // offset of the placeholder numbers inside body
  size_t contentsAt = 0;   // offset of '<' inside body
};

SignatureDictionary buildSignatureDictionary(const SignatureRequest& request) {
  SignatureDictionary dictionary;
  std::string& b = dictionary.body;
  if (request.format == SignatureFormat::DocumentTimestamp) {
    // ETSI EN 319 142-1 §5.4: a document time-stamp carries its time in the token only.
    b = "<</Type/DocTimeStamp/Filter/Adobe.PPKLite/SubFilter/ETSI.RFC3161/ByteRange[0 ";
    dictionary.byteRangeAt = b.size();
    b += kByteRangePlaceholder;
    b += "]/Contents";
    dictionary.contentsAt = b.size();
    b += "<" + std::string(request.reservedCmsBytes * 2, '0') + ">>>";
    return dictionary;
  }
  b = "<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/";
  b += subFilterName(request.format);
  b += "/M" + pdfTextString(pdfDate(request.signingTime));
  if (!request.reason.empty()) b += "/Reason" + pdfTextString(request.reason);
  if (!request.location.empty()) b += "/Location" + pdfTextString(request.location);
  if (!request.contactInfo.empty()) b += "/ContactInfo" + pdfTextString(request.contactInfo);
  if (int p = docMdpPermission(request.certification); p != 0) {
    b += "/Reference[<</Type/SigRef/TransformMethod/DocMDP/TransformParams<</Type/TransformParams/"
         "P " +
         std::to_string(p) + "/V/1.2>>>>]";
  }
  b += "/ByteRange[0 ";
  dictionary.byteRangeAt = b.size();
  b += kByteRangePlaceholder;
  b += "]/Contents";
  dictionary.contentsAt = b.size();
  b += "<" + std::string(request.reservedCmsBytes * 2, '0') + ">>>";
  return dictionary;
}

void fillByteRange(std::string& update, size_t at, const std::vector<uint64_t>& range) {
  std::string numbers =
      std::to_string(range[1]) + " " + std::to_string(range[2]) + " " + std::to_string(range[3]);
  const size_t width = std::string(kByteRangePlaceholder).size();
  if (numbers.size() > width)
    throw Error(ErrorCode::InvalidArgument, "the file is too large to sign");
  numbers.resize(width, ' ');
  update.replace(at, width, numbers);
}

std::string pemOf(const std::vector<Certificate>& certificates) {
  std::string out;
  for (const auto& certificate : certificates) out += certificate.toPem();
  return out;
}

void writeAt(const fs::path& file, uint64_t offset, const std::string& bytes) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::IoFailure, "cannot open " + file.string() + " to finish it");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        ::pwrite(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
    if (n <= 0) {
      ::close(fd);
      throw Error(ErrorCode::IoFailure, "cannot write the signature into " + file.string());
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    throw Error(ErrorCode::IoFailure, "cannot flush " + file.string());
  }
}

void embed(const PreparedSignature& prepared, const std::string& cmsDer, const fs::path& output) {
  std::string encoded = hex(cmsDer);
  if (encoded.size() > prepared.contentsLength) {
    throw Error(ErrorCode::InvalidArgument,
                "the signature needs " + std::to_string(cmsDer.size()) + " bytes but only " +
                    std::to_string(prepared.contentsLength / 2) +
                    " were reserved; sign again with a larger reservation");
  }
  writeAt(prepared.workFile, prepared.contentsOffset - prepared.workFileBase, encoded);
  std::error_code error;
  fs::rename(prepared.workFile, output, error);
  if (error) {
    throw Error(ErrorCode::IoFailure,
                "cannot move the signed file to " + output.string() + ": " + error.message());
  }
}

}  // namespace

namespace {

// Phase one for any signature dictionary (a CMS signature or a document time-stamp): the update
// with the placeholder, written to `workFile`, and the digest of the ByteRange bytes.
PreparedSignature prepareUpdate(const fs::path& input, const fs::path& workFile,
                                const SignatureRequest& request) {
  if (request.reservedCmsBytes < 1024 || request.reservedCmsBytes > 1024 * 1024) {
    throw Error(ErrorCode::InvalidArgument, "the CMS reservation must be 1 KiB to 1 MiB");
  }
  detail::PdfUpdate update(input);
  const detail::RevisionFacts& facts = update.facts();
  PdfMemDocument& doc = update.doc();
  try {
    PdfVecObjects& objects = update.objects();
    PdfReference catalogRef = update.catalogReference();
    PdfObject* catalog = update.catalog();

    // The AcroForm: found, or made and hung on the catalog.
    detail::Located acroForm = update.resolve(catalog, catalogRef, "AcroForm");
    if (acroForm.value == nullptr) {
      PdfObject* created = objects.CreateObject(PdfDictionary());
      created->GetDictionary().AddKey(PdfName("Fields"), PdfArray());
      catalog->GetDictionary().AddKey(PdfName("AcroForm"), created->Reference());
      update.touch(catalogRef);
      acroForm = {created, created->Reference()};
    }
    detail::Located fields = update.resolve(acroForm.value, acroForm.owner, "Fields");
    if (fields.value == nullptr || !fields.value->IsArray()) {
      acroForm.value->GetDictionary().AddKey(PdfName("Fields"), PdfArray());
      update.touch(acroForm.owner);
      fields = {acroForm.value->GetDictionary().GetKey(PdfName("Fields")), acroForm.owner};
    }

    // What is signed already decides what may be added.
    std::vector<PdfObject*> allFields;
    collectFields(doc, fields.value, allFields);
    int signatureFields = 0;
    bool anySigned = false;
    std::set<std::string> names;
    for (PdfObject* field : allFields) {
      names.insert(fieldName(*field));
      if (!isSignatureField(doc, field)) continue;
      ++signatureFields;
      if (field->GetDictionary().HasKey(PdfName("V"))) anySigned = true;
    }
    detail::Located perms = update.resolve(catalog, catalogRef, "Perms");
    if (perms.value != nullptr && perms.value->IsDictionary() &&
        perms.value->GetDictionary().HasKey(PdfName("DocMDP"))) {
      if (request.certification != CertificationLevel::None) {
        throw Error(ErrorCode::InvalidState,
                    "the document is certified already; only one "
                    "certification signature is allowed");
      }
      PdfObject* mdp = perms.value->GetIndirectKey(PdfName("DocMDP"));
      int existingP = 2;
      if (mdp != nullptr && mdp->IsDictionary()) {
        const PdfObject* reference = mdp->GetDictionary().GetKey(PdfName("Reference"));
        if (reference != nullptr && reference->IsArray()) {
          for (const auto& item : reference->GetArray()) {
            if (!item.IsDictionary()) continue;
            const PdfObject* params = item.GetDictionary().GetKey(PdfName("TransformParams"));
            if (params != nullptr && params->IsDictionary()) {
              existingP = static_cast<int>(params->GetDictionary().GetKeyAsLong(PdfName("P"), 2));
            }
          }
        }
      }
      // DocMDP P=1 still allows document time-stamps and DSS updates (ISO 32000-2 §12.8.2.2).
      if (existingP == 1 && request.format != SignatureFormat::DocumentTimestamp) {
        throw Error(ErrorCode::InvalidState,
                    "the document is certified with no changes allowed (DocMDP P=1); it cannot "
                    "be signed again");
      }
    }
    if (request.certification != CertificationLevel::None && anySigned) {
      throw Error(ErrorCode::InvalidState,
                  "a certification signature must be the first signature; the document is "
                  "signed already");
    }

    const std::string isoTime = appearanceTime(request.signingTime);
    PdfObject* signatureDictionary = objects.CreateObject(PdfDictionary());
    PdfReference signatureReference = signatureDictionary->Reference();

    if (request.existingField) {
      PdfObject* target = nullptr;
      for (PdfObject* field : allFields) {
        if (fieldName(*field) == *request.existingField && isSignatureField(doc, field)) {
          target = field;
        }
      }
      if (target == nullptr) {
        throw Error(ErrorCode::NotFound, "no signature field named '" + *request.existingField +
                                             "' in " + input.string());
      }
      if (target->GetDictionary().HasKey(PdfName("V"))) {
        throw Error(ErrorCode::InvalidState,
                    "the signature field '" + *request.existingField + "' is signed already");
      }
      target->GetDictionary().AddKey(PdfName("V"), signatureReference);
      update.touch(target->Reference());
      if (request.appearance) {
        const PdfObject* rect = target->GetDictionary().GetKey(PdfName("Rect"));
        if (rect == nullptr || !rect->IsArray()) {
          throw Error(ErrorCode::InvalidPdf, "the signature field '" + *request.existingField +
                                                 "' has no /Rect to draw into");
        }
        PoDoFo::PdfRect box(rect->GetArray());
        PdfObject* look = detail::buildAppearance(doc, *request.appearance, box.GetWidth(),
                                                  box.GetHeight(), isoTime);
        PdfDictionary ap;
        ap.AddKey(PdfName("N"), look->Reference());
        target->GetDictionary().AddKey(PdfName("AP"), ap);
      }
    } else {
      std::string name = request.fieldName;
      if (name.empty()) {
        for (int n = signatureFields + 1; name.empty() || names.count(name) > 0; ++n) {
          name = "Signature" + std::to_string(n);
        }
      } else if (names.count(name) > 0) {
        throw Error(ErrorCode::AlreadyExists, "a field named '" + name + "' exists already");
      }
      if (doc.GetPageCount() < 1) {
        throw Error(ErrorCode::InvalidPdf, input.string() + " has no pages to sign");
      }
      std::optional<PdfRect> rectangle = request.rectangle;
      if (request.appearance && !rectangle) {
        if (request.appearance->kind != AppearanceKind::Attachment) {
          throw Error(ErrorCode::InvalidArgument,
                      "a visible signature needs a rectangle or an existing field to go in");
        }
        // Top right of page 1, inside a 20 mm right and 15 mm top margin.
        PoDoFo::PdfRect media = pageOf(doc, 0, input)->GetMediaBox();
        rectangle = PdfRect{media.GetLeft() + media.GetWidth() - 56.7 - 230,
                            media.GetBottom() + media.GetHeight() - 42.5 - 42, 230, 42};
      }
      int pageIndex = rectangle ? request.page - 1 : 0;
      if (pageIndex < 0 || pageIndex >= doc.GetPageCount()) {
        throw Error(ErrorCode::InvalidArgument,
                    "page " + std::to_string(request.page) + " does not exist; the document has " +
                        std::to_string(doc.GetPageCount()) + " page(s)");
      }
      PdfObject* pageObject = pageOf(doc, pageIndex, input)->GetObject();
      PoDoFo::PdfRect where;
      if (rectangle) {
        const auto& r = *rectangle;
        where = PoDoFo::PdfRect(r.x, r.y, r.width, r.height);
      }
      PdfObject* widget = objects.CreateObject(PdfDictionary());
      PdfDictionary& w = widget->GetDictionary();
      w.AddKey(PdfName("Type"), PdfName("Annot"));
      w.AddKey(PdfName("Subtype"), PdfName("Widget"));
      w.AddKey(PdfName("FT"), PdfName("Sig"));
      w.AddKey(PdfName("T"), textString(name));
      w.AddKey(PdfName("V"), signatureReference);
      w.AddKey(PdfName("F"), static_cast<pdf_int64>(132));  // Print | Locked
      PdfVariant rect;
      where.ToVariant(rect);
      w.AddKey(PdfName("Rect"), rect);
      w.AddKey(PdfName("P"), pageObject->Reference());
      if (request.appearance) {
        PdfObject* look = detail::buildAppearance(doc, *request.appearance, where.GetWidth(),
                                                  where.GetHeight(), isoTime);
        PdfDictionary ap;
        ap.AddKey(PdfName("N"), look->Reference());
        w.AddKey(PdfName("AP"), ap);
      }
      detail::Located annots = update.resolve(pageObject, pageObject->Reference(), "Annots");
      if (annots.value == nullptr || !annots.value->IsArray()) {
        pageObject->GetDictionary().AddKey(PdfName("Annots"), PdfArray());
        annots = {pageObject->GetDictionary().GetKey(PdfName("Annots")), pageObject->Reference()};
      }
      annots.value->GetArray().push_back(widget->Reference());
      update.touch(annots.owner);
      fields.value->GetArray().push_back(widget->Reference());
      update.touch(fields.owner);
    }

    std::vector<TextFieldSpec> textFields = request.textFields;
    if (request.numberDateFields) {
      NumberDateBlanks blanks = findNumberAndDateBlanks(input, 1);
      if (!blanks.number) {
        throw Error(ErrorCode::InvalidArgument,
                    "no number blank after \"Số:\" on page 1 of " + input.string() +
                        "; give the number field's position with --text-field");
      }
      textFields.push_back({"so", 1, *blanks.number});
      if (blanks.day) textFields.push_back({"ngay", 1, *blanks.day});
      if (blanks.month) textFields.push_back({"thang", 1, *blanks.month});
    }
    for (const auto& spec : textFields) {
      if (names.count(spec.name) > 0 || spec.name.empty() ||
          spec.name.find('.') != std::string::npos) {
        throw Error(ErrorCode::InvalidArgument,
                    "text field name '" + spec.name + "' is empty, has a '.', or exists already");
      }
      if (spec.page < 1 || spec.page > doc.GetPageCount()) {
        throw Error(ErrorCode::InvalidArgument, "text field '" + spec.name + "' is on page " +
                                                    std::to_string(spec.page) +
                                                    ", which does not exist");
      }
      names.insert(spec.name);
      PdfObject* page = pageOf(doc, spec.page - 1, input)->GetObject();
      PdfObject* field = objects.CreateObject(PdfDictionary());
      PdfDictionary& d = field->GetDictionary();
      d.AddKey(PdfName("Type"), PdfName("Annot"));
      d.AddKey(PdfName("Subtype"), PdfName("Widget"));
      d.AddKey(PdfName("FT"), PdfName(spec.signature ? "Sig" : "Tx"));
      d.AddKey(PdfName("T"), textString(spec.name));
      d.AddKey(PdfName("F"), static_cast<pdf_int64>(4));  // Print
      // Default appearance for viewers that regenerate it; our fill always supplies /AP.
      if (!spec.signature) d.AddKey(PdfName("DA"), PdfString("/Helv 0 Tf 0 g"));
      PdfVariant rect;
      PoDoFo::PdfRect(spec.rectangle.x, spec.rectangle.y, spec.rectangle.width,
                      spec.rectangle.height)
          .ToVariant(rect);
      d.AddKey(PdfName("Rect"), rect);
      d.AddKey(PdfName("P"), page->Reference());
      detail::Located annots = update.resolve(page, page->Reference(), "Annots");
      if (annots.value == nullptr || !annots.value->IsArray()) {
        page->GetDictionary().AddKey(PdfName("Annots"), PdfArray());
        annots = {page->GetDictionary().GetKey(PdfName("Annots")), page->Reference()};
      }
      annots.value->GetArray().push_back(field->Reference());
      update.touch(annots.owner);
      fields.value->GetArray().push_back(field->Reference());
      update.touch(fields.owner);
    }
    bool anyTextField = std::any_of(textFields.begin(), textFields.end(),
                                    [](const TextFieldSpec& spec) { return !spec.signature; });
    if (anyTextField && !acroForm.value->GetDictionary().HasKey(PdfName("DR"))) {
      // /DA names /Helv: it must resolve in the form's default resources.
      PdfObject* helvetica = objects.CreateObject(PdfDictionary());
      helvetica->GetDictionary().AddKey(PdfName("Type"), PdfName("Font"));
      helvetica->GetDictionary().AddKey(PdfName("Subtype"), PdfName("Type1"));
      helvetica->GetDictionary().AddKey(PdfName("BaseFont"), PdfName("Helvetica"));
      PdfDictionary fonts;
      fonts.AddKey(PdfName("Helv"), helvetica->Reference());
      PdfDictionary resources;
      resources.AddKey(PdfName("Font"), fonts);
      acroForm.value->GetDictionary().AddKey(PdfName("DR"), resources);
      update.touch(acroForm.owner);
    }

    const PdfObject* sigFlags = acroForm.value->GetDictionary().GetKey(PdfName("SigFlags"));
    if (sigFlags == nullptr || !sigFlags->IsNumber() || (sigFlags->GetNumber() & 3) != 3) {
      acroForm.value->GetDictionary().AddKey(PdfName("SigFlags"), static_cast<pdf_int64>(3));
      update.touch(acroForm.owner);
    }
    if (request.certification != CertificationLevel::None) {
      PdfDictionary permissions;
      if (perms.value != nullptr && perms.value->IsDictionary()) {
        permissions = perms.value->GetDictionary();
      }
      permissions.AddKey(PdfName("DocMDP"), signatureReference);
      if (perms.value != nullptr && perms.owner != catalogRef) {
        perms.value->GetDictionary() = permissions;
        update.touch(perms.owner);
      } else {
        catalog->GetDictionary().AddKey(PdfName("Perms"), permissions);
        update.touch(catalogRef);
      }
    }

    doc.EmbedSubsetFonts();
    detail::randomiseSubsetTags(doc, update.created());

    SignatureDictionary dictionary = buildSignatureDictionary(request);
    uint64_t bodyOffset = 0;
    std::string updateBytes =
        update.serialise(std::make_pair(signatureReference, dictionary.body), &bodyOffset);
    size_t signatureAt = static_cast<size_t>(bodyOffset - facts.fileSize);

    PreparedSignature prepared;
    prepared.workFile = workFile;
    prepared.format = request.format;
    prepared.digest = request.digest;
    prepared.contentsOffset = bodyOffset + dictionary.contentsAt + 1;
    prepared.contentsLength = request.reservedCmsBytes * 2;
    uint64_t total = facts.fileSize + updateBytes.size();
    uint64_t gapStart = prepared.contentsOffset - 1;
    uint64_t gapEnd = prepared.contentsOffset + prepared.contentsLength + 1;
    prepared.byteRange = {0, gapStart, gapEnd, total - gapEnd};
    fillByteRange(updateBytes, signatureAt + dictionary.byteRangeAt, prepared.byteRange);

    // One pass over the input: copy it into the work file and hash it on the way — or, with a
    // saved SHA-256 state of the input, neither hash nor (tail only) copy it at all.
    const bool resume = request.inputSha256State.has_value();
    if (resume && request.digest != DigestAlgorithm::Sha256) {
      throw Error(ErrorCode::InvalidArgument, "a saved hash state can only continue SHA-256");
    }
    ResumableSha256 resumed;
    if (resume) {
      resumed = ResumableSha256::restore(*request.inputSha256State);
      if (resumed.length() != facts.fileSize) {
        throw Error(ErrorCode::InvalidArgument,
                    "the saved hash state covers " + std::to_string(resumed.length()) +
                        " bytes but " + input.string() + " has " + std::to_string(facts.fileSize));
      }
    }
    std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> hash(EVP_MD_CTX_new());
    if (!hash || EVP_DigestInit_ex(hash.get(), detail::evpDigest(request.digest), nullptr) != 1) {
      detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot start hashing");
    }
    auto hashUpdate = [&](const char* data, size_t size) {
      if (resume) {
        resumed.update(data, size);
      } else {
        EVP_DigestUpdate(hash.get(), data, size);
      }
    };
    std::ofstream out(workFile, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + workFile.string());
    if (request.tailOnly) {
      prepared.workFileBase = facts.fileSize;
    }
    if (!request.tailOnly || !resume) {
      std::ifstream in(input, std::ios::binary);
      if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + input.string());
      std::vector<char> buffer(1 << 20);
      uint64_t copied = 0;
      while (copied < facts.fileSize) {
        in.read(buffer.data(), static_cast<std::streamsize>(
                                   std::min<uint64_t>(buffer.size(), facts.fileSize - copied)));
        std::streamsize n = in.gcount();
        if (n <= 0) throw Error(ErrorCode::IoFailure, input.string() + " changed while signing");
        if (!request.tailOnly) out.write(buffer.data(), n);
        if (!resume) hashUpdate(buffer.data(), static_cast<size_t>(n));
        copied += static_cast<uint64_t>(n);
      }
    }
    out.write(updateBytes.data(), static_cast<std::streamsize>(updateBytes.size()));
    out.flush();
    if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + workFile.string());
    out.close();
    size_t gapInUpdate = static_cast<size_t>(gapStart - facts.fileSize);
    size_t afterGapInUpdate = static_cast<size_t>(gapEnd - facts.fileSize);
    hashUpdate(updateBytes.data(), gapInUpdate);
    hashUpdate(updateBytes.data() + afterGapInUpdate, updateBytes.size() - afterGapInUpdate);
    std::string digest;
    if (resume) {
      digest = resumed.digest();
    } else {
      digest.assign(static_cast<size_t>(EVP_MD_get_size(detail::evpDigest(request.digest))), '\0');
      unsigned int digestLength = 0;
      if (EVP_DigestFinal_ex(hash.get(), reinterpret_cast<unsigned char*>(digest.data()),
                             &digestLength) != 1) {
        detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot finish hashing");
      }
    }
    prepared.contentDigest = digest;
    return prepared;
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "preparing the signature of " + input.string());
  }
}

}  // namespace

PreparedSignature prepareSignature(const fs::path& input, const fs::path& workFile,
                                   const SignatureRequest& request, const Certificate& signer,
                                   const std::vector<Certificate>& chain) {
  if (request.format == SignatureFormat::DocumentTimestamp) {
    throw Error(ErrorCode::InvalidArgument, "use timestampPdf for a document time-stamp");
  }
  CmsSignatureBuilder builder(signer, chain, request.digest);
  PreparedSignature prepared = prepareUpdate(input, workFile, request);
  prepared.signedAttributes = builder.signedAttributes(prepared.contentDigest);
  prepared.toBeSignedDigest = computeDigest(request.digest, prepared.signedAttributes);
  prepared.certificatePem = signer.toPem();
  prepared.chainPem = pemOf(chain);
  return prepared;
}

PreparedSignature prepareDocumentTimestamp(const fs::path& input, const fs::path& workFile,
                                           SignatureRequest request) {
  request.format = SignatureFormat::DocumentTimestamp;
  request.certification = CertificationLevel::None;
  request.appearance.reset();
  request.rectangle.reset();
  return prepareUpdate(input, workFile, request);
}

void completeSignature(const PreparedSignature& prepared, const std::string& signatureValue,
                       const fs::path& output) {
  Certificate signer = Certificate::fromPem(prepared.certificatePem);
  std::vector<Certificate> chain = prepared.chainPem.empty()
                                       ? std::vector<Certificate>{}
                                       : Certificate::allFromPem(prepared.chainPem);
  CmsSignatureBuilder builder(signer, chain, prepared.digest);
  embed(prepared, builder.assemble(prepared.contentDigest, signatureValue), output);
}

void completeSignatureWithCms(const PreparedSignature& prepared, const std::string& cmsDer,
                              const fs::path& output) {
  // A CMS made elsewhere must at least be over these bytes: its message-digest attribute has to
  // be our content digest. (The verifier checks the rest.)
  if (cmsDer.find(prepared.contentDigest) == std::string::npos) {
    throw Error(ErrorCode::CryptoFailure,
                "the CMS does not sign this document's bytes (its message digest differs)");
  }
  embed(prepared, cmsDer, output);
}

void fillTextFields(const fs::path& input, const fs::path& output,
                    const std::vector<std::pair<std::string, std::string>>& values, double fontSize,
                    const fs::path& fontDirectory) {
  detail::PdfUpdate update(input);
  std::string bytes;
  try {
    PdfMemDocument& doc = update.doc();
    PdfObject* form = update.catalog()->GetIndirectKey(PdfName("AcroForm"));
    PdfObject* fieldArray = form != nullptr ? form->GetIndirectKey(PdfName("Fields")) : nullptr;
    std::vector<PdfObject*> all;
    collectFields(doc, fieldArray, all);
    std::vector<PdfObject*> targets;
    std::vector<detail::TextFieldLook> looks;
    for (const auto& [name, value] : values) {
      PdfObject* target = nullptr;
      for (PdfObject* field : all) {
        const PdfObject* type = field->GetDictionary().GetKey(PdfName("FT"));
        if (fieldName(*field) == name && type != nullptr && type->IsName() &&
            type->GetName() == PdfName("Tx")) {
          target = field;
        }
      }
      if (target == nullptr) {
        throw Error(ErrorCode::NotFound, "no text field named '" + name + "' in " + input.string());
      }
      const PdfObject* rect = target->GetDictionary().GetKey(PdfName("Rect"));
      if (rect == nullptr || !rect->IsArray()) {
        throw Error(ErrorCode::InvalidPdf, "the text field '" + name + "' has no /Rect");
      }
      PoDoFo::PdfRect box(rect->GetArray());
      targets.push_back(target);
      looks.push_back({value, box.GetWidth(), box.GetHeight()});
    }
    auto appearances = detail::buildTextFieldAppearances(doc, looks, fontSize, fontDirectory);
    for (size_t i = 0; i < targets.size(); ++i) {
      targets[i]->GetDictionary().AddKey(PdfName("V"), textString(normalizeNfc(values[i].second)));
      PdfDictionary ap;
      ap.AddKey(PdfName("N"), appearances[i]->Reference());
      targets[i]->GetDictionary().AddKey(PdfName("AP"), ap);
      update.touch(targets[i]->Reference());
    }
    doc.EmbedSubsetFonts();
    detail::randomiseSubsetTags(doc, update.created());
    bytes = update.serialise(std::nullopt, nullptr);
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "filling the fields of " + input.string());
  }
  detail::writeUpdatedCopy(input, update.facts().fileSize, bytes, output);
}

void signPdf(const fs::path& input, const fs::path& output, const SignatureRequest& request,
             DigestSigner& key) {
  fs::path work = output;
  work += ".partial";
  try {
    PreparedSignature prepared =
        prepareSignature(input, work, request, key.certificate(), key.chain());
    std::string value = key.signDigest(prepared.toBeSignedDigest, prepared.digest);
    completeSignature(prepared, value, output);
  } catch (...) {
    std::error_code ignored;
    fs::remove(work, ignored);
    throw;
  }
}

std::string PreparedSignature::serialize() const {
  std::ostringstream out;
  out << "vanthu-prepared-signature 1\n";
  out << "work-file " << workFile.string() << "\n";
  out << "contents " << contentsOffset << " " << contentsLength << "\n";
  out << "work-file-base " << workFileBase << "\n";
  out << "byte-range " << byteRange.at(0) << " " << byteRange.at(1) << " " << byteRange.at(2) << " "
      << byteRange.at(3) << "\n";
  out << "format " << subFilterName(format) << "\n";
  out << "digest " << digestAlgorithmName(digest) << "\n";
  out << "content-digest " << hex(contentDigest) << "\n";
  out << "signed-attributes " << hex(signedAttributes) << "\n";
  out << "to-be-signed " << hex(toBeSignedDigest) << "\n";
  out << "certificate " << hex(certificatePem) << "\n";
  out << "chain " << hex(chainPem) << "\n";
  return out.str();
}

PreparedSignature PreparedSignature::deserialize(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  if (line != "vanthu-prepared-signature 1") {
    throw Error(ErrorCode::InvalidArgument, "not a prepared signature file");
  }
  PreparedSignature p;
  while (std::getline(in, line)) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    std::string key = line.substr(0, space);
    std::string value = line.substr(space + 1);
    std::istringstream fields(value);
    if (key == "work-file") {
      p.workFile = value;
    } else if (key == "work-file-base") {
      fields >> p.workFileBase;
    } else if (key == "contents") {
      fields >> p.contentsOffset >> p.contentsLength;
    } else if (key == "byte-range") {
      p.byteRange.assign(4, 0);
      fields >> p.byteRange[0] >> p.byteRange[1] >> p.byteRange[2] >> p.byteRange[3];
    } else if (key == "format") {
      p.format = value == "adbe.pkcs7.detached" ? SignatureFormat::Pkcs7Detached
                 : value == "ETSI.RFC3161"      ? SignatureFormat::DocumentTimestamp
                                                : SignatureFormat::PadesCades;
    } else if (key == "digest") {
      p.digest = value == "sha384"   ? DigestAlgorithm::Sha384
                 : value == "sha512" ? DigestAlgorithm::Sha512
                                     : DigestAlgorithm::Sha256;
    } else if (key == "content-digest") {
      p.contentDigest = unhex(value);
    } else if (key == "signed-attributes") {
      p.signedAttributes = unhex(value);
    } else if (key == "to-be-signed") {
      p.toBeSignedDigest = unhex(value);
    } else if (key == "certificate") {
      p.certificatePem = unhex(value);
    } else if (key == "chain") {
      p.chainPem = unhex(value);
    }
  }
  if (p.workFile.empty() || p.contentsLength == 0 || p.byteRange.size() != 4 ||
      p.contentDigest.empty() || p.certificatePem.empty()) {
    throw Error(ErrorCode::InvalidArgument, "the prepared signature file is incomplete");
  }
  return p;
}

}  // namespace vanthu::signing
