#include "common/random.h"

#include <gtest/gtest.h>

#include <set>

namespace strata {
namespace {

TEST(Random, BytesHaveRequestedSizeAndDiffer) {
  EXPECT_EQ(randomBytes(0).size(), 0u);
  EXPECT_EQ(randomBytes(33).size(), 33u);
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) seen.insert(randomBytes(16));
  EXPECT_EQ(seen.size(), 100u);
}

TEST(Random, HexIsLowercaseAndTwiceAsLong) {
  std::string h = randomHex(20);
  ASSERT_EQ(h.size(), 40u);
  for (char c : h) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << c;
}

TEST(Random, Base64UrlRfc4648Vectors) {
  // RFC 4648 section 10 vectors, without padding.
  EXPECT_EQ(base64url(""), "");
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("foob"), "Zm9vYg");
  EXPECT_EQ(base64url("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url("foobar"), "Zm9vYmFy");
  // The URL-safe alphabet: 0xfb 0xff -> "-_8" in base64url ("+/8=" in base64).
  EXPECT_EQ(base64url(std::string("\xfb\xff", 2)), "-_8");
  EXPECT_EQ(base64url(std::string("\0\0\0", 3)), "AAAA");
}

}  // namespace
}  // namespace strata
