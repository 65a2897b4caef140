// Runs blocking I/O calls (fsync, fdatasync) a few at a time: the device then serves their
// flushes together instead of one by one.
#pragma once

#include <cstddef>
#include <functional>

#include "common/status.h"

namespace strata::blob {

constexpr size_t kParallelSyncs = 4;

// Calls fn(i) for every i < count on up to kParallelSyncs threads (the caller's included).
// Every call is made; returns the first error.
Status forEachInParallel(size_t count, const std::function<Status(size_t)>& fn);

}  // namespace strata::blob
