#pragma once

// Password storage: PBKDF2-HMAC-SHA256 through OpenSSL with 600,000 iterations (OWASP 2023) and a
// random 16-byte salt, encoded as "$pbkdf2-sha256$i=600000$<salt b64>$<hash b64>". The iteration
// count travels with the hash, so it can be raised later without breaking stored hashes.

#include <string>

namespace vanthu::api {

constexpr int kPasswordIterations = 600000;

/// Hashes `password` with a fresh salt. Throws vanthu::Error(CryptoFailure) if OpenSSL fails.
std::string hashPassword(const std::string& password, int iterations = kPasswordIterations);

/// True when `password` matches `encoded`. False for a wrong password and for a malformed hash
/// (never throws on untrusted input); compares in constant time.
bool verifyPassword(const std::string& password, const std::string& encoded);

}  // namespace vanthu::api
