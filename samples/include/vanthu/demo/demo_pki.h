#pragma once

// The demo PKI behind `vanthu demo init`: two hierarchies with CRLs, signer credentials for the
// demo people and organisations, a time-stamping authority and an OCSP responder, all written as
// PEM / DER / PKCS#12 files under one directory (layout in buildDemoPki's comment and README.md).
//
//   Demo National Root CA (RSA-3072, 20 years)
//     └─ Demo Government CA (RSA-2048, 10 years): every subject, the TSA, the OCSP responder,
//                                                 "<first person>-old" (revoked, keyCompromise)
//   Demo Public Root CA (RSA-3072, 20 years)
//     └─ Demo Public CA (P-256, 10 years): "congdan" (Ngô Thị Thu), "congdan-old" (revoked,
//                                           superseded)

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "vanthu/signing/certificate_authority.h"

namespace vanthu::demo {

enum class DemoCredentialKind : uint8_t { Unknown = 0, Person, Organisation };

/// One signer the demo needs a credential for.
struct DemoPkiSubject {
  std::string id;  ///< stable file stem, e.g. "lanhdao" or "000.00.00.H55" ([A-Za-z0-9._-])
  DemoCredentialKind kind = DemoCredentialKind::Unknown;
  std::string commonName;    ///< Vietnamese, e.g. "Phạm Quốc Hùng"
  std::string title;         ///< position, e.g. "Chủ tịch" (subject "title"); may be empty
  std::string organisation;  ///< O
  std::string unit;          ///< OU, may be empty
  std::string locality;      ///< L, e.g. "Thái Nguyên"
  std::string email;         ///< subjectAltName e-mail, may be empty
  std::string agencyCode;    ///< organisations: the 000.00.00.H55 code, put into UID; else empty
  signing::KeyAlgorithm key = signing::KeyAlgorithm::Unknown;
};

struct DemoPkiOptions {
  std::vector<DemoPkiSubject> subjects;
  std::string pkcs12Password;  ///< one documented password for every demo .p12 (never written out)
  /// e.g. "http://127.0.0.1:8080/pki/" ("/" is added if missing). CDP = baseUrl +
  /// "<ca-file-stem>.crl", OCSP = baseUrl + "ocsp".
  std::string baseUrl;
  std::chrono::system_clock::time_point now;
};

struct DemoCredential {
  std::string id;
  DemoCredentialKind kind = DemoCredentialKind::Unknown;
  std::filesystem::path certificatePem;
  std::filesystem::path pkcs12;
  std::string subject;  ///< Certificate::subjectText()
  std::string issuer;   ///< Certificate::issuerText()
  std::string serialHex;
  std::chrono::system_clock::time_point notAfter;
  bool revoked = false;
};

struct DemoPki {
  /// One per subject (in the order given), then "congdan", "tsa" and "ocsp" (kind Organisation),
  /// then the revoked "<first person id>-old" and "congdan-old".
  std::vector<DemoCredential> credentials;
  std::vector<std::filesystem::path> trustAnchors;   ///< the root certificates (PEM)
  std::vector<std::filesystem::path> intermediates;  ///< the issuing CA certificates (PEM)
  std::vector<std::filesystem::path> crls;           ///< one per CA (roots too), DER
};

/// The CA file stems, for callers that serve the CRLs ("<stem>.crl" under baseUrl).
inline constexpr const char* kDemoNationalRootStem = "demo-national-root-ca";
inline constexpr const char* kDemoGovernmentCaStem = "demo-government-ca";
inline constexpr const char* kDemoPublicRootStem = "demo-public-root-ca";
inline constexpr const char* kDemoPublicCaStem = "demo-public-ca";

/// Creates the whole PKI under `dir` (which exists and is empty):
///   roots/<stem>.pem|.p12       root certificates (and their keys)
///   ca/<stem>.pem|.p12          issuing CA certificates (and their keys)
///   chain/<stem>-chain.pem      issuing CA + root, per issuing CA
///   crl/<stem>.crl|.crl.pem     one CRL per CA (thisUpdate = now, nextUpdate = now + 30 days)
///   users/<id>.pem|.p12         persons (and "congdan")
///   orgs/<id>.pem|.p12          organisations
///   tsa/tsa.pem|.p12, ocsp/ocsp.pem|.p12, revoked/<id>-old.pem|.p12
///   README.md                   the files, the hierarchy and the URLs (never the password)
/// Every .p12 holds the key, the certificate and the chain up to and including the root, with
/// friendlyName = id (the stem for CAs), and is protected by options.pkcs12Password. Every file
/// is written to a temporary name and renamed into place; key stores have mode 0600.
/// Throws Error(InvalidArgument) for bad options (no password, no base URL, no first Person
/// subject, duplicate or unsafe ids, a missing name or key) or a `dir` that is missing or not
/// empty, and whatever the signing toolkit throws (CryptoFailure, IoFailure).
DemoPki buildDemoPki(const DemoPkiOptions& options, const std::filesystem::path& dir);

}  // namespace vanthu::demo
