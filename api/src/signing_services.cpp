#include "signing_services.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/workflow/error.h"

namespace vanthu::api {
namespace {

std::vector<signing::Certificate> readTrustAnchors(const std::filesystem::path& dataDir) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dataDir / "pki" / "roots", error)) {
    if (entry.path().extension() == ".pem") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<signing::Certificate> anchors;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream pem;
    pem << in.rdbuf();
    auto roots = signing::Certificate::allFromPem(pem.str());
    anchors.insert(anchors.end(), roots.begin(), roots.end());
  }
  return anchors;
}

}  // namespace

SigningServices::SigningServices(const ServerConfig& config)
    : level_(signing::padesLevelFromName(config.signingLevel)
                 .value_or(signing::PadesLevel::BaselineT)),
      fetcher_(signing::makeHttpFetcher()),
      trustAnchors_(readTrustAnchors(config.dataDir)) {
  if (!config.tsaUrl.empty()) {
    stamper_ = std::make_unique<signing::HttpTimeStamper>(config.tsaUrl, *fetcher_);
    timestampSource_ = config.tsaUrl;
  } else if (!config.tsaPkcs12.empty()) {
    auto file =
        config.tsaPkcs12.is_relative() ? config.dataDir / config.tsaPkcs12 : config.tsaPkcs12;
    try {
      auto contents = signing::readPkcs12(file, config.tsaPassword);
      signing::TimestampAuthorityOptions options;
      options.chain = contents.chain;
      authority_ = std::make_unique<signing::TimestampAuthority>(std::move(contents.certificate),
                                                                 std::move(contents.key), options);
    } catch (const Error& e) {
      throw Error(ErrorCode::InvalidConfig,
                  "signing.tsa_pkcs12 " + file.string() + " cannot be used: " + e.what());
    }
    // Served on loopback only, for this process: the signing code asks it over HTTP exactly as
    // it would ask an outside authority.
    authorityServer_ = std::make_unique<signing::TimestampServer>(*authority_);
    authorityServer_->start("127.0.0.1", 0);
    stamper_ = std::make_unique<signing::HttpTimeStamper>(authorityServer_->url(), *fetcher_);
    timestampSource_ = "the server's own authority (" + file.filename().string() + ")";
  }
}

SigningServices::~SigningServices() {
  if (authorityServer_) authorityServer_->stop();
}

std::string SigningServices::timestampSource() const {
  return timestampSource_;
}

Result<signing::LevelServices> SigningServices::levelServices() const {
  if (level_ != signing::PadesLevel::BaselineB && !stamper_) {
    return Status(ErrorCode::Unavailable,
                  "signing at " + std::string(signing::padesLevelName(level_)) +
                      " needs a time-stamping authority: set signing.tsa_url (or "
                      "signing.tsa_pkcs12 and signing.tsa_password), or signing.level = B-B");
  }
  signing::LevelServices services;
  services.timeStamper = stamper_.get();
  services.fetcher = fetcher_.get();
  services.trustAnchors = trustAnchors_;
  return services;
}

}  // namespace vanthu::api
