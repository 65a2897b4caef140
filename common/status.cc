#include "common/status.h"

#include <cerrno>

namespace strata {
namespace {

struct CodeInfo {
  Code code;
  std::string_view name;
  int err;   // errno for the mount
  int http;  // status for REST
};

// The one error table. Every protocol mapping reads it.
constexpr CodeInfo kTable[] = {
    {Code::kOk, "ok", 0, 200},
    {Code::kInvalidArgument, "invalid_argument", EINVAL, 400},
    {Code::kNotFound, "not_found", ENOENT, 404},
    {Code::kAlreadyExists, "already_exists", EEXIST, 409},
    {Code::kNotEmpty, "not_empty", ENOTEMPTY, 409},
    {Code::kIsDirectory, "is_directory", EISDIR, 409},
    {Code::kNotDirectory, "not_directory", ENOTDIR, 409},
    {Code::kNameTooLong, "name_too_long", ENAMETOOLONG, 400},
    {Code::kPermissionDenied, "permission_denied", EACCES, 403},
    {Code::kUnauthenticated, "unauthenticated", EACCES, 401},
    {Code::kReadOnly, "read_only", EROFS, 403},
    {Code::kCrossDevice, "cross_device", EXDEV, 400},
    {Code::kRangeNotSatisfiable, "range_not_satisfiable", EINVAL, 416},
    {Code::kTooLarge, "too_large", EFBIG, 413},
    {Code::kNoSpace, "no_space", ENOSPC, 507},
    {Code::kConflict, "conflict", EAGAIN, 409},
    {Code::kBusy, "busy", EAGAIN, 503},
    {Code::kLoop, "loop", ELOOP, 400},
    {Code::kNotSupported, "not_supported", ENOTSUP, 501},
    {Code::kCorruption, "corruption", EIO, 500},
    {Code::kIOError, "io_error", EIO, 500},
    {Code::kUnavailable, "unavailable", EIO, 503},
    {Code::kInternal, "internal", EIO, 500},
    {Code::kNoData, "no_data", ENODATA, 404},
    {Code::kRange, "range", ERANGE, 400},
    {Code::kTimedOut, "timed_out", ETIMEDOUT, 504},
};

const CodeInfo& info(Code code) {
  for (const auto& row : kTable) {
    if (row.code == code) return row;
  }
  return kTable[static_cast<int>(Code::kInternal)];
}

}  // namespace

std::string_view codeName(Code code) { return info(code).name; }
int toErrno(Code code) { return info(code).err; }
int toHttpStatus(Code code) { return info(code).http; }

std::string Status::toString() const {
  if (ok()) return "ok";
  std::string out(codeName(code_));
  out += ": ";
  out += message_;
  return out;
}

}  // namespace strata
