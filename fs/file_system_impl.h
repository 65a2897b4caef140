// FileSystemImpl: one named file system of one workspace, on db::Engine + blob::Store.
//
// The operations are spread over files by kind (create_ops.cc, remove_ops.cc, rename.cc,
// attr_ops.cc, chunk_ops.cc, path_ops.cc); each namespace change is one MetaTxn transaction
// run by runTxn(), retried on conflict. Reads that need no stable view (lookup, getattr,
// readdir, stat, list) read the latest committed state without a transaction.
//
// Thread-safe: the object holds only immutable keys and the (internally locked) inode
// allocator; all state lives in the engine.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blob/store.h"
#include "db/engine.h"
#include "fs/filesystem.h"
#include "fs/inode_allocator.h"
#include "fs/keys.h"
#include "fs/meta_txn.h"

namespace strata::fs {

// Largest file size accepted by setattr/commit (2^60 bytes): chunk indexes stay far from
// overflow in every computation.
constexpr uint64_t kMaxFileSize = 1ull << 60;

class FileSystemImpl final : public FileSystem {
 public:
  FileSystemImpl(db::Engine& engine, blob::Store& store, std::string ws, std::string name,
                 uint64_t fsid);

  const std::string& name() const override { return name_; }

  Result<Attr> lookup(InodeId parent, std::string_view name) override;
  Result<Attr> getattr(InodeId ino) override;
  Result<Attr> setattr(InodeId ino, const SetAttr& changes) override;
  Result<Attr> mkdir(InodeId parent, std::string_view name, const CreateOptions& o) override;
  Result<Attr> create(InodeId parent, std::string_view name, const CreateOptions& o) override;
  Result<Attr> symlink(InodeId parent, std::string_view name, std::string_view target,
                       const CreateOptions& o) override;
  Result<std::string> readlink(InodeId ino) override;
  Result<Attr> link(InodeId ino, InodeId new_parent, std::string_view new_name) override;
  Status unlink(InodeId parent, std::string_view name) override;
  Status rmdir(InodeId parent, std::string_view name) override;
  Status rename(InodeId parent, std::string_view name, InodeId new_parent,
                std::string_view new_name, uint32_t flags) override;
  Result<DirPage> readdir(InodeId dir, std::string_view cursor, size_t limit) override;
  Result<std::string> getxattr(InodeId ino, std::string_view name) override;
  Status setxattr(InodeId ino, std::string_view name, std::string_view value,
                  XattrMode mode) override;
  Result<std::vector<std::string>> listxattr(InodeId ino) override;
  Status removexattr(InodeId ino, std::string_view name) override;
  Result<std::vector<ChunkRef>> chunks(InodeId ino, uint64_t first, uint64_t count) override;
  Result<Attr> commitChunks(InodeId ino, const FileContent& content) override;

  Result<Attr> stat(std::string_view path) override;
  Result<Attr> mkdirs(std::string_view path, bool parents, const CreateOptions& o) override;
  Result<Attr> commitFile(std::string_view path, const FileContent& content,
                          bool parents) override;
  Result<std::vector<Attr>> commitFiles(const std::vector<PathContent>& files, bool parents) override;  // batch_commit.cc
  Status remove(std::string_view path, bool recursive) override;
  Status move(std::string_view from, std::string_view to, uint32_t flags) override;
  Result<DirPage> list(std::string_view path, std::string_view cursor, size_t limit) override;
  Result<Usage> usage() override;

 private:
  // Runs `body` in a MetaTxn transaction (retried on conflict) and commits it.
  Status runTxn(const std::function<Status(MetaTxn&)>& body);
  // Same, for bodies that yield an inode; returns its attributes as committed.
  Result<Attr> runTxnAttr(const std::function<Result<InodeRec*>(MetaTxn&)>& body,
                          db::Durability durability = db::Durability::kSync);

  // --- transaction bodies shared by inode- and path-level calls ---
  // Creates `name` in `parent` (kAlreadyExists when taken).
  Result<InodeRec*> createIn(MetaTxn& m, InodeId parent, std::string_view name, FileType type,
                             const CreateOptions& o, InodeId ino, std::string_view target);
  Status unlinkIn(MetaTxn& m, InodeId parent, std::string_view name);
  Status rmdirIn(MetaTxn& m, InodeId parent, std::string_view name);
  Status renameIn(MetaTxn& m, InodeId sp, std::string_view sn, InodeId dp, std::string_view dn,
                  uint32_t flags);
  Status checkNotInside(MetaTxn& m, InodeId moved_dir, InodeId new_parent);
  // Replaces chunk refs of `rec` and sets its size; `complete` drops refs not listed.
  Status writeContent(MetaTxn& m, InodeRec* rec, const FileContent& c, bool complete);

  // The directory holding the last component of `parts` (walked with get() so the walk is
  // in the read set). With `create`, missing directories are made with `o`.
  Result<InodeId> parentInTxn(MetaTxn& m, const std::vector<std::string>& parts, bool create,
                              const CreateOptions& o);
  // Latest committed inode / entry, no transaction.
  Result<InodeRec> readInode(InodeId ino);
  Result<std::optional<DirentRec>> readEntry(InodeId parent, std::string_view name);
  Result<InodeId> resolve(const std::vector<std::string>& parts);
  Status removeTree(InodeId top);

  db::Engine& engine_;
  blob::Store& store_;
  const std::string name_;
  const WorkspaceKeys ws_keys_;
  const FsKeys keys_;
  InodeAllocator inodes_;
};

}  // namespace strata::fs
