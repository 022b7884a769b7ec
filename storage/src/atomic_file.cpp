#include "vanthu/storage/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "vanthu/workflow/error.h"

namespace vanthu::storage {

void writeFileAtomically(const std::filesystem::path& path, std::string_view data, unsigned mode) {
  std::string temporary = path.string() + ".tmp-XXXXXX";
  int fd = ::mkstemp(temporary.data());
  if (fd < 0) {
    int error = errno;
    throw Error(ErrorCode::IoFailure, "cannot create a temporary file for " + path.string() + ": " +
                                          std::strerror(error));
  }
  auto fail = [&](const std::string& what) {
    int error = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(temporary.c_str());
    throw Error(ErrorCode::IoFailure, what + " " + path.string() + ": " + std::strerror(error));
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) fail("cannot set the permissions of");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write");
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot flush");
  int closed = ::close(fd);
  fd = -1;
  if (closed != 0) fail("cannot close");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename a temporary file to");
}

void syncDirectory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace vanthu::storage
