// The libfuse3 low-level operations of StrataFs: one static function per operation, one reply
// per request, every error a Status mapped to errno in one place (reply_err). The handlers are
// thin: the namespace is the server's, file contents are FileNode's.
#define FUSE_USE_VERSION 35
#include <fuse3/fuse_lowlevel.h>

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "mount/strata_fs.h"

namespace strata::mount {
namespace {

constexpr uint64_t kBlockSize = 4096;
constexpr size_t kReaddirPage = 1000;

StrataFs& self(fuse_req_t req) { return *static_cast<StrataFs*>(fuse_req_userdata(req)); }

void replyStatus(fuse_req_t req, const Status& st) {
  int err = st.ok() ? 0 : toErrno(st.code());
  if (err == 0 && !st.ok()) err = EIO;
  if (!st.ok() && err == EIO) spdlog::warn("I/O error: {}", st.toString());
  fuse_reply_err(req, err);
}

struct FileHandle {
  std::shared_ptr<FileNode> node;
  uint64_t ino = 0;  // server inode
  // flock locks belong to the open file description, i.e. to this handle: its address is the
  // lock owner. (The kernel's lock_owner for flock is a struct file address, which can be
  // reused by a new open before the asynchronous release of the old one reaches us; that
  // release would then unlock the new file's lock.)
  std::atomic<bool> flock_held{false};
};

FileHandle* fileOf(fuse_file_info* fi) { return reinterpret_cast<FileHandle*>(fi->fh); }

// A directory being listed: one page of entries at a time, resumed from the last name, so a
// directory of millions of entries never sits in memory. Offsets handed to the kernel are
// positions in the listing: 1 = after ".", 2 = after "..", 2+k = after the k-th entry.
struct DirHandle {
  std::mutex mu;
  uint64_t ino = 0;
  uint64_t page_pos = 0;          // listing position (0-based, entries only) of page[0]
  std::vector<DirItem> page;
  std::string next_cursor;        // cursor after `page`
  bool last = false;              // `page` is the last one
  bool started = false;
};

struct stat statOf(StrataFs& s, const fs::Attr& a) {
  struct stat st {};
  st.st_ino = s.toFuse(a.ino);
  switch (a.type) {
    case fs::FileType::kDirectory: st.st_mode = S_IFDIR; break;
    case fs::FileType::kSymlink: st.st_mode = S_IFLNK; break;
    case fs::FileType::kRegular: st.st_mode = S_IFREG; break;
  }
  st.st_mode |= a.mode & 07777;
  st.st_nlink = a.nlink;
  st.st_uid = a.uid;
  st.st_gid = a.gid;
  st.st_size = static_cast<off_t>(a.size);
  st.st_blksize = 128 << 10;
  st.st_blocks = static_cast<blkcnt_t>((a.size + 511) / 512);
  auto ts = [](int64_t ns) { return timespec{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)}; };
  st.st_atim = ts(a.atime_ns);
  st.st_mtim = ts(a.mtime_ns);
  st.st_ctim = ts(a.ctime_ns);
  return st;
}

// The server's attributes, with the local size/mtime of a file that has unflushed writes.
fs::Attr overlay(StrataFs& s, fs::Attr a) {
  if (a.type != fs::FileType::kRegular) return a;
  if (auto node = s.nodes().find(a.ino); node && node->hasChanges()) {
    if (auto local = node->localAttr()) {
      a.size = local->size;
      a.mtime_ns = local->mtime_ns;
    }
  }
  return a;
}

fuse_entry_param entryOf(StrataFs& s, const fs::Attr& a) {
  fuse_entry_param e{};
  e.ino = s.toFuse(a.ino);
  e.generation = 1;
  e.attr = statOf(s, overlay(s, a));
  e.attr_timeout = s.config().attr_timeout;
  e.entry_timeout = s.config().attr_timeout;
  return e;
}

void replyEntry(fuse_req_t req, const Result<fs::Attr>& attr) {
  if (!attr.ok()) return replyStatus(req, attr.status());
  fuse_entry_param e = entryOf(self(req), *attr);
  fuse_reply_entry(req, &e);
}

// For calls that add a name: keeps the directory's new attributes for the kernel's next
// GETATTR of it (mount/fresh_attrs.h), or forgets older ones when the server sent none; and
// extends what this mount knows of the directory's names (mount/known_dirs.h) when `added`
// (this call made the name) and the answered version proves no other change came between.
// `file`: the name is a file this call created. `sent_ns`: monotonic time the request left.
void noteParent(StrataFs& s, fs::InodeId parent, std::string_view name, const Made& made, bool added, bool file,
                int64_t sent_ns) {
  if (made.parent && made.parent->ino == parent) {
    s.freshAttrs().put(*made.parent);
    if (added) {
      s.knownDirs().added(parent, name, made.parent->version, sent_ns, file);
      return;
    }
  } else {
    s.freshAttrs().drop(parent);
  }
  s.knownDirs().forget(parent);
}

void replyMade(fuse_req_t req, fs::InodeId parent, std::string_view name, const Result<Made>& made, bool file,
               int64_t sent_ns) {
  StrataFs& s = self(req);
  if (!made.ok()) {
    // EEXIST proves the knowledge wrong; a lost answer leaves the change unknown.
    s.knownDirs().forget(parent);
    return replyStatus(req, made.status());
  }
  noteParent(s, parent, name, *made, true, file, sent_ns);
  if (made->attr.type == fs::FileType::kDirectory) {
    s.knownDirs().madeEmpty(made->attr.ino, made->attr.version, sent_ns);
  }
  replyEntry(req, made->attr);
}

bool refuseReadOnly(fuse_req_t req) {
  if (!self(req).config().read_only) return false;
  fuse_reply_err(req, EROFS);
  return true;
}

std::string_view nameOf(const char* name) { return std::string_view(name); }

// --- lifecycle ---

void opInit(void* userdata, fuse_conn_info* conn) {
  (void)userdata;
  if (conn->capable & FUSE_CAP_FLOCK_LOCKS) conn->want |= FUSE_CAP_FLOCK_LOCKS;
  if (conn->capable & FUSE_CAP_POSIX_LOCKS) conn->want |= FUSE_CAP_POSIX_LOCKS;
  if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC) conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
  if (conn->capable & FUSE_CAP_READDIRPLUS) conn->want |= FUSE_CAP_READDIRPLUS;
  conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
  // Write-through: every write reaches the node (and so the next flush); shared writable
  // mmap works through the kernel's writepage.
  conn->want &= ~FUSE_CAP_WRITEBACK_CACHE;
  conn->max_write = 1 << 20;
  conn->max_readahead = 1 << 20;
}

