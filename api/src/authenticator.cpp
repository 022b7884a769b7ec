#include "authenticator.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Crypto/Crypto.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JWT/Signer.h>
#include <Poco/JWT/Token.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <ctime>
#include <sstream>

#include "vanthu/api/password_hasher.h"
#include "vanthu/storage/sql_auth_repository.h"
#include "vanthu/storage/sql_directory_repository.h"

namespace vanthu::api {
namespace {

constexpr const char* kApiTokenPrefix = "vtk_";
constexpr const char* kRefreshTokenPrefix = "vtr_";
constexpr size_t kMinPasswordLength = 12;

Status unauthenticated(const std::string& message) {
  return {ErrorCode::Unauthenticated, message};
}

AuthFailure wrongCredentials() {
  return {unauthenticated("wrong username or password"), 0};
}

size_t utf8Length(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// The JWT header, decoded before anything else is trusted: exactly {"alg":"HS256"} (typ JWT
// optional). alg:none, RS256, HS512 and friends are refused here.
bool headerIsHs256(const std::string& jwt) {
  size_t dot = jwt.find('.');
  if (dot == std::string::npos || dot == 0 || dot > 512) return false;
  if (std::count(jwt.begin(), jwt.end(), '.') != 2) return false;
  try {
    std::istringstream encoded(jwt.substr(0, dot));
    Poco::Base64Decoder decoder(encoded, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    std::string header((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
    auto object = Poco::JSON::Parser().parse(header).extract<Poco::JSON::Object::Ptr>();
    if (object.isNull() || !object->has("alg")) return false;
    auto alg = object->get("alg");
    if (!alg.isString() || alg.convert<std::string>() != "HS256") return false;
    if (object->has("typ")) {
      auto typ = object->get("typ");
      if (!typ.isString() || typ.convert<std::string>() != "JWT") return false;
    }
    return true;
  } catch (const Poco::Exception&) {
    return false;
  } catch (const std::exception&) {
    return false;
  }
}

// Verified when the username is unknown, so that unknown and known usernames cost the same: the
// hash of a random password nobody kept, at the default cost (a constant, so the first unknown
// username is not slower either). Keep its iteration count equal to kPasswordIterations.
constexpr const char* kDummyHash =
    "$pbkdf2-sha256$i=600000$Brm8aITHszogcYQC8e38XA==$A4Uuq7bhg0Ie784RtCWaeTsB4JbYkYYmumyOBX9Bx7c=";
static_assert(kPasswordIterations == 600000, "regenerate kDummyHash at the new cost");

std::optional<std::string> stringClaim(const Poco::JSON::Object& payload, const char* name) {
  if (!payload.has(name)) return std::nullopt;
  auto value = payload.get(name);
  if (!value.isString()) return std::nullopt;
  auto text = value.convert<std::string>();
  if (text.empty()) return std::nullopt;
  return text;
}

std::optional<int64_t> integerClaim(const Poco::JSON::Object& payload, const char* name) {
  if (!payload.has(name)) return std::nullopt;
  auto value = payload.get(name);
  if (!value.isInteger()) return std::nullopt;
  return value.convert<Poco::Int64>();
}

}  // namespace

bool Principal::hasScope(const std::string& scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

bool Principal::isAdministrator() const {
  return std::any_of(roles.begin(), roles.end(), [&](const workflow::RoleGrant& grant) {
    return grant.role == workflow::Role::Administrator && grant.organisationId == organisationId;
  });
}

std::string sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw Error(ErrorCode::CryptoFailure, "SHA-256 failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

std::string randomHex(size_t bytes) {
  std::vector<unsigned char> buffer(bytes);
  if (RAND_bytes(buffer.data(), static_cast<int>(buffer.size())) != 1) {
    throw Error(ErrorCode::CryptoFailure, "the random number generator failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : buffer) {
    out += hex[b >> 4];
    out += hex[b & 0xF];
  }
  return out;
}

Authenticator::Authenticator(storage::DatabasePool& pool, AuthSettings settings)
    : pool_(pool),
      settings_(settings),
      clock_([] { return static_cast<int64_t>(std::time(nullptr)); }) {
  // Poco's JWT signer initialises OpenSSL per call and tears it down when the last user goes:
  // with requests verifying tokens on several threads, one thread's teardown destroyed the
  // locks another was using (an abort under load). One reference held for the authenticator's
  // life keeps the count above zero.
  Poco::Crypto::initializeCrypto();
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  secret_ = repository.ensureSigningSecret(randomHex(32));
}

Authenticator::~Authenticator() {
  Poco::Crypto::uninitializeCrypto();
}

std::string Authenticator::signAccessToken(const std::string& secret, const std::string& userId,
                                           const std::string& organisationId,
                                           const std::string& sessionId, int64_t issuedAt,
                                           int64_t expiresAt, const std::string& tokenId) {
  Poco::JWT::Token token;
  token.setType("JWT");
  token.setSubject(userId);
  token.setId(tokenId);
  token.payload().set("org", organisationId);
  token.payload().set("sid", sessionId);
  token.payload().set("iat", static_cast<Poco::Int64>(issuedAt));
  token.payload().set("exp", static_cast<Poco::Int64>(expiresAt));
  Poco::JWT::Signer signer(secret);
  return signer.sign(token, Poco::JWT::Signer::ALGO_HS256);
}

IssuedTokens Authenticator::issue(const workflow::User& user, const std::string& sessionId,
                                  const std::string& refreshToken) {
  IssuedTokens issued;
  int64_t issuedAt = now();
  issued.expiresIn = settings_.tokenTtl.count();
  issued.accessToken = signAccessToken(secret_, user.id, user.organisationId, sessionId, issuedAt,
                                       issuedAt + issued.expiresIn, randomHex(16));
  issued.refreshToken = refreshToken;
  issued.user = user;
  auto lease = pool_.acquire();
  storage::SqlDirectoryRepository directory(*lease);
  issued.roles = directory.roleGrantsOf(user.id);
  return issued;
}

std::variant<IssuedTokens, AuthFailure> Authenticator::login(const std::string& username,
                                                             const std::string& password) {
  std::optional<workflow::User> user;
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    auto throttle = repository.loginThrottle(username);
    if (int64_t wait = workflow::lockedFor(throttle, now()); wait > 0) {
      return AuthFailure{{ErrorCode::TooManyRequests, "too many failed logins; try again later"},
                         wait};
    }
    storage::SqlDirectoryRepository directory(*lease);
    user = directory.findUserByUsername(username);
  }
  // The slow part runs without a database connection; every path verifies one hash.
  bool verified = user ? verifyPassword(password, user->passwordHash)
                       : (verifyPassword(password, kDummyHash), false);
  if (!verified || !user->active) {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    int64_t at = now();
    auto state = repository.recordLoginFailure(username, at, settings_.lockout);
    if (int64_t wait = workflow::lockedFor(state, at); wait > 0) {
      return AuthFailure{{ErrorCode::TooManyRequests, "too many failed logins; try again later"},
                         wait};
    }
    return wrongCredentials();
  }
  workflow::AuthSession session;
  session.id = randomHex(16);
  session.userId = user->id;
  session.createdAt = now();
  session.expiresAt = session.createdAt + settings_.refreshTtl.count();
  std::string refreshToken = kRefreshTokenPrefix + randomHex(32);
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    repository.clearLoginFailures(username);
    if (auto status = repository.createSession(session, sha256Hex(refreshToken)); !status) {
      throw Error(ErrorCode::StorageFailure, "cannot store a login session: " + status.message());
    }
  }
  return issue(*user, session.id, refreshToken);
}

std::variant<IssuedTokens, AuthFailure> Authenticator::refresh(const std::string& refreshToken) {
  std::string next = kRefreshTokenPrefix + randomHex(32);
  workflow::RefreshResult result;
  std::optional<workflow::User> user;
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    result = repository.rotateRefreshToken(sha256Hex(refreshToken), sha256Hex(next), now());
    if (result.outcome == workflow::RefreshOutcome::Rotated) {
      user = repository.findUserById(result.session->userId);
      if (!user || !user->active) {
        repository.revokeSession(result.session->id, now(), "user_inactive");
        user.reset();
      }
    }
  }
  switch (result.outcome) {
    case workflow::RefreshOutcome::Rotated:
      if (!user) return AuthFailure{unauthenticated("the refresh token is not valid"), 0};
      return issue(*user, result.session->id, next);
    case workflow::RefreshOutcome::Reused:
      return AuthFailure{
          unauthenticated("the refresh token was already used; the session has been ended, "
                          "log in again"),
          0};
    case workflow::RefreshOutcome::Ended:
      return AuthFailure{unauthenticated("the session has ended; log in again"), 0};
    case workflow::RefreshOutcome::Unknown:
      break;
  }
  return AuthFailure{unauthenticated("the refresh token is not valid"), 0};
}

Result<Principal> Authenticator::authenticate(const std::string& authorization) {
  if (authorization.empty()) return unauthenticated("this route needs a Bearer token");
  const std::string scheme = "bearer ";
  if (authorization.size() <= scheme.size() ||
      !std::equal(scheme.begin(), scheme.end(), authorization.begin(), [](char a, char b) {
        return a == std::tolower(static_cast<unsigned char>(b));
      })) {
    return unauthenticated("the Authorization header must be 'Bearer TOKEN'");
  }
  std::string credential = authorization.substr(scheme.size());
  if (credential.size() > 4096) return unauthenticated("the token is not valid");
  if (credential.rfind(kApiTokenPrefix, 0) == 0) return authenticateApiToken(credential);
  return authenticateJwt(credential);
}

std::optional<Authenticator::VerifiedClaims> Authenticator::verifiedClaims(const std::string& jwt) {
  constexpr size_t kMaxVerified = 4096;
  {
    std::lock_guard<std::mutex> lock(verifiedMutex_);
    if (auto found = verified_.find(jwt); found != verified_.end()) return found->second;
  }
  if (!headerIsHs256(jwt)) return std::nullopt;
  Poco::JWT::Token token;
  try {
    Poco::JWT::Signer signer(secret_);  // accepts HS256 only (Poco's default)
    if (!signer.tryVerify(jwt, token)) return std::nullopt;
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  const auto& payload = token.payload();
  auto subject = stringClaim(payload, "sub");
  auto organisation = stringClaim(payload, "org");
  auto sessionId = stringClaim(payload, "sid");
  auto expiresAt = integerClaim(payload, "exp");
  if (!subject || !organisation || !sessionId || !expiresAt) return std::nullopt;
  VerifiedClaims claims{*subject, *organisation, *sessionId, *expiresAt};
  std::lock_guard<std::mutex> lock(verifiedMutex_);
  if (verified_.size() >= kMaxVerified) {
    int64_t at = now();
    for (auto entry = verified_.begin(); entry != verified_.end();) {
      entry = entry->second.expiresAt <= at ? verified_.erase(entry) : std::next(entry);
    }
    if (verified_.size() >= kMaxVerified) verified_.clear();
  }
  verified_.emplace(jwt, claims);
  return claims;
}

Result<Principal> Authenticator::authenticateJwt(const std::string& jwt) {
  auto claims = verifiedClaims(jwt);
  if (!claims) return unauthenticated("the token is not valid");
  if (claims->expiresAt <= now()) return unauthenticated("the token has expired");
  const std::string& subject = claims->subject;
  const std::string& sessionId = claims->sessionId;
  Principal principal;
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    auto check = repository.checkSession(sessionId);
    if (!check || check->session.userId != subject || check->session.revokedAt != 0 ||
        !check->userActive || check->organisationId != claims->organisationId) {
      return unauthenticated("the session has ended; log in again");
    }
    principal.roles = std::move(check->grants);
  }
  principal.userId = subject;
  principal.sessionId = sessionId;
  principal.organisationId = claims->organisationId;
  return principal;
}

Result<Principal> Authenticator::authenticateApiToken(const std::string& secret) {
  std::optional<workflow::ApiToken> token;
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    token = repository.findApiTokenByHash(sha256Hex(secret));
  }
  if (!token || token->revokedAt != 0) return unauthenticated("the token is not valid");
  if (token->expiresAt != 0 && token->expiresAt <= now()) {
    return unauthenticated("the token has expired");
  }
  Principal principal;
  principal.tokenId = token->id;
  principal.organisationId = token->organisationId;
  principal.scopes = token->scopes;
  return principal;
}

Status Authenticator::logout(const Principal& principal) {
  if (!principal.isUser()) return Status::forbidden("an API token has no session to end");
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  repository.revokeSession(principal.sessionId, now(), "logout");
  return Status::ok();
}

std::optional<AuthFailure> Authenticator::changePassword(const Principal& principal,
                                                         const std::string& currentPassword,
                                                         const std::string& newPassword) {
  if (!principal.isUser()) {
    return AuthFailure{Status::forbidden("an API token has no password"), 0};
  }
  if (utf8Length(newPassword) < kMinPasswordLength) {
    return AuthFailure{Status::invalidArgument("the new password must have at least " +
                                               std::to_string(kMinPasswordLength) + " characters"),
                       0};
  }
  if (newPassword.size() > 1024) {
    return AuthFailure{Status::invalidArgument("the new password is too long"), 0};
  }
  std::optional<workflow::User> user;
  {
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    user = repository.findUserById(principal.userId);
    if (!user) return AuthFailure{unauthenticated("the session has ended; log in again"), 0};
    auto throttle = repository.loginThrottle(user->username);
    if (int64_t wait = workflow::lockedFor(throttle, now()); wait > 0) {
      return AuthFailure{{ErrorCode::TooManyRequests, "too many failed attempts; try again later"},
                         wait};
    }
  }
  if (!verifyPassword(currentPassword, user->passwordHash)) {
    // Counted as a failed login: the route must not become a way around the lock-out.
    auto lease = pool_.acquire();
    storage::SqlAuthRepository repository(*lease);
    repository.recordLoginFailure(user->username, now(), settings_.lockout);
    return AuthFailure{Status::forbidden("the current password is wrong"), 0};
  }
  std::string hash = hashPassword(newPassword);
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  // Compared with the hash the current password was checked against: when two changes race
  // with the same current password, the one that lands second finds it no longer current.
  if (auto status = repository.replacePasswordHash(user->id, user->passwordHash, hash); !status) {
    if (status.code() == ErrorCode::Conflict) {
      return AuthFailure{Status::forbidden("the current password is wrong"), 0};
    }
    return AuthFailure{status, 0};
  }
  repository.revokeSessionsOfUser(user->id, principal.sessionId, now(), "password_changed");
  return std::nullopt;
}

std::optional<workflow::User> Authenticator::user(const std::string& userId) {
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  return repository.findUserById(userId);
}

Result<CreatedApiToken> Authenticator::createApiToken(const Principal& principal,
                                                      const std::string& name,
                                                      const std::vector<std::string>& scopes,
                                                      int64_t expiresAt) {
  if (!principal.isUser() || !principal.isAdministrator()) {
    return Status::forbidden("only an administrator of the organisation may create API tokens");
  }
  if (name.empty() || utf8Length(name) > 100) {
    return Status::invalidArgument("name must be 1 to 100 characters");
  }
  if (scopes.empty()) return Status::invalidArgument("scopes must name at least one scope");
  for (const auto& scope : scopes) {
    if (!workflow::isKnownApiScope(scope)) {
      return Status::invalidArgument("unknown scope '" + scope +
                                     "'; known: exchange:inbox, documents:read, verify");
    }
  }
  if (expiresAt != 0 && expiresAt <= now()) {
    return Status::invalidArgument("expires_at must be in the future");
  }
  CreatedApiToken created;
  created.secret = kApiTokenPrefix + randomHex(32);
  auto& token = created.token;
  token.id = "tok_" + randomHex(8);
  token.name = name;
  token.organisationId = principal.organisationId;
  token.createdBy = principal.userId;
  token.scopes = scopes;
  token.tokenHash = sha256Hex(created.secret);
  token.createdAt = now();
  token.expiresAt = expiresAt;
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  if (auto status = repository.addApiToken(token); !status) return status;
  return created;
}

Result<std::vector<workflow::ApiToken>> Authenticator::listApiTokens(const Principal& principal) {
  if (!principal.isUser() || !principal.isAdministrator()) {
    return Status::forbidden("only an administrator of the organisation may list API tokens");
  }
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  return repository.listApiTokens(principal.organisationId);
}

Status Authenticator::revokeApiToken(const Principal& principal, const std::string& id) {
  if (!principal.isUser() || !principal.isAdministrator()) {
    return Status::forbidden("only an administrator of the organisation may revoke API tokens");
  }
  auto lease = pool_.acquire();
  storage::SqlAuthRepository repository(*lease);
  if (!repository.revokeApiToken(id, principal.organisationId, now())) {
    return Status::notFound("no live API token " + id + " in this organisation");
  }
  return Status::ok();
}

}  // namespace vanthu::api
