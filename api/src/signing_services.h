#pragma once

// What the server needs to apply signatures (issue "Workflow", sign and issue): the PAdES level
// it signs at, a time-stamping authority for B-T and above, an HTTP fetcher for revocation data
// (B-LT), and the trust anchors of the data directory. Built once at start from the settings
// signing.level, signing.tsa_url and signing.tsa_pkcs12 / signing.tsa_password.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vanthu/api/server_config.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/pades_levels.h"
#include "vanthu/signing/timestamp_authority.h"
#include "vanthu/signing/timestamp_server.h"

namespace vanthu::api {

class SigningServices {
 public:
  /// Throws vanthu::Error(InvalidConfig) when the TSA key cannot be opened (the message names the
  /// file, never the password).
  explicit SigningServices(const ServerConfig& config);
  ~SigningServices();
  SigningServices(const SigningServices&) = delete;
  SigningServices& operator=(const SigningServices&) = delete;

  signing::PadesLevel level() const { return level_; }
  /// Where the time-stamps come from, for logs: the URL, "the server's own authority" or "".
  std::string timestampSource() const;
  /// The services for signPdfAtLevel. Unavailable (503 upstream) when the level needs a
  /// time-stamping authority and none is configured.
  Result<signing::LevelServices> levelServices() const;
  /// The roots of DIR/pki/roots/*.pem: the anchors B-LT chains are completed to.
  const std::vector<signing::Certificate>& trustAnchors() const { return trustAnchors_; }

 private:
  signing::PadesLevel level_;
  std::unique_ptr<signing::HttpFetcher> fetcher_;
  std::unique_ptr<signing::TimestampAuthority> authority_;
  std::unique_ptr<signing::TimestampServer> authorityServer_;
  std::unique_ptr<signing::TimeStamper> stamper_;
  std::string timestampSource_;
  std::vector<signing::Certificate> trustAnchors_;
};

}  // namespace vanthu::api
