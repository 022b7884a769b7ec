#include "vanthu/demo/png_canvas.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <system_error>

#include "vanthu/workflow/error.h"

namespace vanthu::demo {
namespace {

constexpr int kMaxDimension = 16384;
constexpr int kSupersample = 4;  // 4x4 samples per pixel for polygon edges

struct Box {
  int x0, y0, x1, y1;  // half-open pixel range
};

Box clampBox(double minX, double minY, double maxX, double maxY, int width, int height) {
  return {std::max(0, static_cast<int>(std::floor(minX))),
          std::max(0, static_cast<int>(std::floor(minY))),
          std::min(width, static_cast<int>(std::ceil(maxX)) + 1),
          std::min(height, static_cast<int>(std::ceil(maxY)) + 1)};
}

/// Coverage of a pixel by a shape whose edge is `distance` inside (positive) or outside
/// (negative): a one-pixel linear ramp, which is what 1-D box filtering of an edge gives.
float rampCoverage(double distanceInside) {
  return static_cast<float>(std::clamp(distanceInside + 0.5, 0.0, 1.0));
}

// libpng's simplified API (png_image) does its own setjmp/longjmp internally and reports
// failures in image.message, so no longjmp ever crosses our C++ frames.
[[noreturn]] void throwPngError(const std::string& what, const png_image& image) {
  throw Error(ErrorCode::IoFailure, what + ": libpng: " + image.message);
}

}  // namespace

PngCanvas::PngCanvas(int width, int height) : width_(width), height_(height) {
  if (width <= 0 || height <= 0 || width > kMaxDimension || height > kMaxDimension) {
    throw Error(ErrorCode::InvalidArgument, "canvas size " + std::to_string(width) + "x" +
                                                std::to_string(height) + " is out of range");
  }
  pixels_.assign(static_cast<size_t>(width) * static_cast<size_t>(height) * 4, 0);
}

Rgba PngCanvas::pixel(int x, int y) const {
  const size_t i =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 4;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2], pixels_[i + 3]};
}

void PngCanvas::composite(const std::vector<float>& coverage, Rgba colour) {
  const double alpha = colour.a / 255.0;
  for (size_t p = 0; p < coverage.size(); ++p) {
    if (coverage[p] <= 0) continue;
    uint8_t* px = &pixels_[p * 4];
    const double sa = alpha * coverage[p];
    const double da = px[3] / 255.0;
    const double oa = sa + da * (1 - sa);
    // Straight alpha "over": colours are weighted by their alpha contributions.
    auto blend = [&](uint8_t src, uint8_t dst) {
      return static_cast<uint8_t>(std::lround((src * sa + dst * da * (1 - sa)) / oa));
    };
    px[0] = blend(colour.r, px[0]);
    px[1] = blend(colour.g, px[1]);
    px[2] = blend(colour.b, px[2]);
    px[3] = static_cast<uint8_t>(std::lround(oa * 255));
  }
}

void PngCanvas::fillCircle(Point centre, double radius, Rgba colour) {
  std::vector<float> coverage(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0.0F);
  const Box box = clampBox(centre.x - radius - 1, centre.y - radius - 1, centre.x + radius + 1,
                           centre.y + radius + 1, width_, height_);
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      const double d = std::hypot(x + 0.5 - centre.x, y + 0.5 - centre.y);
      coverage[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)] =
          rampCoverage(radius - d);
    }
  }
  composite(coverage, colour);
}

void PngCanvas::strokeCircle(Point centre, double radius, double lineWidth, Rgba colour) {
  std::vector<float> coverage(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0.0F);
  const double outer = radius + lineWidth / 2 + 1;
  const Box box = clampBox(centre.x - outer, centre.y - outer, centre.x + outer, centre.y + outer,
                           width_, height_);
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      const double d = std::hypot(x + 0.5 - centre.x, y + 0.5 - centre.y);
      coverage[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)] =
          rampCoverage(lineWidth / 2 - std::abs(d - radius));
    }
  }
  composite(coverage, colour);
}

void PngCanvas::strokePolyline(const std::vector<Point>& points, double startWidth, double endWidth,
                               Rgba colour) {
  if (points.empty()) return;
  std::vector<float> coverage(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0.0F);
  // The width follows the arc length, so pressure changes smoothly however the points are spaced.
  std::vector<double> along(points.size(), 0.0);
  for (size_t i = 1; i < points.size(); ++i) {
    along[i] =
        along[i - 1] + std::hypot(points[i].x - points[i - 1].x, points[i].y - points[i - 1].y);
  }
  const double total = along.back() > 0 ? along.back() : 1;
  auto radiusAt = [&](double s) { return (startWidth + (endWidth - startWidth) * s / total) / 2; };
  // A single point is a dot: a zero-length segment gives exactly that.
  const size_t segments = points.size() == 1 ? 1 : points.size() - 1;
  for (size_t i = 0; i < segments; ++i) {
    const Point a = points[i];
    const Point b = points.size() == 1 ? a : points[i + 1];
    const double ra = radiusAt(along[i]);
    const double rb = radiusAt(points.size() == 1 ? along[i] : along[i + 1]);
    const double reach = std::max(ra, rb) + 1;
    const Box box =
        clampBox(std::min(a.x, b.x) - reach, std::min(a.y, b.y) - reach, std::max(a.x, b.x) + reach,
                 std::max(a.y, b.y) + reach, width_, height_);
    const double dx = b.x - a.x;
    const double dy = b.y - a.y;
    const double lengthSquared = dx * dx + dy * dy;
    for (int y = box.y0; y < box.y1; ++y) {
      for (int x = box.x0; x < box.x1; ++x) {
        const double px = x + 0.5 - a.x;
        const double py = y + 0.5 - a.y;
        const double t =
            lengthSquared > 0 ? std::clamp((px * dx + py * dy) / lengthSquared, 0.0, 1.0) : 0.0;
        const double d = std::hypot(px - t * dx, py - t * dy);
        float& c =
            coverage[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)];
        // max, not sum: overlapping segments of one stroke must not darken their joints.
        c = std::max(c, rampCoverage(ra + (rb - ra) * t - d));
      }
    }
  }
  composite(coverage, colour);
}

