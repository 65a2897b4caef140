#include "common/clock.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace strata {
namespace {

TEST(Clock, WallClockAgreesWithSystemClock) {
  int64_t sys = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  EXPECT_LE(std::abs(nowUnix() - sys), 2);
  EXPECT_LE(std::abs(nowNanos() / 1'000'000'000 - sys), 2);
  EXPECT_GT(nowUnix(), 1'600'000'000);  // after 2020: the clock is really the Unix epoch clock
}

TEST(Clock, MonotonicAdvances) {
  int64_t a = monotonicNanos();
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  int64_t b = monotonicNanos();
  EXPECT_GE(b - a, 5'000'000);
  EXPECT_LT(b - a, 5'000'000'000);
}

}  // namespace
}  // namespace strata
