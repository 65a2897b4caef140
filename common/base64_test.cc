#include "common/base64.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Base64, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    auto back = base64Decode(base64Encode(data));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, data);
    data.push_back(static_cast<char>(i * 37));
  }
  EXPECT_EQ(base64Encode("foob"), "Zm9vYg==");
}

TEST(Base64, RejectsMalformed) {
  EXPECT_FALSE(base64Decode("abc").ok());
  EXPECT_FALSE(base64Decode("ab$=").ok());
  EXPECT_FALSE(base64Decode("a=bc").ok());
}

TEST(Utf8, Validity) {
  EXPECT_TRUE(isValidUtf8("plain"));
  EXPECT_TRUE(isValidUtf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));        // overlong
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));    // surrogate
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));        // truncated
}

}  // namespace
}  // namespace strata
