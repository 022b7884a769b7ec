#include "vanthu/api/password_hasher.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <vector>

#include "vanthu/workflow/error.h"

namespace vanthu::api {
namespace {

constexpr size_t kSaltBytes = 16;
constexpr size_t kHashBytes = 32;
constexpr int kMinIterations = 1000;
constexpr const char* kPrefix = "$pbkdf2-sha256$i=";

std::string base64(const std::vector<unsigned char>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

bool unbase64(const std::string& text, size_t expected, std::vector<unsigned char>& out) {
  if (text.size() != 4 * ((expected + 2) / 3)) return false;
  out.assign(text.size() / 4 * 3, 0);
  int decoded = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (decoded < 0) return false;
  out.resize(expected);  // EVP_DecodeBlock keeps the padding bytes as zeros
  return true;
}

std::vector<unsigned char> derive(const std::string& password,
                                  const std::vector<unsigned char>& salt, int iterations) {
  std::vector<unsigned char> hash(kHashBytes);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), iterations, EVP_sha256(),
                        static_cast<int>(hash.size()), hash.data()) != 1) {
    char reason[256] = {0};
    ERR_error_string_n(ERR_get_error(), reason, sizeof reason);
    throw Error(ErrorCode::CryptoFailure, std::string("PBKDF2 failed: ") + reason);
  }
  return hash;
}

}  // namespace

std::string hashPassword(const std::string& password, int iterations) {
  if (iterations < kMinIterations) {
    throw Error(ErrorCode::Internal,
                "PBKDF2 iteration count too low: " + std::to_string(iterations));
  }
  std::vector<unsigned char> salt(kSaltBytes);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
    throw Error(ErrorCode::CryptoFailure, "the random number generator failed to give a salt");
  }
  return kPrefix + std::to_string(iterations) + "$" + base64(salt) + "$" +
         base64(derive(password, salt, iterations));
}

bool verifyPassword(const std::string& password, const std::string& encoded) {
  const std::string prefix = kPrefix;
  if (encoded.rfind(prefix, 0) != 0) return false;
  size_t iterationsEnd = encoded.find('$', prefix.size());
  if (iterationsEnd == std::string::npos) return false;
  size_t saltEnd = encoded.find('$', iterationsEnd + 1);
  if (saltEnd == std::string::npos) return false;

  int iterations = 0;
  const char* first = encoded.data() + prefix.size();
  const char* last = encoded.data() + iterationsEnd;
  auto [ptr, ec] = std::from_chars(first, last, iterations);
  // The upper bound stops a planted hash from turning a login into a denial of service.
  if (ec != std::errc() || ptr != last || iterations < kMinIterations || iterations > 10000000) {
    return false;
  }
  std::vector<unsigned char> salt;
  std::vector<unsigned char> expected;
  if (!unbase64(encoded.substr(iterationsEnd + 1, saltEnd - iterationsEnd - 1), kSaltBytes, salt) ||
      !unbase64(encoded.substr(saltEnd + 1), kHashBytes, expected)) {
    return false;
  }
  auto actual = derive(password, salt, iterations);
  return CRYPTO_memcmp(actual.data(), expected.data(), kHashBytes) == 0;
}

}  // namespace vanthu::api
