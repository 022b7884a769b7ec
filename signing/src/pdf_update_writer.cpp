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

// The dictionary that starts at the first "<<" at or after `from`: balanced << >>, strings
// skipped, so a ">>" inside an /ID string cannot end it early.
std::string dictionaryAt(const std::string& text, size_t from) {
  size_t start = text.find("<<", from);
  if (start == std::string::npos) return {};
  int depth = 0;
  for (size_t i = start; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c == '(') {  // literal string: skip to its balanced close, honouring escapes
      int parens = 1;
      for (++i; i < text.size() && parens > 0; ++i) {
        if (text[i] == '\\') {
          ++i;
        } else if (text[i] == '(') {
          ++parens;
        } else if (text[i] == ')') {
          --parens;
        }
      }
      --i;
    } else if (c == '<' && text[i + 1] == '<') {
      ++depth;
      ++i;
    } else if (c == '>' && text[i + 1] == '>') {
      --depth;
      ++i;
      if (depth == 0) return text.substr(start, i + 1 - start);
    }
  }
  return {};
}

// Hand-written scanners rather than std::regex: compiling three libstdc++ regexes cost more
// than a whole 1-page signature (callgrind: 12 M instructions per process).
bool isPdfSpace(char c) {
  return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v' || c == '\0';
}

// At least one white-space character at `at`: the position after the run, else npos.
size_t afterSpaces(const std::string& text, size_t at) {
  size_t begin = at;
  while (at < text.size() && isPdfSpace(text[at])) ++at;
  return at == begin ? std::string::npos : at;
}

// At least one digit at `at` (copied to `digits`): the position after them, else npos.
size_t afterDigits(const std::string& text, size_t at, std::string& digits) {
  size_t begin = at;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  if (at == begin) return std::string::npos;
  digits = text.substr(begin, at - begin);
  return at;
}

// "/NAME N G R" starting at the '/' at `at`; appends it to `keys` when it is one.
void appendReference(const std::string& text, size_t at, const std::string& name,
                     std::string& keys) {
  if (text.compare(at + 1, name.size(), name) != 0) return;
  std::string number, generation;
  size_t pos = afterSpaces(text, at + 1 + name.size());
  if (pos != std::string::npos) pos = afterDigits(text, pos, number);
  if (pos != std::string::npos) pos = afterSpaces(text, pos);
  if (pos != std::string::npos) pos = afterDigits(text, pos, generation);
  if (pos != std::string::npos) pos = afterSpaces(text, pos);
  if (pos == std::string::npos || pos >= text.size() || text[pos] != 'R') return;
  keys += "/" + name + " " + number + " " + generation + " R";
}

// The trailer keys every update carries over, copied byte for byte. /XRefStm is deliberately
// dropped: a stale one breaks hybrid-reference files (standards/pdf-signatures.md §1.5).
std::string carriedKeys(const std::string& dictionary) {
  std::string keys;
  for (size_t at = dictionary.find('/'); at != std::string::npos;
       at = dictionary.find('/', at + 1)) {
    for (const char* name : {"Root", "Info", "Encrypt"})
      appendReference(dictionary, at, name, keys);
  }
  for (size_t at = dictionary.find("/ID"); at != std::string::npos;
       at = dictionary.find("/ID", at + 1)) {
    size_t pos = at + 3;
    while (pos < dictionary.size() && isPdfSpace(dictionary[pos])) ++pos;
    if (pos >= dictionary.size() || dictionary[pos] != '[') continue;
    size_t close = dictionary.find(']', pos + 1);
    if (close == std::string::npos) continue;
    keys += "/ID[" + dictionary.substr(pos + 1, close - pos - 1) + "]";
    break;
  }
  return keys;
}

