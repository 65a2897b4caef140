#include "cli/big_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <semaphore>
#include <unordered_set>

#include "client/chunking.h"
#include "common/sha256.h"
#include "common/unique_fd.h"

namespace strata::cli {
namespace {

constexpr uint64_t kWindowChunks = 8;  // ids per begin request: 32 MiB of file
constexpr auto kPoll = std::chrono::milliseconds(20);

// Counts the hash tasks of one window down to zero.
class Latch {
 public:
  explicit Latch(size_t count) : count_(count) {}
  void done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) cv_.notify_all();
  }
  // False when the pool failed first (its queued tasks are dropped and never count down).
  bool wait(const TaskPool& pool) {
    std::unique_lock lock(mu_);
    while (count_ > 0) {
      if (pool.failed()) return false;
      cv_.wait_for(lock, kPoll);
    }
    return true;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  size_t count_;  // guarded by mu_
};

void release(std::string& buffer) { std::string().swap(buffer); }

}  // namespace

Result<std::vector<fs::ChunkRef>> uploadBigFile(const client::Client& client, const std::string& fs,
                                                TaskPool& pool, std::string& upload_id, const BigUpload& file,
                                                Progress& progress) {
  UniqueFd fd(::open(file.local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ioError("cannot open ", file.local_path, ": ", std::strerror(errno));
  ::posix_fadvise(fd.get(), 0, 0, POSIX_FADV_SEQUENTIAL);
  const uint64_t n = client::chunkCount(file.size);
  std::vector<fs::ChunkRef> refs(n);
  std::vector<std::string> buffers(n);  // a chunk's bytes from its hashing until sent or skipped
  std::counting_semaphore<> slots(kMaxBufferedChunks);
  std::unordered_set<Digest> scheduled;  // ids sent (or being sent) by this call
  Status failed;

  // Every task refers to the locals above: whatever happens, pool.wait() runs before return.
  auto acquireSlot = [&]() {
    while (!slots.try_acquire_for(kPoll)) {
      if (pool.failed()) return false;
    }
    return true;
  };
  // Starts reading + hashing chunks [first, last) on the pool; null when the pool failed
  // while waiting for buffer slots (tasks already submitted still run; pool.wait() covers them).
  auto hashWindow = [&](uint64_t first, uint64_t last) -> std::shared_ptr<Latch> {
    auto latch = std::make_shared<Latch>(last - first);
    for (uint64_t i = first; i < last; ++i) {
      if (!acquireSlot()) return nullptr;
      pool.submit([&, i, latch]() -> Status {
        const uint32_t len = client::chunkLength(file.size, i);
        Status st = client::readExact(fd.get(), i * fs::kChunkSize, len, buffers[i], file.local_path);
        if (st.ok()) refs[i] = fs::ChunkRef{i, Sha256::of(buffers[i]), len};
        latch->done();
        return st;
      });
    }
    return latch;
  };
  // Window k+1 is read and hashed while window k's begin request is on the wire (it commits a
  // synced pin on the server, so its round trip includes a log fsync): two windows hold at most
  // 2 * kWindowChunks <= kMaxBufferedChunks buffers, and sends of earlier windows free the rest,
  // so acquiring slots for the next window cannot wait on this thread.
  static_assert(2 * kWindowChunks <= kMaxBufferedChunks);
  std::shared_ptr<Latch> latch = n > 0 ? hashWindow(0, std::min(n, kWindowChunks)) : nullptr;
  for (uint64_t first = 0; first < n && failed.ok(); first += kWindowChunks) {
    const uint64_t last = std::min(n, first + kWindowChunks);
    if (!latch || !latch->wait(pool)) break;
    latch = nullptr;
    const bool more = last < n;
    std::shared_ptr<Latch> next = more ? hashWindow(last, std::min(n, last + kWindowChunks)) : nullptr;

    std::vector<Digest> ids;
    for (uint64_t i = first; i < last; ++i) {
      if (std::find(ids.begin(), ids.end(), refs[i].id) == ids.end()) ids.push_back(refs[i].id);
    }
    auto answer = client.beginUpload(fs, ids, upload_id);
    if (!answer.ok()) {
      failed = answer.status();
      break;
    }
    upload_id = answer->upload_id;
    const std::unordered_set<Digest> missing(answer->missing.begin(), answer->missing.end());
    for (uint64_t i = first; i < last; ++i) {
      const fs::ChunkRef ref = refs[i];
      if (!missing.count(ref.id) || !scheduled.insert(ref.id).second) {
        release(buffers[i]);
        slots.release();
        progress.addBytes(ref.length);
        continue;
      }
      pool.submit([&, i, ref, id = upload_id]() -> Status {
        // The server verifies the bytes against the id before it stores anything.
        Status st = client.putChunk(fs, id, ref.id, buffers[i]);
        release(buffers[i]);
        slots.release();
        if (st.ok()) {
          progress.addWire(ref.length);
          progress.addBytes(ref.length);
        }
        return st;
      });
    }
    if (more && !next) break;  // the pool failed while the next window waited for buffers
    latch = std::move(next);
  }
  const Status sent = pool.wait();
  RETURN_IF_ERROR(failed);
  RETURN_IF_ERROR(sent);
  // A file that changed while it was read would commit a mix of old and new bytes.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ioError("cannot stat ", file.local_path, ": ", std::strerror(errno));
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (static_cast<uint64_t>(st.st_size) != file.size || mtime != file.mtime_ns) {
    return Status(Code::kBusy, file.local_path + " changed during the upload; run the command again");
  }
  return refs;
}

}  // namespace strata::cli