void PngCanvas::strokeBezier(Point p0, Point p1, Point p2, Point p3, double startWidth,
                             double endWidth, Rgba colour) {
  // Enough steps that each chord is at most ~1 px: the control polygon bounds the length.
  const double bound = std::hypot(p1.x - p0.x, p1.y - p0.y) + std::hypot(p2.x - p1.x, p2.y - p1.y) +
                       std::hypot(p3.x - p2.x, p3.y - p2.y);
  const int steps = std::max(8, static_cast<int>(std::ceil(bound)));
  std::vector<Point> points;
  points.reserve(static_cast<size_t>(steps) + 1);
  for (int i = 0; i <= steps; ++i) {
    const double t = static_cast<double>(i) / steps;
    const double u = 1 - t;
    const double b0 = u * u * u;
    const double b1 = 3 * u * u * t;
    const double b2 = 3 * u * t * t;
    const double b3 = t * t * t;
    points.push_back({b0 * p0.x + b1 * p1.x + b2 * p2.x + b3 * p3.x,
                      b0 * p0.y + b1 * p1.y + b2 * p2.y + b3 * p3.y});
  }
  strokePolyline(points, startWidth, endWidth, colour);
}

void PngCanvas::fillPolygon(const std::vector<Point>& points, Rgba colour) {
  if (points.size() < 3) return;
  double minX = points[0].x;
  double maxX = minX;
  double minY = points[0].y;
  double maxY = minY;
  for (const auto& p : points) {
    minX = std::min(minX, p.x);
    maxX = std::max(maxX, p.x);
    minY = std::min(minY, p.y);
    maxY = std::max(maxY, p.y);
  }
  auto winding = [&](double sx, double sy) {
    int w = 0;
    for (size_t i = 0; i < points.size(); ++i) {
      const Point a = points[i];
      const Point b = points[(i + 1) % points.size()];
      const double cross = (b.x - a.x) * (sy - a.y) - (sx - a.x) * (b.y - a.y);
      if (a.y <= sy && b.y > sy && cross > 0) ++w;
      if (a.y > sy && b.y <= sy && cross < 0) --w;
    }
    return w;
  };
  std::vector<float> coverage(static_cast<size_t>(width_) * static_cast<size_t>(height_), 0.0F);
  const Box box = clampBox(minX, minY, maxX, maxY, width_, height_);
  constexpr double kStep = 1.0 / kSupersample;
  for (int y = box.y0; y < box.y1; ++y) {
    for (int x = box.x0; x < box.x1; ++x) {
      int inside = 0;
      for (int sy = 0; sy < kSupersample; ++sy) {
        for (int sx = 0; sx < kSupersample; ++sx) {
          if (winding(x + (sx + 0.5) * kStep, y + (sy + 0.5) * kStep) != 0) ++inside;
        }
      }
      coverage[static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)] =
          static_cast<float>(inside) / (kSupersample * kSupersample);
    }
  }
  composite(coverage, colour);
}

void PngCanvas::writePng(const std::filesystem::path& path) const {
  std::filesystem::path temp = path;
  temp += ".tmp";
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width_);
  image.height = static_cast<png_uint_32>(height_);
  image.format = PNG_FORMAT_RGBA;
  const int ok = png_image_write_to_file(&image, temp.c_str(), 0, pixels_.data(), 0, nullptr);
  png_image_free(&image);
  std::error_code ec;
  if (ok == 0) {
    std::filesystem::remove(temp, ec);
    throwPngError("cannot write " + path.string(), image);
  }
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw Error(ErrorCode::IoFailure,
                "cannot move the PNG to " + path.string() + ": " + ec.message());
  }
}

PngCanvas PngCanvas::readPng(const std::filesystem::path& path) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (png_image_begin_read_from_file(&image, path.c_str()) == 0) {
    throwPngError("cannot read " + path.string(), image);
  }
  if (image.width == 0 || image.height == 0 || image.width > kMaxDimension ||
      image.height > kMaxDimension) {
    png_image_free(&image);
    throw Error(ErrorCode::IoFailure, path.string() + ": image size out of range");
  }
  image.format = PNG_FORMAT_RGBA;
  PngCanvas canvas(static_cast<int>(image.width), static_cast<int>(image.height));
  if (png_image_finish_read(&image, nullptr, canvas.pixels_.data(), 0, nullptr) == 0) {
    png_image_free(&image);
    throwPngError("cannot decode " + path.string(), image);
  }
  return canvas;
}

}  // namespace vanthu::demo
