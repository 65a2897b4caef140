#include "common/clock.h"

#include <time.h>

namespace strata {
namespace {

int64_t readClock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);  // cannot fail for these clock ids
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

int64_t nowNanos() { return readClock(CLOCK_REALTIME); }

int64_t nowUnix() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec);
}

int64_t monotonicNanos() { return readClock(CLOCK_MONOTONIC); }

}  // namespace strata
