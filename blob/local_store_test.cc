#include "blob/local_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <ctime>

#include "blob/store_conformance.h"
#include "common/temp_dir.h"

namespace strata::blob {
namespace {

std::string chunkFile(const std::string& root, std::string_view ns, const ChunkId& id) {
  std::string hex = id.hex();
  return root + "/" + std::string(ns) + "/" + hex.substr(0, 2) + "/" + hex;
}

struct LocalStoreFactory {
  TempDir dir{"strata-blob"};
  Result<std::unique_ptr<Store>> open() { return openLocalStore(dir.path()); }
  void corrupt(std::string_view ns, const ChunkId& id) {
    flipFileByte(chunkFile(dir.path(), ns, id), 7);
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Local, StoreConformance, ::testing::Types<LocalStoreFactory>);

class LocalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }
  void open() {
    auto s = openLocalStore(dir_.path());
    ASSERT_TRUE(s.ok()) << s.status().toString();
    store_ = std::move(s).value();
  }
  static void writeFile(const std::string& path, std::string_view data) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << data;
  }

  TempDir dir_{"strata-blob"};
  std::unique_ptr<Store> store_;
};

TEST_F(LocalStoreTest, Layout) {
  std::string data = "hello chunk";
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  std::string path = chunkFile(dir_.path(), "ws", id);
  ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path;
  EXPECT_EQ(std::filesystem::file_size(path), data.size());
  // No temp file is left next to it.
  size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(std::filesystem::path(path).parent_path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1u);
}

TEST_F(LocalStoreTest, SecondOpenIsBusy) {
  auto second = openLocalStore(dir_.path());
  EXPECT_EQ(second.status().code(), Code::kBusy) << second.status().toString();
  store_.reset();
  EXPECT_TRUE(openLocalStore(dir_.path()).ok());  // the lock goes with the store
}

TEST_F(LocalStoreTest, LeftoverTempFilesAreIgnoredAndRemovedAtOpen) {
  std::string data = "complete";
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  // What a crash in the middle of a put leaves: a temp file beside the chunks.
  std::string hex = Sha256::of("partial").hex();
  std::string leaf = dir_.path() + "/ws/" + hex.substr(0, 2);
  std::string tmp = leaf + "/." + hex + ".0123456789abcdef.tmp";
  writeFile(tmp, "parti");
  // A stray file that is not a chunk is ignored too (but left alone).
  std::string stray = leaf + "/README";
  writeFile(stray, "not a chunk");

  int listed = 0;
  ASSERT_TRUE(store_->list("ws", [&](const ChunkInfo& info) {
    EXPECT_EQ(info.id, id);
    ++listed;
    return true;
  }).ok());
  EXPECT_EQ(listed, 1);

  store_.reset();
  open();
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_TRUE(std::filesystem::exists(stray));
  auto got = store_->get("ws", id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, data);
}

TEST_F(LocalStoreTest, OpenKeepsATempFileWhoseBytesMatchItsName) {
  // What kill -9 leaves of a deferred put that returned: a whole temp file, not yet renamed.
  std::string data = "whole but unpublished";
  ChunkId id = Sha256::of(data);
  std::string hex = id.hex();
  std::string tmp = dir_.path() + "/ws/" + hex.substr(0, 2) + "/." + hex + ".0123456789abcdef.tmp";
  writeFile(tmp, data);
  // Same name pattern, wrong bytes (an interrupted write, or damage): removed.
  std::string bad_hex = Sha256::of("other").hex();
  std::string bad = dir_.path() + "/ws/" + bad_hex.substr(0, 2) + "/." + bad_hex + ".0123456789abcdef.tmp";
  writeFile(bad, "othe");
  store_.reset();
  open();
  EXPECT_FALSE(std::filesystem::exists(tmp));
  EXPECT_FALSE(std::filesystem::exists(bad));
  EXPECT_TRUE(std::filesystem::exists(chunkFile(dir_.path(), "ws", id)));
  auto got = store_->get("ws", id);
  ASSERT_TRUE(got.ok()) << got.status().toString();
  EXPECT_EQ(*got, data);
  EXPECT_EQ(store_->stat("ws", Sha256::of("other")).status().code(), Code::kNotFound);
}

