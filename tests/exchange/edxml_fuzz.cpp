// libFuzzer harness for the edXML reader and the XSD validation (clang only; see
// tests/CMakeLists.txt, VANTHU_BUILD_FUZZERS). `script/fuzz [SECONDS]` installs clang, builds it
// in build-fuzz/, seeds it and runs it (CI: .ci/run, 90 s); by hand:
//   build-fuzz/bin/vanthu_edxml_fuzz -max_len=65536 -timeout=10 CORPUS_DIR
// The seeded mutation test (edxml_mutation_test.cpp) covers the same entry points in ctest.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vanthu/exchange/edxml_reader.h"
#include "vanthu/exchange/edxml_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  vanthu::exchange::ReadLimits limits;
  limits.maxAttachmentBytes = 1 << 20;
  (void)vanthu::exchange::readPackage(input, "fuzz.edxml", limits);
  (void)vanthu::exchange::readStatusMessage(input, "fuzz.edxml", limits);
  (void)vanthu::exchange::EdxmlSchema::package().validate(input, "fuzz.edxml", limits);
  return 0;
}
