#include "openssl_error.h"

#include <openssl/err.h>

#include <array>

namespace vanthu::signing::detail {

std::string drainOpenSslErrors() {
  std::string joined;
  const char* file = nullptr;
  int line = 0;
  const char* data = nullptr;
  int flags = 0;
  unsigned long code = 0;
  while ((code = ERR_get_error_all(&file, &line, nullptr, &data, &flags)) != 0) {
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    if (!joined.empty()) joined += "; ";
    joined += text.data();
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0') {
      joined += " (";
      joined += data;
      joined += ")";
    }
    if (file != nullptr) {
      joined += " [";
      joined += file;
      joined += ":";
      joined += std::to_string(line);
      joined += "]";
    }
  }
  return joined;
}

void throwOpenSsl(ErrorCode code, const std::string& what) {
  std::string details = drainOpenSslErrors();
  if (details.empty()) throw Error(code, what);
  throw Error(code, what + ": " + details);
}

void clearOpenSslErrors() {
  ERR_clear_error();
}

}  // namespace vanthu::signing::detail
