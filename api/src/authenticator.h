#pragma once

// Who is calling: a Bearer access token (a JWT, HS256 only, tied to a login session that is
// checked on every request) or an API token ("vtk_..."). Also logins, refresh-token rotation,
// logout, password changes and API token management (issue 6).

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "vanthu/storage/database_pool.h"
#include "vanthu/workflow/auth.h"
#include "vanthu/workflow/directory.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {

/// The caller of one request.
struct Principal {
  std::string userId;     ///< set for a user's access token
  std::string sessionId;  ///< the login session of a user's access token
  std::string tokenId;    ///< set for an API token
  std::string organisationId;
  std::vector<workflow::RoleGrant> roles;  ///< a user's role grants (empty for API tokens)
  std::vector<std::string> scopes;         ///< an API token's scopes (empty for users)

  bool isUser() const { return !userId.empty(); }
  bool hasScope(const std::string& scope) const;
  /// Holds the administrator role in its own organisation (any unit).
  bool isAdministrator() const;
};

struct AuthSettings {
  std::chrono::seconds tokenTtl{900};
  std::chrono::seconds refreshTtl{14 * 86400};
  workflow::LockoutPolicy lockout;
};

/// A failure with what the HTTP layer needs beyond the Status: Retry-After for a lock-out.
struct AuthFailure {
  Status status;
  int64_t retryAfter = 0;  ///< seconds; set with TooManyRequests
};

struct IssuedTokens {
  std::string accessToken;
  int64_t expiresIn = 0;
  std::string refreshToken;
  workflow::User user;
  std::vector<workflow::RoleGrant> roles;
};

struct CreatedApiToken {
  workflow::ApiToken token;
  std::string secret;  ///< "vtk_...": shown once, never stored
};

class Authenticator {
 public:
  /// Leases connections from `pool` for each step. Reads (or creates) the shared signing secret.
  Authenticator(storage::DatabasePool& pool, AuthSettings settings);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  /// The clock (Unix seconds); tests may replace it.
  void setClock(std::function<int64_t()> clock) { clock_ = std::move(clock); }
  int64_t now() const { return clock_(); }

  /// Checks username and password. Unknown user, inactive user and wrong password give the
  /// same Unauthenticated failure after the same work; a locked username gives TooManyRequests.
  std::variant<IssuedTokens, AuthFailure> login(const std::string& username,
                                                const std::string& password);
  /// Rotates `refreshToken`; a reused one revokes its whole session.
  std::variant<IssuedTokens, AuthFailure> refresh(const std::string& refreshToken);
  /// The caller named by an Authorization header value. Unauthenticated when missing or bad.
  Result<Principal> authenticate(const std::string& authorization);

  Status logout(const Principal& principal);
  /// New password of at least 12 characters; ends the user's other sessions.
  std::optional<AuthFailure> changePassword(const Principal& principal,
                                            const std::string& currentPassword,
                                            const std::string& newPassword);
  std::optional<workflow::User> user(const std::string& userId);

  Result<CreatedApiToken> createApiToken(const Principal& principal, const std::string& name,
                                         const std::vector<std::string>& scopes, int64_t expiresAt);
  Result<std::vector<workflow::ApiToken>> listApiTokens(const Principal& principal);
  Status revokeApiToken(const Principal& principal, const std::string& id);

  /// An HS256 access token for the given claims (also used by tests to forge expired ones).
  static std::string signAccessToken(const std::string& secret, const std::string& userId,
                                     const std::string& organisationId,
                                     const std::string& sessionId, int64_t issuedAt,
                                     int64_t expiresAt, const std::string& tokenId);

 private:
  IssuedTokens issue(const workflow::User& user, const std::string& sessionId,
                     const std::string& refreshToken);
  Result<Principal> authenticateJwt(const std::string& jwt);
  Result<Principal> authenticateApiToken(const std::string& secret);

  /// The claims of an access token whose signature was checked.
  struct VerifiedClaims {
    std::string subject;
    std::string organisationId;
    std::string sessionId;
    int64_t expiresAt = 0;
  };
  /// The claims of `jwt` if its header and signature are good, from the cache of tokens
  /// already checked or by checking it now.
  std::optional<VerifiedClaims> verifiedClaims(const std::string& jwt);

  storage::DatabasePool& pool_;
  AuthSettings settings_;
  std::string secret_;
  std::function<int64_t()> clock_;
  /// Tokens whose signature was already verified, by their exact text. A client sends the same
  /// token with every request until it expires; checking the header, the HMAC and parsing the
  /// claims again each time was a fifth of an authenticated GET. What a token says cannot
  /// change, so the cache cannot be wrong; whether its session still stands is asked of the
  /// database on every request regardless. Bounded: expired entries go first, then all.
  std::mutex verifiedMutex_;
  std::unordered_map<std::string, VerifiedClaims> verified_;
};

/// Lowercase hex SHA-256 of `text`.
std::string sha256Hex(const std::string& text);
/// `bytes` random bytes as lowercase hex. Throws vanthu::Error(CryptoFailure).
std::string randomHex(size_t bytes);

}  // namespace vanthu::api
