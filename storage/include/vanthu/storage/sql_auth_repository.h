#pragma once

#include "vanthu/storage/database.h"
#include "vanthu/workflow/auth.h"

namespace vanthu::storage {

/// AuthRepository on the metadata database. Parameterised SQL only. Borrows `database`; one
/// repository per connection (not thread-safe, as Database).
class SqlAuthRepository final : public workflow::AuthRepository {
 public:
  explicit SqlAuthRepository(Database& database) : database_(database) {}

  std::string ensureSigningSecret(const std::string& candidate) override;

  Status createSession(const workflow::AuthSession& session,
                       const std::string& refreshTokenHash) override;
  std::optional<workflow::SessionCheck> checkSession(const std::string& sessionId) override;
  workflow::RefreshResult rotateRefreshToken(const std::string& oldHash, const std::string& newHash,
                                             int64_t now) override;
  bool revokeSession(const std::string& sessionId, int64_t now, const std::string& reason) override;
  int revokeSessionsOfUser(const std::string& userId, const std::string& keepSessionId, int64_t now,
                           const std::string& reason) override;

  workflow::LoginThrottle loginThrottle(const std::string& username) override;
  workflow::LoginThrottle recordLoginFailure(const std::string& username, int64_t now,
                                             const workflow::LockoutPolicy& policy) override;
  void clearLoginFailures(const std::string& username) override;

  std::optional<workflow::User> findUserById(const std::string& userId) override;
  Status setPasswordHash(const std::string& userId, const std::string& passwordHash) override;
  /// Sets the hash only while it is still `expectedHash`: of concurrent changes made with the
  /// same current password exactly one succeeds; the others get Conflict.
  Status replacePasswordHash(const std::string& userId, const std::string& expectedHash,
                             const std::string& passwordHash);

  Status addApiToken(const workflow::ApiToken& token) override;
  std::optional<workflow::ApiToken> findApiTokenByHash(const std::string& tokenHash) override;
  std::vector<workflow::ApiToken> listApiTokens(const std::string& organisationId) override;
  bool revokeApiToken(const std::string& id, const std::string& organisationId,
                      int64_t now) override;

 private:
  Database& database_;
};

}  // namespace vanthu::storage
