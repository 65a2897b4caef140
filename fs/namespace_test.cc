// Inode-level namespace operations and their errors, against real RocksDB + local store.
#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

TEST_F(FsTest, DefaultFileSystemExists) {
  auto names = svc_->list("default");
  ASSERT_OK(names);
  EXPECT_THAT(*names, ElementsAre("default"));
  auto root = fs_->getattr(kRootInode);
  ASSERT_OK(root);
  EXPECT_EQ(root->type, FileType::kDirectory);
  EXPECT_EQ(root->nlink, 2u);
  EXPECT_OK(svc_->ensureWorkspace("default"));  // idempotent
  EXPECT_CODE(svc_->open("default", "nope"), kNotFound);
  EXPECT_CODE(svc_->open("default", "../x"), kInvalidArgument);
  EXPECT_CODE(svc_->create("default", "default"), kAlreadyExists);
  ASSERT_OK(svc_->create("default", "scratch"));
  names = svc_->list("default");
  EXPECT_THAT(*names, ElementsAre("default", "scratch"));
  expectFsckClean();
}

TEST_F(FsTest, FileSystemsAreIsolated) {
  ASSERT_OK(svc_->create("default", "other"));
  auto other = svc_->open("default", "other");
  ASSERT_OK(other);
  ASSERT_OK(fs_->mkdir(kRootInode, "only-here", opts(0755)));
  EXPECT_CODE((*other)->lookup(kRootInode, "only-here"), kNotFound);
  ASSERT_OK(svc_->ensureWorkspace("team2"));
  auto t2 = svc_->open("team2", "default");
  ASSERT_OK(t2);
  EXPECT_CODE((*t2)->lookup(kRootInode, "only-here"), kNotFound);
  expectFsckClean();
}

TEST_F(FsTest, MkdirCreateLookup) {
  auto d = fs_->mkdir(kRootInode, "models", opts(0750));
  ASSERT_OK(d);
  EXPECT_EQ(d->type, FileType::kDirectory);
  EXPECT_EQ(d->mode, 0750u);
  EXPECT_EQ(d->nlink, 2u);
  auto f = fs_->create(d->ino, "a.bin", opts(0600));
  ASSERT_OK(f);
  EXPECT_EQ(f->type, FileType::kRegular);
  EXPECT_EQ(f->size, 0u);
  EXPECT_EQ(f->nlink, 1u);
  auto l = fs_->lookup(d->ino, "a.bin");
  ASSERT_OK(l);
  EXPECT_EQ(l->ino, f->ino);
  EXPECT_EQ(l->mode, 0600u);

  auto root = fs_->getattr(kRootInode);
  EXPECT_EQ(root->nlink, 3u);  // one subdirectory
  EXPECT_EQ(root->size, 1u);
  auto dd = fs_->getattr(d->ino);
  EXPECT_EQ(dd->size, 1u);
  EXPECT_GT(dd->version, d->version);

  EXPECT_CODE(fs_->create(d->ino, "a.bin", opts()), kAlreadyExists);
  EXPECT_CODE(fs_->mkdir(d->ino, "a.bin", opts()), kAlreadyExists);
  CreateOptions open_existing = opts();
  open_existing.exclusive = false;
  auto again = fs_->create(d->ino, "a.bin", open_existing);
  ASSERT_OK(again);
  EXPECT_EQ(again->ino, f->ino);
  EXPECT_CODE(fs_->create(kRootInode, "models", open_existing), kIsDirectory);
  EXPECT_CODE(fs_->lookup(d->ino, "missing"), kNotFound);
  EXPECT_CODE(fs_->lookup(f->ino, "x"), kNotDirectory);
  EXPECT_CODE(fs_->create(f->ino, "x", opts()), kNotDirectory);
  EXPECT_CODE(fs_->create(999999, "x", opts()), kNotFound);
  EXPECT_CODE(fs_->create(kRootInode, "", opts()), kInvalidArgument);
  EXPECT_CODE(fs_->create(kRootInode, "..", opts()), kInvalidArgument);
  EXPECT_CODE(fs_->create(kRootInode, "a/b", opts()), kInvalidArgument);
  EXPECT_CODE(fs_->create(kRootInode, std::string(256, 'x'), opts()), kNameTooLong);
  EXPECT_CODE(fs_->getattr(123456), kNotFound);
  expectFsckClean();
}

