#include "verify/modification_analysis.h"

#include <algorithm>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <set>

#include "podofo_support.h"
#include "vanthu/workflow/error.h"

namespace vanthu::signing::detail {

namespace {

using namespace PoDoFo;

constexpr size_t kMaxListedUnused = 20;

std::string nameOf(const PdfObject* value) {
  return value != nullptr && value->IsName() ? value->GetName().GetName() : std::string();
}

std::string textOf(const PdfObject* value) {
  if (value == nullptr || !(value->IsString() || value->IsHexString())) return {};
  return value->GetString().GetStringUtf8();
}

bool isStructuralStream(const PdfObject* object) {
  if (object == nullptr || !object->IsDictionary()) return false;
  std::string type = nameOf(object->GetDictionary().GetKey("Type"));
  return type == "XRef" || type == "ObjStm";
}

std::string serialise(const PdfObject& object) {
  std::string text;
  object.ToString(text);
  return text;
}

// The dictionary without the keys that only say how a stream is stored.
std::string serialiseStreamDictionary(const PdfObject& object) {
  PdfDictionary copy = object.GetDictionary();
  copy.RemoveKey("Length");
  copy.RemoveKey("Filter");
  copy.RemoveKey("DecodeParms");
  std::string text;
  PdfVariant(copy).ToString(text);
  return text;
}

std::string streamData(const PdfObject& object, bool decoded) {
  char* raw = nullptr;
  pdf_long length = 0;
  if (decoded) {
    object.GetStream()->GetFilteredCopy(&raw, &length);
  } else {
    object.GetStream()->GetCopy(&raw, &length);
  }
  std::unique_ptr<char, decltype(&podofo_free)> owned(raw, &podofo_free);
  return std::string(raw != nullptr ? raw : "", static_cast<size_t>(length));
}

// Byte-identical or semantically identical (a stream re-encoded with other filters).
// Structural equality of two values, without serialising them (PoDoFo writes through printf,
// which made comparing a 25-signature file's revisions cost seconds). References compare by
// number and generation, strings by their bytes, reals by value.
bool equalValues(const PdfVariant& a, const PdfVariant& b, int depth = 0) {
  if (depth > 64) return false;
  if (&a == &b) return true;
  if (a.GetDataType() != b.GetDataType()) return false;
  switch (a.GetDataType()) {
    case ePdfDataType_Bool:
      return a.GetBool() == b.GetBool();
    case ePdfDataType_Number:
      return a.GetNumber() == b.GetNumber();
    case ePdfDataType_Real:
      return a.GetReal() == b.GetReal();
    case ePdfDataType_String:
    case ePdfDataType_HexString: {
      const PdfString& left = a.GetString();
      const PdfString& right = b.GetString();
      return left.GetLength() == right.GetLength() &&
             std::memcmp(left.GetString(), right.GetString(), left.GetLength()) == 0;
    }
    case ePdfDataType_Name:
      return a.GetName() == b.GetName();
    case ePdfDataType_Reference:
      return a.GetReference() == b.GetReference();
    case ePdfDataType_Null:
      return true;
    case ePdfDataType_Array: {
      const PdfArray& left = a.GetArray();
      const PdfArray& right = b.GetArray();
      if (left.size() != right.size()) return false;
      for (size_t i = 0; i < left.size(); ++i) {
        if (!equalValues(left[i], right[i], depth + 1)) return false;
      }
      return true;
    }
    case ePdfDataType_Dictionary: {
      const auto& left = a.GetDictionary().GetKeys();
      const auto& right = b.GetDictionary().GetKeys();
      if (left.size() != right.size()) return false;
      for (const auto& [key, value] : left) {
        auto other = right.find(key);
        if (other == right.end() || !equalValues(*value, *other->second, depth + 1)) return false;
      }
      return true;
    }
    default:
      return serialise(PdfObject(a)) == serialise(PdfObject(b));  // raw data, unknown kinds
  }
}

bool sameContent(const PdfObject& a, const PdfObject& b) {
  if (&a == &b) return true;  // the same cached object: the same bytes in the file
  if (equalValues(a, b)) {
    if (!a.HasStream() && !b.HasStream()) return true;
    if (a.HasStream() != b.HasStream()) return false;
    if (streamData(a, false) == streamData(b, false)) return true;
  }
  if (!a.HasStream() || !b.HasStream()) return false;
  if (serialiseStreamDictionary(a) != serialiseStreamDictionary(b)) return false;
  try {
    return streamData(a, true) == streamData(b, true);
  } catch (const PdfError&) {
    return false;  // a filter PoDoFo cannot decode: the raw bytes differed, so they differ
  }
}

// Object numbers a value refers to directly (inline dictionaries and arrays included).
void collectReferences(const PdfObject& value, std::set<uint32_t>& out) {
  if (value.IsReference()) {
    out.insert(value.GetReference().ObjectNumber());
  } else if (value.IsArray()) {
    for (const auto& item : value.GetArray()) collectReferences(item, out);
  } else if (value.IsDictionary()) {
    for (const auto& [key, item] : value.GetDictionary().GetKeys()) {
      collectReferences(*item, out);
    }
  }
}

bool valuesEqual(const PdfObject* a, const PdfObject* b) {
  if (a == nullptr || b == nullptr) return a == b;
  return equalValues(*a, *b);
}

std::set<std::string> differingKeys(const PdfObject& a, const PdfObject& b) {
  std::set<std::string> keys;
  if (!a.IsDictionary() || !b.IsDictionary()) return keys;
  const auto& left = a.GetDictionary().GetKeys();
  const auto& right = b.GetDictionary().GetKeys();
  for (const auto& [key, value] : left) {
    if (!valuesEqual(value, b.GetDictionary().GetKey(key))) keys.insert(key.GetName());
  }
  for (const auto& [key, value] : right) {
    if (a.GetDictionary().GetKey(key) == nullptr) keys.insert(key.GetName());
  }
  return keys;
}

std::string joinKeys(const std::set<std::string>& keys) {
  std::string text;
  for (const auto& key : keys) text += (text.empty() ? "/" : " /") + key;
  return text;
}

struct FieldInfo {
  std::string name;  // fully qualified
  bool signature = false;
};

// Where objects sit in one revision, found by walking from the trailer.
struct Layout {
  std::map<uint32_t, std::string> path;  // first (breadth-first) reference path of each object
  std::set<uint32_t> reachable;
  uint32_t catalog = 0, info = 0, acroForm = 0, fieldsArray = 0;
  std::map<uint32_t, FieldInfo> fields;  // field (and merged widget) dictionaries
  std::map<uint32_t, int> pages;         // page dictionary → 1-based number
  std::set<uint32_t> pageTreeNodes;
  std::map<uint32_t, int> annotsArrays;          // indirect /Annots arrays → page
  std::map<uint32_t, int> annotations;           // annotation → page
  std::set<uint32_t> pageContent;                // reachable from a page's /Contents or /Resources
  std::set<uint32_t> dss, metadata;              // under catalog /DSS, /Metadata and trailer /Info
  std::map<uint32_t, uint32_t> appearanceOwner;  // object under an /AP → field or annotation
};

class LayoutBuilder {
 public:
  explicit LayoutBuilder(const RevisionView& view) : view_(view) {}

