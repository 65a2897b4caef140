// POST /api/v1/fs/{fs}/files:write -- many small files in one request (docs/api.md "Batch
// write of small files"): the bytes travel inline with each file's expected chunk id and
// attributes, and the server stores the chunks and commits the files behind ONE durability
// barrier for the whole request, instead of the four requests per batch (begin, chunk batch,
// commit, end) and the pins of the chunked protocol.
//
// Guarantees, per file: its chunk is verified against its id before anything of it is stored;
// it becomes visible atomically (its own metadata transaction, so a file is never seen half
// written); nothing of a file that fails changes. The answer lists every file's result, in
// request order. Nothing is acknowledged before the one sync at the end made every committed
// file durable. A malformed body (framing, a header that is not JSON) is a 400 for the whole
// request and changes nothing.
//
// Why no pins: the chunks are stored by this request and referenced a few milliseconds later
// by the same request. The only thing that can come between is the collector deleting a chunk
// that was already stored and unreferenced; the commit then fails under its transaction
// ("missing" / "being deleted") and is retried after storing the chunk again (putChunk waits
// for the collector), so the race costs a retry, never a file pointing at a deleted chunk.
#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/bytes.h"
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

constexpr uint64_t kWriteBodyLimit = 64ull << 20;
constexpr size_t kMaxFilesPerWrite = 10000;
constexpr uint32_t kMaxHeaderBytes = 64u << 10;
constexpr int kCommitAttempts = 3;    // a commit that lost its chunk to the collector is retried
constexpr size_t kFilesPerTxn = 128;  // files committed in one metadata transaction

// One file of the request and what became of it.
struct WriteFile {
  std::string path;
  uint64_t size = 0;
  Digest id;
  std::optional<int64_t> mtime_ns;
  std::optional<uint32_t> mode;
  std::string_view data;  // into the request body
  bool inline_data = true;  // false: "data":false, the file references an already stored chunk
  bool missing = false;     // "data":false but the chunk is not stored: the client must send it
  Status status;          // first error of this file; OK while it is still going
  fs::Attr attr;          // after a successful commit
};

// The fields of one header; a bad field fails only its file (in `f.status`).
void parseHeader(const json& h, WriteFile& f) {
  auto fail = [&f](Status s) { f.status = std::move(s); };
  auto path = requiredString(h, "path");
  if (!path.ok()) return fail(path.status());
  f.path = *path;
  if (Status s = checkPath(f.path); !s.ok()) return fail(std::move(s));
  if (f.path == "/") return fail(isDirectory("is a directory: /"));
  auto mtime = optionalInt(h, "mtime_ns");
  if (!mtime.ok()) return fail(mtime.status());
  f.mtime_ns = *mtime;
  auto mode = optionalUint(h, "mode");
  if (!mode.ok()) return fail(mode.status());
  if (*mode && **mode > 07777) return fail(invalidArgument("mode must be permission bits (<= 07777)"));
  if (*mode) f.mode = static_cast<uint32_t>(**mode);
  if (f.size > fs::kChunkSize) {
    return fail(Status(Code::kTooLarge, f.path + ": files:write takes files of at most 4 MiB; "
                                                 "upload bigger ones in chunks"));
  }
  auto id = optionalString(h, "id");
  if (!id.ok()) return fail(id.status());
  auto data = optionalBool(h, "data", true);
  if (!data.ok()) return fail(data.status());
  f.inline_data = *data;
  if (f.size == 0) {
    if (*id) return fail(invalidArgument(f.path, ": an empty file has no chunk id"));
    return;
  }
  if (!*id || (*id)->size() != 64) return fail(invalidArgument(f.path, ": field 'id' must be 64 hex characters"));
  auto digest = Digest::fromHex(**id);
  if (!digest.ok()) return fail(digest.status());
  f.id = *digest;
}

