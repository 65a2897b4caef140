#include "kv/kv_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::kv {
namespace {

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = db::openRocksDbEngine(dir_.sub("meta"), {.sync = false});
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(*engine);
    kv_ = std::make_unique<KvService>(*engine_, KvOptions{.max_namespaces_per_workspace = 5});
    ASSERT_TRUE(kv_->createNamespace("default", "cache").ok());
  }

  std::string getValue(std::string_view key) {
    auto r = kv_->get("default", "cache", key);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() && r->has_value() ? (*r)->value : "<absent>";
  }

  TempDir dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<KvService> kv_;
};

TEST_F(KvServiceTest, NamespacesCreateListDeleteAndLimit) {
  EXPECT_EQ(kv_->createNamespace("default", "cache").code(), Code::kAlreadyExists);
  EXPECT_EQ(kv_->createNamespace("default", "bad name").code(), Code::kInvalidArgument);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(kv_->createNamespace("default", "ns" + std::to_string(i)).ok());
  EXPECT_EQ(kv_->createNamespace("default", "one-too-many").code(), Code::kNoSpace);
  auto list = kv_->listNamespaces("default");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 5u);
  EXPECT_EQ((*list)[0].name, "cache");
  // Another workspace is separate.
  EXPECT_TRUE(kv_->listNamespaces("other")->empty());
  ASSERT_TRUE(kv_->set("default", "ns0", "k", "v").ok());
  ASSERT_TRUE(kv_->deleteNamespace("default", "ns0").ok());
  EXPECT_EQ(kv_->get("default", "ns0", "k").status().code(), Code::kNotFound);
  // Re-created namespaces start empty.
  ASSERT_TRUE(kv_->createNamespace("default", "ns0").ok());
  EXPECT_FALSE(kv_->get("default", "ns0", "k")->has_value());
  EXPECT_EQ(kv_->deleteNamespace("default", "missing").code(), Code::kNotFound);
}

TEST_F(KvServiceTest, SetGetDelete) {
  ASSERT_TRUE(kv_->set("default", "cache", "user:1", std::string("a\0b", 3)).ok());
  EXPECT_EQ(getValue("user:1"), std::string("a\0b", 3));
  EXPECT_EQ(*kv_->del("default", "cache", {"user:1", "nope"}), 1u);
  EXPECT_EQ(getValue("user:1"), "<absent>");
  EXPECT_EQ(kv_->get("default", "missing-ns", "k").status().code(), Code::kNotFound);
}

TEST_F(KvServiceTest, LimitsRejectedAndNothingChanged) {
  std::string big_key(kMaxKeyBytes + 1, 'k');
  std::string big_value(kMaxValueBytes + 1, 'v');
  EXPECT_EQ(kv_->set("default", "cache", big_key, "v").status().code(), Code::kTooLarge);
  EXPECT_EQ(kv_->set("default", "cache", "k", big_value).status().code(), Code::kTooLarge);
  EXPECT_EQ(kv_->set("default", "cache", "", "v").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(getValue("k"), "<absent>");
  // Exactly at the limits is fine.
  ASSERT_TRUE(kv_->set("default", "cache", std::string(kMaxKeyBytes, 'k'), std::string(kMaxValueBytes, 'v')).ok());
  ASSERT_TRUE(kv_->set("default", "cache", "a", std::string(kMaxValueBytes - 1, 'v')).ok());
  EXPECT_EQ(kv_->append("default", "cache", "a", "xy").status().code(), Code::kTooLarge);
  EXPECT_EQ(getValue("a").size(), kMaxValueBytes - 1);
}

TEST_F(KvServiceTest, ConditionalSetAndGetOld) {
  auto r = kv_->set("default", "cache", "k", "1", {.condition = SetCondition::kIfPresent});
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->written);
  r = kv_->set("default", "cache", "k", "1", {.condition = SetCondition::kIfAbsent});
  EXPECT_TRUE(r->written);
  r = kv_->set("default", "cache", "k", "2", {.condition = SetCondition::kIfAbsent, .return_old = true});
  EXPECT_FALSE(r->written);
  EXPECT_EQ(r->old_value, "1");
  r = kv_->set("default", "cache", "k", "3", {.return_old = true});
  EXPECT_TRUE(r->written);
  EXPECT_EQ(r->old_value, "1");
  EXPECT_EQ(getValue("k"), "3");
}