  Layout build() {
    const PdfObject& trailer = view_.trailer();
    if (auto* info = trailer.GetDictionary().GetKey("Info"); info && info->IsReference()) {
      layout_.info = info->GetReference().ObjectNumber();
      under(info, layout_.metadata);
    }
    if (auto* root = trailer.GetDictionary().GetKey("Root"); root && root->IsReference()) {
      layout_.catalog = root->GetReference().ObjectNumber();
    }
    if (const PdfObject* catalog = view_.catalog()) {
      const PdfDictionary& dictionary = catalog->GetDictionary();
      under(dictionary.GetKey("DSS"), layout_.dss);
      under(dictionary.GetKey("Metadata"), layout_.metadata);
      if (auto* form = dictionary.GetKey("AcroForm"); form && form->IsReference()) {
        layout_.acroForm = form->GetReference().ObjectNumber();
      }
      if (const PdfObject* form = view_.get(*catalog, "AcroForm")) {
        const PdfObject* fields = form->GetDictionary().GetKey("Fields");
        if (fields && fields->IsReference()) {
          layout_.fieldsArray = fields->GetReference().ObjectNumber();
        }
        walkFields(view_.resolve(fields), "", false, 0);
      }
      int page = 0;
      walkPages(dictionary.GetKey("Pages"), page, 0);
    }
    paths(trailer);
    return std::move(layout_);
  }

 private:
  // Every object reachable from `value` (which may be inline) goes into `out`; only
  // dictionaries and arrays are read, never stream data.
  void under(const PdfObject* value, std::set<uint32_t>& out) {
    std::deque<const PdfObject*> queue;
    std::function<void(const PdfObject&, int)> walk = [&](const PdfObject& item, int depth) {
      if (depth > 64) return;  // inline nesting; objects are queued, not recursed into
      if (item.IsReference()) {
        if (out.insert(item.GetReference().ObjectNumber()).second) {
          if (const PdfObject* object = view_.resolve(&item)) queue.push_back(object);
        }
      } else if (item.IsArray()) {
        for (const auto& element : item.GetArray()) walk(element, depth + 1);
      } else if (item.IsDictionary()) {
        for (const auto& [key, element] : item.GetDictionary().GetKeys()) {
          if (key.GetName() != "Parent" && key.GetName() != "P") walk(*element, depth + 1);
        }
      }
    };
    if (value != nullptr) walk(*value, 0);
    while (!queue.empty()) {
      const PdfObject* object = queue.front();
      queue.pop_front();
      walk(*object, 0);
    }
  }