// --- namespace ---

void opLookup(fuse_req_t req, fuse_ino_t parent, const char* name) {
  StrataFs& s = self(req);
  if (std::strlen(name) > fs::kMaxNameBytes) return (void)fuse_reply_err(req, ENAMETOOLONG);
  const uint64_t sparent = s.toServer(parent);
  // The lookup of a new name before its create: answered here when this mount knows the
  // directory's names (mount/known_dirs.h). Not cached by the kernel (no negative entry), so
  // the next lookup asks again.
  if (s.knownDirs().absent(sparent, nameOf(name))) return (void)fuse_reply_err(req, ENOENT);
  std::optional<std::vector<fs::ChunkRef>> chunks;
  auto attr = s.meta().lookup(sparent, nameOf(name), &chunks);
  if (attr.ok() && chunks) s.lookups().put(fuse_req_ctx(req)->pid, *attr, std::move(*chunks));
  replyEntry(req, attr);
}

void opForget(fuse_req_t req, fuse_ino_t, uint64_t) { fuse_reply_none(req); }
void opForgetMulti(fuse_req_t req, size_t, fuse_forget_data*) { fuse_reply_none(req); }

void opGetattr(fuse_req_t req, fuse_ino_t ino, fuse_file_info*) {
  StrataFs& s = self(req);
  const uint64_t sino = s.toServer(ino);
  if (auto fresh = s.freshAttrs().take(sino)) {
    struct stat st = statOf(s, *fresh);
    return (void)fuse_reply_attr(req, &st, s.config().attr_timeout);
  }
  auto attr = s.meta().getattr(sino);
  if (!attr.ok()) {
    // An open file unlinked meanwhile keeps answering fstat from what this mount knows.
    if (attr.status().code() == Code::kNotFound) {
      if (auto node = s.nodes().find(sino)) {
        if (auto local = node->localAttr()) {
          local->nlink = 0;
          struct stat st = statOf(s, *local);
          return (void)fuse_reply_attr(req, &st, 0);
        }
      }
      // Replaced right after this process looked it up: answer as of that lookup.
      if (auto snap = s.lookups().find(fuse_req_ctx(req)->pid, sino)) {
        struct stat st = statOf(s, snap->attr);
        return (void)fuse_reply_attr(req, &st, 0);
      }
      // The inode is gone, e.g. replaced by a rename on another node, while the kernel still
      // holds a dentry for it: ESTALE makes the path walk (open, stat, access) start over
      // with a fresh lookup of the name, which then finds the new file. ENOENT would fail an
      // open of a name that has existed all along.
      if (ino != FUSE_ROOT_ID) return (void)fuse_reply_err(req, ESTALE);
    }
    return replyStatus(req, attr.status());
  }
  struct stat st = statOf(s, overlay(s, *attr));
  fuse_reply_attr(req, &st, s.config().attr_timeout);
}

