#pragma once

// Who is who: tiers of government, organisations, their units, users and the roles they hold.
// Tiers are data (the 2025 reform removed the district tier); nothing here names a tier in code.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

/// A tier of government ("central", "province", "district", "commune").
struct Tier {
  std::string code;                        ///< stable key, e.g. "province"
  std::string name;                        ///< display name, e.g. "Cấp tỉnh"
  int rank = 0;                            ///< 1 = top; lower tiers have larger ranks
  std::optional<std::string> abolishedOn;  ///< ISO date the tier stopped existing, if it did
};

struct Organisation {
  std::string id;
  std::string code;                        ///< electronic identifier code (AgencyCode text)
  std::string name;                        ///< "Ủy ban nhân dân tỉnh Thái Nguyên"
  std::string abbreviation;                ///< used in notations: "UBND" in 15/QĐ-UBND
  std::string tierCode;                    ///< Tier::code
  std::optional<std::string> parentId;     ///< the superior organisation, if any
  std::string endpoint;                    ///< exchange endpoint URL; empty when not connected
  std::optional<std::string> dissolvedOn;  ///< ISO date; kept for documents archived before it
};

/// A unit inside an organisation: a department (phòng), the office (văn phòng), the records office.
struct Unit {
  std::string id;
  std::string organisationId;
  std::string name;          ///< "Phòng Tổng hợp"
  std::string abbreviation;  ///< "TH" — used in công văn notations (15/UBND-TH)
};

enum class Role : uint8_t {
  Unknown = 0,
  Specialist,      ///< chuyên viên: drafts, handles assigned incoming work
  DepartmentHead,  ///< lãnh đạo phòng: level-2 review, assigns within the unit
  OfficeChief,     ///< chánh văn phòng: level-3 review of form and legality
  Leader,          ///< lãnh đạo: signs (level 4), assigns incoming documents
  DeputyLeader,    ///< phó: signs "KT." on the leader's behalf
  Clerk,           ///< văn thư: numbers, seals, dispatches, registers incoming documents
  Administrator,   ///< organisations, units, users, keys, templates
};

/// Stable snake_case name ("department_head"); the form used in the API and the database.
std::string_view roleName(Role role);
std::optional<Role> roleFromName(std::string_view name);
const std::vector<Role>& allRoles();

struct User {
  std::string id;
  std::string username;
  std::string fullName;  ///< "Phạm Quốc Hùng"
  std::string position;  ///< "Chủ tịch" — printed in signature blocks
  std::string email;
  std::string organisationId;
  std::optional<std::string> unitId;
  std::string passwordHash;  ///< a slow-KDF hash string, never the password
  bool active = true;
};

/// A role a user holds in an organisation (and optionally only within one unit).
struct RoleGrant {
  std::string userId;
  Role role = Role::Unknown;
  std::string organisationId;
  std::optional<std::string> unitId;
};

enum class KeySource : uint8_t { Unknown = 0, Pkcs12, Pkcs11, External };
std::string_view keySourceName(KeySource source);
std::optional<KeySource> keySourceFromName(std::string_view name);

/// Where a signing key lives and which certificate it belongs to. The key itself never passes
/// through the domain: for PKCS#12 `location` is a file path, for PKCS#11 a pkcs11: URI.
struct KeyReference {
  std::string id;
  std::optional<std::string> userId;          ///< a personal key ...
  std::optional<std::string> organisationId;  ///< ... or the organisation's "seal" key
  KeySource source = KeySource::Unknown;
  std::string location;
  std::string certificateSubject;
  std::string certificateSerial;  ///< hex
  std::string notAfter;           ///< ISO 8601
  bool active = true;             ///< false once withdrawn; the row stays for history
};

/// One page of an organisation's users (by username) and how many it has in all.
struct UserPage {
  std::vector<User> users;
  int64_t total = 0;
};

/// Port: the directory of tiers, organisations, units, users, role grants and key references.
/// Adapters live in storage/. Methods throw vanthu::Error on infrastructure failure; adding
/// something whose id or unique key exists returns AlreadyExists.
class DirectoryRepository {
 public:
  virtual ~DirectoryRepository() = default;

  virtual Status addTier(const Tier& tier) = 0;
  virtual Status addOrganisation(const Organisation& organisation) = 0;
  virtual Status addUnit(const Unit& unit) = 0;
  virtual Status addUser(const User& user) = 0;
  virtual Status grantRole(const RoleGrant& grant) = 0;
  virtual Status addKeyReference(const KeyReference& reference) = 0;

  virtual std::vector<Tier> listTiers() = 0;
  virtual std::vector<Organisation> listOrganisations() = 0;
  virtual std::vector<Unit> listUnits(const std::string& organisationId) = 0;
  virtual std::vector<User> listUsers(const std::string& organisationId) = 0;
  virtual std::optional<User> findUserByUsername(const std::string& username) = 0;
  virtual std::vector<RoleGrant> roleGrantsOf(const std::string& userId) = 0;
  virtual std::vector<KeyReference> keyReferencesOfUser(const std::string& userId) = 0;
  virtual std::vector<KeyReference> keyReferencesOfOrganisation(const std::string& orgId) = 0;

  // Administration. Updates return NotFound for an unknown id; they never change an id, a
  // username, a password hash or the organisation something belongs to.
  virtual std::optional<Organisation> findOrganisation(const std::string& id) = 0;
  /// Code, name, abbreviation, tier, parent, endpoint, dissolution date (validated first).
  virtual Status updateOrganisation(const Organisation& organisation) = 0;
  virtual std::optional<Unit> findUnit(const std::string& id) = 0;
  /// Name and abbreviation.
  virtual Status updateUnit(const Unit& unit) = 0;
  virtual std::optional<User> findUser(const std::string& id) = 0;
  /// `limit` users from `offset`, by username. InvalidArgument for a negative offset or a limit
  /// outside 1..500.
  virtual Result<UserPage> listUsersPage(const std::string& organisationId, int offset,
                                         int limit) = 0;
  /// Full name, position, email, unit and the active flag.
  virtual Status updateUser(const User& user) = 0;
  /// Removes exactly this grant (same unit, or both organisation-wide); NotFound if not held.
  virtual Status revokeRole(const RoleGrant& grant) = 0;
  /// Active users holding `role` in `organisationId` (in any unit), by id, each once.
  virtual std::vector<std::string> activeHoldersOf(const std::string& organisationId,
                                                   Role role) = 0;
  virtual std::optional<KeyReference> findKeyReference(const std::string& id) = 0;
  /// Withdraws the key reference; NotFound for an unknown id.
  virtual Status deactivateKeyReference(const std::string& id) = 0;
};

/// Whether `organisationId` is `ancestorId` or below it in the parent chain of `organisations`.
/// A cycle in the data stops the walk rather than looping.
bool isSameOrBelow(const std::vector<Organisation>& organisations,
                   const std::string& organisationId, const std::string& ancestorId);

/// Checks an organisation before it is stored: a valid agency code, a name, an abbreviation
/// usable in notations (letters and Đ, no spaces or '/'), a tier.
Status validateOrganisation(const Organisation& organisation);

}  // namespace vanthu::workflow