  void walkFields(const PdfObject* array, const std::string& parent, bool parentSignature,
                  int depth) {
    if (array == nullptr || !array->IsArray() || depth > 64) return;
    for (const auto& item : array->GetArray()) {
      if (!item.IsReference()) continue;
      uint32_t number = item.GetReference().ObjectNumber();
      const PdfObject* field = view_.resolve(&item);
      if (field == nullptr || !field->IsDictionary() || layout_.fields.count(number)) continue;
      const PdfDictionary& dictionary = field->GetDictionary();
      std::string partial = textOf(dictionary.GetKey("T"));
      FieldInfo info;
      info.name = partial.empty() ? parent : parent.empty() ? partial : parent + "." + partial;
      std::string type = nameOf(dictionary.GetKey("FT"));
      info.signature = type.empty() ? parentSignature : type == "Sig";
      layout_.fields[number] = info;
      std::set<uint32_t> appearance;
      under(dictionary.GetKey("AP"), appearance);
      for (uint32_t a : appearance) layout_.appearanceOwner[a] = number;
      walkFields(view_.get(*field, "Kids"), info.name, info.signature, depth + 1);
    }
  }

  void walkPages(const PdfObject* node, int& page, int depth) {
    if (node == nullptr || !node->IsReference() || depth > 64) return;
    uint32_t number = node->GetReference().ObjectNumber();
    if (layout_.pages.count(number) || layout_.pageTreeNodes.count(number)) return;
    const PdfObject* object = view_.resolve(node);
    if (object == nullptr || !object->IsDictionary()) return;
    const PdfDictionary& dictionary = object->GetDictionary();
    if (nameOf(dictionary.GetKey("Type")) == "Pages" || dictionary.HasKey("Kids")) {
      layout_.pageTreeNodes.insert(number);
      if (const PdfObject* kids = view_.get(*object, "Kids"); kids && kids->IsArray()) {
        for (const auto& kid : kids->GetArray()) walkPages(&kid, page, depth + 1);
      }
      return;
    }
    layout_.pages[number] = ++page;
    under(dictionary.GetKey("Contents"), layout_.pageContent);
    under(dictionary.GetKey("Resources"), layout_.pageContent);
    const PdfObject* annots = dictionary.GetKey("Annots");
    if (annots && annots->IsReference()) {
      layout_.annotsArrays[annots->GetReference().ObjectNumber()] = page;
    }
    annots = view_.resolve(annots);
    if (annots == nullptr || !annots->IsArray()) return;
    for (const auto& annot : annots->GetArray()) {
      if (!annot.IsReference()) continue;
      uint32_t annotNumber = annot.GetReference().ObjectNumber();
      layout_.annotations.emplace(annotNumber, page);
      const PdfObject* object2 = view_.resolve(&annot);
      if (object2 == nullptr || !object2->IsDictionary()) continue;
      std::set<uint32_t> appearance;
      under(object2->GetDictionary().GetKey("AP"), appearance);
      for (uint32_t a : appearance) layout_.appearanceOwner.emplace(a, annotNumber);
    }
  }

  std::string label(uint32_t number, const std::string& fallback) {
    if (number == layout_.catalog) return "catalog";
    if (number == layout_.info) return "document information";
    if (auto page = layout_.pages.find(number); page != layout_.pages.end()) {
      return "page " + std::to_string(page->second);
    }
    if (auto field = layout_.fields.find(number); field != layout_.fields.end()) {
      return "field '" + field->second.name + "'";
    }
    return fallback;
  }

  // Breadth-first from the trailer: the first path to each object, and reachability. Only
  // dictionaries are read, never stream data.
  void paths(const PdfObject& trailer) {
    std::deque<std::pair<const PdfObject*, std::string>> queue;
    auto visit = [&](const PdfObject& value, const std::string& path, auto& self) -> void {
      if (value.IsReference()) {
        uint32_t number = value.GetReference().ObjectNumber();
        if (layout_.reachable.insert(number).second) {
          std::string name = label(number, path);
          layout_.path[number] = name;
          if (const PdfObject* object = view_.resolve(&value)) queue.emplace_back(object, name);
        }
      } else if (value.IsArray()) {
        size_t i = 0;
        for (const auto& item : value.GetArray()) {
          self(item, path + "[" + std::to_string(i++) + "]", self);
        }
      } else if (value.IsDictionary()) {
        for (const auto& [key, item] : value.GetDictionary().GetKeys()) {
          self(*item, path + " /" + key.GetName(), self);
        }
      }
    };
    for (const auto& [key, item] : trailer.GetDictionary().GetKeys()) {
      visit(*item, "trailer /" + key.GetName(), visit);
    }
    while (!queue.empty()) {
      auto [object, path] = queue.front();
      queue.pop_front();
      visit(*object, path, visit);
    }
  }

  const RevisionView& view_;
  Layout layout_;
};

}  // namespace

struct ChangeAnalysisMemo::Layouts {
  std::map<size_t, Layout> byRevision;
};

ChangeAnalysisMemo::ChangeAnalysisMemo() : layouts(std::make_unique<Layouts>()) {}
ChangeAnalysisMemo::~ChangeAnalysisMemo() = default;

namespace {

class Analysis {
 public:
  Analysis(RevisionViews& views, size_t signedRevision, const std::string& signatureField,
           const ChangePolicy& policy, ChangeAnalysisMemo& memo)
      : views_(views),
        index_(views.index()),
        signed_(signedRevision),
        signatureField_(signatureField),
        policy_(policy),
        memo_(memo) {}

