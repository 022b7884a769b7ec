#include "verify/pdf_revisions.h"

#include <algorithm>
#include <cstring>
#include <istream>
#include <set>
#include <streambuf>
#include <string_view>

#include "podofo_support.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {

namespace {

using namespace PoDoFo;

constexpr size_t kMaxRevisions = 100000;
constexpr int64_t kMaxSize = 10000000;
constexpr int kMaxFieldWidth = 8;
// The final startxref must sit in the tail; the spec says 1024 bytes, writers pad a little.
constexpr uint64_t kTailWindow = 4096;

// A read-only streambuf over bytes that are already in memory (the mapping), so PoDoFo reads
// the file without a copy. Seeking is bounded to the range: a PdfParser over a revision's
// prefix must not see the bytes of later revisions.
class MemoryStreambuf final : public std::streambuf {
 public:
  MemoryStreambuf(const char* data, size_t size) {
    char* begin = const_cast<char*>(data);  // never written: no put area, no putback writes
    setg(begin, begin, begin + size);
  }

 protected:
  pos_type seekoff(off_type offset, std::ios_base::seekdir dir,
                   std::ios_base::openmode which) override {
    if (!(which & std::ios_base::in)) return pos_type(off_type(-1));
    off_type base = 0;
    if (dir == std::ios_base::cur) base = gptr() - eback();
    if (dir == std::ios_base::end) base = egptr() - eback();
    off_type target = base + offset;
    if (target < 0 || target > egptr() - eback()) return pos_type(off_type(-1));
    setg(eback(), eback() + target, egptr());
    return pos_type(target);
  }
  pos_type seekpos(pos_type position, std::ios_base::openmode which) override {
    return seekoff(off_type(position), std::ios_base::beg, which);
  }
};

// The PoDoFo reading machinery over a byte range, kept together because the parser objects
// hold the device, which points at the istream, which points at the streambuf.
struct MemoryDevice {
  MemoryStreambuf buffer;
  std::istream stream;
  PdfRefCountedInputDevice device;
  MemoryDevice(const char* data, size_t size)
      : buffer(data, size), stream(&buffer), device(new PdfInputDevice(&stream)) {}
};

bool isWhite(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

[[noreturn]] void invalid(const std::string& message) {
  throw Error(ErrorCode::InvalidPdf, message);
}

std::string at(uint64_t offset) {
  return "offset " + std::to_string(offset);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  char peek(uint64_t pos) const { return pos < bytes_.size() ? bytes_[pos] : '\0'; }
  bool startsWith(uint64_t pos, std::string_view text) const {
    return pos <= bytes_.size() && bytes_.substr(pos, text.size()) == text;
  }
  uint64_t skipWhite(uint64_t pos) const {
    while (pos < bytes_.size() && isWhite(bytes_[pos])) ++pos;
    return pos;
  }
  /// Digits at `pos` (at most 20), or nullopt; `pos` moves past them.
  std::optional<uint64_t> number(uint64_t& pos) const {
    uint64_t value = 0;
    uint64_t start = pos;
    while (pos < bytes_.size() && isDigit(bytes_[pos]) && pos - start < 19) {
      value = value * 10 + static_cast<uint64_t>(bytes_[pos] - '0');
      ++pos;
    }
    if (pos == start || (pos < bytes_.size() && isDigit(bytes_[pos]))) return std::nullopt;
    return value;
  }
  std::string_view bytes() const { return bytes_; }

 private:
  std::string_view bytes_;
};

// One cross-reference section as read from the file (before it is turned into a revision).
struct Section {
  uint64_t offset = 0;
  bool xrefStream = false;
  bool hybrid = false;
  std::map<uint32_t, XrefEntry> entries;
  int64_t size = 0;
  std::optional<uint64_t> prev;  // absolute
  uint64_t searchFrom = 0;       // where its startxref / %%EOF may begin
  uint64_t eofOffset = 0;        // just after its "%%EOF"
  uint64_t end = 0;
  bool unpointed = false;  // no "startxref" names this section (a problem unless linearized)
  std::shared_ptr<const PdfObject> trailer;
};

int64_t sizeOf(const PdfDictionary& trailer, uint64_t offset) {
  const PdfObject* size = trailer.GetKey("Size");
  if (size == nullptr || !size->IsNumber()) {
    invalid("the trailer at " + at(offset) + " has no /Size");
  }
  int64_t value = size->GetNumber();
  if (value < 0 || value > kMaxSize) {
    invalid("implausible /Size " + std::to_string(value) + " in the trailer at " + at(offset));
  }
  return value;
}

std::optional<uint64_t> offsetKey(const PdfDictionary& trailer, const char* key,
                                  uint64_t headerOffset, uint64_t offset) {
  const PdfObject* value = trailer.GetKey(key);
  if (value == nullptr) return std::nullopt;
  if (!value->IsNumber() || value->GetNumber() < 0) {
    invalid(std::string("/") + key + " of the trailer at " + at(offset) + " is not an offset");
  }
  return headerOffset + static_cast<uint64_t>(value->GetNumber());
}

class RevisionReader {
 public:
  RevisionReader(const MappedFile& file, uint64_t headerOffset)
      : file_(file),
        reader_(file.bytes()),
        headerOffset_(headerOffset),
        memory_(file.data(), static_cast<size_t>(file.size())) {}

  Section read(uint64_t offset) {
    if (offset >= file_.size()) {
      invalid("a cross-reference offset (" + std::to_string(offset) + ") is beyond the file end");
    }
    // Some producers (node-signpdf, some Java libraries) point at the end-of-line before the
    // section. Skipping white space there is reading, not repair: nothing is searched for.
    offset = reader_.skipWhite(offset);
    if (reader_.startsWith(offset, "xref") && isWhite(reader_.peek(offset + 4))) {
      return classic(offset);
    }
    uint64_t pos = offset;
    if (reader_.number(pos) && isWhite(reader_.peek(pos))) {
      pos = reader_.skipWhite(pos);
      if (reader_.number(pos) && isWhite(reader_.peek(pos))) {
        pos = reader_.skipWhite(pos);
        if (reader_.startsWith(pos, "obj")) return stream(offset);
      }
    }
    invalid("no cross-reference section at " + at(offset) +
            " (startxref or /Prev points elsewhere)");
  }

 private:
  PdfVariant parseValue(uint64_t pos) {
    PdfRefCountedBuffer scratch(4096);  // PoDoFo's token buffer size
    PdfTokenizer tokenizer(memory_.device, scratch);
    memory_.stream.clear();
    memory_.device.Device()->Seek(static_cast<std::streamoff>(pos));
    PdfVariant value;
    tokenizer.GetNextVariant(value, nullptr);
    return value;
  }

  Section classic(uint64_t offset) {
    Section section;
    section.offset = offset;
    uint64_t pos = offset + 4;
    const std::string_view bytes = reader_.bytes();
    while (true) {
      pos = reader_.skipWhite(pos);
      if (reader_.startsWith(pos, "trailer")) break;
      auto first = reader_.number(pos);
      if (!first || reader_.peek(pos) != ' ') {
        invalid("malformed cross-reference subsection header at " + at(pos));
      }
      while (reader_.peek(pos) == ' ') ++pos;
      auto count = reader_.number(pos);
      if (!count) invalid("malformed cross-reference subsection header at " + at(pos));
      if (*first + *count > static_cast<uint64_t>(kMaxSize)) {
        invalid("implausible cross-reference subsection " + std::to_string(*first) + " " +
                std::to_string(*count) + " at " + at(pos));
      }
      while (reader_.peek(pos) == ' ') ++pos;
      if (reader_.peek(pos) != '\r' && reader_.peek(pos) != '\n') {
        invalid("malformed cross-reference subsection header at " + at(pos));
      }
      pos = reader_.skipWhite(pos);
      for (uint64_t i = 0; i < *count; ++i) {
        // "oooooooooo ggggg n" and an EOL: 20 bytes by the spec, 19 or 21 in the wild.
        if (pos + 18 > bytes.size()) invalid("cross-reference table cut short at " + at(pos));
        uint64_t p = pos;
        auto value = reader_.number(p);
        bool ok = value && p == pos + 10 && reader_.peek(p) == ' ';
        uint64_t g = p + 1;
        auto generation = ok ? reader_.number(g) : std::nullopt;
        ok = ok && generation && g == pos + 16 && reader_.peek(g) == ' ' && *generation <= 65535;
        char type = reader_.peek(pos + 17);
        ok = ok && (type == 'n' || type == 'f');
        if (!ok) invalid("malformed cross-reference entry at " + at(pos));
        pos += 18;
        uint64_t eol = 0;
        while (eol < 3 && isWhite(reader_.peek(pos))) ++pos, ++eol;
        if (eol == 0) invalid("malformed cross-reference entry at " + at(pos - 18));
        XrefEntry entry;
        entry.generation = static_cast<uint16_t>(*generation);
        if (type == 'n') {
          entry.type = XrefEntryType::InFile;
          entry.offset = headerOffset_ + *value;
        } else {
          entry.type = XrefEntryType::Free;
          entry.offset = *value;
        }
        section.entries[static_cast<uint32_t>(*first + i)] = entry;
      }
    }
    uint64_t dictionaryAt = pos + 7;
    PdfVariant trailer = parseValue(dictionaryAt);
    if (!trailer.IsDictionary()) invalid("no trailer dictionary at " + at(dictionaryAt));
    section.searchFrom = static_cast<uint64_t>(memory_.device.Device()->Tell());
    const PdfDictionary& dictionary = trailer.GetDictionary();
    section.trailer = std::make_shared<PdfObject>(dictionary);
    section.size = sizeOf(dictionary, offset);
    section.prev = offsetKey(dictionary, "Prev", headerOffset_, offset);
    if (auto xrefStm = offsetKey(dictionary, "XRefStm", headerOffset_, offset)) {
      // ISO 32000-1 §7.5.8.4: the hidden stream's entries belong to this revision, and the
      // table's own entries take precedence.
      Section hidden = read(*xrefStm);
      if (!hidden.xrefStream) invalid("/XRefStm at " + at(offset) + " is not an xref stream");
      section.hybrid = true;
      for (auto& [number, entry] : hidden.entries) section.entries.emplace(number, entry);
    }
    return section;
  }

  Section stream(uint64_t offset) {
    Section section;
    section.offset = offset;
    section.xrefStream = true;
    PdfVecObjects scratchObjects;
    scratchObjects.SetAutoDelete(true);
    PdfRefCountedBuffer scratch(4096);  // PoDoFo's token buffer size
    memory_.stream.clear();
    PdfParserObject object(&scratchObjects, memory_.device, scratch, static_cast<pdf_long>(offset));
    object.SetLoadOnDemand(false);
    object.ParseFile(nullptr);
    if (!object.IsDictionary() || !object.HasStream()) {
      invalid("the object at " + at(offset) + " is not a cross-reference stream");
    }
    const PdfDictionary& dictionary = object.GetDictionary();
    const PdfObject* type = dictionary.GetKey("Type");
    if (type == nullptr || !type->IsName() || type->GetName() != PdfName("XRef")) {
      invalid("the object at " + at(offset) + " is not a cross-reference stream (/Type /XRef)");
    }
    section.trailer = std::make_shared<PdfObject>(dictionary);
    section.size = sizeOf(dictionary, offset);
    section.prev = offsetKey(dictionary, "Prev", headerOffset_, offset);

    const PdfObject* widths = dictionary.GetKey("W");
    if (widths == nullptr || !widths->IsArray() || widths->GetArray().size() != 3) {
      invalid("the cross-reference stream at " + at(offset) + " has no valid /W");
    }
    int w[3];
    for (int i = 0; i < 3; ++i) {
      const PdfObject& width = widths->GetArray()[static_cast<size_t>(i)];
      if (!width.IsNumber() || width.GetNumber() < 0 || width.GetNumber() > kMaxFieldWidth) {
        invalid("implausible /W in the cross-reference stream at " + at(offset));
      }
      w[i] = static_cast<int>(width.GetNumber());
    }
    std::vector<std::pair<int64_t, int64_t>> ranges;
    if (const PdfObject* index = dictionary.GetKey("Index")) {
      if (!index->IsArray() || index->GetArray().size() % 2 != 0) {
        invalid("malformed /Index in the cross-reference stream at " + at(offset));
      }
      const PdfArray& array = index->GetArray();
      for (size_t i = 0; i < array.size(); i += 2) {
        if (!array[i].IsNumber() || !array[i + 1].IsNumber() || array[i].GetNumber() < 0 ||
            array[i + 1].GetNumber() < 0 ||
            array[i].GetNumber() + array[i + 1].GetNumber() > kMaxSize) {
          invalid("implausible /Index in the cross-reference stream at " + at(offset));
        }
        ranges.emplace_back(array[i].GetNumber(), array[i + 1].GetNumber());
      }
    } else {
      ranges.emplace_back(0, section.size);
    }

    char* raw = nullptr;
    pdf_long length = 0;
    object.GetStream()->GetFilteredCopy(&raw, &length);
    std::unique_ptr<char, decltype(&podofo_free)> data(raw, &podofo_free);
    const auto* p = reinterpret_cast<const unsigned char*>(data.get());
    const size_t rowWidth = static_cast<size_t>(w[0] + w[1] + w[2]);
    size_t row = 0;
    auto field = [&](size_t start, int width) {
      uint64_t value = 0;
      for (int i = 0; i < width; ++i) value = (value << 8) | p[start + static_cast<size_t>(i)];
      return value;
    };
    for (const auto& [first, count] : ranges) {
      for (int64_t i = 0; i < count; ++i, ++row) {
        size_t start = row * rowWidth;
        if (start + rowWidth > static_cast<size_t>(length)) {
          invalid("the cross-reference stream at " + at(offset) + " is shorter than its /Index");
        }
        uint64_t kind = w[0] == 0 ? 1 : field(start, w[0]);
        uint64_t second = field(start + static_cast<size_t>(w[0]), w[1]);
        uint64_t third = field(start + static_cast<size_t>(w[0] + w[1]), w[2]);
        XrefEntry entry;
        if (kind == 0) {
          entry.type = XrefEntryType::Free;
          entry.offset = second;
          entry.generation = static_cast<uint16_t>(third);
        } else if (kind == 1) {
          entry.type = XrefEntryType::InFile;
          entry.offset = headerOffset_ + second;
          entry.generation = static_cast<uint16_t>(third);
        } else if (kind == 2) {
          entry.type = XrefEntryType::InObjectStream;
          entry.offset = second;
          entry.index = static_cast<uint32_t>(third);
        } else {
          continue;  // ISO 32000-1 table 18: other types are references to the null object
        }
        section.entries[static_cast<uint32_t>(first + i)] = entry;
      }
    }
    section.searchFrom = offset;
    return section;
  }

  const MappedFile& file_;
  Reader reader_;
  uint64_t headerOffset_;
  MemoryDevice memory_;
};

// Where the revision of `section` ends: just after the first "%%EOF" that follows the
// "startxref" pointing at the section, and one EOL.
void findEnd(const Reader& reader, uint64_t headerOffset, Section& section,
             std::vector<std::string>& problems) {
  std::string_view bytes = reader.bytes();
  const uint64_t relative = section.offset - headerOffset;
  uint64_t from = section.searchFrom;
  uint64_t eof = std::string_view::npos;
  while (true) {
    uint64_t found = bytes.find("startxref", from);
    if (found == std::string_view::npos) break;
    uint64_t pos = reader.skipWhite(found + 9);
    auto value = reader.number(pos);
    if (value && *value == relative) {
      eof = bytes.find("%%EOF", pos);
      if (eof != std::string_view::npos && reader.skipWhite(pos) != eof) {
        problems.push_back("unexpected bytes between startxref and %%EOF at " + at(pos));
      }
      break;
    }
    from = found + 9;
  }
  if (eof == std::string_view::npos) {
    eof = bytes.find("%%EOF", section.searchFrom);
    if (eof == std::string_view::npos) {
      invalid("no %%EOF after the cross-reference section at " + at(section.offset));
    }
    section.unpointed = true;
  }
  section.eofOffset = eof + 5;
  uint64_t end = section.eofOffset;
  if (reader.peek(end) == '\r' && end < bytes.size()) ++end;
  if (reader.peek(end) == '\n' && end < bytes.size()) ++end;
  section.end = end;
}

bool isLinearized(std::string_view bytes, uint64_t headerOffset) {
  // The linearization dictionary must be the first object (ISO 32000-1 annex F.2).
  std::string_view head = bytes.substr(headerOffset, 1024);
  auto obj = head.find(" obj");
  auto endobj = head.find("endobj");
  auto key = head.find("/Linearized");
  return obj != std::string_view::npos && key != std::string_view::npos && key > obj &&
         (endobj == std::string_view::npos || key < endobj);
}

}  // namespace

std::optional<XrefEntry> RevisionIndex::lookup(size_t revision, uint32_t number) const {
  if (revisions.empty()) return std::nullopt;
  for (size_t k = std::min(revision, revisions.size() - 1) + 1; k-- > 0;) {
    auto found = revisions[k].entries.find(number);
    if (found != revisions[k].entries.end()) return found->second;
  }
  return std::nullopt;
}

std::vector<uint32_t> RevisionIndex::changedBetween(size_t earlier, size_t later) const {
  std::set<uint32_t> candidates;
  for (size_t k = earlier + 1; k <= later && k < revisions.size(); ++k) {
    for (const auto& entry : revisions[k].entries) candidates.insert(entry.first);
  }
  std::vector<uint32_t> changed;
  for (uint32_t number : candidates) {
    if (lookup(earlier, number) != lookup(later, number)) changed.push_back(number);
  }
  return changed;
}

std::optional<size_t> RevisionIndex::revisionEndingAt(uint64_t offset) const {
  for (size_t k = 0; k < revisions.size(); ++k) {
    if (revisions[k].end == offset || revisions[k].eofOffset == offset) return k;
  }
  return std::nullopt;
}

RevisionIndex readRevisions(const MappedFile& file) {
  quietPodofo();
  RevisionIndex index;
  std::string_view bytes = file.bytes();
  Reader reader(bytes);
  auto header = bytes.substr(0, 1024).find("%PDF-");
  if (header == std::string_view::npos) invalid("no %PDF- header in the first 1024 bytes");
  index.headerOffset = header;

  for (uint64_t pos = 0; (pos = bytes.find("%%EOF", pos)) != std::string_view::npos; pos += 5) {
    index.eofMarkers.push_back(pos + 5);
  }
  uint64_t tail = bytes.size() > kTailWindow ? bytes.size() - kTailWindow : 0;
  auto startxref = bytes.rfind("startxref");
  if (startxref == std::string_view::npos || startxref < tail) {
    invalid("no startxref in the last " + std::to_string(kTailWindow) + " bytes");
  }
  uint64_t pos = reader.skipWhite(startxref + 9);
  auto first = reader.number(pos);
  if (!first) invalid("startxref at " + at(startxref) + " is not followed by an offset");

  std::vector<Section> chain;  // newest first
  std::set<uint64_t> seen;
  RevisionReader sections(file, header);
  try {
    std::optional<uint64_t> next = header + *first;
    while (next) {
      if (!seen.insert(*next).second) {
        invalid("/Prev loop: the cross-reference section at " + at(*next) + " is reached twice");
      }
      if (chain.size() >= kMaxRevisions) {
        invalid("more than " + std::to_string(kMaxRevisions) + " revisions");
      }
      chain.push_back(sections.read(*next));
      next = chain.back().prev;
    }
  } catch (const PdfError& error) {
    throwPdfError(error, "reading the cross-reference sections");
  }
  for (auto& section : chain) findEnd(reader, header, section, index.problems);

  // A linearized file's first-page section (near the start) has a /Prev pointing forward to
  // the main section: both are one revision, and the first-page %%EOF is not an update.
  const bool linearized = isLinearized(bytes, header);
  std::set<uint64_t> linearizationEofs;
  std::vector<Section> merged;  // oldest first
  for (size_t i = chain.size(); i-- > 0;) {
    Section& section = chain[i];
    if (!merged.empty() && section.offset < merged.back().offset) {
      if (linearized && linearizationEofs.empty() && i + 2 == chain.size()) {
        Section& main = merged.back();
        for (auto& [number, entry] : section.entries) main.entries[number] = entry;
        // The first-page trailer's own %%EOF (its startxref is usually 0 and names nothing).
        auto firstPageEof =
            std::upper_bound(index.eofMarkers.begin(), index.eofMarkers.end(), section.searchFrom);
        if (firstPageEof != index.eofMarkers.end()) linearizationEofs.insert(*firstPageEof);
        linearizationEofs.insert(section.eofOffset);
        main.offset = section.offset;
        main.xrefStream = section.xrefStream;
        main.hybrid = section.hybrid;
        main.size = std::max(main.size, section.size);
        // The first-page trailer carries /Root and /Info; the main one often only /Size.
        if (section.trailer && section.trailer->IsDictionary()) {
          auto combined = std::make_shared<PdfObject>(*section.trailer);
          if (main.trailer && main.trailer->IsDictionary()) {
            for (const auto& [key, value] : main.trailer->GetDictionary().GetKeys()) {
              if (key != PdfName("Prev")) combined->GetDictionary().AddKey(key, *value);
            }
          }
          combined->GetDictionary().RemoveKey("Prev");
          main.trailer = combined;
        }
        // The main section's startxref names the first-page section (annex F.3.8).
        main.unpointed = section.unpointed;
        continue;
      }
      index.problems.push_back("the /Prev of the cross-reference section at " + at(section.offset) +
                               " points forward, to " + at(merged.back().offset));
    }
    merged.push_back(std::move(section));
  }

  for (auto& section : merged) {
    if (section.unpointed) {
      index.problems.push_back("no startxref points at the cross-reference section at " +
                               at(section.offset));
    }
    Revision revision;
    revision.xrefOffset = section.offset;
    revision.end = section.end;
    revision.eofOffset = section.eofOffset;
    revision.xrefStream = section.xrefStream;
    revision.hybrid = section.hybrid;
    revision.entries = std::move(section.entries);
    revision.size = section.size;
    // Some producers leave /Root or /Info out of an update's trailer; readers (and PoDoFo)
    // take them from the earlier trailers, and so do we.
    if (section.trailer && section.trailer->IsDictionary() && !index.revisions.empty() &&
        index.revisions.back().trailer) {
      auto inherited = std::make_shared<PdfObject>(*section.trailer);
      for (const char* key : {"Root", "Info", "ID", "Encrypt"}) {
        const PdfObject* earlier = index.revisions.back().trailer->GetDictionary().GetKey(key);
        if (earlier != nullptr && !inherited->GetDictionary().HasKey(key)) {
          inherited->GetDictionary().AddKey(key, *earlier);
        }
      }
      section.trailer = inherited;
    }
    revision.trailer = section.trailer;
    index.revisions.push_back(std::move(revision));
  }

  for (size_t k = 0; k < index.revisions.size(); ++k) {
    const Revision& revision = index.revisions[k];
    uint64_t begin = k == 0 ? 0 : index.revisions[k - 1].end;
    if (k > 0 && revision.end <= begin) {
      index.problems.push_back("revision " + std::to_string(k + 1) +
                               " does not end after revision " + std::to_string(k));
    }
    size_t outside = 0;
    uint32_t example = 0;
    for (const auto& [number, entry] : revision.entries) {
      if (entry.type != XrefEntryType::InFile) continue;
      bool beyond = entry.offset >= revision.end;
      // A changed entry that points into an earlier revision's bytes re-uses old bytes.
      bool backwards = k > 0 && entry.offset < begin && index.lookup(k - 1, number) != entry;
      if (beyond || backwards) {
        if (outside++ == 0) example = number;
      }
    }
    if (outside > 0) {
      index.notes.push_back("revision " + std::to_string(k + 1) + " places " +
                            std::to_string(outside) + " object(s) (e.g. object " +
                            std::to_string(example) + ") outside its own bytes");
    }
  }

  for (uint64_t marker : index.eofMarkers) {
    if (linearizationEofs.count(marker)) continue;
    bool known = std::any_of(index.revisions.begin(), index.revisions.end(),
                             [&](const Revision& r) { return r.eofOffset == marker; });
    if (!known) {
      index.problems.push_back("an %%EOF at " + at(marker - 5) +
                               " that no cross-reference section accounts for");
    }
  }
  if (!index.revisions.empty()) {
    uint64_t last = index.revisions.back().end;
    uint64_t after = last < bytes.size() ? bytes.size() - last : 0;
    bool content = false;
    for (uint64_t p = last; p < bytes.size(); ++p) content = content || !isWhite(bytes[p]);
    if (content) {
      index.problems.push_back(std::to_string(after) + " bytes after the last %%EOF");
    }
  }
  return index;
}

class ObjectCache {
 public:
  ObjectCache(const MappedFile& file, const RevisionIndex& index)
      : memory_(file.data(), static_cast<size_t>(file.size())), index_(index), buffer_(4096) {
    scratch_.SetAutoDelete(true);
  }

