// The upload protocol (docs/api.md "Upload"): begin (which chunks are missing), chunk bytes
// (one per PUT, or many small ones per POST), commit (files become visible atomically), end.
#include <set>
#include <vector>

#include "common/metrics.h"
#include "common/sha256.h"
#include "fs/chunk_manager.h"
#include "fs/filesystem.h"
#include "server/http/fs_common.h"
#include "server/http/json_io.h"
#include "server/http/memory_budget.h"
#include "server/http/routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

// A PUT body may exceed a chunk a little before we refuse to read it; the chunk check below
// gives the precise error.
constexpr uint64_t kChunkPutLimit = blob::kMaxChunkSize + (64 << 10);
constexpr uint64_t kBatchLimit = 64ull << 20;
constexpr size_t kRecordHeader = 32 + 4;

Result<Digest> chunkIdParam(const Call& call) {
  const std::string& text = call.param("id");
  if (text.size() != 64) return invalidArgument("chunk id must be 64 hex characters: ", text);
  return Digest::fromHex(text);
}

void countStored(uint64_t chunks, uint64_t bytes) {
  metrics::inc("strata_chunks_stored_total", {}, static_cast<double>(chunks));
  metrics::inc("strata_upload_bytes_total", {}, static_cast<double>(bytes));
}

Status beginRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));  // 404 for an unknown file system
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(auto upload_id, optionalString(req, "upload_id"));
  auto it = req.find("chunks");
  if (it == req.end() || !it->is_array()) return invalidArgument("field 'chunks' must be an array of chunk ids");
  std::vector<Digest> ids;
  ids.reserve(it->size());
  for (const auto& v : *it) {
    if (!v.is_string() || v.get_ref<const std::string&>().size() != 64) {
      return invalidArgument("every chunk id must be 64 hex characters");
    }
    ASSIGN_OR_RETURN(Digest id, Digest::fromHex(v.get_ref<const std::string&>()));
    ids.push_back(id);
  }
  ASSIGN_OR_RETURN(fs::UploadTicket ticket,
                   service.chunks().beginUpload(call.workspace(), upload_id.value_or(""), ids));
  json missing = json::array();
  for (const auto& id : ticket.missing) missing.push_back(id.hex());
  return replyJson(call, 200, {{"upload_id", ticket.upload_id}, {"missing", missing}});
}

Status putChunkRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(Digest id, chunkIdParam(call));
  auto length = call.ex().contentLength();
  if (length && *length > blob::kMaxChunkSize) {
    return Status(Code::kTooLarge, "a chunk is at most 4 MiB");
  }
  ASSIGN_OR_RETURN(auto lease, budget.acquire(length.value_or(blob::kMaxChunkSize)));
  ASSIGN_OR_RETURN(std::string body, call.readBody());
  if (body.size() > blob::kMaxChunkSize) return Status(Code::kTooLarge, "a chunk is at most 4 MiB");
  // Not hashed here: blob::Store::put verifies the id against the bytes before storing anything
  // (kInvalidArgument, 400), and hashing twice was a tenth of the server's upload CPU.
  //
  // Deferred durability: the 201 means the chunk survives kill -9 (its bytes are written; a
  // background thread fdatasyncs them and then renames the chunk into place), not yet a
  // machine crash -- what is still waiting then is done by the store's next shared sync round
  // instead of by this request, so the disk writes this chunk while the next one arrives.
  // That is enough because a chunk alone is invisible: nothing but a commit makes it part of a file,
  // and commitRoute runs the store barrier before its metadata commit. If the machine crashes
  // first, the chunk may be gone; the pin and the upload survive (beginUpload commits them
  // with kSync), so the resuming client asks again, is told the chunk is missing, and resends
  // it. The collector is unaffected: the pin taken by beginUpload still protects the chunk.
  RETURN_IF_ERROR(service.chunks().putChunk(call.workspace(), id, body,
                                            blob::ChunkPutOptions{.defer_durability = true}));
  countStored(1, body.size());
  return replyJson(call, 201, {{"id", id.hex()}, {"size", body.size()}});
}