  ModificationFindings run() {
    RevisionView& before = views_.at(signed_);
    const Layout& old = layoutOf(signed_);
    signedReachable_ = old.reachable;
    unusedObjects(before, old);
    for (size_t k = signed_ + 1; k < index_.revisions.size(); ++k) revision(before, old, k);
    return std::move(findings_);
  }

 private:
  const Layout& layoutOf(size_t revision) {
    auto& cache = memo_.layouts->byRevision;
    auto found = cache.find(revision);
    if (found == cache.end()) {
      found = cache.emplace(revision, LayoutBuilder(views_.at(revision)).build()).first;
    }
    return found->second;
  }

  void record(ModificationLevel level, const std::string& line) {
    findings_.level = std::max(findings_.level, level);
    if (level == ModificationLevel::Other) {
      findings_.suspicious.push_back(line);
    } else {
      findings_.changes.push_back(line);
    }
    if (policy_.docMdpPermission == 1 && level > ModificationLevel::LtaUpdates) {
      findings_.violations.push_back("DocMDP P=1 allows no changes: " + line);
    } else if (policy_.docMdpPermission == 2 && level > ModificationLevel::FormFilling) {
      findings_.violations.push_back("DocMDP P=2 allows only form filling and signing: " + line);
    } else if (policy_.docMdpPermission == 3 && level > ModificationLevel::Annotations) {
      findings_.violations.push_back(
          "DocMDP P=3 allows only form filling, signing and "
          "annotations: " +
          line);
    }
  }

  bool existedWhenSigned(uint32_t number) const {
    auto entry = index_.lookup(signed_, number);
    return entry && entry->type != XrefEntryType::Free;
  }

  static PdfReference referenceOf(uint32_t number, const XrefEntry& entry) {
    return PdfReference(number,
                        entry.type == XrefEntryType::InFile ? entry.generation : uint16_t{0});
  }

  bool locked(const std::string& field) const {
    if (policy_.lockAllFields) return true;
    if (std::find(policy_.lockedFields.begin(), policy_.lockedFields.end(), field) !=
        policy_.lockedFields.end()) {
      return true;
    }
    return !policy_.unlockedFields.empty() &&
           std::find(policy_.unlockedFields.begin(), policy_.unlockedFields.end(), field) ==
               policy_.unlockedFields.end();
  }

  void unusedObjects(const RevisionView& view, const Layout& layout) {
    std::set<uint32_t> inUse;
    for (size_t k = 0; k <= signed_; ++k) {
      for (const auto& [number, entry] : index_.revisions[k].entries) {
        (void)entry;
        if (number != 0) inUse.insert(number);
      }
    }
    std::vector<uint32_t> unused;
    // Objects an update replaced stay behind unreferenced: that is ordinary incremental saving.
    // Shadow content is different: it was never referenced in the revision that wrote it.
    auto referencedWhenWritten = [&](uint32_t number) {
      for (size_t k = signed_; k-- > 0;) {
        if (!index_.revisions[k].entries.count(number)) continue;
        return layoutOf(k).reachable.count(number) > 0;
      }
      return false;
    };
    for (uint32_t number : inUse) {
      if (layout.reachable.count(number) || !existedWhenSigned(number)) continue;
      if (!index_.revisions[signed_].entries.count(number) && referencedWhenWritten(number)) {
        continue;
      }
      auto entry = index_.lookup(signed_, number);
      const PdfObject* object = view.object(referenceOf(number, *entry));
      if (object == nullptr || isStructuralStream(object)) continue;
      if (object->IsDictionary()) {
        const PdfDictionary& dictionary = object->GetDictionary();
        // Linearization dictionary and its hint stream(s) are not referenced by design.
        if (dictionary.HasKey("Linearized") ||
            (object->HasStream() && dictionary.HasKey("S") && !dictionary.HasKey("Type") &&
             !dictionary.HasKey("Subtype"))) {
          continue;
        }
      }
      unused.push_back(number);
    }
    if (unused.empty()) return;
    std::string list;
    for (size_t i = 0; i < unused.size() && i < kMaxListedUnused; ++i) {
      list += (i ? ", " : "") + std::to_string(unused[i]);
    }
    if (unused.size() > kMaxListedUnused) list += ", ...";
    findings_.warnings.push_back(std::to_string(unused.size()) +
                                 " objects of the signed revision are not referenced (possible "
                                 "shadow content): " +
                                 list);
  }

