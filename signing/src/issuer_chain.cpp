// issuersOf (key_sources.h): the chain above a signer's certificate, from a pool of certificates.

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "openssl_error.h"
#include "vanthu/signing/key_sources.h"

namespace vanthu::signing {

std::vector<Certificate> issuersOf(const Certificate& certificate,
                                   const std::vector<Certificate>& pool) {
  constexpr size_t kMaxDepth = 10;
  std::vector<Certificate> issuers;
  const Certificate* current = &certificate;
  while (issuers.size() < kMaxDepth &&
         X509_check_issued(current->nativeHandle(), current->nativeHandle()) != X509_V_OK) {
    const Certificate* found = nullptr;
    for (const auto& candidate : pool) {
      if (X509_check_issued(candidate.nativeHandle(), current->nativeHandle()) == X509_V_OK &&
          X509_verify(current->nativeHandle(), X509_get0_pubkey(candidate.nativeHandle())) == 1) {
        found = &candidate;
        break;
      }
    }
    // Failed matches and checks leave reasons on OpenSSL's queue that are not errors here.
    detail::clearOpenSslErrors();
    if (found == nullptr) break;
    issuers.push_back(*found);
    current = &issuers.back();
  }
  return issuers;
}

}  // namespace vanthu::signing
