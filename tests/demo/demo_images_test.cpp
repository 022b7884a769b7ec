#include "vanthu/demo/demo_images.h"

#include <png.h>

#include <catch2/catch.hpp>

#include "test_support.h"
#include "vanthu/demo/png_canvas.h"
#include "vanthu/workflow/error.h"

using vanthu::demo::kSealImageSize;
using vanthu::demo::kSignatureImageHeight;
using vanthu::demo::kSignatureImageWidth;
using vanthu::demo::PngCanvas;
using vanthu::demo::Rgba;
using vanthu::test::readFile;
using vanthu::test::TempDir;

namespace {

/// What libpng itself says about the file, independent of our reader.
struct PngHeader {
  png_uint_32 width = 0;
  png_uint_32 height = 0;
  png_uint_32 format = 0;
};

PngHeader pngHeader(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  REQUIRE(png_image_begin_read_from_file(&image, path.c_str()) != 0);
  PngHeader header{image.width, image.height, image.format};
  png_image_free(&image);
  return header;
}

void checkCornersTransparent(const PngCanvas& c) {
  CHECK(c.pixel(0, 0).a == 0);
  CHECK(c.pixel(c.width() - 1, 0).a == 0);
  CHECK(c.pixel(0, c.height() - 1).a == 0);
  CHECK(c.pixel(c.width() - 1, c.height() - 1).a == 0);
}

}  // namespace

TEST_CASE("the seal is a red round stamp on a transparent background", "[demo][png]") {
  TempDir dir;
  const auto path = dir / "seal.png";
  vanthu::demo::writeSealImage(path);

  const auto header = pngHeader(path);
  CHECK(header.width == 472);
  CHECK(header.height == 472);
  CHECK((header.format & PNG_FORMAT_FLAG_ALPHA) != 0);
  CHECK((header.format & PNG_FORMAT_FLAG_COLOR) != 0);
  CHECK(readFile(path).substr(1, 3) == "PNG");

  const auto seal = PngCanvas::readPng(path);
  REQUIRE(seal.width() == kSealImageSize);
  REQUIRE(seal.height() == kSealImageSize);
  checkCornersTransparent(seal);

  // The centre is on the star: opaque red.
  const Rgba centre = seal.pixel(kSealImageSize / 2, kSealImageSize / 2);
  CHECK(centre.a == 255);
  CHECK(centre.r > 180);
  CHECK(centre.g < 60);
  CHECK(centre.b < 60);
  // The outer ring is opaque red at the rim (4 px in from the edge, on the left middle).
  const Rgba rim = seal.pixel(6, kSealImageSize / 2);
  CHECK(rim.a == 255);
  CHECK(rim.r > 180);
  // Between the star and the inner ring there is nothing.
  CHECK(seal.pixel(kSealImageSize / 2, kSealImageSize / 2 + 110).a == 0);

  // Everything drawn is red, and everything outside the seal's circle is fully transparent.
  int opaque = 0;
  for (int y = 0; y < seal.height(); ++y) {
    for (int x = 0; x < seal.width(); ++x) {
      const Rgba p = seal.pixel(x, y);
      const double dx = x + 0.5 - kSealImageSize / 2.0;
      const double dy = y + 0.5 - kSealImageSize / 2.0;
      if (dx * dx + dy * dy > (kSealImageSize / 2.0) * (kSealImageSize / 2.0)) {
        REQUIRE(p.a == 0);
      }
      if (p.a == 255) {
        ++opaque;
        REQUIRE(p.r > 180);
        REQUIRE(p.g < 60);
      }
    }
  }
  CHECK(opaque > 10000);
}

TEST_CASE("the signature is blue ink on a transparent background", "[demo][png]") {
  TempDir dir;
  const auto path = dir / "signature.png";
  vanthu::demo::writeSignatureImage(path, 7);

  const auto header = pngHeader(path);
  CHECK(header.width == 600);
  CHECK(header.height == 240);
  CHECK((header.format & PNG_FORMAT_FLAG_ALPHA) != 0);

  const auto sig = PngCanvas::readPng(path);
  REQUIRE(sig.width() == kSignatureImageWidth);
  REQUIRE(sig.height() == kSignatureImageHeight);
  checkCornersTransparent(sig);
  int blue = 0;
  int transparent = 0;
  for (int y = 0; y < sig.height(); ++y) {
    for (int x = 0; x < sig.width(); ++x) {
      const Rgba p = sig.pixel(x, y);
      if (p.a == 0) ++transparent;
      if (p.a == 255) {
        ++blue;
        REQUIRE(p.b > 120);
        REQUIRE(p.r < 60);
      }
    }
  }
  CHECK(blue > 2000);                                   // real strokes, not a speck
  CHECK(transparent > sig.width() * sig.height() / 2);  // mostly background

  SECTION("the same seed gives the same image, another seed another") {
    vanthu::demo::writeSignatureImage(dir / "again.png", 7);
    vanthu::demo::writeSignatureImage(dir / "other.png", 8);
    CHECK(readFile(dir / "again.png") == readFile(path));
    CHECK(readFile(dir / "other.png") != readFile(path));
  }
}

TEST_CASE("PngCanvas draws anti-aliased shapes and round-trips through PNG", "[demo][png]") {
  PngCanvas canvas(40, 20);
  canvas.fillCircle({10, 10}, 6, {255, 0, 0, 255});
  canvas.strokePolyline({{20, 10}, {36, 10}}, 4, {0, 0, 255, 128});
  CHECK(canvas.pixel(10, 10).a == 255);   // inside the disc
  CHECK(canvas.pixel(0, 0).a == 0);       // outside everything
  const auto edge = canvas.pixel(15, 9);  // on the disc's edge: partial coverage
  CHECK(edge.a > 0);
  CHECK(edge.a < 255);
  CHECK(canvas.pixel(28, 9).a == 128);  // half-transparent stroke
  CHECK(canvas.pixel(28, 9).b == 255);

  TempDir dir;
  canvas.writePng(dir / "c.png");
  const auto back = PngCanvas::readPng(dir / "c.png");
  CHECK(back.pixels() == canvas.pixels());
  CHECK_FALSE(std::filesystem::exists(dir / "c.png.tmp"));
}

TEST_CASE("PNG errors become vanthu::Error", "[demo][png]") {
  TempDir dir;
  auto code = [](auto&& action) {
    try {
      action();
    } catch (const vanthu::Error& e) {
      return e.code();
    }
    return vanthu::ErrorCode::Unknown;
  };
  CHECK(code([&] { PngCanvas::readPng(dir / "missing.png"); }) == vanthu::ErrorCode::IoFailure);
  {
    std::FILE* f = std::fopen((dir / "junk.png").c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fputs("not a png at all", f);
    std::fclose(f);
  }
  CHECK(code([&] { PngCanvas::readPng(dir / "junk.png"); }) == vanthu::ErrorCode::IoFailure);
  CHECK(code([&] { PngCanvas(8, 8).writePng(dir / "no" / "such" / "dir.png"); }) ==
        vanthu::ErrorCode::IoFailure);
  CHECK(code([] { PngCanvas(0, 5); }) == vanthu::ErrorCode::InvalidArgument);
}
