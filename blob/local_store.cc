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

Status fsyncFd(int fd, const std::string& path) {
  if (::fsync(fd) != 0) return posixError("fsync", path, errno);
  return Status::OK();
}

Status fsyncDir(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return posixError("open directory", path, errno);
  return fsyncFd(fd.get(), path);
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

  Status put(std::string_view ns, const ChunkId& id, std::string_view data) override {
    RETURN_IF_ERROR(checkChunk(ns, id, data));
    ASSIGN_OR_RETURN(auto pending, writeTemp(ns, id, data, /*sync=*/true));
    if (!pending) return Status::OK();  // already stored
    RETURN_IF_ERROR(publish(*pending));
    // The rename is durable only once the directory entry is.
    return fsyncFd(pending->dfd.get(), pending->dir);
  }

  // Writes every temp file, makes them all durable with one syncfs(2), renames them into
  // place, and makes the renames durable with a second syncfs: two file-system syncs for the
  // whole batch instead of two fsyncs per chunk.
  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks) override {
    for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data));
    std::vector<PendingWrite> pending;
    Status s;
    for (const auto& c : chunks) {
      auto p = writeTemp(ns, c.id, c.data, /*sync=*/false);
      if (!p.ok()) {
        s = p.status();
        break;
      }
      if (*p) pending.push_back(std::move(**p));
    }
    if (s.ok() && !pending.empty()) s = syncFileSystem();
    size_t published = 0;
    for (; s.ok() && published < pending.size(); ++published) s = publish(pending[published]);
    if (!s.ok()) {
      for (size_t i = published; i < pending.size(); ++i) {
        ::unlinkat(pending[i].dfd.get(), pending[i].tmp.c_str(), 0);  // best effort
      }
      return s;
    }
    return pending.empty() ? Status::OK() : syncFileSystem();
  }

  // put() and putBatch() are durable when they return: nothing is left to sync.
  Status sync() override { return Status::OK(); }


  // A chunk written to a temp file beside its final name, not yet renamed into place.
  struct PendingWrite {
    UniqueFd dfd;
    std::string dir;
    std::string tmp;
    std::string hex;
  };

  // nullopt when the chunk is already stored. REQUIRES: checkChunk passed.
  Result<std::optional<PendingWrite>> writeTemp(std::string_view ns, const ChunkId& id, std::string_view data,
                                                bool sync) {
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
      RETURN_IF_ERROR(makeLeafDirs(ns, hex, sync));
      dfd.reset(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    }
    if (!dfd) return posixError("open directory", dir, errno);

    // A unique temp name per put: concurrent puts of one chunk never write the same file, and
    // the last rename wins with identical bytes.
    std::string tmp = "." + hex + "." + randomHex(8) + std::string(kTempSuffix);
    UniqueFd fd(::openat(dfd.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (!fd) return posixError("create", dir + "/" + tmp, errno);
    Status s = writeAll(fd.get(), data, dir + "/" + tmp);
    if (s.ok() && sync) s = fsyncFd(fd.get(), dir + "/" + tmp);
    if (s.ok() && ::close(fd.release()) != 0) s = posixError("close", dir + "/" + tmp, errno);
    if (!s.ok()) {
      ::unlinkat(dfd.get(), tmp.c_str(), 0);  // best effort; open() sweeps what remains
      return s;
    }
    return std::optional<PendingWrite>(PendingWrite{std::move(dfd), std::move(dir), std::move(tmp), std::move(hex)});
  }

  // Renames a durable temp file to its final name.
  static Status publish(PendingWrite& p) {
    if (::renameat(p.dfd.get(), p.tmp.c_str(), p.dfd.get(), p.hex.c_str()) != 0) {
      Status s = posixError("rename to", p.dir + "/" + p.hex, errno);
      ::unlinkat(p.dfd.get(), p.tmp.c_str(), 0);
      return s;
    }
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
    ASSIGN_OR_RETURN(uint64_t size, sizeOf(fd.get(), path));
    return readVerified(fd.get(), size, ns, id, path);
  }

  Result<std::string> getRange(std::string_view ns, const ChunkId& id, uint64_t offset,
                               uint64_t length) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    std::string path = chunkPath(ns, id.hex());
    ASSIGN_OR_RETURN(UniqueFd fd, openChunk(ns, id, path));
    ASSIGN_OR_RETURN(uint64_t size, sizeOf(fd.get(), path));
    if (offset == 0 && length >= size) return readVerified(fd.get(), size, ns, id, path);
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

  // Creates DIR/<ns>/<xx> as needed. With `sync`, each directory created is made durable
  // by syncing its parent, so a chunk renamed into it cannot vanish with its directory after a
  // power loss; putBatch passes false because its syncfs covers the new directories too.
  Status makeLeafDirs(std::string_view ns, const std::string& hex, bool sync) const {
    std::string parent = root_;
    for (std::string part : {std::string(ns), hex.substr(0, 2)}) {
      std::string path = parent + "/" + part;
      if (::mkdir(path.c_str(), 0755) == 0) {
        if (sync) RETURN_IF_ERROR(fsyncDir(parent));
      } else if (errno != EEXIST) {
        return posixError("create directory", path, errno);
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

  static Result<uint64_t> sizeOf(int fd, const std::string& path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return posixError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  static Result<std::string> readVerified(int fd, uint64_t size, std::string_view ns, const ChunkId& id,
                                          const std::string& path) {
    if (size > kMaxChunkSize) {
      return corruption("chunk file ", path, " is larger than the maximum chunk size");
    }
    ASSIGN_OR_RETURN(std::string data, readExactly(fd, 0, static_cast<size_t>(size), path));
    if (Sha256::of(data) != id) {
      spdlog::error("blob store: chunk {} in namespace {} does not match its id ({})", id.hex(), ns, path);
      return corruption("chunk ", id.hex(), " in namespace ", ns, " is damaged: its bytes do not match its id");
    }
    return data;
  }

  const std::string root_;
  const UniqueFd lock_;  // holds the flock on DIR/.lock for the store's lifetime
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