TEST_F(KvServiceTest, ExpiryTtlPersistAndPurge) {
  const int64_t now = nowNanos() / 1'000'000;
  ASSERT_TRUE(kv_->set("default", "cache", "short", "v", {.expire_at_ms = now + 50}).ok());
  ASSERT_TRUE(kv_->set("default", "cache", "long", "v", {.expire_at_ms = now + 100000}).ok());
  ASSERT_TRUE(kv_->set("default", "cache", "forever", "v").ok());
  EXPECT_GT(*kv_->ttlMs("default", "cache", "long"), 90000);
  EXPECT_EQ(*kv_->ttlMs("default", "cache", "forever"), kTtlNone);
  EXPECT_EQ(*kv_->ttlMs("default", "cache", "none"), kTtlMissing);
  // KEEPTTL keeps, plain SET clears.
  ASSERT_TRUE(kv_->set("default", "cache", "long", "w", {.keep_ttl = true}).ok());
  EXPECT_GT(*kv_->ttlMs("default", "cache", "long"), 0);
  EXPECT_TRUE(*kv_->persist("default", "cache", "long"));
  EXPECT_EQ(*kv_->ttlMs("default", "cache", "long"), kTtlNone);
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(getValue("short"), "<absent>");
  EXPECT_EQ(*kv_->exists("default", "cache", {"short", "long", "forever"}), 2u);
  auto purged = kv_->purgeExpired(nowNanos() / 1'000'000, 100);
  ASSERT_TRUE(purged.ok()) << purged.status().toString();
  EXPECT_EQ(*purged, 1u);
  // An expire time in the past deletes.
  EXPECT_TRUE(*kv_->expireAt("default", "cache", "forever", now - 1));
  EXPECT_EQ(getValue("forever"), "<absent>");
  EXPECT_FALSE(*kv_->expireAt("default", "cache", "forever", now + 1000));
}

TEST_F(KvServiceTest, IncrAppendGetdel) {
  EXPECT_EQ(*kv_->incrBy("default", "cache", "n", 5), 5);
  EXPECT_EQ(*kv_->incrBy("default", "cache", "n", -7), -2);
  ASSERT_TRUE(kv_->set("default", "cache", "s", "abc").ok());
  EXPECT_EQ(kv_->incrBy("default", "cache", "s", 1).status().code(), Code::kInvalidArgument);
  ASSERT_TRUE(kv_->set("default", "cache", "max", std::to_string(INT64_MAX)).ok());
  EXPECT_EQ(kv_->incrBy("default", "cache", "max", 1).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(getValue("max"), std::to_string(INT64_MAX));
  EXPECT_EQ(*kv_->append("default", "cache", "s", "def"), 6u);
  EXPECT_EQ(*kv_->getdel("default", "cache", "s"), "abcdef");
  EXPECT_EQ(getValue("s"), "<absent>");
}

TEST_F(KvServiceTest, ConcurrentIncrementsLoseNothing) {
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (!kv_->incrBy("default", "cache", "counter", 1).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(getValue("counter"), std::to_string(kThreads * kEach));
}

TEST_F(KvServiceTest, ScanByPrefixWithCursorAndMsetMget) {
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < 25; ++i) pairs.push_back({"p:" + std::to_string(100 + i), "v"});
  pairs.push_back({"q:1", "v"});
  ASSERT_TRUE(*kv_->mset("default", "cache", pairs));
  EXPECT_FALSE(*kv_->mset("default", "cache", {{"q:1", "x"}, {"new", "y"}}, true));
  EXPECT_EQ(getValue("new"), "<absent>");
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto page = kv_->scan("default", "cache", "p:", cursor, 10);
    ASSERT_TRUE(page.ok());
    seen.insert(seen.end(), page->keys.begin(), page->keys.end());
    cursor = page->next_cursor;
  } while (!cursor.empty());
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "p:100");
  EXPECT_EQ(seen.back(), "p:124");
  EXPECT_EQ(*kv_->count("default", "cache"), 26u);
  auto values = kv_->mget("default", "cache", {"p:100", "zzz"});
  ASSERT_TRUE(values.ok());
  EXPECT_EQ((*values)[0], "v");
  EXPECT_FALSE((*values)[1].has_value());
}

}  // namespace
}  // namespace strata::kv
