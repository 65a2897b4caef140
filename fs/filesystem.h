// The file-system service: named POSIX namespaces of a workspace, on db::Engine (metadata) and
// blob::Store (chunk bytes). Key layout and record formats: docs/formats.md.
//
// Every namespace change is one db transaction (rename is atomic, also over a target and across
// directories). Inode-level calls serve the mount; path-level calls serve REST and the CLI and
// are thin wrappers that resolve a path then call the inode-level ones inside the same
// transaction. No POSIX permission checks here: the REST layer authorizes by token and the
// mount lets the kernel check modes (default_permissions).
//
// Thread-safe: any number of callers, any number of server processes on one engine.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "blob/store.h"
#include "common/status.h"
#include "db/engine.h"
#include "fs/chunk_manager.h"
#include "fs/types.h"

namespace strata::fs {

struct CreateOptions {
  uint32_t mode = 0644;
  uint32_t uid = 0;
  uint32_t gid = 0;
  bool exclusive = true;  // kAlreadyExists when the name exists (O_EXCL)
  // mkdir/create/symlink: commit without syncing the metadata log (kBuffered: durable against
  // kill -9 at once, against a machine crash after the next FileSystemService::sync() or the
  // engine's background sync). The mount uses it: like a local disk, only fsync/fsyncdir/
  // syncfs promise that a new name survives a machine crash (docs/api-mount.md).
  bool defer_sync = false;
};

// A new version of a file's contents, committed atomically by commitFile/commitChunks.
struct FileContent {
  uint64_t size = 0;
  std::vector<ChunkRef> chunks;  // commitFile: the complete map; commitChunks: changed indexes
  std::string upload_id;         // the ChunkManager upload that pinned these chunks ("" = none)
  std::optional<int64_t> mtime_ns;
  std::optional<uint32_t> mode;
  // commitChunks only: cut the file to this size before applying `chunks` (a truncate that
  // a writer did locally, committed atomically with the bytes written after it).
  std::optional<uint64_t> truncate_to;
  // Commit without syncing the metadata log: the caller commits many files and then calls
  // FileSystemService::sync() once before it acknowledges any of them (group commit), or
  // (the mount's close) promises only what kBuffered promises. commitFile and commitChunks.
  bool defer_sync = false;
};

// One file of FileSystem::commitFiles.
struct PathContent {
  std::string path;
  FileContent content;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  virtual const std::string& name() const = 0;

  // --- inode level (mount) ---
  virtual Result<Attr> lookup(InodeId parent, std::string_view name) = 0;
  virtual Result<Attr> getattr(InodeId ino) = 0;
  virtual Result<Attr> setattr(InodeId ino, const SetAttr& changes) = 0;
  virtual Result<Attr> mkdir(InodeId parent, std::string_view name, const CreateOptions& o) = 0;
  virtual Result<Attr> create(InodeId parent, std::string_view name, const CreateOptions& o) = 0;
  virtual Result<Attr> symlink(InodeId parent, std::string_view name, std::string_view target,
                               const CreateOptions& o) = 0;
  virtual Result<std::string> readlink(InodeId ino) = 0;
  virtual Result<Attr> link(InodeId ino, InodeId new_parent, std::string_view new_name) = 0;
  virtual Status unlink(InodeId parent, std::string_view name) = 0;
  virtual Status rmdir(InodeId parent, std::string_view name) = 0;
  virtual Status rename(InodeId parent, std::string_view name, InodeId new_parent,
                        std::string_view new_name, uint32_t flags /* RenameFlags */) = 0;
  virtual Result<DirPage> readdir(InodeId dir, std::string_view cursor, size_t limit) = 0;
  virtual Result<std::string> getxattr(InodeId ino, std::string_view name) = 0;
  virtual Status setxattr(InodeId ino, std::string_view name, std::string_view value,
                          XattrMode mode) = 0;
  virtual Result<std::vector<std::string>> listxattr(InodeId ino) = 0;
  virtual Status removexattr(InodeId ino, std::string_view name) = 0;
  // Chunk refs with first <= index < first+count (a file's map may be sparse).
  virtual Result<std::vector<ChunkRef>> chunks(InodeId ino, uint64_t first, uint64_t count) = 0;
  // Replaces the listed chunk indexes and sets the size (chunks past it are dropped);
  // reference counts move in the same transaction.
  virtual Result<Attr> commitChunks(InodeId ino, const FileContent& content) = 0;

