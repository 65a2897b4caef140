// FileNode: what one mount knows about one open regular file — its committed chunk map and
// attributes as of a server version, plus the changes written locally and not yet committed.
// All handles of the file on this mount share one node, so every process on the node sees the
// same bytes, as on a local disk.
//
// Write path (ARCHITECTURE.md): writes land in 4 MiB chunk buffers. A buffer that fills up is
// uploaded in the background ("staged": the server holds the bytes, pinned by an upload, but
// no file references them yet), which bounds memory for large files. flush() — on close,
// fsync, unlock — hashes the remaining buffers, sends chunks up to 64 KiB inside the commit
// request and bigger ones the upload way (only those the server lacks), and commits size +
// changed chunks (+ a local truncate) in one transaction: other clients see the
// old version or the new one, never a mix. A mount killed before flush() leaves the previous
// version intact.
//
// Written chunks are not copied into the local chunk cache: on a node whose cache shares a
// disk with anything else, that would double the bytes a writer puts on disk, and the kernel's
// page cache keeps what this mount wrote anyway. The cache fills on read misses (and with
// `strata cache warm`).
//
// Thread-safety: every public method is safe to call from any FUSE worker thread; state is
// guarded by mu_. Network calls are made with mu_ held (a flush blocks readers of the same
// file), except chunk fetches for reads, which run unlocked.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "fs/types.h"
#include "mount/chunk_source.h"
#include "mount/meta_client.h"
#include "mount/worker_pool.h"

namespace strata::mount {

// Bytes held in write buffers across all files of the mount; writers wait above the limit
// until background uploads drain it.
class DirtyBudget {
 public:
  explicit DirtyBudget(uint64_t limit) : limit_(limit) {}
  void add(uint64_t n) { used_ += n; }
  void release(uint64_t n);
  bool over() const { return used_.load() > limit_; }
  // Waits (bounded) until the budget is below its limit or `done` says stop waiting.
  void waitBelow(const std::function<bool()>& done);
  uint64_t used() const { return used_.load(); }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> used_{0};
  std::mutex mu_;
  std::condition_variable cv_;
};

struct NodeEnv {
  const MetaClient& meta;
  ChunkSource& source;
  WorkerPool& uploads;
  DirtyBudget& budget;
  int readahead_chunks = 4;
};

class FileNode : public std::enable_shared_from_this<FileNode> {
 public:
  FileNode(fs::InodeId ino, NodeEnv& env) : ino_(ino), env_(env) {}
  ~FileNode();

  fs::InodeId ino() const { return ino_; }

  // Brings the node up to the server's latest version unless it holds local changes (which
  // win until flushed). Returns true when the contents are those the node saw before (so the
  // kernel's page cache stays valid), false when they changed or were never loaded.
  Result<bool> revalidate();
  // For a file this mount just created or opened with its attributes in hand and size 0.
  void setEmpty(const fs::Attr& attr);
  // Takes `list` (attributes + complete chunk map of one version) as the node's contents,
  // unless it holds local changes. For an open served from a lookup snapshot
  // (mount/lookup_snapshots.h).
  void loadSnapshot(const ChunkList& list);

  Result<std::string> read(uint64_t offset, size_t length);
  Status write(uint64_t offset, std::string_view data);
  // Local truncate (or extension with a hole); committed atomically by the next flush().
  Status truncate(uint64_t size);
  // Commits local changes (one request for a small file: its chunks go inline); OK at once
  // when there are none. Without `sync` the commit survives kill -9 of the mount and of the
  // server; with `sync` (fsync) also a machine crash, and a sync is sent even when there is
  // nothing to commit (an earlier close committed without it).
  Status flush(bool sync = false);

  // Attributes as this mount sees them (local size and mtime while changes are pending);
  // nullopt before the first load.
  std::optional<fs::Attr> localAttr();
  bool hasChanges();
  // The version the node last loaded or committed (0 before the first load).
  uint64_t version();

  // --- what the kernel caches of this file (fuse_ops.cc; see the lock and open paths) ---
  // The kernel's page cache and attributes of a file are separate from this node: they can
  // still hold an older version after the node reloaded (an open's reload drops the pages only
  // later, in the opener's own context, and never the cached size). kernelCurrent() is true
  // when the kernel was last invalidated at the node's current version (noteKernelSynced) and
  // nothing but this mount's own writes -- which pass through the kernel's cache -- changed
  // the file since. A lock grant that finds it false must drop the kernel's pages.
  bool kernelCurrent();
  // Records that the kernel's caches were invalidated while the node was at `version`.
  void noteKernelSynced(uint64_t version);

 private:
  using Lock = std::unique_lock<std::mutex>;

  uint64_t validLen(uint64_t index) const;  // bytes of chunk `index` below size_
  Result<std::string> loadBaseLocked(uint64_t index);
  void waitUploadLocked(Lock& lk, uint64_t index);
  void waitAllUploadsLocked(Lock& lk);
  void startUploadLocked(uint64_t index);
  void uploadJob(uint64_t index, std::shared_ptr<const std::string> bytes);
  static void cutRefs(std::map<uint64_t, fs::ChunkRef>& refs, uint64_t size);

  const fs::InodeId ino_;
  NodeEnv& env_;

  std::mutex mu_;
  std::condition_variable uploads_cv_;
  // --- guarded by mu_ ---
  bool loaded_ = false;
  fs::Attr attr_;                               // as of the last load/commit
  std::map<uint64_t, fs::ChunkRef> refs_;       // committed map (with local truncates applied)
  std::map<uint64_t, std::string> dirty_;       // chunk buffers; bytes past their end are zeros
  std::map<uint64_t, std::shared_ptr<const std::string>> uploading_;
  std::map<uint64_t, fs::ChunkRef> staged_;     // uploaded, not yet committed
  std::vector<std::string> upload_ids_;         // pins of staged chunks, dropped after commit
  std::optional<uint64_t> truncate_to_;         // smallest size set locally since the last commit
  bool changed_ = false;                        // anything to commit
  uint64_t size_ = 0;                           // the size this mount sees
  int64_t mtime_ns_ = 0;
  uint64_t dirty_bytes_ = 0;                    // budget charged for dirty_ (not uploading_)
  Status upload_error_;
  uint64_t last_read_end_ = UINT64_MAX;
  // The version the kernel's caches are known to match (0: unknown). Moves with this mount's
  // own commits (their bytes went through the kernel), never with a reload.
  uint64_t kernel_version_ = 0;
};

}  // namespace strata::mount
