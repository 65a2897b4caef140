// Clocks. Wall-clock time (CLOCK_REALTIME) is for timestamps that are stored or shown (inode
// times, token expiry, chunk write times); monotonic time is for measuring durations and
// deadlines, which must not jump when the wall clock is adjusted. Thread-safe.
#pragma once

#include <cstdint>

namespace strata {

// Nanoseconds since the Unix epoch (CLOCK_REALTIME).
int64_t nowNanos();
// Whole seconds since the Unix epoch (CLOCK_REALTIME).
int64_t nowUnix();
// Nanoseconds of CLOCK_MONOTONIC: only differences between two readings mean anything.
int64_t monotonicNanos();

}  // namespace strata
