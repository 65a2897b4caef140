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
#include "blob/unpublished_chunks.h"
#include "blob/verified_chunks.h"
#include "common/clock.h"
#include "common/random.h"
#include "common/sha256.h"
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

// A temp file ".<hex>.<random>.tmp" in `leaf` whose bytes hash to <hex> is a whole chunk: it is
// fdatasynced (its bytes may have been only in the page cache of a process that was killed)
// and renamed to <hex>; true then. False for anything else (the caller removes it).
Result<bool> promoteIfWhole(int dfd, const std::string& leaf, std::string_view name) {
  if (name.size() < 66 || name[65] != '.') return false;
  const std::string hex(name.substr(1, 64));
  if (!isHex(hex) || std::string_view(hex).substr(0, 2) != std::string_view(leaf).substr(leaf.size() - 2)) return false;
  auto id = Digest::fromHex(hex);
  if (!id.ok()) return false;
  struct stat st {};
  if (::fstatat(dfd, hex.c_str(), &st, 0) == 0) return false;  // stored already
  const std::string path = leaf + "/" + std::string(name);
  UniqueFd fd(::openat(dfd, path.c_str() + leaf.size() + 1, O_RDWR | O_CLOEXEC));
  if (!fd || ::fstat(fd.get(), &st) != 0 || static_cast<uint64_t>(st.st_size) > kMaxChunkSize) return false;
  auto data = readExactly(fd.get(), 0, static_cast<size_t>(st.st_size), path);
  if (!data.ok() || Sha256::of(*data) != *id) return false;
  RETURN_IF_ERROR(fdatasyncFd(fd.get(), path));
  if (::renameat(dfd, path.c_str() + leaf.size() + 1, dfd, hex.c_str()) != 0) {
    return posixError("rename temp file", path, errno);
  }
  return true;
}

class LocalStore final : public Store {
 public:
  LocalStore(std::string root, UniqueFd lock) : root_(std::move(root)), lock_(std::move(lock)) {}