void opSetattr(fuse_req_t req, fuse_ino_t ino, struct stat* in, int to_set, fuse_file_info* fi) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  const uint64_t sino = s.toServer(ino);
  s.freshAttrs().drop(sino);
  auto node = s.nodes().find(sino);
  if (to_set & FUSE_SET_ATTR_SIZE) {
    if (in->st_size < 0) return (void)fuse_reply_err(req, EINVAL);
    if (node) {
      Status st = node->truncate(static_cast<uint64_t>(in->st_size));
      // ftruncate(fd) commits with the file's other changes; truncate(path) at once.
      if (st.ok() && fi == nullptr) st = node->flush();
      if (!st.ok()) return replyStatus(req, st);
    }
  }
  fs::SetAttr c;
  if (!node && (to_set & FUSE_SET_ATTR_SIZE)) c.size = static_cast<uint64_t>(in->st_size);
  if (to_set & FUSE_SET_ATTR_MODE) c.mode = in->st_mode & 07777;
  if (to_set & FUSE_SET_ATTR_UID) c.uid = in->st_uid;
  if (to_set & FUSE_SET_ATTR_GID) c.gid = in->st_gid;
  const int64_t now = nowNanos();
  if (to_set & FUSE_SET_ATTR_ATIME_NOW) {
    c.atime_ns = now;
  } else if (to_set & FUSE_SET_ATTR_ATIME) {
    c.atime_ns = static_cast<int64_t>(in->st_atim.tv_sec) * 1000000000 + in->st_atim.tv_nsec;
  }
  if (to_set & FUSE_SET_ATTR_MTIME_NOW) {
    c.mtime_ns = now;
  } else if (to_set & FUSE_SET_ATTR_MTIME) {
    c.mtime_ns = static_cast<int64_t>(in->st_mtim.tv_sec) * 1000000000 + in->st_mtim.tv_nsec;
  }
  // An explicit mtime must not be overwritten by a later commit of pending writes.
  if (node && (c.mtime_ns || c.atime_ns)) {
    Status st = node->flush();
    if (!st.ok()) return replyStatus(req, st);
  }
  Result<fs::Attr> attr = (c.mode || c.uid || c.gid || c.size || c.atime_ns || c.mtime_ns)
                              ? s.meta().setattr(sino, c)
                              : s.meta().getattr(sino);
  if (!attr.ok()) return replyStatus(req, attr.status());
  struct stat st = statOf(s, overlay(s, *attr));
  fuse_reply_attr(req, &st, s.config().attr_timeout);
}

uint32_t callerUid(fuse_req_t req) { return fuse_req_ctx(req)->uid; }
uint32_t callerGid(fuse_req_t req) { return fuse_req_ctx(req)->gid; }

void opMkdir(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  const uint64_t sparent = s.toServer(parent);
  const int64_t sent = monotonicNanos();
  replyMade(req, sparent, nameOf(name), s.meta().mkdir(sparent, nameOf(name), mode & 07777, callerUid(req), callerGid(req)),
            false, sent);
}

void opMknod(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, dev_t) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  if (!S_ISREG(mode)) return (void)fuse_reply_err(req, EPERM);  // no devices, fifos, sockets
  const uint64_t sparent = s.toServer(parent);
  const int64_t sent = monotonicNanos();
  replyMade(req, sparent, nameOf(name),
            s.meta().create(sparent, nameOf(name), mode & 07777, callerUid(req), callerGid(req), true), true, sent);
}

void opSymlink(fuse_req_t req, const char* target, fuse_ino_t parent, const char* name) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  const uint64_t sparent = s.toServer(parent);
  const int64_t sent = monotonicNanos();
  replyMade(req, sparent, nameOf(name), s.meta().symlink(sparent, nameOf(name), target, callerUid(req), callerGid(req)),
            false, sent);
}

void opReadlink(fuse_req_t req, fuse_ino_t ino) {
  StrataFs& s = self(req);
  auto target = s.meta().readlink(s.toServer(ino));
  if (!target.ok()) return replyStatus(req, target.status());
  fuse_reply_readlink(req, target->c_str());
}

