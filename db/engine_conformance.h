// The db::Engine conformance suite: the promises of db/engine.h as typed tests that every
// backend must pass. A backend instantiates it in its own test file with one line:
//
//   INSTANTIATE_TYPED_TEST_SUITE_P(RocksDb, EngineConformance, ::testing::Types<RocksDbFactory>);
//
// The type parameter is a Factory:
//
//   struct MyFactory {
//     MyFactory();                                  // creates a fresh, empty store
//     ~MyFactory();                                 // removes it
//     Result<std::unique_ptr<Engine>> open();       // opens that store; calling it again after
//   };                                              // the previous Engine is destroyed reopens it
//
// Each test gets its own Factory object, so tests never see each other's keys.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "db/engine.h"

namespace strata::db {

template <class Factory>
class EngineConformance : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    auto engine = factory_.open();
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(engine).value();
  }
  void reopen() {
    engine_.reset();
    open();
  }

  // Commits one put in its own transaction.
  void put(std::string_view key, std::string_view value) {
    Status s = engine_->run([&](Transaction& t) { return t.put(key, value); });
    ASSERT_TRUE(s.ok()) << s.toString();
  }
  // The latest committed value, "<absent>" when there is none.
  std::string get(std::string_view key) {
    auto v = engine_->get(key);
    EXPECT_TRUE(v.ok()) << v.status().toString();
    return v.ok() && v->has_value() ? **v : "<absent>";
  }
  static std::vector<std::string> keysOf(const Result<std::vector<KeyValue>>& r) {
    EXPECT_TRUE(r.ok()) << r.status().toString();
    std::vector<std::string> keys;
    if (r.ok()) for (const auto& kv : *r) keys.push_back(kv.key);
    return keys;
  }

  Factory factory_;
  std::unique_ptr<Engine> engine_;
};

TYPED_TEST_SUITE_P(EngineConformance);

using Keys = std::vector<std::string>;

TYPED_TEST_P(EngineConformance, GetPutDelete) {
  EXPECT_EQ(this->get("a"), "<absent>");
  this->put("a", "1");
  EXPECT_EQ(this->get("a"), "1");
  this->put("a", "2");  // overwrite
  EXPECT_EQ(this->get("a"), "2");
  this->put("empty", "");  // an empty value is present, not absent
  EXPECT_EQ(this->get("empty"), "");
  ASSERT_TRUE(this->engine_->run([](Transaction& t) { return t.del("a"); }).ok());
  EXPECT_EQ(this->get("a"), "<absent>");
  // Deleting an absent key is not an error.
  ASSERT_TRUE(this->engine_->run([](Transaction& t) { return t.del("never-there"); }).ok());
}

TYPED_TEST_P(EngineConformance, LargeValue) {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 % 251);
  this->put("big", big);
  EXPECT_EQ(this->get("big"), big);
}

TYPED_TEST_P(EngineConformance, BinaryKeysAreOrderedBytewise) {
  // Inserted out of order; expected in memcmp order with shorter-first.
  Keys sorted = {std::string(""), std::string("\0", 1), std::string("\0\0", 2), "a",
                 std::string("a\0", 2), "a\x01", "ab", "b", "\x7f", "\x80", "\xff",
                 "\xff\xff", std::string("\xff\xff\0", 3)};
  for (size_t i = 0; i < sorted.size(); ++i) {
    const std::string& k = sorted[(i * 7) % sorted.size()];  // 7 is coprime with 13
    this->put(k, "v" + k);
  }
  for (const auto& k : sorted) EXPECT_EQ(this->get(k), "v" + k);
  EXPECT_EQ(this->keysOf(this->engine_->scan("", "")), sorted);
  Keys reversed(sorted.rbegin(), sorted.rend());
  EXPECT_EQ(this->keysOf(this->engine_->scan("", "", {.limit = 100, .reverse = true})), reversed);
}

