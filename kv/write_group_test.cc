#include "kv/write_group.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::kv {
namespace {

class WriteGroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = db::openRocksDbEngine(dir_.sub("meta"), {.sync = false});
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(*engine);
    kv_ = std::make_unique<KvService>(*engine_);
    ASSERT_TRUE(kv_->createNamespace("default", "cache").ok());
    auto ref = kv_->resolveNamespace("default", "cache");
    ASSERT_TRUE(ref.ok()) << ref.status().toString();
    ns_ = std::move(*ref);
  }

  std::string value(std::string_view key, std::string_view ns = "cache") {
    auto r = kv_->get("default", ns, key);
    EXPECT_TRUE(r.ok()) << r.status().toString();
    return r.ok() && r->has_value() ? (*r)->value : "<absent>";
  }

  TempDir dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<KvService> kv_;
  NamespaceRef ns_;
};

TEST_F(WriteGroupTest, SetsAreVisibleToTheRestApiAfterCommit) {
  WriteGroup group(*kv_);
  size_t a = group.set(ns_, "a", "1");
  const std::string pairs[] = {"m1", "x", "m2", std::string("\0y", 2)};
  size_t m = group.mset(ns_, pairs, 4);
  size_t a2 = group.set(ns_, "a", "2");  // later wins
  EXPECT_EQ(value("a"), "<absent>");     // nothing before commit
  group.commit();
  for (size_t i : {a, m, a2}) EXPECT_TRUE(group.outcome(i).status.ok()) << group.outcome(i).status.toString();
  EXPECT_EQ(value("a"), "2");
  EXPECT_EQ(value("m1"), "x");
  EXPECT_EQ(value("m2"), std::string("\0y", 2));
  group.clear();
  EXPECT_TRUE(group.empty());
}