void opLink(fuse_req_t req, fuse_ino_t ino, fuse_ino_t new_parent, const char* new_name) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  const uint64_t sparent = s.toServer(new_parent);
  const int64_t sent = monotonicNanos();
  replyMade(req, sparent, nameOf(new_name), s.meta().link(s.toServer(ino), sparent, nameOf(new_name)), false,
            sent);
}

void opUnlink(fuse_req_t req, fuse_ino_t parent, const char* name) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  s.freshAttrs().drop(s.toServer(parent));
  s.knownDirs().forget(s.toServer(parent));
  replyStatus(req, s.meta().unlink(s.toServer(parent), nameOf(name)));
}

void opRmdir(fuse_req_t req, fuse_ino_t parent, const char* name) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  s.freshAttrs().drop(s.toServer(parent));
  s.knownDirs().forget(s.toServer(parent));
  replyStatus(req, s.meta().rmdir(s.toServer(parent), nameOf(name)));
}

void opRename(fuse_req_t req, fuse_ino_t parent, const char* name, fuse_ino_t new_parent, const char* new_name,
              unsigned int flags) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE)) return (void)fuse_reply_err(req, EINVAL);
  uint32_t f = 0;
  if (flags & RENAME_NOREPLACE) f |= fs::kRenameNoReplace;
  if (flags & RENAME_EXCHANGE) f |= fs::kRenameExchange;
  s.freshAttrs().drop(s.toServer(parent));
  s.freshAttrs().drop(s.toServer(new_parent));
  s.knownDirs().forget(s.toServer(parent));
  s.knownDirs().forget(s.toServer(new_parent));
  replyStatus(req, s.meta().rename(s.toServer(parent), nameOf(name), s.toServer(new_parent), nameOf(new_name), f));
}

void opStatfs(fuse_req_t req, fuse_ino_t) {
  StrataFs& s = self(req);
  auto usage = s.meta().statfs();
  if (!usage.ok()) return replyStatus(req, usage.status());
  struct statvfs st {};
  const uint64_t total = 1ull << 50;  // 1 PiB: the store has no fixed size
  const uint64_t used = std::min<uint64_t>(total, (usage->bytes + kBlockSize - 1) / kBlockSize * kBlockSize);
  st.f_bsize = kBlockSize;
  st.f_frsize = kBlockSize;
  st.f_blocks = total / kBlockSize;
  st.f_bfree = (total - used) / kBlockSize;
  st.f_bavail = st.f_bfree;
  const uint64_t inodes = usage->files + usage->directories + usage->symlinks + 1;
  st.f_files = 1ull << 40;
  st.f_ffree = st.f_files - inodes;
  st.f_favail = st.f_ffree;
  st.f_namemax = fs::kMaxNameBytes;
  fuse_reply_statfs(req, &st);
}

void opAccess(fuse_req_t req, fuse_ino_t ino, int mask) {
  // The kernel checks permissions itself (default_permissions); this only confirms the inode.
  StrataFs& s = self(req);
  if ((mask & W_OK) && s.config().read_only) return (void)fuse_reply_err(req, EROFS);
  Status st = s.meta().getattr(s.toServer(ino)).status();
  if (st.code() == Code::kNotFound && ino != FUSE_ROOT_ID) return (void)fuse_reply_err(req, ESTALE);  // as getattr
  replyStatus(req, st);
}

// --- files ---

