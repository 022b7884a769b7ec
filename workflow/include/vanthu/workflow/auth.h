#pragma once

// Authentication state: login sessions with rotating refresh tokens, failed-login counters and
// lock-outs, API tokens for machine clients, and the JWT signing secret the instances share.
// Only SHA-256 hashes of refresh and API tokens are stored; a token is shown once. Times are
// Unix seconds (UTC).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/error.h"

namespace vanthu::workflow {

/// A login: one family of refresh tokens. Revoking it ends every token of the family and every
/// access token that names it (sid).
struct AuthSession {
  std::string id;
  std::string userId;
  int64_t createdAt = 0;
  int64_t expiresAt = 0;  ///< the refresh tokens of the family stop working then
  int64_t revokedAt = 0;  ///< 0 while the session is live
  std::string revokedReason;
};

/// What an access token's session check needs, in one lookup.
struct SessionCheck {
  AuthSession session;
  bool userActive = false;
  std::string organisationId;     ///< the user's organisation
  std::vector<RoleGrant> grants;  ///< the user's role grants, read with the session (one query)
};

enum class RefreshOutcome : uint8_t {
  Rotated,  ///< the token was current: it is used up and the new one replaces it
  Unknown,  ///< no such token
  Reused,   ///< the token was already used: the whole session is revoked (theft detection)
  Ended,    ///< the session is revoked or expired
};

struct RefreshResult {
  RefreshOutcome outcome = RefreshOutcome::Unknown;
  std::optional<AuthSession> session;  ///< set unless Unknown
};

/// Failed logins for one username (a username: unknown names are counted the same way, so a
/// lock-out says nothing about whether an account exists).
struct LoginThrottle {
  int failures = 0;         ///< consecutive failures since the last success or lock-out
  int lockouts = 0;         ///< lock-outs since the last success; each doubles the period
  int64_t lockedUntil = 0;  ///< 0 or the time the lock ends
};

struct LockoutPolicy {
  int maxFailures = 5;           ///< this many consecutive failures lock the username
  int64_t lockoutSeconds = 900;  ///< the first lock-out; each later one doubles it
  int64_t maxLockoutSeconds = 86400;
};

/// The state after one more failure at `now`: a lock-out starts when the failures reach
/// policy.maxFailures (then the counter restarts).
LoginThrottle afterLoginFailure(LoginThrottle state, int64_t now, const LockoutPolicy& policy);

/// Seconds until `state` unlocks (0: not locked).
int64_t lockedFor(const LoginThrottle& state, int64_t now);

/// A machine client's token. `tokenHash` is the SHA-256 (hex) of the secret.
struct ApiToken {
  std::string id;
  std::string name;
  std::string organisationId;
  std::string createdBy;  ///< the user id of the administrator who made it
  std::vector<std::string> scopes;
  std::string tokenHash;
  int64_t createdAt = 0;
  int64_t expiresAt = 0;  ///< 0: never
  int64_t revokedAt = 0;  ///< 0: live
};

/// The scopes an API token may carry.
const std::vector<std::string>& knownApiScopes();
bool isKnownApiScope(const std::string& scope);

/// Port: authentication state. Adapters live in storage/. Methods throw vanthu::Error on
/// infrastructure failure.
class AuthRepository {
 public:
  virtual ~AuthRepository() = default;

  /// The HS256 secret (hex) every instance on this database signs with: `candidate` if none
  /// was stored yet, else the stored one (two instances starting together agree).
  virtual std::string ensureSigningSecret(const std::string& candidate) = 0;

  /// A new session with its first refresh token.
  virtual Status createSession(const AuthSession& session, const std::string& refreshTokenHash) = 0;
  virtual std::optional<SessionCheck> checkSession(const std::string& sessionId) = 0;
  /// Uses up `oldHash` and stores `newHash` in its family (see RefreshOutcome). A token used
  /// twice revokes the session with reason "refresh_token_reused".
  virtual RefreshResult rotateRefreshToken(const std::string& oldHash, const std::string& newHash,
                                           int64_t now) = 0;
  /// False when there is no such live session.
  virtual bool revokeSession(const std::string& sessionId, int64_t now,
                             const std::string& reason) = 0;
  /// Revokes every live session of the user but `keepSessionId`; returns how many.
  virtual int revokeSessionsOfUser(const std::string& userId, const std::string& keepSessionId,
                                   int64_t now, const std::string& reason) = 0;

  virtual LoginThrottle loginThrottle(const std::string& username) = 0;
  /// Records one failure under `policy` and returns the new state.
  virtual LoginThrottle recordLoginFailure(const std::string& username, int64_t now,
                                           const LockoutPolicy& policy) = 0;
  virtual void clearLoginFailures(const std::string& username) = 0;

  virtual std::optional<User> findUserById(const std::string& userId) = 0;
  virtual Status setPasswordHash(const std::string& userId, const std::string& passwordHash) = 0;

  virtual Status addApiToken(const ApiToken& token) = 0;
  virtual std::optional<ApiToken> findApiTokenByHash(const std::string& tokenHash) = 0;
  /// The organisation's tokens, revoked ones included, oldest first.
  virtual std::vector<ApiToken> listApiTokens(const std::string& organisationId) = 0;
  /// False when the organisation has no such live token.
  virtual bool revokeApiToken(const std::string& id, const std::string& organisationId,
                              int64_t now) = 0;
};

}  // namespace vanthu::workflow