  /// The object `reference` as revision `revision` sees it, or nullptr (free, absent).
  const PdfObject* load(size_t revision, const PdfReference& reference) {
    auto entry = index_.lookup(revision, reference.ObjectNumber());
    if (!entry || entry->type == XrefEntryType::Free) return nullptr;
    if (entry->type == XrefEntryType::InFile) {
      if (entry->generation != reference.GenerationNumber()) return nullptr;
      return inFile(revision, entry->offset, reference);
    }
    if (reference.GenerationNumber() != 0) return nullptr;
    return inStream(revision, *entry, reference);
  }

 private:
  const PdfObject* inFile(size_t revision, uint64_t offset, const PdfReference& reference) {
    auto found = inFile_.find(offset);
    if (found != inFile_.end()) return checked(found->second.get(), reference, offset);
    memory_.stream.clear();
    auto object = std::make_unique<PdfParserObject>(&scratch_, memory_.device, buffer_,
                                                    static_cast<pdf_long>(offset));
    // Loaded on demand: the dictionary is read now (IsDictionary), the stream data only when
    // asked for. PoDoFo resolves an indirect /Length through the object's owner when it reads
    // the stream; our objects have no owner that knows the revision, so the length is made
    // direct in between.
    object->SetLoadOnDemand(true);
    object->ParseFile(nullptr);
    const PdfObject* result = checked(object.get(), reference, offset);
    if (object->IsDictionary()) {
      const PdfObject* length = object->GetDictionary().GetKey("Length");
      if (length != nullptr && length->IsReference()) {
        const PdfObject* value = load(revision, length->GetReference());
        if (value == nullptr || !value->IsNumber()) {
          invalid("the stream " + reference.ToString() + " has no readable /Length");
        }
        object->GetDictionary().AddKey("Length", PdfObject(value->GetNumber()));
      }
    }
    inFile_.emplace(offset, std::move(object));
    return result;
  }