void finishOpen(fuse_req_t req, uint64_t sino, fuse_file_info* fi, std::shared_ptr<FileNode> node, bool fresh,
                bool created = false) {
  StrataFs& s = self(req);
  bool keep = false;
  if (!fresh) {
    auto same = node->revalidate();
    if (!same.ok() && same.status().code() == Code::kNotFound) {
      // Replaced between this process's lookup and this open: open the version it looked up.
      if (auto snap = s.lookups().find(fuse_req_ctx(req)->pid, sino)) {
        node->loadSnapshot(*snap);
        same = false;
      }
    }
    if (!same.ok()) {
      s.nodes().close(sino);
      // A stale dentry (the name now points elsewhere): ESTALE makes the kernel look it up again.
      if (same.status().code() == Code::kNotFound) return (void)fuse_reply_err(req, ESTALE);
      return replyStatus(req, same.status());
    }
    keep = *same || node->version() == s.nodes().rememberedVersion(sino);
    if (!keep) {
      // Close-to-open: the contents changed (or this mount does not know what the kernel
      // caches). keep_cache = 0 drops the pages, but not the kernel's attributes, which may
      // hold the old size until the attribute timeout -- e.g. from this mount's own earlier
      // write -- and a read is cut at that size. Drop them before the open returns, so the
      // opener's fstat/read ask again.
      fuse_lowlevel_notify_inval_inode(s.session(), s.toFuse(sino), -1, 0);
    }
  }
  // O_TRUNC of a file this open just created empty changes nothing: no commit at close.
  if (!(fresh && created) && (fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY) {
    Status st = node->truncate(0);
    if (!st.ok()) {
      s.nodes().close(sino);
      return replyStatus(req, st);
    }
    keep = false;
  }
  fi->keep_cache = keep ? 1 : 0;
  fi->fh = reinterpret_cast<uint64_t>(new FileHandle{std::move(node), sino});
}

void opOpen(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  StrataFs& s = self(req);
  if ((fi->flags & O_ACCMODE) != O_RDONLY && s.config().read_only) return (void)fuse_reply_err(req, EROFS);
  const uint64_t sino = s.toServer(ino);
  auto node = s.nodes().open(sino);
  fi->fh = 0;
  finishOpen(req, sino, fi, node, false);
  if (fi->fh == 0) return;  // replied with an error
  if (fuse_reply_open(req, fi) != 0) {
    // The opener went away (interrupted): undo the open.
    auto* h = fileOf(fi);
    s.nodes().close(h->ino);
    delete h;
  }
}

void opCreate(fuse_req_t req, fuse_ino_t parent, const char* name, mode_t mode, fuse_file_info* fi) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  const bool exclusive = (fi->flags & O_EXCL) != 0;
  const uint64_t sparent = s.toServer(parent);
  const int64_t sent = monotonicNanos();
  auto made = s.meta().create(sparent, nameOf(name), mode & 07777, callerUid(req), callerGid(req), exclusive);
  if (!made.ok()) {
    s.knownDirs().forget(sparent);
    return replyStatus(req, made.status());
  }
  // created false: the name existed (another client made it), so what was known is wrong.
  noteParent(s, sparent, nameOf(name), *made, made->created, true, sent);
  const fs::Attr* attr = &made->attr;
  auto node = s.nodes().open(attr->ino);
  const bool fresh = attr->size == 0 && !node->localAttr();
  if (fresh) node->setEmpty(*attr);
  fi->fh = 0;
  finishOpen(req, attr->ino, fi, node, fresh, made->created);
  if (fi->fh == 0) return;
  fuse_entry_param e = entryOf(s, *attr);
  if (fuse_reply_create(req, &e, fi) != 0) {
    auto* h = fileOf(fi);
    s.nodes().close(h->ino);
    delete h;
  }
}

void opRead(fuse_req_t req, fuse_ino_t, size_t size, off_t off, fuse_file_info* fi) {
  auto bytes = fileOf(fi)->node->read(static_cast<uint64_t>(off), size);
  if (!bytes.ok()) return replyStatus(req, bytes.status());
  fuse_reply_buf(req, bytes->data(), bytes->size());
}

void opWrite(fuse_req_t req, fuse_ino_t, const char* buf, size_t size, off_t off, fuse_file_info* fi) {
  if (refuseReadOnly(req)) return;
  Status st = fileOf(fi)->node->write(static_cast<uint64_t>(off), std::string_view(buf, size));
  if (!st.ok()) return replyStatus(req, st);
  fuse_reply_write(req, size);
}

// POSIX: closing any descriptor of a file drops the process's fcntl locks on it.
void releasePosixLocks(StrataFs& s, uint64_t sino, uint64_t owner) {
  if (!s.takePosixOwner(sino, owner)) return;
  LockSpec spec;
  spec.session = s.sessionId();
  spec.owner = owner;
  spec.kind = LockKind::kPosix;
  spec.type = LockType::kUnlock;
  auto r = s.meta().lock(sino, spec);
  if (!r.ok()) spdlog::warn("releasing fcntl locks of inode {} failed: {}", sino, r.status().toString());
}

void opFlush(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  StrataFs& s = self(req);
  FileHandle* h = fileOf(fi);
  Status st = h->node->flush();
  releasePosixLocks(s, h->ino, fi->lock_owner);
  replyStatus(req, st);
}

// fsync/fdatasync: commit what is pending and make it (and everything before it) survive a
// machine crash. close() alone promises survival of kill -9 only, like a local disk.
void opFsync(fuse_req_t req, fuse_ino_t, int, fuse_file_info* fi) {
  replyStatus(req, fileOf(fi)->node->flush(/*sync=*/true));
}