  // --- path level (REST, CLI). Paths are absolute, "/"-separated, validated by validatePath. ---
  // Resolves without following a final symlink; intermediate symlinks are not followed either
  // (kNotDirectory), so a path names exactly one place in this namespace.
  virtual Result<Attr> stat(std::string_view path) = 0;
  virtual Result<Attr> mkdirs(std::string_view path, bool parents, const CreateOptions& o) = 0;
  // Creates or atomically replaces the regular file at `path` with `content` (complete map).
  // kIsDirectory when `path` is a directory; missing parents are created when `parents`.
  virtual Result<Attr> commitFile(std::string_view path, const FileContent& content,
                                  bool parents) = 0;
  // Creates or replaces several regular files in ONE transaction: all of them commit or none
  // does (the first error is returned and no file changed). Each file follows the rules of
  // commitFile; paths must differ. With `parents`, missing parent directories are created
  // first in a transaction of their own (they stay, like `mkdir -p`, if the files then fail).
  // Cheaper than one commitFile each for many small files (one commit, shared parent
  // lookups, each parent inode written once); a caller that needs per-file results on failure commits
  // the files of a failed group one by one.
  virtual Result<std::vector<Attr>> commitFiles(const std::vector<PathContent>& files, bool parents) = 0;
  // Deletes a file, symlink or empty directory; a non-empty directory only when `recursive`
  // (in bounded batches; each batch is a transaction, children first).
  virtual Status remove(std::string_view path, bool recursive) = 0;
  virtual Status move(std::string_view from, std::string_view to, uint32_t flags) = 0;
  virtual Result<DirPage> list(std::string_view path, std::string_view cursor, size_t limit) = 0;
  virtual Result<Usage> usage() = 0;
};

// Checks an absolute path: starts with "/", no empty, "." or ".." components, no NUL, each
// component <= 255 bytes, whole path <= 4096 bytes. Returns the components. "/" -> {}.
Result<std::vector<std::string>> validatePath(std::string_view path);

// All file systems of all workspaces on one engine + store.
class FileSystemService {
 public:
  virtual ~FileSystemService() = default;

  // Creates `default` in `workspace` when missing (idempotent).
  virtual Status ensureWorkspace(std::string_view workspace) = 0;
  virtual Result<std::vector<std::string>> list(std::string_view workspace) = 0;
  virtual Status create(std::string_view workspace, std::string_view name) = 0;
  // kNotFound for an unknown file system.
  virtual Result<std::shared_ptr<FileSystem>> open(std::string_view workspace,
                                                   std::string_view name) = 0;
  virtual ChunkManager& chunks() = 0;
  // Makes every change committed so far, and every chunk stored so far, durable against a
  // machine crash (see FileContent::defer_sync and blob::Store::sync).
  virtual Status sync() = 0;
  // Namespace + chunk consistency of every file system on the engine (fs/fsck.h lists the
  // checks). Meant for a quiet system: `strata server fsck`.
  virtual Result<FsckReport> fsck() = 0;
};

struct ServiceOptions {
  int64_t gc_grace_seconds = 3600;     // unreferenced chunks live at least this long
  int64_t upload_pin_seconds = 86400;  // an upload's chunks are protected this long
};

std::unique_ptr<FileSystemService> makeFileSystemService(db::Engine& engine, blob::Store& store,
                                                         ServiceOptions options = {});

}  // namespace strata::fs