TYPED_TEST_P(EngineConformance, ScanRangesLimitsAndDirection) {
  for (int i = 0; i < 20; ++i) this->put("k" + std::string(i < 10 ? "0" : "") + std::to_string(i), "v");
  auto& e = *this->engine_;
  EXPECT_EQ(this->keysOf(e.scan("k05", "k10")), (Keys{"k05", "k06", "k07", "k08", "k09"}));
  EXPECT_EQ(this->keysOf(e.scan("k05", "k10", {.limit = 2})), (Keys{"k05", "k06"}));
  EXPECT_EQ(this->keysOf(e.scan("k05", "k10", {.limit = 3, .reverse = true})),
            (Keys{"k09", "k08", "k07"}));
  // Bounds need not be existing keys.
  EXPECT_EQ(this->keysOf(e.scan("k055", "k075")), (Keys{"k06", "k07"}));
  EXPECT_EQ(this->keysOf(e.scan("k055", "k075", {.reverse = true})), (Keys{"k07", "k06"}));
  // Empty end: to the end of the key space, both directions.
  EXPECT_EQ(this->keysOf(e.scan("k17", "")), (Keys{"k17", "k18", "k19"}));
  EXPECT_EQ(this->keysOf(e.scan("k17", "", {.reverse = true})), (Keys{"k19", "k18", "k17"}));
  EXPECT_EQ(this->keysOf(e.scan("", "", {.limit = 1, .reverse = true})), (Keys{"k19"}));
  // Empty and inverted ranges, zero limit.
  EXPECT_TRUE(this->keysOf(e.scan("k05", "k05")).empty());
  EXPECT_TRUE(this->keysOf(e.scan("k10", "k05")).empty());
  EXPECT_TRUE(this->keysOf(e.scan("k10", "k05", {.reverse = true})).empty());
  EXPECT_TRUE(this->keysOf(e.scan("", "", {.limit = 0})).empty());
  EXPECT_TRUE(this->keysOf(e.scan("x", "")).empty());
  // Values come back with their keys.
  auto r = e.scan("k00", "k01");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].value, "v");
}

TYPED_TEST_P(EngineConformance, PrefixEnd) {
  EXPECT_EQ(prefixEnd("abc"), "abd");
  EXPECT_EQ(prefixEnd(std::string("a\0", 2)), "a\x01");
  EXPECT_EQ(prefixEnd("ab\xff"), "ac");
  EXPECT_EQ(prefixEnd("a\xff\xff"), "b");
  EXPECT_EQ(prefixEnd("\xff\xff"), "");
  EXPECT_EQ(prefixEnd(""), "");
  Keys inside = {"ab", std::string("ab\0", 3), "ab\xff", "ab\xff\xff\xff"};
  for (const auto& k : inside) this->put(k, "in");
  for (const auto& k : {"aa\xff", "ac", "b"}) this->put(k, "out");
  EXPECT_EQ(this->keysOf(this->engine_->scan("ab", prefixEnd("ab"))), inside);
  // A prefix of only 0xff bytes scans to the end of the key space.
  this->put("\xff\x01", "x");
  EXPECT_EQ(this->keysOf(this->engine_->scan("\xff", prefixEnd("\xff"))), (Keys{"\xff\x01"}));
}

TYPED_TEST_P(EngineConformance, ReadYourWritesInsideTransaction) {
  this->put("a", "old");
  auto txn = this->engine_->begin();
  ASSERT_TRUE(txn->put("a", "new").ok());
  ASSERT_TRUE(txn->put("b", "fresh").ok());
  auto a = txn->get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->value_or("<absent>"), "new");
  EXPECT_EQ(txn->get("b")->value_or("<absent>"), "fresh");
  ASSERT_TRUE(txn->del("b").ok());
  EXPECT_FALSE(txn->get("b")->has_value());
  // Nothing is visible outside before commit.
  EXPECT_EQ(this->get("a"), "old");
  ASSERT_TRUE(txn->commit().ok());
  EXPECT_EQ(this->get("a"), "new");
  EXPECT_EQ(this->get("b"), "<absent>");
}