void opRelease(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  StrataFs& s = self(req);
  FileHandle* h = fileOf(fi);
  // Pages written through a shared mapping after the last close arrive before release.
  Status st = h->node->flush();
  if (!st.ok()) spdlog::error("flush of inode {} at release failed: {}", h->ino, st.toString());
  if (h->flock_held.load()) {
    LockSpec spec;
    spec.session = s.sessionId();
    spec.owner = fi->fh;
    spec.kind = LockKind::kFlock;
    spec.type = LockType::kUnlock;
    s.meta().lock(h->ino, spec).status().ignoreError();
  }
  s.nodes().close(h->ino);
  delete h;
  fuse_reply_err(req, 0);
}

// --- directories ---

void opOpendir(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi) {
  StrataFs& s = self(req);
  auto* d = new DirHandle;
  d->ino = s.toServer(ino);
  fi->fh = reinterpret_cast<uint64_t>(d);
  if (fuse_reply_open(req, fi) != 0) delete d;
}

// fsync of a directory: the names created, removed or renamed in it so far (and everything
// else committed before) survive a machine crash.
void opFsyncdir(fuse_req_t req, fuse_ino_t, int, fuse_file_info*) { replyStatus(req, self(req).meta().sync()); }

void opReleasedir(fuse_req_t req, fuse_ino_t, fuse_file_info* fi) {
  delete reinterpret_cast<DirHandle*>(fi->fh);
  fuse_reply_err(req, 0);
}

// Makes d->page hold listing position `pos` (or leaves it past the end). Walks forward from
// the current page, or from the start after a rewind.
Status seekDir(StrataFs& s, DirHandle& d, uint64_t pos, bool plus) {
  if (!d.started || pos < d.page_pos) {
    auto page = s.meta().readdir(d.ino, "", kReaddirPage, plus);
    if (!page.ok()) return page.status();
    d.page = std::move(page->entries);
    d.next_cursor = std::move(page->next_cursor);
    d.last = d.next_cursor.empty();
    d.page_pos = 0;
    d.started = true;
  }
  while (pos >= d.page_pos + d.page.size() && !d.last) {
    auto page = s.meta().readdir(d.ino, d.next_cursor, kReaddirPage, plus);
    if (!page.ok()) return page.status();
    d.page_pos += d.page.size();
    d.page = std::move(page->entries);
    d.next_cursor = std::move(page->next_cursor);
    d.last = d.next_cursor.empty();
  }
  return Status::OK();
}

void readdirCommon(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi, bool plus) {
  StrataFs& s = self(req);
  auto* d = reinterpret_cast<DirHandle*>(fi->fh);
  std::lock_guard lock(d->mu);
  std::string buf(size, '\0');
  size_t used = 0;
  uint64_t next = static_cast<uint64_t>(off);
  auto add = [&](const char* name, const struct stat& st, const fuse_entry_param* e, uint64_t next_off) {
    size_t n = plus ? fuse_add_direntry_plus(req, buf.data() + used, size - used, name, e, static_cast<off_t>(next_off))
                    : fuse_add_direntry(req, buf.data() + used, size - used, name, &st, static_cast<off_t>(next_off));
    if (n > size - used) return false;
    used += n;
    return true;
  };
  while (next < 2) {
    struct stat st {};
    st.st_ino = next == 0 ? ino : 1;
    st.st_mode = S_IFDIR;
    fuse_entry_param e{};
    e.attr = st;  // ino 0: the kernel does not cache "." and ".."
    if (!add(next == 0 ? "." : "..", st, &e, next + 1)) break;
    ++next;
  }
  while (used < size && next >= 2) {
    const uint64_t pos = next - 2;
    Status st = seekDir(s, *d, pos, plus);
    if (!st.ok()) {
      if (used == 0) return replyStatus(req, st);
      break;
    }
    if (pos >= d->page_pos + d->page.size()) break;  // end of the listing
    const DirItem& item = d->page[pos - d->page_pos];
    fuse_entry_param e{};
    struct stat sst {};
    if (plus) {
      if (!item.attr) {  // removed while listing
        ++next;
        continue;
      }
      e = entryOf(s, *item.attr);
      sst = e.attr;
    } else {
      sst.st_ino = s.toFuse(item.ino);
      sst.st_mode = item.type == fs::FileType::kDirectory ? S_IFDIR
                    : item.type == fs::FileType::kSymlink ? S_IFLNK : S_IFREG;
    }
    if (!add(item.name.c_str(), sst, &e, next + 1)) break;
    ++next;
  }
  fuse_reply_buf(req, buf.data(), used);
}

void opReaddir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  readdirCommon(req, ino, size, off, fi, false);
}

void opReaddirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, fuse_file_info* fi) {
  readdirCommon(req, ino, size, off, fi, true);
}

// --- xattrs ---

// The kernel asks for security.capability before every write (to drop setcap bits) and for
// ACLs on access; we store neither, so answer locally instead of paying a round trip.
bool kernelOnlyName(std::string_view name) {
  return name.starts_with("security.") || name.starts_with("system.");
}

void opSetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, const char* value, size_t size, int flags) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  if (kernelOnlyName(name)) return (void)fuse_reply_err(req, ENOTSUP);
  s.freshAttrs().drop(s.toServer(ino));
  replyStatus(req, s.meta().setxattr(s.toServer(ino), name, std::string_view(value, size), flags));
}

void opGetxattr(fuse_req_t req, fuse_ino_t ino, const char* name, size_t size) {
  StrataFs& s = self(req);
  if (kernelOnlyName(name)) return (void)fuse_reply_err(req, ENODATA);
  auto value = s.meta().getxattr(s.toServer(ino), name);
  if (!value.ok()) return replyStatus(req, value.status());
  if (size == 0) return (void)fuse_reply_xattr(req, value->size());
  if (value->size() > size) return (void)fuse_reply_err(req, ERANGE);
  fuse_reply_buf(req, value->data(), value->size());
}

void opListxattr(fuse_req_t req, fuse_ino_t ino, size_t size) {
  StrataFs& s = self(req);
  auto names = s.meta().listxattr(s.toServer(ino));
  if (!names.ok()) return replyStatus(req, names.status());
  std::string out;
  for (const auto& n : *names) {
    out += n;
    out += '\0';
  }
  if (size == 0) return (void)fuse_reply_xattr(req, out.size());
  if (out.size() > size) return (void)fuse_reply_err(req, ERANGE);
  fuse_reply_buf(req, out.data(), out.size());
}

void opRemovexattr(fuse_req_t req, fuse_ino_t ino, const char* name) {
  StrataFs& s = self(req);
  if (refuseReadOnly(req)) return;
  if (kernelOnlyName(name)) return (void)fuse_reply_err(req, ENODATA);
  s.freshAttrs().drop(s.toServer(ino));
  replyStatus(req, s.meta().removexattr(s.toServer(ino), name));
}

// --- locks ---

// After a lock is granted (before the caller hears so): the file may have changed on another
// node while unlocked. Reload the node, and make the kernel forget what it caches:
// - its attributes, always: the size it holds may be one it learned before the other node's
//   commit (from this mount's own write or truncate, or a GETATTR answered just before that
//   commit), and it keeps it for the attribute timeout: a read is cut at that size, so the
//   holder would read a prefix of the new contents ("1" of "10"). Invalidating also bumps
//   the kernel's attribute version, so a reply still in flight with older attributes is
//   dropped. It costs the holder's next stat one GETATTR.
// - its pages, unless they are known to match the node's current version
//   (FileNode::kernelCurrent). Whether this node reloaded just now is not enough: another
//   process's open may have reloaded it a moment earlier, and the page drop that such an open
//   causes (keep_cache = 0) runs later, in that opener's context -- a holder reading in
//   between would read the old bytes.
// Both are done here, synchronously, before the lock is reported granted.
void revalidateAfterLock(StrataFs& s, fuse_ino_t ino, uint64_t sino) {
  auto node = s.nodes().find(sino);
  bool pages_current = false;
  uint64_t version = 0;
  if (node) {
    auto r = node->revalidate();
    if (r.ok()) {
      pages_current = node->kernelCurrent();
      version = node->version();
    }
  }
  // offset -1: attributes only; offset 0, length 0: attributes and every page.
  int rc = fuse_lowlevel_notify_inval_inode(s.session(), ino, pages_current ? -1 : 0, 0);
  if (rc != 0 && rc != -ENOENT) spdlog::warn("invalidating inode {} after a lock failed: {}", sino, rc);
  if (!pages_current && version != 0 && rc == 0) node->noteKernelSynced(version);
}

