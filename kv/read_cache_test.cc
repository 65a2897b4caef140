#include "kv/read_cache.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"
#include "kv/kv_service.h"
#include "kv/write_group.h"

namespace strata::kv {
namespace {

TEST(ReadCache, FillsOnlyWhenNoWriteIntervened) {
  ReadCache cache(1 << 20);
  std::string record;
  ReadCache::Ticket t;
  ASSERT_EQ(cache.lookup("k", record, t), ReadCache::Hit::kMiss);
  cache.fill("k", std::string("v1"), t);
  ASSERT_EQ(cache.lookup("k", record, t), ReadCache::Hit::kPresent);
  EXPECT_EQ(record, "v1");

  // A write that starts after a miss makes that miss's fill stale.
  ReadCache::Ticket stale;
  ASSERT_EQ(cache.lookup("x", record, stale), ReadCache::Hit::kMiss);
  {
    auto scope = cache.writeShards(cache.shardMask("x"));
    cache.erase("x");
    ReadCache::Ticket during;
    ASSERT_EQ(cache.lookup("x", record, during), ReadCache::Hit::kMiss);
    cache.fill("x", std::string("old"), during);  // refused: a writer is active
  }
  cache.fill("x", std::string("old"), stale);  // refused: the version moved
  ASSERT_EQ(cache.lookup("x", record, t), ReadCache::Hit::kMiss);
  cache.fill("x", std::nullopt, t);
  EXPECT_EQ(cache.lookup("x", record, t), ReadCache::Hit::kAbsent);

  // Write-through by the only writer of a shard; refused when another writer overlapped.
  {
    auto scope = cache.writeShards(cache.shardMask("w"));
    cache.erase("w");
    cache.store(scope, "w", std::string("new"));
  }
  ASSERT_EQ(cache.lookup("w", record, t), ReadCache::Hit::kPresent);
  EXPECT_EQ(record, "new");
  {
    auto mine = cache.writeShards(cache.shardMask("w"));
    cache.erase("w");
    { auto other = cache.writeAll(); }  // began and ended meanwhile
    cache.store(mine, "w", std::string("maybe-older"));
  }
  EXPECT_EQ(cache.lookup("w", record, t), ReadCache::Hit::kMiss);

  // A write erases the entry.
  {
    auto scope = cache.writeAll();
    cache.erase("k");
  }
  EXPECT_EQ(cache.lookup("k", record, t), ReadCache::Hit::kMiss);
}

TEST(ReadCache, StaysWithinItsCapacity) {
  ReadCache cache(16 * 64 * 1024);  // 64 KiB per shard
  std::string record;
  for (int i = 0; i < 20000; ++i) {
    ReadCache::Ticket t;
    std::string key = "key" + std::to_string(i);
    ASSERT_EQ(cache.lookup(key, record, t), ReadCache::Hit::kMiss);
    cache.fill(key, std::string(100, 'v'), t);
  }
  int present = 0;
  for (int i = 0; i < 20000; ++i) {
    ReadCache::Ticket t;
    present += cache.lookup("key" + std::to_string(i), record, t) == ReadCache::Hit::kPresent;
  }
  EXPECT_GT(present, 1000);
  EXPECT_LT(present, 16 * 64 * 1024 / 200);
  // The most recent ones are kept.
  ReadCache::Ticket t;
  EXPECT_EQ(cache.lookup("key19999", record, t), ReadCache::Hit::kPresent);
}

TEST(ReadCache, ErasedKeysGoAndEveryOtherKeyStaysReachable) {
  ReadCache cache(64 << 20);  // large enough that nothing is evicted
  std::string record;
  ReadCache::Ticket t;
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key" + std::to_string(i);
    ASSERT_EQ(cache.lookup(key, record, t), ReadCache::Hit::kMiss);
    cache.fill(key, i % 7 == 0 ? std::nullopt : std::optional<std::string>("v" + std::to_string(i)), t);
  }
  {
    auto scope = cache.writeAll();
    for (int i = 0; i < 5000; i += 3) cache.erase("key" + std::to_string(i));
  }
  for (int i = 0; i < 5000; ++i) {
    const auto hit = cache.lookup("key" + std::to_string(i), record, t);
    if (i % 3 == 0) {
      EXPECT_EQ(hit, ReadCache::Hit::kMiss) << i;
    } else if (i % 7 == 0) {
      EXPECT_EQ(hit, ReadCache::Hit::kAbsent) << i;
    } else {
      ASSERT_EQ(hit, ReadCache::Hit::kPresent) << i;
      EXPECT_EQ(record, "v" + std::to_string(i));
    }
  }
}

TEST(ReadCache, GroupedGetsSeeEveryWritePath) {
  TempDir dir;
  auto engine = db::openRocksDbEngine(dir.sub("meta"), {.sync = false});
  ASSERT_TRUE(engine.ok()) << engine.status().toString();
  KvService kv(**engine);
  ASSERT_TRUE(kv.createNamespace("default", "c").ok());
  NamespaceRef ns = *kv.resolveNamespace("default", "c");
  WriteGroup group(kv);
  auto get = [&](std::string_view key) {
    group.clear();
    size_t i = group.get(ns, key);
    group.commit();
    EXPECT_TRUE(group.outcome(i).status.ok()) << group.outcome(i).status.toString();
    return group.outcome(i).found ? std::string(group.value(i)) : std::string("<absent>");
  };
  EXPECT_EQ(get("k"), "<absent>");  // cached as absent
  ASSERT_TRUE(kv.set("default", "c", "k", "rest").ok());
  EXPECT_EQ(get("k"), "rest");
  EXPECT_EQ(get("k"), "rest");  // from the cache
  group.clear();
  group.set(ns, "k", "grouped");
  group.commit();
  EXPECT_EQ(get("k"), "grouped");
  ASSERT_TRUE(kv.incrBy("default", "c", "n", 5).ok());
  EXPECT_EQ(get("n"), "5");
  group.clear();
  group.incrBy(ns, "n", 1);
  group.commit();
  EXPECT_EQ(get("n"), "6");
  ASSERT_TRUE(kv.append("default", "c", "k", "+").ok());
  EXPECT_EQ(get("k"), "grouped+");
  ASSERT_TRUE(kv.expireAt("default", "c", "k", 1).ok());  // in the past: deletes
  EXPECT_EQ(get("k"), "<absent>");
  ASSERT_TRUE(kv.set("default", "c", "k", "again").ok());
  ASSERT_TRUE(kv.del("default", "c", {"k"}).ok());
  EXPECT_EQ(get("k"), "<absent>");

  // Concurrent writers and cached readers: a reader never goes back to an older value.
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 1; i <= 300; ++i) ASSERT_TRUE(kv.set("default", "c", "seq", std::to_string(i)).ok());
    stop = true;
  });
  NamespaceRef ns2 = *kv.resolveNamespace("default", "c");
  WriteGroup reader_group(kv);
  int last = 0;
  while (!stop) {
    reader_group.clear();
    size_t i = reader_group.get(ns2, "seq");
    reader_group.commit();
    int seen = reader_group.outcome(i).found ? std::stoi(std::string(reader_group.value(i))) : 0;
    ASSERT_GE(seen, last);
    last = seen;
  }
  writer.join();
  EXPECT_EQ(get("seq"), "300");
}

}  // namespace
}  // namespace strata::kv
