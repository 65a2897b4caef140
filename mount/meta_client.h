// MetaClient: the mount's typed client of the inode-level REST API (docs/api-mount.md) and of
// the chunk routes of docs/api.md, for one file system. Every call returns the server's Status
// (code and message) unchanged, so FUSE handlers map it to errno with toErrno().
//
// Retries (inside client::HttpClient, connection errors and 5xx only): reads, chunk uploads,
// upload begin, commit (the same chunk list twice leaves the same bytes), session heartbeats
// and lock calls (re-applying an owner's own lock or unlock changes nothing). Namespace
// changes (create, mkdir, unlink, rename, ...) are sent once: a retry could answer EEXIST or
// ENOENT for a change that did happen.
//
// Thread-safe: share one instance among all FUSE worker threads.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/http.h"
#include "common/sha256.h"
#include "common/status.h"
#include "fs/types.h"

namespace strata::mount {

struct DirItem {
  std::string name;
  fs::InodeId ino = 0;
  fs::FileType type = fs::FileType::kRegular;
  std::optional<fs::Attr> attr;  // with readdir(attrs=true)
};

struct DirItems {
  std::vector<DirItem> entries;
  std::string next_cursor;  // "" on the last page
};

struct ChunkList {
  fs::Attr attr;  // the version the refs belong to
  std::vector<fs::ChunkRef> refs;
};

// Chunks up to this size travel inside the commit request (Commit::inline_data): a small
// file's close is one request, with no upload begin and no chunk PUT (docs/api-mount.md).
constexpr uint64_t kInlineChunkMax = 64 << 10;

struct Commit {
  uint64_t size = 0;
  std::optional<uint64_t> truncate_to;
  std::vector<fs::ChunkRef> chunks;
  // Parallel to `chunks`: the bytes of a chunk sent inline (<= kInlineChunkMax, at least
  // `length` bytes), or empty for a chunk the server already holds (uploaded or staged).
  // Empty vector: nothing inline. The views must outlive the commit() call.
  std::vector<std::string_view> inline_data;
  std::string upload_id;
  // Durable against a machine crash when answered (fsync); otherwise against kill -9 only.
  bool sync = false;
};

// What a call that adds a name answers: the new entry and, when the server sent them, the
// attributes of the directory it was added to, as of just after the change.
struct Made {
  fs::Attr attr;
  std::optional<fs::Attr> parent;
  bool created = false;  // create: this call made the file (false: opened an existing one)
};

enum class LockKind { kFlock, kPosix };
enum class LockType { kRead, kWrite, kUnlock };

struct LockSpec {
  std::string session;
  uint64_t owner = 0;
  LockKind kind = LockKind::kPosix;
  LockType type = LockType::kRead;
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;  // inclusive
  uint32_t pid = 0;
};

struct LockHolder {
  LockType type = LockType::kRead;
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;
  uint32_t pid = 0;
};

struct SessionLease {
  std::string id;
  int64_t lease_ms = 0;
};

class MetaClient {
 public:
  MetaClient(const client::HttpClient& http, std::string fs);

  const std::string& fsName() const { return fs_; }

  // --- namespace
  Result<fs::Attr> statPath(std::string_view path) const;
  // `chunks` (when set) is the chunk map of the same version as `attr` (small files only).
  Result<fs::Attr> lookup(fs::InodeId parent, std::string_view name,
                          std::optional<std::vector<fs::ChunkRef>>* chunks = nullptr) const;
  Result<fs::Attr> getattr(fs::InodeId ino) const;
  Result<fs::Attr> setattr(fs::InodeId ino, const fs::SetAttr& changes) const;
  Result<Made> mkdir(fs::InodeId parent, std::string_view name, uint32_t mode, uint32_t uid, uint32_t gid) const;
  Result<Made> create(fs::InodeId parent, std::string_view name, uint32_t mode, uint32_t uid, uint32_t gid,
                      bool exclusive) const;
  Result<Made> symlink(fs::InodeId parent, std::string_view name, std::string_view target, uint32_t uid,
                       uint32_t gid) const;
  Result<std::string> readlink(fs::InodeId ino) const;
  Result<Made> link(fs::InodeId ino, fs::InodeId new_parent, std::string_view new_name) const;
  Status unlink(fs::InodeId parent, std::string_view name) const;
  Status rmdir(fs::InodeId parent, std::string_view name) const;
  Status rename(fs::InodeId parent, std::string_view name, fs::InodeId new_parent, std::string_view new_name,
                uint32_t flags) const;
  Result<DirItems> readdir(fs::InodeId dir, std::string_view cursor, size_t limit, bool attrs) const;
  Result<fs::Usage> statfs() const;

  // --- xattrs
  Result<std::string> getxattr(fs::InodeId ino, std::string_view name) const;
  Result<std::vector<std::string>> listxattr(fs::InodeId ino) const;
  Status setxattr(fs::InodeId ino, std::string_view name, std::string_view value, int flags /* XATTR_* */) const;
  Status removexattr(fs::InodeId ino, std::string_view name) const;

  // --- content
  Result<ChunkList> chunks(fs::InodeId ino, uint64_t first, uint64_t count) const;
  Result<fs::Attr> commit(fs::InodeId ino, const Commit& commit) const;
  // Everything committed and stored so far survives a machine crash when this returns
  // (fsync with nothing left to commit, fsyncdir).
  Status sync() const;
  // Pins `ids` under `upload_id` ("" starts an upload); returns the upload id and what is missing.
  Result<std::pair<std::string, std::vector<Digest>>> beginUpload(std::span<const Digest> ids,
                                                                  std::string_view upload_id) const;
  Status putChunk(std::string_view upload_id, const Digest& id, std::string_view bytes) const;
  Status endUpload(std::string_view upload_id) const;
  // The chunk's bytes, verified against `id` (kCorruption otherwise).
  Result<std::string> readChunk(const Digest& id) const;

  // --- sessions and locks
  Result<SessionLease> createSession(int64_t lease_ms) const;
  Status heartbeat(std::string_view session) const;  // kNotFound: the session is gone
  Status endSession(std::string_view session) const;
  // nullopt: granted (or unlocked); otherwise who holds the conflicting lock.
  Result<std::optional<LockHolder>> lock(fs::InodeId ino, const LockSpec& spec) const;
  Result<std::optional<LockHolder>> testLock(fs::InodeId ino, const LockSpec& spec) const;

 private:
  Result<std::string> get(const std::string& target) const;
  Result<std::string> post(const std::string& target, const std::string& body, bool idempotent) const;
  Result<std::string> send(client::HttpRequest& req) const;
  std::string inodePath(fs::InodeId ino, std::string_view op) const;

  const client::HttpClient& http_;
  const std::string fs_;
  const std::string prefix_;  // "/api/v1/fs/<fs>"
};

}  // namespace strata::mount
