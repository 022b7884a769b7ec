#pragma once

// One incremental update of a PDF: load it with PoDoFo, change objects through this class (it
// remembers what changed), and serialise exactly the changed and new objects with our
// UpdateWriter. Shared by signatures, document time-stamps and DSS updates.

#include <podofo/podofo.h>

#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "pdf_update_writer.h"

namespace vanthu::signing::detail {

/// Where a value lives: an indirect object of its own, or inside a direct container that some
/// indirect object owns. Changing the value means rewriting `owner`.
struct Located {
  PoDoFo::PdfObject* value = nullptr;
  PoDoFo::PdfReference owner;
};

class PdfUpdate {
 public:
  /// Reads the revision facts and loads `input`. Throws vanthu::Error: InvalidPdf (unreadable,
  /// broken cross-references, encrypted), InvalidPassword, IoFailure.
  explicit PdfUpdate(const std::filesystem::path& input);

  PoDoFo::PdfMemDocument& doc() { return doc_; }
  PoDoFo::PdfVecObjects& objects() { return doc_.GetObjects(); }
  const RevisionFacts& facts() const { return facts_; }
  const std::filesystem::path& input() const { return input_; }
  PoDoFo::PdfObject* catalog() { return doc_.GetCatalog(); }
  const PoDoFo::PdfReference& catalogReference() const { return catalogReference_; }

  /// Marks an existing object as changed: it is written again in the update.
  void touch(const PoDoFo::PdfReference& reference) { touched_.insert(reference); }
  /// `key` of `container` (owned by `owner`), following one indirect reference.
  Located resolve(PoDoFo::PdfObject* container, const PoDoFo::PdfReference& owner, const char* key);
  PoDoFo::PdfObject* object(const PoDoFo::PdfReference& reference);
  /// The objects made since loading.
  std::set<PoDoFo::PdfReference> created();

  /// The update: changed and new objects, then `raw` (an object whose text the caller wrote),
  /// then the cross-reference section. `rawBodyOffset` receives the absolute offset of raw's
  /// body. Embeds pending subset fonts first.
  std::string serialise(const std::optional<std::pair<PoDoFo::PdfReference, std::string>>& raw,
                        uint64_t* rawBodyOffset);

 private:
  std::filesystem::path input_;
  RevisionFacts facts_;
  PoDoFo::PdfMemDocument doc_;
  PoDoFo::PdfReference catalogReference_;
  std::set<PoDoFo::PdfReference> existing_;
  std::set<PoDoFo::PdfReference> touched_;
};

/// Writes `input`'s bytes followed by `update` to `output` through a temporary file renamed
/// into place. Throws vanthu::Error(IoFailure).
void writeUpdatedCopy(const std::filesystem::path& input, uint64_t inputSize,
                      const std::string& update, const std::filesystem::path& output);

}  // namespace vanthu::signing::detail
