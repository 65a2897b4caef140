#include "mount/chunk_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/random.h"
#include <cstring>

namespace strata::mount {
namespace {

namespace sfs = std::filesystem;

Status writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("cache write failed: ", std::strerror(errno));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

std::optional<std::string> preadRange(const std::string& path, uint64_t offset, uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = ::pread(fd, out.data() + got, length - got, static_cast<off_t>(offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

}  // namespace

ChunkCache::ChunkCache(std::string dir, uint64_t capacity) : dir_(std::move(dir)), capacity_(capacity) {}

Result<std::unique_ptr<ChunkCache>> ChunkCache::open(const std::string& dir, uint64_t capacity_bytes) {
  std::error_code ec;
  sfs::create_directories(sfs::path(dir) / "chunks", ec);
  if (ec) return ioError("cannot create cache directory ", dir, ": ", ec.message());
  sfs::remove_all(sfs::path(dir) / "tmp", ec);  // leftovers of a crashed writer
  sfs::create_directories(sfs::path(dir) / "tmp", ec);
  if (ec) return ioError("cannot create ", dir, "/tmp: ", ec.message());
  std::unique_ptr<ChunkCache> cache(new ChunkCache(dir, capacity_bytes));

  struct Found {
    Digest id;
    uint64_t size;
    sfs::file_time_type time;
  };
  std::vector<Found> found;
  for (auto it = sfs::recursive_directory_iterator(sfs::path(dir) / "chunks", ec);
       !ec && it != sfs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    auto id = Digest::fromHex(it->path().filename().string());
    if (!id.ok() || it->path().filename().string().size() != 64) {
      sfs::remove(it->path(), ec);
      continue;
    }
    found.push_back({*id, static_cast<uint64_t>(it->file_size(ec)), it->last_write_time(ec)});
  }
  // Most recently written first, so the LRU order survives a remount approximately.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.time > b.time; });
  std::list<std::string> doomed;
  {
    std::lock_guard lock(cache->mu_);
    for (const auto& f : found) {
      cache->lru_.push_back(f.id);
      cache->entries_[f.id] = Entry{std::prev(cache->lru_.end()), f.size, false};
      cache->used_ += f.size;
    }
    cache->evictLocked(doomed);  // the capacity may have shrunk since the last mount
  }
  for (const auto& p : doomed) ::unlink(p.c_str());
  return cache;
}

std::string ChunkCache::pathOf(const Digest& id) const {
  std::string hex = id.hex();
  return dir_ + "/chunks/" + hex.substr(0, 2) + "/" + hex;
}

void ChunkCache::forget(const Digest& id) {
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return;
    used_ -= it->second.size;
    lru_.erase(it->second.lru);
    entries_.erase(it);
  }
  ::unlink(pathOf(id).c_str());
}

void ChunkCache::evictLocked(std::list<std::string>& doomed) {
  while (used_ > capacity_ && !lru_.empty()) {
    Digest victim = lru_.back();
    lru_.pop_back();
    auto it = entries_.find(victim);
    used_ -= it->second.size;
    entries_.erase(it);
    doomed.push_back(pathOf(victim));
  }
}

bool ChunkCache::contains(const Digest& id) {
  std::lock_guard lock(mu_);
  return entries_.count(id) > 0;
}

std::optional<std::string> ChunkCache::read(const Digest& id, uint64_t offset, uint64_t length) {
  bool verified;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return std::nullopt;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    verified = it->second.verified;
  }
  const std::string path = pathOf(id);
  if (!verified) {
    auto whole = preadRange(path, 0, 4ull << 20);
    if (!whole || Sha256::of(*whole) != id) {
      forget(id);
      return std::nullopt;
    }
    {
      std::lock_guard lock(mu_);
      auto it = entries_.find(id);
      if (it != entries_.end()) it->second.verified = true;
    }
    if (offset >= whole->size()) return std::string();
    return whole->substr(offset, length);
  }
  auto out = preadRange(path, offset, length);
  if (!out) forget(id);  // evicted or removed behind our back
  return out;
}

Status ChunkCache::put(const Digest& id, std::string_view bytes) {
  if (bytes.size() > capacity_) return Status::OK();
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    if (it != entries_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return Status::OK();
    }
  }
  const std::string final_path = pathOf(id);
  const std::string tmp = dir_ + "/tmp/" + randomHex(8);
  std::error_code ec;
  sfs::create_directories(sfs::path(final_path).parent_path(), ec);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ioError("cannot create ", tmp, ": ", std::strerror(errno));
  Status st = writeAll(fd, bytes);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), final_path.c_str()) != 0) {
    st = ioError("cannot rename into the cache: ", std::strerror(errno));
  }
  if (!st.ok()) {
    ::unlink(tmp.c_str());
    return st;
  }
  std::list<std::string> doomed;
  {
    std::lock_guard lock(mu_);
    if (entries_.count(id) == 0) {
      lru_.push_front(id);
      entries_[id] = Entry{lru_.begin(), bytes.size(), true};
      used_ += bytes.size();
      evictLocked(doomed);
    }
  }
  for (const auto& p : doomed) ::unlink(p.c_str());
  return Status::OK();
}

uint64_t ChunkCache::usedBytes() {
  std::lock_guard lock(mu_);
  return used_;
}

}  // namespace strata::mount
