// Path-level calls: stat, mkdirs, commitFile, remove (recursive), usage.
#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

TEST_F(FsTest, StatResolvesWithoutFollowingSymlinks) {
  ASSERT_OK(fs_->mkdirs("/a/b", true, opts(0755)));
  auto b = fs_->stat("/a/b");
  ASSERT_OK(b);
  EXPECT_EQ(b->type, FileType::kDirectory);
  auto root = fs_->stat("/");
  ASSERT_OK(root);
  EXPECT_EQ(root->ino, kRootInode);
  auto a = fs_->stat("/a");
  ASSERT_OK(fs_->symlink(a->ino, "link", "/a/b", opts()));
  auto l = fs_->stat("/a/link");
  ASSERT_OK(l);
  EXPECT_EQ(l->type, FileType::kSymlink);
  EXPECT_CODE(fs_->stat("/a/link/x"), kNotDirectory);
  EXPECT_CODE(fs_->stat("/a/missing"), kNotFound);
  EXPECT_CODE(fs_->stat("/a/../etc"), kInvalidArgument);
  EXPECT_CODE(fs_->stat("relative"), kInvalidArgument);
}

TEST_F(FsTest, Mkdirs) {
  auto d = fs_->mkdirs("/x/y/z", true, opts(0700));
  ASSERT_OK(d);
  EXPECT_EQ(d->mode, 0700u);
  EXPECT_EQ(fs_->stat("/x")->mode, 0755u);  // made parents get 0755
  auto again = fs_->mkdirs("/x/y/z", true, opts(0700));
  ASSERT_OK(again);
  EXPECT_EQ(again->ino, d->ino);
  EXPECT_CODE(fs_->mkdirs("/x/y/z", false, opts()), kAlreadyExists);
  EXPECT_CODE(fs_->mkdirs("/q/r", false, opts()), kNotFound);
  EXPECT_CODE(fs_->stat("/q"), kNotFound);
  ASSERT_OK(fs_->commitFile("/x/file", FileContent{}, false));
  EXPECT_CODE(fs_->mkdirs("/x/file/sub", true, opts()), kNotDirectory);
  EXPECT_CODE(fs_->mkdirs("/x/file", true, opts()), kAlreadyExists);
  EXPECT_CODE(fs_->mkdirs("/", false, opts()), kAlreadyExists);
  EXPECT_OK(fs_->mkdirs("/", true, opts()));
  EXPECT_EQ(fs_->usage()->directories, 3u);
  expectFsckClean();
}

TEST_F(FsTest, CommitFileReplacesSymlinkButNotDirectory) {
  ASSERT_OK(fs_->symlink(kRootInode, "s", "target", opts()));
  auto f = fs_->commitFile("/s", FileContent{}, false);
  ASSERT_OK(f);
  EXPECT_EQ(f->type, FileType::kRegular);
  auto u = fs_->usage();
  EXPECT_EQ(u->symlinks, 0u);
  EXPECT_EQ(u->files, 1u);
  expectFsckClean();
}

TEST_F(FsTest, RemoveFilesAndDirectories) {
  ASSERT_OK(fs_->mkdirs("/d/e", true, opts(0755)));
  ASSERT_OK(fs_->commitFile("/d/f", FileContent{}, false));
  EXPECT_CODE(fs_->remove("/d", false), kNotEmpty);
  EXPECT_OK(fs_->stat("/d/f"));
  ASSERT_OK(fs_->remove("/d/f", false));
  ASSERT_OK(fs_->remove("/d/e", false));
  ASSERT_OK(fs_->remove("/d", false));
  EXPECT_CODE(fs_->remove("/d", false), kNotFound);
  EXPECT_CODE(fs_->remove("/", true), kInvalidArgument);
  expectFsckClean();
}

TEST_F(FsTest, RecursiveRemoveOfALargeTree) {
  // More entries than one batch, several levels, files with chunks, links and symlinks.
  Digest id = Sha256::of("leaf data");
  auto t = chunks().beginUpload("default", "", {id});
  ASSERT_OK(chunks().putChunk("default", id, "leaf data"));
  FileContent c;
  c.size = 9;
  c.chunks.push_back(ChunkRef{0, id, 9});
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 300; ++j) {
      std::string p = "/top/d" + std::to_string(i) + "/sub" + std::to_string(j % 3) + "/f" +
                      std::to_string(j);
      ASSERT_OK(fs_->commitFile(p, c, true));
    }
  }
  auto keep = fs_->commitFile("/keep", c, false);
  auto inner = fs_->stat("/top/d0/sub0");
  ASSERT_OK(fs_->link(keep->ino, inner->ino, "hardlink"));
  ASSERT_OK(fs_->symlink(inner->ino, "sym", "/keep", opts()));
  ASSERT_OK(chunks().endUpload("default", t->upload_id));
  expectFsckClean();

  ASSERT_OK(fs_->remove("/top", true));
  EXPECT_CODE(fs_->stat("/top"), kNotFound);
  auto u = fs_->usage();
  ASSERT_OK(u);
  EXPECT_EQ(u->files, 1u);
  EXPECT_EQ(u->directories, 0u);
  EXPECT_EQ(u->symlinks, 0u);
  EXPECT_EQ(u->bytes, 9u);
  EXPECT_EQ(fs_->stat("/keep")->nlink, 1u);
  expectFsckClean();
  auto gc = chunks().collect(nowFar(), true);
  EXPECT_EQ(gc->chunks_deleted, 0u);  // /keep still references it
}

}  // namespace
}  // namespace strata::fs
