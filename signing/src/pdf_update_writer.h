#pragma once

// Our incremental-update writer (DESIGN §6). PoDoFo builds and serialises objects; this class
// decides which bytes are appended after the last revision: the changed objects, then a
// cross-reference section of the same form as the previous one (an xref stream after an xref
// stream, a classic table after a classic table) with /Prev, /Size, /Root, /Info, /ID and
// /Encrypt carried over. Earlier bytes are never touched.

#include <podofo/podofo.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

namespace vanthu::signing::detail {

/// What the end of a PDF file says about its last revision.
struct RevisionFacts {
  uint64_t fileSize = 0;
  uint64_t startXref = 0;    ///< offset of the last cross-reference section
  bool xrefStream = false;   ///< the last section is a cross-reference stream
  bool endsWithEol = false;  ///< the file ends with CR or LF
  /// Where "%PDF-" starts. Offsets inside the PDF count from here: some producers put bytes
  /// before the header, and readers then take every offset relative to it.
  uint64_t headerOffset = 0;
  bool mentionsEncrypt = false;  ///< the last trailer names an /Encrypt dictionary
  /// /Root, /Info, /ID and /Encrypt exactly as the last trailer (or xref stream dictionary)
  /// writes them. Taken from the file, not from PoDoFo, which invents an /Info on loading.
  std::string carriedTrailerKeys;
  int64_t trailerSize = 0;  ///< /Size of the last trailer
};

/// Reads the tail of `file`. Throws vanthu::Error(InvalidPdf) when there is no startxref/%%EOF
/// or it points at neither an xref table nor an xref stream object.
RevisionFacts readRevisionFacts(const std::filesystem::path& file);

class UpdateWriter {
 public:
  explicit UpdateWriter(const RevisionFacts& facts);

  /// Appends `object` as PoDoFo serialises it ("N G obj ... endobj").
  void add(const PoDoFo::PdfObject& object);
  /// Appends an object whose dictionary text we write ourselves (the signature dictionary, so
  /// that the offsets of /ByteRange and /Contents are known). Returns the absolute file offset
  /// at which `body` starts.
  uint64_t addRaw(const PoDoFo::PdfReference& reference, const std::string& body);
  /// Appends the cross-reference section and trailer; `size` is the highest object number + 1.
  /// Returns the complete update bytes.
  const std::string& finish(int64_t size);

  /// The absolute offset the next appended byte will have.
  uint64_t nextOffset() const { return facts_.fileSize + bytes_.size(); }
  /// The same position as the PDF's own offsets count it (from the header).
  uint64_t pdfOffset() const { return nextOffset() - facts_.headerOffset; }
  const std::string& bytes() const { return bytes_; }

 private:
  void finishClassic(const std::string& trailerKeys, int64_t size);
  void finishStream(const std::string& trailerKeys, int64_t size);

  RevisionFacts facts_;
  std::string bytes_;
  std::map<uint32_t, std::pair<uint16_t, uint64_t>> offsets_;  // object -> (generation, offset)
};

}  // namespace vanthu::signing::detail
