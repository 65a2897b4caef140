// Redis-style glob matching for KEYS and SCAN MATCH: '*', '?', '[abc]', '[^a]', '[a-z]' and
// backslash escapes, on arbitrary bytes (keys may hold NUL, so fnmatch(3) will not do).
#pragma once

#include <string>
#include <string_view>

namespace strata::server::resp {

bool globMatch(std::string_view pattern, std::string_view text);
// The literal prefix every match must start with ("user:*" -> "user:"), to narrow scans.
std::string globLiteralPrefix(std::string_view pattern);

}  // namespace strata::server::resp
