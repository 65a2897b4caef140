#include "server/http/url.h"

#include <gtest/gtest.h>

namespace strata::server::http {
namespace {

TEST(UrlTest, SplitTarget) {
  auto t = splitTarget("/a/b?x=1&y=2");
  EXPECT_EQ(t.path, "/a/b");
  EXPECT_EQ(t.query, "x=1&y=2");
  EXPECT_EQ(splitTarget("/only").query, "");
}

TEST(UrlTest, PercentDecode) {
  EXPECT_EQ(*percentDecode("a%2Fb%20c", false), "a/b c");
  EXPECT_EQ(*percentDecode("a+b", true), "a b");
  EXPECT_EQ(*percentDecode("a+b", false), "a+b");
  EXPECT_EQ(percentDecode("%00", false)->size(), 1u);
  EXPECT_FALSE(percentDecode("%", false).ok());
  EXPECT_FALSE(percentDecode("%4", false).ok());
  EXPECT_FALSE(percentDecode("%zz", false).ok());
}

TEST(UrlTest, ParseQuery) {
  auto q = parseQuery("path=%2Fa%2Fb&recursive=true&flag&path=ignored");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->at("path"), "/a/b");
  EXPECT_EQ(q->at("recursive"), "true");
  EXPECT_EQ(q->at("flag"), "");
  EXPECT_FALSE(parseQuery("a=%G1").ok());
}

TEST(UrlTest, EncodeRoundTrip) {
  std::string raw = "/models/a b+c%/ü";
  EXPECT_EQ(*percentDecode(percentEncode(raw, false), true), raw);
  EXPECT_EQ(percentEncode("/a b", true), "/a%20b");
}

}  // namespace
}  // namespace strata::server::http
