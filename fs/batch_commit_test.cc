// FileSystem::commitFiles: many files in one transaction, all or nothing.
#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

class BatchCommitTest : public FsTest {
 protected:
  PathContent file(const std::string& path, const std::string& data) {
    PathContent p;
    p.path = path;
    p.content.size = data.size();
    if (!data.empty()) p.content.chunks.push_back(ChunkRef{0, putChunk(data), static_cast<uint32_t>(data.size())});
    p.content.mtime_ns = 5;
    p.content.mode = 0600;
    return p;
  }
};

TEST_F(BatchCommitTest, CommitsAllFilesWithParents) {
  ASSERT_OK(fs_->commitFile("/d/old", file("/d/old", "v1").content, true));
  auto attrs = fs_->commitFiles({file("/d/old", "v2"), file("/d/e/new", "n"), file("/d/empty", "")}, true);
  ASSERT_OK(attrs);
  ASSERT_EQ(attrs->size(), 3u);
  EXPECT_EQ((*attrs)[0].size, 2u);
  EXPECT_EQ((*attrs)[1].mode, 0600u);
  EXPECT_EQ((*attrs)[1].mtime_ns, 5);
  EXPECT_EQ((*attrs)[2].size, 0u);
  auto st = fs_->stat("/d/e/new");
  ASSERT_OK(st);
  EXPECT_EQ(st->ino, (*attrs)[1].ino);
  EXPECT_EQ(fs_->stat("/d/old")->version, (*attrs)[0].version);
  auto u = fs_->usage();
  EXPECT_EQ(u->files, 3u);
  EXPECT_EQ(u->bytes, 3u);
  expectFsckClean();
}

TEST_F(BatchCommitTest, OneBadFileCommitsNothing) {
  ASSERT_OK(fs_->mkdirs("/dir", true, {}));
  ASSERT_OK(fs_->commitFile("/keep", file("/keep", "k").content, true));
  EXPECT_CODE(fs_->commitFiles({file("/keep", "changed"), file("/dir", "onto a dir")}, true), kIsDirectory);
  PathContent missing = file("/x", "");
  missing.content.size = 3;
  missing.content.chunks.push_back(ChunkRef{0, Sha256::of("never stored"), 3});
  EXPECT_CODE(fs_->commitFiles({file("/a", "a"), missing}, true), kInvalidArgument);
  EXPECT_CODE(fs_->commitFiles({file("/b", "b"), file("/bad/../p", "p")}, true), kInvalidArgument);
  EXPECT_CODE(fs_->commitFiles({file("/no/parent", "p")}, false), kNotFound);
  EXPECT_EQ(fs_->stat("/keep")->size, 1u);
  EXPECT_CODE(fs_->stat("/a"), kNotFound);
  EXPECT_CODE(fs_->stat("/b"), kNotFound);
  expectFsckClean();
}

}  // namespace
}  // namespace strata::fs
