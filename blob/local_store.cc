#include "blob/local_store.h"

#include <optional>

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "blob/chunk_checksum.h"
#include "blob/dir_sync_group.h"
#include "blob/verified_chunks.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/unique_fd.h"

namespace strata::blob {
namespace {

constexpr std::string_view kTempSuffix = ".tmp";

Status posixError(std::string_view what, const std::string& path, int err) {
  std::string msg = std::string(what) + " " + path + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return Status(Code::kNotFound, std::move(msg));
    case ENOSPC:
    case EDQUOT: return Status(Code::kNoSpace, std::move(msg));
    default: return Status(Code::kIOError, std::move(msg));
  }
}

bool isHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isTempName(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && name.ends_with(kTempSuffix);
}

Status writeAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return posixError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

// Reads exactly `n` bytes at `offset`; a short read means the file is shorter than its fstat
// said, which for an immutable chunk file is damage.
Result<std::string> readExactly(int fd, uint64_t offset, size_t n, const std::string& path) {
  std::string out(n, '\0');
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      return posixError("read", path, errno);
    }
    if (r == 0) return corruption("chunk file ", path, " is shorter than its size");
    done += static_cast<size_t>(r);
  }
  return out;
}

// The bytes and what is needed to read them back (size, block map); not the timestamps.
Status fdatasyncFd(int fd, const std::string& path) {
  if (::fdatasync(fd) != 0) return posixError("fdatasync", path, errno);
  return Status::OK();
}

using DirPtr = std::unique_ptr<DIR, int (*)(DIR*)>;

// Opens a directory stream; a null pointer with errno set when it cannot be opened.
DirPtr openDir(const std::string& path) { return DirPtr(::opendir(path.c_str()), &::closedir); }

// Calls `fn(leaf_dir_path)` for every DIR/<ns>/<xx> leaf of one namespace directory until it
// returns false. Entries that are not two-hex-digit names are skipped.
Status forEachLeaf(const std::string& ns_dir, const std::function<Result<bool>(const std::string&)>& fn) {
  DirPtr top = openDir(ns_dir);
  if (!top) return errno == ENOENT ? Status::OK() : posixError("open directory", ns_dir, errno);
  while (dirent* a = ::readdir(top.get())) {
    std::string_view xx = a->d_name;
    if (xx.size() != 2 || !isHex(xx)) continue;
    ASSIGN_OR_RETURN(bool more, fn(ns_dir + "/" + std::string(xx)));
    if (!more) return Status::OK();
  }
  return Status::OK();
}

// Moves the chunk files of the earlier two-level layout (DIR/<ns>/<xx>/<yy>/<hex>) up into
// their one-level leaf DIR/<ns>/<xx>, then removes the emptied <yy> directory. Renames within
// one file system are atomic, so a crash in between leaves every chunk under one of the two
// names; the next open finishes the move. Returns how many chunks moved.
Result<size_t> flattenLegacyLeaf(const std::string& leaf) {
  DirPtr d = openDir(leaf);
  if (!d) return posixError("open directory", leaf, errno);
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d.get())) {
    std::string_view yy = e->d_name;
    if (yy.size() == 2 && isHex(yy)) subdirs.emplace_back(yy);
  }
  size_t moved = 0;
  for (const auto& yy : subdirs) {
    const std::string sub = leaf + "/" + yy;
    DirPtr s = openDir(sub);
    if (!s) {
      if (errno == ENOTDIR || errno == ENOENT) continue;
      return posixError("open directory", sub, errno);
    }
    while (dirent* f = ::readdir(s.get())) {
      std::string_view name = f->d_name;
      if (name == "." || name == "..") continue;
      const std::string from = sub + "/" + std::string(name);
      if (isTempName(name)) {
        ::unlink(from.c_str());  // an interrupted put of the old layout
        continue;
      }
      if (name.size() != 64 || !isHex(name)) continue;  // strays stay where they are
      const std::string to = leaf + "/" + std::string(name);
      if (::rename(from.c_str(), to.c_str()) != 0) return posixError("move chunk", from, errno);
      ++moved;
    }
    ::rmdir(sub.c_str());  // fails (and stays) when strays are left in it
  }
  return moved;
}

class LocalStore final : public Store {
 public:
  LocalStore(std::string root, UniqueFd lock) : root_(std::move(root)), lock_(std::move(lock)) {}

