// LockTable and SessionTable on a real RocksDB engine: conflicts, byte-range splitting,
// lease expiry releasing locks, and exactly one winner among racing acquirers.
#include <atomic>
#include <thread>

#include "fs/fs_test_env.h"
#include "fs/locks.h"
#include "fs/sessions.h"

namespace strata::fs {
namespace {

class LocksTest : public FsTest {
 protected:
  void SetUp() override {
    FsTest::SetUp();
    sessions_ = std::make_unique<SessionTable>(*engine_, [this] { return now_ms_.load(); });
    locks_ = std::make_unique<LockTable>(*engine_, *sessions_);
  }
  void TearDown() override {
    locks_.reset();
    sessions_.reset();
    FsTest::TearDown();
  }

  std::string session(int64_t lease_ms = 10000) {
    auto s = sessions_->create("default", lease_ms);
    EXPECT_TRUE(s.ok()) << s.status().toString();
    return s->id;
  }

  LockEntry req(const std::string& s, uint64_t owner, LockType type, LockKind kind = LockKind::kPosix,
                uint64_t start = 0, uint64_t end = kLockToEnd) {
    LockEntry l;
    l.session = s;
    l.owner = owner;
    l.type = type;
    l.kind = kind;
    l.start = start;
    l.end = end;
    return l;
  }

  bool granted(const LockEntry& r, InodeId ino = 7) {
    auto out = locks_->apply("default", "default", ino, r);
    EXPECT_TRUE(out.ok()) << out.status().toString();
    return out.ok() && !out->has_value();
  }

  std::atomic<int64_t> now_ms_{1'000'000};
  std::unique_ptr<SessionTable> sessions_;
  std::unique_ptr<LockTable> locks_;
};

TEST_F(LocksTest, SharedLocksCoexistExclusiveConflicts) {
  std::string a = session(), b = session();
  EXPECT_TRUE(granted(req(a, 1, LockType::kRead, LockKind::kFlock)));
  EXPECT_TRUE(granted(req(b, 1, LockType::kRead, LockKind::kFlock)));
  EXPECT_FALSE(granted(req(b, 2, LockType::kWrite, LockKind::kFlock)));
  EXPECT_TRUE(granted(req(a, 1, LockType::kUnlock, LockKind::kFlock)));
  EXPECT_TRUE(granted(req(b, 1, LockType::kWrite, LockKind::kFlock)));  // upgrade once alone
}

TEST_F(LocksTest, FlockAndPosixDoNotInteract) {
  std::string a = session(), b = session();
  EXPECT_TRUE(granted(req(a, 1, LockType::kWrite, LockKind::kFlock)));
  EXPECT_TRUE(granted(req(b, 1, LockType::kWrite, LockKind::kPosix)));
}

TEST_F(LocksTest, ByteRangesSplitAndTestReportsHolder) {
  std::string a = session(), b = session();
  LockEntry whole = req(a, 1, LockType::kWrite, LockKind::kPosix, 0, 99);
  whole.pid = 4242;
  EXPECT_TRUE(granted(whole));
  // Unlock the middle: [0,39] and [60,99] stay.
  EXPECT_TRUE(granted(req(a, 1, LockType::kUnlock, LockKind::kPosix, 40, 59)));
  EXPECT_TRUE(granted(req(b, 9, LockType::kWrite, LockKind::kPosix, 40, 59)));
  EXPECT_FALSE(granted(req(b, 9, LockType::kRead, LockKind::kPosix, 30, 45)));
  auto t = locks_->test("default", "default", 7, req(b, 9, LockType::kRead, LockKind::kPosix, 95, 200));
  ASSERT_OK(t);
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->start, 60u);
  EXPECT_EQ((*t)->end, 99u);
  EXPECT_EQ((*t)->pid, 4242u);
  auto all = locks_->list("default", "default", 7);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 3u);
}

TEST_F(LocksTest, ExpiredSessionReleasesItsLocks) {
  std::string a = session(2000), b = session(60000);
  EXPECT_TRUE(granted(req(a, 1, LockType::kWrite, LockKind::kFlock)));
  EXPECT_FALSE(granted(req(b, 1, LockType::kWrite, LockKind::kFlock)));
  now_ms_ += 1500;
  EXPECT_OK(sessions_->heartbeat("default", a));  // still alive: extends to +2000
  now_ms_ += 1500;
  EXPECT_FALSE(granted(req(b, 1, LockType::kWrite, LockKind::kFlock)));
  now_ms_ += 1000;  // a's lease lapsed
  EXPECT_TRUE(granted(req(b, 1, LockType::kWrite, LockKind::kFlock)));
  EXPECT_CODE(sessions_->heartbeat("default", a), kNotFound);
  // A dead session cannot take new locks.
  auto r = locks_->apply("default", "default", 8, req(a, 1, LockType::kRead, LockKind::kFlock));
  EXPECT_CODE(r, kNotFound);
}

TEST_F(LocksTest, EndedSessionReleasesAtOnce) {
  std::string a = session(), b = session();
  EXPECT_TRUE(granted(req(a, 1, LockType::kWrite)));
  EXPECT_OK(sessions_->end("default", a));
  EXPECT_TRUE(granted(req(b, 1, LockType::kWrite)));
}

TEST_F(LocksTest, RacingExclusiveAcquirersHaveOneWinner) {
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(session());
  for (int round = 0; round < 20; ++round) {
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        auto r = locks_->apply("default", "default", 100 + round, req(ids[i], 1, LockType::kWrite, LockKind::kFlock));
        if (r.ok() && !r->has_value()) ++winners;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << "round " << round;
  }
}

TEST_F(LocksTest, RecordCodecRoundTripsAndRejectsGarbage) {
  std::vector<LockEntry> in = {req("s-0123456789abcdef0123456789abcdef", 77, LockType::kRead, LockKind::kPosix, 5, 9)};
  auto out = decodeLocks(encodeLocks(in));
  ASSERT_OK(out);
  ASSERT_EQ(out->size(), 1u);
  EXPECT_EQ((*out)[0].owner, 77u);
  EXPECT_EQ((*out)[0].end, 9u);
  EXPECT_CODE(decodeLocks(encodeLocks(in) + "x"), kCorruption);
  EXPECT_CODE(decodeLocks("\x02"), kCorruption);
}

TEST_F(LocksTest, BadLeaseRejected) {
  EXPECT_CODE(sessions_->create("default", 10), kInvalidArgument);
  EXPECT_CODE(sessions_->heartbeat("default", "nonsense"), kNotFound);
}

}  // namespace
}  // namespace strata::fs
