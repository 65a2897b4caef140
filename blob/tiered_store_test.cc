#include "blob/tiered_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "blob/engine_store.h"
#include "blob/local_store.h"
#include "blob/store_conformance.h"
#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::blob {
namespace {

std::string dataKey(std::string_view ns, const ChunkId& id) {
  return "blob/" + std::string(ns) + "/d/" + std::string(id.raw());
}

std::string chunkFile(const std::string& root, std::string_view ns, const ChunkId& id) {
  std::string hex = id.hex();
  return root + "/" + std::string(ns) + "/" + hex.substr(0, 2) + "/" + hex;
}

// An engine in DIR/meta and files in DIR/chunks, as server/storage.cc lays them out.
template <uint64_t kSmallMax>
struct TieredFactory {
  TempDir dir{"strata-blob-tiered"};
  std::unique_ptr<db::Engine> engine;
  bool sync = false;

  Result<std::unique_ptr<Store>> open() { return openWith(kSmallMax); }
  Result<std::unique_ptr<Store>> openWith(uint64_t small_max) {
    engine.reset();
    db::RocksDbOptions o;
    o.sync = sync;
    ASSIGN_OR_RETURN(engine, db::openRocksDbEngine(dir.path() + "/meta", o));
    ASSIGN_OR_RETURN(auto files, openLocalStore(dir.path() + "/chunks"));
    return makeTieredStore(makeEngineStore(*engine), std::move(files), small_max);
  }
  bool inEngine(std::string_view ns, const ChunkId& id) {
    auto v = engine->get(dataKey(ns, id));
    return v.ok() && v->has_value();
  }
  bool inFiles(std::string_view ns, const ChunkId& id) {
    return std::filesystem::exists(chunkFile(dir.path() + "/chunks", ns, id));
  }
  void corrupt(std::string_view ns, const ChunkId& id) {
    if (inEngine(ns, id)) {
      std::string bytes = **engine->get(dataKey(ns, id));
      bytes[7] ^= 0x01;
      db::WriteBatch b;
      b.put(dataKey(ns, id), bytes);
      ASSERT_TRUE(engine->write(b).ok());
      return;
    }
    flipFileByte(chunkFile(dir.path() + "/chunks", ns, id), 7);
  }
};

// The default threshold, and a low one so that the suite's chunks (3 KB .. 100 KB) land in
// both tiers.
using TieredDefault = TieredFactory<kDefaultSmallChunkMax>;
using TieredLow = TieredFactory<8 << 10>;
using TieredFactories = ::testing::Types<TieredDefault, TieredLow>;
INSTANTIATE_TYPED_TEST_SUITE_P(Tiered, StoreConformance, TieredFactories);

class TieredStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(kDefaultSmallChunkMax); }
  void open(uint64_t small_max) {
    store_.reset();
    auto s = f_.openWith(small_max);
    ASSERT_TRUE(s.ok()) << s.status().toString();
    store_ = std::move(s).value();
  }
  ChunkId put(const std::string& data) {
    ChunkId id = Sha256::of(data);
    Status s = store_->put("ws", id, data);
    EXPECT_TRUE(s.ok()) << s.toString();
    return id;
  }
  size_t listed() {
    size_t n = 0;
    EXPECT_TRUE(store_->list("ws", [&](const ChunkInfo&) { return ++n > 0; }).ok());
    return n;
  }

  TieredDefault f_;
  std::unique_ptr<Store> store_;
};

