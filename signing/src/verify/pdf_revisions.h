#pragma once

// Strict reading of the revisions of a PDF (standards/pdf-signatures.md §4, ISA defence): every
// cross-reference section is found by following startxref and /Prev exactly, never by repair
// or by searching; "%%EOF" markers are counted separately so that bytes no xref accounts for
// show up. RevisionView gives the PoDoFo objects as one revision saw them.

#include <podofo/podofo.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "verify/mapped_file.h"

namespace vanthu::signing::detail {

enum class XrefEntryType : uint8_t { Free, InFile, InObjectStream };

struct XrefEntry {
  XrefEntryType type = XrefEntryType::Free;
  /// InFile: absolute file offset of "N G obj"; InObjectStream: the object stream's number.
  uint64_t offset = 0;
  uint32_t index = 0;       ///< InObjectStream: index inside the object stream
  uint16_t generation = 0;  ///< InFile and Free

  bool operator==(const XrefEntry& other) const {
    return type == other.type && offset == other.offset && index == other.index &&
           generation == other.generation;
  }
  bool operator!=(const XrefEntry& other) const { return !(*this == other); }
};

struct Revision {
  uint64_t xrefOffset = 0;  ///< absolute offset of this revision's xref section
  /// Absolute offset just after this revision's "%%EOF" and the one EOL (CR, LF or CRLF) that
  /// may follow it: where the bytes of the next revision begin.
  uint64_t end = 0;
  /// Absolute offset just after the "%%EOF" itself (end without the EOL).
  uint64_t eofOffset = 0;
  bool xrefStream = false;  ///< the section is an xref stream
  bool hybrid = false;      ///< a classic trailer with /XRefStm
  /// The entries this revision's section defines (a hybrid file's /XRefStm included).
  std::map<uint32_t, XrefEntry> entries;
  int64_t size = 0;  ///< /Size of this revision's trailer
  /// The trailer dictionary (an xref stream's dictionary), as parsed by the strict reader.
  std::shared_ptr<const PoDoFo::PdfObject> trailer;
};

struct RevisionIndex {
  uint64_t headerOffset = 0;         ///< where "%PDF-" starts
  std::vector<Revision> revisions;   ///< oldest first
  std::vector<uint64_t> eofMarkers;  ///< offset just after each "%%EOF" found by scanning
  /// What a strict reader objects to (an %%EOF no xref section accounts for, a /Prev that does
  /// not point at an xref section, bytes after the last %%EOF, ...). Empty for a clean file.
  std::vector<std::string> problems;
  /// Oddities that do not hide bytes (an entry re-using bytes of an earlier revision); the
  /// change analysis judges the objects concerned.
  std::vector<std::string> notes;

  /// The entry of object `number` as revision `revision` (0-based) sees it: its own section,
  /// else the closest earlier one. Empty when no section up to it defines the object.
  std::optional<XrefEntry> lookup(size_t revision, uint32_t number) const;
  /// Object numbers whose entry as seen by `later` differs from the one seen by `earlier`
  /// (including objects `earlier` does not have), ascending.
  std::vector<uint32_t> changedBetween(size_t earlier, size_t later) const;
  /// The 0-based revision whose `end` equals `offset` (allowing the EOL rule above), if any.
  std::optional<size_t> revisionEndingAt(uint64_t offset) const;
};

/// Reads the revision structure of `file`. Throws vanthu::Error(InvalidPdf) when the newest
/// revision cannot be read strictly (no startxref, startxref or /Prev not at an xref section,
/// a /Prev loop, more than 100000 revisions, absurd /Size or /W values); lesser findings go to
/// `problems`.
RevisionIndex readRevisions(const MappedFile& file);

/// Objects parsed once per file and shared by the views of all its revisions: an object whose
/// cross-reference entry is the same in two revisions is the same bytes, so it is parsed once
/// (a file with 25 signatures would otherwise parse each object 25 times).
class ObjectCache;

/// The PoDoFo objects of one revision, loaded on demand through the strict cross-reference
/// index (for an encrypted file, through a PdfParser over the bytes up to its %%EOF, which
/// knows how to decrypt). Read-only use.
class RevisionView {
 public:
  /// Throws vanthu::Error(InvalidPdf) when PoDoFo cannot parse that prefix or an entry does not
  /// point at the object it names; also InvalidPdf ("encrypted ...") when it is encrypted with a
  /// password other than the empty one or with a certificate. `cache`: shared with the other
  /// views of the file.
  RevisionView(const MappedFile& file, const RevisionIndex& index, size_t revision,
               std::shared_ptr<ObjectCache> cache = nullptr);
  ~RevisionView();
  RevisionView(const RevisionView&) = delete;
  RevisionView& operator=(const RevisionView&) = delete;

  size_t revision() const { return revision_; }
  const PoDoFo::PdfObject& trailer() const;
  /// The object, or nullptr when this revision has no such (or a free) object.
  const PoDoFo::PdfObject* object(const PoDoFo::PdfReference& reference) const;
  /// `value` itself, or the object it references (nullptr for a dangling reference).
  const PoDoFo::PdfObject* resolve(const PoDoFo::PdfObject* value) const;
  /// The dictionary under `key` of `dictionary` (references followed), or nullptr.
  const PoDoFo::PdfObject* get(const PoDoFo::PdfObject& dictionary, const char* key) const;
  /// /Root of the trailer, resolved (nullptr if missing).
  const PoDoFo::PdfObject* catalog() const;
  bool encrypted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  size_t revision_;
};

/// Lazily built views, one per revision, shared by the checks of one file.
class RevisionViews {
 public:
  RevisionViews(const MappedFile& file, const RevisionIndex& index);
  ~RevisionViews();
  RevisionView& at(size_t revision);
  const RevisionIndex& index() const { return index_; }
  const MappedFile& file() const { return file_; }

 private:
  const MappedFile& file_;
  const RevisionIndex& index_;
  std::map<size_t, std::unique_ptr<RevisionView>> views_;
  std::shared_ptr<ObjectCache> cache_;
};

}  // namespace vanthu::signing::detail
