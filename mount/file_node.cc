#include "mount/file_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/clock.h"
#include "common/sha256.h"

namespace strata::mount {
namespace {

constexpr uint64_t kChunk = fs::kChunkSize;
constexpr uint64_t kMapPage = 100000;

}  // namespace

void DirtyBudget::release(uint64_t n) {
  used_ -= std::min<uint64_t>(n, used_.load());
  cv_.notify_all();
}

void DirtyBudget::waitBelow(const std::function<bool()>& done) {
  std::unique_lock lock(mu_);
  while (used_.load() > limit_ && !done()) {
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

FileNode::~FileNode() {
  // A node dropped with buffers still charged (a failed flush at unmount) gives them back.
  env_.budget.release(dirty_bytes_);
}

uint64_t FileNode::validLen(uint64_t index) const {
  const uint64_t start = index * kChunk;
  if (size_ <= start) return 0;
  return std::min(kChunk, size_ - start);
}

void FileNode::cutRefs(std::map<uint64_t, fs::ChunkRef>& refs, uint64_t size) {
  const uint64_t first_dropped = (size + kChunk - 1) / kChunk;
  refs.erase(refs.lower_bound(first_dropped), refs.end());
  if (size % kChunk) {
    auto it = refs.find(size / kChunk);
    if (it != refs.end()) it->second.length = std::min<uint32_t>(it->second.length, size % kChunk);
  }
}

Result<bool> FileNode::revalidate() {
  Lock lk(mu_);
  if (changed_ || !dirty_.empty() || !uploading_.empty()) return true;  // local changes win
  if (loaded_) {
    ASSIGN_OR_RETURN(fs::Attr now, env_.meta.getattr(ino_));
    if (now.version == attr_.version) {
      attr_ = now;
      return true;
    }
  }
  // Load the whole map of one version (paged for huge files; restart when it moved).
  for (int attempt = 0; attempt < 8; ++attempt) {
    ASSIGN_OR_RETURN(ChunkList first, env_.meta.chunks(ino_, 0, kMapPage));
    std::map<uint64_t, fs::ChunkRef> refs;
    for (const auto& r : first.refs) refs[r.index] = r;
    bool consistent = true;
    const uint64_t count = (first.attr.size + kChunk - 1) / kChunk;
    for (uint64_t next = kMapPage; next < count; next += kMapPage) {
      ASSIGN_OR_RETURN(ChunkList page, env_.meta.chunks(ino_, next, kMapPage));
      if (page.attr.version != first.attr.version) {
        consistent = false;
        break;
      }
      for (const auto& r : page.refs) refs[r.index] = r;
    }
    if (!consistent) continue;
    const bool same = loaded_ && first.attr.version == attr_.version;
    attr_ = first.attr;
    refs_ = std::move(refs);
    size_ = attr_.size;
    mtime_ns_ = attr_.mtime_ns;
    loaded_ = true;
    return same;
  }
  return busy("file keeps changing");
}

void FileNode::setEmpty(const fs::Attr& attr) {
  Lock lk(mu_);
  if (changed_) return;
  attr_ = attr;
  refs_.clear();
  size_ = attr.size;
  mtime_ns_ = attr.mtime_ns;
  loaded_ = true;
}

void FileNode::loadSnapshot(const ChunkList& list) {
  Lock lk(mu_);
  if (changed_ || !dirty_.empty() || !uploading_.empty()) return;
  attr_ = list.attr;
  refs_.clear();
  for (const auto& r : list.refs) refs_[r.index] = r;
  size_ = attr_.size;
  mtime_ns_ = attr_.mtime_ns;
  loaded_ = true;
}

Result<std::string> FileNode::loadBaseLocked(uint64_t index) {
  const uint64_t want = validLen(index);
  if (want == 0) return std::string();
  const fs::ChunkRef* ref = nullptr;
  if (auto s = staged_.find(index); s != staged_.end()) {
    ref = &s->second;
  } else if (auto r = refs_.find(index); r != refs_.end()) {
    ref = &r->second;
  }
  if (ref == nullptr) return std::string();  // a hole
  ASSIGN_OR_RETURN(std::string bytes, env_.source.read(ref->id, 0, std::min<uint64_t>(ref->length, want)));
  return bytes;
}

void FileNode::waitUploadLocked(Lock& lk, uint64_t index) {
  uploads_cv_.wait(lk, [&] { return uploading_.count(index) == 0; });
}

void FileNode::waitAllUploadsLocked(Lock& lk) {
  uploads_cv_.wait(lk, [&] { return uploading_.empty(); });
}

void FileNode::startUploadLocked(uint64_t index) {
  auto it = dirty_.find(index);
  if (it == dirty_.end() || it->second.empty()) return;
  auto bytes = std::make_shared<const std::string>(std::move(it->second));
  const uint64_t charged = bytes->size();
  dirty_.erase(it);
  uploading_[index] = bytes;
  auto self = shared_from_this();
  if (!env_.uploads.post([self, index, bytes] { self->uploadJob(index, bytes); })) {
    // Pool saturated: keep it as a buffer; flush() sends it.
    uploading_.erase(index);
    dirty_[index] = *bytes;
    return;
  }
  (void)charged;
}

void FileNode::uploadJob(uint64_t index, std::shared_ptr<const std::string> bytes) {
  const Digest id = Sha256::of(*bytes);
  std::string upload_id;
  Status st;
  auto begun = env_.meta.beginUpload(std::span<const Digest>(&id, 1), "");
  if (!begun.ok()) {
    st = begun.status();
  } else {
    upload_id = begun->first;
    if (!begun->second.empty()) st = env_.meta.putChunk(upload_id, id, *bytes);
  }
  {
    Lock lk(mu_);
    auto it = uploading_.find(index);
    if (it != uploading_.end() && it->second == bytes) {
      uploading_.erase(it);
      if (st.ok()) {
        staged_[index] = fs::ChunkRef{index, id, static_cast<uint32_t>(bytes->size())};
        upload_ids_.push_back(upload_id);
        dirty_bytes_ -= std::min<uint64_t>(dirty_bytes_, bytes->size());
        env_.budget.release(bytes->size());
      } else {
        spdlog::warn("background upload of chunk {} of inode {} failed: {}", index, ino_, st.toString());
        upload_error_ = st;
        dirty_.emplace(index, *bytes);  // flush() retries it
      }
    }
  }
  uploads_cv_.notify_all();
}

Status FileNode::write(uint64_t offset, std::string_view data) {
  if (data.empty()) return Status::OK();
  if (offset + data.size() < offset || offset + data.size() > (1ull << 60)) {
    return Status(Code::kTooLarge, "file too large");
  }
  Lock lk(mu_);
  if (!loaded_) return internalError("write to a node that was never loaded");
  size_t pos = 0;
  while (pos < data.size()) {
    const uint64_t cur = offset + pos;
    const uint64_t index = cur / kChunk;
    const uint64_t in = cur % kChunk;
    const uint64_t n = std::min<uint64_t>(kChunk - in, data.size() - pos);
    waitUploadLocked(lk, index);
    auto it = dirty_.find(index);
    if (it == dirty_.end()) {
      // The buffer starts as the chunk's current bytes, unless this write replaces them all.
      std::string base;
      const bool covers = in == 0 && (n == kChunk || cur + n >= size_);
      if (!covers) {
        ASSIGN_OR_RETURN(base, loadBaseLocked(index));
      }
      dirty_bytes_ += base.size();
      env_.budget.add(base.size());
      it = dirty_.emplace(index, std::move(base)).first;
    }
    std::string& buf = it->second;
    if (buf.size() < in + n) {
      const uint64_t grow = in + n - buf.size();
      dirty_bytes_ += grow;
      env_.budget.add(grow);
      // A sequential writer fills a chunk in max_write pieces: reserve the whole chunk once
      // and append, instead of zero-filling each piece before copying over it.
      if (buf.capacity() < kChunk && in + n > kChunk / 4) buf.reserve(kChunk);
      if (in <= buf.size()) {
        buf.resize(in);
        buf.append(data.data() + pos, n);
        pos += n;
        size_ = std::max(size_, cur + n);
        if (in + n == kChunk) startUploadLocked(index);
        continue;
      }
      buf.resize(in + n, '\0');  // a gap inside the chunk: zeros, as a hole reads
    }
    std::memcpy(buf.data() + in, data.data() + pos, n);
    pos += n;
    size_ = std::max(size_, cur + n);
    if (in + n == kChunk) startUploadLocked(index);
  }
  changed_ = true;
  mtime_ns_ = nowNanos();
  if (env_.budget.over()) {
    // Over the mount's buffer budget: send this file's partial buffers too, then wait for
    // uploads (of any file) to bring the budget down.
    std::vector<uint64_t> indexes;
    for (const auto& [index, buf] : dirty_) indexes.push_back(index);
    for (uint64_t index : indexes) startUploadLocked(index);
    lk.unlock();
    env_.budget.waitBelow([this] {
      std::lock_guard g(mu_);
      return uploading_.empty();
    });
  }
  return Status::OK();
}

Status FileNode::truncate(uint64_t size) {
  if (size > (1ull << 60)) return Status(Code::kTooLarge, "file too large");
  Lock lk(mu_);
  if (!loaded_) return internalError("truncate of a node that was never loaded");
  waitAllUploadsLocked(lk);
  if (size < size_) {
    const uint64_t first_dropped = (size + kChunk - 1) / kChunk;
    for (auto it = dirty_.lower_bound(first_dropped); it != dirty_.end();) {
      dirty_bytes_ -= std::min<uint64_t>(dirty_bytes_, it->second.size());
      env_.budget.release(it->second.size());
      it = dirty_.erase(it);
    }
    if (size % kChunk) {
      auto it = dirty_.find(size / kChunk);
      if (it != dirty_.end() && it->second.size() > size % kChunk) it->second.resize(size % kChunk);
    }
    cutRefs(refs_, size);
    cutRefs(staged_, size);
    truncate_to_ = std::min(truncate_to_.value_or(UINT64_MAX), size);
  }
  size_ = size;
  changed_ = true;
  mtime_ns_ = nowNanos();
  return Status::OK();
}

Status FileNode::flush(bool sync) {
  Lock lk(mu_);
  waitAllUploadsLocked(lk);
  if (!changed_) {
    lk.unlock();
    // fsync of a file whose changes an earlier close already committed (kBuffered).
    return sync ? env_.meta.sync() : Status::OK();
  }
  upload_error_ = Status::OK();

  Commit commit;
  commit.size = size_;
  commit.truncate_to = truncate_to_;
  commit.sync = sync;
  // Small buffers go inline in the commit; bigger ones are uploaded first (only the chunks
  // the server lacks).
  std::vector<Digest> ids;
  std::vector<const std::string*> bodies;
  for (auto& [index, buf] : dirty_) {
    const uint64_t len = std::min<uint64_t>(buf.size(), validLen(index));
    if (len == 0) continue;
    if (buf.size() > len) buf.resize(len);
    Digest id = Sha256::of(buf);
    commit.chunks.push_back(fs::ChunkRef{index, id, static_cast<uint32_t>(len)});
    if (len <= kInlineChunkMax) {
      commit.inline_data.resize(commit.chunks.size());
      commit.inline_data.back() = buf;
    } else {
      ids.push_back(id);
      bodies.push_back(&buf);
    }
  }
  for (const auto& [index, ref] : staged_) commit.chunks.push_back(ref);
  if (!commit.inline_data.empty()) commit.inline_data.resize(commit.chunks.size());
  if (!ids.empty()) {
    ASSIGN_OR_RETURN(auto begun, env_.meta.beginUpload(ids, ""));
    commit.upload_id = begun.first;
    for (const Digest& missing : begun.second) {
      for (size_t i = 0; i < ids.size(); ++i) {
        if (ids[i] != missing) continue;
        RETURN_IF_ERROR(env_.meta.putChunk(commit.upload_id, ids[i], *bodies[i]));
        break;
      }
    }
  }
  ASSIGN_OR_RETURN(fs::Attr attr, env_.meta.commit(ino_, commit));
  // The kernel saw these writes go by: if its caches matched the version they were made on and
  // nothing else changed the file in between (one version step), they match the new one.
  const bool kernel_follows = kernel_version_ != 0 && kernel_version_ == attr_.version &&
                              attr.version == attr_.version + 1;
  kernel_version_ = kernel_follows ? attr.version : 0;
  for (const auto& ref : commit.chunks) refs_[ref.index] = ref;
  attr_ = attr;
  size_ = attr.size;
  mtime_ns_ = attr.mtime_ns;
  dirty_.clear();
  staged_.clear();
  truncate_to_.reset();
  changed_ = false;
  env_.budget.release(dirty_bytes_);
  dirty_bytes_ = 0;
  // Pins of chunks now referenced by the file are only clutter: drop them (best effort).
  for (const auto& id : upload_ids_) env_.meta.endUpload(id).ignoreError();
  upload_ids_.clear();
  return Status::OK();
}

Result<std::string> FileNode::read(uint64_t offset, size_t length) {
  struct Fetch {
    size_t out_pos;
    Digest id;
    uint64_t chunk_off;
    uint64_t n;
  };
  std::string out;
  std::vector<Fetch> fetches;
  std::vector<Digest> ahead;
  {
    Lock lk(mu_);
    if (offset >= size_) return std::string();
    length = static_cast<size_t>(std::min<uint64_t>(length, size_ - offset));
    out.assign(length, '\0');
    size_t pos = 0;
    uint64_t last_index = 0;
    while (pos < length) {
      const uint64_t cur = offset + pos;
      const uint64_t index = cur / kChunk;
      const uint64_t in = cur % kChunk;
      const uint64_t n = std::min<uint64_t>(kChunk - in, length - pos);
      last_index = index;
      const std::string* buf = nullptr;
      if (auto u = uploading_.find(index); u != uploading_.end()) {
        buf = u->second.get();
      } else if (auto d = dirty_.find(index); d != dirty_.end()) {
        buf = &d->second;
      }
      if (buf != nullptr) {
        if (in < buf->size()) std::memcpy(out.data() + pos, buf->data() + in, std::min<uint64_t>(n, buf->size() - in));
      } else {
        const fs::ChunkRef* ref = nullptr;
        if (auto s = staged_.find(index); s != staged_.end()) {
          ref = &s->second;
        } else if (auto r = refs_.find(index); r != refs_.end()) {
          ref = &r->second;
        }
        if (ref != nullptr && in < ref->length) {
          fetches.push_back({pos, ref->id, in, std::min<uint64_t>(n, ref->length - in)});
        }
      }
      pos += n;
    }
    // Sequential reader: fetch the next chunks before they are asked for.
    if (offset == last_read_end_ || offset == 0) {
      for (uint64_t i = last_index + 1; i <= last_index + static_cast<uint64_t>(env_.readahead_chunks); ++i) {
        if (dirty_.count(i) || uploading_.count(i)) continue;
        if (auto s = staged_.find(i); s != staged_.end()) {
          ahead.push_back(s->second.id);
        } else if (auto r = refs_.find(i); r != refs_.end()) {
          ahead.push_back(r->second.id);
        }
      }
    }
    last_read_end_ = offset + length;
  }
  for (const auto& id : ahead) env_.source.prefetch(id);
  for (const auto& f : fetches) {
    ASSIGN_OR_RETURN(std::string bytes, env_.source.read(f.id, f.chunk_off, f.n));
    std::memcpy(out.data() + f.out_pos, bytes.data(), std::min<uint64_t>(bytes.size(), f.n));
  }
  return out;
}

std::optional<fs::Attr> FileNode::localAttr() {
  Lock lk(mu_);
  if (!loaded_) return std::nullopt;
  fs::Attr a = attr_;
  a.size = size_;
  a.mtime_ns = mtime_ns_;
  return a;
}

bool FileNode::hasChanges() {
  Lock lk(mu_);
  return changed_ || !dirty_.empty() || !uploading_.empty();
}

uint64_t FileNode::version() {
  Lock lk(mu_);
  return loaded_ ? attr_.version : 0;
}

bool FileNode::kernelCurrent() {
  Lock lk(mu_);
  return loaded_ && kernel_version_ != 0 && kernel_version_ == attr_.version;
}

void FileNode::noteKernelSynced(uint64_t version) {
  Lock lk(mu_);
  kernel_version_ = version;
}

}  // namespace strata::mount
