#include "blob/dir_sync_group.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "blob/parallel_io.h"
#include "common/unique_fd.h"

namespace strata::blob {
namespace {

Status fsyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return ioError("open directory ", dir, " to sync it: ", std::strerror(errno));
  if (::fsync(fd.get()) != 0) return ioError("fsync directory ", dir, ": ", std::strerror(errno));
  return Status::OK();
}

// fsyncs every directory of `dirs`, in parallel (a 256 MiB object touches ~60 leaf
// directories); the first error (all are tried).
Status fsyncAll(const std::vector<std::string>& dirs) {
  return forEachInParallel(dirs.size(), [&dirs](size_t i) { return fsyncDirectory(dirs[i]); });
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
