#include "vanthu/signing/long_term_validation.h"

#include <openssl/evp.h>

#include <algorithm>
#include <set>

#include "pdf_update.h"
#include "podofo_support.h"
#include "vanthu/signing/pdf_signer.h"

namespace vanthu::signing {
namespace fs = std::filesystem;
using namespace PoDoFo;

namespace {

std::string sha1(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha1(), nullptr) != 1) {
    throw Error(ErrorCode::CryptoFailure, "SHA-1 failed");
  }
  return std::string(reinterpret_cast<char*>(digest), length);
}

std::string hexUpper(const std::string& bytes) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

// Terminal fields of the AcroForm that carry a /V signature dictionary, with their names.
std::vector<std::pair<std::string, PdfObject*>> signedFields(PdfMemDocument& doc) {
  std::vector<std::pair<std::string, PdfObject*>> found;
  PdfObject* catalog = doc.GetCatalog();
  PdfObject* form = catalog->GetIndirectKey(PdfName("AcroForm"));
  if (form == nullptr || !form->IsDictionary()) return found;
  PdfObject* fields = form->GetIndirectKey(PdfName("Fields"));
  if (fields == nullptr || !fields->IsArray()) return found;
  std::vector<std::pair<std::string, PdfObject*>> stack;
  for (auto& entry : fields->GetArray()) {
    if (entry.IsReference())
      stack.emplace_back("", doc.GetObjects().GetObject(entry.GetReference()));
  }
  std::reverse(stack.begin(), stack.end());
  int guard = 0;
  while (!stack.empty() && ++guard < 100000) {
    auto [prefix, field] = stack.back();
    stack.pop_back();
    if (field == nullptr || !field->IsDictionary()) continue;
    const PdfObject* t = field->GetDictionary().GetKey(PdfName("T"));
    std::string name = t != nullptr && t->IsString() ? t->GetString().GetStringUtf8() : "";
    std::string full = prefix.empty() ? name : (name.empty() ? prefix : prefix + "." + name);
    PdfObject* value = field->GetIndirectKey(PdfName("V"));
    if (value != nullptr && value->IsDictionary() &&
        value->GetDictionary().HasKey(PdfName("Contents"))) {
      found.emplace_back(full, value);
    }
    PdfObject* kids = field->GetIndirectKey(PdfName("Kids"));
    if (kids != nullptr && kids->IsArray()) {
      for (auto it = kids->GetArray().rbegin(); it != kids->GetArray().rend(); ++it) {
        if (it->IsReference()) {
          stack.emplace_back(full, doc.GetObjects().GetObject(it->GetReference()));
        }
      }
    }
  }
  return found;
}

// Appends `blobs` as streams to the DSS array `key`, skipping those already in `known`.
PdfArray streamArray(detail::PdfUpdate& update, const std::vector<std::string>& blobs,
                     std::set<std::string>& known, PdfArray existing) {
  for (const auto& blob : blobs) {
    if (!known.insert(blob).second) continue;
    PdfObject* stream = update.objects().CreateObject(PdfDictionary());
    stream->GetStream()->Set(blob.data(), static_cast<pdf_long>(blob.size()));
    existing.push_back(stream->Reference());
  }
  return existing;
}

// The decoded contents of the streams of an existing DSS array, to avoid duplicates.
void collectExisting(detail::PdfUpdate& update, const PdfObject* array, std::set<std::string>& into,
                     PdfArray& copy) {
  if (array == nullptr || !array->IsArray()) return;
  copy = array->GetArray();
  for (const auto& entry : array->GetArray()) {
    if (!entry.IsReference()) continue;
    PdfObject* stream = update.object(entry.GetReference());
    if (stream == nullptr || !stream->HasStream()) continue;
    char* data = nullptr;
    pdf_long length = 0;
    stream->GetStream()->GetFilteredCopy(&data, &length);
    into.insert(std::string(data, static_cast<size_t>(length)));
    podofo_free(data);
  }
}

}  // namespace

std::vector<std::string> signedFieldNames(const fs::path& pdf) {
  detail::PdfUpdate update(pdf);
  std::vector<std::string> names;
  try {
    for (const auto& [name, value] : signedFields(update.doc())) names.push_back(name);
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "reading the signatures of " + pdf.string());
  }
  return names;
}