TEST_F(LocalStoreTest, DeferredPutIsReadableAtOnceAndPublishedBySync) {
  std::string data(1 << 20, 'd');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data, {.defer_durability = true}).ok());
  // Visible whether or not the background thread published it yet.
  auto info = store_->stat("ws", id);
  ASSERT_TRUE(info.ok()) << info.status().toString();
  EXPECT_EQ(info->size, data.size());
  auto part = store_->getRange("ws", id, 10, 5);
  ASSERT_TRUE(part.ok()) << part.status().toString();
  EXPECT_EQ(*part, "ddddd");
  ASSERT_TRUE(store_->sync().ok());
  // After the barrier the chunk is under its final name and no temp file is left.
  EXPECT_TRUE(std::filesystem::exists(chunkFile(dir_.path(), "ws", id)));
  for (auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
    EXPECT_FALSE(e.path().filename().string().ends_with(".tmp")) << e.path();
  }
  // remove() forgets it, published or not.
  std::string other(1 << 20, 'e');
  ASSERT_TRUE(store_->put("ws", Sha256::of(other), other, {.defer_durability = true}).ok());
  ASSERT_TRUE(store_->remove("ws", Sha256::of(other)).ok());
  EXPECT_EQ(store_->stat("ws", Sha256::of(other)).status().code(), Code::kNotFound);
  ASSERT_TRUE(store_->sync().ok());
  EXPECT_EQ(store_->stat("ws", Sha256::of(other)).status().code(), Code::kNotFound);
}

TEST_F(LocalStoreTest, OpenMovesChunksOfTheTwoLevelLayoutIntoPlace) {
  store_.reset();
  // What a store written by the earlier layout holds: DIR/<ns>/<xx>/<yy>/<hex>, plus a temp file.
  std::string data = "written by the two-level layout";
  ChunkId id = Sha256::of(data);
  std::string hex = id.hex();
  std::string legacy_dir = dir_.path() + "/ws/" + hex.substr(0, 2) + "/" + hex.substr(2, 2);
  writeFile(legacy_dir + "/" + hex, data);
  writeFile(legacy_dir + "/." + hex + ".0123456789abcdef.tmp", "part");
  open();

  auto got = store_->get("ws", id);
  ASSERT_TRUE(got.ok()) << got.status().toString();
  EXPECT_EQ(*got, data);
  EXPECT_TRUE(std::filesystem::exists(chunkFile(dir_.path(), "ws", id)));
  EXPECT_FALSE(std::filesystem::exists(legacy_dir));
  int listed = 0;
  ASSERT_TRUE(store_->list("ws", [&](const ChunkInfo& info) {
    EXPECT_EQ(info.id, id);
    ++listed;
    return true;
  }).ok());
  EXPECT_EQ(listed, 1);
}

