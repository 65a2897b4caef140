#include "blob/dir_sync_group.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <vector>

#include "common/unique_fd.h"

namespace strata::blob {
namespace {

// fsyncs run in parallel in a round of many directories (a 256 MiB object touches ~60 leaf
// directories): the device then serves their cache flushes together instead of one by one.
constexpr size_t kParallelSyncs = 4;

Status fsyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ioError("open directory ", dir, " to sync it: ", std::strerror(errno));
  if (::fsync(fd.get()) != 0) return ioError("fsync directory ", dir, ": ", std::strerror(errno));
  return Status::OK();
}

// fsyncs every directory of `dirs`; the first error (all are tried).
Status fsyncAll(const std::vector<std::string>& dirs) {
  if (dirs.size() <= 1) return dirs.empty() ? Status::OK() : fsyncDirectory(dirs[0]);
  const size_t workers = std::min(kParallelSyncs, dirs.size());
  auto part = [&dirs, workers](size_t w) {
    Status first;
    for (size_t i = w; i < dirs.size(); i += workers) {
      Status s = fsyncDirectory(dirs[i]);
      if (!s.ok() && first.ok()) first = s;
    }
    return first;
  };
  std::vector<std::future<Status>> others;
  for (size_t w = 1; w < workers; ++w) others.push_back(std::async(std::launch::async, part, w));
  Status first = part(0);
  for (auto& f : others) {
    Status s = f.get();
    if (!s.ok() && first.ok()) first = s;
  }
  return first;
}

}  // namespace

uint64_t DirSyncGroup::begin() {
  std::lock_guard lock(mu_);
  const uint64_t ticket = ++issued_;
  open_.insert(ticket);
  return ticket;
}

void DirSyncGroup::end(uint64_t ticket, const std::string& dir) {
  std::lock_guard lock(mu_);
  if (!dir.empty()) dirty_.insert(dir);
  open_.erase(ticket);
  cv_.notify_all();  // a leader may be waiting for this ticket
}

Status DirSyncGroup::sync() {
  std::unique_lock lock(mu_);
  const uint64_t target = issued_;
  for (;;) {
    if (synced_ >= target) return Status::OK();
    if (!running_) break;
    // Another caller's round is running; it may cover us.
    const uint64_t round = rounds_ + 1;
    cv_.wait(lock, [&] { return rounds_ >= round; });
    if (failed_round_ == round && failed_through_ >= target) return failed_;
  }
  running_ = true;
  // Changes begun before the call may still be in flight: the round must include them.
  cv_.wait(lock, [&] { return open_.empty() || *open_.begin() > target; });
  const uint64_t through = open_.empty() ? issued_ : *open_.begin() - 1;  // >= target
  std::vector<std::string> dirs(dirty_.begin(), dirty_.end());
  dirty_.clear();
  lock.unlock();

  Status s = fsyncAll(dirs);

  lock.lock();
  running_ = false;
  ++rounds_;
  if (s.ok()) {
    synced_ = std::max(synced_, through);
  } else {
    dirty_.insert(dirs.begin(), dirs.end());  // the next round tries them again
    failed_round_ = rounds_;
    failed_through_ = through;
    failed_ = s;
  }
  cv_.notify_all();
  return s;
}

}  // namespace strata::blob
