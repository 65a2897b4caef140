#include "cli/uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <future>
#include <unordered_map>
#include <unordered_set>

#include "cli/big_file.h"
#include "cli/local_tree.h"
#include "cli/paths.h"
#include "cli/remote_tree.h"
#include "cli/small_files.h"
#include "cli/task_pool.h"
#include "cli/upload_plan.h"
#include "client/chunking.h"
#include "common/sha256.h"
#include "common/unique_fd.h"

namespace strata::cli {
namespace {

constexpr size_t kFilesPerBatch = 1000;          // files per commit request
constexpr size_t kChunksPerBatch = 8192;         // chunk refs hashed before talking to the server
constexpr size_t kIdsPerBeginRequest = 5000;     // ids per POST /uploads
constexpr uint32_t kSmallChunk = 1u << 20;       // chunks below this travel in batch requests
constexpr size_t kBatchBodyBytes = 2u << 20;     // target size of one batch request body: small
                                                 // enough that the workers keep several in flight
constexpr size_t kMaxChunksPerBody = 256;
constexpr uint64_t kHashSegmentChunks = 16;      // a large file is hashed as 64 MiB segments in parallel
constexpr uint64_t kKeptBytesPerBatch = 64u << 20;  // small files' bytes kept from hashing to sending

Result<int> openForRead(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ioError("cannot open ", path, ": ", std::strerror(errno));
  return fd;
}

// One file of the current batch and what hashing found.
struct Pending {
  const LocalFile* file = nullptr;
  std::string local_path;
  std::string remote_path;
  std::vector<fs::ChunkRef> chunks;  // filled by the hash tasks, index i at position i
  // A small (one-chunk) file keeps the bytes it was hashed from, so sending it needs neither a
  // second read nor a second hash; `keep` is decided when the batch is formed, bounding memory.
  bool keep = false;
  std::string data;
};

class Uploader {
 public:
  Uploader(const client::Client& client, const TransferOptions& options, Progress& progress)
      : client_(client), options_(options), progress_(progress), pool_(options.workers) {}

  Result<TransferResult> run(const std::string& local, const std::string& remote_arg);

 private:
  Status uploadBatch(std::vector<Pending>& batch);
  Status hashBatch(std::vector<Pending>& batch);
  Status sendMissing(std::vector<Pending>& batch, const std::unordered_set<Digest>& missing);
  Status commitBatch(std::vector<Pending>& batch);
  Status waitForCommit();