TYPED_TEST_P(EngineConformance, ScanMergesOwnUncommittedWrites) {
  for (auto k : {"p1", "p3", "p5", "p7", "q0"}) this->put(k, "committed");
  auto txn = this->engine_->begin();
  ASSERT_TRUE(txn->put("p2", "mine").ok());  // new key inside the range
  ASSERT_TRUE(txn->put("p3", "mine").ok());  // overwrite
  ASSERT_TRUE(txn->del("p5").ok());          // delete of a committed key
  ASSERT_TRUE(txn->put("p9", "mine").ok());
  ASSERT_TRUE(txn->put("q5", "mine").ok());  // outside the range: must not leak in
  ASSERT_TRUE(txn->put("o9", "mine").ok());  // below the range

  auto r = txn->scan("p", prefixEnd("p"));
  ASSERT_TRUE(r.ok()) << r.status().toString();
  std::vector<std::pair<std::string, std::string>> got;
  for (auto& kv : *r) got.emplace_back(kv.key, kv.value);
  std::vector<std::pair<std::string, std::string>> want = {
      {"p1", "committed"}, {"p2", "mine"}, {"p3", "mine"}, {"p7", "committed"}, {"p9", "mine"}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(this->keysOf(txn->scan("p", "q", {.reverse = true})), (Keys{"p9", "p7", "p3", "p2", "p1"}));
  EXPECT_EQ(this->keysOf(txn->scan("p", "q", {.limit = 2, .reverse = true})), (Keys{"p9", "p7"}));
  EXPECT_EQ(this->keysOf(txn->scan("p4", "p8")), (Keys{"p7"}));  // p5 deleted, p4/p8 absent
  EXPECT_EQ(this->keysOf(txn->scan("", "", {.reverse = true})),
            (Keys{"q5", "q0", "p9", "p7", "p3", "p2", "p1", "o9"}));
  // Others still see only committed state.
  EXPECT_EQ(this->keysOf(this->engine_->scan("p", "q")), (Keys{"p1", "p3", "p5", "p7"}));
}

TYPED_TEST_P(EngineConformance, SnapshotIsolation) {
  this->put("x", "1");
  this->put("r1", "a");
  auto reader = this->engine_->begin();
  // Commits after `reader` began are invisible to it, to get() and to scan() alike.
  this->put("x", "2");
  this->put("r2", "b");
  ASSERT_TRUE(this->engine_->run([](Transaction& t) { return t.del("r1"); }).ok());
  EXPECT_EQ(reader->get("x")->value_or("<absent>"), "1");
  EXPECT_EQ(this->keysOf(reader->scan("r", "s")), (Keys{"r1"}));
  // Outside the transaction the new state is visible.
  EXPECT_EQ(this->get("x"), "2");
  EXPECT_EQ(this->keysOf(this->engine_->scan("r", "s")), (Keys{"r2"}));
}

TYPED_TEST_P(EngineConformance, ConflictingWritesOneWins) {
  auto a = this->engine_->begin();
  auto b = this->engine_->begin();
  ASSERT_TRUE(a->put("k", "a").ok());
  ASSERT_TRUE(a->commit().ok());
  // b began before a committed and writes the same key (a blind write): kConflict.
  Status s = b->put("k", "b");
  if (s.ok()) s = b->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
  EXPECT_EQ(this->get("k"), "a");
}

TYPED_TEST_P(EngineConformance, ReadSetConflict) {
  this->put("balance", "10");
  auto a = this->engine_->begin();
  ASSERT_EQ(a->get("balance")->value_or(""), "10");
  this->put("balance", "0");  // someone else spends it
  // a decides from a stale read and writes another key: kConflict, and its write is dropped.
  Status s = a->put("receipt", "spent 10");
  if (s.ok()) s = a->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
  EXPECT_EQ(this->get("receipt"), "<absent>");
}

TYPED_TEST_P(EngineConformance, ReadingAnAbsentKeyIsTracked) {
  auto a = this->engine_->begin();
  ASSERT_FALSE(a->get("lock")->has_value());
  this->put("lock", "taken");
  Status s = a->put("lock-owner", "a");
  if (s.ok()) s = a->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
}

TYPED_TEST_P(EngineConformance, NoWriteSkew) {
  // Two transactions each read both keys and write one of them: serializable point reads mean
  // at most one of them may commit.
  this->put("on-call-alice", "yes");
  this->put("on-call-bob", "yes");
  auto a = this->engine_->begin();
  auto b = this->engine_->begin();
  for (auto* t : {a.get(), b.get()}) {
    ASSERT_EQ(t->get("on-call-alice")->value_or(""), "yes");
    ASSERT_EQ(t->get("on-call-bob")->value_or(""), "yes");
  }
  ASSERT_TRUE(a->put("on-call-alice", "no").ok());
  Status sb = b->put("on-call-bob", "no");
  Status sa = a->commit();
  if (sb.ok()) sb = b->commit();
  EXPECT_TRUE(sa.ok()) << sa.toString();
  EXPECT_EQ(sb.code(), Code::kConflict) << sb.toString();
  EXPECT_EQ(this->get("on-call-bob"), "yes");
}

TYPED_TEST_P(EngineConformance, UnrelatedTransactionsDoNotConflict) {
  this->put("a", "0");
  this->put("b", "0");
  auto t1 = this->engine_->begin();
  auto t2 = this->engine_->begin();
  ASSERT_TRUE(t1->get("a").ok());
  ASSERT_TRUE(t2->get("b").ok());
  ASSERT_TRUE(t1->put("a", "1").ok());
  ASSERT_TRUE(t2->put("b", "2").ok());
  // Scans are not in the read set: t2 scanning over "a" does not conflict with t1.
  ASSERT_TRUE(t2->scan("", "").ok());
  EXPECT_TRUE(t1->commit().ok());
  EXPECT_TRUE(t2->commit().ok());
  EXPECT_EQ(this->get("a"), "1");
  EXPECT_EQ(this->get("b"), "2");
}

TYPED_TEST_P(EngineConformance, RunRetriesAConflictAndSucceeds) {
  this->put("n", "0");
  int attempts = 0;
  Status s = this->engine_->run([&](Transaction& t) -> Status {
    ++attempts;
    ASSIGN_OR_RETURN(auto n, t.get("n"));
    if (attempts == 1) {
      // A competing writer commits between our read and our commit.
      Status other = this->engine_->run([](Transaction& o) { return o.put("n", "100"); });
      if (!other.ok()) return other;
    }
    return t.put("n", std::to_string(std::stoi(n.value_or("0")) + 1));
  });
  ASSERT_TRUE(s.ok()) << s.toString();
  EXPECT_EQ(attempts, 2);
  EXPECT_EQ(this->get("n"), "101");  // the retry saw the competing write: no lost update
}

TYPED_TEST_P(EngineConformance, RunGivesUpAfterMaxAttempts) {
  int attempts = 0;
  Status s = this->engine_->run(
      [&](Transaction& t) -> Status {
        ++attempts;
        return conflict("always");
      },
      {.max_attempts = 3});
  EXPECT_EQ(s.code(), Code::kConflict);
  EXPECT_EQ(attempts, 3);
}

TYPED_TEST_P(EngineConformance, ErrorFromBodyAbortsWithoutCommitting) {
  int attempts = 0;
  Status s = this->engine_->run([&](Transaction& t) -> Status {
    ++attempts;
    RETURN_IF_ERROR(t.put("half", "written"));
    return notFound("no such parent");
  });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(s.message(), "no such parent");
  EXPECT_EQ(attempts, 1);  // only conflicts are retried
  EXPECT_EQ(this->get("half"), "<absent>");
  // A transaction destroyed without commit() leaves nothing behind either.
  {
    auto t = this->engine_->begin();
    ASSERT_TRUE(t->put("dropped", "x").ok());
  }
  EXPECT_EQ(this->get("dropped"), "<absent>");
}

TYPED_TEST_P(EngineConformance, TransactionIsSpentAfterCommit) {
  auto t = this->engine_->begin();
  ASSERT_TRUE(t->put("a", "1").ok());
  ASSERT_TRUE(t->commit().ok());
  EXPECT_FALSE(t->put("a", "2").ok());
  EXPECT_FALSE(t->commit().ok());
  EXPECT_EQ(this->get("a"), "1");
}

TYPED_TEST_P(EngineConformance, ConcurrentIncrementsLoseNoUpdate) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < kIncrements; ++j) {
        Status s = this->engine_->run(
            [](Transaction& t) -> Status {
              ASSIGN_OR_RETURN(auto v, t.get("counter"));
              return t.put("counter", std::to_string(std::stoll(v.value_or("0")) + 1));
            },
            {.max_attempts = 1000});
        if (!s.ok()) failures++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(this->get("counter"), std::to_string(kThreads * kIncrements));
}

