// The JSON and human forms of a verification report (DESIGN §4). The JSON field names are a
// contract (docs/verification-report.schema.json): change them only together with the schema.

#include "vanthu/signing/verification_report.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <array>
#include <sstream>
#include <typeinfo>
#include <utility>

#include "vanthu/workflow/error.h"

namespace vanthu::signing {
namespace {

constexpr std::array<std::pair<Indication, std::string_view>, 3> kIndications{{
    {Indication::TotalPassed, "TOTAL_PASSED"},
    {Indication::TotalFailed, "TOTAL_FAILED"},
    {Indication::Indeterminate, "INDETERMINATE"},
}};

constexpr std::array<std::pair<ModificationLevel, std::string_view>, 5> kLevels{{
    {ModificationLevel::None, "NONE"},
    {ModificationLevel::LtaUpdates, "LTA_UPDATES"},
    {ModificationLevel::FormFilling, "FORM_FILLING"},
    {ModificationLevel::Annotations, "ANNOTATIONS"},
    {ModificationLevel::Other, "OTHER"},
}};

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr stringArray(const std::vector<std::string>& values) {
  Array::Ptr array = new Array;
  for (const auto& value : values) array->add(value);
  return array;
}

Object::Ptr certificateJson(const CertificateSummary& certificate) {
  Object::Ptr object = new Object;
  object->set("subject", certificate.subject);
  object->set("issuer", certificate.issuer);
  object->set("serial", certificate.serial);
  object->set("not_before", certificate.notBefore);
  object->set("not_after", certificate.notAfter);
  return object;
}

Object::Ptr signatureJson(const SignatureReport& signature) {
  Object::Ptr object = new Object;
  object->set("field", signature.field);
  object->set("kind", signature.kind);
  object->set("signer", certificateJson(signature.signer));
  object->set("subfilter", signature.subfilter);
  object->set("level", signature.level);
  object->set("claimed_time", signature.claimedTime);
  object->set("timestamp_time", signature.timestampTime);
  object->set("best_signature_time", signature.bestSignatureTime);
  object->set("best_signature_time_source", signature.bestSignatureTimeSource);
  object->set("indication", std::string(indicationName(signature.indication)));
  object->set("subindication", signature.subindication);
  object->set("integrity", signature.integrity);
  Array::Ptr range = new Array;
  for (int64_t value : signature.byteRange) range->add(value);
  object->set("byte_range", range);
  object->set("covers_revision", signature.coversRevision);
  object->set("covers_whole_file", signature.coversWholeFile);
  object->set("modifications_after",
              std::string(modificationLevelName(signature.modificationsAfter)));
  object->set("changes", stringArray(signature.changes));
  Array::Ptr chain = new Array;
  for (const auto& certificate : signature.chain) chain->add(certificateJson(certificate));
  object->set("chain", chain);
  object->set("trusted", signature.trusted);
  Object::Ptr revocation = new Object;
  revocation->set("status", signature.revocation.status);
  revocation->set("source", signature.revocation.source);
  revocation->set("revoked_at", signature.revocation.revokedAt);
  object->set("revocation", revocation);
  object->set("certification", signature.certification);
  object->set("digest_algorithm", signature.digestAlgorithm);
  object->set("signature_algorithm", signature.signatureAlgorithm);
  object->set("errors", stringArray(signature.errors));
  object->set("warnings", stringArray(signature.warnings));
  return object;
}

// Readers that refuse a report of the wrong shape instead of guessing.
[[noreturn]] void malformed(const std::string& what) {
  throw Error(ErrorCode::InvalidArgument, "not a verification report: " + what);
}

std::string text(const Object& object, const std::string& key) {
  if (!object.has(key)) malformed("missing \"" + key + "\"");
  try {
    return object.getValue<std::string>(key);
  } catch (const Poco::Exception&) {
    malformed("\"" + key + "\" is not a string");
  }
}

bool flag(const Object& object, const std::string& key) {
  if (!object.has(key)) malformed("missing \"" + key + "\"");
  try {
    return object.getValue<bool>(key);
  } catch (const Poco::Exception&) {
    malformed("\"" + key + "\" is not a boolean");
  }
}

int64_t number(const Object& object, const std::string& key) {
  if (!object.has(key)) malformed("missing \"" + key + "\"");
  try {
    return object.getValue<int64_t>(key);
  } catch (const Poco::Exception&) {
    malformed("\"" + key + "\" is not a number");
  }
}

Object::Ptr child(const Object& object, const std::string& key) {
  Object::Ptr value = object.getObject(key);
  if (value.isNull()) malformed("\"" + key + "\" is not an object");
  return value;
}

Array::Ptr list(const Object& object, const std::string& key) {
  Array::Ptr value = object.getArray(key);
  if (value.isNull()) malformed("\"" + key + "\" is not an array");
  return value;
}

std::vector<std::string> strings(const Object& object, const std::string& key) {
  std::vector<std::string> values;
  Array::Ptr array = list(object, key);
  for (size_t i = 0; i < array->size(); ++i) values.push_back(array->getElement<std::string>(i));
  return values;
}

CertificateSummary certificateFrom(const Object& object) {
  CertificateSummary certificate;
  certificate.subject = text(object, "subject");
  certificate.issuer = text(object, "issuer");
  certificate.serial = text(object, "serial");
  certificate.notBefore = text(object, "not_before");
  certificate.notAfter = text(object, "not_after");
  return certificate;
}

Indication indicationFrom(const Object& object, const std::string& key) {
  auto indication = indicationFromName(text(object, key));
  if (!indication) malformed("unknown indication in \"" + key + "\"");
  return *indication;
}

SignatureReport signatureFrom(const Object& object) {
  SignatureReport signature;
  signature.field = text(object, "field");
  signature.kind = text(object, "kind");
  signature.signer = certificateFrom(*child(object, "signer"));
  signature.subfilter = text(object, "subfilter");
  signature.level = text(object, "level");
  signature.claimedTime = text(object, "claimed_time");
  signature.timestampTime = text(object, "timestamp_time");
  signature.bestSignatureTime = text(object, "best_signature_time");
  signature.bestSignatureTimeSource = text(object, "best_signature_time_source");
  signature.indication = indicationFrom(object, "indication");
  signature.subindication = text(object, "subindication");
  signature.integrity = flag(object, "integrity");
  Array::Ptr range = list(object, "byte_range");
  for (size_t i = 0; i < range->size(); ++i) {
    signature.byteRange.push_back(range->getElement<int64_t>(i));
  }
  signature.coversRevision = static_cast<int>(number(object, "covers_revision"));
  signature.coversWholeFile = flag(object, "covers_whole_file");
  auto level = modificationLevelFromName(text(object, "modifications_after"));
  if (!level) malformed("unknown \"modifications_after\"");
  signature.modificationsAfter = *level;
  signature.changes = strings(object, "changes");
  Array::Ptr chain = list(object, "chain");
  for (size_t i = 0; i < chain->size(); ++i) {
    Object::Ptr certificate = chain->getObject(i);
    if (certificate.isNull()) malformed("a chain entry is not an object");
    signature.chain.push_back(certificateFrom(*certificate));
  }
  signature.trusted = flag(object, "trusted");
  Object::Ptr revocation = child(object, "revocation");
  signature.revocation.status = text(*revocation, "status");
  signature.revocation.source = text(*revocation, "source");
  signature.revocation.revokedAt = text(*revocation, "revoked_at");
  signature.certification = text(object, "certification");
  signature.digestAlgorithm = text(object, "digest_algorithm");
  signature.signatureAlgorithm = text(object, "signature_algorithm");
  signature.errors = strings(object, "errors");
  signature.warnings = strings(object, "warnings");
  return signature;
}

// ANSI colours only when asked (a terminal); a file or pipe gets plain text.
struct Palette {
  bool on;
  std::string paint(const std::string& value, const char* code) const {
    return on ? std::string("\033[") + code + "m" + value + "\033[0m" : value;
  }
  std::string indication(Indication indication) const {
    std::string name(indicationName(indication));
    switch (indication) {
      case Indication::TotalPassed:
        return paint(name, "1;32");
      case Indication::TotalFailed:
        return paint(name, "1;31");
      case Indication::Indeterminate:
        return paint(name, "1;33");
    }
    return name;
  }
};

std::string orDash(const std::string& value) {
  return value.empty() ? "-" : value;
}

}  // namespace

std::string_view indicationName(Indication indication) {
  for (const auto& [value, name] : kIndications) {
    if (value == indication) return name;
  }
  return "INDETERMINATE";
}

std::optional<Indication> indicationFromName(std::string_view name) {
  for (const auto& [value, known] : kIndications) {
    if (known == name) return value;
  }
  return std::nullopt;
}

int indicationSeverity(Indication indication) {
  switch (indication) {
    case Indication::TotalPassed:
      return 0;
    case Indication::Indeterminate:
      return 1;
    case Indication::TotalFailed:
      return 2;
  }
  return 1;
}

std::string_view modificationLevelName(ModificationLevel level) {
  for (const auto& [value, name] : kLevels) {
    if (value == level) return name;
  }
  return "OTHER";
}

std::optional<ModificationLevel> modificationLevelFromName(std::string_view name) {
  for (const auto& [value, known] : kLevels) {
    if (known == name) return value;
  }
  return std::nullopt;
}

std::string reportToJson(const FileReport& report) {
  Object::Ptr object = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  object->set("file", report.file);
  object->set("sha256", report.sha256);
  object->set("verdict", std::string(indicationName(report.verdict)));
  object->set("readable", report.readable);
  object->set("error_code", report.errorCode);
  object->set("error", report.error);
  object->set("revisions", report.revisions);
  object->set("problems", stringArray(report.problems));
  Array::Ptr signatures = new Array;
  for (const auto& signature : report.signatures) signatures->add(signatureJson(signature));
  object->set("signatures", signatures);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(object, out);
  return out.str();
}

FileReport reportFromJson(const std::string& json) {
  Poco::Dynamic::Var parsed;
  try {
    parsed = Poco::JSON::Parser().parse(json);
  } catch (const Poco::Exception& error) {
    malformed(error.displayText());
  }
  if (parsed.type() != typeid(Object::Ptr)) malformed("not a JSON object");
  Object::Ptr object = parsed.extract<Object::Ptr>();
  if (object.isNull()) malformed("not a JSON object");
  FileReport report;
  report.file = text(*object, "file");
  report.sha256 = text(*object, "sha256");
  report.verdict = indicationFrom(*object, "verdict");
  report.readable = flag(*object, "readable");
  report.errorCode = text(*object, "error_code");
  report.error = text(*object, "error");
  report.revisions = static_cast<int>(number(*object, "revisions"));
  report.problems = strings(*object, "problems");
  Array::Ptr signatures = list(*object, "signatures");
  for (size_t i = 0; i < signatures->size(); ++i) {
    Object::Ptr signature = signatures->getObject(i);
    if (signature.isNull()) malformed("a signature entry is not an object");
    report.signatures.push_back(signatureFrom(*signature));
  }
  return report;
}

std::string reportToText(const FileReport& report, bool colour) {
  Palette palette{colour};
  std::ostringstream out;
  out << palette.paint(report.file, "1") << "\n";
  if (!report.readable) {
    out << "  " << palette.indication(Indication::Indeterminate) << ": the file could not be read ("
        << report.errorCode << "): " << report.error << "\n";
    return out.str();
  }
  out << "  SHA-256 " << report.sha256 << ", " << report.revisions << " revision"
      << (report.revisions == 1 ? "" : "s") << ", " << report.signatures.size() << " signature"
      << (report.signatures.size() == 1 ? "" : "s") << "\n";
  for (const auto& problem : report.problems) {
    out << "  " << palette.paint("! ", "33") << problem << "\n";
  }
  if (report.signatures.empty()) out << "  no signatures\n";
  size_t number = 0;
  for (const auto& signature : report.signatures) {
    ++number;
    out << "\n  [" << number << "] "
        << (signature.kind == "signature" ? "Signature" : "Document time-stamp") << " "
        << palette.paint(orDash(signature.field), "1") << ": "
        << palette.indication(signature.indication)
        << (signature.subindication.empty() ? "" : " / " + signature.subindication) << "\n";
    out << "      signer:       " << orDash(signature.signer.subject) << "\n";
    out << "      issuer:       " << orDash(signature.signer.issuer) << "\n";
    std::string time = orDash(signature.bestSignatureTime);
    if (!signature.bestSignatureTimeSource.empty()) {
      time += " (proven by the " + signature.bestSignatureTimeSource + ")";
    } else if (!signature.claimedTime.empty()) {
      time = signature.claimedTime + " (claimed by the signer, not proven)";
    }
    out << "      time:         " << time << "\n";
    out << "      format:       " << orDash(signature.subfilter)
        << (signature.level.empty() ? "" : ", PAdES " + signature.level) << ", "
        << orDash(signature.digestAlgorithm) << " with " << orDash(signature.signatureAlgorithm)
        << "\n";
    out << "      coverage:     revision " << signature.coversRevision
        << (signature.coversWholeFile ? " (the whole file)" : " (not the whole file)") << "\n";
    out << "      changes after: " << modificationLevelName(signature.modificationsAfter) << "\n";
    for (const auto& change : signature.changes) out << "        - " << change << "\n";
    out << "      integrity:    "
        << (signature.integrity ? palette.paint("intact", "32")
                                : palette.paint("NOT verified", "31"))
        << "\n";
    out << "      trust:        "
        << (signature.trusted ? palette.paint("chain to a trust anchor", "32")
                              : palette.paint("no chain to a trust anchor", "33"))
        << "\n";
    out << "      revocation:   " << signature.revocation.status << " (source "
        << signature.revocation.source << ")"
        << (signature.revocation.revokedAt.empty() ? ""
                                                   : ", revoked " + signature.revocation.revokedAt)
        << "\n";
    if (signature.certification != "none") {
      out << "      certification: " << signature.certification << "\n";
    }
    for (const auto& error : signature.errors) {
      out << "      " << palette.paint("error: ", "31") << error << "\n";
    }
    for (const auto& warning : signature.warnings) {
      out << "      " << palette.paint("warning: ", "33") << warning << "\n";
    }
  }
  out << "\n  verdict: " << palette.indication(report.verdict) << "\n";
  return out.str();
}

int verificationExitCode(const std::vector<FileReport>& reports) {
  bool unreadable = false;
  bool failed = false;
  bool indeterminate = false;
  for (const auto& report : reports) {
    if (!report.readable) {
      unreadable = true;
    } else if (report.verdict == Indication::TotalFailed) {
      failed = true;
    } else if (report.verdict == Indication::Indeterminate) {
      indeterminate = true;
    }
  }
  // A forged signature is the most urgent news of a batch, then a file that could not be judged.
  if (failed) return 1;
  if (unreadable) return 3;
  if (indeterminate) return 2;
  return 0;
}

}  // namespace vanthu::signing