TEST_F(TieredStoreTest, RoutesBySize) {
  std::string at_max(kDefaultSmallChunkMax, 's');
  std::string above(kDefaultSmallChunkMax + 1, 'b');
  ChunkId small = put(at_max);
  ChunkId big = put(above);
  EXPECT_TRUE(f_.inEngine("ws", small));
  EXPECT_FALSE(f_.inFiles("ws", small));
  EXPECT_TRUE(f_.inFiles("ws", big));
  EXPECT_FALSE(f_.inEngine("ws", big));
  EXPECT_EQ(*store_->get("ws", small), at_max);
  EXPECT_EQ(*store_->getRange("ws", big, 10, 5), above.substr(10, 5));
  EXPECT_EQ(listed(), 2u);

  std::vector<std::string> datas = {"tiny", std::string(100'000, 'x'), std::string(5000, 'y')};
  std::vector<ChunkWrite> batch;
  for (const auto& d : datas) batch.push_back({Sha256::of(d), d});
  ASSERT_TRUE(store_->putBatch("ws", batch).ok());
  EXPECT_TRUE(f_.inEngine("ws", batch[0].id));
  EXPECT_TRUE(f_.inFiles("ws", batch[1].id));
  EXPECT_TRUE(f_.inEngine("ws", batch[2].id));
  EXPECT_EQ(listed(), 5u);
  EXPECT_TRUE(store_->sync().ok());
}

TEST_F(TieredStoreTest, ZeroDisablesTheSmallTier) {
  open(0);
  ChunkId id = put("small but sent to a file");
  EXPECT_TRUE(f_.inFiles("ws", id));
  EXPECT_FALSE(f_.inEngine("ws", id));
}

TEST_F(TieredStoreTest, MixedBatchWithABadIdStoresNothing) {
  std::string small = "small", big(100'000, 'z');
  std::vector<ChunkWrite> batch = {{Sha256::of(small), small}, {Sha256::of("not it"), big}};
  EXPECT_EQ(store_->putBatch("ws", batch).code(), Code::kInvalidArgument);
  batch = {{Sha256::of("not it"), small}, {Sha256::of(big), big}};
  EXPECT_EQ(store_->putBatch("ws", batch).code(), Code::kInvalidArgument);
  EXPECT_EQ(listed(), 0u);
}

// A data directory from before the small tier (every chunk a file) keeps working, and a
// chunk is never stored in both tiers.
TEST_F(TieredStoreTest, ChunksAlreadyInFilesStayThere) {
  store_.reset();
  f_.engine.reset();
  std::string data = "an old small chunk";
  ChunkId id = Sha256::of(data);
  {
    auto files = openLocalStore(f_.dir.path() + "/chunks");
    ASSERT_TRUE(files.ok());
    ASSERT_TRUE((*files)->put("ws", id, data).ok());
  }
  open(kDefaultSmallChunkMax);
  EXPECT_EQ(*store_->get("ws", id), data);
  EXPECT_EQ(store_->stat("ws", id)->size, data.size());
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  ASSERT_TRUE(store_->putBatch("ws", {{id, data}}).ok());
  EXPECT_FALSE(f_.inEngine("ws", id));
  EXPECT_EQ(store_->put("ws", id, "other bytes").code(), Code::kInvalidArgument);
  EXPECT_EQ(listed(), 1u);
  ASSERT_TRUE(store_->remove("ws", id).ok());
  EXPECT_FALSE(f_.inFiles("ws", id));
  EXPECT_EQ(store_->get("ws", id).status().code(), Code::kNotFound);
}

TEST_F(TieredStoreTest, ChunksInTheEngineStayThereWhenTheThresholdDrops) {
  std::string data(30'000, 'q');
  ChunkId id = put(data);
  ASSERT_TRUE(f_.inEngine("ws", id));
  open(0);
  EXPECT_EQ(*store_->get("ws", id), data);
  ASSERT_TRUE(store_->put("ws", id, data).ok());
  EXPECT_FALSE(f_.inFiles("ws", id));
  EXPECT_EQ(listed(), 1u);
  ASSERT_TRUE(store_->remove("ws", id).ok());
  EXPECT_FALSE(f_.inEngine("ws", id));
  EXPECT_EQ(listed(), 0u);
}

// The ordering the small tier relies on (blob/store.h): a child stores chunks of both tiers,
// then commits a record that references them (synced, or buffered followed by sync()), and
// reports each acknowledged commit; it is killed with SIGKILL mid-way. After reopening, every
// reference that was written -- acknowledged or not -- finds its chunks.
TEST(TieredStoreDurability, KilledWriterLeavesNoReferenceWithoutItsChunk) {
  TieredDefault f;
  f.sync = true;
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    auto store = f.open();
    if (!store.ok()) ::_exit(2);
    for (uint32_t i = 0;; ++i) {
      std::string small = "small chunk " + std::to_string(i);
      std::string big(70'000 + i % 7, static_cast<char>('a' + i % 26));
      big += std::to_string(i);
      std::vector<ChunkWrite> batch = {{Sha256::of(small), small}, {Sha256::of(big), big}};
      if (!(*store)->putBatch("ws", batch).ok()) ::_exit(3);
      const bool buffered = i % 2 == 1;
      Status s = f.engine->run(
          [&](db::Transaction& txn) {
            char key[32];
            std::snprintf(key, sizeof key, "ref/%08u", i);
            return txn.put(key, std::string(batch[0].id.raw()) + std::string(batch[1].id.raw()));
          },
          db::RunOptions{.durability = buffered ? db::Durability::kBuffered : db::Durability::kSync});
      if (s.ok() && buffered) s = (*store)->sync();
      if (s.ok() && buffered) s = f.engine->syncWal();
      if (!s.ok()) ::_exit(4);
      if (::write(fds[1], "x", 1) != 1) ::_exit(5);
    }
  }
  ::close(fds[1]);
  char c;
  int acked = 0;
  while (acked < 200 && ::read(fds[0], &c, 1) == 1) ++acked;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  ASSERT_EQ(acked, 200);

  auto store = f.open();
  ASSERT_TRUE(store.ok()) << store.status().toString();
  auto refs = f.engine->scan("ref/", db::prefixEnd("ref/"), db::ScanOptions{.limit = 1'000'000});
  ASSERT_TRUE(refs.ok());
  EXPECT_GE(refs->size(), 200u);
  for (const auto& kv : *refs) {
    ASSERT_EQ(kv.value.size(), 64u);
    for (size_t at : {0, 32}) {
      ChunkId id = Digest::fromRaw(std::string_view(kv.value).substr(at, 32));
      auto got = (*store)->get("ws", id);
      EXPECT_TRUE(got.ok()) << kv.key << ": " << got.status().toString();
    }
  }
}

}  // namespace
}  // namespace strata::blob
