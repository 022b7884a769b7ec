#pragma once

// The one error vocabulary of vanthu (CONVENTIONS, What to absorb 4).
//
// Two channels share it:
//  - outcomes a user can cause come back as Status / Result<T>;
//  - infrastructure failures (disk, database, library faults) throw vanthu::Error.
// Each ErrorCode has a stable snake_case name: the `code` member of problem+json responses and the
// word CLI messages use. Names never change once released; add new codes at the end.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vanthu {

enum class ErrorCode : uint8_t {
  Unknown = 0,           ///< never produced on purpose; marks an unset code
  InvalidArgument,       ///< a value the caller gave is malformed or out of range
  InvalidConfig,         ///< a setting (file, environment, flag) is malformed or out of range
  NotFound,              ///< the thing named does not exist (or is not visible to the caller)
  AlreadyExists,         ///< creating something that is already there
  Unauthenticated,       ///< no or bad credentials
  Forbidden,             ///< authenticated, but this role/organisation may not do this
  Conflict,              ///< a concurrent change won; retry with fresh data
  PreconditionFailed,    ///< If-Match / version does not fit
  PayloadTooLarge,       ///< the request body or upload is over the configured limit
  UnsupportedMediaType,  ///< the body is not of a type this route takes
  InvalidState,          ///< the action does not fit the document's current state
  InvalidPdf,            ///< the PDF cannot be read
  InvalidXml,            ///< the XML cannot be read or does not validate
  InvalidPassword,       ///< a key store's password is wrong
  CertificateInvalid,    ///< a certificate is expired, revoked, or unfit for the purpose
  CryptoFailure,         ///< a cryptographic operation failed (OpenSSL said why)
  StorageFailure,        ///< reading or writing durable state failed
  DatabaseUnavailable,   ///< the database cannot be reached or is not migrated
  IoFailure,             ///< a file or network operation failed
  RouteNotFound,         ///< no such HTTP route
  MethodNotAllowed,      ///< the route exists, the method does not
  Internal,              ///< a bug; the message says where
  TooManyRequests,       ///< too many attempts (e.g. failed logins); retry after a while
  PreconditionRequired,  ///< a write that must name the version it changes (If-Match) did not
  RequestTimeout,        ///< the client sent the request too slowly
  Unavailable,           ///< the service is overloaded or shutting down; retry later
  NotImplemented,        ///< a known action this server does not perform (yet)
  SignatureRequired,     ///< the step must be signed and no key was given
  SignatureMismatch,     ///< a signature value made elsewhere does not verify over what was asked
  Expired,               ///< something with a time limit (a pending signature) is past it
  WrongRecipient,        ///< an exchange package addressed to another agency
  UnknownDocument,       ///< an exchange message about a document this side never sent or got
  CertificateNameMismatch,  ///< a certificate names someone else than the key's holder
};

/// The stable snake_case name of `code`, e.g. "invalid_argument".
std::string_view errorCodeName(ErrorCode code);
/// The code whose name is `name`, if any.
std::optional<ErrorCode> errorCodeFromName(std::string_view name);
/// Every code but Unknown, in declaration order (for tables and tests).
const std::vector<ErrorCode>& allErrorCodes();

/// The outcome of an operation a user can get wrong: OK, or a code and a message a person can
/// act on. Cheap to copy. Build failures with the factories (Status::notFound("...")).
class Status {
 public:
  Status() = default;  ///< OK
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }
  static Status invalidArgument(std::string m) {
    return {ErrorCode::InvalidArgument, std::move(m)};
  }
  static Status invalidConfig(std::string m) { return {ErrorCode::InvalidConfig, std::move(m)}; }
  static Status notFound(std::string m) { return {ErrorCode::NotFound, std::move(m)}; }
  static Status alreadyExists(std::string m) { return {ErrorCode::AlreadyExists, std::move(m)}; }
  static Status forbidden(std::string m) { return {ErrorCode::Forbidden, std::move(m)}; }
  static Status invalidState(std::string m) { return {ErrorCode::InvalidState, std::move(m)}; }

  bool isOk() const { return code_ == ErrorCode::Unknown; }
  explicit operator bool() const { return isOk(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  /// "invalid_argument: port must be 1-65535" (or "ok").
  std::string toString() const;

 private:
  ErrorCode code_ = ErrorCode::Unknown;  // Unknown == OK: no error set
  std::string message_;
};

/// A value or the Status that explains its absence.
template <typename T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}        // NOLINT(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (std::get<Status>(state_).isOk()) {
      state_ = Status(ErrorCode::Internal, "Result built from an OK status without a value");
    }
  }

  bool isOk() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return isOk(); }
  /// Requires: isOk().
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  /// The failure, or an OK status.
  Status status() const { return isOk() ? Status::ok() : std::get<Status>(state_); }

 private:
  std::variant<T, Status> state_;
};

/// Infrastructure failure: thrown, carries a stable code and the context frames added while it
/// travelled up ("opening var/vanthu.db", "running migration 3").
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message);

  ErrorCode code() const { return code_; }
  /// Adds a frame, outermost last. Returns *this so `throw e.withContext(...)` reads naturally.
  Error& withContext(std::string frame);
  const std::vector<std::string>& context() const { return context_; }
  /// The message followed by the context frames, innermost first.
  std::string describe() const;

 private:
  ErrorCode code_;
  std::vector<std::string> context_;
};

}  // namespace vanthu
