#pragma once

// Reads a signature dictionary straight from the file bytes, because the checks against
// signature wrapping need byte offsets that an object model forgets: where /Contents starts and
// ends, and the /ByteRange numbers as written.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vanthu::signing::detail {

struct SignatureDictionaryScan {
  std::vector<int64_t> byteRange;  ///< the /ByteRange integers as written (empty if absent)
  bool contentsFound = false;      ///< /Contents is a hex string
  uint64_t contentsStart = 0;      ///< offset of its '<'
  uint64_t contentsEnd = 0;        ///< offset just after its '>'
  std::string contents;            ///< decoded; the DER structure without the zero padding
  bool nonZeroPadding = false;     ///< bytes after the DER structure that are not zero
};

/// Scans the indirect object "N G obj << ... >>" at `objectOffset` of `file`.
/// Throws vanthu::Error(InvalidPdf) when there is no dictionary there, it is cut off, or it
/// names /ByteRange or /Contents twice (a parser-differential trick).
SignatureDictionaryScan scanSignatureDictionary(std::string_view file, uint64_t objectOffset);

}  // namespace vanthu::signing::detail
