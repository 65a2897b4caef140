#include "server/http/range.h"

#include <charconv>

namespace strata::server::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A non-empty run of digits that fits in 64 bits.
std::optional<uint64_t> parseNumber(std::string_view s) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (err != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Result<ByteRange> parseRange(std::string_view header, uint64_t size) {
  std::string_view h = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (h.substr(0, kUnit.size()) != kUnit) {
    return invalidArgument("malformed Range header (expected bytes=A-B)");
  }
  std::string_view spec = trim(h.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) {
    return invalidArgument("only one byte range per request is supported");
  }
  size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return invalidArgument("malformed Range header: no '-'");
  std::string_view a = trim(spec.substr(0, dash));
  std::string_view b = trim(spec.substr(dash + 1));
  const Status unsatisfiable(Code::kRangeNotSatisfiable,
                             "range is outside the " + std::to_string(size) + "-byte content");

  if (a.empty()) {  // suffix: the last N bytes
    auto n = parseNumber(b);
    if (!n) return invalidArgument("malformed Range header: bad suffix length");
    if (*n == 0 || size == 0) return unsatisfiable;
    uint64_t len = *n < size ? *n : size;
    return ByteRange{size - len, len};
  }
  auto first = parseNumber(a);
  if (!first) return invalidArgument("malformed Range header: bad first byte");
  uint64_t last = 0;
  if (b.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else {
    auto parsed = parseNumber(b);
    if (!parsed) return invalidArgument("malformed Range header: bad last byte");
    if (*parsed < *first) return invalidArgument("malformed Range header: last byte before first");
    last = *parsed;
  }
  if (*first >= size) return unsatisfiable;
  if (last >= size) last = size - 1;
  return ByteRange{*first, last - *first + 1};
}

std::string contentRange(const ByteRange& range, uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" +
         std::to_string(range.first + range.length - 1) + "/" + std::to_string(size);
}

}  // namespace strata::server::http