// Body: records of [32 raw id bytes][u32 big-endian length][bytes]. Everything is verified
// before anything is stored, so a bad batch stores nothing (the framing here, the ids by
// blob::Store::putBatch, which checks every chunk before writing any).
Status putBatchRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  auto length = call.ex().contentLength();
  if (!length) return invalidArgument("a chunk batch needs a Content-Length");
  ASSIGN_OR_RETURN(auto lease, budget.acquire(*length));
  ASSIGN_OR_RETURN(std::string body, call.readBody());

  std::vector<blob::ChunkWrite> records;
  std::string_view rest = body;
  while (!rest.empty()) {
    if (rest.size() < kRecordHeader) return invalidArgument("chunk batch ends inside a record header");
    Digest id = Digest::fromRaw(rest.substr(0, 32));
    uint32_t n = 0;
    for (size_t i = 32; i < kRecordHeader; ++i) n = n << 8 | static_cast<unsigned char>(rest[i]);
    rest.remove_prefix(kRecordHeader);
    if (n > blob::kMaxChunkSize) return Status(Code::kTooLarge, "a chunk is at most 4 MiB");
    if (rest.size() < n) return invalidArgument("chunk batch ends inside chunk ", id.hex());
    std::string_view bytes = rest.substr(0, n);
    rest.remove_prefix(n);
    records.push_back({id, bytes});
  }
  // One durability barrier for the whole batch instead of an fsync per small chunk.
  RETURN_IF_ERROR(service.chunks().putChunks(call.workspace(), records));
  countStored(records.size(), body.size() - records.size() * kRecordHeader);
  return replyJson(call, 201, {{"stored", records.size()}});
}

// One file of a commit request, checked before anything is committed.
struct CommitFile {
  std::string path;
  fs::FileContent content;
};

Result<CommitFile> parseCommitFile(const json& f, const std::string& upload_id) {
  if (!f.is_object()) return invalidArgument("every entry of 'files' must be an object");
  CommitFile out;
  ASSIGN_OR_RETURN(out.path, requiredString(f, "path"));
  RETURN_IF_ERROR(checkPath(out.path));
  if (out.path == "/") return isDirectory("is a directory: /");
  ASSIGN_OR_RETURN(auto size, optionalUint(f, "size"));
  if (!size) return invalidArgument("missing field 'size' for ", out.path);
  ASSIGN_OR_RETURN(out.content.mtime_ns, optionalInt(f, "mtime_ns"));
  ASSIGN_OR_RETURN(auto mode, optionalUint(f, "mode"));
  if (mode && *mode > 07777) return invalidArgument("mode must be permission bits (<= 07777)");
  if (mode) out.content.mode = static_cast<uint32_t>(*mode);
  out.content.size = *size;
  out.content.upload_id = upload_id;

  auto chunks = f.find("chunks");
  if (chunks == f.end() || !chunks->is_array()) {
    return invalidArgument("field 'chunks' of ", out.path, " must be an array");
  }
  const uint64_t want = (*size + fs::kChunkSize - 1) / fs::kChunkSize;
  if (chunks->size() != want) {
    return invalidArgument(out.path, ": a file of ", std::to_string(*size), " bytes has ",
                           std::to_string(want), " chunks, not ", std::to_string(chunks->size()));
  }
  uint64_t total = 0;
  for (size_t i = 0; i < chunks->size(); ++i) {
    const json& c = (*chunks)[i];
    if (!c.is_object()) return invalidArgument("chunk entries must be objects");
    ASSIGN_OR_RETURN(auto index, optionalUint(c, "index"));
    ASSIGN_OR_RETURN(std::string id_text, requiredString(c, "id"));
    ASSIGN_OR_RETURN(auto len, optionalUint(c, "length"));
    if (!index || *index != i) {
      return invalidArgument(out.path, ": chunk indexes must be dense from 0 (entry ",
                             std::to_string(i), ")");
    }
    const uint64_t expect = i + 1 < want ? fs::kChunkSize : *size - i * fs::kChunkSize;
    if (!len || *len != expect) {
      return invalidArgument(out.path, ": chunk ", std::to_string(i), " must be ",
                             std::to_string(expect), " bytes long");
    }
    if (id_text.size() != 64) return invalidArgument("chunk id must be 64 hex characters: ", id_text);
    ASSIGN_OR_RETURN(Digest id, Digest::fromHex(id_text));
    out.content.chunks.push_back(fs::ChunkRef{i, id, static_cast<uint32_t>(*len)});
    total += *len;
  }
  if (total != *size) return invalidArgument(out.path, ": chunk lengths do not add up to size");
  return out;
}