  // Existing objects `after` newly points at, directly or through objects that are new in
  // this revision (back-pointers /P /Parent and /Resources are not followed: a new appearance
  // may use existing fonts; the object that carries it is judged itself).
  std::set<uint32_t> newlyReferencedExisting(const RevisionView& view, const PdfObject* before,
                                             const PdfObject& after, uint32_t self) {
    std::set<uint32_t> previous;
    if (before != nullptr) collectReferences(*before, previous);
    std::set<uint32_t> result, seen;
    std::function<void(const PdfObject&, int)> walk = [&](const PdfObject& value, int depth) {
      if (depth > 32) return;
      if (value.IsReference()) {
        uint32_t number = value.GetReference().ObjectNumber();
        if (number == self || !seen.insert(number).second) return;
        if (existedWhenSigned(number)) {
          if (!previous.count(number)) result.insert(number);
        } else {
          if (const PdfObject* target = view.object(value.GetReference())) {
            if (target->IsDictionary() || target->IsArray()) walk(*target, depth + 1);
          }
        }
      } else if (value.IsArray()) {
        for (const auto& item : value.GetArray()) walk(item, depth);
      } else if (value.IsDictionary()) {
        for (const auto& [key, item] : value.GetDictionary().GetKeys()) {
          const std::string& name = key.GetName();
          if (name == "P" || name == "Parent" || name == "Resources") continue;
          walk(*item, depth);
        }
      }
    };
    // The object's own top-level keys are followed even for /P: re-pointing a widget to
    // another page is a change too.
    if (after.IsDictionary()) {
      for (const auto& [key, item] : after.GetDictionary().GetKeys()) {
        if (item->IsReference()) {
          uint32_t number = item->GetReference().ObjectNumber();
          if (number != self && existedWhenSigned(number) && !previous.count(number)) {
            result.insert(number);
            continue;
          }
        }
        if (key.GetName() == "Parent") continue;
        walk(*item, 0);
      }
    } else {
      walk(after, 0);
    }
    return result;
  }

  bool invisibleWidget(const PdfObject& annot) const {
    const PdfDictionary& dictionary = annot.GetDictionary();
    if (const PdfObject* flags = dictionary.GetKey("F"); flags && flags->IsNumber()) {
      if (flags->GetNumber() & (2 | 32)) return true;  // Hidden, NoView
    }
    const PdfObject* rect = dictionary.GetKey("Rect");
    if (rect == nullptr || !rect->IsArray() || rect->GetArray().size() != 4) return true;
    auto value = [&](size_t i) {
      const PdfObject& v = rect->GetArray()[i];
      return v.IsReal() ? v.GetReal() : v.IsNumber() ? static_cast<double>(v.GetNumber()) : 0.0;
    };
    return value(0) == value(2) || value(1) == value(3);
  }

  // A signature field (or its widget) whose value is a document time-stamp, or that has none.
  bool timestampOrEmpty(const RevisionView& view, const PdfObject& fieldOrWidget) const {
    const PdfObject* holder = &fieldOrWidget;
    if (!holder->GetDictionary().HasKey("V") && holder->GetDictionary().HasKey("Parent")) {
      const PdfObject* parent = view.resolve(holder->GetDictionary().GetKey("Parent"));
      if (parent != nullptr && parent->IsDictionary()) holder = parent;
    }
    const PdfObject* value = view.get(*holder, "V");
    if (value == nullptr) return true;
    if (!value->IsDictionary()) return false;
    return nameOf(view.get(*value, "Type")) == "DocTimeStamp" ||
           nameOf(view.get(*value, "SubFilter")) == "ETSI.RFC3161";
  }

  // Entries added to an /Annots array (old ones must stay, in order).
  void annotsChange(const RevisionView& view, const Layout& now, const PdfObject* before,
                    const PdfObject* after, int page, const std::string& where) {
    std::vector<uint32_t> oldList, newList;
    auto list = [](const PdfObject* array, std::vector<uint32_t>& out) {
      if (array == nullptr || !array->IsArray()) return;
      for (const auto& item : array->GetArray()) {
        if (item.IsReference()) out.push_back(item.GetReference().ObjectNumber());
      }
    };
    list(before, oldList);
    list(after, newList);
    size_t matched = 0;
    std::vector<uint32_t> added;
    for (uint32_t number : newList) {
      if (matched < oldList.size() && oldList[matched] == number) {
        ++matched;
      } else {
        added.push_back(number);
      }
    }
    if (matched < oldList.size()) {
      record(ModificationLevel::Other,
             where + " removes or reorders annotations of page " + std::to_string(page));
      return;
    }
    for (uint32_t number : added) {
      // An annotation that existed but was on no page when signed may be prepared shadow
      // content; one that was reachable then (a form field's widget) is judged as what it is.
      if (existedWhenSigned(number) && !signedReachable_.count(number)) {
        record(ModificationLevel::Other, where + " adds object " + std::to_string(number) +
                                             " that existed unreferenced when signed to page " +
                                             std::to_string(page) + " /Annots");
        continue;
      }
      const PdfObject* annot = nullptr;
      for (const auto& item : after->GetArray()) {
        if (item.IsReference() && item.GetReference().ObjectNumber() == number) {
          annot = view.object(item.GetReference());
        }
      }
      if (annot == nullptr || !annot->IsDictionary()) continue;
      std::string subtype = nameOf(annot->GetDictionary().GetKey("Subtype"));
      auto field = now.fields.find(number);
      if (subtype == "Widget" && field == now.fields.end()) {
        // A widget kid: its parent is the field.
        if (const PdfObject* parent = annot->GetDictionary().GetKey("Parent");
            parent && parent->IsReference()) {
          field = now.fields.find(parent->GetReference().ObjectNumber());
        }
      }
      if (subtype == "Widget" && field != now.fields.end() && field->second.signature) {
        if (invisibleWidget(*annot)) {
          // pyHanko's rule: an invisible signature field for a document time-stamp (or still
          // empty) is long-term-validation housekeeping, which even DocMDP P=1 allows.
          record(timestampOrEmpty(view, *annot) ? ModificationLevel::LtaUpdates
                                                : ModificationLevel::FormFilling,
                 where + " adds an invisible signature widget ('" + field->second.name +
                     "') to page " + std::to_string(page));
        } else {
          record(ModificationLevel::FormFilling, where + " adds a new visible signature widget ('" +
                                                     field->second.name + "') to page " +
                                                     std::to_string(page));
          if (policy_.docMdpPermission == 2) {
            findings_.doubts.push_back("after the P=2 certification " + where +
                                       " adds the new visible signature '" + field->second.name +
                                       "' on page " + std::to_string(page) +
                                       ", whose appearance can cover page content");
          }
        }
      } else {
        record(ModificationLevel::Annotations,
               where + " adds a " + (subtype.empty() ? std::string("") : "/" + subtype + " ") +
                   "annotation (object " + std::to_string(number) + ") to page " +
                   std::to_string(page));
      }
    }
  }

