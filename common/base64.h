// Standard base64 (RFC 4648 section 4, with padding) and a UTF-8 validity check, for carrying
// binary payloads inside JSON (queue message bodies, S3 Content-MD5).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace strata {

std::string base64Encode(std::string_view bytes);
// kInvalidArgument for anything that is not canonical padded base64.
Result<std::string> base64Decode(std::string_view text);
bool isValidUtf8(std::string_view s);

}  // namespace strata