TEST_F(LocalStoreTest, TruncatedChunkIsCorruptAndPutRepairsIt) {
  std::string data(100'000, 'q');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  std::filesystem::resize_file(chunkFile(dir_.path(), "ws", id), 500);
  EXPECT_EQ(store_->get("ws", id).status().code(), Code::kCorruption);
  // The size differs, so put() rewrites the file instead of trusting it.
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  auto got = store_->get("ws", id);
  ASSERT_TRUE(got.ok()) << got.status().toString();
  EXPECT_EQ(*got, data);
}

TEST_F(LocalStoreTest, PartialRangeOfDamagedChunkIsNotVerified) {
  // getRange of part of a chunk does not hash (a 4 KiB read must not cost a 4 MiB read); the
  // damage is reported by the next whole read instead.
  std::string data(20'000, 'r');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  {
    std::fstream f(chunkFile(dir_.path(), "ws", id), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(0);
    f.put('X');
  }
  auto part = store_->getRange("ws", id, 1, 100);
  ASSERT_TRUE(part.ok());
  EXPECT_EQ(*part, std::string(100, 'r'));
  EXPECT_EQ(store_->get("ws", id).status().code(), Code::kCorruption);
}

// A child process stores chunks as fast as it can and reports each acknowledged put through a
// pipe; the parent kills it with SIGKILL mid-stream. After reopening, every acknowledged chunk
// is intact, every chunk that is visible at all is whole, and no temp file is left.
void putUntilKilledThenCheck(const ChunkPutOptions& options) {
  TempDir dir{"strata-blob"};
  auto chunk = [](uint32_t i) { return std::string(256 << 10, static_cast<char>('a' + i % 26)) + std::to_string(i); };
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto store = openLocalStore(dir.path());
    if (!store.ok()) _exit(2);
    for (uint32_t i = 0;; ++i) {
      std::string data = chunk(i);
      if (!(*store)->put("ws", Sha256::of(data), data, options).ok()) _exit(3);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
    }
  }
  close(fds[1]);
  uint32_t last = 0;
  for (int acked = 0; acked < 40; ++acked) {
    ASSERT_EQ(read(fds[0], &last, sizeof(last)), static_cast<ssize_t>(sizeof(last))) << "child died early";
  }
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  close(fds[0]);

  auto store = openLocalStore(dir.path());
  ASSERT_TRUE(store.ok()) << store.status().toString();
  for (uint32_t i = 0; i <= last; ++i) {
    std::string data = chunk(i);
    auto got = (*store)->get("ws", Sha256::of(data));
    ASSERT_TRUE(got.ok()) << "acknowledged chunk " << i << ": " << got.status().toString();
    EXPECT_EQ(*got, data);
  }
  size_t listed = 0;
  ASSERT_TRUE((*store)->list("ws", [&](const ChunkInfo& info) {
    ++listed;
    auto got = (*store)->get("ws", info.id);
    EXPECT_TRUE(got.ok()) << "visible but damaged: " << info.id.hex() << " " << got.status().toString();
    return true;
  }).ok());
  EXPECT_GE(listed, static_cast<size_t>(last) + 1);
  for (auto& e : std::filesystem::recursive_directory_iterator(dir.path())) {
    EXPECT_FALSE(e.path().filename().string().ends_with(".tmp")) << e.path();
  }
}

TEST(LocalStore, AcknowledgedPutsSurviveKill9AndNothingPartialIsVisible) { putUntilKilledThenCheck({}); }

// A deferred put returns before its chunk is fdatasynced and renamed: what the kill leaves in
// temp files must be kept by the next open.
TEST(LocalStore, AcknowledgedDeferredPutsSurviveKill9) { putUntilKilledThenCheck({.defer_durability = true}); }

TEST_F(LocalStoreTest, DeferredPutsAreReadableAndSyncCoversThem) {
  // Deferred puts from several threads, then concurrent sync() calls sharing rounds.
  constexpr int kThreads = 4, kPerThread = 8;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string data = "deferred chunk " + std::to_string(t) + "/" + std::to_string(i);
        if (!store_->put("ws", Sha256::of(data), data, {.defer_durability = true}).ok()) ++failures;
        if (i % 3 == 0 && !store_->sync().ok()) ++failures;
      }
      if (!store_->sync().ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_TRUE(store_->sync().ok());  // nothing pending: returns at once
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string data = "deferred chunk " + std::to_string(t) + "/" + std::to_string(i);
      auto got = store_->get("ws", Sha256::of(data));
      ASSERT_TRUE(got.ok()) << got.status().toString();
      EXPECT_EQ(*got, data);
    }
  }
}

