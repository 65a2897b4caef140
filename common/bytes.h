// Fixed-width big-endian integers for building ordered keys: big-endian byte order makes
// memcmp order equal numeric order, so "inode 9" sorts before "inode 10" in db::Engine scans.
// Header-only; pure functions.
#pragma once

#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>

namespace strata {

inline void appendU32BE(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 3; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
  out.append(b, sizeof(b));
}

inline void appendU64BE(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
  out.append(b, sizeof(b));
}

// Reads the first 4 bytes. REQUIRES: in.size() >= 4.
inline uint32_t readU32BE(std::string_view in) {
  assert(in.size() >= 4);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}

// Reads the first 8 bytes. REQUIRES: in.size() >= 8.
inline uint64_t readU64BE(std::string_view in) {
  assert(in.size() >= 8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace strata
