#include "cli/task_pool.h"

#include <algorithm>

namespace strata::cli {

TaskPool::TaskPool(int threads, size_t max_queued) : max_queued_(std::max<size_t>(1, max_queued)) {
  const int n = std::max(1, threads);
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
}

TaskPool::~TaskPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    queue_.clear();
  }
  work_cv_.notify_all();
  space_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void TaskPool::submit(Task task) {
  std::unique_lock lock(mu_);
  space_cv_.wait(lock, [&] { return queue_.size() < max_queued_ || !first_error_.ok() || stop_; });
  if (!first_error_.ok() || stop_) return;  // dropped: the batch already failed
  queue_.push_back(std::move(task));
  work_cv_.notify_one();
}

Status TaskPool::wait() {
  std::unique_lock lock(mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
  Status st = std::move(first_error_);
  first_error_ = Status::OK();
  return st;
}

bool TaskPool::failed() const {
  std::lock_guard lock(mu_);
  return !first_error_.ok();
}

void TaskPool::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    Task task = std::move(queue_.front());
    queue_.pop_front();
    ++running_;
    space_cv_.notify_one();
    lock.unlock();
    Status st = task();
    lock.lock();
    --running_;
    if (!st.ok() && first_error_.ok()) {
      first_error_ = std::move(st);
      queue_.clear();
      space_cv_.notify_all();
    }
    if (queue_.empty() && running_ == 0) idle_cv_.notify_all();
  }
}

}  // namespace strata::cli
