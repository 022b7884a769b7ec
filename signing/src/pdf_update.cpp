#include "pdf_update.h"

#include <fstream>
#include <vector>

#include "podofo_support.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {
namespace fs = std::filesystem;
using namespace PoDoFo;

PdfUpdate::PdfUpdate(const fs::path& input) : input_(input) {
  quietPodofo();
  facts_ = readRevisionFacts(input);
  if (facts_.carriedTrailerKeys.find("/Encrypt") != std::string::npos) {
    // Refused before PoDoFo parses it: signing encrypted files is not supported, and PoDoFo's
    // decryption paths are where it fails (and leaks) on the files seen so far.
    throw Error(ErrorCode::InvalidPdf, input.string() +
                                           " is encrypted; signing encrypted PDFs is not "
                                           "supported: decrypt it first (qpdf --decrypt)");
  }
  try {
    doc_.Load(input.c_str());
  } catch (const PdfError& e) {
    if (facts_.mentionsEncrypt && e.GetError() != ePdfError_InvalidPassword) {
      throw Error(ErrorCode::InvalidPdf, input.string() +
                                             " is encrypted in a way that cannot be read here; "
                                             "decrypt it first (qpdf --decrypt)");
    }
    throwPdfError(e, "reading " + input.string());
  }
  if (doc_.GetEncrypted()) {
    throw Error(ErrorCode::InvalidPdf, input.string() +
                                           " is encrypted; signing encrypted PDFs is not "
                                           "supported: decrypt it first (qpdf --decrypt)");
  }
  try {
    PdfVecObjects& all = doc_.GetObjects();
    // New objects get new numbers: reusing a freed number in an update confuses validators.
    all.SetCanReuseObjectNumbers(false);
    for (auto it = all.begin(); it != all.end(); ++it) existing_.insert((*it)->Reference());
    const PdfObject* root = doc_.GetTrailer()->GetDictionary().GetKey(PdfName("Root"));
    if (root == nullptr || !root->IsReference() || doc_.GetCatalog() == nullptr) {
      throw Error(ErrorCode::InvalidPdf, input.string() + ": the trailer has no /Root");
    }
    catalogReference_ = root->GetReference();
  } catch (const PdfError& e) {
    throwPdfError(e, "reading " + input.string());
  }
}

Located PdfUpdate::resolve(PdfObject* container, const PdfReference& owner, const char* key) {
  PdfObject* raw = container->GetDictionary().GetKey(PdfName(key));
  if (raw == nullptr) return {};
  if (raw->IsReference()) {
    PdfObject* target = objects().GetObject(raw->GetReference());
    if (target == nullptr) return {};
    return {target, raw->GetReference()};
  }
  return {raw, owner};
}

PdfObject* PdfUpdate::object(const PdfReference& reference) {
  return objects().GetObject(reference);
}

std::set<PdfReference> PdfUpdate::created() {
  std::set<PdfReference> made;
  for (auto it = objects().begin(); it != objects().end(); ++it) {
    if (existing_.count((*it)->Reference()) == 0) made.insert((*it)->Reference());
  }
  return made;
}

std::string PdfUpdate::serialise(const std::optional<std::pair<PdfReference, std::string>>& raw,
                                 uint64_t* rawBodyOffset) {
  doc_.EmbedSubsetFonts();
  UpdateWriter writer(facts_);
  std::set<PdfReference> toWrite = touched_;
  int64_t size = facts_.trailerSize;
  for (auto it = objects().begin(); it != objects().end(); ++it) {
    const PdfReference& reference = (*it)->Reference();
    if (existing_.count(reference) == 0) toWrite.insert(reference);
    size = std::max<int64_t>(size, static_cast<int64_t>(reference.ObjectNumber()) + 1);
  }
  if (raw) toWrite.erase(raw->first);
  for (const auto& reference : toWrite) writer.add(*objects().GetObject(reference));
  if (raw) {
    uint64_t offset = writer.addRaw(raw->first, raw->second);
    if (rawBodyOffset != nullptr) *rawBodyOffset = offset;
  }
  return writer.finish(size);
}

void writeUpdatedCopy(const fs::path& input, uint64_t inputSize, const std::string& update,
                      const fs::path& output) {
  fs::path temporary = output;
  temporary += ".partial";
  try {
    std::ifstream in(input, std::ios::binary);
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + input.string());
    if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + temporary.string());
    std::vector<char> buffer(1 << 20);
    uint64_t copied = 0;
    while (copied < inputSize) {
      in.read(buffer.data(),
              static_cast<std::streamsize>(std::min<uint64_t>(buffer.size(), inputSize - copied)));
      std::streamsize n = in.gcount();
      if (n <= 0) throw Error(ErrorCode::IoFailure, input.string() + " changed while updating");
      out.write(buffer.data(), n);
      copied += static_cast<uint64_t>(n);
    }
    out.write(update.data(), static_cast<std::streamsize>(update.size()));
    out.close();
    if (!out) throw Error(ErrorCode::IoFailure, "cannot write " + temporary.string());
    std::error_code error;
    fs::rename(temporary, output, error);
    if (error) {
      throw Error(ErrorCode::IoFailure,
                  "cannot move the updated file to " + output.string() + ": " + error.message());
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw;
  }
}

}  // namespace vanthu::signing::detail
