#include "cli/local_tree.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace strata::cli {
namespace {

TEST(LocalTreeTest, WalksFilesAndDirsSkipsSymlinks) {
  char tmpl[] = "/tmp/strata-tree-XXXXXX";
  const std::string root = ::mkdtemp(tmpl);
  ASSERT_EQ(::mkdir((root + "/sub").c_str(), 0750), 0);
  ASSERT_EQ(::mkdir((root + "/sub/empty").c_str(), 0755), 0);
  std::ofstream(root + "/a.bin") << "hello";
  std::ofstream(root + "/sub/b.txt") << "";
  ::chmod((root + "/a.bin").c_str(), 0600);
  ASSERT_EQ(::symlink("a.bin", (root + "/link").c_str()), 0);

  auto tree = walkLocalTree(root);
  ASSERT_TRUE(tree.ok()) << tree.status().toString();
  ASSERT_EQ(tree->files.size(), 2u);
  EXPECT_EQ(tree->files[0].rel, "a.bin");
  EXPECT_EQ(tree->files[0].size, 5u);
  EXPECT_EQ(tree->files[0].mode, 0600u);
  EXPECT_GT(tree->files[0].mtime_ns, 0);
  EXPECT_EQ(tree->files[1].rel, "sub/b.txt");
  ASSERT_EQ(tree->dirs.size(), 2u);
  EXPECT_EQ(tree->dirs[0].rel, "sub");
  EXPECT_EQ(tree->dirs[0].mode, 0750u);
  EXPECT_EQ(tree->dirs[1].rel, "sub/empty");
  EXPECT_EQ(tree->skipped, (std::vector<std::string>{"link"}));

  auto single = singleFileTree(root + "/a.bin");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->files[0].rel, "");
  EXPECT_FALSE(singleFileTree(root + "/sub").ok());
  std::system(("rm -rf '" + root + "'").c_str());
}

}  // namespace
}  // namespace strata::cli
