#include "sign_command.h"

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_args.h"
#include "vanthu/signing/http_fetcher.h"
#include "vanthu/signing/http_time_stamper.h"
#include "vanthu/signing/key_sources.h"
#include "vanthu/signing/pades_levels.h"
#include "vanthu/signing/pdf_signer.h"

namespace vanthu::cli {
namespace {

using namespace vanthu::signing;
namespace fs = std::filesystem;

constexpr const char* kUsage = R"(usage: vanthu sign --in IN.pdf --out OUT.pdf KEY [OPTIONS]

KEY (exactly one):
  --p12 FILE --password-env VAR     a PKCS#12 key store; the password is in $VAR
  --key PEM --cert PEM              an unencrypted PKCS#8 PEM private key file (keep it 0600)
  --pkcs11 URI --pin-env VAR        a key on a PKCS#11 token (pkcs11:token=...;object=...)
      [--module PATH] [--cert PEM]  the token's module; the certificate if not on the token
  --external --cert PEM             two phases: writes OUT.pdf.prepared and prints the digest to
                                    sign elsewhere; finish with
  --complete OUT.pdf.prepared --signature FILE [--cms] --out OUT.pdf
                                    FILE holds the raw signature value (or a whole CMS)
  --extend B-T|B-LT|B-LTA --tsa URL  raise the signatures of a signed IN.pdf (no KEY)
Options:
  --chain PEM                 issuer certificates for --key/--pkcs11/--external
  --level B-B|B-T|B-LT|B-LTA  PAdES level (default B-B); B-T and above need --tsa URL, B-LT and
                              above fetch OCSP responses / CRLs from the certificates' URLs
  --tsa URL                   an RFC 3161 time-stamping authority (http://)
  --trust PEM                 roots that complete chains for B-LT data (repeatable)
  --revocation-check off|best-effort|required   check the signer's certificate before signing
                              (default best-effort: refuse if revoked, warn if unreachable)
  --visible PAGE:X,Y,W,H      a visible signature box (points, origin bottom left)
  --field NAME                sign this existing empty signature field
  --appearance signer|organisation|attachment
  --image PNG                 the signature (signer) or seal (organisation) image
  --heading TEXT              a line above the image (repeatable), e.g. "KT. CHỦ TỊCH"
  --name TEXT                 the signer's or organisation's name under the image
  --reason TEXT --location TEXT
  --certify none|no-changes|form-filling|annotations   (default none)
  --text-field NAME:PAGE:X,Y,W,H   add an empty text field for a later fill (repeatable)
  --signature-field NAME:PAGE:X,Y,W,H
                                   add an empty signature field for a later signer, e.g. the
                                   organisation's seal after a certification (repeatable)
  --number-date-fields        add the fields so/ngay/thang where page 1 has the blanks after
                              "Số:" and in "ngày ... tháng ... năm"
  --digest sha256|sha384|sha512    --format pades|pkcs7    --reserve BYTES
  --allow-invalid-certificate      sign even with an expired, not yet valid or revoked certificate
)";

int usage(const std::string& message) {
  std::cerr << "vanthu sign: " << message << "; see 'vanthu sign --help'" << std::endl;
  return kExitUsage;
}

std::string environmentSecret(const std::string& variable, const char* what) {
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) {
    throw Error(ErrorCode::InvalidArgument,
                std::string("the ") + what + " variable " + variable + " is not set");
  }
  return value;
}

std::string readFileBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::IoFailure, "cannot read " + path.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::vector<Certificate> readCertificates(const fs::path& pem) {
  return Certificate::allFromPem(readFileBytes(pem));
}

// "PAGE:X,Y,W,H"
bool parseBox(const std::string& text, int& page, PdfRect& rect) {
  char colon = 0, c1 = 0, c2 = 0, c3 = 0;
  std::istringstream in(text);
  in >> page >> colon >> rect.x >> c1 >> rect.y >> c2 >> rect.width >> c3 >> rect.height;
  return !in.fail() && in.eof() && colon == ':' && c1 == ',' && c2 == ',' && c3 == ',' &&
         page >= 1 && rect.width > 0 && rect.height > 0;
}

int failed(const Error& e) {
  std::cerr << "vanthu sign: failed (" << errorCodeName(e.code()) << "): " << e.describe()
            << std::endl;
  return kExitFailure;
}

}  // namespace