  void fieldChange(const std::string& where, const FieldInfo& field, const PdfObject& before,
                   const PdfObject& after) {
    // /I: the selected indices of a choice field, which change with its /V.
    static const std::set<std::string> allowed = {"V",  "AP",   "AS", "F",    "DA", "Q",
                                                  "Ff", "Type", "MK", "Lock", "SV", "I"};
    std::set<std::string> keys = differingKeys(before, after);
    std::set<std::string> forbidden;
    for (const auto& key : keys) {
      if (!allowed.count(key)) forbidden.insert(key);
    }
    if (!forbidden.empty()) {
      record(ModificationLevel::Other,
             where + " changes " + joinKeys(forbidden) + " of field '" + field.name + "'");
    }
    if (keys.count("V")) {
      bool had = before.GetDictionary().HasKey("V");
      if (field.name == signatureField_) {
        record(ModificationLevel::Other,
               where + " changes the value of the signature's own field '" + field.name + "'");
      } else if (field.signature && had) {
        record(ModificationLevel::Other,
               where + " replaces the value of signature field '" + field.name + "'");
      } else {
        record(ModificationLevel::FormFilling,
               where + (field.signature ? ": signature field '" + field.name + "' signed"
                                        : ": field '" + field.name + "' value " +
                                              (had ? "changed" : "filled")));
        if (!field.signature && locked(field.name)) {
          findings_.violations.push_back("field '" + field.name +
                                         "' is locked by the signature, but " + where +
                                         " changes its value");
        }
      }
    }
    keys.erase("V");
    std::set<std::string> rest;
    for (const auto& key : keys) {
      if (!forbidden.count(key)) rest.insert(key);
    }
    if (!rest.empty()) {
      record(ModificationLevel::FormFilling,
             where + " updates " + joinKeys(rest) + " of field '" + field.name + "'");
    }
  }

