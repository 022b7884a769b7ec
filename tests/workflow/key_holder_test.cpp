// Whether a certificate names the holder its key is registered for (workflow/key_holder.h).

#include "vanthu/workflow/key_holder.h"

#include <catch2/catch.hpp>

using namespace vanthu::workflow;

TEST_CASE(
    "workflow: names compare without letter case and extra spaces, Vietnamese letters "
    "included",
    "[workflow][keys]") {
  CHECK(foldName("  NGUYỄN   VĂN\tAN ") == "nguyễn văn an");
  CHECK(sameName("LÊ THỊ HƯƠNG", "Lê Thị Hương"));
  CHECK(sameName("ĐỖ MINH TUẤN", "Đỗ Minh Tuấn"));
  CHECK(sameName("ỦY BAN NHÂN DÂN XÃ ĐẠI TỪ", "Ủy ban nhân dân xã Đại Từ"));
  CHECK(sameName("PHẠM QUỐC HÙNG", "phạm quốc hùng"));
  CHECK(sameName("ƠN ƯỚC ĨNH ŨY ĂN", "ơn ước ĩnh ũy ăn"));
  // Different people stay different, whatever the case.
  CHECK_FALSE(sameName("Trần Văn Bình", "Lê Thị Hương"));
  CHECK_FALSE(sameName("Nguyễn Văn An", "Nguyễn Văn Ân"));
  CHECK_FALSE(sameName("Nguyen Van An", "Nguyễn Văn An"));  // diacritics are part of the name
  CHECK_FALSE(sameName("", "Lê Thị Hương"));
  // Bytes that are not UTF-8 are compared as they are, and do not crash the fold.
  CHECK(foldName(std::string("A\xC3", 2)) == std::string("a\xC3", 2));
  CHECK(foldName(std::string("\xE1\xBA", 2)) == std::string("\xE1\xBA", 2));
}

TEST_CASE("workflow: a personal certificate must name the user by its common name",
          "[workflow][keys]") {
  CertificateHolder holder{"Trần Văn Bình", "Ủy ban nhân dân tỉnh Thái Nguyên", ""};
  CHECK_FALSE(personMismatch(holder, "TRẦN VĂN BÌNH"));
  auto other = personMismatch(holder, "Lê Thị Hương");
  REQUIRE(other);
  CHECK(*other == "the certificate names \"Trần Văn Bình\", not \"Lê Thị Hương\"");
  // The organisation's name is not a person's.
  CHECK(personMismatch({"", "Lê Thị Hương", ""}, "Lê Thị Hương"));
}

TEST_CASE(
    "workflow: an organisation's certificate must name the agency by its code or its common name",
    "[workflow][keys]") {
  const std::string name = "Ủy ban nhân dân tỉnh Thái Nguyên";
  const std::string code = "000.00.00.H55";
  CHECK_FALSE(organisationMismatch({name, name, code}, name, code));
  CHECK_FALSE(organisationMismatch({"UBND TỈNH", "", code}, name, code));
  CHECK_FALSE(organisationMismatch({"ỦY BAN NHÂN DÂN TỈNH THÁI NGUYÊN", "", ""}, name, code));
  // A person of the agency (their certificate's O is the agency) is not the agency's seal.
  CHECK(organisationMismatch({"Phạm Quốc Hùng", name, ""}, name, code));
  auto commune = organisationMismatch(
      {"Ủy ban nhân dân xã Đại Từ", "Ủy ban nhân dân xã Đại Từ", "000.00.22.H55"}, name, code);
  REQUIRE(commune);
  CHECK(*commune ==
        "the certificate names \"Ủy ban nhân dân xã Đại Từ\" (000.00.22.H55), not \"Ủy ban nhân "
        "dân tỉnh Thái Nguyên\" (000.00.00.H55)");
}
