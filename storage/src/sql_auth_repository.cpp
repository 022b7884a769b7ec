#include "vanthu/storage/sql_auth_repository.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <ctime>

#include "sql_support.h"

using namespace Poco::Data::Keywords;
using Poco::Data::RecordSet;

namespace vanthu::storage {
namespace {

using workflow::ApiToken;
using workflow::AuthSession;

constexpr const char* kSessionColumns =
    "SELECT s.id, s.user_id, s.created_at, s.expires_at, s.revoked_at, s.revoked_reason";

template <typename Row>
AuthSession readSession(Row& rows) {
  AuthSession session;
  session.id = sql::text(rows, 0);
  session.userId = sql::text(rows, 1);
  session.createdAt = sql::integer(rows, 2);
  session.expiresAt = sql::integer(rows, 3);
  session.revokedAt = sql::integer(rows, 4);
  session.revokedReason = sql::text(rows, 5);
  return session;
}

std::string joinScopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const auto& scope : scopes) {
    if (!joined.empty()) joined += ' ';
    joined += scope;
  }
  return joined;
}

std::vector<std::string> splitScopes(const std::string& joined) {
  std::vector<std::string> scopes;
  size_t start = 0;
  while (start < joined.size()) {
    size_t end = joined.find(' ', start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) scopes.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  return scopes;
}

constexpr const char* kTokenColumns =
    "SELECT id, name, organisation_id, created_by, scopes, token_hash, created_at, expires_at,"
    " revoked_at FROM api_tokens ";

std::vector<ApiToken> readTokens(RecordSet& rows) {
  std::vector<ApiToken> tokens;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    ApiToken token;
    token.id = sql::text(rows, 0);
    token.name = sql::text(rows, 1);
    token.organisationId = sql::text(rows, 2);
    token.createdBy = sql::text(rows, 3);
    token.scopes = splitScopes(sql::text(rows, 4));
    token.tokenHash = sql::text(rows, 5);
    token.createdAt = sql::integer(rows, 6);
    token.expiresAt = sql::integer(rows, 7);
    token.revokedAt = sql::integer(rows, 8);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

}  // namespace

std::string SqlAuthRepository::ensureSigningSecret(const std::string& candidate) {
  auto& db = database_.impl();
  try {
    std::string name = "jwt_hs256";
    auto created = static_cast<int64_t>(std::time(nullptr));
    // Two instances starting together both insert; one row wins and both read it back.
    db.session << db.sql(
        "INSERT INTO auth_secrets (name, value, created_at) VALUES (?, ?, ?)"
        " ON CONFLICT (name) DO NOTHING"),
        bind(name), bind(candidate), bind(created), now;
    std::string stored;
    db.session << db.sql("SELECT value FROM auth_secrets WHERE name = ?"), bind(name), into(stored),
        now;
    return stored;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading the token signing secret", e);
  }
}

Status SqlAuthRepository::createSession(const AuthSession& session,
                                        const std::string& refreshTokenHash) {
  auto& db = database_.impl();
  try {
    return sql::transaction(db, [&] {
      int64_t zero = 0;
      std::string reason = session.revokedReason;
      db.session << db.sql(
          "INSERT INTO auth_sessions (id, user_id, created_at, expires_at, revoked_at,"
          " revoked_reason) VALUES (?, ?, ?, ?, ?, ?)"),
          bind(session.id), bind(session.userId), bind(session.createdAt), bind(session.expiresAt),
          bind(session.revokedAt), bind(reason), now;
      db.session << db.sql(
          "INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, used_at)"
          " VALUES (?, ?, ?, ?)"),
          bind(refreshTokenHash), bind(session.id), bind(session.createdAt), bind(zero), now;
      return Status::ok();
    });
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "session " + session.id)) {
      return *status;
    }
    sql::storageFailure(db, "storing session " + session.id, e);
  }
}

std::optional<workflow::SessionCheck> SqlAuthRepository::checkSession(
    const std::string& sessionId) {
  // Every authenticated request comes here: the session, its user and the user's grants in one
  // prepared statement (one row per grant, or one with NULL grant columns when there is none).
  PreparedQuery select(database_.impl().statements(),
                       std::string(kSessionColumns) +
                           ", u.active, u.organisation_id, g.role, g.organisation_id, g.unit_id"
                           " FROM auth_sessions s JOIN users u ON u.id = s.user_id"
                           " LEFT JOIN role_grants g ON g.user_id = s.user_id"
                           " WHERE s.id = ? ORDER BY g.role, g.organisation_id, g.unit_id",
                       "reading session " + sessionId);
  select.bind(sessionId);
  if (!select.next()) return std::nullopt;
  workflow::SessionCheck check;
  check.session = readSession(select);
  check.userActive = select.integer(6) != 0;
  check.organisationId = select.text(7);
  do {
    if (select.isNull(8)) continue;
    workflow::RoleGrant grant;
    grant.userId = check.session.userId;
    grant.role = workflow::roleFromName(select.text(8)).value_or(workflow::Role::Unknown);
    grant.organisationId = select.text(9);
    grant.unitId = select.optionalText(10);
    check.grants.push_back(std::move(grant));
  } while (select.next());
  return check;
}

