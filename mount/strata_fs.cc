#include "mount/strata_fs.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace strata::mount {
namespace {

// How long a lookup's snapshot may serve the open that follows it (mount/lookup_snapshots.h):
// that open comes at once; the margin is for a loaded machine.
constexpr int64_t kLookupSnapshotAgeNanos = 200'000'000;

}  // namespace

StrataFs::StrataFs(const client::HttpClient& http, MountConfig config, std::unique_ptr<ChunkCache> cache)
    : http_(http), config_(std::move(config)), meta_(http_, config_.fs), cache_(std::move(cache)),
      budget_(config_.dirty_limit),
      fresh_attrs_(static_cast<int64_t>(config_.attr_timeout * 1e9)),
      known_dirs_(static_cast<int64_t>(config_.negative_timeout * 1e9)),
      lookups_(kLookupSnapshotAgeNanos) {}

StrataFs::~StrataFs() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
}

Status StrataFs::connect() {
  auto root = meta_.statPath(config_.subdir);
  if (!root.ok()) {
    return Status(root.status().code(), "cannot mount " + config_.fs + ":" + config_.subdir + ": " +
                                            root.status().message());
  }
  if (root->type != fs::FileType::kDirectory) return notDirectory("not a directory: ", config_.subdir);
  root_ = root->ino;
  ASSIGN_OR_RETURN(SessionLease lease, meta_.createSession(config_.lease_ms));
  std::lock_guard lock(mu_);
  session_ = lease.id;
  return Status::OK();
}

void StrataFs::start(fuse_session* se) {
  se_ = se;
  source_ = std::make_unique<ChunkSource>(meta_, *cache_, config_.fetch_threads);
  uploads_ = std::make_unique<WorkerPool>(config_.upload_threads, 1024);
  env_ = std::make_unique<NodeEnv>(NodeEnv{meta_, *source_, *uploads_, budget_, config_.readahead_chunks});
  nodes_ = std::make_unique<NodeTable>(*env_);
  heartbeat_ = std::thread([this] { heartbeatLoop(); });
}

Status StrataFs::shutdown() {
  Status first;
  if (nodes_) {
    for (auto& node : nodes_->all()) {
      Status st = node->flush();
      if (!st.ok()) {
        spdlog::error("flush of inode {} at unmount failed: {}", node->ino(), st.toString());
        if (first.ok()) first = st;
      }
    }
  }
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  std::string session = sessionId();
  if (!session.empty()) meta_.endSession(session).ignoreError();  // its locks go with it
  uploads_.reset();
  return first;
}

uint64_t StrataFs::toServer(uint64_t fuse_ino) const { return fuse_ino == 1 ? root_ : fuse_ino; }
uint64_t StrataFs::toFuse(uint64_t server_ino) const { return server_ino == root_ ? 1 : server_ino; }

std::string StrataFs::sessionId() {
  std::lock_guard lock(mu_);
  return session_;
}

void StrataFs::notePosixOwner(uint64_t ino, uint64_t owner) {
  std::lock_guard lock(mu_);
  posix_owners_.emplace(ino, owner);
}

bool StrataFs::takePosixOwner(uint64_t ino, uint64_t owner) {
  std::lock_guard lock(mu_);
  return posix_owners_.erase({ino, owner}) > 0;
}

void StrataFs::heartbeatLoop() {
  const auto period = std::chrono::milliseconds(std::max<int64_t>(200, config_.lease_ms / 4));
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, period, [this] { return stopping_; })) {
    std::string id = session_;
    lock.unlock();
    Status st = meta_.heartbeat(id);
    if (st.code() == Code::kNotFound) {
      // The lease lapsed (a long pause, a partition): locks held under it are gone.
      spdlog::warn("session {} expired; starting a new one (its locks were released)", id);
      auto lease = meta_.createSession(config_.lease_ms);
      lock.lock();
      if (lease.ok()) session_ = lease->id;
      continue;
    }
    if (!st.ok()) spdlog::warn("session heartbeat failed: {}", st.toString());
    lock.lock();
  }
}

}  // namespace strata::mount
