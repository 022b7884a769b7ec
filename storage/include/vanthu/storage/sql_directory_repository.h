#pragma once

#include <functional>

#include "vanthu/storage/database.h"
#include "vanthu/workflow/directory.h"

namespace vanthu::storage {

/// DirectoryRepository on the metadata database. Parameterised SQL only.
/// Borrows `database`, which must outlive it.
class SqlDirectoryRepository final : public workflow::DirectoryRepository {
 public:
  explicit SqlDirectoryRepository(Database& database) : database_(database) {}

  Status addTier(const workflow::Tier& tier) override;
  Status addOrganisation(const workflow::Organisation& organisation) override;
  Status addUnit(const workflow::Unit& unit) override;
  Status addUser(const workflow::User& user) override;
  Status grantRole(const workflow::RoleGrant& grant) override;
  Status addKeyReference(const workflow::KeyReference& reference) override;

  std::vector<workflow::Tier> listTiers() override;
  std::vector<workflow::Organisation> listOrganisations() override;
  std::vector<workflow::Unit> listUnits(const std::string& organisationId) override;
  std::vector<workflow::User> listUsers(const std::string& organisationId) override;
  std::optional<workflow::User> findUserByUsername(const std::string& username) override;
  std::vector<workflow::RoleGrant> roleGrantsOf(const std::string& userId) override;
  std::vector<workflow::KeyReference> keyReferencesOfUser(const std::string& userId) override;
  std::vector<workflow::KeyReference> keyReferencesOfOrganisation(
      const std::string& organisationId) override;

  std::optional<workflow::Organisation> findOrganisation(const std::string& id) override;
  Status updateOrganisation(const workflow::Organisation& organisation) override;
  std::optional<workflow::Unit> findUnit(const std::string& id) override;
  Status updateUnit(const workflow::Unit& unit) override;
  std::optional<workflow::User> findUser(const std::string& id) override;
  Result<workflow::UserPage> listUsersPage(const std::string& organisationId, int offset,
                                           int limit) override;
  Status updateUser(const workflow::User& user) override;
  Status revokeRole(const workflow::RoleGrant& grant) override;
  std::vector<std::string> activeHoldersOf(const std::string& organisationId,
                                           workflow::Role role) override;
  std::optional<workflow::KeyReference> findKeyReference(const std::string& id) override;
  Status deactivateKeyReference(const std::string& id) override;

  /// The id of the template new outgoing documents of the organisation follow by default; ""
  /// when it has none set (the product's default applies) or the organisation does not exist.
  std::string outgoingTemplateOf(const std::string& organisationId);
  /// Sets that template id ("" clears it); NotFound when there is no such organisation. The
  /// caller checks that the template fits.
  Status setOutgoingTemplate(const std::string& organisationId, const std::string& templateId);

  /// The users among `ids` (unknown ids are left out), in one query: names for lists of acts
  /// and audit entries without a query per row.
  std::vector<workflow::User> findUsers(const std::vector<std::string>& ids);

  /// Runs `work` in one transaction: all of it lands or none of it.
  void inTransaction(const std::function<void()>& work);

 private:
  Database& database_;
};

}  // namespace vanthu::storage
