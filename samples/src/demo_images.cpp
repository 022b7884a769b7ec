#include "vanthu/demo/demo_images.h"

#include <cmath>
#include <random>
#include <vector>

#include "vanthu/demo/png_canvas.h"

namespace vanthu::demo {
namespace {

constexpr Rgba kInkBlue{0x1a, 0x3c, 0x9e, 0xff};
constexpr Rgba kSealRed{0xd0, 0x14, 0x1c, 0xff};
constexpr double kPi = 3.14159265358979323846;

/// Uniform in [lo, hi) from the raw mt19937 output: std::uniform_real_distribution is not
/// specified bit for bit, and the images must not change between standard libraries.
class Rng {
 public:
  explicit Rng(unsigned seed) : engine_(seed) {}
  double uniform(double lo, double hi) { return lo + (hi - lo) * (engine_() / 4294967296.0); }

 private:
  std::mt19937 engine_;
};

}  // namespace

void writeSignatureImage(const std::filesystem::path& path, unsigned seed) {
  PngCanvas canvas(kSignatureImageWidth, kSignatureImageHeight);
  Rng rng(seed);
  const double baseline = 150 + rng.uniform(-10, 10);

  // A tall initial: an up-stroke and a loop back down, like a cursive capital.
  const double x0 = 60 + rng.uniform(-10, 10);
  const double top = 40 + rng.uniform(-10, 10);
  canvas.strokeBezier({x0, baseline + 20}, {x0 + 10, top - 20}, {x0 + 90, top}, {x0 + 50, top + 30},
                      2.5, 5.5, kInkBlue);
  canvas.strokeBezier({x0 + 50, top + 30}, {x0 + 10, top + 80}, {x0 - 20, baseline},
                      {x0 + 40, baseline - 10}, 5.5, 3.5, kInkBlue);

  // Then a run of small loops drifting right (the rest of the name), with varying size and slant.
  Point pen{x0 + 40, baseline - 10};
  const int loops = 6 + static_cast<int>(rng.uniform(0, 3));
  for (int i = 0; i < loops; ++i) {
    const double w = rng.uniform(36, 58);
    const double h = rng.uniform(25, 60);
    const double slant = rng.uniform(8, 18);
    const Point up{pen.x + w * 0.6 + slant, baseline - h};
    const Point down{pen.x + w, baseline + rng.uniform(-6, 6)};
    canvas.strokeBezier(pen, {pen.x + w * 0.2, baseline - h * 0.2}, {up.x - w * 0.5, up.y}, up, 3.5,
                        3.0, kInkBlue);
    canvas.strokeBezier(up, {up.x + w * 0.4, up.y}, {down.x - w * 0.5, baseline}, down, 3.0, 4.5,
                        kInkBlue);
    pen = down;
  }

  // A flourish: a long tapering stroke back under the name.
  const double end = std::min(pen.x + 40, kSignatureImageWidth - 30.0);
  canvas.strokeBezier(pen, {end + 20, baseline + 10}, {end, baseline + 45},
                      {x0 + rng.uniform(0, 40), baseline + 40 + rng.uniform(-8, 8)}, 4.5, 1.2,
                      kInkBlue);
  canvas.writePng(path);
}

void writeSealImage(const std::filesystem::path& path) {
  PngCanvas canvas(kSealImageSize, kSealImageSize);
  const Point c{kSealImageSize / 2.0, kSealImageSize / 2.0};
  const double r = kSealImageSize / 2.0;

  // Outer double ring, then the inner ring that frames the centre.
  canvas.strokeCircle(c, r - 8, 9, kSealRed);
  canvas.strokeCircle(c, r - 22, 3, kSealRed);
  canvas.strokeCircle(c, r * 0.58, 4, kSealRed);

  // Where a real seal has the agency name around the rim: a ring of dots, leaving a gap at the
  // bottom like the separator between the name and the place.
  const double textRadius = (r - 22 + r * 0.58) / 2;
  constexpr int kDots = 44;
  for (int i = 0; i < kDots; ++i) {
    const double angle = 2 * kPi * i / kDots;
    if (std::abs(std::remainder(angle - kPi / 2, 2 * kPi)) < 0.35) continue;  // bottom gap
    canvas.fillCircle({c.x + textRadius * std::cos(angle), c.y + textRadius * std::sin(angle)}, 6,
                      kSealRed);
  }

  // The five-pointed star, point up (y grows downwards).
  std::vector<Point> star;
  const double outer = r * 0.34;
  const double inner = outer * 0.382;  // the regular star's ratio
  for (int i = 0; i < 10; ++i) {
    const double radius = i % 2 == 0 ? outer : inner;
    const double angle = -kPi / 2 + i * kPi / 5;
    star.push_back({c.x + radius * std::cos(angle), c.y + radius * std::sin(angle)});
  }
  canvas.fillPolygon(star, kSealRed);
  canvas.writePng(path);
}

}  // namespace vanthu::demo
