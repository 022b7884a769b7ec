#include "vanthu/storage/atomic_file.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "test_support.h"
#include "vanthu/workflow/error.h"

using namespace vanthu;
using vanthu::test::TempDir;

TEST_CASE("atomic writes create, replace and set the mode", "[storage][file]") {
  TempDir dir;
  auto path = dir / "credentials.txt";
  storage::writeFileAtomically(path, "first", 0600);
  CHECK(vanthu::test::readFile(path) == "first");
  struct stat info {};
  REQUIRE(stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);

  storage::writeFileAtomically(path, std::string(100000, 'x'));
  CHECK(vanthu::test::readFile(path).size() == 100000);
  REQUIRE(stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0644);
  // Only the file itself is left: no temporary siblings.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("a failed atomic write names the file and leaves nothing behind", "[storage][file]") {
  TempDir dir;
  try {
    storage::writeFileAtomically(dir / "missing" / "file.txt", "data");
    FAIL("writing into a missing directory succeeded");
  } catch (const Error& e) {
    CHECK(e.code() == ErrorCode::IoFailure);
    CHECK(std::string(e.what()).find("file.txt") != std::string::npos);
  }
  CHECK(std::filesystem::directory_iterator(dir.path()) == std::filesystem::directory_iterator());
}
