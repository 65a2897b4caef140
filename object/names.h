// Validation of bucket names and object keys, with S3's rules and error codes.
// Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace strata::object {

// S3 bucket naming rules: 3..63 characters of [a-z0-9.-], starting and ending with a letter
// or digit, no "..", not shaped like an IPv4 address, no "xn--" prefix or "-s3alias" suffix.
// "[InvalidBucketName]" kInvalidArgument otherwise.
Status validateBucketName(std::string_view name);

// Keys: 1..1024 bytes of valid UTF-8 without NUL ("[KeyTooLongError]" kNameTooLong when too
// long, "[InvalidArgument]" otherwise).
Status validateKey(std::string_view key);

}  // namespace strata::object