  void revision(const RevisionView& before, const Layout& old, size_t k) {
    RevisionView& view = views_.at(k);
    const Layout& now = layoutOf(k);
    const std::string where = "revision " + std::to_string(k + 1);
    for (uint32_t number : index_.changedBetween(k - 1, k)) {
      if (!existedWhenSigned(number)) continue;
      auto oldEntry = index_.lookup(signed_, number);
      const PdfObject* oldObject = before.object(referenceOf(number, *oldEntry));
      if (oldObject == nullptr || isStructuralStream(oldObject)) continue;
      auto newEntry = index_.lookup(k, number);
      std::string path = now.path.count(number)   ? now.path.at(number)
                         : old.path.count(number) ? old.path.at(number)
                                                  : std::string("unreferenced");
      std::string what = "object " + std::to_string(number) + " (" + path + ")";
      if (!newEntry || newEntry->type == XrefEntryType::Free) {
        record(ModificationLevel::Other, where + " frees " + what + ", which existed when signed");
        continue;
      }
      const PdfObject* newObject = view.object(referenceOf(number, *newEntry));
      if (newObject == nullptr) {
        record(ModificationLevel::Other, where + " makes " + what + " unreadable");
        continue;
      }
      if (isStructuralStream(newObject)) {
        record(ModificationLevel::Other,
               where + " turns " + what + " into a cross-reference or object stream");
        continue;
      }
      if (sameContent(*oldObject, *newObject)) continue;
      // Rewritten unchanged since the previous revision: already judged there.
      if (k - 1 > signed_) {
        if (auto previous = index_.lookup(k - 1, number);
            previous && previous->type != XrefEntryType::Free) {
          const PdfObject* earlier = views_.at(k - 1).object(referenceOf(number, *previous));
          if (earlier != nullptr && sameContent(*earlier, *newObject)) continue;
        }
      }
      if (!now.reachable.count(number)) continue;  // judged through whatever references it

      // Shadow hide-and-replace: an unchanged old object swapped in by reference.
      bool repointed = false;
      for (uint32_t target : newlyReferencedExisting(view, oldObject, *newObject, number)) {
        // Objects that were in use when signed may be referenced from elsewhere later (a DSS
        // re-using certificate streams, a widget joining its page); the rules for the changed
        // object judge that. Objects nothing referenced when signed are the shadow case.
        if (old.reachable.count(target)) continue;
        bool fieldsGain = (number == now.acroForm || number == now.fieldsArray) &&
                          now.fields.count(target) && !old.fields.count(target);
        if (fieldsGain && !old.reachable.count(target)) {
          // An object that existed unreferenced becomes a field: that is the shadow case too.
          fieldsGain = false;
        }
        if (fieldsGain) continue;
        repointed = true;
        record(ModificationLevel::Other, where + " re-points " + what + " to object " +
                                             std::to_string(target) +
                                             " that existed unreferenced when signed");
      }
      if (repointed) continue;

      if (old.pageContent.count(number) || now.pageContent.count(number)) {
        record(ModificationLevel::Other, where + " changes " + what + ", which is page content");
      } else if (number == now.catalog) {
        catalogChange(where, *oldObject, *newObject);
      } else if (number == now.info || now.metadata.count(number)) {
        record(ModificationLevel::LtaUpdates, where + " updates document metadata (" + what + ")");
      } else if (now.dss.count(number)) {
        record(ModificationLevel::LtaUpdates, where + " updates the DSS (" + what + ")");
      } else if (number == now.acroForm) {
        acroFormChange(view, where, *oldObject, *newObject);
      } else if (number == now.fieldsArray) {
        fieldsArrayChange(view, where, oldObject, newObject);
      } else if (auto field = now.fields.find(number); field != now.fields.end()) {
        fieldChange(where, field->second, *oldObject, *newObject);
      } else if (auto page = now.pages.find(number); page != now.pages.end()) {
        pageChange(view, now, where, page->second, *oldObject, *newObject);
      } else if (auto annots = now.annotsArrays.find(number); annots != now.annotsArrays.end()) {
        annotsChange(view, now, oldObject, newObject, annots->second, where);
      } else if (auto owner = now.appearanceOwner.find(number);
                 owner != now.appearanceOwner.end()) {
        bool ofField = now.fields.count(owner->second) > 0;
        if (path.find("/AP") == std::string::npos) {
          // The shortest way to this appearance does not go through an /AP: the same stream
          // is also used elsewhere (pyHanko's "sneaky" files draw it from the catalog).
          record(ModificationLevel::Other,
                 where + " redraws the appearance " + what + ", which is also used there");
        } else {
          record(ofField ? ModificationLevel::FormFilling : ModificationLevel::Annotations,
                 where + " redraws the appearance " + what);
        }
      } else if (auto annot = now.annotations.find(number); annot != now.annotations.end()) {
        record(ModificationLevel::Annotations, where + " changes the annotation " + what);
      } else if (path.rfind("catalog /StructTreeRoot", 0) == 0) {
        // The logical structure of a tagged PDF: adding a field adds structure elements. It
        // changes no appearance (DSS counts it as an allowed extension change).
        record(ModificationLevel::LtaUpdates,
               where + " updates the tagged structure (" + what + ")");
      } else if (now.pageTreeNodes.count(number)) {
        pageTreeChange(where, what, *oldObject, *newObject);
      } else {
        record(ModificationLevel::Other, where + " changes " + what);
      }
    }
  }

  void catalogChange(const std::string& where, const PdfObject& before, const PdfObject& after) {
    static const std::set<std::string> lta = {"DSS",      "Extensions", "Metadata",
                                              "MarkInfo", "Version",    "StructTreeRoot"};
    for (const auto& key : differingKeys(before, after)) {
      if (key == "AcroForm") {
        record(ModificationLevel::FormFilling, where + " changes the catalog /AcroForm");
      } else if (lta.count(key)) {
        record(ModificationLevel::LtaUpdates, where + " changes the catalog /" + key);
      } else {
        record(ModificationLevel::Other, where + " changes the catalog /" + key);
      }
    }
  }

  void fieldsArrayChange(const RevisionView& view, const std::string& where,
                         const PdfObject* before, const PdfObject* after) {
    std::set<std::string> oldItems, newItems;
    if (before && before->IsArray()) {
      for (const auto& item : before->GetArray()) oldItems.insert(serialise(item));
    }
    // Added fields that are invisible document time-stamp (or empty signature) fields are LTA
    // housekeeping; any other added field is form filling.
    ModificationLevel level = ModificationLevel::None;
    if (after && after->IsArray()) {
      for (const auto& item : after->GetArray()) {
        std::string key = serialise(item);
        newItems.insert(key);
        if (oldItems.count(key)) continue;
        const PdfObject* field = view.resolve(&item);
        bool housekeeping = field != nullptr && field->IsDictionary() &&
                            nameOf(view.get(*field, "FT")) == "Sig" && invisibleWidget(*field) &&
                            timestampOrEmpty(view, *field);
        level = std::max(
            level, housekeeping ? ModificationLevel::LtaUpdates : ModificationLevel::FormFilling);
      }
    }
    if (!std::includes(newItems.begin(), newItems.end(), oldItems.begin(), oldItems.end())) {
      record(ModificationLevel::Other, where + " removes fields from /AcroForm /Fields");
    } else if (level != ModificationLevel::None) {
      record(level, where + " adds fields to /AcroForm /Fields");
    }
  }