  // Sorts out the temp files that a crash left: a deferred put returns before its chunk is
  // renamed into place (unpublished_chunks.h), so a temp file whose bytes hash to its name is
  // a chunk that put promised to keep, and is renamed into place; the rest (interrupted
  // writes, or bytes a power loss damaged) are removed. Called once at open, under the lock,
  // so no put of ours can be in flight.
  Status removeLeftoverTempFiles() {
    DirPtr top = openDir(root_);
    if (!top) return posixError("open directory", root_, errno);
    size_t removed = 0;
    size_t promoted = 0;
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
          ASSIGN_OR_RETURN(bool kept, promoteIfWhole(dirfd(d.get()), leaf, f->d_name));
          if (kept) {
            ++promoted;
            continue;
          }
          if (::unlinkat(dirfd(d.get()), f->d_name, 0) != 0 && errno != ENOENT) {
            return posixError("remove temp file", leaf + "/" + f->d_name, errno);
          }
          ++removed;
        }
        return true;
      }));
    }
    if (removed > 0) spdlog::info("blob store {}: removed {} temp files left by a crash", root_, removed);
    if (promoted > 0) spdlog::info("blob store {}: kept {} whole chunks of deferred puts a crash left unpublished", root_, promoted);
    if (migrated > 0 || promoted > 0) {
      // The moves must be durable before anything relies on the new names.
      RETURN_IF_ERROR(syncFileSystem());
      if (migrated > 0) spdlog::info("blob store {}: moved {} chunks to the one-level layout", root_, migrated);
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
    if (options.defer_durability) return putDeferred(ns, id, data);
    ASSIGN_OR_RETURN(auto pending, writeTemp(ns, id, data, TempWrite::kSyncData));
    if (pending) {
      RETURN_IF_ERROR(publish(*pending));
    } else {
      // Already stored, possibly by a deferred put whose directory is not synced yet.
      group_.touch(leafDir(ns, id.hex()));
    }
    return sync();
  }

  // Writes the temp file, starts its writeback and hands it to unpublished_, which fdatasyncs
  // and renames it in the background (or at the latest in the next sync()).
  Status putDeferred(std::string_view ns, const ChunkId& id, std::string_view data) {
    const std::string hex = id.hex();
    const std::string path = chunkPath(ns, hex);
    if (unpublished_.contains(path)) return Status::OK();  // the next sync() covers it
    ASSIGN_OR_RETURN(auto pending, writeTemp(ns, id, data, TempWrite::kStartWriteback));
    if (!pending) {
      group_.touch(leafDir(ns, hex));  // stored, its directory maybe not yet synced
      return Status::OK();
    }
    return unpublished_.add(path, std::move(*pending));
  }

  // Writes every temp file, makes them all durable with one syncfs(2), renames them into
  // place, and makes the renames durable with a second syncfs (deferred: with the next
  // sync()): two file-system syncs for the whole batch instead of two fsyncs per chunk.
  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                  const ChunkPutOptions& options) override {
    for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));
    const bool deferred = options.defer_durability;
    std::vector<TempChunk> pending;
    bool found_present = false;
    Status s;
    for (const auto& c : chunks) {
      auto p = writeTemp(ns, c.id, c.data, TempWrite::kNoSync);
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
        ::unlinkat(pending[i].dir_fd.get(), pending[i].tmp.c_str(), 0);  // best effort
      }
      return s;
    }
    if (deferred) return Status::OK();
    // One syncfs covers the renames, the new directories, and the directories of chunks found
    // present (another put renamed them before we looked, so before this syncfs).
    if (!pending.empty()) return syncFileSystem();
    return found_present ? group_.sync() : Status::OK();
  }

  // Publishes the deferred puts' chunks (fdatasync, rename), then makes the directories
  // changed by them (and those of chunks found present) durable, one fsync per directory for
  // all of them; concurrent callers share the rounds (unpublished_chunks.h, dir_sync_group.h).
  Status sync() override {
    RETURN_IF_ERROR(unpublished_.publishAll());
    return group_.sync();
  }

  // What writeTemp does after writing: fdatasync (the temp file is renamed next), nothing
  // (the caller syncs many at once), or start the writeback and keep the file open
  // (a deferred put: unpublished_chunks.h syncs it).
  enum class TempWrite { kSyncData, kNoSync, kStartWriteback };

  // nullopt when the chunk is already stored. REQUIRES: checkChunk passed.
  // Directories it creates are changes of the group.
  Result<std::optional<TempChunk>> writeTemp(std::string_view ns, const ChunkId& id, std::string_view data,
                                             TempWrite mode) {
    std::string hex = id.hex();
    std::string dir = leafDir(ns, hex);
    std::string path = dir + "/" + hex;

    // Content-addressed and immutable: a file of the right size under this name is this chunk
    // (get() would catch later damage). A wrong size means damage; rewrite it.
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == data.size()) {
      return std::optional<TempChunk>();
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
    UniqueFd fd(::openat(dfd.get(), tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return posixError("create", dir + "/" + tmp, errno);
    Status s = writeAll(fd.get(), data, dir + "/" + tmp);
    // The read check's stamp (chunk_checksum.h): `data` hashes to `id` (checkChunk passed).
    if (s.ok()) writeChecksumStamp(fd.get(), chunkChecksum(id, data));
    if (s.ok() && mode == TempWrite::kSyncData) s = fdatasyncFd(fd.get(), dir + "/" + tmp);
    if (s.ok() && mode == TempWrite::kStartWriteback) {
      // Only a hint to the kernel to write the pages now rather than in 30 s; the
      // fdatasync of the publication is what waits for them.
      ::sync_file_range(fd.get(), 0, 0, SYNC_FILE_RANGE_WRITE);
    } else if (s.ok() && ::close(fd.release()) != 0) {
      s = posixError("close", dir + "/" + tmp, errno);  // a batch may hold thousands: close now
    }
    if (!s.ok()) {
      ::unlinkat(dfd.get(), tmp.c_str(), 0);  // best effort; open() sweeps what remains
      return s;
    }
    return std::optional<TempChunk>(TempChunk{std::move(dfd), std::move(fd), std::move(dir), std::move(tmp), std::move(hex)});
  }

  // Renames a durable temp file to its final name. The rename is a change of the group
  // (dir_sync_group.h), so a sync() after anyone could see the name makes it durable.
  Status publish(TempChunk& p) {
    const uint64_t ticket = group_.begin();
    if (::renameat(p.dir_fd.get(), p.tmp.c_str(), p.dir_fd.get(), p.name.c_str()) != 0) {
      const int err = errno;
      group_.end(ticket, "");
      Status s = posixError("rename to", p.dir + "/" + p.name, err);
      ::unlinkat(p.dir_fd.get(), p.tmp.c_str(), 0);
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
      if (errno != ENOENT && errno != ENOTDIR) return posixError("stat", path, errno);
      // Not published yet, or published since the stat (then the second stat finds it).
      UniqueFd waiting = unpublished_.open(path);
      if (waiting ? ::fstat(waiting.get(), &st) != 0 : ::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) return missing(ns, id);
        return posixError("stat", path, errno);
      }
    }
    return ChunkInfo{id, static_cast<uint64_t>(st.st_size), static_cast<int64_t>(st.st_mtim.tv_sec)};
  }

  Status remove(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    // No directory fsync: a removal that a power loss undoes is only an orphan, which the
    // collector removes again.
    verified_.forget(ns, id);
    unpublished_.remove(path);
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

  // Opens the chunk file, or the temp file of a chunk not published yet.
  Result<UniqueFd> openChunk(std::string_view ns, const ChunkId& id, const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd && (errno == ENOENT || errno == ENOTDIR)) {
      fd = unpublished_.open(path);
      // Published between the two looks: the name exists now.
      if (!fd) fd.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    }
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
  UnpublishedChunks unpublished_{group_};  // deferred puts not yet renamed into place
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
