#include "blob/parallel_io.h"

#include <algorithm>
#include <future>
#include <vector>

namespace strata::blob {

Status forEachInParallel(size_t count, const std::function<Status(size_t)>& fn) {
  const size_t workers = std::min(kParallelSyncs, count);
  auto part = [&fn, count, workers](size_t w) {
    Status first;
    for (size_t i = w; i < count; i += workers) {
      Status s = fn(i);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  };
  if (workers <= 1) return count == 0 ? Status::OK() : part(0);
  std::vector<std::future<Status>> others;
  for (size_t w = 1; w < workers; ++w) others.push_back(std::async(std::launch::async, part, w));
  Status first = part(0);
  for (auto& f : others) {
    Status s = f.get();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace strata::blob
