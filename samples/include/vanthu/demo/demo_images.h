#pragma once

// The demo signature and seal images for visible signatures (Decree 30, Phụ lục I: the signer's
// signature image in blue and the agency seal in red, both PNG with a transparent background).

#include <filesystem>

namespace vanthu::demo {

constexpr int kSignatureImageWidth = 600;
constexpr int kSignatureImageHeight = 240;
/// 40 mm, a common seal diameter, at 300 dpi.
constexpr int kSealImageSize = 472;

/// A blue (#1a3c9e) handwritten-looking signature on a transparent 600x240 canvas. The same
/// `seed` always gives the same scribble; different seeds give different signers.
/// Throws vanthu::Error(IoFailure) if the file cannot be written.
void writeSignatureImage(const std::filesystem::path& path, unsigned seed);

/// A red (#d0141c) round seal on a transparent 472x472 canvas: outer double ring, inner ring, a
/// five-pointed star in the centre and a ring of dots where the agency name would be.
/// Throws vanthu::Error(IoFailure) if the file cannot be written.
void writeSealImage(const std::filesystem::path& path);

}  // namespace vanthu::demo
