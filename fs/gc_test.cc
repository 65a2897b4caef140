// The collector: grace period, pins, references, orphans, and the deleting handshake.
#include <atomic>
#include <thread>

#include "common/clock.h"
#include "fs/collector.h"
#include "fs/fs_test_env.h"
#include "fs/keys.h"
#include "fs/records.h"

namespace strata::fs {
namespace {

class GcTest : public FsTest {
 protected:
  // Uploads `data` under a fresh upload and returns (upload id, chunk id); the pin stays.
  std::pair<std::string, Digest> pinned(const std::string& data) {
    Digest id = Sha256::of(data);
    auto t = chunks().beginUpload("default", "", {id});
    EXPECT_TRUE(t.ok());
    EXPECT_TRUE(chunks().putChunk("default", id, data).ok());
    return {t->upload_id, id};
  }
  Status commitOne(const std::string& path, const Digest& id, uint32_t len) {
    FileContent c;
    c.size = len;
    c.chunks.push_back(ChunkRef{0, id, len});
    return fs_->commitFile(path, c, true).status();
  }
};

TEST_F(GcTest, UploadReportsOnlyMissingChunks) {
  Digest have = putChunk("have");
  Digest lack = Sha256::of("lack");
  auto t = chunks().beginUpload("default", "", {have, lack, lack});
  ASSERT_OK(t);
  EXPECT_THAT(t->missing, ::testing::ElementsAre(lack));
  EXPECT_EQ(t->upload_id.substr(0, 2), "u-");
  // Resuming under the same id is fine; a bad id is not.
  auto again = chunks().beginUpload("default", t->upload_id, {lack});
  ASSERT_OK(again);
  EXPECT_EQ(again->upload_id, t->upload_id);
  EXPECT_CODE(chunks().beginUpload("default", "bad/id", {lack}), kInvalidArgument);
  EXPECT_CODE(chunks().beginUpload("No Such", "", {lack}), kInvalidArgument);
  EXPECT_CODE(chunks().putChunk("default", lack, "not the bytes"), kInvalidArgument);
  EXPECT_FALSE(blobExists(lack));
  ASSERT_OK(chunks().putChunk("default", lack, "lack"));
  EXPECT_CODE(chunks().putChunk("default", lack, std::string(blob::kMaxChunkSize + 1, 'x')), kTooLarge);
  ASSERT_OK(chunks().endUpload("default", t->upload_id));
  ASSERT_OK(chunks().endUpload("default", t->upload_id));  // idempotent
}

TEST_F(GcTest, UnreferencedChunkWaitsForGracePeriod) {
  Digest id = putChunk("short-lived");
  ASSERT_OK(commitOne("/f", id, 11));
  ASSERT_OK(fs_->remove("/f", false));
  const int64_t now = nowUnix();
  auto early = chunks().collect(now + 10, false);  // grace is 100 s
  ASSERT_OK(early);
  EXPECT_EQ(early->chunks_deleted, 0u);
  EXPECT_TRUE(blobExists(id));
  auto late = chunks().collect(now + 200, false);
  ASSERT_OK(late);
  EXPECT_EQ(late->chunks_deleted, 1u);
  EXPECT_EQ(late->bytes_deleted, 11u);
  EXPECT_FALSE(blobExists(id));
  expectFsckClean();
}

TEST_F(GcTest, ReferencedChunkIsNeverDeleted) {
  Digest id = putChunk("kept");
  ASSERT_OK(commitOne("/f", id, 4));
  for (bool ignore : {false, true}) {
    auto st = chunks().collect(nowFar(), ignore);
    ASSERT_OK(st);
    EXPECT_EQ(st->chunks_deleted, 0u);
  }
  EXPECT_TRUE(blobExists(id));
  expectFsckClean();
}

TEST_F(GcTest, PinnedChunkSurvivesUntilUploadEnds) {
  // A chunk that was referenced, then dropped, then pinned by a new upload.
  Digest id = putChunk("pinned");
  ASSERT_OK(commitOne("/f", id, 6));
  ASSERT_OK(fs_->remove("/f", false));
  auto t = chunks().beginUpload("default", "", {id});
  ASSERT_OK(t);
  EXPECT_TRUE(t->missing.empty());
  const int64_t soon = nowUnix() + 200;  // past grace, before the pin's 1000 s
  auto st = chunks().collect(soon, false);
  ASSERT_OK(st);
  EXPECT_EQ(st->chunks_deleted, 0u);
  EXPECT_TRUE(blobExists(id));
  // The upload commits: referenced again, out of the queue.
  ASSERT_OK(commitOne("/g", id, 6));
  ASSERT_OK(chunks().endUpload("default", t->upload_id));
  st = chunks().collect(nowFar(), false);
  EXPECT_EQ(st->chunks_deleted, 0u);
  EXPECT_TRUE(blobExists(id));
  expectFsckClean();
}

TEST_F(GcTest, PinExpiresWithItsUpload) {
  auto [upload, id] = pinned("abandoned upload");
  auto st = chunks().collect(nowUnix() + 10, false);
  ASSERT_OK(st);
  EXPECT_EQ(st->orphans_found, 0u);  // pinned: not even an orphan yet
  EXPECT_TRUE(blobExists(id));
  // After the pin (1000 s) the upload expires, the blob is an orphan, queued, then deleted.
  const int64_t later = nowUnix() + 2000;
  st = chunks().collect(later, false);
  ASSERT_OK(st);
  EXPECT_EQ(st->orphans_found, 1u);
  EXPECT_TRUE(blobExists(id));  // queued now: the grace period starts
  st = chunks().collect(later + 200, false);
  EXPECT_EQ(st->chunks_deleted, 1u);
  EXPECT_FALSE(blobExists(id));
  expectFsckClean();
}

TEST_F(GcTest, OfflineSweepDeletesOldOrphansAtOnce) {
  // A blob written without any record, as by an upload killed before its commit.
  const std::string data = "orphan bytes";
  Digest id = Sha256::of(data);
  ASSERT_OK(store_->put("default", id, data));
  auto st = chunks().collect(nowFar(), true);
  ASSERT_OK(st);
  EXPECT_EQ(st->orphans_found, 1u);
  EXPECT_EQ(st->chunks_deleted, 1u);
  EXPECT_FALSE(blobExists(id));
  // A young orphan is only queued, even offline.
  ASSERT_OK(store_->put("default", id, data));
  st = chunks().collect(nowUnix(), true);
  EXPECT_EQ(st->orphans_found, 1u);
  EXPECT_EQ(st->chunks_deleted, 0u);
  EXPECT_TRUE(blobExists(id));
  expectFsckClean();
}

// Interleaving: the upload pins first, the collector runs after: the chunk must survive and
// the commit must work.
TEST_F(GcTest, PinThenCollectThenCommit) {
  Digest id = putChunk("race");
  ASSERT_OK(commitOne("/f", id, 4));
  ASSERT_OK(fs_->remove("/f", false));  // queued
  auto t = chunks().beginUpload("default", "", {id});
  ASSERT_OK(t);
  ASSERT_TRUE(t->missing.empty());
  ASSERT_OK(chunks().collect(nowUnix() + 200, false));
  ASSERT_OK(commitOne("/g", id, 4));
  EXPECT_TRUE(blobExists(id));
  expectFsckClean();
}

// Interleaving the other way: the collector has marked the chunk "deleting" (simulated by
// writing the mark as collect() does) when the upload starts. beginUpload must report it
// missing, commit must refuse it, and putChunk must wait for the mark to go, then store it.
TEST_F(GcTest, UploadDuringDeletionWaitsAndReuploads) {
  const std::string data = "being deleted";
  Digest id = putChunk(data);
  WorkspaceKeys keys("default");
  GcRec mark;
  mark.queued_unix = nowUnix() - 1000;
  mark.deleting = true;
  mark.marked_unix = nowUnix();
  ASSERT_OK(engine_->run([&](db::Transaction& t) { return t.put(keys.gcEntry(id), encodeGc(mark)); }));

  auto t = chunks().beginUpload("default", "", {id});
  ASSERT_OK(t);
  EXPECT_THAT(t->missing, ::testing::ElementsAre(id));
  EXPECT_CODE(commitOne("/f", id, static_cast<uint32_t>(data.size())), kInvalidArgument);

  std::atomic<bool> put_done{false};
  std::thread uploader([&] {
    EXPECT_OK(chunks().putChunk("default", id, data));
    put_done = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  EXPECT_FALSE(put_done.load());  // waiting for the collector
  // The collector finishes: blob removed, mark dropped.
  ASSERT_OK(store_->remove("default", id));
  ASSERT_OK(engine_->run([&](db::Transaction& t) { return t.del(keys.gcEntry(id)); }));
  uploader.join();
  EXPECT_TRUE(put_done.load());
  EXPECT_TRUE(blobExists(id));
  ASSERT_OK(commitOne("/f", id, static_cast<uint32_t>(data.size())));
  ASSERT_OK(chunks().endUpload("default", t->upload_id));
  expectFsckClean();
}

// Many rounds of a committer racing the collector on one chunk: the store never lacks a
// chunk that a committed file references.
TEST_F(GcTest, CommitsRacingCollectorKeepReferencedChunks) {
  const std::string data = "contended chunk";
  Digest id = Sha256::of(data);
  std::atomic<bool> stop{false};
  std::thread collector([&] {
    while (!stop) {
      // Past the grace period, but within the pins of the uploads.
      auto st = chunks().collect(nowUnix() + 200, false);
      EXPECT_TRUE(st.ok()) << st.status().toString();
    }
  });
  for (int i = 0; i < 60; ++i) {
    auto t = chunks().beginUpload("default", "", {id});
    ASSERT_OK(t);
    for (const auto& m : t->missing) ASSERT_OK(chunks().putChunk("default", m, data));
    Status st = commitOne("/f", id, static_cast<uint32_t>(data.size()));
    ASSERT_TRUE(st.ok()) << st.toString();
    ASSERT_TRUE(blobExists(id)) << "round " << i;
    ASSERT_OK(chunks().endUpload("default", t->upload_id));
    ASSERT_OK(fs_->remove("/f", false));
  }
  stop = true;
  collector.join();
  expectFsckClean();
}

TEST_F(GcTest, BackgroundCollectorRuns) {
  Collector c(chunks());
  c.start(std::chrono::milliseconds(20));
  c.start(std::chrono::milliseconds(20));  // no-op
  for (int i = 0; i < 200 && c.passes() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  c.stop();
  EXPECT_GE(c.passes(), 2u);
  c.stop();  // no-op
}

}  // namespace
}  // namespace strata::fs
