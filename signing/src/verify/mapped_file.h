#pragma once

// A whole file mapped read-only into memory, so that revisions, byte ranges and objects of a
// large PDF are read without copying it.

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace vanthu::signing::detail {

class MappedFile {
 public:
  /// Throws vanthu::Error(NotFound) when the file is missing, IoFailure when it cannot be read.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view bytes() const { return {data_, size_}; }
  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const char* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace vanthu::signing::detail
