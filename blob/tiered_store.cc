#include "blob/tiered_store.h"

#include <vector>

namespace strata::blob {
namespace {

class TieredStore final : public Store {
 public:
  TieredStore(std::unique_ptr<Store> small, std::unique_ptr<Store> large, uint64_t small_chunk_max)
      : small_(std::move(small)), large_(std::move(large)), small_max_(small_chunk_max) {}

  Status put(std::string_view ns, const ChunkId& id, std::string_view data,
             const ChunkPutOptions& options) override {
    // The tier verifies the bytes; hashing here too would double the cost of every put.
    Store& home = tierFor(data.size());
    ASSIGN_OR_RETURN(bool elsewhere, presentIn(other(home), ns, id, data.size()));
    if (elsewhere) {
      RETURN_IF_ERROR(checkChunk(ns, id, data, options));  // still refuse a wrong id
      // The other tier may hold it from a deferred put not yet synced.
      return options.defer_durability ? Status::OK() : other(home).sync();
    }
    return home.put(ns, id, data, options);
  }

  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                  const ChunkPutOptions& options) override {
    std::vector<ChunkWrite> small, large;
    for (const auto& c : chunks) (isSmall(c.data.size()) ? small : large).push_back(c);
    ChunkPutOptions checked = options;
    if (!small.empty() && !large.empty()) {
      for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));
      checked.id_verified = true;
    }
    const size_t small_before = small.size(), large_before = large.size();
    RETURN_IF_ERROR(dropPresentIn(*large_, ns, small, checked));
    RETURN_IF_ERROR(dropPresentIn(*small_, ns, large, checked));
    if (!small.empty()) RETURN_IF_ERROR(small_->putBatch(ns, small, checked));
    if (!large.empty()) RETURN_IF_ERROR(large_->putBatch(ns, large, checked));
    if (!options.defer_durability) {
      // Chunks found in the other tier may be there from a deferred put not yet synced.
      if (small.size() != small_before) RETURN_IF_ERROR(large_->sync());
      if (large.size() != large_before) RETURN_IF_ERROR(small_->sync());
    }
    return Status::OK();
  }

  Result<std::string> get(std::string_view ns, const ChunkId& id) override {
    auto r = small_->get(ns, id);
    if (r.ok() || r.status().code() != Code::kNotFound) return r;
    return large_->get(ns, id);
  }

  Result<std::string> getRange(std::string_view ns, const ChunkId& id, uint64_t offset,
                               uint64_t length) override {
    auto r = small_->getRange(ns, id, offset, length);
    if (r.ok() || r.status().code() != Code::kNotFound) return r;
    return large_->getRange(ns, id, offset, length);
  }

  Result<ChunkSlice> getSlice(std::string_view ns, const ChunkId& id, uint64_t offset,
                              uint64_t length) override {
    auto r = small_->getSlice(ns, id, offset, length);
    if (r.ok() || r.status().code() != Code::kNotFound) return r;
    return large_->getSlice(ns, id, offset, length);
  }

  Result<ChunkInfo> stat(std::string_view ns, const ChunkId& id) override {
    auto r = small_->stat(ns, id);
    if (r.ok() || r.status().code() != Code::kNotFound) return r;
    return large_->stat(ns, id);
  }

  Status remove(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(small_->remove(ns, id));
    return large_->remove(ns, id);
  }

  Status list(std::string_view ns, const std::function<bool(const ChunkInfo&)>& visit) override {
    bool more = true;
    RETURN_IF_ERROR(small_->list(ns, [&](const ChunkInfo& info) { return more = visit(info); }));
    if (!more) return Status::OK();
    return large_->list(ns, visit);
  }

  Status sync() override {
    RETURN_IF_ERROR(small_->sync());
    return large_->sync();
  }

  Status syncForEngineCommit() override {
    RETURN_IF_ERROR(small_->syncForEngineCommit());
    return large_->syncForEngineCommit();
  }

 private:
  bool isSmall(uint64_t size) const { return small_max_ > 0 && size <= small_max_; }
  Store& tierFor(uint64_t size) { return isSmall(size) ? *small_ : *large_; }
  Store& other(const Store& tier) { return &tier == small_.get() ? *large_ : *small_; }

  // Whether `tier` holds the chunk with `size` bytes (content-addressed: then it is this
  // chunk; a wrong size is damage there, and the chunk is stored again in its home tier).
  static Result<bool> presentIn(Store& tier, std::string_view ns, const ChunkId& id, uint64_t size) {
    auto info = tier.stat(ns, id);
    if (info.ok()) return info->size == size;
    if (info.status().code() == Code::kNotFound) return false;
    return info.status();
  }

  // Removes from `chunks` those `tier` already holds. Runs before anything is written, so
  // an error leaves the batch unstored.
  static Status dropPresentIn(Store& tier, std::string_view ns, std::vector<ChunkWrite>& chunks,
                              const ChunkPutOptions& options) {
    std::vector<ChunkWrite> keep;
    keep.reserve(chunks.size());
    for (const auto& c : chunks) {
      ASSIGN_OR_RETURN(bool present, presentIn(tier, ns, c.id, c.data.size()));
      if (!present) {
        keep.push_back(c);
      } else {
        RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));  // a wrong id is refused all the same
      }
    }
    chunks.swap(keep);
    return Status::OK();
  }

  const std::unique_ptr<Store> small_;
  const std::unique_ptr<Store> large_;
  const uint64_t small_max_;
};

}  // namespace

std::unique_ptr<Store> makeTieredStore(std::unique_ptr<Store> small, std::unique_ptr<Store> large,
                                       uint64_t small_chunk_max) {
  return std::make_unique<TieredStore>(std::move(small), std::move(large), small_chunk_max);
}

}  // namespace strata::blob