TYPED_TEST_P(EngineConformance, ConcurrentTransfersKeepTheTotal) {
  // Money moves between 4 accounts from 8 threads; a scan in a transaction must always see
  // a consistent total (snapshot), and the final total is exact.
  constexpr int kAccounts = 4, kThreads = 8, kTransfers = 40;
  for (int i = 0; i < kAccounts; ++i) this->put("acct/" + std::to_string(i), "100");
  std::atomic<int> failures{0}, inconsistent{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kTransfers; ++j) {
        std::string from = "acct/" + std::to_string((i + j) % kAccounts);
        std::string to = "acct/" + std::to_string((i + j + 1) % kAccounts);
        Status s = this->engine_->run(
            [&](Transaction& t) -> Status {
              ASSIGN_OR_RETURN(auto a, t.get(from));
              ASSIGN_OR_RETURN(auto b, t.get(to));
              RETURN_IF_ERROR(t.put(from, std::to_string(std::stoi(*a) - 1)));
              return t.put(to, std::to_string(std::stoi(*b) + 1));
            },
            {.max_attempts = 1000});
        if (!s.ok()) failures++;
        auto txn = this->engine_->begin();
        auto all = txn->scan("acct/", prefixEnd("acct/"));
        int total = 0;
        if (all.ok()) for (auto& kv : *all) total += std::stoi(kv.value);
        if (!all.ok() || total != 100 * kAccounts) inconsistent++;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(inconsistent.load(), 0);
  int total = 0;
  auto all = this->engine_->scan("acct/", prefixEnd("acct/"));
  ASSERT_TRUE(all.ok());
  for (auto& kv : *all) total += std::stoi(kv.value);
  EXPECT_EQ(total, 100 * kAccounts);
}

TYPED_TEST_P(EngineConformance, DurableAcrossReopen) {
  for (int i = 0; i < 100; ++i) this->put("d" + std::to_string(i), std::string(1000, 'a' + i % 26));
  ASSERT_TRUE(this->engine_->run([](Transaction& t) { return t.del("d7"); }).ok());
  this->reopen();
  EXPECT_EQ(this->get("d0"), std::string(1000, 'a'));
  EXPECT_EQ(this->get("d99"), std::string(1000, 'a' + 99 % 26));
  EXPECT_EQ(this->get("d7"), "<absent>");
  EXPECT_EQ(this->keysOf(this->engine_->scan("d", "e", {.limit = 1000})).size(), 99u);
  // And the reopened engine still takes transactions.
  this->put("after", "reopen");
  EXPECT_EQ(this->get("after"), "reopen");
}

TYPED_TEST_P(EngineConformance, WriteBatchAppliesAllInOrder) {
  this->put("gone", "x");
  WriteBatch batch;
  EXPECT_TRUE(batch.empty());
  ASSERT_TRUE(this->engine_->write(batch).ok());  // an empty batch is a no-op
  batch.put("a", "1");
  batch.put("b", std::string("\0bin\xff", 5));
  batch.put("a", "2");  // a later operation on a key wins
  batch.del("gone");
  batch.put("empty", "");
  EXPECT_EQ(batch.count(), 5u);
  ASSERT_TRUE(this->engine_->write(batch, Durability::kBuffered).ok());
  EXPECT_EQ(this->get("a"), "2");
  EXPECT_EQ(this->get("b"), std::string("\0bin\xff", 5));
  EXPECT_EQ(this->get("gone"), "<absent>");
  EXPECT_EQ(this->get("empty"), "");
  // A cleared batch is empty and reusable.
  batch.clear();
  EXPECT_TRUE(batch.empty());
  batch.del("a");
  ASSERT_TRUE(this->engine_->write(batch).ok());
  EXPECT_EQ(this->get("a"), "<absent>");
}

TYPED_TEST_P(EngineConformance, WriteBatchConflictsWithTrackedRead) {
  // A read-modify-write transaction (an INCR) that read a key a batch then overwrote must fail:
  // committing it would lose the batch's write.
  this->put("counter", "1");
  auto incr = this->engine_->begin();
  ASSERT_EQ(incr->get("counter")->value_or(""), "1");
  WriteBatch batch;
  batch.put("counter", "100");
  ASSERT_TRUE(this->engine_->write(batch, Durability::kBuffered).ok());
  Status s = incr->put("counter", "2");
  if (s.ok()) s = incr->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
  EXPECT_EQ(this->get("counter"), "100");
  // The same for a key that was absent when read, and for a key only in the write set.
  auto create = this->engine_->begin();
  ASSERT_FALSE(create->get("fresh")->has_value());
  auto blind = this->engine_->begin();
  ASSERT_TRUE(blind->put("other", "t").ok());
  batch.clear();
  batch.put("fresh", "batch");
  batch.put("other", "batch");
  ASSERT_TRUE(this->engine_->write(batch).ok());
  s = create->put("fresh", "txn");
  if (s.ok()) s = create->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
  s = blind->commit();
  EXPECT_EQ(s.code(), Code::kConflict) << s.toString();
  EXPECT_EQ(this->get("fresh"), "batch");
  EXPECT_EQ(this->get("other"), "batch");
}

TYPED_TEST_P(EngineConformance, WriteBatchLeavesUnrelatedTransactionsAlone) {
  auto txn = this->engine_->begin();
  ASSERT_FALSE(txn->get("mine")->has_value());
  WriteBatch batch;
  batch.put("theirs", "1");
  ASSERT_TRUE(this->engine_->write(batch).ok());
  ASSERT_TRUE(txn->put("mine", "1").ok());
  Status s = txn->commit();
  EXPECT_TRUE(s.ok()) << s.toString();
  EXPECT_EQ(this->get("mine"), "1");
  EXPECT_EQ(this->get("theirs"), "1");
}

TYPED_TEST_P(EngineConformance, ConcurrentBatchesAndIncrementsLoseNoIncrement) {
  // Incrementing transactions read a marker that a concurrent writer keeps overwriting with
  // batches, so they keep conflicting with batch writes: every conflict must be detected and
  // retried (never a lost increment), and the batches must never undo an increment.
  constexpr int kThreads = 4, kIncrements = 50;
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    WriteBatch batch;
    for (int i = 0; !stop.load(); ++i) {
      batch.clear();
      batch.put("marker", std::to_string(i));
      batch.put("w" + std::to_string(i % 10), "x");
      ASSERT_TRUE(this->engine_->write(batch, Durability::kBuffered).ok());
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        Status s = this->engine_->run([](Transaction& txn) -> Status {
          ASSIGN_OR_RETURN(auto marker, txn.get("marker"));
          ASSIGN_OR_RETURN(auto v, txn.get("n"));
          int n = v ? std::stoi(*v) : 0;
          return txn.put("n", std::to_string(n + 1));
        }, {.max_attempts = 10000});
        ASSERT_TRUE(s.ok()) << s.toString();
      }
    });
  }
  for (auto& t : threads) t.join();
  stop = true;
  writer.join();
  EXPECT_EQ(this->get("n"), std::to_string(kThreads * kIncrements));
}

