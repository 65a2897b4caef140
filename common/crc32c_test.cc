#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <string>

namespace strata {
namespace {

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(0, ""), 0u);
  EXPECT_EQ(crc32c(0, "123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(0, std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
  EXPECT_EQ(crc32c(0, std::string(32, '\xff')), 0x62A8AB43u);
}

// Large inputs take the three-chain path; pieces of 7 bytes take the byte-at-a-time path, so
// equal results check the joining of the chains.
TEST(Crc32c, IncrementalEqualsOneShot) {
  std::string data(3 * 4096 * 5 + 1234, '\0');
  uint32_t x = 12345;
  for (auto& c : data) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  uint32_t pieces = 0;
  for (size_t i = 0; i < data.size(); i += 7) pieces = crc32c(pieces, std::string_view(data).substr(i, 7));
  EXPECT_EQ(crc32c(0, data), pieces);
  data[40000] ^= 1;
  EXPECT_NE(crc32c(0, data), pieces);
}

}  // namespace
}  // namespace strata