// Splits the body into files: [u32 BE header length][header JSON][`size` content bytes]...
// Only framing errors (which leave the rest of the body unreadable) fail the whole request.
Result<std::vector<WriteFile>> parseBody(std::string_view rest) {
  std::vector<WriteFile> files;
  while (!rest.empty()) {
    if (files.size() == kMaxFilesPerWrite) {
      return invalidArgument("files:write takes at most ", std::to_string(kMaxFilesPerWrite), " files");
    }
    if (rest.size() < 4) return invalidArgument("files:write body ends inside a header length");
    const uint32_t n = readU32BE(rest.substr(0, 4));
    rest.remove_prefix(4);
    if (n > kMaxHeaderBytes || n > rest.size()) {
      return invalidArgument("files:write body: bad header length ", std::to_string(n),
                             " (file ", std::to_string(files.size()), ")");
    }
    json h = json::parse(rest.substr(0, n), nullptr, /*allow_exceptions=*/false);
    rest.remove_prefix(n);
    if (!h.is_object()) return invalidArgument("files:write body: header of file ", std::to_string(files.size()), " is not a JSON object");
    auto size = optionalUint(h, "size");
    if (!size.ok()) return size.status();
    if (!*size) return invalidArgument("files:write body: header of file ", std::to_string(files.size()), " has no 'size'");
    WriteFile f;
    f.size = **size;
    auto inline_data = optionalBool(h, "data", true);
    if (!inline_data.ok()) return inline_data.status();
    const uint64_t carried = *inline_data ? f.size : 0;
    if (carried > rest.size()) return invalidArgument("files:write body ends inside the content of file ", std::to_string(files.size()));
    f.data = rest.substr(0, carried);
    rest.remove_prefix(carried);
    parseHeader(h, f);
    files.push_back(std::move(f));
  }
  return files;
}

// Stores the chunks of the files still OK, behind one barrier. A chunk that does not match its
// id fails its file only: the optimistic path hashes each chunk once (in the store); only when
// the batch is refused are the chunks hashed here to find the bad ones.
Status storeChunks(fs::ChunkManager& chunks, std::string_view ws, std::vector<WriteFile>& files) {
  auto collect = [&files]() {
    std::vector<blob::ChunkWrite> writes;
    std::unordered_set<Digest> seen;
    for (const auto& f : files) {
      if (f.status.ok() && f.size > 0 && f.inline_data && seen.insert(f.id).second) writes.push_back({f.id, f.data});
    }
    return writes;
  };
  Status st = chunks.putChunks(ws, collect());
  if (st.code() != Code::kInvalidArgument) return st;
  for (auto& f : files) {
    if (f.status.ok() && f.size > 0 && f.inline_data && Sha256::of(f.data) != f.id) {
      f.status = invalidArgument(f.path, ": content does not match chunk id ", f.id.hex(), "; nothing stored");
    }
  }
  return chunks.putChunks(ws, collect());
}

fs::FileContent contentOf(const WriteFile& f) {
  fs::FileContent content;
  content.size = f.size;
  if (f.size > 0) content.chunks.push_back(fs::ChunkRef{0, f.id, static_cast<uint32_t>(f.size)});
  content.mtime_ns = f.mtime_ns;
  content.mode = f.mode;
  content.defer_sync = true;  // the route syncs once for all files
  return content;
}

Status commitOne(fs::FileSystem& fsys, fs::ChunkManager& chunks, std::string_view ws, WriteFile& f,
                 bool parents) {
  const fs::FileContent content = contentOf(f);
  for (int attempt = 1;; ++attempt) {
    auto attr = fsys.commitFile(f.path, content, parents);
    if (attr.ok()) {
      f.attr = *attr;
      return Status::OK();
    }
    // Every argument was checked above, so kInvalidArgument here means the chunk went missing
    // (the collector took it between our put and this commit): store it again and retry.
    if (attr.status().code() != Code::kInvalidArgument || f.size == 0 || attempt == kCommitAttempts) {
      return attr.status();
    }
    if (!f.inline_data) {
      // Not stored (or being collected): only the client has the bytes.
      f.missing = true;
      return notFound("chunk ", f.id.hex(), " of ", f.path, " is not stored: send the file's bytes");
    }
    RETURN_IF_ERROR(chunks.putChunk(ws, f.id, f.data));
  }
}

