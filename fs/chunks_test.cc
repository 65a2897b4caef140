// Chunk maps: commitFile/commitChunks, reference counts, dedup, truncate, sparse files.
#include "fs/fs_test_env.h"

namespace strata::fs {
namespace {

std::string bytes(char c, size_t n) { return std::string(n, c); }

class ChunksTest : public FsTest {
 protected:
  // A dense map for `parts` (all but the last must be kChunkSize long), storing each part.
  FileContent content(const std::vector<std::string>& parts) {
    FileContent c;
    for (size_t i = 0; i < parts.size(); ++i) {
      Digest id = putChunk(parts[i]);
      c.chunks.push_back(ChunkRef{i, id, static_cast<uint32_t>(parts[i].size())});
      c.size += parts[i].size();
    }
    return c;
  }
  size_t blobCount() {
    size_t n = 0;
    EXPECT_TRUE(store_->list("default", [&](const blob::ChunkInfo&) { ++n; return true; }).ok());
    return n;
  }
};

TEST_F(ChunksTest, CommitFileAndReadBackMap) {
  FileContent c = content({bytes('a', kChunkSize), bytes('b', 100)});
  c.mtime_ns = 1'000'000'000;
  c.mode = 0600;
  auto a = fs_->commitFile("/data/w.bin", c, true);
  ASSERT_OK(a);
  EXPECT_EQ(a->size, kChunkSize + 100);
  EXPECT_EQ(a->mode, 0600u);
  EXPECT_EQ(a->mtime_ns, 1'000'000'000);
  auto refs = fs_->chunks(a->ino, 0, 10);
  ASSERT_OK(refs);
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[0].id, c.chunks[0].id);
  EXPECT_EQ((*refs)[1].length, 100u);
  auto tail = fs_->chunks(a->ino, 1, ~0ull);
  ASSERT_OK(tail);
  EXPECT_EQ(tail->size(), 1u);
  auto data = chunks().read("default", c.chunks[1].id, 10, 20);
  ASSERT_OK(data);
  EXPECT_EQ(*data, bytes('b', 20));
  auto u = fs_->usage();
  EXPECT_EQ(u->bytes, kChunkSize + 100);
  EXPECT_EQ(u->files, 1u);
  EXPECT_EQ(u->directories, 1u);
  expectFsckClean();
}

TEST_F(ChunksTest, CommitFileRejectsBadMapsAndChangesNothing) {
  Digest id = putChunk("hello");
  FileContent gap;
  gap.size = 5;
  gap.chunks.push_back(ChunkRef{1, id, 5});
  EXPECT_CODE(fs_->commitFile("/f", gap, false), kInvalidArgument);
  FileContent wrong_size;
  wrong_size.size = 6;
  wrong_size.chunks.push_back(ChunkRef{0, id, 5});
  EXPECT_CODE(fs_->commitFile("/f", wrong_size, false), kInvalidArgument);
  FileContent short_middle;
  short_middle.size = 10;
  short_middle.chunks = {ChunkRef{0, id, 5}, ChunkRef{1, id, 5}};
  EXPECT_CODE(fs_->commitFile("/f", short_middle, false), kInvalidArgument);
  // A chunk that was never uploaded: the error names it, nothing is created.
  Digest ghost = Sha256::of("never uploaded");
  FileContent missing;
  missing.size = 14;
  missing.chunks.push_back(ChunkRef{0, ghost, 14});
  auto r = fs_->commitFile("/dir/f", missing, true);
  EXPECT_CODE(r, kInvalidArgument);
  EXPECT_NE(r.status().message().find(ghost.hex()), std::string::npos);
  EXPECT_CODE(fs_->stat("/dir"), kNotFound);  // parents were not created either
  // Longer than the stored blob.
  FileContent too_long;
  too_long.size = 6;
  too_long.chunks.push_back(ChunkRef{0, id, 6});
  EXPECT_CODE(fs_->commitFile("/f", too_long, false), kInvalidArgument);
  EXPECT_CODE(fs_->commitFile("/nodir/f", FileContent{}, false), kNotFound);
  ASSERT_OK(fs_->mkdirs("/d", false, opts(0755)));
  EXPECT_CODE(fs_->commitFile("/d", FileContent{}, false), kIsDirectory);
  EXPECT_CODE(fs_->commitFile("/", FileContent{}, false), kIsDirectory);
  EXPECT_EQ(fs_->usage()->files, 0u);
  expectFsckClean();
}

TEST_F(ChunksTest, IdenticalChunksAreStoredOnce) {
  FileContent c1 = content({bytes('x', kChunkSize), bytes('y', 1000)});
  FileContent c2 = content({bytes('x', kChunkSize), bytes('z', 1000)});
  ASSERT_OK(fs_->commitFile("/one", c1, false));
  ASSERT_OK(fs_->commitFile("/two", c2, false));
  EXPECT_EQ(blobCount(), 3u);  // x, y, z: the shared x chunk once
  EXPECT_EQ(c1.chunks[0].id, c2.chunks[0].id);
  auto report = svc_->fsck();
  ASSERT_OK(report);
  EXPECT_EQ(report->chunks_referenced, 3u);
  expectFsckClean();
  // Dropping one file keeps the shared chunk referenced.
  ASSERT_OK(fs_->remove("/one", false));
  auto gc = chunks().collect(nowFar(), true);
  ASSERT_OK(gc);
  EXPECT_EQ(gc->chunks_deleted, 1u);  // y only
  EXPECT_TRUE(blobExists(c1.chunks[0].id));
  EXPECT_FALSE(blobExists(c1.chunks[1].id));
  expectFsckClean();
}

TEST_F(ChunksTest, ReplacingContentsMovesReferenceCounts) {
  FileContent v1 = content({bytes('1', kChunkSize), bytes('2', kChunkSize), bytes('3', 7)});
  auto a = fs_->commitFile("/f", v1, false);
  ASSERT_OK(a);
  FileContent v2 = content({bytes('1', kChunkSize), bytes('4', 9)});
  auto b = fs_->commitFile("/f", v2, false);
  ASSERT_OK(b);
  EXPECT_EQ(b->ino, a->ino);  // replaced in place
  EXPECT_GT(b->version, a->version);
  EXPECT_EQ(b->size, kChunkSize + 9);
  EXPECT_EQ(fs_->chunks(b->ino, 0, 100)->size(), 2u);
  EXPECT_EQ(fs_->usage()->bytes, kChunkSize + 9);
  expectFsckClean();
  auto gc = chunks().collect(nowFar(), true);
  EXPECT_EQ(gc->chunks_deleted, 2u);  // '2' and '3'
  EXPECT_TRUE(blobExists(v2.chunks[0].id));
  expectFsckClean();
}

TEST_F(ChunksTest, HardLinkedFileKeepsChunksUntilLastName) {
  FileContent c = content({bytes('h', 4096)});
  auto a = fs_->commitFile("/f", c, false);
  ASSERT_OK(fs_->link(a->ino, kRootInode, "g"));
  ASSERT_OK(fs_->unlink(kRootInode, "f"));
  ASSERT_OK(chunks().collect(nowFar(), true));
  EXPECT_TRUE(blobExists(c.chunks[0].id));
  ASSERT_OK(fs_->unlink(kRootInode, "g"));
  auto gc = chunks().collect(nowFar(), true);
  ASSERT_OK(gc);
  EXPECT_EQ(gc->chunks_deleted, 1u);
  EXPECT_FALSE(blobExists(c.chunks[0].id));
  expectFsckClean();
}

TEST_F(ChunksTest, TruncateDropsAndShortensChunks) {
  FileContent c = content({bytes('a', kChunkSize), bytes('b', kChunkSize), bytes('c', kChunkSize)});
  auto a = fs_->commitFile("/f", c, false);
  SetAttr t;
  t.size = kChunkSize + 10;  // keeps chunk 0, shortens chunk 1, drops chunk 2
  auto r = fs_->setattr(a->ino, t);
  ASSERT_OK(r);
  auto refs = fs_->chunks(a->ino, 0, 10);
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[1].length, 10u);
  EXPECT_EQ((*refs)[1].id, c.chunks[1].id);
  EXPECT_EQ(fs_->usage()->bytes, kChunkSize + 10);
  expectFsckClean();
  // Grow again: a hole, the short chunk stays short.
  t.size = 3 * kChunkSize;
  ASSERT_OK(fs_->setattr(a->ino, t));
  refs = fs_->chunks(a->ino, 0, 10);
  ASSERT_EQ(refs->size(), 2u);
  EXPECT_EQ((*refs)[1].length, 10u);
  t.size = 0;
  ASSERT_OK(fs_->setattr(a->ino, t));
  EXPECT_TRUE(fs_->chunks(a->ino, 0, 10)->empty());
  expectFsckClean();
  auto gc = chunks().collect(nowFar(), true);
  EXPECT_EQ(gc->chunks_deleted, 3u);
  expectFsckClean();
}

TEST_F(ChunksTest, SparseOneGiBFileAndCommitChunks) {
  auto f = fs_->create(kRootInode, "sparse", opts());
  Digest a = putChunk(bytes('A', kChunkSize));
  Digest b = putChunk(bytes('B', 1234));
  constexpr uint64_t kGiB = 1ull << 30;
  FileContent c;
  c.size = kGiB;
  c.chunks.push_back(ChunkRef{0, a, static_cast<uint32_t>(kChunkSize)});
  c.chunks.push_back(ChunkRef{100, a, static_cast<uint32_t>(kChunkSize)});
  c.chunks.push_back(ChunkRef{kGiB / kChunkSize - 1, b, 1234});
  auto r = fs_->commitChunks(f->ino, c);
  ASSERT_OK(r);
  EXPECT_EQ(r->size, kGiB);
  auto refs = fs_->chunks(f->ino, 0, kGiB / kChunkSize);
  ASSERT_OK(refs);
  ASSERT_EQ(refs->size(), 3u);
  EXPECT_EQ((*refs)[1].index, 100u);
  EXPECT_EQ(fs_->chunks(f->ino, 50, 50)->size(), 0u);  // [50, 100) is a hole
  EXPECT_EQ(fs_->usage()->bytes, kGiB);
  expectFsckClean();

  // Change only index 100; the rest stays.
  FileContent patch;
  patch.size = kGiB;
  patch.chunks.push_back(ChunkRef{100, b, 1234});
  ASSERT_OK(fs_->commitChunks(f->ino, patch));
  refs = fs_->chunks(f->ino, 0, ~0ull);
  ASSERT_EQ(refs->size(), 3u);
  EXPECT_EQ((*refs)[1].id, b);
  expectFsckClean();

  FileContent bad;
  bad.size = 10;
  bad.chunks.push_back(ChunkRef{0, a, static_cast<uint32_t>(kChunkSize)});  // past the size
  EXPECT_CODE(fs_->commitChunks(f->ino, bad), kInvalidArgument);
  bad.chunks = {ChunkRef{0, b, 0}};
  EXPECT_CODE(fs_->commitChunks(f->ino, bad), kInvalidArgument);
  auto d = fs_->mkdir(kRootInode, "d", opts(0755));
  EXPECT_CODE(fs_->commitChunks(d->ino, patch), kIsDirectory);
  EXPECT_CODE(fs_->chunks(d->ino, 0, 1), kIsDirectory);
  EXPECT_EQ(fs_->getattr(f->ino)->size, kGiB);
}

}  // namespace
}  // namespace strata::fs
