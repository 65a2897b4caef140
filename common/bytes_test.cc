#include "common/bytes.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Bytes, RoundTrip) {
  for (uint64_t v : {0ull, 1ull, 255ull, 256ull, 0x0102030405060708ull, ~0ull}) {
    std::string s;
    appendU64BE(s, v);
    ASSERT_EQ(s.size(), 8u);
    EXPECT_EQ(readU64BE(s), v);
  }
  for (uint32_t v : {0u, 1u, 0xdeadbeefu, ~0u}) {
    std::string s = "prefix";
    appendU32BE(s, v);
    ASSERT_EQ(s.size(), 10u);
    EXPECT_EQ(readU32BE(std::string_view(s).substr(6)), v);
  }
}

TEST(Bytes, BigEndianLayout) {
  std::string s;
  appendU32BE(s, 0x01020304);
  EXPECT_EQ(s, std::string("\x01\x02\x03\x04", 4));
}

TEST(Bytes, ByteOrderIsNumericOrder) {
  uint64_t values[] = {0, 1, 9, 10, 255, 256, 65535, 1ull << 32, 1ull << 63, ~0ull};
  for (size_t i = 0; i + 1 < std::size(values); ++i) {
    std::string a, b;
    appendU64BE(a, values[i]);
    appendU64BE(b, values[i + 1]);
    EXPECT_LT(a, b) << values[i] << " vs " << values[i + 1];
  }
}

}  // namespace
}  // namespace strata