workflow::RefreshResult SqlAuthRepository::rotateRefreshToken(const std::string& oldHash,
                                                              const std::string& newHash,
                                                              int64_t now) {
  using workflow::RefreshOutcome;
  auto& db = database_.impl();
  try {
    db.session.begin();
    workflow::RefreshResult result;
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kSessionColumns) +
                     ", t.used_at FROM auth_refresh_tokens t"
                     " JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = ?"),
        bind(oldHash), Poco::Data::Keywords::now;
    RecordSet rows(select);
    if (!rows.moveFirst()) {
      db.session.rollback();
      return result;
    }
    result.session = readSession(rows);
    int64_t usedAt = sql::integer(rows, 6);
    auto& session = *result.session;
    if (session.revokedAt != 0 || session.expiresAt <= now) {
      result.outcome = RefreshOutcome::Ended;
      db.session.rollback();
      return result;
    }
    // Only one caller can use a token: the update names it unused, so a concurrent second use
    // changes nothing and counts as reuse.
    size_t used = 0;
    if (usedAt == 0) {
      Poco::Data::Statement update(db.session);
      update << db.sql(
          "UPDATE auth_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at = 0"),
          bind(now), bind(oldHash);
      used = update.execute();
    }
    if (used != 1) {
      std::string reason = "refresh_token_reused";
      db.session << db.sql(
          "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ?"
          " WHERE id = ? AND revoked_at = 0"),
          bind(now), bind(reason), bind(session.id), Poco::Data::Keywords::now;
      db.session.commit();
      session.revokedAt = now;
      session.revokedReason = reason;
      result.outcome = RefreshOutcome::Reused;
      return result;
    }
    int64_t zero = 0;
    db.session << db.sql(
        "INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at, used_at)"
        " VALUES (?, ?, ?, ?)"),
        bind(newHash), bind(session.id), bind(now), bind(zero), Poco::Data::Keywords::now;
    db.session.commit();
    result.outcome = RefreshOutcome::Rotated;
    return result;
  } catch (const Poco::Exception& e) {
    if (db.session.isTransaction()) sql::rollbackQuietly(db.session);
    sql::storageFailure(db, "rotating a refresh token", e);
  } catch (...) {
    if (db.session.isTransaction()) sql::rollbackQuietly(db.session);
    throw;
  }
}

bool SqlAuthRepository::revokeSession(const std::string& sessionId, int64_t now,
                                      const std::string& reason) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ?"
        " WHERE id = ? AND revoked_at = 0"),
        bind(now), bind(reason), bind(sessionId);
    return update.execute() == 1;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "revoking session " + sessionId, e);
  }
}

int SqlAuthRepository::revokeSessionsOfUser(const std::string& userId,
                                            const std::string& keepSessionId, int64_t now,
                                            const std::string& reason) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE auth_sessions SET revoked_at = ?, revoked_reason = ?"
        " WHERE user_id = ? AND revoked_at = 0 AND id <> ?"),
        bind(now), bind(reason), bind(userId), bind(keepSessionId);
    return static_cast<int>(update.execute());
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "revoking the sessions of user " + userId, e);
  }
}

workflow::LoginThrottle SqlAuthRepository::loginThrottle(const std::string& username) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(
        "SELECT failures, lockouts, locked_until FROM login_failures WHERE username = ?"),
        bind(username), now;
    RecordSet rows(select);
    workflow::LoginThrottle state;
    if (!rows.moveFirst()) return state;
    state.failures = static_cast<int>(sql::integer(rows, 0));
    state.lockouts = static_cast<int>(sql::integer(rows, 1));
    state.lockedUntil = sql::integer(rows, 2);
    return state;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading failed logins", e);
  }
}

workflow::LoginThrottle SqlAuthRepository::recordLoginFailure(
    const std::string& username, int64_t now, const workflow::LockoutPolicy& policy) {
  auto& db = database_.impl();
  try {
    db.session.begin();
    // Lock the username's row before reading it: two failures at once must both count. (Read
    // first and the second writer, on PostgreSQL, overwrote the first with the same count,
    // which let guesses in parallel go past the limit.) The no-op upsert takes the row lock on
    // PostgreSQL and the write lock on SQLite; the read after it sees the latest count.
    db.session << db.sql(
        "INSERT INTO login_failures (username, failures, lockouts, locked_until, updated_at)"
        " VALUES (?, 0, 0, 0, ?) ON CONFLICT (username) DO UPDATE SET"
        " updated_at = login_failures.updated_at"),
        bind(username), bind(now), Poco::Data::Keywords::now;
    auto next = workflow::afterLoginFailure(loginThrottle(username), now, policy);
    int failures = next.failures;
    int lockouts = next.lockouts;
    db.session << db.sql(
        "INSERT INTO login_failures (username, failures, lockouts, locked_until, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (username) DO UPDATE SET"
        " failures = excluded.failures, lockouts = excluded.lockouts,"
        " locked_until = excluded.locked_until, updated_at = excluded.updated_at"),
        bind(username), bind(failures), bind(lockouts), bind(next.lockedUntil), bind(now),
        Poco::Data::Keywords::now;
    db.session.commit();
    return next;
  } catch (const Poco::Exception& e) {
    if (db.session.isTransaction()) sql::rollbackQuietly(db.session);
    sql::storageFailure(db, "recording a failed login", e);
  } catch (...) {
    if (db.session.isTransaction()) sql::rollbackQuietly(db.session);
    throw;
  }
}

