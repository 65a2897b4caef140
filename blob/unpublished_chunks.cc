#include "blob/unpublished_chunks.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "blob/parallel_io.h"

namespace strata::blob {

UnpublishedChunks::UnpublishedChunks(DirSyncGroup& group) : group_(group), thread_([this] { run(); }) {}

UnpublishedChunks::~UnpublishedChunks() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  Status s = publishAll();
  if (s.ok()) s = group_.sync();
  if (!s.ok()) spdlog::error("blob store: publishing chunks at close: {}", s.toString());
}

Status UnpublishedChunks::add(const std::string& key, TempChunk chunk) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return waiting_.size() < kMaxUnpublished || !failed_.ok() || stop_; });
  if (!failed_.ok()) {
    ::unlinkat(chunk.dir_fd.get(), chunk.tmp.c_str(), 0);
    return failed_;
  }
  if (waiting_.count(key) > 0) {
    ::unlinkat(chunk.dir_fd.get(), chunk.tmp.c_str(), 0);
    return Status::OK();
  }
  waiting_.emplace(key, std::make_shared<TempChunk>(std::move(chunk)));
  cv_.notify_all();
  return Status::OK();
}

UniqueFd UnpublishedChunks::open(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return UniqueFd();
  return UniqueFd(::fcntl(it->second->fd.get(), F_DUPFD_CLOEXEC, 0));
}

bool UnpublishedChunks::contains(const std::string& key) const {
  std::lock_guard lock(mu_);
  return waiting_.count(key) > 0;
}

Status UnpublishedChunks::publishAll() {
  std::lock_guard round(round_mu_);
  return publishRound();
}

void UnpublishedChunks::remove(const std::string& key) {
  std::lock_guard round(round_mu_);
  std::lock_guard lock(mu_);
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return;
  ::unlinkat(it->second->dir_fd.get(), it->second->tmp.c_str(), 0);
  waiting_.erase(it);
  cv_.notify_all();
}

// Whatever waits when the round starts: a chunk added before a publishAll() call either was
// in an earlier round (which finished before this one took round_mu_) or is in this one.
Status UnpublishedChunks::publishRound() {
  std::vector<std::pair<std::string, std::shared_ptr<TempChunk>>> batch;
  {
    std::lock_guard lock(mu_);
    if (!failed_.ok()) return failed_;
    batch.assign(waiting_.begin(), waiting_.end());
  }
  if (batch.empty()) return Status::OK();
  // The writeback began when each chunk was added; this waits for it and for the metadata
  // that makes the bytes readable (size, block map) -- several files at once.
  Status s = forEachInParallel(batch.size(), [&batch](size_t i) -> Status {
    const TempChunk& c = *batch[i].second;
    if (::fdatasync(c.fd.get()) != 0) {
      return ioError("fdatasync ", c.dir, "/", c.tmp, ": ", std::strerror(errno));
    }
    return Status::OK();
  });
  for (size_t i = 0; s.ok() && i < batch.size(); ++i) {
    const TempChunk& c = *batch[i].second;
    const uint64_t ticket = group_.begin();
    if (::renameat(c.dir_fd.get(), c.tmp.c_str(), c.dir_fd.get(), c.name.c_str()) != 0) {
      s = ioError("rename ", c.dir, "/", c.tmp, " to ", c.name, ": ", std::strerror(errno));
      group_.end(ticket, "");
      break;
    }
    group_.end(ticket, c.dir);
  }
  std::lock_guard lock(mu_);
  if (!s.ok()) {
    spdlog::critical("blob store: a chunk could not be made durable ({}); refusing further chunk "
                     "writes until restarted", s.toString());
    failed_ = s;
  } else {
    for (const auto& [key, chunk] : batch) {
      auto it = waiting_.find(key);
      if (it != waiting_.end() && it->second == chunk) waiting_.erase(it);
    }
  }
  cv_.notify_all();
  return s;
}

// Publishes in the background, a round at a time, and makes the renames durable too: by the
// time a commit runs the barrier, little is left for it to wait for.
void UnpublishedChunks::run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || (!waiting_.empty() && failed_.ok()); });
      if (stop_) return;
    }
    Status s = publishAll();
    if (s.ok()) s = group_.sync();
    if (!s.ok()) spdlog::error("blob store: background publication: {}", s.toString());
  }
}

}  // namespace strata::blob