int64_t sizeOf(const std::string& dictionary) {
  for (size_t at = dictionary.find("/Size"); at != std::string::npos;
       at = dictionary.find("/Size", at + 1)) {
    std::string digits;
    size_t pos = afterSpaces(dictionary, at + 5);
    if (pos == std::string::npos || afterDigits(dictionary, pos, digits) == std::string::npos) {
      continue;
    }
    return digits.size() > 9 ? 0 : std::stoll(digits);
  }
  return 0;
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
  std::string head(static_cast<size_t>(std::min<uint64_t>(facts.fileSize, 1024)), '\0');
  in.seekg(0);
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  size_t header = head.find("%PDF-");
  if (header == std::string::npos)
    invalid(file, "no %PDF- header in the first 1024 bytes; not a PDF");
  facts.headerOffset = header;
  in.clear();
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
  if (digits - pos > 15) invalid(file, "the startxref offset is absurdly large");
  facts.startXref = std::stoull(tail.substr(pos, digits - pos));
  facts.mentionsEncrypt = tail.find("/Encrypt") != std::string::npos;
  if (facts.headerOffset + facts.startXref >= facts.fileSize) {
    invalid(file, "startxref points past the end of the file");
  }

  head.assign(64, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(facts.headerOffset + facts.startXref));
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  size_t start = 0;
  while (start < head.size() && std::isspace(static_cast<unsigned char>(head[start]))) ++start;
  if (head.compare(start, 4, "xref") == 0) {
    facts.xrefStream = false;
    // The trailer follows the table. Read on until it is complete (a linearized file's first
    // section is near the start; its trailer, not the last one in the file, is the current one).
    std::string rest;
    std::string dictionary;
    in.clear();
    in.seekg(static_cast<std::streamoff>(facts.headerOffset + facts.startXref));
    std::string chunk(65536, '\0');
    while (dictionary.empty()) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      std::streamsize n = in.gcount();
      if (n <= 0) invalid(file, "the last cross-reference table has no readable trailer");
      rest.append(chunk.data(), static_cast<size_t>(n));
      size_t trailer = rest.find("trailer");
      if (trailer != std::string::npos) dictionary = dictionaryAt(rest, trailer);
    }
    facts.carriedTrailerKeys = carriedKeys(dictionary);
    facts.trailerSize = sizeOf(dictionary);
  } else {
    unsigned number = 0;
    unsigned generation = 0;
    char obj[4] = {0};
    if (std::sscanf(head.c_str() + start, "%u %u %3s", &number, &generation, obj) == 3 &&
        std::string(obj) == "obj") {
      facts.xrefStream = true;
      std::string region(4096, '\0');
      in.clear();
      in.seekg(static_cast<std::streamoff>(facts.headerOffset + facts.startXref));
      in.read(region.data(), static_cast<std::streamsize>(region.size()));
      region.resize(static_cast<size_t>(in.gcount()));
      size_t stream = region.find("stream");
      std::string dictionary = dictionaryAt(region.substr(0, stream), 0);
      if (dictionary.empty())
        invalid(file, "the cross-reference stream has no readable dictionary");
      facts.carriedTrailerKeys = carriedKeys(dictionary);
      facts.trailerSize = sizeOf(dictionary);
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
  offsets_[reference.ObjectNumber()] = {reference.GenerationNumber(), pdfOffset()};
  bytes_ += serialise(object);
}

uint64_t UpdateWriter::addRaw(const PoDoFo::PdfReference& reference, const std::string& body) {
  offsets_[reference.ObjectNumber()] = {reference.GenerationNumber(), pdfOffset()};
  bytes_ += std::to_string(reference.ObjectNumber()) + " " +
            std::to_string(reference.GenerationNumber()) + " obj\n";
  uint64_t bodyOffset = nextOffset();
  bytes_ += body + "\nendobj\n";
  return bodyOffset;
}

const std::string& UpdateWriter::finish(int64_t size) {
  const std::string& keys = facts_.carriedTrailerKeys;
  if (facts_.xrefStream) {
    finishStream(keys, size);
  } else {
    finishClassic(keys, size);
  }
  return bytes_;
}

void UpdateWriter::finishClassic(const std::string& trailerKeys, int64_t size) {
  uint64_t xrefOffset = pdfOffset();
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
  uint64_t xrefOffset = pdfOffset();
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
