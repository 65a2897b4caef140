#include "object/names.h"

#include "common/base64.h"
#include "object/errors.h"
#include "object/object_service.h"

namespace strata::object {
namespace {

bool isLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool looksLikeIpv4(std::string_view s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

}  // namespace

Status validateBucketName(std::string_view name) {
  auto bad = [&](std::string_view why) {
    return s3Error(Code::kInvalidArgument, "InvalidBucketName", "bad bucket name '", name, "': ",
                   why);
  };
  if (name.size() < 3 || name.size() > 63) return bad("must be 3 to 63 characters");
  for (char c : name) {
    if (!isLowerAlnum(c) && c != '.' && c != '-') {
      return bad("use lowercase letters, digits, '.' and '-'");
    }
  }
  if (!isLowerAlnum(name.front()) || !isLowerAlnum(name.back())) {
    return bad("must start and end with a letter or digit");
  }
  if (name.find("..") != std::string_view::npos) return bad("must not contain '..'");
  if (looksLikeIpv4(name)) return bad("must not look like an IP address");
  if (name.starts_with("xn--") || name.ends_with("-s3alias") || name.ends_with("--ol-s3")) {
    return bad("reserved prefix or suffix");
  }
  return Status::OK();
}

Status validateKey(std::string_view key) {
  if (key.empty()) return s3Error(Code::kInvalidArgument, "InvalidArgument", "empty object key");
  if (key.size() > kMaxKeyBytes) {
    return s3Error(Code::kNameTooLong, "KeyTooLongError", "object key of ",
                   std::to_string(key.size()), " bytes is over the limit of 1024");
  }
  if (key.find('\0') != std::string_view::npos || !isValidUtf8(key)) {
    return s3Error(Code::kInvalidArgument, "InvalidArgument",
                   "object keys must be UTF-8 without NUL characters");
  }
  return Status::OK();
}

}  // namespace strata::object