  // Strict: an entry must point at the object it names.
  static const PdfObject* checked(const PdfObject* object, const PdfReference& reference,
                                  uint64_t offset) {
    if (object->Reference() != reference) {
      invalid("the cross-reference entry of object " + reference.ToString() + " points at " +
              object->Reference().ToString() + " (" + at(offset) + ")");
    }
    return object;
  }

  const PdfObject* inStream(size_t revision, const XrefEntry& entry,
                            const PdfReference& reference) {
    auto streamEntry = index_.lookup(revision, static_cast<uint32_t>(entry.offset));
    if (!streamEntry || streamEntry->type != XrefEntryType::InFile) {
      invalid("object " + reference.ToString() + " is in object stream " +
              std::to_string(entry.offset) + ", which is not in the file");
    }
    auto found = streams_.find(streamEntry->offset);
    if (found == streams_.end()) {
      found = streams_.emplace(streamEntry->offset, readObjectStream(streamEntry->offset)).first;
    }
    return found->second->GetObject(reference);
  }

  // ISO 32000-1 §7.5.7: /N pairs "number offset" in the decoded stream, objects from /First.
  // (PoDoFo's own object-stream parser is not exported by the shared library.)
  std::unique_ptr<PdfVecObjects> readObjectStream(uint64_t offset) {
    memory_.stream.clear();
    PdfParserObject stream(&scratch_, memory_.device, buffer_, static_cast<pdf_long>(offset));
    stream.SetLoadOnDemand(false);
    stream.ParseFile(nullptr);
    const PdfObject* count = stream.IsDictionary() ? stream.GetDictionary().GetKey("N") : nullptr;
    const PdfObject* first =
        stream.IsDictionary() ? stream.GetDictionary().GetKey("First") : nullptr;
    if (!stream.HasStream() || count == nullptr || !count->IsNumber() || first == nullptr ||
        !first->IsNumber() || count->GetNumber() < 0 || count->GetNumber() > kMaxSize ||
        first->GetNumber() < 0) {
      invalid("the object stream at " + at(offset) + " has no valid /N and /First");
    }
    char* raw = nullptr;
    pdf_long length = 0;
    stream.GetStream()->GetFilteredCopy(&raw, &length);
    std::unique_ptr<char, decltype(&podofo_free)> data(raw, &podofo_free);
    auto objects = std::make_unique<PdfVecObjects>();
    objects->SetAutoDelete(true);
    PdfTokenizer header(data.get(), static_cast<size_t>(length));
    std::vector<std::pair<pdf_long, pdf_long>> places;
    for (int64_t i = 0; i < count->GetNumber(); ++i) {
      pdf_long number = header.GetNextNumber();
      pdf_long at = header.GetNextNumber();
      places.emplace_back(number, at);
    }
    for (const auto& [number, relative] : places) {
      pdf_long start = first->GetNumber() + relative;
      if (number < 0 || relative < 0 || start >= length) {
        invalid("the object stream at " + at(offset) + " places an object outside itself");
      }
      PdfTokenizer body(data.get() + start, static_cast<size_t>(length - start));
      PdfVariant value;
      body.GetNextVariant(value, nullptr);
      objects->push_back(new PdfObject(PdfReference(static_cast<uint32_t>(number), 0), value));
    }
    return objects;
  }