void doLock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, LockSpec spec, bool wait) {
  StrataFs& s = self(req);
  const uint64_t sino = s.toServer(ino);
  spec.session = s.sessionId();
  spec.owner = spec.kind == LockKind::kFlock ? fi->fh : fi->lock_owner;
  FileHandle* h = fileOf(fi);
  if (spec.type == LockType::kUnlock) {
    // Releasing a lock publishes what was written under it first.
    Status st = h->node->flush();
    if (!st.ok()) return replyStatus(req, st);
    auto r = s.meta().lock(sino, spec);
    if (r.ok() && spec.kind == LockKind::kFlock) h->flock_held = false;
    return replyStatus(req, r.status());
  }
  auto delay = std::chrono::milliseconds(5);
  for (;;) {
    auto r = s.meta().lock(sino, spec);
    if (!r.ok()) return replyStatus(req, r.status());
    if (!r->has_value()) break;
    if (!wait) return (void)fuse_reply_err(req, EAGAIN);
    if (fuse_req_interrupted(req)) return (void)fuse_reply_err(req, EINTR);
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(100));
  }
  if (spec.kind == LockKind::kPosix) s.notePosixOwner(sino, spec.owner);
  if (spec.kind == LockKind::kFlock) h->flock_held = true;
  revalidateAfterLock(s, ino, sino);
  fuse_reply_err(req, 0);
}

LockSpec specOf(const struct flock* lock) {
  LockSpec spec;
  spec.kind = LockKind::kPosix;
  spec.type = lock->l_type == F_WRLCK ? LockType::kWrite : lock->l_type == F_RDLCK ? LockType::kRead : LockType::kUnlock;
  spec.start = static_cast<uint64_t>(lock->l_start);
  spec.end = lock->l_len == 0 ? UINT64_MAX : static_cast<uint64_t>(lock->l_start + lock->l_len - 1);
  spec.pid = static_cast<uint32_t>(lock->l_pid);
  return spec;
}

void opGetlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock) {
  StrataFs& s = self(req);
  LockSpec spec = specOf(lock);
  spec.session = s.sessionId();
  spec.owner = fi->lock_owner;
  auto r = s.meta().testLock(s.toServer(ino), spec);
  if (!r.ok()) return replyStatus(req, r.status());
  struct flock out = *lock;
  if (!r->has_value()) {
    out.l_type = F_UNLCK;
  } else {
    const LockHolder& h = **r;
    out.l_type = h.type == LockType::kWrite ? F_WRLCK : F_RDLCK;
    out.l_whence = SEEK_SET;
    out.l_start = static_cast<off_t>(h.start);
    out.l_len = h.end == UINT64_MAX ? 0 : static_cast<off_t>(h.end - h.start + 1);
    out.l_pid = static_cast<pid_t>(h.pid);
  }
  fuse_reply_lock(req, &out);
}

void opSetlk(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, struct flock* lock, int sleep) {
  doLock(req, ino, fi, specOf(lock), sleep != 0);
}

void opFlock(fuse_req_t req, fuse_ino_t ino, fuse_file_info* fi, int op) {
  LockSpec spec;
  spec.kind = LockKind::kFlock;
  const int kind = op & (LOCK_SH | LOCK_EX | LOCK_UN);
  spec.type = kind == LOCK_EX ? LockType::kWrite : kind == LOCK_SH ? LockType::kRead : LockType::kUnlock;
  doLock(req, ino, fi, spec, (op & LOCK_NB) == 0);
}

fuse_lowlevel_ops makeOps() {
  fuse_lowlevel_ops ops{};
  ops.init = opInit;
  ops.lookup = opLookup;
  ops.forget = opForget;
  ops.forget_multi = opForgetMulti;
  ops.getattr = opGetattr;
  ops.setattr = opSetattr;
  ops.readlink = opReadlink;
  ops.mknod = opMknod;
  ops.mkdir = opMkdir;
  ops.unlink = opUnlink;
  ops.rmdir = opRmdir;
  ops.symlink = opSymlink;
  ops.rename = opRename;
  ops.link = opLink;
  ops.open = opOpen;
  ops.read = opRead;
  ops.write = opWrite;
  ops.flush = opFlush;
  ops.release = opRelease;
  ops.fsync = opFsync;
  ops.opendir = opOpendir;
  ops.readdir = opReaddir;
  ops.readdirplus = opReaddirplus;
  ops.releasedir = opReleasedir;
  ops.fsyncdir = opFsyncdir;
  ops.statfs = opStatfs;
  ops.setxattr = opSetxattr;
  ops.getxattr = opGetxattr;
  ops.listxattr = opListxattr;
  ops.removexattr = opRemovexattr;
  ops.access = opAccess;
  ops.create = opCreate;
  ops.getlk = opGetlk;
  ops.setlk = opSetlk;
  ops.flock = opFlock;
  return ops;
}

}  // namespace

const fuse_lowlevel_ops& StrataFs::operations() {
  static const fuse_lowlevel_ops ops = makeOps();
  return ops;
}

}  // namespace strata::mount
