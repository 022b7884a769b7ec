// The Decree 30 document types and the number/notation they are issued with.

#include "vanthu/workflow/document_types.h"

#include <catch2/catch.hpp>
#include <set>

using namespace vanthu;
using namespace vanthu::workflow;

namespace {

DocumentType type(const std::string& key) {
  auto found = documentTypeByKey(key);
  REQUIRE(found.has_value());
  return *found;
}

}  // namespace

TEST_CASE("there are 29 types with unique ASCII keys and unique abbreviations",
          "[workflow][document_types]") {
  const auto& types = documentTypes();
  REQUIRE(types.size() == 29);
  std::set<std::string> keys, abbreviations;
  int without = 0;
  for (const auto& t : types) {
    INFO(t.key);
    CHECK(keys.insert(t.key).second);
    CHECK_FALSE(t.name.empty());
    for (char c : t.key) CHECK(((c >= 'a' && c <= 'z') || c == '_'));
    if (t.abbreviation.empty()) {
      ++without;
    } else {
      CHECK(abbreviations.insert(t.abbreviation).second);
    }
  }
  CHECK(without == 2);
  CHECK(types.front().key == "nghi_quyet");
  CHECK(types.back().key == "thu_cong");
}

TEST_CASE("types are found by key and by their exact abbreviation", "[workflow][document_types]") {
  CHECK(type("quyet_dinh").abbreviation == "QĐ");
  CHECK(type("quy_dinh").abbreviation == "QyĐ");
  CHECK(type("to_trinh").abbreviation == "TTr");
  CHECK(type("cong_van").abbreviation.empty());
  CHECK(type("cong_van").name == "Công văn");
  CHECK(documentTypeByAbbreviation("HĐ")->key == "hop_dong");
  CHECK(documentTypeByAbbreviation("HD")->key == "huong_dan");
  CHECK(documentTypeByAbbreviation("ĐA")->key == "de_an");
  CHECK(documentTypeByAbbreviation("DA")->key == "du_an");
  CHECK_FALSE(documentTypeByAbbreviation("").has_value());
  CHECK_FALSE(documentTypeByAbbreviation("CV").has_value());
  CHECK_FALSE(documentTypeByAbbreviation("qđ").has_value());
  CHECK_FALSE(documentTypeByKey("QĐ").has_value());
  CHECK_FALSE(documentTypeByKey("").has_value());
}

TEST_CASE("the notation joins number, type and agency, or agency and unit for a công văn",
          "[workflow][document_types]") {
  CHECK(formNotation(15, type("quyet_dinh"), "UBND", "").value() == "15/QĐ-UBND");
  CHECK(formNotation(5, type("quyet_dinh"), "UBND", "VP").value() == "05/QĐ-UBND");
  CHECK(formNotation(1, type("to_trinh"), "SGDĐT", "").value() == "01/TTr-SGDĐT");
  CHECK(formNotation(123, type("ke_hoach"), "UBND", "").value() == "123/KH-UBND");
  CHECK(formNotation(15, type("cong_van"), "UBND", "VP").value() == "15/UBND-VP");
  CHECK(formNotation(9, type("thu_cong"), "UBND", "TH").value() == "09/UBND-TH");
  CHECK(formatDocumentNumber(10) == "10");
  CHECK(formatDocumentNumber(1) == "01");
}

TEST_CASE("a notation is refused for a bad number or abbreviation", "[workflow][document_types]") {
  auto code = [](const Result<std::string>& r) { return r.status().code(); };
  CHECK(code(formNotation(0, type("quyet_dinh"), "UBND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(-3, type("quyet_dinh"), "UBND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("quyet_dinh"), "", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("quyet_dinh"), "UB ND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("quyet_dinh"), "UB/ND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("quyet_dinh"), "UB-ND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("cong_van"), "UBND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("thu_cong"), "UBND", "")) == ErrorCode::InvalidArgument);
  CHECK(code(formNotation(1, type("cong_van"), "UBND", "V P")) == ErrorCode::InvalidArgument);
  CHECK_THAT(formNotation(1, type("cong_van"), "UBND", "").status().message(),
             Catch::Contains("unit"));
}
