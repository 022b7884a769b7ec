#include "vanthu/workflow/directory.h"

#include <algorithm>
#include <array>

#include "vanthu/workflow/agency_code.h"

namespace vanthu::workflow {
namespace {

struct RoleEntry {
  Role role;
  std::string_view name;
};
constexpr std::array kRoles = {
    RoleEntry{Role::Specialist, "specialist"},
    RoleEntry{Role::DepartmentHead, "department_head"},
    RoleEntry{Role::OfficeChief, "office_chief"},
    RoleEntry{Role::Leader, "leader"},
    RoleEntry{Role::DeputyLeader, "deputy_leader"},
    RoleEntry{Role::Clerk, "clerk"},
    RoleEntry{Role::Administrator, "administrator"},
};

struct KeySourceEntry {
  KeySource source;
  std::string_view name;
};
constexpr std::array kKeySources = {
    KeySourceEntry{KeySource::Pkcs12, "pkcs12"},
    KeySourceEntry{KeySource::Pkcs11, "pkcs11"},
    KeySourceEntry{KeySource::External, "external"},
};

// Notation abbreviations are ASCII capitals plus "Đ" (UTF-8 C4 90), e.g. "UBND", "SĐT".
bool isNotationAbbreviation(const std::string& text) {
  if (text.empty()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') continue;
    if (c >= '0' && c <= '9') continue;
    if (static_cast<unsigned char>(c) == 0xC4 && i + 1 < text.size() &&
        static_cast<unsigned char>(text[i + 1]) == 0x90) {
      ++i;
      continue;
    }
    return false;
  }
  return true;
}

}  // namespace

std::string_view roleName(Role role) {
  for (const auto& entry : kRoles) {
    if (entry.role == role) return entry.name;
  }
  return "unknown";
}

std::optional<Role> roleFromName(std::string_view name) {
  for (const auto& entry : kRoles) {
    if (entry.name == name) return entry.role;
  }
  return std::nullopt;
}

const std::vector<Role>& allRoles() {
  static const std::vector<Role> roles = [] {
    std::vector<Role> all;
    for (const auto& entry : kRoles) all.push_back(entry.role);
    return all;
  }();
  return roles;
}

std::string_view keySourceName(KeySource source) {
  for (const auto& entry : kKeySources) {
    if (entry.source == source) return entry.name;
  }
  return "unknown";
}

std::optional<KeySource> keySourceFromName(std::string_view name) {
  for (const auto& entry : kKeySources) {
    if (entry.name == name) return entry.source;
  }
  return std::nullopt;
}

Status validateOrganisation(const Organisation& organisation) {
  if (organisation.id.empty()) return Status::invalidArgument("organisation id is empty");
  auto code = AgencyCode::parse(organisation.code);
  if (!code) return code.status();
  if (organisation.name.empty()) {
    return Status::invalidArgument("organisation " + organisation.code + " has no name");
  }
  if (!isNotationAbbreviation(organisation.abbreviation)) {
    return Status::invalidArgument("organisation " + organisation.code + " abbreviation '" +
                                   organisation.abbreviation +
                                   "' must be capital letters (Đ allowed) and digits, no spaces");
  }
  if (organisation.tierCode.empty()) {
    return Status::invalidArgument("organisation " + organisation.code + " has no tier");
  }
  return Status::ok();
}

bool isSameOrBelow(const std::vector<Organisation>& organisations,
                   const std::string& organisationId, const std::string& ancestorId) {
  std::optional<std::string> current = organisationId;
  for (size_t steps = 0; current && steps <= organisations.size(); ++steps) {
    if (*current == ancestorId) return true;
    auto found = std::find_if(organisations.begin(), organisations.end(),
                              [&](const Organisation& o) { return o.id == *current; });
    if (found == organisations.end()) return false;
    current = found->parentId;
  }
  return false;
}

}  // namespace vanthu::workflow
