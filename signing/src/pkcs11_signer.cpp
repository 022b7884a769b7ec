#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

#include "key_signing.h"
#include "openssl_error.h"
#include "openssl_handles.h"
#include "vanthu/signing/key_sources.h"

namespace vanthu::signing {

namespace {

// --- the pkcs11 ENGINE ---------------------------------------------------------------------------
// The ENGINE API is deprecated in OpenSSL 3.0, but Debian 12 ships no pkcs11-provider: libp11's
// ENGINE is the only way to a PKCS#11 token there (standards/podofo-0.9.8, P11). Every ENGINE call
// lives between the push/pop below (and in the two deleters at the end), the only places where the
// deprecation warning is silenced.
/// Keeps the ENGINE .so mapped for the rest of the process. libp11 (0.4.12) builds its RSA, EC_KEY
/// and EVP_PKEY methods once, keeps them in static variables and never frees them; each time
/// OpenSSL's dynamic ENGINE unloaded the .so with the last instance, they would leak, and be built
/// again at the next load. Pinned, they are built once and stay reachable.
void pinEngineLibrary(const std::string& enginePath) {
  void* handle = dlopen(enginePath.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
  if (handle == nullptr) {
    const char* reason = dlerror();
    throw Error(ErrorCode::IoFailure, "cannot load the PKCS#11 ENGINE " + enginePath + ": " +
                                          (reason == nullptr ? "dlopen failed" : reason) +
                                          " (install libengine-pkcs11-openssl)");
  }
  // RTLD_NODELETE keeps it mapped after this dlclose; the handle itself is not needed.
  dlclose(handle);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/// Loads a private instance of the ENGINE at `enginePath` through the "dynamic" ENGINE and
/// initialises it for `modulePath`. Returns the structural and the functional reference.
std::pair<detail::EnginePtr, detail::EngineInitPtr> loadEngine(const std::string& enginePath,
                                                               const std::string& modulePath) {
  // The "dynamic" ENGINE is built in but only registered on request; this is idempotent and
  // thread-safe.
  if (OPENSSL_init_crypto(OPENSSL_INIT_ENGINE_DYNAMIC, nullptr) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot initialise OpenSSL's dynamic ENGINE");
  }
  pinEngineLibrary(enginePath);
  detail::EnginePtr engine(ENGINE_by_id("dynamic"));
  if (!engine) detail::throwOpenSsl(ErrorCode::IoFailure, "OpenSSL has no dynamic ENGINE");
  // LIST_ADD 0: the instance stays off OpenSSL's global ENGINE list, so this process holds every
  // reference to it and can finish it (and finalise the PKCS#11 module) when the last signer goes.
  // On the list, a second module or a re-initialised token would meet the first instance there.
  if (ENGINE_ctrl_cmd_string(engine.get(), "SO_PATH", enginePath.c_str(), 0) != 1 ||
      ENGINE_ctrl_cmd_string(engine.get(), "ID", "pkcs11", 0) != 1 ||
      ENGINE_ctrl_cmd_string(engine.get(), "LIST_ADD", "0", 0) != 1 ||
      ENGINE_ctrl_cmd_string(engine.get(), "LOAD", nullptr, 0) != 1) {
    detail::throwOpenSsl(ErrorCode::IoFailure, "cannot load the PKCS#11 ENGINE " + enginePath +
                                                   " (install libengine-pkcs11-openssl)");
  }
  // libp11 would otherwise print its own diagnostics to stderr, URIs included; ours are in the
  // exceptions.
  if (ENGINE_ctrl_cmd_string(engine.get(), "QUIET", nullptr, 0) != 1 ||
      ENGINE_ctrl_cmd_string(engine.get(), "MODULE_PATH", modulePath.c_str(), 0) != 1) {
    detail::throwOpenSsl(ErrorCode::IoFailure, "cannot configure the PKCS#11 ENGINE " + enginePath +
                                                   " for " + modulePath);
  }
  if (ENGINE_init(engine.get()) != 1) {
    detail::throwOpenSsl(ErrorCode::IoFailure,
                         "cannot initialise the PKCS#11 module " + modulePath);
  }
  detail::EngineInitPtr initialised(engine.get());
  return {std::move(engine), std::move(initialised)};
}

bool setPin(ENGINE* engine, const std::string& pin) {
  return ENGINE_ctrl_cmd_string(engine, "PIN", pin.c_str(), 0) == 1;
}

/// The private key `uri` names, or nullptr (with libp11's reasons in the error queue, if any).
detail::EvpPkeyPtr loadPrivateKey(ENGINE* engine, const std::string& uri) {
  // No UI method: the PIN was set with the PIN command, and a server must never prompt.
  detail::EvpPkeyPtr key(ENGINE_load_private_key(engine, uri.c_str(), nullptr, nullptr));
  if (!key) return nullptr;
  // libp11 (0.4.12) hands out the key it caches in the ENGINE and pins the ENGINE into it with
  // EVP_PKEY_set1_engine: a reference cycle, so that ENGINE_finish never reaches libp11's finish
  // and the ENGINE, the module and the cached key leak (and the .so cannot be loaded again).
  // Dropping that pin breaks the cycle without changing where the key works: its RSA/EC_KEY
  // method is libp11's, so the private key operation still runs on the token; libp11's EVP_PKEY
  // methods only add RSA-PSS/OAEP, which CMS signing here does not use.
  if (EVP_PKEY_set1_engine(key.get(), nullptr) != 1) {
    detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot detach the PKCS#11 key from its ENGINE");
  }
  return key;
}

/// The certificate `uri` names, or nullptr.
detail::X509Ptr loadCertificate(ENGINE* engine, const std::string& uri) {
  // The layout libp11's LOAD_CERT_CTRL expects (eng_front.c): the URI in, the certificate out.
  struct {
    const char* uri;
    X509* cert;
  } params{uri.c_str(), nullptr};
  if (ENGINE_ctrl_cmd(engine, "LOAD_CERT_CTRL", 0, &params, nullptr, 1) != 1) {
    X509_free(params.cert);
    return nullptr;
  }
  return detail::X509Ptr(params.cert);
}

#pragma GCC diagnostic pop

// --- one ENGINE instance per (ENGINE, module), shared by the signers that use it ---------------

/// A loaded and initialised ENGINE. Destroying it finishes it (libp11 then finalises and unloads
/// the PKCS#11 module) and frees it.
struct SharedEngine {
  detail::EnginePtr structural;
  detail::EngineInitPtr functional;  // declared last: released first
  /// libp11 keeps one PIN and one login state per instance: set-PIN-then-load and every signature
  /// run under this lock.
  std::mutex mutex;
};

using EngineKey = std::pair<std::string, std::string>;  // (ENGINE path, module path)

// The registry outlives every signer: it is never destroyed (a signer in a static could otherwise
// outlive it at exit).
struct Registry {
  std::mutex mutex;
  std::condition_variable released;
  std::map<EngineKey, std::weak_ptr<SharedEngine>> engines;
};

Registry& registry() {
  static auto* instance = new Registry;
  return *instance;
}

/// The live instance for `key`, or a new one. A PKCS#11 module has one global state per process
/// (C_Initialize/C_Finalize), so two instances on one module must never overlap: a new one is made
/// only after the previous one is completely gone.
std::shared_ptr<SharedEngine> acquireEngine(const std::string& enginePath,
                                            const std::string& modulePath) {
  Registry& reg = registry();
  const EngineKey key{enginePath, modulePath};
  std::unique_lock<std::mutex> lock(reg.mutex);
  for (;;) {
    auto found = reg.engines.find(key);
    if (found == reg.engines.end()) break;
    if (auto live = found->second.lock()) return live;
    reg.released.wait(lock);  // the last user is tearing it down right now
  }
  auto [structural, functional] = loadEngine(enginePath, modulePath);
  auto* engine = new SharedEngine{std::move(structural), std::move(functional), {}};
  std::shared_ptr<SharedEngine> shared(engine, [key](SharedEngine* dying) {
    Registry& r = registry();
    std::lock_guard<std::mutex> guard(r.mutex);
    delete dying;
    r.engines.erase(key);
    r.released.notify_all();
  });
  reg.engines[key] = shared;
  return shared;
}

// --- URIs and errors ----------------------------------------------------------------------------

/// `uri` with the value of any pin-value attribute replaced, for messages.
std::string redacted(const std::string& uri) {
  std::string out = uri;
  const std::string attribute = "pin-value=";
  for (size_t at = out.find(attribute); at != std::string::npos;
       at = out.find(attribute, at + attribute.size())) {
    const size_t start = at + attribute.size();
    const size_t end = out.find_first_of(";?&", start);
    out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
  }
  return out;
}

/// The key URI with its type attribute replaced by type=cert: the certificate object that shares
/// the key's token, id and label (RFC 7512 2.3: path attributes before '?', separated by ';').
std::string certificateUri(const std::string& keyUri) {
  const std::string scheme = "pkcs11:";
  const size_t queryAt = keyUri.find('?');
  const std::string path = keyUri.substr(scheme.size(), queryAt - scheme.size());
  const std::string query = queryAt == std::string::npos ? "" : keyUri.substr(queryAt);
  std::string out = scheme;
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(';', begin);
    if (end == std::string::npos) end = path.size();
    const std::string attribute = path.substr(begin, end - begin);
    if (!attribute.empty() && attribute.rfind("type=", 0) != 0) out += attribute + ";";
    begin = end + 1;
  }
  return out + "type=cert" + query;
}

bool contains(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

/// Throws the error for a failed key load, from what libp11 left in the queue. libp11 reports a
/// failed C_Login with the CKR reason text ("PIN incorrect"); a token or object it cannot find
/// leaves no CKR error, only "failed loading private key" (or nothing at all).
[[noreturn]] void throwLoadFailure(const std::string& uri, const std::string& modulePath) {
  const std::string details = detail::drainOpenSslErrors();
  const std::string suffix = details.empty() ? "" : " (" + details + ")";
  // libp11 loads and initialises the module (dlopen, C_Initialize) at the first key load, and
  // reports failures there from p11_load.c.
  if (contains(details, "Unable to load PKCS#11 module") || contains(details, "p11_load.c")) {
    throw Error(ErrorCode::IoFailure, "cannot load or initialise the PKCS#11 module " + modulePath +
                                          " (is it the token's PKCS#11 library, and is the token "
                                          "middleware configured?)" +
                                          suffix);
  }
  if (contains(details, "PIN locked")) {
    throw Error(ErrorCode::InvalidPassword, "the PIN of the PKCS#11 token for " + redacted(uri) +
                                                " is locked: have the security officer unlock it" +
                                                suffix);
  }
  if (contains(details, "PIN incorrect") || contains(details, "PIN invalid") ||
      contains(details, "PIN length") || contains(details, "PIN_INCORRECT")) {
    throw Error(ErrorCode::InvalidPassword,
                "the PKCS#11 token rejected the PIN for " + redacted(uri) + suffix);
  }
  throw Error(ErrorCode::NotFound, "no private key on a PKCS#11 token of " + modulePath +
                                       " matches " + redacted(uri) +
                                       ": is the token plugged in, and are its label and the key's "
                                       "label/id right?" +
                                       suffix);
}

bool carriesPin(const std::string& uri) {
  return contains(uri, "pin-value=") || contains(uri, "pin-source=");
}

}  // namespace

void detail::EngineDeleter::operator()(ENGINE* engine) const {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // see the ENGINE block above
  ENGINE_free(engine);
#pragma GCC diagnostic pop
}

void detail::EngineInitDeleter::operator()(ENGINE* engine) const {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // see the ENGINE block above
  ENGINE_finish(engine);
#pragma GCC diagnostic pop
}

struct Pkcs11Signer::State {
  std::shared_ptr<SharedEngine> engine;
  detail::EvpPkeyPtr key;  // declared after the engine: freed while the engine still runs
  std::optional<Certificate> certificate;
  std::vector<Certificate> chain;
};

Pkcs11Signer::Pkcs11Signer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Pkcs11Signer::~Pkcs11Signer() = default;

std::unique_ptr<Pkcs11Signer> Pkcs11Signer::open(const Pkcs11Options& options) {
  if (options.uri.rfind("pkcs11:", 0) != 0) {
    throw Error(ErrorCode::InvalidArgument,
                "a PKCS#11 key is named by a \"pkcs11:\" URI (RFC 7512), got \"" +
                    redacted(options.uri) + "\"");
  }
  // Without a PIN libp11 would prompt on the terminal, which a server must never do.
  if (options.pin.empty() && !carriesPin(options.uri)) {
    throw Error(ErrorCode::InvalidPassword, "the PIN of the PKCS#11 token is missing");
  }
  // Checked up front: OpenSSL's DSO error for a missing file does not say which file it wanted.
  std::error_code ignored;
  if (!std::filesystem::is_regular_file(options.enginePath, ignored)) {
    throw Error(ErrorCode::IoFailure, "the PKCS#11 ENGINE " + options.enginePath +
                                          " does not exist: install libengine-pkcs11-openssl");
  }
  if (!std::filesystem::is_regular_file(options.modulePath, ignored)) {
    throw Error(ErrorCode::IoFailure,
                "the PKCS#11 module " + options.modulePath +
                    " does not exist: install the token's PKCS#11 library (softhsm2 for SoftHSM)");
  }

  auto state = std::make_unique<State>();
  state->engine = acquireEngine(options.enginePath, options.modulePath);
  ENGINE* engine = state->engine->structural.get();
  {
    std::lock_guard<std::mutex> guard(state->engine->mutex);
    detail::clearOpenSslErrors();  // so that only this load's reasons decide the error code
    if (!options.pin.empty() && !setPin(engine, options.pin)) {
      detail::throwOpenSsl(ErrorCode::CryptoFailure, "cannot pass the PIN to the PKCS#11 ENGINE");
    }
    state->key = loadPrivateKey(engine, options.uri);
    if (!state->key) throwLoadFailure(options.uri, options.modulePath);
    // libp11 tries without login first and leaves that attempt's "not found" behind.
    detail::clearOpenSslErrors();

    if (options.certificate) {
      state->certificate = options.certificate;
    } else {
      const std::string uri = certificateUri(options.uri);
      detail::X509Ptr cert = loadCertificate(engine, uri);
      if (!cert) {
        const std::string details = detail::drainOpenSslErrors();
        throw Error(ErrorCode::NotFound, "no certificate on the PKCS#11 token matches " +
                                             redacted(uri) +
                                             ": import it with the key's id and label, or pass it" +
                                             (details.empty() ? "" : " (" + details + ")"));
      }
      state->certificate = Certificate::adoptNative(cert.release());
    }
  }
  int same = EVP_PKEY_eq(X509_get0_pubkey(state->certificate->nativeHandle()), state->key.get());
  detail::clearOpenSslErrors();  // a mismatch of key types leaves an entry behind
  if (same != 1) {
    throw Error(ErrorCode::InvalidArgument, "the key " + redacted(options.uri) +
                                                " does not belong to the certificate " +
                                                state->certificate->subjectText());
  }
  state->chain =
      options.chain.empty() ? issuersOf(*state->certificate, options.issuerPool) : options.chain;
  return std::unique_ptr<Pkcs11Signer>(new Pkcs11Signer(std::move(state)));
}

const Certificate& Pkcs11Signer::certificate() const {
  return *state_->certificate;
}

std::vector<Certificate> Pkcs11Signer::chain() const {
  return state_->chain;
}

std::string Pkcs11Signer::signDigest(const std::string& digest, DigestAlgorithm algorithm) {
  detail::checkDigest(digest, algorithm);
  std::lock_guard<std::mutex> guard(state_->engine->mutex);
  return detail::signDigestWithKey(state_->key.get(), digest, algorithm);
}

}  // namespace vanthu::signing
