// WorkerPool: a fixed set of threads running fire-and-forget jobs (readahead fetches,
// background chunk uploads). post() never blocks: when `max_queued` jobs wait already it
// refuses the job and returns false, so a burst of readahead cannot pile up unbounded work.
//
// Thread-safe. The destructor drops queued jobs and joins the threads (running jobs finish).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace strata::mount {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t max_queued);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool post(std::function<void()> job);

 private:
  void run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;  // guarded by mu_
  bool stopping_ = false;                   // guarded by mu_
  const size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace strata::mount