TEST_F(LocalStoreTest, VerifiedIdSkipsTheHashAndReadsStillCatchDamage) {
  std::string data(100'000, 'h');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data, {.id_verified = true}).ok());
  EXPECT_EQ(*store_->get("ws", id), data);
  flipFileByte(chunkFile(dir_.path(), "ws", id), 50'000);
  EXPECT_EQ(store_->get("ws", id).status().code(), Code::kCorruption);
  // Without the promise the id is checked.
  EXPECT_EQ(store_->put("ws", Sha256::of("x"), data).code(), Code::kInvalidArgument);
}

// The checksum stamp (chunk_checksum.h) in the chunk file's extended attribute.
class ChecksumStampTest : public LocalStoreTest {
 protected:
  static constexpr const char* kStamp = "user.strata.crc32c";
  void SetUp() override {
    LocalStoreTest::SetUp();
    data_ = std::string(300'000, '\0');
    for (size_t i = 0; i < data_.size(); ++i) data_[i] = static_cast<char>(i * 7 + i / 1000);
    id_ = Sha256::of(data_);
    ASSERT_TRUE(store_->put("ws", id_, data_).ok());
    path_ = chunkFile(dir_.path(), "ws", id_);
    if (!stamp()) GTEST_SKIP() << "no user extended attributes on this file system";
  }
  std::optional<std::string> stamp() const {
    char buf[16];
    ssize_t n = ::getxattr(path_.c_str(), kStamp, buf, sizeof(buf));
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
  }
  std::string data_;
  ChunkId id_;
  std::string path_;
};

TEST_F(ChecksumStampTest, PutStampsTheChunkWithTheCrcOfItsIdAndBytes) {
  EXPECT_EQ(stamp()->size(), 4u);
  EXPECT_EQ(*store_->get("ws", id_), data_);
}

TEST_F(ChecksumStampTest, UnstampedChunkIsHashedThenStamped) {
  const std::string stamped = *stamp();
  ASSERT_EQ(::removexattr(path_.c_str(), kStamp), 0);
  EXPECT_EQ(*store_->get("ws", id_), data_);
  EXPECT_EQ(stamp(), stamped);
  ASSERT_EQ(::removexattr(path_.c_str(), kStamp), 0);
  flipFileByte(path_, 123);
  EXPECT_EQ(store_->get("ws", id_).status().code(), Code::kCorruption);
  EXPECT_FALSE(stamp().has_value());  // damaged bytes are never stamped
}

TEST_F(ChecksumStampTest, AWrongStampCostsAHashButNeverFailsAGoodChunk) {
  const std::string stamped = *stamp();
  ASSERT_EQ(::setxattr(path_.c_str(), kStamp, "abcd", 4, 0), 0);
  EXPECT_EQ(*store_->get("ws", id_), data_);
  EXPECT_EQ(stamp(), stamped);  // repaired
}

TEST_F(ChecksumStampTest, AChunkFileRenamedOverAnotherIsCorrupt) {
  std::string other = data_;
  other[0] ^= 1;
  ChunkId other_id = Sha256::of(other);
  ASSERT_TRUE(store_->put("ws", other_id, other).ok());
  // The other chunk's file, with its own stamp, under this chunk's name.
  ASSERT_EQ(::rename(chunkFile(dir_.path(), "ws", other_id).c_str(), path_.c_str()), 0);
  EXPECT_EQ(store_->get("ws", id_).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->getSlice("ws", id_, 0, UINT64_MAX).status().code(), Code::kCorruption);
}

TEST_F(ChecksumStampTest, SliceOfAWholeChunkIsVerifiedAndPartialOnesAreNot) {
  flipFileByte(path_, 200'000);
  EXPECT_EQ(store_->getSlice("ws", id_, 0, data_.size()).status().code(), Code::kCorruption);
  auto part = store_->getSlice("ws", id_, 10, 1000);  // as getRange: a part is not verified
  ASSERT_TRUE(part.ok()) << part.status().toString();
  EXPECT_TRUE(part->file.valid());
  EXPECT_EQ(part->offset, 10u);
  EXPECT_EQ(part->length, 1000u);
}

TEST_F(LocalStoreTest, RememberedVerificationNeverServesDamage) {
  std::string data(64 << 10, 'v');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  // Make the file look old enough to be remembered, then read it (hashed and remembered).
  std::string path = chunkFile(dir_.path(), "ws", id);
  struct timespec old[2] = {{::time(nullptr) - 10, 0}, {::time(nullptr) - 10, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), old, 0), 0);
  ::sleep(2);  // utimensat set ctime to now: let it settle
  ASSERT_TRUE(store_->get("ws", id).ok());
  ASSERT_TRUE(store_->get("ws", id).ok());  // served from the remembered verification
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    f.put('X');
  }
  EXPECT_EQ(store_->get("ws", id).status().code(), Code::kCorruption);
  EXPECT_EQ(store_->getRange("ws", id, 0, data.size()).status().code(), Code::kCorruption);
}

TEST(LocalStore, OpenFailsOnAFile) {
  TempDir dir;
  std::string file = dir.sub("file");
  std::ofstream(file) << "x";
  EXPECT_FALSE(openLocalStore(file).ok());
}

}  // namespace
}  // namespace strata::blob