  void acroFormChange(const RevisionView& view, const std::string& where, const PdfObject& before,
                      const PdfObject& after) {
    static const std::set<std::string> allowed = {"SigFlags", "DA", "DR", "NeedAppearances"};
    for (const auto& key : differingKeys(before, after)) {
      if (key == "Fields") {
        fieldsArrayChange(view, where, before.GetDictionary().GetKey("Fields"),
                          after.GetDictionary().GetKey("Fields"));
      } else if (allowed.count(key)) {
        record(ModificationLevel::FormFilling, where + " changes /AcroForm /" + key);
      } else {
        record(ModificationLevel::Other, where + " changes /AcroForm /" + key);
      }
    }
  }

  // A page-tree node may only gain a producer's marker (iText writes /ITXT on saving).
  void pageTreeChange(const std::string& where, const std::string& what, const PdfObject& before,
                      const PdfObject& after) {
    for (const auto& key : differingKeys(before, after)) {
      if (key == "ITXT") {
        record(ModificationLevel::LtaUpdates, where + " updates the producer marker of " + what);
      } else {
        record(ModificationLevel::Other, where + " changes /" + key + " of " + what);
      }
    }
  }

  // Resources may gain entries (a new widget's font), but every name the signed content could
  // use must still mean the same object: a changed font is the shadow "replace" attack.
  bool resourcesOnlyGrow(const RevisionView& view, const PdfObject* before,
                         const PdfObject* after) const {
    const RevisionView& signedView = views_.at(signed_);
    before = signedView.resolve(before);
    after = view.resolve(after);
    if (before == nullptr) return true;
    if (after == nullptr || !before->IsDictionary() || !after->IsDictionary()) return false;
    for (const auto& [key, oldValue] : before->GetDictionary().GetKeys()) {
      const PdfObject* newValue = after->GetDictionary().GetKey(key);
      if (newValue == nullptr) return false;
      const PdfObject* oldCategory = signedView.resolve(oldValue);
      const PdfObject* newCategory = view.resolve(newValue);
      if (oldCategory == nullptr || newCategory == nullptr) return false;
      if (!oldCategory->IsDictionary() || !newCategory->IsDictionary()) {
        if (!equalValues(*oldCategory, *newCategory)) return false;
        continue;
      }
      for (const auto& [name, entry] : oldCategory->GetDictionary().GetKeys()) {
        const PdfObject* now = newCategory->GetDictionary().GetKey(name);
        if (now == nullptr || !equalValues(*now, *entry)) return false;
      }
    }
    return true;
  }

  void pageChange(const RevisionView& view, const Layout& now, const std::string& where, int page,
                  const PdfObject& before, const PdfObject& after) {
    for (const auto& key : differingKeys(before, after)) {
      if (key == "Annots") {
        annotsChange(view, now, views_.at(signed_).resolve(before.GetDictionary().GetKey("Annots")),
                     view.resolve(after.GetDictionary().GetKey("Annots")), page, where);
      } else if (key == "StructParents" || key == "Tabs") {
        record(ModificationLevel::LtaUpdates, where + " links page " + std::to_string(page) +
                                                  " into the tagged structure (/" + key + ")");
      } else if (key == "Resources" &&
                 resourcesOnlyGrow(view, before.GetDictionary().GetKey("Resources"),
                                   after.GetDictionary().GetKey("Resources"))) {
        record(ModificationLevel::FormFilling,
               where + " adds resources to page " + std::to_string(page));
      } else {
        record(ModificationLevel::Other,
               where + " changes /" + key + " of page " + std::to_string(page));
      }
    }
  }

  RevisionViews& views_;
  const RevisionIndex& index_;
  size_t signed_;
  std::string signatureField_;
  const ChangePolicy& policy_;
  ChangeAnalysisMemo& memo_;
  std::set<uint32_t> signedReachable_;
  ModificationFindings findings_;
};

}  // namespace

ModificationFindings analyseChangesAfter(RevisionViews& views, size_t signedRevision,
                                         const std::string& signatureField,
                                         const ChangePolicy& policy, ChangeAnalysisMemo* memo) {
  quietPodofo();
  if (signedRevision >= views.index().revisions.size()) {
    throw Error(ErrorCode::InvalidArgument,
                "no revision " + std::to_string(signedRevision + 1) + " to compare from");
  }
  try {
    ChangeAnalysisMemo local;
    return Analysis(views, signedRevision, signatureField, policy, memo != nullptr ? *memo : local)
        .run();
  } catch (const PdfError& error) {
    throwPdfError(error,
                  "comparing the revisions after revision " + std::to_string(signedRevision + 1));
  }
}

}  // namespace vanthu::signing::detail