  MemoryDevice memory_;
  const RevisionIndex& index_;
  PdfRefCountedBuffer buffer_;
  PdfVecObjects scratch_;
  std::map<uint64_t, std::unique_ptr<PdfParserObject>> inFile_;
  std::map<uint64_t, std::unique_ptr<PdfVecObjects>> streams_;
};

struct RevisionView::Impl {
  // Unencrypted files: the shared cache. Encrypted ones: PoDoFo's parser, which decrypts.
  std::shared_ptr<ObjectCache> cache;
  std::shared_ptr<const PdfObject> trailer;
  std::unique_ptr<MemoryDevice> memory;
  std::unique_ptr<PdfVecObjects> objects;
  std::unique_ptr<PdfParser> parser;
};

RevisionView::RevisionView(const MappedFile& file, const RevisionIndex& index, size_t revision,
                           std::shared_ptr<ObjectCache> cache)
    : impl_(std::make_unique<Impl>()), revision_(revision) {
  quietPodofo();
  if (revision >= index.revisions.size()) {
    throw Error(ErrorCode::InvalidArgument, "no revision " + std::to_string(revision + 1));
  }
  const std::string what = "reading revision " + std::to_string(revision + 1);
  impl_->trailer = index.revisions[revision].trailer;
  bool encrypted = impl_->trailer == nullptr || !impl_->trailer->IsDictionary() ||
                   impl_->trailer->GetDictionary().HasKey("Encrypt");
  if (!encrypted) {
    impl_->cache = cache ? std::move(cache) : std::make_shared<ObjectCache>(file, index);
    return;
  }
  // PoDoFo's strict mode wants "%%EOF" as the very last bytes, so the EOL after it is left out.
  impl_->memory = std::make_unique<MemoryDevice>(
      file.data(), static_cast<size_t>(index.revisions[revision].eofOffset));
  impl_->objects = std::make_unique<PdfVecObjects>();
  impl_->objects->SetAutoDelete(true);
  impl_->parser = std::make_unique<PdfParser>(impl_->objects.get());
  impl_->parser->SetStrictParsing(true);
  try {
    impl_->parser->ParseFile(impl_->memory->device, true);
  } catch (const PdfError& error) {
    if (error.GetError() != ePdfError_InvalidPassword) throwPdfError(error, what);
    try {
      impl_->parser->SetPassword("");
    } catch (const PdfError&) {
      // ErrorCode has no Unsupported yet; the signer reports encrypted input as InvalidPdf too.
      throw Error(ErrorCode::InvalidPdf,
                  "encrypted document (a password or certificate is needed to open it)");
    }
  }
}

RevisionView::~RevisionView() = default;

const PdfObject& RevisionView::trailer() const {
  const PdfObject* trailer = impl_->parser ? impl_->parser->GetTrailer() : impl_->trailer.get();
  if (trailer == nullptr) invalid("revision " + std::to_string(revision_ + 1) + " has no trailer");
  return *trailer;
}

const PdfObject* RevisionView::object(const PdfReference& reference) const {
  if (impl_->parser) return impl_->objects->GetObject(reference);
  try {
    return impl_->cache->load(revision_, reference);
  } catch (const PdfError& error) {
    throwPdfError(error, "reading object " + reference.ToString() + " of revision " +
                             std::to_string(revision_ + 1));
  }
}

const PdfObject* RevisionView::resolve(const PdfObject* value) const {
  if (value != nullptr && value->IsReference()) return object(value->GetReference());
  return value;
}

const PdfObject* RevisionView::get(const PdfObject& dictionary, const char* key) const {
  if (!dictionary.IsDictionary()) return nullptr;
  return resolve(dictionary.GetDictionary().GetKey(key));
}

const PdfObject* RevisionView::catalog() const {
  return get(trailer(), "Root");
}

bool RevisionView::encrypted() const {
  return impl_->parser && impl_->parser->GetEncrypted();
}

RevisionViews::RevisionViews(const MappedFile& file, const RevisionIndex& index)
    : file_(file), index_(index), cache_(std::make_shared<ObjectCache>(file, index)) {}

RevisionViews::~RevisionViews() = default;

RevisionView& RevisionViews::at(size_t revision) {
  auto found = views_.find(revision);
  if (found == views_.end()) {
    found =
        views_.emplace(revision, std::make_unique<RevisionView>(file_, index_, revision, cache_))
            .first;
  }
  return *found->second;
}

}  // namespace vanthu::signing::detail
