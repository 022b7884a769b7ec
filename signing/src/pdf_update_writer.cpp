#include "pdf_update_writer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {
namespace {

[[noreturn]] void invalid(const std::filesystem::path& file, const std::string& why) {
  throw Error(ErrorCode::InvalidPdf, file.string() + ": " + why);
}

std::string serialise(const PoDoFo::PdfObject& object) {
  PoDoFo::PdfRefCountedBuffer buffer;
  PoDoFo::PdfOutputDevice device(&buffer);
  object.WriteObject(&device, PoDoFo::ePdfWriteMode_Compact, nullptr);
  return std::string(buffer.GetBuffer(), device.GetLength());
}

std::string variantText(const PoDoFo::PdfObject& object) {
  std::string text;
  object.ToString(text, PoDoFo::ePdfWriteMode_Compact);
  return text;
}

// The trailer keys every update carries over. /XRefStm is deliberately dropped: a stale one breaks
// hybrid-reference files (standards/pdf-signatures.md §1.5).
std::string carriedTrailerKeys(const PoDoFo::PdfObject& trailer) {
  std::string keys;
  for (const char* name : {"Root", "Info", "ID", "Encrypt"}) {
    const PoDoFo::PdfObject* value = trailer.GetDictionary().GetKey(PoDoFo::PdfName(name));
    if (value != nullptr) keys += std::string("/") + name + " " + variantText(*value);
  }
  return keys;
}

void putBigEndian(std::string& out, uint64_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

}  // namespace

RevisionFacts readRevisionFacts(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + file.string());
  in.seekg(0, std::ios::end);
  RevisionFacts facts;
  facts.fileSize = static_cast<uint64_t>(in.tellg());
  const uint64_t tailSize = std::min<uint64_t>(facts.fileSize, 2048);
  std::string tail(tailSize, '\0');
  in.seekg(static_cast<std::streamoff>(facts.fileSize - tailSize));
  in.read(tail.data(), static_cast<std::streamsize>(tailSize));
  if (tailSize == 0) invalid(file, "the file is empty");
  facts.endsWithEol = tail.back() == '\n' || tail.back() == '\r';

  size_t eof = tail.rfind("%%EOF");
  size_t keyword = tail.rfind("startxref", eof);
  if (eof == std::string::npos || keyword == std::string::npos) {
    invalid(file, "no startxref/%%EOF at the end; the file is truncated or not a PDF");
  }
  size_t pos = keyword + 9;
  while (pos < eof && std::isspace(static_cast<unsigned char>(tail[pos]))) ++pos;
  size_t digits = pos;
  while (digits < eof && std::isdigit(static_cast<unsigned char>(tail[digits]))) ++digits;
  if (digits == pos) invalid(file, "startxref is not followed by an offset");
  facts.startXref = std::stoull(tail.substr(pos, digits - pos));
  if (facts.startXref >= facts.fileSize) invalid(file, "startxref points past the end of the file");

  std::string head(64, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(facts.startXref));
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  size_t start = 0;
  while (start < head.size() && std::isspace(static_cast<unsigned char>(head[start]))) ++start;
  if (head.compare(start, 4, "xref") == 0) {
    facts.xrefStream = false;
  } else {
    unsigned number = 0;
    unsigned generation = 0;
    char obj[4] = {0};
    if (std::sscanf(head.c_str() + start, "%u %u %3s", &number, &generation, obj) == 3 &&
        std::string(obj) == "obj") {
      facts.xrefStream = true;
    } else {
      invalid(file,
              "startxref points at neither a cross-reference table nor a stream; the "
              "cross-reference data is broken");
    }
  }
  return facts;
}

UpdateWriter::UpdateWriter(const RevisionFacts& facts) : facts_(facts) {
  // An EOL before the first appended byte, so no object ever starts on the %%EOF line.
  if (!facts_.endsWithEol) bytes_ = "\n";
}

void UpdateWriter::add(const PoDoFo::PdfObject& object) {
  const auto& reference = object.Reference();
  offsets_[reference.ObjectNumber()] = {reference.GenerationNumber(), nextOffset()};
  bytes_ += serialise(object);
}

uint64_t UpdateWriter::addRaw(const PoDoFo::PdfReference& reference, const std::string& body) {
  offsets_[reference.ObjectNumber()] = {reference.GenerationNumber(), nextOffset()};
  bytes_ += std::to_string(reference.ObjectNumber()) + " " +
            std::to_string(reference.GenerationNumber()) + " obj\n";
  uint64_t bodyOffset = nextOffset();
  bytes_ += body + "\nendobj\n";
  return bodyOffset;
}

const std::string& UpdateWriter::finish(const PoDoFo::PdfObject& trailer, int64_t size) {
  std::string keys = carriedTrailerKeys(trailer);
  if (facts_.xrefStream) {
    finishStream(keys, size);
  } else {
    finishClassic(keys, size);
  }
  return bytes_;
}

void UpdateWriter::finishClassic(const std::string& trailerKeys, int64_t size) {
  uint64_t xrefOffset = nextOffset();
  std::string section = "xref\n";
  for (auto it = offsets_.begin(); it != offsets_.end();) {
    auto end = it;
    uint32_t expected = it->first;
    while (end != offsets_.end() && end->first == expected) {
      ++end;
      ++expected;
    }
    section += std::to_string(it->first) + " " + std::to_string(expected - it->first) + "\n";
    for (; it != end; ++it) {
      char entry[32];
      std::snprintf(entry, sizeof entry, "%010llu %05u n\r\n",
                    static_cast<unsigned long long>(it->second.second), it->second.first);
      section += entry;
    }
  }
  section += "trailer\n<</Size " + std::to_string(size) + trailerKeys + "/Prev " +
             std::to_string(facts_.startXref) + ">>\nstartxref\n" + std::to_string(xrefOffset) +
             "\n%%EOF\n";
  bytes_ += section;
}

void UpdateWriter::finishStream(const std::string& trailerKeys, int64_t size) {
  // The xref stream is itself an object of this revision and lists itself.
  const auto streamNumber = static_cast<uint32_t>(size);
  uint64_t xrefOffset = nextOffset();
  offsets_[streamNumber] = {0, xrefOffset};
  int offsetWidth = 1;
  while (offsetWidth < 8 && (xrefOffset >> (8 * offsetWidth)) != 0) ++offsetWidth;

  std::string index;
  std::string data;
  for (auto it = offsets_.begin(); it != offsets_.end();) {
    auto end = it;
    uint32_t expected = it->first;
    while (end != offsets_.end() && end->first == expected) {
      ++end;
      ++expected;
    }
    index += (index.empty() ? "" : " ") + std::to_string(it->first) + " " +
             std::to_string(expected - it->first);
    for (; it != end; ++it) {
      putBigEndian(data, 1, 1);
      putBigEndian(data, it->second.second, offsetWidth);
      putBigEndian(data, it->second.first, 2);
    }
  }
  bytes_ += std::to_string(streamNumber) + " 0 obj\n<</Type/XRef/Size " + std::to_string(size + 1) +
            "/Index[" + index + "]/W[1 " + std::to_string(offsetWidth) + " 2]" + trailerKeys +
            "/Prev " + std::to_string(facts_.startXref) + "/Length " + std::to_string(data.size()) +
            ">>\nstream\r\n" + data + "\nendstream\nendobj\nstartxref\n" +
            std::to_string(xrefOffset) + "\n%%EOF\n";
}

}  // namespace vanthu::signing::detail
