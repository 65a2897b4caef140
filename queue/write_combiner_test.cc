#include "queue/write_combiner.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::queue {
namespace {

TEST(WriteCombinerTest, ConcurrentBatchesAreAllAppliedInOrderPerCaller) {
  TempDir dir;
  auto engine = db::openRocksDbEngine(dir.sub("meta"), {.sync = false});
  ASSERT_TRUE(engine.ok()) << engine.status().toString();
  WriteCombiner combiner(**engine, db::Durability::kBuffered);
  constexpr int kThreads = 6, kBatches = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      db::WriteBatch b;
      for (int i = 0; i < kBatches; ++i) {
        b.clear();
        std::string key = "k/" + std::to_string(t) + "/" + std::to_string(i);
        b.put(key, "first");
        b.put(key, "second");  // later operations of a batch win, also inside a group
        b.put(key + "/gone", "x");
        b.del(key + "/gone");
        ASSERT_TRUE(combiner.write(b).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto all = (*engine)->scan("k/", db::prefixEnd("k/"), {.limit = 100000});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), size_t(kThreads * kBatches));
  for (const auto& kv : *all) EXPECT_EQ(kv.value, "second") << kv.key;
  EXPECT_TRUE(combiner.write(db::WriteBatch()).ok());
}

}  // namespace
}  // namespace strata::queue
