// Request-target helpers: split "/path?query", percent-decode, parse a query string.
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::server::http {

struct Target {
  std::string_view path;   // raw (still percent-encoded)
  std::string_view query;  // without the '?'; empty when absent
};

Target splitTarget(std::string_view target);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query strings).
// kInvalidArgument for a truncated or non-hex escape. NUL bytes decode as they are: the
// callers that care (fs paths) reject them with a clear message.
Result<std::string> percentDecode(std::string_view in, bool plus_is_space);

// "a=1&b=x%2Fy" -> {a:1, b:x/y}. A repeated name keeps its first value; a name without '='
// maps to "". kInvalidArgument for a bad escape.
Result<std::map<std::string, std::string, std::less<>>> parseQuery(std::string_view query);

// Encodes everything but unreserved characters (RFC 3986) and, when `keep_slash`, '/'.
std::string percentEncode(std::string_view in, bool keep_slash);

}  // namespace strata::server::http