void SqlAuthRepository::clearLoginFailures(const std::string& username) {
  auto& db = database_.impl();
  try {
    db.session << db.sql("DELETE FROM login_failures WHERE username = ?"), bind(username), now;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "clearing failed logins", e);
  }
}

std::optional<workflow::User> SqlAuthRepository::findUserById(const std::string& userId) {
  PreparedQuery select(database_.impl().statements(),
                       "SELECT id, username, full_name, position, email, organisation_id, unit_id,"
                       " password_hash, active FROM users WHERE id = ?",
                       "reading user " + userId);
  select.bind(userId);
  if (!select.next()) return std::nullopt;
  workflow::User user;
  user.id = select.text(0);
  user.username = select.text(1);
  user.fullName = select.text(2);
  user.position = select.text(3);
  user.email = select.text(4);
  user.organisationId = select.text(5);
  user.unitId = select.optionalText(6);
  user.passwordHash = select.text(7);
  user.active = select.integer(8) != 0;
  return user;
}

Status SqlAuthRepository::setPasswordHash(const std::string& userId,
                                          const std::string& passwordHash) {
  if (passwordHash.empty()) return Status::invalidArgument("the password hash is empty");
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql("UPDATE users SET password_hash = ? WHERE id = ?"), bind(passwordHash),
        bind(userId);
    if (update.execute() == 1) return Status::ok();
    return Status::notFound("user " + userId + " does not exist");
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "changing the password of user " + userId, e);
  }
}

Status SqlAuthRepository::replacePasswordHash(const std::string& userId,
                                              const std::string& expectedHash,
                                              const std::string& passwordHash) {
  if (passwordHash.empty()) return Status::invalidArgument("the password hash is empty");
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql("UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?"),
        bind(passwordHash), bind(userId), bind(expectedHash);
    if (update.execute() == 1) return Status::ok();
    return {ErrorCode::Conflict,
            "the password of user " + userId + " changed meanwhile or the user does not exist"};
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "changing the password of user " + userId, e);
  }
}

Status SqlAuthRepository::addApiToken(const ApiToken& token) {
  if (token.id.empty() || token.tokenHash.empty()) {
    return Status::invalidArgument("an API token needs an id and a hash");
  }
  for (const auto& scope : token.scopes) {
    if (!workflow::isKnownApiScope(scope)) {
      return Status::invalidArgument("unknown scope '" + scope + "'");
    }
  }
  auto& db = database_.impl();
  try {
    std::string scopes = joinScopes(token.scopes);
    db.session << db.sql(
        "INSERT INTO api_tokens (id, token_hash, name, organisation_id, created_by, scopes,"
        " created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        bind(token.id), bind(token.tokenHash), bind(token.name), bind(token.organisationId),
        bind(token.createdBy), bind(scopes), bind(token.createdAt), bind(token.expiresAt),
        bind(token.revokedAt), now;
    return Status::ok();
  } catch (const Poco::Exception& e) {
    if (auto status = sql::constraintStatus(e.displayText(), "API token " + token.id)) {
      return *status;
    }
    sql::storageFailure(db, "storing API token " + token.id, e);
  }
}

std::optional<ApiToken> SqlAuthRepository::findApiTokenByHash(const std::string& tokenHash) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kTokenColumns) + "WHERE token_hash = ?"), bind(tokenHash), now;
    RecordSet rows(select);
    auto tokens = readTokens(rows);
    if (tokens.empty()) return std::nullopt;
    return tokens.front();
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "reading an API token", e);
  }
}

std::vector<ApiToken> SqlAuthRepository::listApiTokens(const std::string& organisationId) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement select(db.session);
    select << db.sql(std::string(kTokenColumns) +
                     "WHERE organisation_id = ? ORDER BY created_at, id"),
        bind(organisationId), now;
    RecordSet rows(select);
    return readTokens(rows);
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "listing API tokens", e);
  }
}

bool SqlAuthRepository::revokeApiToken(const std::string& id, const std::string& organisationId,
                                       int64_t now) {
  auto& db = database_.impl();
  try {
    Poco::Data::Statement update(db.session);
    update << db.sql(
        "UPDATE api_tokens SET revoked_at = ?"
        " WHERE id = ? AND organisation_id = ? AND revoked_at = 0"),
        bind(now), bind(id), bind(organisationId);
    return update.execute() == 1;
  } catch (const Poco::Exception& e) {
    sql::storageFailure(db, "revoking API token " + id, e);
  }
}

}  // namespace vanthu::storage
