#include "object/errors.h"

namespace strata::object {
namespace {

// Length of "[Tag] " at the start of `msg`, 0 when there is none.
size_t tagLength(std::string_view msg) {
  if (msg.size() < 3 || msg[0] != '[') return 0;
  size_t close = msg.find(']');
  if (close == std::string_view::npos || close + 1 >= msg.size() || msg[close + 1] != ' ') return 0;
  for (size_t i = 1; i < close; ++i) {
    char c = msg[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return 0;
  }
  return close + 2;
}

}  // namespace

std::string_view s3CodeOf(const Status& status) {
  std::string_view msg = status.message();
  size_t n = tagLength(msg);
  return n ? msg.substr(1, n - 3) : std::string_view();
}

std::string_view messageOf(const Status& status) {
  std::string_view msg = status.message();
  return msg.substr(tagLength(msg));
}

}  // namespace strata::object
