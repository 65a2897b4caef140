// Status and Result<T>: how every module boundary in Strata reports errors.
//
// No exceptions cross a module boundary. A Status is a code from the one error table below
// plus a human-readable message. Each protocol maps the code once: errno for the mount
// (toErrno), HTTP status for REST (toHttpStatus); S3 and RESP add their own tables later.
// Status and Result are [[nodiscard]]: ignoring one is a compile warning.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace strata {

enum class Code : int {
  kOk = 0,
  kInvalidArgument,    // malformed input from a caller (bad path, bad JSON, bad range)
  kNotFound,           // ENOENT / 404
  kAlreadyExists,      // EEXIST / 409
  kNotEmpty,           // ENOTEMPTY / 409
  kIsDirectory,        // EISDIR / 409
  kNotDirectory,       // ENOTDIR / 409
  kNameTooLong,        // ENAMETOOLONG / 400
  kPermissionDenied,   // EACCES / 403: authenticated but not allowed (read-only token, ...)
  kUnauthenticated,    // 401: missing, wrong or revoked token
  kReadOnly,           // EROFS / 403
  kCrossDevice,        // EXDEV / 400
  kRangeNotSatisfiable,// 416
  kTooLarge,           // EFBIG / 413
  kNoSpace,            // ENOSPC / 507 (quota)
  kConflict,           // a transaction lost a race; retried by db::Engine::run, 409 if it escapes
  kBusy,               // EAGAIN / 503: try again (a lock is held, an upload is in progress)
  kLoop,               // ELOOP / 400
  kNotSupported,       // ENOTSUP / 501
  kCorruption,         // stored bytes do not match their hash / record cannot be decoded: EIO / 500
  kIOError,            // a backend failed: EIO / 500
  kUnavailable,        // a backend cannot be reached: EIO / 503
  kInternal,           // a bug: EIO / 500
  kNoData,             // ENODATA (missing xattr) / 404
  kRange,              // ERANGE (xattr buffer) / 400
  kTimedOut,           // ETIMEDOUT / 504
};

// Short stable name of a code ("not_found"), used in JSON error bodies and logs.
std::string_view codeName(Code code);
int toErrno(Code code);
int toHttpStatus(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "not_found: no such file: /a/b"
  std::string toString() const;

  // Explicitly drop a status whose failure does not matter (searchable).
  void ignoreError() const {}

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Helpers so call sites read as sentences: return notFound("no such file: ", path);
template <class... Args>
Status makeStatus(Code code, Args&&... parts) {
  std::string msg;
  (msg.append(std::string_view(parts)), ...);
  return Status(code, std::move(msg));
}
#define STRATA_DEFINE_STATUS_HELPER(fn, code) \
  template <class... A> Status fn(A&&... a) { return makeStatus(Code::code, std::forward<A>(a)...); }
STRATA_DEFINE_STATUS_HELPER(invalidArgument, kInvalidArgument)
STRATA_DEFINE_STATUS_HELPER(notFound, kNotFound)
STRATA_DEFINE_STATUS_HELPER(alreadyExists, kAlreadyExists)
STRATA_DEFINE_STATUS_HELPER(notEmpty, kNotEmpty)
STRATA_DEFINE_STATUS_HELPER(isDirectory, kIsDirectory)
STRATA_DEFINE_STATUS_HELPER(notDirectory, kNotDirectory)
STRATA_DEFINE_STATUS_HELPER(nameTooLong, kNameTooLong)
STRATA_DEFINE_STATUS_HELPER(permissionDenied, kPermissionDenied)
STRATA_DEFINE_STATUS_HELPER(unauthenticated, kUnauthenticated)
STRATA_DEFINE_STATUS_HELPER(conflict, kConflict)
STRATA_DEFINE_STATUS_HELPER(corruption, kCorruption)
STRATA_DEFINE_STATUS_HELPER(ioError, kIOError)
STRATA_DEFINE_STATUS_HELPER(internalError, kInternal)
STRATA_DEFINE_STATUS_HELPER(busy, kBusy)
#undef STRATA_DEFINE_STATUS_HELPER

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}                       // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).ok()); }  // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  // The error; Status::OK() when ok().
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  T& value() & { assert(ok()); return std::get<T>(v_); }
  const T& value() const& { assert(ok()); return std::get<T>(v_); }
  T&& value() && { assert(ok()); return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace strata

#define STRATA_CONCAT_INNER(a, b) a##b
#define STRATA_CONCAT(a, b) STRATA_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function when `expr` (a Status) is not ok.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::strata::Status _st = (expr);                   \
    if (!_st.ok()) return _st;                       \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, f());` declares x from a Result or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(STRATA_CONCAT(_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
