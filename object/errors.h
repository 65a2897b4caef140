// The S3 condition behind an ObjectService error, carried in the Status message as a tag:
// Status(kNotFound, "[NoSuchKey] no such key: a/b"). The Code keeps REST and logs right;
// the tag lets the S3 layer answer with S3's exact error code. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::object {

// `s3_code` is an S3 error code ("NoSuchBucket"); `code` the matching row of the error table.
template <class... Args>
Status s3Error(Code code, std::string_view s3_code, Args&&... parts) {
  std::string msg = "[" + std::string(s3_code) + "] ";
  (msg.append(std::string_view(parts)), ...);
  return Status(code, std::move(msg));
}

// The tag of a Status made by s3Error ("" when it has none).
std::string_view s3CodeOf(const Status& status);
// The message without its tag.
std::string_view messageOf(const Status& status);

}  // namespace strata::object
