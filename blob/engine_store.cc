#include "blob/engine_store.h"

#include <spdlog/spdlog.h>

#include "common/clock.h"

#include <string>
#include <vector>

namespace strata::blob {
namespace {

constexpr char kInfoVersion = 0x01;
constexpr size_t kInfoSize = 1 + 8 + 8;
constexpr size_t kListPage = 1000;

void appendBe64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint64_t readBe64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = v << 8 | static_cast<unsigned char>(in[i]);
  return v;
}

std::string keyPrefix(std::string_view ns, char kind) {
  std::string k = "blob/";
  k.append(ns);
  k.push_back('/');
  k.push_back(kind);
  k.push_back('/');
  return k;
}

std::string chunkKey(std::string_view ns, char kind, const ChunkId& id) {
  std::string k = keyPrefix(ns, kind);
  k.append(reinterpret_cast<const char*>(id.bytes.data()), id.bytes.size());
  return k;
}

std::string encodeInfo(uint64_t size, int64_t written_unix) {
  std::string v;
  v.reserve(kInfoSize);
  v.push_back(kInfoVersion);
  appendBe64(v, size);
  appendBe64(v, static_cast<uint64_t>(written_unix));
  return v;
}

Result<ChunkInfo> decodeInfo(const ChunkId& id, std::string_view v) {
  if (v.size() != kInfoSize || v[0] != kInfoVersion) {
    return corruption("small-chunk info record of ", id.hex(), " is damaged");
  }
  return ChunkInfo{id, readBe64(v.substr(1)), static_cast<int64_t>(readBe64(v.substr(9)))};
}

Status missing(std::string_view ns, const ChunkId& id) {
  return notFound("chunk ", id.hex(), " not found in namespace ", ns);
}

class EngineStore final : public Store {
 public:
  explicit EngineStore(db::Engine& engine) : engine_(engine) {}

  // Always "deferred" in the sense of ChunkPutOptions: buffered, made durable by sync() or by
  // any synced write of the same engine (engine_store.h).
  Status put(std::string_view ns, const ChunkId& id, std::string_view data,
             const ChunkPutOptions& options) override {
    RETURN_IF_ERROR(checkChunk(ns, id, data, options));
    ASSIGN_OR_RETURN(bool present, storedWithSize(ns, id, data.size()));
    if (present) return Status::OK();
    db::WriteBatch batch;
    addPut(batch, ns, id, data, nowUnix());
    return engine_.write(batch, db::Durability::kBuffered);
  }

  // One engine batch for all chunks: atomic as a whole, one log write.
  Status putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                  const ChunkPutOptions& options) override {
    for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));
    db::WriteBatch batch;
    const int64_t now = nowUnix();
    for (const auto& c : chunks) {
      ASSIGN_OR_RETURN(bool present, storedWithSize(ns, c.id, c.data.size()));
      if (!present) addPut(batch, ns, c.id, c.data, now);
    }
    return engine_.write(batch, db::Durability::kBuffered);
  }

  Result<std::string> get(std::string_view ns, const ChunkId& id) override {
    ASSIGN_OR_RETURN(std::string data, readAll(ns, id));
    if (Sha256::of(data) != id) return damaged(ns, id);
    return data;
  }

  Result<std::string> getRange(std::string_view ns, const ChunkId& id, uint64_t offset,
                               uint64_t length) override {
    if (length == 0) {
      // An existence check: the info record answers it without reading the bytes.
      RETURN_IF_ERROR(stat(ns, id).status());
      return std::string();
    }
    ASSIGN_OR_RETURN(std::string data, readAll(ns, id));
    if (offset == 0 && length >= data.size()) {
      if (Sha256::of(data) != id) return damaged(ns, id);
      return data;
    }
    if (offset >= data.size()) return std::string();
    return data.substr(offset, length);
  }

  Result<ChunkInfo> stat(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    ASSIGN_OR_RETURN(auto v, engine_.get(chunkKey(ns, 'i', id)));
    if (!v) return missing(ns, id);
    return decodeInfo(id, *v);
  }

  Status remove(std::string_view ns, const ChunkId& id) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    // Most removals (the collector's) are of chunks in the file tier: look first rather than
    // leave two tombstones in the engine for every one of them.
    ASSIGN_OR_RETURN(auto v, engine_.get(chunkKey(ns, 'i', id)));
    if (!v) return Status::OK();
    db::WriteBatch batch;
    batch.del(chunkKey(ns, 'i', id));
    batch.del(chunkKey(ns, 'd', id));
    return engine_.write(batch, db::Durability::kBuffered);
  }

  Status list(std::string_view ns, const std::function<bool(const ChunkInfo&)>& visit) override {
    RETURN_IF_ERROR(checkNamespace(ns));
    const std::string prefix = keyPrefix(ns, 'i');
    const std::string end = db::prefixEnd(prefix);
    std::string from = prefix;
    db::ScanOptions opts;
    opts.limit = kListPage;
    for (;;) {
      ASSIGN_OR_RETURN(auto page, engine_.scan(from, end, opts));
      for (const auto& kv : page) {
        if (kv.key.size() != prefix.size() + 32) {
          spdlog::warn("blob engine store: skipping a malformed key under {}", prefix);
          continue;
        }
        const ChunkId id = Digest::fromRaw(std::string_view(kv.key).substr(prefix.size()));
        ASSIGN_OR_RETURN(ChunkInfo info, decodeInfo(id, kv.value));
        if (!visit(info)) return Status::OK();
      }
      if (page.size() < kListPage) return Status::OK();
      from = page.back().key;
      from.push_back('\0');  // the next key after the last one seen
    }
  }

  Status sync() override { return engine_.syncWal(); }
  // The caller's synced commit to this engine covers every buffered chunk write before it.
  Status syncForEngineCommit() override { return Status::OK(); }

 private:
  static void addPut(db::WriteBatch& batch, std::string_view ns, const ChunkId& id,
                     std::string_view data, int64_t now) {
    batch.put(chunkKey(ns, 'd', id), data);
    batch.put(chunkKey(ns, 'i', id), encodeInfo(data.size(), now));
  }

  // Whether the chunk is stored with `size` bytes (content-addressed: then it is this chunk).
  Result<bool> storedWithSize(std::string_view ns, const ChunkId& id, uint64_t size) {
    ASSIGN_OR_RETURN(auto v, engine_.get(chunkKey(ns, 'i', id)));
    if (!v) return false;
    auto info = decodeInfo(id, *v);
    return info.ok() && info->size == size;  // a damaged record is rewritten
  }

  Result<std::string> readAll(std::string_view ns, const ChunkId& id) {
    RETURN_IF_ERROR(checkNamespace(ns));
    ASSIGN_OR_RETURN(auto v, engine_.get(chunkKey(ns, 'd', id)));
    if (!v) return missing(ns, id);
    if (v->size() > kMaxChunkSize) return damaged(ns, id);
    return std::move(*v);
  }

  static Status damaged(std::string_view ns, const ChunkId& id) {
    spdlog::error("blob engine store: chunk {} in namespace {} does not match its id", id.hex(), ns);
    return corruption("chunk ", id.hex(), " in namespace ", ns, " is damaged: its bytes do not match its id");
  }

  db::Engine& engine_;
};

}  // namespace

std::unique_ptr<Store> makeEngineStore(db::Engine& engine) { return std::make_unique<EngineStore>(engine); }

}  // namespace strata::blob
