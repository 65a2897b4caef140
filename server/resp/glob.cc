#include "server/resp/glob.h"

namespace strata::server::resp {

bool globMatch(std::string_view p, std::string_view s) {
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      char c = p[pi];
      if (c == '*') {
        star_p = pi++;
        star_s = si;
        continue;
      }
      if (c == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (c == '[') {
        size_t k = pi + 1;
        bool negate = k < p.size() && p[k] == '^';
        if (negate) ++k;
        bool matched = false;
        while (k < p.size() && p[k] != ']') {
          if (p[k] == '\\' && k + 1 < p.size()) {
            matched |= p[k + 1] == s[si];
            k += 2;
          } else if (k + 2 < p.size() && p[k + 1] == '-' && p[k + 2] != ']') {
            unsigned char lo = p[k], hi = p[k + 2], ch = s[si];
            if (lo > hi) std::swap(lo, hi);
            matched |= ch >= lo && ch <= hi;
            k += 3;
          } else {
            matched |= p[k] == s[si];
            ++k;
          }
        }
        if (matched != negate) {
          pi = k < p.size() ? k + 1 : k;
          ++si;
          continue;
        }
      } else {
        if (c == '\\' && pi + 1 < p.size()) c = p[++pi];
        if (c == s[si]) {
          ++pi;
          ++si;
          continue;
        }
      }
    }
    // Mismatch: let the last '*' swallow one more character, or fail.
    if (star_p == std::string_view::npos) return false;
    pi = star_p + 1;
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string globLiteralPrefix(std::string_view p) {
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '*' || c == '?' || c == '[') break;
    if (c == '\\') {
      if (i + 1 >= p.size()) break;
      c = p[++i];
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace strata::server::resp
