#pragma once

// A small RGBA8 raster with anti-aliased shapes, enough for the demo signature and seal images,
// and PNG input/output through libpng (kept out of this header).

#include <cstdint>
#include <filesystem>
#include <vector>

namespace vanthu::demo {

struct Rgba {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  uint8_t a = 0;
};

struct Point {
  double x = 0;
  double y = 0;
};

/// Pixel (0,0) is the top-left corner; a pixel's centre is at (x+0.5, y+0.5). Shapes are composited
/// "source over" with coverage-based anti-aliasing. Starts fully transparent.
class PngCanvas {
 public:
  /// Throws vanthu::Error(InvalidArgument) unless 0 < width, height <= 16384.
  PngCanvas(int width, int height);

  int width() const { return width_; }
  int height() const { return height_; }
  /// Requires 0 <= x < width, 0 <= y < height.
  Rgba pixel(int x, int y) const;
  /// Straight (non-premultiplied) RGBA rows, top to bottom.
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  void fillCircle(Point centre, double radius, Rgba colour);
  /// A ring centred on the circle of `radius`, `lineWidth` wide.
  void strokeCircle(Point centre, double radius, double lineWidth, Rgba colour);
  /// Round caps and joins; the width may vary from `startWidth` to `endWidth` along the line
  /// (pen pressure).
  void strokePolyline(const std::vector<Point>& points, double startWidth, double endWidth,
                      Rgba colour);
  void strokePolyline(const std::vector<Point>& points, double width, Rgba colour) {
    strokePolyline(points, width, width, colour);
  }
  /// A cubic Bézier curve, flattened finely enough for sub-pixel accuracy.
  void strokeBezier(Point p0, Point p1, Point p2, Point p3, double startWidth, double endWidth,
                    Rgba colour);
  /// Non-zero winding fill, 4x4 supersampled.
  void fillPolygon(const std::vector<Point>& points, Rgba colour);

  /// Writes an 8-bit RGBA PNG to a temporary file beside `path`, then renames it.
  /// Throws vanthu::Error(IoFailure) with libpng's or the OS's reason.
  void writePng(const std::filesystem::path& path) const;
  /// Reads any PNG, converted to 8-bit RGBA. Throws vanthu::Error(IoFailure) if it cannot.
  static PngCanvas readPng(const std::filesystem::path& path);

 private:
  /// Blends `colour` into the pixels where `coverage` (one value per pixel, 0..1) is non-zero.
  void composite(const std::vector<float>& coverage, Rgba colour);

  int width_;
  int height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace vanthu::demo