  // Removes temp files of puts that a crash interrupted. Called once at open, under the lock,
  // so no put of ours can be in flight.
  Status removeLeftoverTempFiles() {
    DirPtr top = openDir(root_);
    if (!top) return posixError("open directory", root_, errno);
    size_t removed = 0;
    size_t migrated = 0;
    while (dirent* e = ::readdir(top.get())) {
      if (!checkNamespace(e->d_name).ok()) continue;
      RETURN_IF_ERROR(forEachLeaf(root_ + "/" + e->d_name, [&](const std::string& leaf) -> Result<bool> {
        ASSIGN_OR_RETURN(size_t moved, flattenLegacyLeaf(leaf));
        migrated += moved;
        DirPtr d = openDir(leaf);
        if (!d) return posixError("open directory", leaf, errno);
        while (dirent* f = ::readdir(d.get())) {
          if (!isTempName(f->d_name)) continue;
          if (::unlinkat(dirfd(d.get()), f->d_name, 0) != 0 && errno != ENOENT) {
            return posixError("remove temp file", leaf + "/" + f->d_name, errno);
          }
          ++removed;
        }
        return true;
      }));
    }
    if (removed > 0) spdlog::info("blob store {}: removed {} temp files left by a crash", root_, removed);
    if (migrated > 0) {
      // The moves must be durable before anything relies on the new names.
      RETURN_IF_ERROR(syncFileSystem());
      spdlog::info("blob store {}: moved {} chunks to the one-level layout", root_, migrated);
    }
    return Status::OK();
  }

  // The bytes are fsynced in the temp file before the rename, so a name that survives a
  // power loss always holds the whole chunk. The directory fsyncs that make the name (and
  // any directory created for it) durable are a round of the group: joined at once, or
  // (deferred) left to the next sync(), which does them for all puts together.
  Status put(std::string_view ns, const ChunkId& id, std::string_view data,
             const ChunkPutOptions& options) override {
    RETURN_IF_ERROR(checkChunk(ns, id, data, options));
    ASSIGN_OR_RETURN(auto pending, writeTemp(ns, id, data, /*sync_data=*/true));
    if (pending) {
      RETURN_IF_ERROR(publish(*pending));
    } else {
      // Already stored, possibly by a deferred put whose directory is not synced yet.
      group_.touch(leafDir(ns, id.hex()));
    }
    return options.defer_durability ? Status::OK() : group_.sync();
  }

