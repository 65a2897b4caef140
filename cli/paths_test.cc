#include "cli/paths.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

TEST(PathsTest, NormalizeRemote) {
  EXPECT_EQ(normalizeRemote(""), "/");
  EXPECT_EQ(normalizeRemote("/"), "/");
  EXPECT_EQ(normalizeRemote("a/b"), "/a/b");
  EXPECT_EQ(normalizeRemote("/a//b/"), "/a/b");
  EXPECT_EQ(normalizeRemote("/a/../b"), "/a/../b");  // left for the server to reject
}

TEST(PathsTest, JoinAndBaseName) {
  EXPECT_EQ(joinRemote("/", "x"), "/x");
  EXPECT_EQ(joinRemote("/d", "x/y"), "/d/x/y");
  EXPECT_EQ(joinRemote("/d/", ""), "/d");
  EXPECT_EQ(joinLocal("dir", "a"), "dir/a");
  EXPECT_EQ(joinLocal("dir/", "a"), "dir/a");
  EXPECT_EQ(joinLocal("dir", ""), "dir");
  EXPECT_EQ(baseName("/a/b"), "b");
  EXPECT_EQ(baseName("b/"), "b");
  EXPECT_EQ(baseName("b"), "b");
  EXPECT_EQ(baseName("/"), "");
  EXPECT_TRUE(endsWithSlash("x/"));
  EXPECT_FALSE(endsWithSlash("x"));
}

TEST(PathsTest, Utf8Validation) {
  EXPECT_TRUE(isValidUtf8("plain.txt"));
  EXPECT_TRUE(isValidUtf8("gr\xc3\xbc\xc3\x9f" "e"));          // grüße
  EXPECT_TRUE(isValidUtf8("\xf0\x9f\x98\x80"));                // emoji
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xc3"));                           // truncated
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));                       // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));                   // surrogate
}

}  // namespace
}  // namespace strata::cli
