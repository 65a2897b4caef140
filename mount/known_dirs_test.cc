#include "mount/known_dirs.h"

#include <gtest/gtest.h>

#include <string>

#include "common/clock.h"

namespace strata::mount {
namespace {

constexpr int64_t kLong = 3600'000'000'000;  // an hour: never expires during a test

TEST(KnownDirs, UsedOnceThisMountFillsTheDirectory) {
  KnownDirs known(kLong);
  EXPECT_FALSE(known.absent(7, "a"));  // nothing known yet: ask the server
  known.madeEmpty(7, 1, monotonicNanos());
  EXPECT_FALSE(known.absent(7, "a"));  // made, not yet filled here: others may be filling it
  known.added(7, "sub", 2, monotonicNanos(), false);
  EXPECT_FALSE(known.absent(7, "a"));  // a subdirectory (mkdir -p) does not count
  known.added(7, "b", 3, monotonicNanos(), true);
  EXPECT_FALSE(known.absent(7, "sub"));
  EXPECT_TRUE(known.absent(7, "a"));
  EXPECT_FALSE(known.absent(8, "a"));
}

TEST(KnownDirs, OwnChangesExtendTheSet) {
  KnownDirs known(kLong);
  known.madeEmpty(7, 1, monotonicNanos());
  known.added(7, "a", 2, monotonicNanos(), true);
  known.added(7, "b", 3, monotonicNanos(), true);
  EXPECT_FALSE(known.absent(7, "a"));
  EXPECT_FALSE(known.absent(7, "b"));
  EXPECT_TRUE(known.absent(7, "c"));
}

TEST(KnownDirs, VersionGapDropsKnowledge) {
  KnownDirs known(kLong);
  known.madeEmpty(7, 1, monotonicNanos());
  known.added(7, "a", 3, monotonicNanos(), true);  // someone else changed the directory in between
  EXPECT_FALSE(known.absent(7, "x"));
  known.added(7, "b", 4, monotonicNanos(), true);  // and it does not come back
  EXPECT_FALSE(known.absent(7, "x"));
}

TEST(KnownDirs, AnswersOutOfOrderDropKnowledge) {
  KnownDirs known(kLong);
  known.madeEmpty(7, 1, monotonicNanos());
  known.added(7, "b", 3, monotonicNanos(), true);  // the answer of the second create came first
  known.added(7, "a", 2, monotonicNanos(), true);
  EXPECT_FALSE(known.absent(7, "x"));
}

TEST(KnownDirs, ForgetDrops) {
  KnownDirs known(kLong);
  known.madeEmpty(7, 1, monotonicNanos());
  known.added(7, "b", 2, monotonicNanos(), true);
  known.forget(7);
  EXPECT_FALSE(known.absent(7, "a"));
  known.added(7, "a", 3, monotonicNanos(), true);
  EXPECT_FALSE(known.absent(7, "c"));
}

TEST(KnownDirs, ExpiredKnowledgeIsNotUsedUntilProvedAgain) {
  KnownDirs known(kLong);
  // Confirmed "an hour and a bit" ago: expired.
  const int64_t old = monotonicNanos() - kLong - 1'000'000'000;
  known.madeEmpty(7, 1, old);
  known.added(7, "b", 2, old, true);
  EXPECT_FALSE(known.absent(7, "a"));
  // The next own change answering version + 1 proves nothing was missed meanwhile.
  known.added(7, "c", 3, monotonicNanos(), true);
  EXPECT_TRUE(known.absent(7, "a"));
  EXPECT_FALSE(known.absent(7, "b"));
}

TEST(KnownDirs, ZeroTimeoutKnowsNothing) {
  KnownDirs known(0);
  known.madeEmpty(7, 1, monotonicNanos());
  known.added(7, "b", 2, monotonicNanos(), true);
  EXPECT_FALSE(known.absent(7, "a"));
}

TEST(KnownDirs, ManyDirectoriesStayBounded) {
  KnownDirs known(kLong);
  for (fs::InodeId d = 1; d <= 5000; ++d) known.madeEmpty(d, 1, monotonicNanos());
  known.added(5000, "b", 2, monotonicNanos(), true);
  EXPECT_TRUE(known.absent(5000, "a"));  // the newest is always kept
}

TEST(KnownDirs, ManyNamesStayBounded) {
  KnownDirs known(kLong);
  known.madeEmpty(7, 1, monotonicNanos());
  uint64_t v = 1;
  for (int i = 0; i < 300'000; ++i) known.added(7, "n" + std::to_string(i), ++v, monotonicNanos(), true);
  // Past the bound the directory is forgotten rather than answered from a partial set.
  EXPECT_FALSE(known.absent(7, "n299999"));
  EXPECT_FALSE(known.absent(7, "other"));
}

}  // namespace
}  // namespace strata::mount