  // Writes every temp file, makes them all durable with one syncfs(2), renames them into
  // place, and makes the renames durable with a second syncfs (deferred: with the next
  // sync()): two file-system syncs for the whole batch instead of two fsyncs per chunk.
  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                  const ChunkPutOptions& options) override {
    for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));
    const bool deferred = options.defer_durability;
    std::vector<PendingWrite> pending;
    bool found_present = false;
    Status s;
    for (const auto& c : chunks) {
      auto p = writeTemp(ns, c.id, c.data, /*sync_data=*/false);
      if (!p.ok()) {
        s = p.status();
        break;
      }
      if (*p) {
        pending.push_back(std::move(**p));
      } else {
        group_.touch(leafDir(ns, c.id.hex()));
        found_present = true;
      }
    }
    // The new directories of writeTemp are in the group; this sync covers their bytes too.
    if (s.ok() && !pending.empty()) s = syncFileSystem();
    size_t published = 0;
    for (; s.ok() && published < pending.size(); ++published) s = publish(pending[published]);
    if (!s.ok()) {
      for (size_t i = published; i < pending.size(); ++i) {
        ::unlinkat(pending[i].dfd.get(), pending[i].tmp.c_str(), 0);  // best effort
      }
      return s;
    }
    if (deferred) return Status::OK();
    // One syncfs covers the renames, the new directories, and the directories of chunks found
    // present (another put renamed them before we looked, so before this syncfs).
    if (!pending.empty()) return syncFileSystem();
    return found_present ? group_.sync() : Status::OK();
  }

  // Makes the directories of deferred puts (and of chunks found present) durable, one fsync
  // per directory for all of them; concurrent callers share the round (dir_sync_group.h).
  Status sync() override { return group_.sync(); }


  // A chunk written to a temp file beside its final name, not yet renamed into place.
  struct PendingWrite {
    UniqueFd dfd;
    std::string dir;
    std::string tmp;
    std::string hex;
  };

  // nullopt when the chunk is already stored. REQUIRES: checkChunk passed.
  // `sync_data` fdatasyncs the temp file. Directories it creates are changes of the group.
  Result<std::optional<PendingWrite>> writeTemp(std::string_view ns, const ChunkId& id, std::string_view data,
                                                bool sync_data) {
    std::string hex = id.hex();
    std::string dir = leafDir(ns, hex);
    std::string path = dir + "/" + hex;

    // Content-addressed and immutable: a file of the right size under this name is this chunk
    // (get() would catch later damage). A wrong size means damage; rewrite it.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == data.size()) {
      return std::optional<PendingWrite>();
    }

    UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dfd && errno == ENOENT) {
      RETURN_IF_ERROR(makeLeafDirs(ns, hex));
      dfd.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!dfd) return posixError("open directory", dir, errno);

    // A unique temp name per put: concurrent puts of one chunk never write the same file, and
    // the last rename wins with identical bytes.
    std::string tmp = "." + hex + "." + randomHex(8) + std::string(kTempSuffix);
    UniqueFd fd(::openat(dfd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return posixError("create", dir + "/" + tmp, errno);
    Status s = writeAll(fd.get(), data, dir + "/" + tmp);
    // The read check's stamp (chunk_checksum.h): `data` hashes to `id` (checkChunk passed).
    if (s.ok()) writeChecksumStamp(fd.get(), chunkChecksum(id, data));
    if (s.ok() && sync_data) s = fdatasyncFd(fd.get(), dir + "/" + tmp);
    if (s.ok() && ::close(fd.release()) != 0) s = posixError("close", dir + "/" + tmp, errno);
    if (!s.ok()) {
      ::unlinkat(dfd.get(), tmp.c_str(), 0);  // best effort; open() sweeps what remains
      return s;
    }
    return std::optional<PendingWrite>(PendingWrite{std::move(dfd), std::move(dir), std::move(tmp), std::move(hex)});
  }

  // Renames a durable temp file to its final name. The rename is a change of the group
  // (dir_sync_group.h), so a sync() after anyone could see the name makes it durable.
  Status publish(PendingWrite& p) {
    const uint64_t ticket = group_.begin();
    if (::renameat(p.dfd.get(), p.tmp.c_str(), p.dfd.get(), p.hex.c_str()) != 0) {
      const int err = errno;
      group_.end(ticket, "");
      Status s = posixError("rename to", p.dir + "/" + p.hex, err);
      ::unlinkat(p.dfd.get(), p.tmp.c_str(), 0);
      return s;
    }
    group_.end(ticket, p.dir);
    return Status::OK();
  }

  Status syncFileSystem() {
    UniqueFd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return posixError("open directory", root_, errno);
    if (::syncfs(fd.get()) != 0) return posixError("syncfs", root_, errno);
    return Status::OK();
  }

  Result<std::string> get(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    ASSIGN_OR_RETURN(UniqueFd fd, openChunk(ns, id, path));
    ASSIGN_OR_RETURN(struct stat st, statOf(fd.get(), path));
    return readVerified(fd.get(), st, ns, id, path);
  }

  Result<std::string> getRange(std::string_view ns, const ChunkId& id, uint64_t offset,
                               uint64_t length) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    ASSIGN_OR_RETURN(UniqueFd fd, openChunk(ns, id, path));
    ASSIGN_OR_RETURN(struct stat st, statOf(fd.get(), path));
    const auto size = static_cast<uint64_t>(st.st_size);
    if (offset == 0 && length >= size) return readVerified(fd.get(), st, ns, id, path);
    if (offset >= size || length == 0) return std::string();
    uint64_t n = std::min(length, size - offset);
    return readExactly(fd.get(), offset, static_cast<size_t>(n), path);
  }

  Result<ChunkInfo> stat(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return missing(ns, id);
      return posixError("stat", path, errno);
    }
    return ChunkInfo{id, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec)};
  }

  Status remove(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    // No directory fsync: a removal that a power loss undoes is only an orphan, which the
    // collector removes again.
    verified_.forget(ns, id);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
      return posixError("remove", path, errno);
    }
    return Status::OK();
  }

  Status list(std::string_view ns, const std::function<bool(const ChunkInfo&)>& visit) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string ns_dir = root_ + "/" + std::string(ns);
    return forEachLeaf(ns_dir, [&](const std::string& leaf) -> Result<bool> {
      DirPtr d = openDir(leaf);
      if (!d) return errno == ENOENT ? Result<bool>(true) : Result<bool>(posixError("open directory", leaf, errno));
      // The leaf path ends in "/xx": a chunk file's name must start with those digits, or get()
      // would never find it.
      std::string_view prefix(leaf.data() + leaf.size() - 2, 2);
      while (dirent* f = ::readdir(d.get())) {
        std::string_view name = f->d_name;
        if (name.size() != 64 || name.substr(0, 2) != prefix) {
          continue;  // temp files, strays
        }
        auto id = Digest::fromHex(name);
        if (!id.ok() || !isHex(name)) continue;  // fromHex also accepts upper case
        struct stat st {};
        if (::fstatat(dirfd(d.get()), f->d_name, &st, 0) != 0) {
          if (errno == ENOENT) continue;  // removed while we listed
          return posixError("stat", leaf + "/" + std::string(name), errno);
        }
        if (!S_ISREG(st.st_mode)) continue;
        if (!visit(ChunkInfo{*id, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec)})) {
          return false;
        }
      }
      return true;
    });
  }

 private:
  std::string leafDir(std::string_view ns, const std::string& hex) const {
    return root_ + "/" + std::string(ns) + "/" + hex.substr(0, 2);
  }
  std::string chunkPath(std::string_view ns, const std::string& hex) const {
    return leafDir(ns, hex) + "/" + hex;
  }

  static Status missing(std::string_view ns, const ChunkId& id) {
    return notFound("chunk ", id.hex(), " not found in namespace ", ns);
  }

  // Creates DIR/<ns>/<xx> as needed. Each mkdir is a change of the group (its parent is
  // fsynced by the next round), so a chunk renamed into the new directory cannot vanish with
  // the directory after a power loss: the round that makes the chunk's name durable makes
  // the directory's durable too.
  Status makeLeafDirs(std::string_view ns, const std::string& hex) {
    std::string parent = root_;
    for (std::string part : {std::string(ns), hex.substr(0, 2)}) {
      std::string path = parent + "/" + part;
      const uint64_t ticket = group_.begin();
      if (::mkdir(path.c_str(), 0755) == 0) {
        group_.end(ticket, parent);
      } else if (errno == EEXIST) {
        // Possibly created by a deferred put a moment ago: the parent stays in the group.
        group_.end(ticket, parent);
      } else {
        const int err = errno;
        group_.end(ticket, "");
        return posixError("create directory", path, err);
      }
      parent = std::move(path);
    }
    return Status::OK();
  }

  static Result<UniqueFd> openChunk(std::string_view ns, const ChunkId& id, const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
      if (errno == ENOENT || errno == ENOTDIR) return missing(ns, id);
      return posixError("open", path, errno);
    }
    return fd;
  }

  static Result<struct stat> statOf(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return posixError("stat", path, errno);
    return st;
  }

  // Checks a whole chunk file against its id, reading it with `feed` (which calls its
  // argument with the file's bytes in order): by its CRC-32C stamp when it has one, else (or
  // when the stamp does not match) by hashing it; a file that hashes right is stamped, so the
  // next read is cheap (chunk_checksum.h). `st` is the fstat of `fd` before the read; the
  // file is stat'ed again after it, so a change during the read is never mistaken for the
  // verified file. A file this process verified recently (verified_chunks.h) and finds
  // unchanged is not checked again: `bytes_in_hand` says the caller already read it (so it
  // must be unchanged after that read too); otherwise it is not read at all.
  using Feed = std::function<Status(const std::function<void(std::string_view)>&)>;
  Status verifyWhole(int fd, const struct stat& st, std::string_view ns, const ChunkId& id,
                     const std::string& path, const Feed& feed, bool bytes_in_hand) {
    if (static_cast<uint64_t>(st.st_size) > kMaxChunkSize) {
      return corruption("chunk file ", path, " is larger than the maximum chunk size");
    }
    const FileIdentity before = FileIdentity::of(st);
    auto unchangedSince = [&]() -> Result<bool> {
      ASSIGN_OR_RETURN(struct stat after_st, statOf(fd, path));
      return FileIdentity::of(after_st) == before;
    };
    const bool known = verified_.contains(ns, id, before);
    if (known && !bytes_in_hand) return Status::OK();
    if (known) {
      ASSIGN_OR_RETURN(bool unchanged, unchangedSince());
      if (unchanged) return Status::OK();
    }
    const int64_t started = nowNanos();
    const std::optional<uint32_t> stamp = readChecksumStamp(fd);
    if (stamp) {
      uint32_t sum = chunkChecksum(id, {});
      RETURN_IF_ERROR(feed([&](std::string_view piece) { sum = extendChecksum(sum, piece); }));
      if (sum == *stamp) {
        ASSIGN_OR_RETURN(bool unchanged, unchangedSince());
        if (unchanged) verified_.remember(ns, id, before, started);
        return Status::OK();
      }
    }
    Sha256 hash;
    uint32_t sum = chunkChecksum(id, {});
    RETURN_IF_ERROR(feed([&](std::string_view piece) {
      hash.update(piece);
      sum = extendChecksum(sum, piece);
    }));
    if (hash.finish() != id) {
      verified_.forget(ns, id);
      spdlog::error("blob store: chunk {} in namespace {} does not match its id ({})", id.hex(), ns, path);
      return corruption("chunk ", id.hex(), " in namespace ", ns, " is damaged: its bytes do not match its id");
    }
    ASSIGN_OR_RETURN(bool unchanged, unchangedSince());
    if (unchanged) verified_.remember(ns, id, before, started);
    if (!stamp || *stamp != sum) writeChecksumStamp(fd, sum);  // changes the ctime: after the check
    return Status::OK();
  }

  // Reads the whole chunk and checks it (verifyWhole).
  Result<std::string> readVerified(int fd, const struct stat& st, std::string_view ns, const ChunkId& id,
                                   const std::string& path) {
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > kMaxChunkSize) {
      return corruption("chunk file ", path, " is larger than the maximum chunk size");
    }
    ASSIGN_OR_RETURN(std::string data, readExactly(fd, 0, static_cast<size_t>(size), path));
    RETURN_IF_ERROR(verifyWhole(fd, st, ns, id, path, [&](const auto& consume) {
      consume(data);
      return Status::OK();
    }, /*bytes_in_hand=*/true));
    return data;
  }

 public:
  // A whole chunk is checked here, reading it through a small per-thread buffer (it stays in
  // the CPU cache, and nothing of 4 MiB is allocated or zero-filled); the caller then sends
  // the file's bytes without copying them (sendfile). A partial range is not checked, as
  // with getRange.
  Result<ChunkSlice> getSlice(std::string_view ns, const ChunkId& id, uint64_t offset,
                              uint64_t length) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    ASSIGN_OR_RETURN(UniqueFd fd, openChunk(ns, id, path));
    ASSIGN_OR_RETURN(struct stat st, statOf(fd.get(), path));
    const auto size = static_cast<uint64_t>(st.st_size);
    ChunkSlice slice;
    if (offset == 0 && length >= size) {
      RETURN_IF_ERROR(verifyWhole(fd.get(), st, ns, id, path, [&](const auto& consume) {
        return readInPieces(fd.get(), size, path, consume);
      }, /*bytes_in_hand=*/false));
      slice.length = size;
    } else if (offset < size) {
      slice.offset = offset;
      slice.length = std::min(length, size - offset);
    }
    if (slice.length > 0) slice.file = std::move(fd);
    return slice;
  }

 private:
  // Calls `consume` with the file's first `size` bytes, a buffer's worth at a time.
  static Status readInPieces(int fd, uint64_t size, const std::string& path,
                             const std::function<void(std::string_view)>& consume) {
    constexpr size_t kPiece = 256 << 10;
    thread_local std::unique_ptr<char[]> buffer(new char[kPiece]);
    uint64_t done = 0;
    while (done < size) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kPiece, size - done));
      ssize_t r = ::pread(fd, buffer.get(), want, static_cast<off_t>(done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return posixError("read", path, errno);
      }
      if (r == 0) return corruption("chunk file ", path, " is shorter than its size");
      consume(std::string_view(buffer.get(), static_cast<size_t>(r)));
      done += static_cast<uint64_t>(r);
    }
    return Status::OK();
  }

  const std::string root_;
  const UniqueFd lock_;  // holds the flock on DIR/.lock for the store's lifetime
  DirSyncGroup group_;        // directory fsyncs of deferred puts (and their rounds)
  VerifiedChunks verified_;   // chunk files hashed by this process, unchanged since
};
}  // namespace

Result<std::unique_ptr<Store>> openLocalStore(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return ioError("create blob store directory ", dir, ": ", ec.message());
  std::string lock_path = dir + "/.lock";
  UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!lock) return posixError("open", lock_path, errno);
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) return busy("blob store ", dir, " is already open (", lock_path, " is locked)");
    return posixError("lock", lock_path, errno);
  }
  auto store = std::make_unique<LocalStore>(dir, std::move(lock));
  RETURN_IF_ERROR(store->removeLeftoverTempFiles());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace strata::blob