Status commitRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  const std::string& upload_id = call.param("upload");
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(bool parents, optionalBool(req, "parents", true));
  auto files = req.find("files");
  if (files == req.end() || !files->is_array() || files->empty()) {
    return invalidArgument("field 'files' must be a non-empty array");
  }
  std::vector<CommitFile> parsed;
  std::set<std::string> seen;
  for (const auto& f : *files) {
    ASSIGN_OR_RETURN(CommitFile file, parseCommitFile(f, upload_id));
    if (!seen.insert(file.path).second) return invalidArgument("path listed twice: ", file.path);
    parsed.push_back(std::move(file));
  }
  // Refuse the whole request up front when a target is a directory, so that a bad entry
  // does not leave the entries before it committed.
  for (const auto& file : parsed) {
    auto attr = fsys->stat(file.path);
    if (attr.ok() && attr->type == fs::FileType::kDirectory) {
      return isDirectory("is a directory: ", file.path);
    }
  }
  // Likewise a chunk that never arrived (a zero-byte read is an existence check that costs no
  // I/O). The commit itself checks again, under its transaction.
  std::set<Digest> checked;
  for (const auto& file : parsed) {
    for (const auto& ref : file.content.chunks) {
      if (!checked.insert(ref.id).second) continue;
      auto present = service.chunks().read(call.workspace(), ref.id, 0, 0);
      if (!present.ok()) {
        if (present.status().code() == Code::kNotFound) {
          return invalidArgument("chunk ", ref.id.hex(), " is missing: upload it first (", file.path, ")");
        }
        return present.status();
      }
    }
  }
  // The chunk barrier, BEFORE any metadata is written: chunk PUTs were stored with deferred
  // durability, and a file's record must never reach the disk ahead of the chunks it names
  // (the buffered commits below can be written back by the kernel at any moment). This covers
  // every chunk the checks above found present, whoever stored it (blob::Store::sync).
  // syncForEngineCommit skips what lives in the metadata engine's own log (tiered small
  // chunks): that log is ordered, so the sync below makes those durable no later than the
  // commits that reference them.
  RETURN_IF_ERROR(service.chunks().syncChunksForCommit());
  // Group commit: each file is its own transaction (each one atomic), written to the
  // metadata log without a sync; one sync then makes them all durable before any is
  // acknowledged -- one fsync per request instead of one per file.
  json out = json::array();
  Status failed;
  for (auto& file : parsed) {
    file.content.defer_sync = true;
    auto attr = fsys->commitFile(file.path, file.content, parents);
    if (!attr.ok()) {
      failed = attr.status();
      break;
    }
    out.push_back(attrJson(*attr));
    metrics::inc("strata_files_committed_total");
  }
  RETURN_IF_ERROR(service.sync());
  if (!failed.ok()) return failed;
  return replyJson(call, 200, {{"files", out}});
}

Status endRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  RETURN_IF_ERROR(service.chunks().endUpload(call.workspace(), call.param("upload")));
  return replyJson(call, 200, {{"ended", true}});
}

}  // namespace

void addUploadRoutes(Router& router, fs::FileSystemService& service, MemoryBudget& budget) {
  metrics::describe("strata_chunks_stored_total", metrics::Type::kCounter,
                    "Chunks received from clients and stored (including ones already present).");
  metrics::describe("strata_upload_bytes_total", metrics::Type::kCounter,
                    "Chunk bytes received from clients.");
  metrics::describe("strata_files_committed_total", metrics::Type::kCounter,
                    "Files made visible by upload commits.");
  router.add("POST", "/api/v1/fs/{fs}/uploads", "fs.upload_begin", Access::kWrite, kJsonBodyLimit,
             [&service](Call& call) { return beginRoute(service, call); });
  router.add("PUT", "/api/v1/fs/{fs}/chunks/{id}", "fs.chunk_put", Access::kWrite, kChunkPutLimit,
             [&service, &budget](Call& call) { return putChunkRoute(service, budget, call); });
  router.add("POST", "/api/v1/fs/{fs}/chunks", "fs.chunk_batch", Access::kWrite, kBatchLimit,
             [&service, &budget](Call& call) { return putBatchRoute(service, budget, call); });
  router.add("POST", "/api/v1/fs/{fs}/uploads/{upload}/commit", "fs.upload_commit", Access::kWrite,
             16ull << 20,  // a commit of many small files lists many chunk maps
             [&service](Call& call) { return commitRoute(service, call); });
  router.add("DELETE", "/api/v1/fs/{fs}/uploads/{upload}", "fs.upload_end", Access::kWrite, kNoBody,
             [&service](Call& call) { return endRoute(service, call); });
  addFilesWriteRoute(router, service, budget);
}

}  // namespace strata::server::http