TEST_F(FsTest, InodeIdsAreUniqueAcrossServiceInstances) {
  auto a = fs_->create(kRootInode, "a", opts());
  ASSERT_OK(a);
  // A second service on the same engine stands for a second server process.
  auto svc2 = makeFileSystemService(*engine_, *store_);
  auto fs2 = svc2->open("default", "default");
  ASSERT_OK(fs2);
  auto b = (*fs2)->create(kRootInode, "b", opts());
  ASSERT_OK(b);
  auto c = fs_->create(kRootInode, "c", opts());
  ASSERT_OK(c);
  EXPECT_NE(a->ino, b->ino);
  EXPECT_NE(b->ino, c->ino);
  EXPECT_NE(a->ino, c->ino);
  expectFsckClean();
}

TEST_F(FsTest, SymlinkAndReadlink) {
  auto s = fs_->symlink(kRootInode, "latest", "models/v3", opts());
  ASSERT_OK(s);
  EXPECT_EQ(s->type, FileType::kSymlink);
  EXPECT_EQ(s->size, 9u);
  auto t = fs_->readlink(s->ino);
  ASSERT_OK(t);
  EXPECT_EQ(*t, "models/v3");
  auto f = fs_->create(kRootInode, "f", opts());
  EXPECT_CODE(fs_->readlink(f->ino), kInvalidArgument);
  EXPECT_CODE(fs_->symlink(kRootInode, "empty", "", opts()), kInvalidArgument);
  EXPECT_CODE(fs_->symlink(kRootInode, "latest", "x", opts()), kAlreadyExists);
  EXPECT_CODE(fs_->symlink(kRootInode, "long", std::string(5000, 'a'), opts()), kNameTooLong);
  auto u = fs_->usage();
  EXPECT_EQ(u->symlinks, 1u);
  EXPECT_EQ(u->files, 1u);
  expectFsckClean();
}

TEST_F(FsTest, HardLinksShareTheInode) {
  auto d = fs_->mkdir(kRootInode, "d", opts(0755));
  auto f = fs_->create(kRootInode, "f", opts());
  ASSERT_OK(f);
  auto l = fs_->link(f->ino, d->ino, "g");
  ASSERT_OK(l);
  EXPECT_EQ(l->ino, f->ino);
  EXPECT_EQ(l->nlink, 2u);
  EXPECT_EQ(fs_->lookup(d->ino, "g")->ino, f->ino);
  EXPECT_CODE(fs_->link(d->ino, kRootInode, "dirlink"), kPermissionDenied);
  EXPECT_CODE(fs_->link(f->ino, kRootInode, "d"), kAlreadyExists);
  EXPECT_CODE(fs_->link(777777, kRootInode, "zz"), kNotFound);
  expectFsckClean();

  ASSERT_OK(fs_->unlink(kRootInode, "f"));
  auto still = fs_->getattr(f->ino);
  ASSERT_OK(still);
  EXPECT_EQ(still->nlink, 1u);
  EXPECT_EQ(fs_->usage()->files, 1u);
  ASSERT_OK(fs_->unlink(d->ino, "g"));
  EXPECT_CODE(fs_->getattr(f->ino), kNotFound);
  EXPECT_EQ(fs_->usage()->files, 0u);
  expectFsckClean();
}

TEST_F(FsTest, UnlinkAndRmdirErrors) {
  auto d = fs_->mkdir(kRootInode, "d", opts(0755));
  auto f = fs_->create(d->ino, "f", opts());
  EXPECT_CODE(fs_->unlink(kRootInode, "d"), kIsDirectory);
  EXPECT_CODE(fs_->rmdir(d->ino, "f"), kNotDirectory);
  EXPECT_CODE(fs_->rmdir(kRootInode, "d"), kNotEmpty);
  EXPECT_CODE(fs_->unlink(kRootInode, "nope"), kNotFound);
  EXPECT_CODE(fs_->rmdir(kRootInode, "nope"), kNotFound);
  EXPECT_CODE(fs_->unlink(f->ino, "x"), kNotDirectory);
  ASSERT_OK(fs_->unlink(d->ino, "f"));
  EXPECT_CODE(fs_->getattr(f->ino), kNotFound);
  ASSERT_OK(fs_->rmdir(kRootInode, "d"));
  EXPECT_CODE(fs_->getattr(d->ino), kNotFound);
  auto root = fs_->getattr(kRootInode);
  EXPECT_EQ(root->nlink, 2u);
  EXPECT_EQ(root->size, 0u);
  auto u = fs_->usage();
  EXPECT_EQ(u->files + u->directories + u->symlinks + u->bytes, 0u);
  expectFsckClean();
}

