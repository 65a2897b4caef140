// rename: POSIX overwrite rules, flags, and the directory-into-itself check.
#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

class RenameTest : public FsTest {
 protected:
  InodeId mkdir(InodeId parent, const std::string& name) {
    auto a = fs_->mkdir(parent, name, opts(0755));
    EXPECT_TRUE(a.ok()) << a.status().toString();
    return a.ok() ? a->ino : 0;
  }
  InodeId file(InodeId parent, const std::string& name) {
    auto a = fs_->create(parent, name, opts());
    EXPECT_TRUE(a.ok()) << a.status().toString();
    return a.ok() ? a->ino : 0;
  }
};

TEST_F(RenameTest, FileWithinAndAcrossDirectories) {
  InodeId a = mkdir(kRootInode, "a"), b = mkdir(kRootInode, "b");
  InodeId f = file(a, "f");
  ASSERT_OK(fs_->rename(a, "f", a, "g", 0));
  EXPECT_CODE(fs_->lookup(a, "f"), kNotFound);
  EXPECT_EQ(fs_->lookup(a, "g")->ino, f);
  ASSERT_OK(fs_->rename(a, "g", b, "h", 0));
  EXPECT_EQ(fs_->lookup(b, "h")->ino, f);
  EXPECT_EQ(fs_->getattr(a)->size, 0u);
  EXPECT_EQ(fs_->getattr(b)->size, 1u);
  EXPECT_CODE(fs_->rename(a, "missing", b, "x", 0), kNotFound);
  EXPECT_CODE(fs_->rename(a, "x", 987654, "x", 0), kNotFound);
  EXPECT_CODE(fs_->rename(b, "h", f, "x", 0), kNotDirectory);
  expectFsckClean();
}

TEST_F(RenameTest, FileOverFileReplacesIt) {
  InodeId f = file(kRootInode, "f");
  InodeId g = file(kRootInode, "g");
  ASSERT_OK(fs_->rename(kRootInode, "f", kRootInode, "g", 0));
  EXPECT_EQ(fs_->lookup(kRootInode, "g")->ino, f);
  EXPECT_CODE(fs_->lookup(kRootInode, "f"), kNotFound);
  EXPECT_CODE(fs_->getattr(g), kNotFound);  // the replaced file is gone
  EXPECT_EQ(fs_->getattr(kRootInode)->size, 1u);
  EXPECT_EQ(fs_->usage()->files, 1u);
  expectFsckClean();
}

TEST_F(RenameTest, DirectoryOverEmptyDirectory) {
  InodeId a = mkdir(kRootInode, "a");
  file(a, "inside");
  InodeId e = mkdir(kRootInode, "e");
  ASSERT_OK(fs_->rename(kRootInode, "a", kRootInode, "e", 0));
  EXPECT_EQ(fs_->lookup(kRootInode, "e")->ino, a);
  EXPECT_CODE(fs_->getattr(e), kNotFound);
  EXPECT_EQ(fs_->getattr(kRootInode)->nlink, 3u);
  EXPECT_EQ(fs_->usage()->directories, 1u);
  expectFsckClean();
}

TEST_F(RenameTest, TypeRules) {
  InodeId d = mkdir(kRootInode, "d");
  InodeId full = mkdir(kRootInode, "full");
  file(full, "x");
  file(kRootInode, "f");
  EXPECT_CODE(fs_->rename(kRootInode, "d", kRootInode, "full", 0), kNotEmpty);
  EXPECT_CODE(fs_->rename(kRootInode, "f", kRootInode, "d", 0), kIsDirectory);
  EXPECT_CODE(fs_->rename(kRootInode, "d", kRootInode, "f", 0), kNotDirectory);
  EXPECT_CODE(fs_->rename(kRootInode, "f", kRootInode, "..", 0), kInvalidArgument);
  EXPECT_CODE(fs_->rename(kRootInode, "f", kRootInode, "g", 3), kInvalidArgument);
  // Nothing changed.
  EXPECT_EQ(fs_->lookup(kRootInode, "d")->ino, d);
  EXPECT_EQ(fs_->getattr(full)->size, 1u);
  expectFsckClean();
}