int runSignCommand(const std::vector<std::string>& args) {
  auto parsed = parseArgs(args, {{"in"},
                                 {"out"},
                                 {"p12"},
                                 {"key"},
                                 {"password-env"},
                                 {"pkcs11"},
                                 {"pin-env"},
                                 {"module"},
                                 {"cert"},
                                 {"chain"},
                                 {"external", false},
                                 {"complete"},
                                 {"signature"},
                                 {"cms", false},
                                 {"level"},
                                 {"tsa"},
                                 {"extend"},
                                 {"trust", true, true},
                                 {"revocation-check"},
                                 {"visible"},
                                 {"field"},
                                 {"appearance"},
                                 {"image"},
                                 {"heading", true, true},
                                 {"name"},
                                 {"reason"},
                                 {"location"},
                                 {"certify"},
                                 {"text-field", true, true},
                                 {"signature-field", true, true},
                                 {"number-date-fields", false},
                                 {"digest"},
                                 {"format"},
                                 {"reserve"},
                                 {"allow-invalid-certificate", false},
                                 {"help", false}});
  if (!parsed) return usage(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (!flags.positionals.empty())
    return usage("unexpected argument '" + flags.positionals[0] + "'");
  if (!flags.has("out")) return usage("--out is required");
  const fs::path output = flags.value("out");

  try {
    if (flags.has("complete")) {
      if (!flags.has("signature")) return usage("--complete needs --signature FILE");
      fs::path statePath = flags.value("complete");
      auto prepared = PreparedSignature::deserialize(readFileBytes(statePath));
      std::string value = readFileBytes(flags.value("signature"));
      if (flags.has("cms")) {
        completeSignatureWithCms(prepared, value, output);
      } else {
        completeSignature(prepared, value, output);
      }
      fs::remove(statePath);
      std::cout << "vanthu sign: signed " << output.string() << std::endl;
      return kExitOk;
    }

    if (!flags.has("in")) return usage("--in is required");
    auto fetcher = makeHttpFetcher();
    std::unique_ptr<HttpTimeStamper> stamper;
    if (flags.has("tsa")) stamper = std::make_unique<HttpTimeStamper>(flags.value("tsa"), *fetcher);
    LevelServices services;
    services.timeStamper = stamper.get();
    services.fetcher = fetcher.get();
    if (flags.has("trust")) {
      for (const auto& pem : flags.options.at("trust")) {
        for (auto& root : readCertificates(pem)) services.trustAnchors.push_back(root);
      }
    }
    if (flags.has("extend")) {
      auto target = padesLevelFromName(flags.value("extend"));
      if (!target || *target == PadesLevel::BaselineB) {
        return usage("--extend must be B-T, B-LT or B-LTA");
      }
      if (!stamper) return usage("--extend needs --tsa URL");
      extendPdf(flags.value("in"), output, *target, services);
      std::cout << "vanthu sign: extended " << output.string() << " to " << padesLevelName(*target)
                << std::endl;
      return kExitOk;
    }
    int keySources = (flags.has("p12") ? 1 : 0) + (flags.has("pkcs11") ? 1 : 0) +
                     (flags.has("external") ? 1 : 0) + (flags.has("key") ? 1 : 0);
    if (keySources != 1) return usage("give exactly one of --p12, --key, --pkcs11, --external");

    SignatureRequest request;
    request.reason = flags.value("reason");
    request.location = flags.value("location");
    if (flags.has("field")) request.existingField = flags.value("field");
    auto level = padesLevelFromName(flags.value("level", "B-B"));
    if (!level) return usage("--level must be B-B, B-T, B-LT or B-LTA");
    if (*level != PadesLevel::BaselineB && !stamper) {
      return usage("--level " + flags.value("level") + " needs --tsa URL");
    }
    if (*level != PadesLevel::BaselineB && flags.has("external")) {
      return usage("--external writes B-B; raise the result with --extend");
    }
    std::string checkName = flags.value("revocation-check", "best-effort");
    RevocationCheck check = checkName == "off"           ? RevocationCheck::Off
                            : checkName == "best-effort" ? RevocationCheck::BestEffort
                            : checkName == "required"    ? RevocationCheck::Required
                                                         : RevocationCheck::Unknown;
    if (check == RevocationCheck::Unknown) {
      return usage("--revocation-check must be off, best-effort or required");
    }
    if (flags.has("allow-invalid-certificate")) check = RevocationCheck::Off;
    auto vet = [&](const Certificate& certificate, const std::vector<Certificate>& issuers) {
      if (flags.has("allow-invalid-certificate")) return;
      std::string warning = checkSigningCertificate(
          certificate, issuers, std::chrono::system_clock::now(), fetcher.get(), check);
      if (!warning.empty()) std::cerr << "vanthu sign: warning: " << warning << std::endl;
    };
    std::string certify = flags.value("certify", "none");
    if (certify == "none") {
      request.certification = CertificationLevel::None;
    } else if (certify == "no-changes") {
      request.certification = CertificationLevel::NoChanges;
    } else if (certify == "form-filling") {
      request.certification = CertificationLevel::FormFilling;
    } else if (certify == "annotations") {
      request.certification = CertificationLevel::Annotations;
    } else {
      return usage("--certify must be none, no-changes, form-filling or annotations");
    }
    std::string digest = flags.value("digest", "sha256");
    if (digest == "sha256") {
      request.digest = DigestAlgorithm::Sha256;
    } else if (digest == "sha384") {
      request.digest = DigestAlgorithm::Sha384;
    } else if (digest == "sha512") {
      request.digest = DigestAlgorithm::Sha512;
    } else {
      return usage("--digest must be sha256, sha384 or sha512");
    }
    std::string format = flags.value("format", "pades");
    if (format == "pades") {
      request.format = SignatureFormat::PadesCades;
    } else if (format == "pkcs7") {
      request.format = SignatureFormat::Pkcs7Detached;
    } else {
      return usage("--format must be pades or pkcs7");
    }
    if (flags.has("reserve")) {
      try {
        request.reservedCmsBytes = std::stoul(flags.value("reserve"));
      } catch (const std::exception&) {
        return usage("--reserve must be a number of bytes");
      }
    }
    if (flags.has("visible")) {
      PdfRect box;
      if (!parseBox(flags.value("visible"), request.page, box)) {
        return usage("--visible must be PAGE:X,Y,W,H with positive sizes");
      }
      request.rectangle = box;
    }
    for (const char* option : {"text-field", "signature-field"}) {
      for (const auto& spec :
           flags.options.count(option) ? flags.options.at(option) : std::vector<std::string>{}) {
        auto colon = spec.find(':');
        TextFieldSpec field;
        if (colon == std::string::npos ||
            !parseBox(spec.substr(colon + 1), field.page, field.rectangle)) {
          return usage(std::string("--") + option + " must be NAME:PAGE:X,Y,W,H");
        }
        field.name = spec.substr(0, colon);
        field.signature = std::string(option) == "signature-field";
        request.textFields.push_back(field);
      }
    }
    request.numberDateFields = flags.has("number-date-fields");
    if (flags.has("appearance") || flags.has("image") || flags.has("heading") ||
        flags.has("name")) {
      SignatureAppearance appearance;
      std::string kind = flags.value("appearance", "signer");
      if (kind == "signer") {
        appearance.kind = AppearanceKind::Signer;
      } else if (kind == "organisation") {
        appearance.kind = AppearanceKind::Organisation;
      } else if (kind == "attachment") {
        appearance.kind = AppearanceKind::Attachment;
      } else {
        return usage("--appearance must be signer, organisation or attachment");
      }
      appearance.image = flags.value("image");
      if (flags.has("heading")) appearance.headingLines = flags.options.at("heading");
      appearance.name = flags.value("name");
      request.appearance = appearance;
    }

    std::vector<Certificate> chain;
    if (flags.has("chain")) chain = readCertificates(flags.value("chain"));

    if (flags.has("external")) {
      if (!flags.has("cert"))
        return usage("--external needs --cert PEM (the signer's certificate)");
      auto certificates = readCertificates(flags.value("cert"));
      if (certificates.empty()) return usage("--cert holds no certificate");
      vet(certificates.front(), chain);
      fs::path work = output;
      work += ".partial";
      auto prepared =
          prepareSignature(flags.value("in"), work, request, certificates.front(), chain);
      fs::path statePath = output;
      statePath += ".prepared";
      {
        std::ofstream state(statePath, std::ios::binary | std::ios::trunc);
        state << prepared.serialize();
        if (!state) throw Error(ErrorCode::IoFailure, "cannot write " + statePath.string());
      }
      ::chmod(statePath.c_str(), 0600);
      static const char* hex = "0123456789abcdef";
      std::string digestHex;
      for (unsigned char c : prepared.toBeSignedDigest) {
        digestHex += hex[c >> 4];
        digestHex += hex[c & 0xF];
      }
      std::cout << "digest " << digestAlgorithmName(prepared.digest) << " " << digestHex << "\n";
      std::cout << "state " << statePath.string() << "\n";
      std::cout << "Sign the digest with the key of the certificate, then run: vanthu sign "
                   "--complete "
                << statePath.string() << " --signature SIG.bin --out " << output.string()
                << std::endl;
      return kExitOk;
    }

    std::unique_ptr<DigestSigner> key;
    if (flags.has("key")) {
      if (!flags.has("cert")) return usage("--key needs --cert PEM (the signer's certificate)");
      auto certificates = readCertificates(flags.value("cert"));
      if (certificates.empty()) return usage("--cert holds no certificate");
      PrivateKey privateKey = PrivateKey::fromPem(readFileBytes(flags.value("key")));
      key = std::make_unique<Pkcs12Signer>(privateKey, certificates.front(), chain);
    } else if (flags.has("p12")) {
      if (!flags.has("password-env")) return usage("--p12 needs --password-env VAR");
      key = Pkcs12Signer::open(flags.value("p12"),
                               environmentSecret(flags.value("password-env"), "password"));
    } else {
      if (!flags.has("pin-env")) return usage("--pkcs11 needs --pin-env VAR");
      Pkcs11Options options;
      options.uri = flags.value("pkcs11");
      options.pin = environmentSecret(flags.value("pin-env"), "PIN");
      if (flags.has("module")) options.modulePath = flags.value("module");
      if (flags.has("cert")) {
        auto certificates = readCertificates(flags.value("cert"));
        if (!certificates.empty()) options.certificate = certificates.front();
      }
      options.chain = chain;
      key = Pkcs11Signer::open(options);
    }
    vet(key->certificate(), key->chain());
    signPdfAtLevel(flags.value("in"), output, request, *key, *level, services);
    std::cout << "vanthu sign: signed " << output.string() << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    return failed(e);
  } catch (const fs::filesystem_error& e) {
    return failed(Error(ErrorCode::IoFailure, e.what()));
  }
}

int runFillCommand(const std::vector<std::string>& args) {
  auto parsed =
      parseArgs(args, {{"in"}, {"out"}, {"field", true, true}, {"font-size"}, {"help", false}});
  auto fail = [](const std::string& message) {
    std::cerr << "vanthu fill: " << message << "; see 'vanthu fill --help'" << std::endl;
    return kExitUsage;
  };
  if (!parsed) return fail(parsed.status().message());
  const auto& flags = parsed.value();
  if (flags.has("help")) {
    std::cout << "usage: vanthu fill --in IN.pdf --out OUT.pdf --field NAME=VALUE... "
                 "[--font-size PT]\n";
    return kExitOk;
  }
  if (!flags.has("in") || !flags.has("out") || !flags.has("field")) {
    return fail("--in, --out and at least one --field NAME=VALUE are required");
  }
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& field : flags.options.at("field")) {
    auto equals = field.find('=');
    if (equals == std::string::npos || equals == 0) return fail("--field must be NAME=VALUE");
    values.emplace_back(field.substr(0, equals), field.substr(equals + 1));
  }
  double size = 13;
  try {
    size = std::stod(flags.value("font-size", "13"));
  } catch (const std::exception&) {
    return fail("--font-size must be a number");
  }
  try {
    fillTextFields(flags.value("in"), flags.value("out"), values, size);
    std::cout << "vanthu fill: wrote " << flags.value("out") << std::endl;
    return kExitOk;
  } catch (const Error& e) {
    std::cerr << "vanthu fill: failed (" << errorCodeName(e.code()) << "): " << e.describe()
              << std::endl;
    return kExitFailure;
  }
}

}  // namespace vanthu::cli
