#include "verify/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {

namespace {

// Closes the descriptor on every path out of the constructor; the mapping outlives it.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

[[noreturn]] void fail(ErrorCode code, const std::string& what, const std::filesystem::path& path,
                       int error) {
  throw Error(code, what + " " + path.string() + ": " + std::strerror(error));
}

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
  FileDescriptor file;
  file.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (file.fd < 0) {
    int error = errno;
    fail(error == ENOENT || error == ENOTDIR ? ErrorCode::NotFound : ErrorCode::IoFailure,
         "cannot open", path, error);
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) fail(ErrorCode::IoFailure, "cannot stat", path, errno);
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::IoFailure, "not a regular file: " + path.string());
  }
  if (info.st_size == 0) return;  // mmap of length 0 is an error; an empty view is the answer
  void* mapping =
      ::mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, file.fd, 0);
  if (mapping == MAP_FAILED) fail(ErrorCode::IoFailure, "cannot map", path, errno);
  data_ = static_cast<const char*>(mapping);
  size_ = static_cast<uint64_t>(info.st_size);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), static_cast<size_t>(size_));
}

}  // namespace vanthu::signing::detail
