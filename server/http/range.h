// HTTP Range requests (RFC 9110 section 14) for downloads: one byte range per request.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::server::http {

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;  // > 0
};

// Parses a Range header value against a body of `size` bytes: "bytes=A-B", "bytes=A-" or
// "bytes=-N" (the last N bytes). An end past the body is clipped. kInvalidArgument when
// malformed (also for several ranges); kRangeNotSatisfiable when no byte of the body is in
// the range (A >= size, N == 0, or an empty body).
Result<ByteRange> parseRange(std::string_view header, uint64_t size);

// "bytes A-B/SIZE" for a 206 response.
std::string contentRange(const ByteRange& range, uint64_t size);

}  // namespace strata::server::http
