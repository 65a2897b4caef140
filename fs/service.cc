// makeFileSystemService: the catalogue of file systems per workspace, and the owner of the
// ChunkManager and of every opened FileSystem (kept open so their inode ranges live on).
#include <map>
#include <mutex>

#include "common/clock.h"
#include "fs/chunk_manager_impl.h"
#include "fs/file_system_impl.h"
#include "fs/fsck.h"
#include "fs/records.h"
#include "fs/scan.h"

namespace strata::fs {
namespace {

// First inode id handed out after the root.
constexpr uint64_t kFirstFreeInode = 2;

class FileSystemServiceImpl final : public FileSystemService {
 public:
  FileSystemServiceImpl(db::Engine& engine, blob::Store& store, ServiceOptions options)
      : engine_(engine), store_(store), chunks_(engine, store, options) {}

  Status ensureWorkspace(std::string_view workspace) override {
    Status st = create(workspace, "default");
    return st.code() == Code::kAlreadyExists ? Status::OK() : st;
  }

  Result<std::vector<std::string>> list(std::string_view workspace) override {
    RETURN_IF_ERROR(validateSpaceName("workspace", workspace));
    const WorkspaceKeys keys(workspace);
    const std::string prefix = keys.fsRecordPrefix();
    std::vector<std::string> names;
    RETURN_IF_ERROR(scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
      names.push_back(kv.key.substr(prefix.size()));
      return true;
    }));
    return names;
  }

  Status create(std::string_view workspace, std::string_view name) override {
    RETURN_IF_ERROR(validateSpaceName("workspace", workspace));
    RETURN_IF_ERROR(validateSpaceName("file system", name));
    const WorkspaceKeys keys(workspace);
    const int64_t now = nowNanos();
    return engine_.run([&](db::Transaction& txn) -> Status {
      ASSIGN_OR_RETURN(auto existing, txn.get(keys.fsRecord(name)));
      if (existing) return alreadyExists("file system exists: ", name);
      // Ids come from a per-workspace counter read with get(): two creates conflict.
      ASSIGN_OR_RETURN(auto counter, txn.get(keys.fsIdCounter()));
      uint64_t fsid = 1;
      if (counter) {
        ASSIGN_OR_RETURN(fsid, decodeCounter("file-system counter", *counter));
      }
      RETURN_IF_ERROR(txn.put(keys.fsIdCounter(), encodeCounter(fsid + 1)));
      RETURN_IF_ERROR(txn.put(keys.fsRecord(name), encodeFs(FsRec{fsid, now})));
      RETURN_IF_ERROR(txn.put(keys.registry(), encodeCounter(0)));

      const FsKeys fk(workspace, fsid);
      InodeRec root;
      root.attr.ino = kRootInode;
      root.attr.type = FileType::kDirectory;
      root.attr.mode = 0755;
      root.attr.nlink = 2;
      root.attr.atime_ns = root.attr.mtime_ns = root.attr.ctime_ns = now;
      root.attr.version = 1;
      root.parent = kRootInode;
      RETURN_IF_ERROR(txn.put(fk.inode(kRootInode), encodeInode(root)));
      return txn.put(fk.inodeCounter(), encodeCounter(kFirstFreeInode));
    });
  }

  Result<std::shared_ptr<FileSystem>> open(std::string_view workspace,
                                           std::string_view name) override {
    RETURN_IF_ERROR(validateSpaceName("workspace", workspace));
    RETURN_IF_ERROR(validateSpaceName("file system", name));
    const std::string cache_key = std::string(workspace) + "/" + std::string(name);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = open_.find(cache_key);
      if (it != open_.end()) return it->second;
    }
    const WorkspaceKeys keys(workspace);
    ASSIGN_OR_RETURN(auto val, engine_.get(keys.fsRecord(name)));
    if (!val) return notFound("no such file system: ", name);
    ASSIGN_OR_RETURN(FsRec rec, decodeFs(*val));
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = open_[cache_key];
    if (!slot) {
      slot = std::make_shared<FileSystemImpl>(engine_, store_, std::string(workspace),
                                              std::string(name), rec.fsid);
    }
    return slot;
  }

  ChunkManager& chunks() override { return chunks_; }

  // Chunks first, then the metadata that references them. With the tiered store the small
  // chunks are in the same engine log, so the second sync finds little or nothing left to do.
  Status sync() override {
    RETURN_IF_ERROR(store_.sync());
    return engine_.syncWal();
  }

  Result<FsckReport> fsck() override { return chunks_.fsck(); }

 private:
  db::Engine& engine_;
  blob::Store& store_;
  ChunkManagerImpl chunks_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<FileSystem>> open_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<FileSystemService> makeFileSystemService(db::Engine& engine, blob::Store& store,
                                                         ServiceOptions options) {
  return std::make_unique<FileSystemServiceImpl>(engine, store, options);
}

}  // namespace strata::fs