  const client::Client& client_;
  const TransferOptions& options_;
  Progress& progress_;
  TaskPool pool_;
  std::string upload_id_;  // one upload for the whole run; its pins are refreshed by every call
  TransferResult result_;
  // The previous batch's commit runs while the next batch is hashed and sent (at most one in
  // flight); its chunks are all stored before it starts.
  std::future<Status> commit_;
};

Result<TransferResult> Uploader::run(const std::string& local, const std::string& remote_arg) {
  struct stat st {};
  if (::stat(local.c_str(), &st) != 0) return notFound("cannot upload ", local, ": ", std::strerror(errno));
  const bool is_dir = S_ISDIR(st.st_mode);
  const std::string remote = normalizeRemote(remote_arg);

  LocalTree tree;
  RemoteTree remote_tree;
  std::string remote_root;  // remote dir for a tree, remote file path for a single file
  if (is_dir) {
    if (!options_.recursive) return Status(Code::kIsDirectory, local + " is a directory (use -r to upload a tree)");
    ASSIGN_OR_RETURN(tree, walkLocalTree(local));
    remote_root = remote;
    auto root = client_.stat(options_.fs, remote_root);
    if (root.ok()) {
      if (!root->isDir()) return Status(Code::kNotDirectory, remote_root + " exists and is not a directory");
      ASSIGN_OR_RETURN(remote_tree, listRemoteTree(client_, options_.fs, remote_root));
    } else if (root.status().code() == Code::kNotFound) {
      ASSIGN_OR_RETURN(auto made, client_.mkdir(options_.fs, remote_root, /*parents=*/true, st.st_mode & 07777));
      (void)made;
      ++result_.dirs_created;
    } else {
      return root.status();
    }
  } else {
    ASSIGN_OR_RETURN(tree, singleFileTree(local));
    remote_root = remote;
    auto target = client_.stat(options_.fs, remote);
    if (target.ok() && target->isDir()) {
      remote_root = joinRemote(remote, baseName(local));
      target = client_.stat(options_.fs, remote_root);
    } else if (!target.ok() && target.status().code() == Code::kNotFound && endsWithSlash(remote_arg)) {
      remote_root = joinRemote(remote, baseName(local));
      target = client_.stat(options_.fs, remote_root);
    }
    if (target.ok()) {
      remote_tree.emplace("", *target);
    } else if (target.status().code() != Code::kNotFound) {
      return target.status();
    }
  }

  ASSIGN_OR_RETURN(UploadPlan plan, planUpload(tree, remote_tree, remote_root));
  result_.skipped_local = tree.skipped;
  result_.files_total = tree.files.size();
  result_.files_skipped = plan.skip.size();
  result_.bytes_total = plan.total_bytes;
  result_.bytes_changed = plan.upload_bytes;
  progress_.addTotals(plan.upload_bytes, plan.upload.size());

  for (const LocalDir& d : plan.mkdirs) {
    ASSIGN_OR_RETURN(auto made, client_.mkdir(options_.fs, joinRemote(remote_root, d.rel), true, d.mode));
    (void)made;
    ++result_.dirs_created;
  }

  // Small files first, many per files:write request; then the others chunk by chunk.
  std::vector<SmallUpload> small;
  std::vector<size_t> large;
  for (size_t idx : plan.upload) {
    const LocalFile& f = tree.files[idx];
    if (f.size >= kSmallFileBytes) {
      large.push_back(idx);
      continue;
    }
    auto remote_file = remote_tree.find(f.rel);
    const bool maybe_same = remote_file != remote_tree.end() && remote_file->second.isFile() &&
                            remote_file->second.attr.size == f.size;
    small.push_back(SmallUpload{is_dir ? joinLocal(local, f.rel) : local,
                                is_dir ? joinRemote(remote_root, f.rel) : remote_root, f.size, f.mtime_ns, f.mode,
                                maybe_same});
  }
  if (!small.empty()) {
    std::atomic<uint64_t> done{0};
    Status st = uploadSmallFiles(client_, options_.fs, pool_, small, progress_, done);
    result_.files_transferred += done.load();
    RETURN_IF_ERROR(st);
  }

  // Big files one at a time, each a pipeline over the pool (big_file.h), committed on its own.
  std::vector<size_t> medium;
  for (size_t idx : large) {
    const LocalFile& f = tree.files[idx];
    if (f.size < kBigFileBytes) {
      medium.push_back(idx);
      continue;
    }
    client::CommitFile commit;
    commit.path = is_dir ? joinRemote(remote_root, f.rel) : remote_root;
    commit.size = f.size;
    commit.mtime_ns = f.mtime_ns;
    commit.mode = f.mode;
    ASSIGN_OR_RETURN(commit.chunks,
                     uploadBigFile(client_, options_.fs, pool_, upload_id_,
                                   BigUpload{is_dir ? joinLocal(local, f.rel) : local, f.size, f.mtime_ns}, progress_));
    ASSIGN_OR_RETURN(auto committed, client_.commitUpload(options_.fs, upload_id_, std::span(&commit, 1), true));
    (void)committed;
    progress_.addFiles(1);
    ++result_.files_transferred;
  }

  std::vector<Pending> batch;
  size_t batch_chunks = 0;
  uint64_t kept_bytes = 0;
  Status sent;
  for (size_t idx : medium) {
    const LocalFile& f = tree.files[idx];
    Pending p;
    p.file = &f;
    p.local_path = is_dir ? joinLocal(local, f.rel) : local;
    p.remote_path = is_dir ? joinRemote(remote_root, f.rel) : remote_root;
    p.keep = f.size > 0 && f.size < kSmallChunk && kept_bytes + f.size <= kKeptBytesPerBatch;
    if (p.keep) kept_bytes += f.size;
    batch_chunks += client::chunkCount(f.size);
    batch.push_back(std::move(p));
    if (batch.size() >= kFilesPerBatch || batch_chunks >= kChunksPerBatch) {
      sent = uploadBatch(batch);
      if (!sent.ok()) break;
      batch.clear();
      batch_chunks = 0;
      kept_bytes = 0;
    }
  }
  if (sent.ok() && !batch.empty()) sent = uploadBatch(batch);
  const Status committed = waitForCommit();
  RETURN_IF_ERROR(sent);
  RETURN_IF_ERROR(committed);
  if (!upload_id_.empty()) client_.abortUpload(options_.fs, upload_id_).ignoreError();  // pins no longer needed
  result_.wire_bytes = progress_.wireBytes();
  result_.seconds = progress_.elapsedSeconds();
  return result_;
}

Status Uploader::uploadBatch(std::vector<Pending>& batch) {
  RETURN_IF_ERROR(hashBatch(batch));

  // Unique ids of the batch, and how many bytes of the batch each stands for (a chunk may occur
  // in several files or several times in one).
  std::vector<Digest> ids;
  std::unordered_map<Digest, uint64_t> occurrence_bytes;
  for (const auto& p : batch) {
    for (const auto& c : p.chunks) {
      auto [it, inserted] = occurrence_bytes.emplace(c.id, 0);
      if (inserted) ids.push_back(c.id);
      it->second += c.length;
    }
  }
  std::unordered_set<Digest> missing;
  for (size_t i = 0; i < ids.size(); i += kIdsPerBeginRequest) {
    const size_t n = std::min(kIdsPerBeginRequest, ids.size() - i);
    ASSIGN_OR_RETURN(client::UploadBatch answer,
                     client_.beginUpload(options_.fs, std::span<const Digest>(ids.data() + i, n), upload_id_));
    upload_id_ = answer.upload_id;
    missing.insert(answer.missing.begin(), answer.missing.end());
  }
  if (ids.empty() && upload_id_.empty()) {
    // Only empty files: commit still needs an upload id.
    ASSIGN_OR_RETURN(client::UploadBatch answer, client_.beginUpload(options_.fs, {}, upload_id_));
    upload_id_ = answer.upload_id;
  }
  for (const auto& [id, bytes] : occurrence_bytes) {
    if (!missing.count(id)) progress_.addBytes(bytes);
  }
  RETURN_IF_ERROR(sendMissing(batch, missing));
  for (const auto& id : missing) progress_.addBytes(occurrence_bytes[id]);
  return commitBatch(batch);
}

Status Uploader::hashBatch(std::vector<Pending>& batch) {
  for (auto& p : batch) {
    const uint64_t n = client::chunkCount(p.file->size);
    p.chunks.assign(n, fs::ChunkRef{});
    for (uint64_t first = 0; first < n; first += kHashSegmentChunks) {
      const uint64_t last = std::min(n, first + kHashSegmentChunks);
      pool_.submit([&p, first, last]() -> Status {
        ASSIGN_OR_RETURN(int raw_fd, openForRead(p.local_path));
        UniqueFd fd(raw_fd);
        thread_local std::string buffer;
        std::string& into = p.keep ? p.data : buffer;  // keep implies a single chunk
        for (uint64_t i = first; i < last; ++i) {
          const uint32_t len = client::chunkLength(p.file->size, i);
          RETURN_IF_ERROR(client::readExact(fd.get(), i * fs::kChunkSize, len, into, p.local_path));
          p.chunks[i] = fs::ChunkRef{i, Sha256::of(into), len};
        }
        return Status::OK();
      });
    }
  }
  RETURN_IF_ERROR(pool_.wait());
  // A file that changed while it was hashed would commit a mix of old and new bytes.
  for (const auto& p : batch) {
    struct stat st {};
    if (::stat(p.local_path.c_str(), &st) != 0) return ioError("cannot stat ", p.local_path, ": ", std::strerror(errno));
    const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    if (static_cast<uint64_t>(st.st_size) != p.file->size || mtime != p.file->mtime_ns) {
      return Status(Code::kBusy, p.local_path + " changed during the upload; run the command again");
    }
  }
  return Status::OK();
}

Status Uploader::sendMissing(std::vector<Pending>& batch, const std::unordered_set<Digest>& missing) {
  // One source (file, chunk) per missing id, in file order so reads stay sequential.
  struct Source {
    const Pending* file;
    fs::ChunkRef ref;
  };
  std::vector<Source> small, large;
  std::unordered_set<Digest> planned;
  for (const auto& p : batch) {
    for (const auto& c : p.chunks) {
      if (!missing.count(c.id) || !planned.insert(c.id).second) continue;
      (c.length < kSmallChunk ? small : large).push_back(Source{&p, c});
    }
  }

  // Reads a chunk back and checks it still has the id it was hashed to. A kept small file is
  // sent from the bytes it was hashed from (the stat after hashing showed it unchanged).
  auto readChunk = [](const Source& s, std::string& buffer) -> Status {
    if (s.file->keep) {
      buffer = s.file->data;
      return Status::OK();
    }
    ASSIGN_OR_RETURN(int raw_fd, openForRead(s.file->local_path));
    UniqueFd fd(raw_fd);
    RETURN_IF_ERROR(client::readExact(fd.get(), s.ref.index * fs::kChunkSize, s.ref.length, buffer,
                                      s.file->local_path));
    if (Sha256::of(buffer) != s.ref.id) {
      return Status(Code::kBusy, s.file->local_path + " changed during the upload; run the command again");
    }
    return Status::OK();
  };

  for (const Source& s : large) {
    pool_.submit([this, s]() -> Status {
      // Not hashed again here: the server verifies every chunk against its id and refuses a
      // mismatch (400), which can only mean the file changed since it was hashed.
      thread_local std::string buffer;
      ASSIGN_OR_RETURN(int raw_fd, openForRead(s.file->local_path));
      UniqueFd fd(raw_fd);
      RETURN_IF_ERROR(client::readExact(fd.get(), s.ref.index * fs::kChunkSize, s.ref.length, buffer,
                                        s.file->local_path));
      Status put = client_.putChunk(options_.fs, upload_id_, s.ref.id, buffer);
      if (put.code() == Code::kInvalidArgument && Sha256::of(buffer) != s.ref.id) {
        return Status(Code::kBusy, s.file->local_path + " changed during the upload; run the command again");
      }
      RETURN_IF_ERROR(put);
      progress_.addWire(s.ref.length);
      return Status::OK();
    });
  }
  for (size_t i = 0; i < small.size();) {
    size_t j = i, body = 0;
    while (j < small.size() && j - i < kMaxChunksPerBody && (j == i || body + small[j].ref.length <= kBatchBodyBytes)) {
      body += small[j].ref.length + 36;
      ++j;
    }
    std::vector<Source> group(small.begin() + i, small.begin() + j);
    pool_.submit([this, group = std::move(group), readChunk]() -> Status {
      std::vector<std::string> bodies(group.size());
      std::vector<client::ChunkBody> chunks;
      uint64_t bytes = 0;
      for (size_t k = 0; k < group.size(); ++k) {
        std::string_view data;
        if (group[k].file->keep) {
          data = group[k].file->data;  // no copy: the batch outlives this task
        } else {
          RETURN_IF_ERROR(readChunk(group[k], bodies[k]));
          data = bodies[k];
        }
        chunks.push_back(client::ChunkBody{group[k].ref.id, data});
        bytes += group[k].ref.length;
      }
      RETURN_IF_ERROR(client_.putChunks(options_.fs, upload_id_, chunks));
      progress_.addWire(bytes);
      return Status::OK();
    });
    i = j;
  }
  return pool_.wait();
}

Status Uploader::commitBatch(std::vector<Pending>& batch) {
  std::vector<client::CommitFile> files;
  files.reserve(batch.size());
  for (auto& p : batch) {
    client::CommitFile f;
    f.path = p.remote_path;
    f.size = p.file->size;
    f.chunks = std::move(p.chunks);
    f.mtime_ns = p.file->mtime_ns;
    f.mode = p.file->mode;
    files.push_back(std::move(f));
  }
  RETURN_IF_ERROR(waitForCommit());
  commit_ = std::async(std::launch::async, [this, id = upload_id_, files = std::move(files)]() -> Status {
    ASSIGN_OR_RETURN(auto committed, client_.commitUpload(options_.fs, id, files, /*parents=*/true));
    (void)committed;
    progress_.addFiles(files.size());
    return Status::OK();
  });
  result_.files_transferred += batch.size();  // checked by waitForCommit before run() returns
  return Status::OK();
}

Status Uploader::waitForCommit() {
  if (!commit_.valid()) return Status::OK();
  return commit_.get();
}

}  // namespace

Result<TransferResult> runUpload(const client::Client& client, const TransferOptions& options,
                                 const std::string& local, const std::string& remote, Progress& progress) {
  Uploader uploader(client, options, progress);
  return uploader.run(local, remote);
}

}  // namespace strata::cli
