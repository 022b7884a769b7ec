#pragma once

// What changed after a signature (standards/pdf-signatures.md §3 pyHanko, §4 shadow and
// certification attacks): every revision after the signed one is compared with the signed
// revision object by object, and each change must be explained by a whitelist rule, else it is
// OTHER. Changes are found by reference path from the trailer, so that an object reachable
// elsewhere cannot be smuggled in as "form filling", and re-pointing a reference to an object
// that already existed in the signed revision is suspicious.

#include <memory>
#include <string>
#include <vector>

#include "vanthu/signing/verification_report.h"
#include "verify/pdf_revisions.h"

namespace vanthu::signing::detail {

/// The restrictions the signature (and the document's certification) put on later changes.
struct ChangePolicy {
  /// DocMDP /P of the document's certification signature, when it is at or before the signed
  /// revision: 1 no changes, 2 form filling (and signing), 3 also annotations; 0 none.
  int docMdpPermission = 0;
  /// Fields this signature locks (FieldMDP / the field's /Lock): their values may not change.
  bool lockAllFields = false;
  std::vector<std::string> lockedFields;    ///< fully qualified names (Action /Include)
  std::vector<std::string> unlockedFields;  ///< Action /Exclude: all fields but these are locked
};

struct ModificationFindings {
  /// The worst change in any later revision (NONE when the signed revision is the last).
  ModificationLevel level = ModificationLevel::None;
  /// One line per explained change, e.g. "revision 3: field 'so' value filled".
  std::vector<std::string> changes;
  /// One line per change that no rule explains (these make the level OTHER).
  std::vector<std::string> suspicious;
  /// DocMDP or a field lock forbids a change that was made; each line says which.
  std::vector<std::string> violations;
  /// Changes some readings of the rules permit and others reject (a new visible signature
  /// widget after a P=2 certification: "signing" is allowed, but its appearance can draw over
  /// the page, the sneaky signature attack). They make the result indeterminate, not passed.
  std::vector<std::string> doubts;
  /// Objects present in the signed revision that nothing references there (possible shadow
  /// content), as a warning line; empty when there are none.
  std::vector<std::string> warnings;
};

/// What the analysis learns about each revision (where every object sits), kept for all the
/// signatures of one file, so that a file with 25 signatures walks each revision once.
class ChangeAnalysisMemo {
 public:
  ChangeAnalysisMemo();
  ~ChangeAnalysisMemo();
  ChangeAnalysisMemo(const ChangeAnalysisMemo&) = delete;
  ChangeAnalysisMemo& operator=(const ChangeAnalysisMemo&) = delete;
  struct Layouts;
  std::unique_ptr<Layouts> layouts;
};

/// Compares revision `signedRevision` (0-based) with every later one.
/// `signatureField` is the fully qualified name of the signature's field (its own later
/// changes are judged: its /V may never change). Throws vanthu::Error(InvalidPdf) when a
/// revision cannot be read.
ModificationFindings analyseChangesAfter(RevisionViews& views, size_t signedRevision,
                                         const std::string& signatureField,
                                         const ChangePolicy& policy,
                                         ChangeAnalysisMemo* memo = nullptr);

}  // namespace vanthu::signing::detail