// A "data": false file names a chunk stored earlier -- possibly by another client's chunk PUT
// whose directory entry is not machine-crash durable yet (deferred, upload_routes.cc). Its
// metadata must never reach the disk ahead of that chunk, and the commits below are buffered
// (the kernel may write them back at any moment). So: look at each such chunk now, then run
// the store barrier, which covers every chunk seen present before it (blob::Store::sync). A
// chunk not present now is reported missing (the client sends the bytes), even if it appears
// a moment later: that one the barrier would not cover.
Status settleReferencedChunks(fs::ChunkManager& chunks, std::string_view ws, std::vector<WriteFile>& files) {
  bool referenced = false;
  for (auto& f : files) {
    if (!f.status.ok() || f.inline_data || f.size == 0) continue;
    auto present = chunks.read(ws, f.id, 0, 0);  // an existence check, no I/O of the bytes
    if (present.ok()) {
      referenced = true;
    } else if (present.status().code() == Code::kNotFound) {
      f.missing = true;
      f.status = notFound("chunk ", f.id.hex(), " of ", f.path, " is not stored: send the file's bytes");
    } else {
      f.status = present.status();
    }
  }
  return referenced ? chunks.syncChunksForCommit() : Status::OK();
}

json resultJson(const WriteFile& f) {
  if (!f.status.ok()) {
    json j = {{"path", f.path},
              {"error", {{"code", std::string(codeName(f.status.code()))}, {"message", f.status.message()}}}};
    if (f.missing) j["missing"] = true;
    return j;
  }
  json j = attrJson(f.attr);
  j["path"] = f.path;
  return j;
}

Status filesWriteRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(bool parents, queryBool(call, "parents", true));
  auto length = call.ex().contentLength();
  if (!length) return invalidArgument("files:write needs a Content-Length");
  ASSIGN_OR_RETURN(auto lease, budget.acquire(*length));
  ASSIGN_OR_RETURN(std::string body, call.readBody());
  ASSIGN_OR_RETURN(std::vector<WriteFile> files, parseBody(body));

  std::unordered_set<std::string_view> seen;
  for (auto& f : files) {
    if (f.status.ok() && !seen.insert(f.path).second) {
      f.status = invalidArgument("path listed twice: ", f.path);
    }
  }
  RETURN_IF_ERROR(storeChunks(service.chunks(), call.workspace(), files));
  RETURN_IF_ERROR(settleReferencedChunks(service.chunks(), call.workspace(), files));

  // Groups of files share one transaction; a group that fails (one bad file, or a chunk the
  // collector took) is committed again file by file, so each file gets its own result.
  std::vector<WriteFile*> ready;
  for (auto& f : files) {
    if (f.status.ok()) ready.push_back(&f);
  }
  for (size_t i = 0; i < ready.size(); i += kFilesPerTxn) {
    std::span<WriteFile*> group(ready.data() + i, std::min(kFilesPerTxn, ready.size() - i));
    std::vector<fs::PathContent> contents;
    contents.reserve(group.size());
    for (const WriteFile* f : group) contents.push_back({f->path, contentOf(*f)});
    auto attrs = fsys->commitFiles(contents, parents);
    if (attrs.ok()) {
      for (size_t k = 0; k < group.size(); ++k) group[k]->attr = (*attrs)[k];
      continue;
    }
    for (WriteFile* f : group) f->status = commitOne(*fsys, service.chunks(), call.workspace(), *f, parents);
  }
  size_t committed = 0;
  uint64_t bytes = 0;
  for (const auto& f : files) {
    if (f.status.ok()) {
      ++committed;
      bytes += f.data.size();
    }
  }
  // One barrier for the chunks and the commits of the whole request, before any is acknowledged.
  if (committed > 0) RETURN_IF_ERROR(service.sync());
  metrics::inc("strata_files_committed_total", {}, static_cast<double>(committed));
  metrics::inc("strata_upload_bytes_total", {}, static_cast<double>(bytes));

  json results = json::array();
  for (const auto& f : files) results.push_back(resultJson(f));
  return replyJson(call, 200, {{"files", std::move(results)},
                               {"committed", committed},
                               {"failed", files.size() - committed}});
}

}  // namespace

void addFilesWriteRoute(Router& router, fs::FileSystemService& service, MemoryBudget& budget) {
  router.add("POST", "/api/v1/fs/{fs}/files:write", "fs.files_write", Access::kWrite, kWriteBodyLimit,
             [&service, &budget](Call& call) { return filesWriteRoute(service, budget, call); });
}

}  // namespace strata::server::http
