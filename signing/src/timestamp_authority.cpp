#include "vanthu/signing/timestamp_authority.h"

#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <exception>

#include "openssl_bytes.h"
#include "openssl_error.h"
#include "openssl_handles.h"

namespace vanthu::signing {

using detail::throwOpenSsl;

struct TimestampAuthority::State {
  Certificate certificate;
  PrivateKey key;
  std::vector<Certificate> chain;
  detail::Asn1ObjectPtr policy;
  std::vector<const EVP_MD*> digests;
  std::function<TimePoint()> clock;
  std::chrono::seconds accuracy;
  std::atomic<uint64_t> nextSerial;

  State(Certificate c, PrivateKey k) : certificate(std::move(c)), key(std::move(k)) {}
};

namespace {

// What one respond() call hands to OpenSSL's callbacks. Exceptions must not unwind through
// OpenSSL's C frames, so a callback that fails parks its exception here and respond() rethrows
// it once TS_RESP_create_response has returned.
struct CallState {
  const std::function<TimePoint()>* clock;
  std::atomic<uint64_t>* nextSerial;
  std::exception_ptr failure;
};

ASN1_INTEGER* nextSerialNumber(TS_RESP_CTX* ctx, void* data) {
  auto* call = static_cast<CallState*>(data);
  detail::Asn1IntegerPtr serial(ASN1_INTEGER_new());
  if (!serial || ASN1_INTEGER_set_uint64(serial.get(), call->nextSerial->fetch_add(1)) != 1) {
    TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Error during serial number generation.");
    TS_RESP_CTX_add_failure_info(ctx, TS_INFO_ADD_INFO_NOT_AVAILABLE);
    return nullptr;
  }
  return serial.release();
}

int currentTime(TS_RESP_CTX* ctx, void* data, long* seconds, long* microseconds) {
  auto* call = static_cast<CallState*>(data);
  try {
    auto since = (*call->clock)().time_since_epoch();
    auto whole = std::chrono::duration_cast<std::chrono::seconds>(since);
    *seconds = static_cast<long>(whole.count());
    *microseconds = static_cast<long>(
        std::chrono::duration_cast<std::chrono::microseconds>(since - whole).count());
    return 1;
  } catch (const std::exception&) {
    // Not swallowed: respond() rethrows it after OpenSSL has unwound.
    call->failure = std::current_exception();
    TS_RESP_CTX_set_status_info(ctx, TS_STATUS_REJECTION, "Time is not available.");
    TS_RESP_CTX_add_failure_info(ctx, TS_INFO_TIME_NOT_AVAILABLE);
    return 0;
  }
}

uint64_t defaultFirstSerial() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

// A TS_RESP_CTX set up from `state`. One per respond() call: TS_RESP_CTX keeps the request being
// answered inside it, so sharing one between threads would need a lock around every response.
detail::TsRespCtxPtr newContext(const TimestampAuthority::State& state) {
  detail::TsRespCtxPtr ctx(TS_RESP_CTX_new());
  if (!ctx) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a TS_RESP_CTX");
  // set_signer_cert refuses a certificate without the critical timeStamping EKU (RFC 3161 2.3).
  if (TS_RESP_CTX_set_signer_cert(ctx.get(), state.certificate.nativeHandle()) != 1) {
    throwOpenSsl(ErrorCode::InvalidArgument,
                 "the TSA certificate " + state.certificate.subjectText() +
                     " is not fit for time-stamping (it needs the critical extendedKeyUsage "
                     "timeStamping and nothing else)");
  }
  if (TS_RESP_CTX_set_signer_key(ctx.get(), state.key.nativeHandle()) != 1 ||
      TS_RESP_CTX_set_signer_digest(ctx.get(), EVP_sha256()) != 1 ||
      // signing-certificate-v2 (RFC 5816): the v1 attribute would pin the certificate by SHA-1.
      TS_RESP_CTX_set_ess_cert_id_digest(ctx.get(), EVP_sha256()) != 1 ||
      TS_RESP_CTX_set_def_policy(ctx.get(), state.policy.get()) != 1 ||
      TS_RESP_CTX_set_accuracy(ctx.get(), static_cast<int>(state.accuracy.count()), 0, 0) != 1) {
    throwOpenSsl(ErrorCode::CryptoFailure, "cannot configure the time-stamping authority");
  }
  if (!state.chain.empty()) {
    detail::X509StackPtr chain = detail::newX509Stack();
    if (!chain) throwOpenSsl(ErrorCode::CryptoFailure, "cannot allocate a certificate stack");
    for (const Certificate& certificate : state.chain) {
      X509* cert = certificate.nativeHandle();
      if (X509_up_ref(cert) != 1 || !detail::x509StackPush(chain.get(), cert)) {
        X509_free(cert);
        throwOpenSsl(ErrorCode::CryptoFailure, "cannot build the TSA certificate chain");
      }
    }
    // Copies the stack (with new references); ours is freed on return.
    if (TS_RESP_CTX_set_certs(ctx.get(), chain.get()) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot set the TSA certificate chain");
    }
  }
  for (const EVP_MD* md : state.digests) {
    if (TS_RESP_CTX_add_md(ctx.get(), md) != 1) {
      throwOpenSsl(ErrorCode::CryptoFailure, "cannot configure the accepted digests");
    }
  }
  TS_RESP_CTX_add_flags(ctx.get(), TS_TSA_NAME);
  return ctx;
}

}  // namespace

TimestampAuthority::TimestampAuthority(Certificate certificate, PrivateKey key,
                                       TimestampAuthorityOptions options)
    : state_(std::make_unique<State>(std::move(certificate), std::move(key))) {
  if (!state_->certificate.matchesKey(state_->key)) {
    throw Error(ErrorCode::InvalidArgument,
                "the TSA key does not belong to " + state_->certificate.subjectText());
  }
  // no_name = 1: only a dotted OID, so a typo cannot silently become some registered name.
  state_->policy.reset(OBJ_txt2obj(options.policyOid.c_str(), 1));
  if (!state_->policy) {
    detail::clearOpenSslErrors();
    throw Error(ErrorCode::InvalidArgument,
                "the TSA policy '" + options.policyOid + "' is not a dotted OID");
  }
  if (options.acceptedDigests.empty()) {
    throw Error(ErrorCode::InvalidArgument, "the TSA must accept at least one digest algorithm");
  }
  for (DigestAlgorithm algorithm : options.acceptedDigests) {
    state_->digests.push_back(detail::evpDigest(algorithm));
  }
  if (options.accuracy.count() < 0 || options.accuracy.count() > 1000000) {
    throw Error(ErrorCode::InvalidArgument, "the TSA accuracy must be 0 to 1000000 seconds");
  }
  state_->chain = std::move(options.chain);
  state_->clock = options.clock
                      ? std::move(options.clock)
                      : std::function<TimePoint()>([] { return std::chrono::system_clock::now(); });
  state_->accuracy = options.accuracy;
  state_->nextSerial = options.firstSerial.value_or(defaultFirstSerial());
  if (state_->nextSerial == 0) state_->nextSerial = 1;  // serials are positive (RFC 5280 style)
  // Fail now, not at the first request, when the certificate is not a TSA certificate.
  newContext(*state_);
}

TimestampAuthority::~TimestampAuthority() = default;
TimestampAuthority::TimestampAuthority(TimestampAuthority&&) noexcept = default;
TimestampAuthority& TimestampAuthority::operator=(TimestampAuthority&&) noexcept = default;

const Certificate& TimestampAuthority::certificate() const {
  return state_->certificate;
}

std::string TimestampAuthority::respond(const std::string& requestDer) const {
  detail::TsRespCtxPtr ctx = newContext(*state_);
  CallState call{&state_->clock, &state_->nextSerial, nullptr};
  TS_RESP_CTX_set_serial_cb(ctx.get(), nextSerialNumber, &call);
  TS_RESP_CTX_set_time_cb(ctx.get(), currentTime, &call);

  detail::BioPtr input = detail::readOnlyBio(requestDer);
  detail::TsRespPtr response(TS_RESP_create_response(ctx.get(), input.get()));
  if (call.failure) {
    detail::clearOpenSslErrors();
    std::rethrow_exception(call.failure);
  }
  if (!response) throwOpenSsl(ErrorCode::CryptoFailure, "the TSA cannot build a response");

  // OpenSSL answers both the client's mistakes and its own failures with status rejection. The
  // client's mistakes always carry a failInfo (badDataFormat, badAlg, unacceptedPolicy, ...);
  // a rejection without one means the TSA could not build or sign the token, which is ours to
  // report, not the client's.
  TS_STATUS_INFO* status = TS_RESP_get_status_info(response.get());
  long code = ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(status));
  if (code != TS_STATUS_GRANTED && code != TS_STATUS_GRANTED_WITH_MODS &&
      TS_STATUS_INFO_get0_failure_info(status) == nullptr) {
    throwOpenSsl(ErrorCode::CryptoFailure, "the TSA failed to issue a time-stamp");
  }
  // A rejected request leaves the parse errors of the client's bytes on the queue; they are
  // answered in the response and must not leak into an unrelated later message.
  detail::clearOpenSslErrors();
  return detail::encodeDer(response.get(), i2d_TS_RESP, "the time-stamp response");
}

}  // namespace vanthu::signing