void addDocumentSecurityStore(const fs::path& input, const fs::path& output,
                              const ValidationData& data,
                              const std::vector<std::string>& vriFields) {
  detail::PdfUpdate update(input);
  std::string bytes;
  try {
    PdfObject* catalog = update.catalog();
    detail::Located dss = update.resolve(catalog, update.catalogReference(), "DSS");
    PdfDictionary store;
    if (dss.value != nullptr && dss.value->IsDictionary()) store = dss.value->GetDictionary();
    store.AddKey(PdfName("Type"), PdfName("DSS"));

    std::set<std::string> certificates, crls, ocsps;
    PdfArray certArray, crlArray, ocspArray;
    auto existing = [&](const char* key) -> const PdfObject* {
      if (dss.value == nullptr || !dss.value->IsDictionary()) return nullptr;
      return dss.value->GetIndirectKey(PdfName(key));
    };
    collectExisting(update, existing("Certs"), certificates, certArray);
    collectExisting(update, existing("CRLs"), crls, crlArray);
    collectExisting(update, existing("OCSPs"), ocsps, ocspArray);
    // Keep what the arrays held before and add only new material; the VRI lists this
    // signature's own material, old or new.
    certArray = streamArray(update, data.certificates, certificates, certArray);
    crlArray = streamArray(update, data.crls, crls, crlArray);
    ocspArray = streamArray(update, data.ocspResponses, ocsps, ocspArray);
    store.AddKey(PdfName("Certs"), certArray);
    if (!crlArray.empty()) store.AddKey(PdfName("CRLs"), crlArray);
    if (!ocspArray.empty()) store.AddKey(PdfName("OCSPs"), ocspArray);

    if (!vriFields.empty()) {
      PdfDictionary vri;
      if (const PdfObject* old = existing("VRI"); old != nullptr && old->IsDictionary()) {
        vri = old->GetDictionary();
      }
      auto fields = signedFields(update.doc());
      for (const auto& wanted : vriFields) {
        auto found = std::find_if(fields.begin(), fields.end(),
                                  [&](const auto& field) { return field.first == wanted; });
        if (found == fields.end()) {
          throw Error(ErrorCode::NotFound,
                      "no signed field named '" + wanted + "' in " + input.string());
        }
        const PdfObject* contents = found->second->GetDictionary().GetKey(PdfName("Contents"));
        std::string raw(contents->GetString().GetString(), contents->GetString().GetLength());
        // VRI keys: upper-case hex SHA-1 of the /Contents bytes (pyHanko, ETSI EN 319 142-1).
        std::string key = hexUpper(sha1(raw));
        PdfDictionary entry;
        auto refs = [&](const char* dssKey, const std::vector<std::string>& blobs,
                        const PdfArray& array) {
          PdfArray selected;
          for (const auto& item : array) {
            PdfObject* stream = item.IsReference() ? update.object(item.GetReference()) : nullptr;
            if (stream == nullptr || !stream->HasStream()) continue;
            char* bytesOut = nullptr;
            pdf_long length = 0;
            stream->GetStream()->GetFilteredCopy(&bytesOut, &length);
            std::string decoded(bytesOut, static_cast<size_t>(length));
            podofo_free(bytesOut);
            if (std::find(blobs.begin(), blobs.end(), decoded) != blobs.end()) {
              selected.push_back(item);
            }
          }
          if (!selected.empty()) entry.AddKey(PdfName(dssKey), selected);
        };
        refs("Cert", data.certificates, certArray);
        refs("CRL", data.crls, crlArray);
        refs("OCSP", data.ocspResponses, ocspArray);
        vri.AddKey(PdfName(key), entry);
      }
      store.AddKey(PdfName("VRI"), vri);
    }

    if (dss.value != nullptr && dss.owner != update.catalogReference()) {
      dss.value->GetDictionary() = store;
      update.touch(dss.owner);
    } else {
      PdfObject* created = update.objects().CreateObject(store);
      catalog->GetDictionary().AddKey(PdfName("DSS"), created->Reference());
      update.touch(update.catalogReference());
    }
    bytes = update.serialise(std::nullopt, nullptr);
  } catch (const PdfError& e) {
    detail::throwPdfError(e, "adding validation data to " + input.string());
  }
  detail::writeUpdatedCopy(input, update.facts().fileSize, bytes, output);
}

void timestampPdf(const fs::path& input, const fs::path& output, TimeStamper& stamper,
                  DigestAlgorithm digest) {
  fs::path work = output;
  work += ".partial";
  try {
    SignatureRequest request;
    request.format = SignatureFormat::DocumentTimestamp;
    request.digest = digest;
    PreparedSignature prepared = prepareDocumentTimestamp(input, work, request);
    std::string token = stamper.timestampToken(prepared.contentDigest, digest);
    completeSignatureWithCms(prepared, token, output);
  } catch (...) {
    std::error_code ignored;
    fs::remove(work, ignored);
    throw;
  }
}

}  // namespace vanthu::signing
