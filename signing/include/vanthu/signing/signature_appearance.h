#pragma once

// The visible part of a signature, drawn as Decree 30/2020 Phụ lục I asks
// (standards/vn-government.md §1.5):
//  - a signer: position (with the authority marker KT./TL./TUQ./TM./Q.) in bold capitals, the
//    blue signature image below it, then the full name in bold, then the signing time;
//  - an organisation ("seal"): the red seal image at its actual size at the top left of the box,
//    the organisation's name and the signing time in ISO 8601 with +07:00 in small type beside
//    it (a box at least 60 pt wider than the seal) or under it;
//  - an attachment in a separate file: no image, Times-compatible 10 pt black text at the top
//    right of page 1: the parent document's number and notation and the signing time.
// Text is NFC-normalised and drawn with an embedded subset of Liberation Serif 2 (Identity-H +
// ToUnicode, so text extraction returns it exactly); a character the font cannot show is an
// error, never a blank.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace vanthu::signing {

enum class AppearanceKind : uint8_t { Unknown = 0, Signer, Organisation, Attachment };

struct SignatureAppearance {
  AppearanceKind kind = AppearanceKind::Signer;
  /// Signer: the blue signature PNG; organisation: the red seal PNG; attachment: none.
  std::filesystem::path image;
  /// Signer: "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"; attachment: "Số: 15/QĐ-UBND". Bold for a signer.
  std::vector<std::string> headingLines;
  /// The signer's or the organisation's name.
  std::string name;
  bool showTime = true;
  double fontSize = 10;
  /// The seal's real diameter in points (40 mm = 113.4 pt): drawn at this size, never scaled to
  /// the box, because Decree 30 wants the seal at actual size.
  double sealDiameter = 113.4;
  /// Directory of LiberationSerif-{Regular,Bold}.ttf (fonts-liberation2).
  std::filesystem::path fontDirectory = "/usr/share/fonts/truetype/liberation2";
};

/// The text the appearance shows, line by line, NFC-normalised (what pdftotext returns).
/// `isoTime` is the signing time as appearanceTime() formats it.
std::vector<std::string> appearanceText(const SignatureAppearance& appearance,
                                        const std::string& isoTime);

/// "2026-11-22T09:30:00+07:00": the signing time in Vietnam's time zone.
std::string appearanceTime(std::chrono::system_clock::time_point when);

/// NFC normalisation (ICU). InvalidArgument for text that is not UTF-8.
std::string normalizeNfc(const std::string& utf8);

/// Capitals as a signer's position is printed ("Phó Chủ tịch" → "PHÓ CHỦ TỊCH"), NFC.
/// InvalidArgument for text that is not UTF-8.
std::string upperCaseVietnamese(const std::string& utf8);

}  // namespace vanthu::signing