TEST_F(RenameTest, DirectoryIntoItsOwnSubtree) {
  InodeId a = mkdir(kRootInode, "a");
  InodeId b = mkdir(a, "b");
  InodeId c = mkdir(b, "c");
  EXPECT_CODE(fs_->rename(kRootInode, "a", c, "a2", 0), kInvalidArgument);
  EXPECT_CODE(fs_->rename(kRootInode, "a", a, "self", 0), kInvalidArgument);
  EXPECT_CODE(fs_->rename(a, "b", c, "b", 0), kInvalidArgument);
  // Moving up and sideways is fine, and the parent pointers follow.
  ASSERT_OK(fs_->rename(b, "c", kRootInode, "c", 0));
  ASSERT_OK(fs_->rename(kRootInode, "a", c, "a", 0));
  EXPECT_EQ(fs_->lookup(c, "a")->ino, a);
  EXPECT_CODE(fs_->rename(kRootInode, "c", b, "c", 0), kInvalidArgument);  // b is now under c
  expectFsckClean();
}

TEST_F(RenameTest, SameInodeAndSameNameAreNoOps) {
  InodeId f = file(kRootInode, "f");
  ASSERT_OK(fs_->link(f, kRootInode, "g"));
  ASSERT_OK(fs_->rename(kRootInode, "f", kRootInode, "g", 0));
  EXPECT_EQ(fs_->lookup(kRootInode, "f")->ino, f);  // POSIX: both names stay
  EXPECT_EQ(fs_->lookup(kRootInode, "g")->ino, f);
  ASSERT_OK(fs_->rename(kRootInode, "f", kRootInode, "f", 0));
  EXPECT_EQ(fs_->getattr(f)->nlink, 2u);
  expectFsckClean();
}

TEST_F(RenameTest, NoReplace) {
  file(kRootInode, "f");
  InodeId g = file(kRootInode, "g");
  EXPECT_CODE(fs_->rename(kRootInode, "f", kRootInode, "g", kRenameNoReplace), kAlreadyExists);
  EXPECT_EQ(fs_->lookup(kRootInode, "g")->ino, g);
  ASSERT_OK(fs_->rename(kRootInode, "f", kRootInode, "h", kRenameNoReplace));
  expectFsckClean();
}

TEST_F(RenameTest, ExchangeSwapsEvenAcrossDirectoriesAndTypes) {
  InodeId a = mkdir(kRootInode, "a");
  InodeId sub = mkdir(a, "sub");
  InodeId f = file(kRootInode, "f");
  ASSERT_OK(fs_->rename(a, "sub", kRootInode, "f", kRenameExchange));
  EXPECT_EQ(fs_->lookup(kRootInode, "f")->ino, sub);
  EXPECT_EQ(fs_->lookup(a, "sub")->ino, f);
  EXPECT_EQ(fs_->getattr(a)->nlink, 2u);
  EXPECT_EQ(fs_->getattr(kRootInode)->nlink, 4u);  // a and (now) f are directories
  EXPECT_CODE(fs_->rename(kRootInode, "f", kRootInode, "missing", kRenameExchange), kNotFound);
  // Exchanging a directory with something inside it would make a cycle.
  InodeId inner = mkdir(sub, "inner");
  (void)inner;
  EXPECT_CODE(fs_->rename(kRootInode, "f", sub, "inner", kRenameExchange), kInvalidArgument);
  expectFsckClean();
}

TEST_F(RenameTest, PathLevelMove) {
  ASSERT_OK(fs_->mkdirs("/x/y", true, opts(0755)));
  FileContent empty;
  ASSERT_OK(fs_->commitFile("/x/y/f", empty, false));
  ASSERT_OK(fs_->move("/x/y/f", "/x/g", 0));
  EXPECT_OK(fs_->stat("/x/g"));
  EXPECT_CODE(fs_->stat("/x/y/f"), kNotFound);
  EXPECT_CODE(fs_->move("/x", "/x/y/z", 0), kInvalidArgument);
  EXPECT_CODE(fs_->move("/", "/z", 0), kInvalidArgument);
  EXPECT_CODE(fs_->move("/x/g", "/", 0), kInvalidArgument);
  EXPECT_CODE(fs_->move("/x/g", "/nope/g", 0), kNotFound);
  EXPECT_CODE(fs_->move("/x/g", "/x/y", 0), kIsDirectory);
  ASSERT_OK(fs_->commitFile("/x/h", empty, false));
  EXPECT_CODE(fs_->move("/x/g", "/x/h", kRenameNoReplace), kAlreadyExists);
  ASSERT_OK(fs_->move("/x/g", "/x/h", 0));
  expectFsckClean();
}

}  // namespace
}  // namespace strata::fs
