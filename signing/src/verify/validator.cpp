// The validator's orchestration (ETSI EN 319 102-1 order, standards/pdf-signatures.md §2): for
// every signature field of the newest revision, the PDF-level format checks (ByteRange, the
// /Contents gap at its parsed offset, coverage of a whole revision, the signature dictionary
// unchanged later), then the CMS checks, then what later revisions changed. Document
// time-stamps are judged first because they give earlier signatures their proof of existence.

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "podofo_support.h"
#include "vanthu/signing/signature_validator.h"
#include "verify/cms_verification.h"
#include "verify/iso_time.h"
#include "verify/modification_analysis.h"
#include "verify/pdf_revisions.h"
#include "verify/prefix_hasher.h"
#include "verify/signature_dictionary.h"

namespace vanthu::signing {
namespace {

using detail::isoUtc;
using detail::RevisionView;
using PoDoFo::PdfName;
using PoDoFo::PdfObject;
using Clock = std::chrono::system_clock;

constexpr size_t kMaxFieldDepth = 32;
constexpr size_t kMaxFields = 100000;

// "D:YYYYMMDDHHmmSS+HH'mm'" (every part after the year optional) → ISO 8601 UTC; "" when the
// value is not a PDF date. /M is only a claim, but people read it.
std::string pdfDateToIso(const std::string& value) {
  std::string date = value.rfind("D:", 0) == 0 ? value.substr(2) : value;
  auto digits = [&](size_t at, size_t count, int fallback) {
    if (date.size() < at + count) return fallback;
    int result = 0;
    for (size_t i = at; i < at + count; ++i) {
      if (date[i] < '0' || date[i] > '9') return -1;
      result = result * 10 + (date[i] - '0');
    }
    return result;
  };
  std::tm parts{};
  int year = digits(0, 4, -1);
  int month = digits(4, 2, 1);
  int day = digits(6, 2, 1);
  int hour = digits(8, 2, 0);
  int minute = digits(10, 2, 0);
  int second = digits(12, 2, 0);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60) {
    return "";
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second;
  long offset = 0;
  if (date.size() > 14 && (date[14] == '+' || date[14] == '-')) {
    int offsetHours = digits(15, 2, 0);
    int offsetMinutes = date.size() > 18 ? digits(18, 2, 0) : 0;
    if (offsetHours < 0 || offsetMinutes < 0) return "";
    offset = (offsetHours * 60L + offsetMinutes) * 60L * (date[14] == '-' ? -1 : 1);
  }
  return isoUtc(detail::timePointFromTimeT(timegm(&parts) - offset));
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string text;
  for (unsigned char c : bytes) {
    text += digits[c >> 4];
    text += digits[c & 15];
  }
  return text;
}

// Records a failure unless a worse one is already there: TOTAL_FAILED beats INDETERMINATE.
void downgrade(SignatureReport& report, Indication indication, const std::string& subindication,
               const std::string& error) {
  if (indicationSeverity(indication) > indicationSeverity(report.indication) ||
      (report.indication == Indication::TotalPassed)) {
    report.indication = indication;
    report.subindication = subindication;
  }
  if (!error.empty()) report.errors.push_back(error);
}

std::string nameOf(const PdfObject* object) {
  if (object == nullptr || !object->IsName()) return "";
  return object->GetName().GetName();
}

std::string textOf(const PdfObject* object) {
  if (object == nullptr || !object->IsString()) return "";
  return object->GetString().GetStringUtf8();
}

/// A signature field as the newest revision shows it.
struct SignatureField {
  std::string name;
  PoDoFo::PdfReference fieldReference;
  const PdfObject* field = nullptr;
  const PdfObject* value = nullptr;  ///< /V, resolved
  bool valueIsReference = false;
  PoDoFo::PdfReference valueReference;
};

// Walks /AcroForm /Fields (and /Kids) of the newest revision; /FT is inheritable.
void collectFields(const RevisionView& view, const PdfObject* node, const std::string& parentName,
                   const std::string& inheritedType, size_t depth, std::set<std::string>& seen,
                   std::vector<SignatureField>& out, size_t& visited) {
  if (node == nullptr || depth > kMaxFieldDepth || ++visited > kMaxFields) return;
  const PdfObject* field = view.resolve(node);
  if (field == nullptr || !field->IsDictionary()) return;
  if (node->IsReference()) {
    std::string key = node->GetReference().ToString();
    if (!seen.insert(key).second) return;  // a loop or a field listed twice
  }
  std::string partial = textOf(view.get(*field, "T"));
  std::string name = parentName.empty() ? partial
                     : partial.empty()  ? parentName
                                        : parentName + "." + partial;
  std::string type = nameOf(view.get(*field, "FT"));
  if (type.empty()) type = inheritedType;
  const PdfObject* kids = view.get(*field, "Kids");
  if (kids != nullptr && kids->IsArray()) {
    for (const auto& kid : kids->GetArray()) {
      collectFields(view, &kid, name, type, depth + 1, seen, out, visited);
    }
  }
  if (type != "Sig") return;
  const PdfObject* rawValue =
      field->GetDictionary().HasKey("V") ? field->GetDictionary().GetKey("V") : nullptr;
  if (rawValue == nullptr) return;  // an empty signature field
  SignatureField signature;
  signature.name = name;
  signature.field = field;
  if (node->IsReference()) signature.fieldReference = node->GetReference();
  signature.value = view.resolve(rawValue);
  signature.valueIsReference = rawValue->IsReference();
  if (rawValue->IsReference()) signature.valueReference = rawValue->GetReference();
  out.push_back(signature);
}

std::vector<std::string> streamContents(const RevisionView& view, const PdfObject* array) {
  std::vector<std::string> values;
  if (array == nullptr || !array->IsArray()) return values;
  for (const auto& item : array->GetArray()) {
    const PdfObject* stream = view.resolve(&item);
    if (stream == nullptr || !stream->HasStream()) continue;
    char* buffer = nullptr;
    PoDoFo::pdf_long length = 0;
    try {
      stream->GetStream()->GetFilteredCopy(&buffer, &length);
      values.emplace_back(buffer, static_cast<size_t>(length));
    } catch (const PoDoFo::PdfError&) {
      // An undecodable DSS entry is simply not evidence.
    }
    PoDoFo::podofo_free(buffer);
  }
  return values;
}

ValidationData documentSecurityStore(const RevisionView& view) {
  ValidationData data;
  const PdfObject* catalog = view.catalog();
  if (catalog == nullptr) return data;
  const PdfObject* dss = view.get(*catalog, "DSS");
  if (dss == nullptr || !dss->IsDictionary()) return data;
  data.certificates = streamContents(view, view.get(*dss, "Certs"));
  data.crls = streamContents(view, view.get(*dss, "CRLs"));
  data.ocspResponses = streamContents(view, view.get(*dss, "OCSPs"));
  return data;
}

bool hasDss(const RevisionView& view) {
  const PdfObject* catalog = view.catalog();
  return catalog != nullptr && view.get(*catalog, "DSS") != nullptr;
}

/// DocMDP /P of a signature dictionary's /Reference, 0 when it certifies nothing.
int docMdpPermission(const RevisionView& view, const PdfObject& signature) {
  const PdfObject* references = view.get(signature, "Reference");
  if (references == nullptr || !references->IsArray()) return 0;
  for (const auto& item : references->GetArray()) {
    const PdfObject* reference = view.resolve(&item);
    if (reference == nullptr || !reference->IsDictionary()) continue;
    if (nameOf(view.get(*reference, "TransformMethod")) != "DocMDP") continue;
    const PdfObject* params = view.get(*reference, "TransformParams");
    const PdfObject* permission = params != nullptr ? view.get(*params, "P") : nullptr;
    if (permission != nullptr && permission->IsNumber()) {
      auto value = permission->GetNumber();
      return value >= 1 && value <= 3 ? static_cast<int>(value) : 2;
    }
    return 2;  // ISO 32000: P defaults to 2
  }
  return 0;
}

// The fields a FieldMDP transform or a field's /Lock dictionary locks.
void applyLock(const RevisionView& view, const PdfObject* lock, detail::ChangePolicy& policy) {
  if (lock == nullptr || !lock->IsDictionary()) return;
  std::string action = nameOf(view.get(*lock, "Action"));
  std::vector<std::string> fields;
  const PdfObject* list = view.get(*lock, "Fields");
  if (list != nullptr && list->IsArray()) {
    for (const auto& item : list->GetArray()) fields.push_back(textOf(view.resolve(&item)));
  }
  if (action == "All") {
    policy.lockAllFields = true;
  } else if (action == "Include") {
    policy.lockedFields.insert(policy.lockedFields.end(), fields.begin(), fields.end());
  } else if (action == "Exclude") {
    policy.unlockedFields.insert(policy.unlockedFields.end(), fields.begin(), fields.end());
    if (fields.empty()) policy.lockAllFields = true;
  }
}

void fieldMdpLocks(const RevisionView& view, const PdfObject& signature,
                   detail::ChangePolicy& policy) {
  const PdfObject* references = view.get(signature, "Reference");
  if (references == nullptr || !references->IsArray()) return;
  for (const auto& item : references->GetArray()) {
    const PdfObject* reference = view.resolve(&item);
    if (reference == nullptr || !reference->IsDictionary()) continue;
    if (nameOf(view.get(*reference, "TransformMethod")) != "FieldMDP") continue;
    applyLock(view, view.get(*reference, "TransformParams"), policy);
  }
}

std::string certificationName(int permission) {
  switch (permission) {
    case 1:
      return "no-changes";
    case 2:
      return "form-filling";
    case 3:
      return "annotations";
    default:
      return "none";
  }
}

/// What one signature field holds, read before any judgement.
struct Candidate {
  SignatureField field;
  SignatureReport report;
  bool documentTimestamp = false;
  std::string contents;  ///< the decoded /Contents (DER, padding removed)
  bool formatOk = false;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;  ///< [start, end) of the signed bytes
  std::optional<size_t> revision;                     ///< 0-based revision covered
  int docMdp = 0;
  std::optional<detail::TimestampCheck> documentTimestampCheck;
};

class Validation {
 public:
  Validation(const std::filesystem::path& pdf, const ValidationOptions& options)
      : pdf_(pdf), options_(options) {}

