// A fixed set of worker threads running Status-returning tasks, for the parallel parts of
// upload and download. The first task that fails is remembered and the tasks still queued after
// it are dropped (a transfer stops at its first error instead of piling up more). submit()
// blocks while the queue holds `max_queued` tasks, so a producer cannot run far ahead.
//
// Thread-safety: submit/wait may be called from one producer thread; tasks run on the workers
// and must not submit to the same pool (that could block forever on a full queue).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/status.h"

namespace strata::cli {

class TaskPool {
 public:
  using Task = std::function<Status()>;

  explicit TaskPool(int threads, size_t max_queued = 4096);
  ~TaskPool();  // waits for running tasks; drops queued ones
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void submit(Task task);
  // Waits until every submitted task finished or was dropped; returns the first error. The pool
  // is reusable afterwards (the error is cleared).
  Status wait();
  // True once a task failed (lets a producer stop early).
  bool failed() const;

 private:
  void run();

  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // workers wait for tasks
  std::condition_variable space_cv_;  // submit waits for room
  std::condition_variable idle_cv_;   // wait() waits for quiescence
  std::deque<Task> queue_;            // guarded by mu_
  size_t running_ = 0;                // guarded by mu_
  Status first_error_;                // guarded by mu_
  bool stop_ = false;                 // guarded by mu_
  const size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace strata::cli
