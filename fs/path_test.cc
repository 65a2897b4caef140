#include <gtest/gtest.h>

#include <string>

#include "fs/filesystem.h"
#include "fs/keys.h"
#include "fs/names.h"
#include "fs/records.h"

namespace strata::fs {
namespace {

TEST(ValidatePath, AcceptsAbsolutePaths) {
  auto root = validatePath("/");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(root->empty());
  auto p = validatePath("/models/llama/weights.bin");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, (std::vector<std::string>{"models", "llama", "weights.bin"}));
  EXPECT_TRUE(validatePath("/a/..b/c.").ok());  // dots inside names are fine
}

TEST(ValidatePath, RejectsBadPaths) {
  for (const std::string& bad : std::vector<std::string>{"", "a/b", "//a", "/a//b", "/a/", "/./a", "/a/..", "/a/./b",
                          std::string("/a\0b", 4)}) {
    auto r = validatePath(bad);
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << "path '" << bad << "'";
  }
}

TEST(ValidatePath, EnforcesLengthLimits) {
  EXPECT_TRUE(validatePath("/" + std::string(255, 'x')).ok());
  EXPECT_EQ(validatePath("/" + std::string(256, 'x')).status().code(), Code::kNameTooLong);
  std::string long_path;
  while (long_path.size() < 4096) long_path += "/" + std::string(100, 'y');
  EXPECT_EQ(validatePath(long_path).status().code(), Code::kNameTooLong);
  std::string just_fits;
  while (just_fits.size() + 101 <= 4096) just_fits += "/" + std::string(100, 'z');
  EXPECT_TRUE(validatePath(just_fits).ok());
}

TEST(ValidateName, Rules) {
  EXPECT_TRUE(validateName("a.bin").ok());
  EXPECT_EQ(validateName("").code(), Code::kInvalidArgument);
  EXPECT_EQ(validateName(".").code(), Code::kInvalidArgument);
  EXPECT_EQ(validateName("..").code(), Code::kInvalidArgument);
  EXPECT_EQ(validateName("a/b").code(), Code::kInvalidArgument);
  EXPECT_EQ(validateName(std::string("a\0b", 3)).code(), Code::kInvalidArgument);
  EXPECT_EQ(validateName(std::string(256, 'n')).code(), Code::kNameTooLong);
}

TEST(SpaceName, Rules) {
  EXPECT_TRUE(validateSpaceName("fs", "default").ok());
  EXPECT_TRUE(validateSpaceName("fs", "scratch-2_b").ok());
  EXPECT_FALSE(validateSpaceName("fs", "").ok());
  EXPECT_FALSE(validateSpaceName("fs", "-x").ok());
  EXPECT_FALSE(validateSpaceName("fs", "Upper").ok());
  EXPECT_FALSE(validateSpaceName("fs", "a/b").ok());
  EXPECT_FALSE(validateSpaceName("fs", std::string(64, 'a')).ok());
}

TEST(Records, InodeRoundTripAndCorruption) {
  InodeRec r;
  r.attr.ino = 42;
  r.attr.type = FileType::kSymlink;
  r.attr.mode = 0777;
  r.attr.size = 5;
  r.attr.nlink = 1;
  r.attr.mtime_ns = -5;
  r.attr.version = 9;
  r.target = "a/b/c";
  std::string v = encodeInode(r);
  auto back = decodeInode(42, v);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->attr.type, FileType::kSymlink);
  EXPECT_EQ(back->attr.mtime_ns, -5);
  EXPECT_EQ(back->attr.version, 9u);
  EXPECT_EQ(back->target, "a/b/c");
  EXPECT_EQ(decodeInode(42, v.substr(0, 20)).status().code(), Code::kCorruption);
  std::string bad_version = v;
  bad_version[0] = 7;
  EXPECT_EQ(decodeInode(42, bad_version).status().code(), Code::kCorruption);
}

TEST(Records, PinRoundTrip) {
  PinRec p;
  p.entries.push_back({"u-1", 100});
  p.entries.push_back({"", 300});
  auto back = decodePin(encodePin(p));
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->entries.size(), 2u);
  EXPECT_EQ(back->entries[0].upload_id, "u-1");
  EXPECT_EQ(back->entries[1].expiry_unix, 300);
  EXPECT_TRUE(back->liveAt(299));
  EXPECT_FALSE(back->liveAt(300));
  EXPECT_EQ(decodePin(encodePin(p).substr(0, 6)).status().code(), Code::kCorruption);
}

TEST(Keys, DirectoryPrefixesDoNotOverlap) {
  FsKeys k("default", 1);
  // Inode 1's entries must not include inode 256's: fixed-width big-endian ids.
  std::string p1 = k.direntPrefix(1), p256 = k.direntPrefix(256);
  EXPECT_NE(p256.compare(0, p1.size(), p1), 0);
  EXPECT_LT(k.inode(9), k.inode(10));
  EXPECT_LT(k.chunk(5, 255), k.chunk(5, 256));
}

}  // namespace
}  // namespace strata::fs