  FileReport run() {
    FileReport report;
    report.file = pdf_.string();
    try {
      runChecked(report);
    } catch (const Error& error) {
      report.readable = false;
      report.errorCode = std::string(errorCodeName(error.code()));
      report.error = error.what();
      report.signatures.clear();
    } catch (const PoDoFo::PdfError& error) {
      report.readable = false;
      report.errorCode = "invalid_pdf";
      report.error = std::string("PoDoFo could not read the file: ") +
                     PoDoFo::PdfError::ErrorMessage(error.GetError());
      report.signatures.clear();
    }
    return report;
  }

 private:
  void runChecked(FileReport& report) {
    detail::quietPodofo();
    file_ = std::make_unique<detail::MappedFile>(pdf_);
    index_ = std::make_unique<detail::RevisionIndex>(detail::readRevisions(*file_));
    views_ = std::make_unique<detail::RevisionViews>(*file_, *index_);
    report.revisions = static_cast<int>(index_->revisions.size());
    report.problems = index_->problems;
    report.problems.insert(report.problems.end(), index_->notes.begin(), index_->notes.end());
    size_t newest = index_->revisions.size() - 1;
    RevisionView& view = views_->at(newest);

    std::vector<SignatureField> fields;
    const PdfObject* catalog = view.catalog();
    if (catalog == nullptr) throw Error(ErrorCode::InvalidPdf, "the trailer has no /Root catalog");
    const PdfObject* form = view.get(*catalog, "AcroForm");
    if (form != nullptr && form->IsDictionary()) {
      const PdfObject* list = view.get(*form, "Fields");
      if (list != nullptr && list->IsArray()) {
        std::set<std::string> seen;
        size_t visited = 0;
        for (const auto& item : list->GetArray()) {
          collectFields(view, &item, "", "", 0, seen, fields, visited);
        }
      }
    }

    context_.trustAnchors = options_.trustAnchors;
    context_.dss = documentSecurityStore(view);
    context_.fetcher = options_.online ? options_.fetcher : nullptr;
    context_.validationTime = options_.at.value_or(Clock::now());

    std::vector<Candidate> candidates;
    std::map<std::string, std::string> signatureOwners;  // value reference -> first field
    for (const auto& field : fields) {
      Candidate candidate;
      candidate.field = field;
      candidate.report.field = field.name;
      if (field.valueIsReference) {
        std::string key = field.valueReference.ToString();
        auto [it, inserted] = signatureOwners.emplace(key, field.name);
        if (!inserted) {
          report.problems.push_back("the signature dictionary " + key +
                                    " is the value of two fields ('" + it->second + "' and '" +
                                    field.name + "')");
          candidate.report.warnings.push_back("this field shares its signature with the field '" +
                                              it->second + "'");
        }
      }
      readFormat(candidate);
      candidates.push_back(std::move(candidate));
    }
    checkRangesDoNotOverlap(candidates);
    std::vector<uint64_t> cuts;
    for (const auto& candidate : candidates) {
      if (candidate.formatOk) cuts.push_back(candidate.ranges[0].second);
    }
    hasher_ = std::make_unique<detail::PrefixHasher>(file_->data(), file_->size(), cuts);
    report.sha256 = hex(hasher_->digest("SHA256", {{0, file_->size()}}));

    // Document time-stamps first: they prove when the earlier signatures existed.
    for (auto& candidate : candidates) {
      if (candidate.documentTimestamp) validateDocumentTimestamp(candidate);
    }
    for (auto& candidate : candidates) {
      if (!candidate.documentTimestamp) validateSignature(candidate, candidates);
    }
    for (auto& candidate : candidates) {
      analyseModifications(candidate, candidates);
      if (!index_->problems.empty() && candidate.report.indication == Indication::TotalPassed) {
        downgrade(candidate.report, Indication::Indeterminate, "FORMAT_FAILURE",
                  "the file's structure needs repair, so what a viewer shows may not be what "
                  "was signed: " +
                      index_->problems.front());
      }
    }
    for (auto& candidate : candidates) {
      assignLevel(candidate, candidates);
      report.signatures.push_back(std::move(candidate.report));
    }
    // Newest revision order is what readers expect: the first signature first.
    std::stable_sort(report.signatures.begin(), report.signatures.end(),
                     [](const SignatureReport& a, const SignatureReport& b) {
                       return a.coversRevision < b.coversRevision;
                     });
    if (report.signatures.empty()) {
      report.verdict = Indication::Indeterminate;
      report.problems.push_back("the file has no signatures");
    } else {
      report.verdict = Indication::TotalPassed;
      for (const auto& signature : report.signatures) {
        if (indicationSeverity(signature.indication) > indicationSeverity(report.verdict)) {
          report.verdict = signature.indication;
        }
      }
    }
  }

