#include "blob/engine_store.h"

#include <gtest/gtest.h>

#include "blob/store_conformance.h"
#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::blob {
namespace {

// The engine's key of a chunk's bytes (docs/formats.md "Small-chunk tier").
std::string dataKey(std::string_view ns, const ChunkId& id) {
  return "blob/" + std::string(ns) + "/d/" + std::string(id.raw());
}

struct EngineStoreFactory {
  TempDir dir{"strata-blob-engine"};
  std::unique_ptr<db::Engine> engine;

  // Reopens the engine too, so "durable across reopen" means what it says.
  Result<std::unique_ptr<Store>> open() {
    engine.reset();
    db::RocksDbOptions o;
    o.sync = false;  // machine-crash durability is not what these tests check
    ASSIGN_OR_RETURN(engine, db::openRocksDbEngine(dir.path(), o));
    return makeEngineStore(*engine);
  }
  void corrupt(std::string_view ns, const ChunkId& id) {
    auto v = engine->get(dataKey(ns, id));
    ASSERT_TRUE(v.ok() && *v);
    std::string bytes = **v;
    bytes[7] ^= 0x01;
    db::WriteBatch b;
    b.put(dataKey(ns, id), bytes);
    ASSERT_TRUE(engine->write(b).ok());
  }
};

INSTANTIATE_TYPED_TEST_SUITE_P(Engine, StoreConformance, ::testing::Types<EngineStoreFactory>);

TEST(EngineStoreTest, ChunksLiveUnderTheirOwnPrefixBesideOtherKeys) {
  EngineStoreFactory f;
  auto store = f.open();
  ASSERT_TRUE(store.ok());
  // Unrelated metadata around the prefix is neither listed nor disturbed.
  db::WriteBatch other;
  other.put("blob/ws", "x");
  other.put("blob/ws0/i/zzz", "x");
  other.put("w/ws/r/abc", "x");
  ASSERT_TRUE(f.engine->write(other).ok());
  std::string data(20000, 'a');
  ChunkId id = Sha256::of(data);
  ASSERT_TRUE((*store)->put("ws", id, data).ok());
  auto v = f.engine->get(dataKey("ws", id));
  ASSERT_TRUE(v.ok() && *v);
  EXPECT_EQ(**v, data);
  size_t n = 0;
  ASSERT_TRUE((*store)->list("ws", [&](const ChunkInfo& info) {
    EXPECT_EQ(info.id, id);
    return ++n > 0;
  }).ok());
  EXPECT_EQ(n, 1u);
  ASSERT_TRUE((*store)->remove("ws", id).ok());
  EXPECT_FALSE(*f.engine->get(dataKey("ws", id)));
  EXPECT_TRUE(*f.engine->get("blob/ws"));
  EXPECT_TRUE((*store)->sync().ok());
}

TEST(EngineStoreTest, ListPagesThroughManyChunks) {
  EngineStoreFactory f;
  auto store = f.open();
  ASSERT_TRUE(store.ok());
  std::vector<std::string> datas;
  std::vector<ChunkWrite> batch;
  for (int i = 0; i < 2500; ++i) datas.push_back("chunk " + std::to_string(i));
  for (const auto& d : datas) batch.push_back({Sha256::of(d), d});
  ASSERT_TRUE((*store)->putBatch("ws", batch).ok());
  std::set<ChunkId> seen;
  ASSERT_TRUE((*store)->list("ws", [&](const ChunkInfo& info) { return seen.insert(info.id).second; }).ok());
  EXPECT_EQ(seen.size(), datas.size());
  size_t visited = 0;
  ASSERT_TRUE((*store)->list("ws", [&](const ChunkInfo&) { return ++visited < 1500; }).ok());
  EXPECT_EQ(visited, 1500u);  // stops when asked, across a page boundary
}

}  // namespace
}  // namespace strata::blob