TYPED_TEST_P(EngineConformance, WriteBatchDurableAcrossReopen) {
  WriteBatch batch;
  for (int i = 0; i < 50; ++i) batch.put("b" + std::to_string(i), std::string(500, 'a' + i % 26));
  ASSERT_TRUE(this->engine_->write(batch, Durability::kBuffered).ok());
  this->reopen();
  EXPECT_EQ(this->get("b0"), std::string(500, 'a'));
  EXPECT_EQ(this->get("b49"), std::string(500, 'a' + 49 % 26));
}

REGISTER_TYPED_TEST_SUITE_P(EngineConformance, GetPutDelete, LargeValue, BinaryKeysAreOrderedBytewise,
                            ScanRangesLimitsAndDirection, PrefixEnd, ReadYourWritesInsideTransaction,
                            ScanMergesOwnUncommittedWrites, SnapshotIsolation,
                            ConflictingWritesOneWins, ReadSetConflict, ReadingAnAbsentKeyIsTracked,
                            NoWriteSkew, UnrelatedTransactionsDoNotConflict,
                            RunRetriesAConflictAndSucceeds, RunGivesUpAfterMaxAttempts,
                            ErrorFromBodyAbortsWithoutCommitting, TransactionIsSpentAfterCommit,
                            ConcurrentIncrementsLoseNoUpdate, ConcurrentTransfersKeepTheTotal,
                            DurableAcrossReopen, WriteBatchAppliesAllInOrder,
                            WriteBatchConflictsWithTrackedRead,
                            WriteBatchLeavesUnrelatedTransactionsAlone,
                            ConcurrentBatchesAndIncrementsLoseNoIncrement,
                            WriteBatchDurableAcrossReopen);

}  // namespace strata::db