TEST_F(FsTest, SetattrChangesFieldsAndVersion) {
  auto f = fs_->create(kRootInode, "f", opts(0644));
  SetAttr ch;
  ch.mode = 0100755;  // type bits are dropped
  ch.uid = 1000;
  ch.gid = 2000;
  ch.mtime_ns = 1'700'000'000'000'000'000;
  ch.atime_ns = 1'600'000'000'000'000'000;
  auto a = fs_->setattr(f->ino, ch);
  ASSERT_OK(a);
  EXPECT_EQ(a->mode, 0755u);
  EXPECT_EQ(a->uid, 1000u);
  EXPECT_EQ(a->gid, 2000u);
  EXPECT_EQ(a->mtime_ns, ch.mtime_ns.value());
  EXPECT_EQ(a->atime_ns, ch.atime_ns.value());
  EXPECT_GT(a->version, f->version);
  auto back = fs_->getattr(f->ino);
  EXPECT_EQ(back->version, a->version);
  EXPECT_EQ(back->uid, 1000u);

  SetAttr grow;
  grow.size = 10 * kChunkSize + 5;  // a hole
  auto g = fs_->setattr(f->ino, grow);
  ASSERT_OK(g);
  EXPECT_EQ(g->size, 10 * kChunkSize + 5);
  EXPECT_EQ(fs_->usage()->bytes, 10 * kChunkSize + 5);
  auto refs = fs_->chunks(f->ino, 0, 100);
  ASSERT_OK(refs);
  EXPECT_TRUE(refs->empty());

  auto d = fs_->mkdir(kRootInode, "d", opts(0755));
  SetAttr trunc;
  trunc.size = 0;
  EXPECT_CODE(fs_->setattr(d->ino, trunc), kIsDirectory);
  EXPECT_CODE(fs_->setattr(424242, trunc), kNotFound);
  SetAttr huge;
  huge.size = ~0ull;
  EXPECT_CODE(fs_->setattr(f->ino, huge), kTooLarge);
  expectFsckClean();
}

TEST_F(FsTest, Xattrs) {
  auto f = fs_->create(kRootInode, "f", opts());
  EXPECT_CODE(fs_->getxattr(f->ino, "user.a"), kNoData);
  ASSERT_OK(fs_->setxattr(f->ino, "user.a", "1", XattrMode::kAny));
  EXPECT_EQ(*fs_->getxattr(f->ino, "user.a"), "1");
  EXPECT_CODE(fs_->setxattr(f->ino, "user.a", "2", XattrMode::kCreate), kAlreadyExists);
  EXPECT_CODE(fs_->setxattr(f->ino, "user.b", "2", XattrMode::kReplace), kNoData);
  ASSERT_OK(fs_->setxattr(f->ino, "user.a", "3", XattrMode::kReplace));
  ASSERT_OK(fs_->setxattr(f->ino, "user.b", std::string("\0bin\xff", 5), XattrMode::kCreate));
  EXPECT_EQ(*fs_->getxattr(f->ino, "user.b"), std::string("\0bin\xff", 5));
  EXPECT_EQ(*fs_->getxattr(f->ino, "user.a"), "3");
  EXPECT_THAT(*fs_->listxattr(f->ino), ElementsAre("user.a", "user.b"));
  ASSERT_OK(fs_->removexattr(f->ino, "user.a"));
  EXPECT_CODE(fs_->removexattr(f->ino, "user.a"), kNoData);
  EXPECT_THAT(*fs_->listxattr(f->ino), ElementsAre("user.b"));
  EXPECT_CODE(fs_->setxattr(f->ino, "", "x", XattrMode::kAny), kInvalidArgument);
  EXPECT_CODE(fs_->setxattr(f->ino, std::string(256, 'n'), "x", XattrMode::kAny), kNameTooLong);
  EXPECT_CODE(fs_->setxattr(f->ino, "user.big", std::string(65537, 'v'), XattrMode::kAny), kTooLarge);
  EXPECT_CODE(fs_->getxattr(999999, "user.a"), kNotFound);
  EXPECT_CODE(fs_->listxattr(999999), kNotFound);
  // Xattrs go with the inode.
  ASSERT_OK(fs_->unlink(kRootInode, "f"));
  expectFsckClean();
}

}  // namespace
}  // namespace strata::fs
