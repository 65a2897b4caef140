#include "cli/downloader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "cli/paths.h"
#include "cli/remote_tree.h"
#include "cli/task_pool.h"
#include "client/chunking.h"
#include "common/random.h"
#include "common/sha256.h"

namespace strata::cli {
namespace {

constexpr size_t kFilesPerBatch = 1000;
constexpr uint64_t kBytesPerBatch = 8ull << 30;
// Files up to this size are fetched whole, many per request (POST files:read), instead of a
// chunk-map request and a chunk request each.
constexpr uint64_t kSmallFile = 1u << 20;
constexpr size_t kSmallFilesPerRequest = 256;
constexpr uint64_t kSmallBytesPerRequest = 4u << 20;

Status errnoStatus(const std::string& what, const std::string& path) {
  return ioError(what, " ", path, ": ", std::strerror(errno));
}

Status makeLocalDirs(const std::string& path) {
  if (path.empty()) return Status::OK();
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    const std::string part = path.substr(0, pos);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return errnoStatus("cannot create", part);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(Code::kNotDirectory, path + " exists and is not a directory");
  }
  return Status::OK();
}

struct FileJob {
  std::string remote_path;
  std::string local_path;
  std::string temp_path;
  client::Entry entry;
  client::ChunkMap map;
  bool have_local_same_size = false;  // delta against the existing local file
  bool small = false;                 // fetched whole with other small files
  bool published = false;             // already renamed into place by a worker
};

class Downloader {
 public:
  Downloader(const client::Client& client, const TransferOptions& options, Progress& progress)
      : client_(client), options_(options), progress_(progress), pool_(options.workers) {}

  Result<TransferResult> run(const std::string& remote_arg, const std::string& local);

 private:
  // Decides whether `entry` at `local_path` needs fetching; queues it when it does.
  Status consider(const std::string& remote_path, const std::string& local_path, const client::Entry& entry,
                  std::vector<FileJob>& batch);
  Status fetchBatch(std::vector<FileJob>& batch);
  Status fetchSmallFiles(std::vector<FileJob>& batch, const std::vector<size_t>& group);
  static Status createTemp(FileJob& job, uint64_t size);
  Status fetchChunk(FileJob& job, const fs::ChunkRef& ref);
  Status finish(FileJob& job);
  static Status publish(FileJob& job);
  void cleanup(std::vector<FileJob>& batch);

