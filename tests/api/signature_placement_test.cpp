// Where the leader's signature goes when the sign request does not say: the request's rectangle,
// else the template's placement, else the PDF's own empty signature field, else the default box.

#include "signature_placement.h"

#include <catch2/catch.hpp>

#include "vanthu/signing/official_signing.h"

using namespace vanthu;
using namespace vanthu::api;

namespace {

signing::PdfFormInfo threePages(std::vector<signing::SignatureFieldInfo> fields = {}) {
  signing::PdfFormInfo form;
  form.pageCount = 3;
  form.signatureFields = std::move(fields);
  return form;
}

signing::SignatureFieldInfo field(std::string name, int page, signing::PdfRect box,
                                  bool signedAlready = false) {
  signing::SignatureFieldInfo info;
  info.name = std::move(name);
  info.page = page;
  info.rectangle = box;
  info.signedAlready = signedAlready;
  return info;
}

}  // namespace

TEST_CASE("the request's rectangle comes first, then the template's, then the PDF's field",
          "[api][placement]") {
  const workflow::SignaturePlacement lastPage{-1, 320, 140, 170, 95};
  const auto leaderField = field("LanhDaoKy", 2, {300, 100, 180, 90});
  SigningInput request;

  SECTION("the request's rectangle, on the request's page") {
    request.page = 2;
    request.rectangle = signing::PdfRect{50, 60, 70, 80};
    auto chosen = chooseLeaderPlacement(request, lastPage, threePages({leaderField}));
    REQUIRE(chosen.isOk());
    CHECK(chosen.value().source == PlacementSource::Request);
    CHECK(chosen.value().page == 2);
    CHECK(chosen.value().rectangle.x == 50);
    CHECK_FALSE(chosen.value().existingField);
  }
  SECTION("the template's, its negative page counted from the end") {
    auto chosen = chooseLeaderPlacement(request, lastPage, threePages({leaderField}));
    REQUIRE(chosen.isOk());
    CHECK(chosen.value().source == PlacementSource::Template);
    CHECK(chosen.value().page == 3);
    CHECK(chosen.value().rectangle.x == 320);
    CHECK(chosen.value().rectangle.height == 95);
    auto secondLast = lastPage;
    secondLast.page = -2;
    CHECK(chooseLeaderPlacement(request, secondLast, threePages()).value().page == 2);
    secondLast.page = 2;
    CHECK(chooseLeaderPlacement(request, secondLast, threePages()).value().page == 2);
  }
  SECTION("a template page the document does not have is refused") {
    for (int page : {4, -4}) {
      auto outside = lastPage;
      outside.page = page;
      auto chosen = chooseLeaderPlacement(request, outside, threePages());
      CHECK(chosen.status().code() == ErrorCode::InvalidArgument);
      CHECK(chosen.status().message().find("page " + std::to_string(page)) != std::string::npos);
    }
  }
  SECTION("the PDF's own empty field, not the seal's, not a signed one, not an invisible one") {
    auto chosen = chooseLeaderPlacement(
        request, std::nullopt,
        threePages({field("Signature1", 1, {0, 0, 0, 0}, true),
                    field("Signed", 1, {10, 10, 100, 50}, true),
                    field("Invisible", 1, {0, 0, 0, 0}),
                    field(signing::kSealFieldName, 1, {10, 10, 100, 100}), leaderField}));
    REQUIRE(chosen.isOk());
    CHECK(chosen.value().source == PlacementSource::DocumentField);
    CHECK(chosen.value().existingField == std::optional<std::string>("LanhDaoKy"));
    CHECK(chosen.value().page == 2);
    CHECK(chosen.value().rectangle.width == 180);
  }
  SECTION("else the default box on the request's page") {
    request.page = 1;
    auto chosen = chooseLeaderPlacement(request, std::nullopt,
                                        threePages({field("Signed", 1, {10, 10, 100, 50}, true)}));
    REQUIRE(chosen.isOk());
    CHECK(chosen.value().source == PlacementSource::Default);
    CHECK(chosen.value().page == 1);
    CHECK(chosen.value().rectangle.x == kDefaultSignatureBox.x);
    CHECK(chosen.value().rectangle.width == kDefaultSignatureBox.width);
    CHECK_FALSE(chosen.value().existingField);
  }
}