  // Format checks of one signature field (FC building block, with the PDF rules of
  // standards/pdf-signatures.md §4: USF, SWA).
  void readFormat(Candidate& candidate) {
    SignatureReport& report = candidate.report;
    report.indication = Indication::TotalPassed;
    const PdfObject* value = candidate.field.value;
    RevisionView& view = views_->at(index_->revisions.size() - 1);
    if (value == nullptr || !value->IsDictionary()) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the field's /V is not a signature dictionary");
      return;
    }
    report.subfilter = nameOf(view.get(*value, "SubFilter"));
    std::string type = nameOf(view.get(*value, "Type"));
    candidate.documentTimestamp = report.subfilter == "ETSI.RFC3161" || type == "DocTimeStamp";
    if (candidate.documentTimestamp) report.kind = "document-timestamp";
    report.claimedTime = pdfDateToIso(textOf(view.get(*value, "M")));
    candidate.docMdp = docMdpPermission(view, *value);
    report.certification = certificationName(candidate.docMdp);

    if (!candidate.field.valueIsReference) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the signature dictionary is not an indirect object, so its /Contents cannot be "
                "located in the file");
      return;
    }
    size_t newest = index_->revisions.size() - 1;
    auto entry = index_->lookup(newest, candidate.field.valueReference.ObjectNumber());
    if (!entry || entry->type != detail::XrefEntryType::InFile) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the signature dictionary is inside an object stream; its /Contents cannot be "
                "the gap of a byte range");
      return;
    }
    detail::SignatureDictionaryScan scan;
    try {
      scan = detail::scanSignatureDictionary(file_->bytes(), entry->offset);
    } catch (const Error& error) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE", error.what());
      return;
    }
    report.byteRange = scan.byteRange;
    if (!scan.contentsFound) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the signature dictionary has no /Contents hex string");
      return;
    }
    if (scan.byteRange.size() != 4) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "/ByteRange must hold exactly 4 integers, it holds " +
                    std::to_string(scan.byteRange.size()));
      return;
    }
    const auto& range = scan.byteRange;
    uint64_t size = file_->size();
    bool sane = range[0] == 0 && range[1] > 0 && range[2] > range[1] && range[3] >= 0 &&
                static_cast<uint64_t>(range[2]) <= size &&
                static_cast<uint64_t>(range[3]) <= size - static_cast<uint64_t>(range[2]);
    if (!sane) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "/ByteRange [" + std::to_string(range[0]) + " " + std::to_string(range[1]) + " " +
                    std::to_string(range[2]) + " " + std::to_string(range[3]) +
                    "] does not describe two ranges inside the file starting at 0");
      return;
    }
    // SWA defence: the gap is exactly this dictionary's /Contents token where we parsed it.
    if (static_cast<uint64_t>(range[1]) != scan.contentsStart ||
        static_cast<uint64_t>(range[2]) != scan.contentsEnd) {
      downgrade(
          report, Indication::TotalFailed, "FORMAT_FAILURE",
          "the byte range gap [" + std::to_string(range[1]) + ", " + std::to_string(range[2]) +
              ") is not this signature's /Contents, which lies at [" +
              std::to_string(scan.contentsStart) + ", " + std::to_string(scan.contentsEnd) + ")");
      return;
    }
    candidate.ranges = {{0, static_cast<uint64_t>(range[1])},
                        {static_cast<uint64_t>(range[2]),
                         static_cast<uint64_t>(range[2]) + static_cast<uint64_t>(range[3])}};
    uint64_t coveredEnd = candidate.ranges[1].second;
    candidate.revision = index_->revisionEndingAt(coveredEnd);
    if (!candidate.revision) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the signed bytes end at offset " + std::to_string(coveredEnd) +
                    ", which is not the end of a revision of the file");
      return;
    }
    size_t revision = *candidate.revision;
    report.coversRevision = static_cast<int>(revision) + 1;
    report.coversWholeFile = revision == newest && index_->problems.empty();
    // The dictionary must belong to the revision it signs, and not be redefined later
    // (spoofing: a changed /Reason, /M or /Name after signing).
    uint64_t revisionStart = revision == 0 ? 0 : index_->revisions[revision - 1].end;
    if (entry->offset >= coveredEnd || scan.contentsStart < revisionStart) {
      auto signedEntry = index_->lookup(revision, candidate.field.valueReference.ObjectNumber());
      if (!signedEntry || signedEntry->type != detail::XrefEntryType::InFile ||
          signedEntry->offset >= coveredEnd) {
        downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                  "the signature dictionary was replaced after signing (object " +
                      std::to_string(candidate.field.valueReference.ObjectNumber()) + ")");
        return;
      }
      if (scan.contentsStart < revisionStart) {
        downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                  "the signature's /Contents lies in an earlier revision than the one it signs");
        return;
      }
    }
    auto signedEntry = index_->lookup(revision, candidate.field.valueReference.ObjectNumber());
    if (!signedEntry || *signedEntry != *entry) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the signature dictionary (object " +
                    std::to_string(candidate.field.valueReference.ObjectNumber()) +
                    ") was changed in a later revision");
      return;
    }
    candidate.contents = scan.contents;
    if (scan.nonZeroPadding) {
      report.warnings.push_back("/Contents carries non-zero bytes after the CMS structure");
    }
    candidate.formatOk = true;
  }

  // Gaps must not overlap each other, and each gap must lie in the bytes its own revision
  // added (a later signature's gap inside an earlier signature's range breaks nesting).
  void checkRangesDoNotOverlap(std::vector<Candidate>& candidates) {
    for (auto& a : candidates) {
      if (!a.formatOk) continue;
      for (auto& b : candidates) {
        if (&a == &b || !b.formatOk) continue;
        auto gapA = std::make_pair(a.ranges[0].second, a.ranges[1].first);
        auto gapB = std::make_pair(b.ranges[0].second, b.ranges[1].first);
        bool overlap = gapA.first < gapB.second && gapB.first < gapA.second;
        if (overlap && gapA != gapB) {
          a.formatOk = false;
          downgrade(a.report, Indication::TotalFailed, "FORMAT_FAILURE",
                    "its byte range gap overlaps the one of '" + b.report.field + "'");
        } else if (gapA == gapB && a.field.name < b.field.name) {
          // One signature dictionary under two names: judged once, reported on both.
        }
      }
    }
  }

  detail::SignedBytesDigest digestFor(const Candidate& candidate) {
    auto cache = std::make_shared<std::map<std::string, std::string>>();
    auto ranges = candidate.ranges;
    detail::PrefixHasher* hasher = hasher_.get();
    return [cache, ranges, hasher](const std::string& name) -> std::string {
      auto found = cache->find(name);
      if (found != cache->end()) return found->second;
      std::string value = hasher->digest(name, ranges);
      cache->emplace(name, value);
      return value;
    };
  }

  static void copySummary(SignatureReport& report, const detail::TimestampCheck& check) {
    report.signer = check.tsa;
    report.chain = check.chain;
    report.trusted = check.trusted;
    report.digestAlgorithm = check.digestAlgorithm;
    report.integrity = check.imprintMatches;
  }

  void validateDocumentTimestamp(Candidate& candidate) {
    if (!candidate.formatOk) return;
    detail::TimestampCheck check =
        detail::verifyDocumentTimestamp(candidate.contents, digestFor(candidate), context_);
    SignatureReport& report = candidate.report;
    copySummary(report, check);
    if (check.indication == Indication::TotalPassed) {
      report.timestampTime = isoUtc(check.genTime);
      report.bestSignatureTime = report.timestampTime;
      report.bestSignatureTimeSource = "document-timestamp";
    } else {
      downgrade(report, check.indication, check.subindication, "");
    }
    report.errors.insert(report.errors.end(), check.errors.begin(), check.errors.end());
    report.warnings.insert(report.warnings.end(), check.warnings.begin(), check.warnings.end());
    candidate.documentTimestampCheck = check;
  }

  // The earliest valid document time-stamp that covers the revision of `candidate`.
  std::optional<Clock::time_point> documentTimestampProof(const Candidate& candidate,
                                                          const std::vector<Candidate>& all) {
    std::optional<Clock::time_point> earliest;
    for (const auto& other : all) {
      if (!other.documentTimestamp || !other.documentTimestampCheck || !other.revision ||
          other.documentTimestampCheck->indication != Indication::TotalPassed) {
        continue;
      }
      if (*other.revision <= *candidate.revision) continue;
      if (!earliest || other.documentTimestampCheck->genTime < *earliest) {
        earliest = other.documentTimestampCheck->genTime;
      }
    }
    return earliest;
  }

  void validateSignature(Candidate& candidate, const std::vector<Candidate>& all) {
    if (!candidate.formatOk) return;
    SignatureReport& report = candidate.report;
    bool sha1 = report.subfilter == "adbe.pkcs7.sha1";
    if (report.subfilter != "adbe.pkcs7.detached" && report.subfilter != "ETSI.CAdES.detached" &&
        !sha1) {
      downgrade(report, Indication::Indeterminate, "FORMAT_FAILURE",
                "the signature format /SubFilter /" + report.subfilter +
                    " is not supported (only adbe.pkcs7.detached, adbe.pkcs7.sha1, "
                    "ETSI.CAdES.detached and ETSI.RFC3161 are)");
      return;
    }
    auto proof = documentTimestampProof(candidate, all);
    detail::CmsCheck check =
        detail::verifyCmsSignature(candidate.contents, digestFor(candidate), context_, proof, sha1);
    report.integrity = check.integrity;
    report.signer = check.signerSummary;
    report.chain = check.chain;
    report.trusted = check.trusted;
    report.revocation = check.revocation;
    report.digestAlgorithm = check.digestAlgorithm;
    report.signatureAlgorithm = check.signatureAlgorithm;
    if (check.signatureTimestamp &&
        check.signatureTimestamp->indication == Indication::TotalPassed) {
      report.timestampTime = isoUtc(check.signatureTimestamp->genTime);
    }
    if (check.bestSignatureTime) {
      report.bestSignatureTime = isoUtc(*check.bestSignatureTime);
      report.bestSignatureTimeSource =
          !report.timestampTime.empty() && report.timestampTime == report.bestSignatureTime
              ? "signature-timestamp"
              : "document-timestamp";
    }
    if (check.indication != Indication::TotalPassed) {
      downgrade(report, check.indication, check.subindication, "");
    }
    report.errors.insert(report.errors.end(), check.errors.begin(), check.errors.end());
    report.warnings.insert(report.warnings.end(), check.warnings.begin(), check.warnings.end());
    essV2_[&candidate] = check.essSigningCertificateV2;
    signatureTimestampValid_[&candidate] =
        check.signatureTimestamp && check.signatureTimestamp->indication == Indication::TotalPassed;
  }

  void analyseModifications(Candidate& candidate, const std::vector<Candidate>& all) {
    if (!candidate.revision) return;
    SignatureReport& report = candidate.report;
    detail::ChangePolicy policy;
    // The document's certification (the earliest certifying signature at or before this one).
    for (const auto& other : all) {
      if (other.docMdp > 0 && other.revision && *other.revision <= *candidate.revision) {
        policy.docMdpPermission = other.docMdp;
        break;
      }
    }
    RevisionView& view = views_->at(index_->revisions.size() - 1);
    if (candidate.field.value != nullptr && candidate.field.value->IsDictionary()) {
      fieldMdpLocks(view, *candidate.field.value, policy);
    }
    if (candidate.field.field != nullptr) {
      applyLock(view, view.get(*candidate.field.field, "Lock"), policy);
    }
    detail::ModificationFindings findings;
    try {
      findings = detail::analyseChangesAfter(*views_, *candidate.revision, candidate.field.name,
                                             policy, &memo_);
    } catch (const Error& error) {
      downgrade(
          report, Indication::Indeterminate, "FORMAT_FAILURE",
          std::string("the changes after this signature could not be analysed: ") + error.what());
      report.modificationsAfter = ModificationLevel::Other;
      return;
    }
    report.modificationsAfter = findings.level;
    report.changes = findings.changes;
    report.changes.insert(report.changes.end(), findings.suspicious.begin(),
                          findings.suspicious.end());
    report.warnings.insert(report.warnings.end(), findings.warnings.begin(),
                           findings.warnings.end());
    for (const auto& violation : findings.violations) {
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "a change after signing is not permitted: " + violation);
    }
    for (const auto& doubt : findings.doubts) {
      downgrade(report, Indication::Indeterminate, "FORMAT_FAILURE",
                "a change after signing needs a person's judgement: " + doubt);
    }
    if (findings.level == ModificationLevel::Other) {
      std::string first = findings.suspicious.empty() ? "" : ": " + findings.suspicious.front();
      downgrade(report, Indication::TotalFailed, "FORMAT_FAILURE",
                "the document was changed after signing in a way no rule allows" + first);
    }
  }

  // PAdES baseline level (ETSI EN 319 142-1), judged from what validated, not from claims.
  void assignLevel(Candidate& candidate, const std::vector<Candidate>& all) {
    SignatureReport& report = candidate.report;
    if (candidate.documentTimestamp || report.subfilter != "ETSI.CAdES.detached" ||
        !report.integrity || !essV2_[&candidate]) {
      return;
    }
    report.level = "B-B";
    bool timestamped = signatureTimestampValid_[&candidate] ||
                       (candidate.revision && documentTimestampProof(candidate, all));
    if (!timestamped) return;
    report.level = "B-T";
    if (report.revocation.source != "dss" || !candidate.revision) return;
    // The DSS arrived in some revision after the signature; B-LTA needs a valid document
    // time-stamp over a revision that holds it.
    std::optional<size_t> dssRevision;
    for (size_t r = *candidate.revision + 1; r < index_->revisions.size(); ++r) {
      if (hasDss(views_->at(r))) {
        dssRevision = r;
        break;
      }
    }
    if (!dssRevision) return;
    report.level = "B-LT";
    for (const auto& other : all) {
      if (other.documentTimestamp && other.documentTimestampCheck && other.revision &&
          other.documentTimestampCheck->indication == Indication::TotalPassed &&
          *other.revision >= *dssRevision) {
        report.level = "B-LTA";
        break;
      }
    }
  }

  std::filesystem::path pdf_;
  const ValidationOptions& options_;
  std::unique_ptr<detail::MappedFile> file_;
  std::unique_ptr<detail::RevisionIndex> index_;
  std::unique_ptr<detail::RevisionViews> views_;
  detail::TrustContext context_;
  std::unique_ptr<detail::PrefixHasher> hasher_;
  detail::ChangeAnalysisMemo memo_;  // per file: layouts shared by its signatures
  std::map<const Candidate*, bool> essV2_;
  std::map<const Candidate*, bool> signatureTimestampValid_;
};

// Signed PDFs from older producers are often encrypted with RC4 (PDF 1.4 standard security),
// which OpenSSL 3 keeps in its legacy provider. Loading a provider explicitly switches off the
// implicit default one, so both are loaded.
void loadLegacyAlgorithms() {
  // Plain static pointers: the providers stay loaded and reachable for the whole process
  // (a static container would be destroyed before the leak check at exit).
  static OSSL_PROVIDER* loaded[2] = {nullptr, nullptr};
  static std::once_flag once;
  std::call_once(once, [] {
    loaded[0] = OSSL_PROVIDER_load(nullptr, "legacy");
    if (loaded[0] != nullptr) loaded[1] = OSSL_PROVIDER_load(nullptr, "default");
    ERR_clear_error();
  });
}

}  // namespace

FileReport validatePdf(const std::filesystem::path& pdf, const ValidationOptions& options) {
  loadLegacyAlgorithms();
  return Validation(pdf, options).run();
}

}  // namespace vanthu::signing