  const client::Client& client_;
  const TransferOptions& options_;
  Progress& progress_;
  TaskPool pool_;
  TransferResult result_;
};

Status Downloader::consider(const std::string& remote_path, const std::string& local_path,
                            const client::Entry& entry, std::vector<FileJob>& batch) {
  ++result_.files_total;
  result_.bytes_total += entry.attr.size;
  struct stat st {};
  bool same_size = false;
  if (::lstat(local_path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status(Code::kIsDirectory, "cannot overwrite directory " + local_path + " with a file");
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (S_ISREG(st.st_mode) && static_cast<uint64_t>(st.st_size) == entry.attr.size) {
      if (mtime == entry.attr.mtime_ns) {
        ++result_.files_skipped;
        return Status::OK();
      }
      same_size = true;
    }
  }
  FileJob job;
  job.remote_path = remote_path;
  job.local_path = local_path;
  job.entry = entry;
  job.have_local_same_size = same_size;
  result_.bytes_changed += entry.attr.size;
  progress_.addTotals(entry.attr.size, 1);
  batch.push_back(std::move(job));
  return Status::OK();
}

Result<TransferResult> Downloader::run(const std::string& remote_arg, const std::string& local) {
  const std::string remote = normalizeRemote(remote_arg);
  ASSIGN_OR_RETURN(client::Entry root, client_.stat(options_.fs, remote));
  std::vector<FileJob> batch;
  uint64_t batch_bytes = 0;
  auto flushIfFull = [&]() -> Status {
    if (batch.size() < kFilesPerBatch && batch_bytes < kBytesPerBatch) return Status::OK();
    Status st = fetchBatch(batch);
    batch.clear();
    batch_bytes = 0;
    return st;
  };

  if (root.isDir()) {
    if (!options_.recursive) return Status(Code::kIsDirectory, remote + " is a directory (use -r to download a tree)");
    ASSIGN_OR_RETURN(RemoteTree tree, listRemoteTree(client_, options_.fs, remote));
    RETURN_IF_ERROR(makeLocalDirs(local));
    for (const auto& [rel, entry] : tree) {
      const std::string local_path = joinLocal(local, rel);
      if (entry.isDir()) {
        struct stat st {};
        if (::lstat(local_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
        RETURN_IF_ERROR(makeLocalDirs(local_path));
        ++result_.dirs_created;
      } else if (entry.isSymlink()) {
        // Recreated as a symlink with the same target; an existing entry of that name is kept.
        if (::symlink(entry.target.c_str(), local_path.c_str()) != 0 && errno != EEXIST) {
          return errnoStatus("cannot create symlink", local_path);
        }
      } else {
        RETURN_IF_ERROR(consider(joinRemote(remote, rel), local_path, entry, batch));
        batch_bytes += entry.attr.size;
        RETURN_IF_ERROR(flushIfFull());
      }
    }
  } else if (root.isFile()) {
    std::string target = local;
    struct stat st {};
    const bool local_is_dir = ::stat(local.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (local_is_dir || endsWithSlash(local)) {
      if (!local_is_dir) RETURN_IF_ERROR(makeLocalDirs(local));
      target = joinLocal(local, baseName(remote));
    }
    RETURN_IF_ERROR(consider(remote, target, root, batch));
  } else {
    return invalidArgument(remote, " is a symlink to ", root.target, "; download its target instead");
  }
  if (!batch.empty()) RETURN_IF_ERROR(fetchBatch(batch));
  result_.wire_bytes = progress_.wireBytes();
  result_.seconds = progress_.elapsedSeconds();
  return result_;
}

// Creates the job's temp file beside its target, sized up front (holes read as zeros).
Status Downloader::createTemp(FileJob& job, uint64_t size) {
  const auto slash = job.local_path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : job.local_path.substr(0, slash + 1);
  job.temp_path = dir + "." + baseName(job.local_path) + ".strata-" + randomHex(6);
  const int fd = ::open(job.temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const Status st = errnoStatus("cannot create", job.temp_path);
    job.temp_path.clear();
    return st;
  }
  const int rc = ::ftruncate(fd, static_cast<off_t>(size));
  ::close(fd);
  if (rc != 0) return errnoStatus("cannot size", job.temp_path);
  return Status::OK();
}

// Small files come whole in one request per group: chunk maps and verified bytes together.
Status Downloader::fetchSmallFiles(std::vector<FileJob>& batch, const std::vector<size_t>& group) {
  std::vector<std::string> paths;
  paths.reserve(group.size());
  for (size_t i : group) paths.push_back(batch[i].remote_path);
  return client_.readFiles(options_.fs, paths, [&](size_t k, client::ChunkMap& map, std::string& bytes) -> Status {
    FileJob& job = batch[group[k]];
    job.map = std::move(map);
    RETURN_IF_ERROR(createTemp(job, job.map.size));
    uint64_t wire = 0;
    for (const auto& c : job.map.chunks) wire += c.length;
    if (!bytes.empty()) {
      const int fd = ::open(job.temp_path.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0) return errnoStatus("cannot open", job.temp_path);
      Status st = client::writeExact(fd, 0, bytes, job.temp_path);
      ::close(fd);
      RETURN_IF_ERROR(st);
    }
    progress_.addWire(wire);
    progress_.addBytes(job.map.size);
    return publish(job);  // on the worker: the main thread only counts small files
  });
}

Status Downloader::fetchBatch(std::vector<FileJob>& batch) {
  // 1. Small files whole, many per request; chunk maps of the others. All in parallel.
  std::vector<size_t> group;
  uint64_t group_bytes = 0;
  auto submitGroup = [&]() {
    if (group.empty()) return;
    pool_.submit([this, &batch, g = std::move(group)]() { return fetchSmallFiles(batch, g); });
    group.clear();
    group_bytes = 0;
  };
  for (size_t i = 0; i < batch.size(); ++i) {
    FileJob& job = batch[i];
    if (job.entry.attr.size <= kSmallFile) {
      job.small = true;
      if (group.size() >= kSmallFilesPerRequest || group_bytes + job.entry.attr.size > kSmallBytesPerRequest) {
        submitGroup();
      }
      group.push_back(i);
      group_bytes += job.entry.attr.size;
      continue;
    }
    pool_.submit([this, &job]() -> Status {
      ASSIGN_OR_RETURN(job.map, client_.chunkMap(options_.fs, job.remote_path));
      RETURN_IF_ERROR(createTemp(job, job.map.size));
      if (job.map.size != job.entry.attr.size) job.have_local_same_size = false;
      return Status::OK();
    });
  }
  submitGroup();
  Status st = pool_.wait();
  // 2. Every chunk of every other file, in parallel.
  if (st.ok()) {
    for (auto& job : batch) {
      if (job.small) continue;
      for (const auto& ref : job.map.chunks) {
        pool_.submit([this, &job, ref]() { return fetchChunk(job, ref); });
      }
    }
    st = pool_.wait();
  }
  // 3. Times, mode, rename.
  if (st.ok()) {
    for (auto& job : batch) {
      st = finish(job);
      if (!st.ok()) break;
    }
  }
  cleanup(batch);
  return st;
}

Status Downloader::fetchChunk(FileJob& job, const fs::ChunkRef& ref) {
  const uint64_t offset = ref.index * fs::kChunkSize;
  thread_local std::string buffer;
  bool local_match = false;
  if (job.have_local_same_size) {
    const int fd = ::open(job.local_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      local_match = client::readExact(fd, offset, ref.length, buffer, job.local_path).ok() &&
                    Sha256::of(buffer) == ref.id;
      ::close(fd);
    }
  }
  std::string fetched;
  std::string_view bytes = buffer;
  if (!local_match) {
    ASSIGN_OR_RETURN(fetched, client_.readChunk(options_.fs, ref.id));  // verified against ref.id
    if (fetched.size() != ref.length) {
      return corruption("chunk ", std::to_string(ref.index), " of ", job.remote_path, " has the wrong length");
    }
    bytes = fetched;
    progress_.addWire(fetched.size());
  }
  const int fd = ::open(job.temp_path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errnoStatus("cannot open", job.temp_path);
  Status st = client::writeExact(fd, offset, bytes, job.temp_path);
  ::close(fd);
  RETURN_IF_ERROR(st);
  progress_.addBytes(ref.length);
  return Status::OK();
}

Status Downloader::finish(FileJob& job) {
  if (!job.published) RETURN_IF_ERROR(publish(job));
  progress_.addFiles(1);
  ++result_.files_transferred;
  return Status::OK();
}

// Sets mode and times on the temp file and renames it over the target.
Status Downloader::publish(FileJob& job) {
  if (::chmod(job.temp_path.c_str(), job.entry.attr.mode & 07777) != 0) return errnoStatus("cannot chmod", job.temp_path);
  timespec times[2];
  times[0].tv_sec = 0;
  times[0].tv_nsec = UTIME_OMIT;
  const int64_t mtime = job.map.mtime_ns != 0 ? job.map.mtime_ns : job.entry.attr.mtime_ns;
  times[1].tv_sec = mtime / 1'000'000'000;
  times[1].tv_nsec = mtime % 1'000'000'000;
  if (::utimensat(AT_FDCWD, job.temp_path.c_str(), times, 0) != 0) return errnoStatus("cannot set times of", job.temp_path);
  if (::rename(job.temp_path.c_str(), job.local_path.c_str()) != 0) return errnoStatus("cannot replace", job.local_path);
  job.temp_path.clear();
  job.published = true;
  return Status::OK();
}

void Downloader::cleanup(std::vector<FileJob>& batch) {
  for (auto& job : batch) {
    if (!job.temp_path.empty()) ::unlink(job.temp_path.c_str());
  }
}

}  // namespace

Result<TransferResult> runDownload(const client::Client& client, const TransferOptions& options,
                                   const std::string& remote, const std::string& local, Progress& progress) {
  Downloader downloader(client, options, progress);
  return downloader.run(remote, local);
}

Status downloadToStdout(const client::Client& client, const std::string& fs, const std::string& remote) {
  return client.readContent(fs, normalizeRemote(remote), [](std::string_view data) -> Status {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size()) {
      return ioError("cannot write to standard output: ", std::strerror(errno));
    }
    return Status::OK();
  });
}

}  // namespace strata::cli