TEST_F(WriteGroupTest, IncrementsSeeEarlierOperationsOfTheGroup) {
  ASSERT_TRUE(kv_->set("default", "cache", "ttl", "5", {.expire_at_ms = nowNanos() / 1'000'000 + 60'000}).ok());
  WriteGroup group(*kv_);
  size_t i1 = group.incrBy(ns_, "n", 1);
  size_t s = group.set(ns_, "n", "10");
  size_t i2 = group.incrBy(ns_, "n", 5);
  size_t i3 = group.incrBy(ns_, "n", -20);
  size_t bad = group.set(ns_, "text", "abc");
  size_t i4 = group.incrBy(ns_, "text", 1);  // not an integer: this op fails alone
  size_t i5 = group.incrBy(ns_, "ttl", 1);
  group.commit();
  EXPECT_EQ(group.outcome(i1).integer, 1);
  EXPECT_TRUE(group.outcome(s).status.ok());
  EXPECT_EQ(group.outcome(i2).integer, 15);
  EXPECT_EQ(group.outcome(i3).integer, -5);
  EXPECT_TRUE(group.outcome(bad).status.ok());
  EXPECT_EQ(group.outcome(i4).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(group.kind(i4), WriteGroup::Kind::kIncr);
  EXPECT_EQ(group.outcome(i5).integer, 6);
  EXPECT_EQ(value("n"), "-5");
  EXPECT_EQ(value("text"), "abc");
  // INCR keeps the expiry, as Redis does.
  auto ttl = kv_->ttlMs("default", "cache", "ttl");
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(*ttl, 0);
}

TEST_F(WriteGroupTest, GetsSeeExactlyTheOperationsQueuedBeforeThem) {
  ASSERT_TRUE(kv_->set("default", "cache", "k", "old").ok());
  ASSERT_TRUE(kv_->set("default", "cache", "gone", "v", {.expire_at_ms = nowNanos() / 1'000'000 - 1}).ok());
  WriteGroup group(*kv_);
  size_t g1 = group.get(ns_, "k");
  size_t g2 = group.get(ns_, "k");
  group.set(ns_, "k", "new");
  size_t g3 = group.get(ns_, "k");
  group.incrBy(ns_, "n", 7);
  size_t g4 = group.get(ns_, "n");
  group.incrBy(ns_, "n", 1);
  size_t g5 = group.get(ns_, "n");
  size_t missing = group.get(ns_, "missing");
  size_t expired = group.get(ns_, "gone");
  size_t too_long = group.get(ns_, std::string(kMaxKeyBytes + 1, 'k'));
  EXPECT_EQ(group.reads(), 7u);  // the oversized key failed at once
  group.commit();
  auto got = [&](size_t i) {
    EXPECT_TRUE(group.outcome(i).status.ok()) << group.outcome(i).status.toString();
    return group.outcome(i).found ? std::string(group.value(i)) : "<absent>";
  };
  EXPECT_EQ(got(g1), "old");
  EXPECT_EQ(got(g2), "old");
  EXPECT_EQ(got(g3), "new");
  EXPECT_EQ(got(g4), "7");
  EXPECT_EQ(got(g5), "8");
  EXPECT_EQ(got(missing), "<absent>");
  EXPECT_EQ(got(expired), "<absent>");
  EXPECT_EQ(group.outcome(too_long).status.code(), Code::kTooLarge);
  EXPECT_EQ(value("k"), "new");
  EXPECT_EQ(value("n"), "8");
}

TEST_F(WriteGroupTest, RepeatedWritesToOneKeyLeaveTheLastStateAndItsExpiry) {
  const int64_t later = nowNanos() / 1'000'000 + 60'000;
  WriteGroup group(*kv_);
  for (int i = 0; i < 100; ++i) group.set(ns_, "hot", std::to_string(i));
  group.set(ns_, "ttl", "1", later);
  size_t inc = group.incrBy(ns_, "ttl", 1);  // keeps the expiry of the SET before it
  group.set(ns_, "plain", "x", later);
  group.set(ns_, "plain", "y");  // clears it
  group.commit();
  EXPECT_EQ(group.outcome(inc).integer, 2);
  EXPECT_EQ(value("hot"), "99");
  EXPECT_EQ(value("ttl"), "2");
  auto ttl = kv_->ttlMs("default", "cache", "ttl");
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(*ttl, 0);
  auto plain = kv_->ttlMs("default", "cache", "plain");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, kTtlNone);
}

TEST_F(WriteGroupTest, OverflowAndLimitsFailOnlyTheirOperation) {
  ASSERT_TRUE(kv_->set("default", "cache", "max", std::to_string(INT64_MAX)).ok());
  WriteGroup group(*kv_);
  size_t over = group.incrBy(ns_, "max", 1);
  size_t big = group.set(ns_, "big", std::string(kMaxValueBytes + 1, 'v'));
  size_t empty_key = group.set(ns_, "", "v");
  size_t failed = group.fail(invalidArgument("syntax error"));
  size_t ok = group.set(ns_, "fine", "v");
  group.commit();
  EXPECT_EQ(group.outcome(over).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(group.outcome(big).status.code(), Code::kTooLarge);
  EXPECT_EQ(group.outcome(empty_key).status.code(), Code::kInvalidArgument);
  EXPECT_EQ(group.outcome(failed).status.message(), "syntax error");
  EXPECT_TRUE(group.outcome(ok).status.ok());
  EXPECT_EQ(value("max"), std::to_string(INT64_MAX));
  EXPECT_EQ(value("big"), "<absent>");
  EXPECT_EQ(value("fine"), "v");
}

TEST_F(WriteGroupTest, ExpiringSetsExpire) {
  WriteGroup group(*kv_);
  group.set(ns_, "short", "v", nowNanos() / 1'000'000 + 50);
  group.commit();
  EXPECT_EQ(value("short"), "v");
  std::this_thread::sleep_for(std::chrono::milliseconds(80));
  EXPECT_EQ(value("short"), "<absent>");
  // The expiry index lets the sweeper remove the record.
  auto purged = kv_->purgeExpired(nowNanos() / 1'000'000, 100);
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);
}

TEST_F(WriteGroupTest, DeletedNamespaceRefusesLaterWritesAndRecreatedOneIsFollowed) {
  ASSERT_TRUE(kv_->deleteNamespace("default", "cache").ok());
  WriteGroup group(*kv_);
  size_t i = group.set(ns_, "k", "v");
  group.commit();
  EXPECT_EQ(group.outcome(i).status.code(), Code::kNotFound);
  EXPECT_EQ(kv_->get(ns_, "k").status().code(), Code::kNotFound);
  // Created again under the same name: the connection's reference follows the name (a new
  // id, so none of the old keys).
  ASSERT_TRUE(kv_->createNamespace("default", "cache").ok());
  group.clear();
  i = group.set(ns_, "k", "new");
  group.commit();
  EXPECT_TRUE(group.outcome(i).status.ok());
  EXPECT_EQ(value("k"), "new");
}

TEST_F(WriteGroupTest, ConcurrentGroupsAndTransactionsLoseNoIncrement) {
  // Two "I/O threads" committing groups of INCRs on the same keys, and the REST path's
  // transactions incrementing them too: every increment counts once.
  constexpr int kRounds = 200;
  auto groups = [&] {
    NamespaceRef ref = *kv_->resolveNamespace("default", "cache");
    WriteGroup group(*kv_);
    for (int r = 0; r < kRounds; ++r) {
      for (int k = 0; k < 3; ++k) group.incrBy(ref, "c" + std::to_string(k), 1);
      group.set(ref, "blind" + std::to_string(r % 7), "x");
      group.commit();
      for (size_t i = 0; i < group.size(); ++i) ASSERT_TRUE(group.outcome(i).status.ok());
      group.clear();
    }
  };
  std::thread a(groups), b(groups);
  std::thread rest([&] {
    for (int r = 0; r < kRounds; ++r) ASSERT_TRUE(kv_->incrBy("default", "cache", "c1", 1).ok());
  });
  a.join();
  b.join();
  rest.join();
  EXPECT_EQ(value("c0"), std::to_string(2 * kRounds));
  EXPECT_EQ(value("c1"), std::to_string(3 * kRounds));
  EXPECT_EQ(value("c2"), std::to_string(2 * kRounds));
}

}  // namespace
}  // namespace strata::kv
