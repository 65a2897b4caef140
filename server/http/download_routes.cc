// Downloads (docs/api.md "Download"): a file's content streamed chunk by chunk with HTTP
// Range support, and single chunks by id. Memory per download is one chunk, whatever the size
// of the file.
#include <algorithm>
#include <ctime>

#include <spdlog/spdlog.h>

#include "common/metrics.h"
#include "fs/chunk_manager.h"
#include "fs/filesystem.h"
#include "server/http/fs_common.h"
#include "server/http/json_io.h"
#include "server/http/memory_budget.h"
#include "server/http/range.h"
#include "server/http/routes.h"

namespace strata::server::http {
namespace {

constexpr int kSnapshotAttempts = 8;
constexpr size_t kZeroPiece = 64 << 10;
// files:read: how many files one request may name, and how many bytes their contents may add
// up to (the answer streams, so this bounds a request's duration, not memory).
constexpr size_t kMaxFilesPerRead = 1000;
constexpr uint64_t kMaxBytesPerRead = 64ull << 20;

std::string httpDate(int64_t unix_ns) {
  std::time_t t = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

// The attributes and complete chunk map of one version of a file.
struct Snapshot {
  fs::Attr attr;
  std::vector<fs::ChunkRef> chunks;  // sorted by index; missing indexes are holes
};

Result<Snapshot> snapshot(fs::FileSystem& fsys, const std::string& path) {
  for (int attempt = 0; attempt < kSnapshotAttempts; ++attempt) {
    ASSIGN_OR_RETURN(fs::Attr before, fsys.stat(path));
    if (before.type == fs::FileType::kDirectory) return isDirectory("is a directory: ", path);
    if (before.type != fs::FileType::kRegular) return invalidArgument("not a regular file: ", path);
    uint64_t count = (before.size + fs::kChunkSize - 1) / fs::kChunkSize;
    ASSIGN_OR_RETURN(auto refs, fsys.chunks(before.ino, 0, count));
    ASSIGN_OR_RETURN(fs::Attr after, fsys.stat(path));
    if (after.ino != before.ino || after.version != before.version) continue;
    std::sort(refs.begin(), refs.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    return Snapshot{before, std::move(refs)};
  }
  return busy("file keeps changing: ", path);
}

Status writeZeros(Exchange& ex, uint64_t n) {
  static const std::string kZeros(kZeroPiece, '\0');
  while (n > 0) {
    uint64_t step = std::min<uint64_t>(n, kZeros.size());
    RETURN_IF_ERROR(ex.write(std::string_view(kZeros).substr(0, step)));
    n -= step;
  }
  return Status::OK();
}

// Streams bytes [first, first+length) of the file. Whole chunks are read whole, so the store
// verifies their hash; a range that starts or ends inside a chunk reads just that part.
Status streamRange(fs::ChunkManager& chunks, std::string_view ws, const Snapshot& snap,
                   uint64_t first, uint64_t length, Exchange& ex) {
  uint64_t pos = first;
  const uint64_t end = first + length;
  auto ref = std::lower_bound(snap.chunks.begin(), snap.chunks.end(), pos / fs::kChunkSize,
                              [](const fs::ChunkRef& r, uint64_t index) { return r.index < index; });
  while (pos < end) {
    const uint64_t index = pos / fs::kChunkSize;
    const uint64_t chunk_start = index * fs::kChunkSize;
    const uint64_t chunk_end = std::min(end, chunk_start + fs::kChunkSize);
    while (ref != snap.chunks.end() && ref->index < index) ++ref;
    uint64_t data_end = chunk_start;  // bytes past the chunk's data (or a hole) read as zeros
    if (ref != snap.chunks.end() && ref->index == index) {
      data_end = chunk_start + ref->length;
      if (pos < data_end) {
        uint64_t off = pos - chunk_start;
        uint64_t n = std::min(chunk_end, data_end) - pos;
        ASSIGN_OR_RETURN(std::string bytes, chunks.read(ws, ref->id, off, n));
        if (bytes.size() != n) {
          return corruption("chunk ", ref->id.hex(), " is shorter than its map says");
        }
        RETURN_IF_ERROR(ex.write(bytes));
        metrics::inc("strata_download_bytes_total", {}, static_cast<double>(n));
        pos += n;
      }
    }
    if (pos < chunk_end) {
      RETURN_IF_ERROR(writeZeros(ex, chunk_end - pos));
      pos = chunk_end;
    }
  }
  return Status::OK();
}

Status contentRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(std::string path, pathQuery(call, std::nullopt));
  ASSIGN_OR_RETURN(Snapshot snap, snapshot(*fsys, path));
  const uint64_t size = snap.attr.size;

  Headers headers = {
      {"Content-Type", "application/octet-stream"},
      {"ETag", "\"" + std::to_string(snap.attr.ino) + "-" + std::to_string(snap.attr.version) + "\""},
      {"Last-Modified", httpDate(snap.attr.mtime_ns)},
      {"Accept-Ranges", "bytes"},
  };
  ByteRange range{0, size};
  int status = 200;
  if (auto header = call.ex().header("Range")) {
    auto parsed = parseRange(*header, size);
    if (!parsed.ok()) {
      if (parsed.status().code() == Code::kRangeNotSatisfiable) {
        // RFC 9110: a 416 names the current length.
        nlohmann::json body = {{"error",
                                {{"code", "range_not_satisfiable"}, {"message", parsed.status().message()}}}};
        return call.ex().send(416,
                              {{"Content-Type", "application/json"},
                               {"Content-Range", "bytes */" + std::to_string(size)}},
                              body.dump() + "\n");
      }
      return parsed.status();
    }
    range = *parsed;
    status = 206;
    headers.emplace_back("Content-Range", contentRange(range, size));
  }
  ASSIGN_OR_RETURN(auto lease, budget.acquire(std::min<uint64_t>(range.length, fs::kChunkSize)));
  RETURN_IF_ERROR(call.ex().startStream(status, headers, range.length));
  if (call.ex().method() == "HEAD" || range.length == 0) return Status::OK();
  Status st = streamRange(service.chunks(), call.workspace(), snap, range.first, range.length, call.ex());
  // After the head is out an error can only cut the body short; the client sees fewer bytes
  // than Content-Length and the connection is closed.
  if (!st.ok() && st.code() != Code::kIOError) {
    spdlog::error("download of {} failed mid-stream: {}", path, st.toString());
  }
  return Status::OK();
}

Status chunkGetRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  const std::string& text = call.param("id");
  if (text.size() != 64) return invalidArgument("chunk id must be 64 hex characters: ", text);
  ASSIGN_OR_RETURN(Digest id, Digest::fromHex(text));
  ASSIGN_OR_RETURN(auto lease, budget.acquire(fs::kChunkSize));
  ASSIGN_OR_RETURN(std::string bytes, service.chunks().read(call.workspace(), id, 0, fs::kChunkSize));
  metrics::inc("strata_download_bytes_total", {}, static_cast<double>(bytes.size()));
  return call.ex().send(200,
                        {{"Content-Type", "application/octet-stream"},
                         {"ETag", "\"" + id.hex() + "\""},
                         {"Cache-Control", "public, max-age=31536000, immutable"}},
                        bytes);
}

// Many whole files in one answer, for downloads of many small files (docs/api.md "Download").
// Every file is resolved (attributes and chunk map, each a consistent snapshot) before the head
// is sent, so a bad path fails the request with its usual error and nothing streamed. Body:
// per file, in request order, [u32 big-endian header length][header JSON][chunk bytes of the
// header's chunks, in order]; holes are not sent (the client knows the size).
Status filesReadRoute(fs::FileSystemService& service, MemoryBudget& budget, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(nlohmann::json req, readJsonObject(call));
  auto paths = req.find("paths");
  if (paths == req.end() || !paths->is_array() || paths->empty()) {
    return invalidArgument("field 'paths' must be a non-empty array of paths");
  }
  if (paths->size() > kMaxFilesPerRead) {
    return invalidArgument("at most ", std::to_string(kMaxFilesPerRead), " paths per request");
  }
  std::vector<std::string> headers;
  std::vector<Snapshot> snaps;
  headers.reserve(paths->size());
  snaps.reserve(paths->size());
  uint64_t total = 0, content = 0;
  for (const auto& p : *paths) {
    if (!p.is_string()) return invalidArgument("every entry of 'paths' must be a string");
    const std::string& path = p.get_ref<const std::string&>();
    RETURN_IF_ERROR(checkPath(path));
    ASSIGN_OR_RETURN(Snapshot snap, snapshot(*fsys, path));
    content += snap.attr.size;
    if (content > kMaxBytesPerRead) {
      return Status(Code::kTooLarge, "the files of one request may hold at most " +
                                         std::to_string(kMaxBytesPerRead) + " bytes");
    }
    nlohmann::json chunks = nlohmann::json::array();
    for (const auto& c : snap.chunks) {
      chunks.push_back({{"index", c.index}, {"id", c.id.hex()}, {"length", c.length}});
      total += c.length;
    }
    nlohmann::json head = {{"path", path},
                           {"size", snap.attr.size},
                           {"mtime_ns", snap.attr.mtime_ns},
                           {"mode", snap.attr.mode},
                           {"version", snap.attr.version},
                           {"chunks", std::move(chunks)}};
    headers.push_back(head.dump());
    total += 4 + headers.back().size();
    snaps.push_back(std::move(snap));
  }
  ASSIGN_OR_RETURN(auto lease, budget.acquire(fs::kChunkSize));
  RETURN_IF_ERROR(call.ex().startStream(200, {{"Content-Type", "application/octet-stream"}}, total));
  if (call.ex().method() == "HEAD") return Status::OK();
  Status st;
  for (size_t i = 0; i < snaps.size() && st.ok(); ++i) {
    const std::string& head = headers[i];
    const uint32_t n = static_cast<uint32_t>(head.size());
    const char len[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                         static_cast<char>(n)};
    st = call.ex().write(std::string_view(len, 4));
    if (st.ok()) st = call.ex().write(head);
    for (const auto& c : snaps[i].chunks) {
      if (!st.ok()) break;
      auto bytes = service.chunks().read(call.workspace(), c.id, 0, c.length);  // whole: verified
      if (!bytes.ok()) {
        st = bytes.status();
      } else if (bytes->size() != c.length) {
        st = corruption("chunk ", c.id.hex(), " is shorter than its map says");
      } else {
        st = call.ex().write(*bytes);
        metrics::inc("strata_download_bytes_total", {}, static_cast<double>(c.length));
      }
    }
  }
  // After the head is out an error can only cut the body short (the client sees fewer bytes
  // than Content-Length).
  if (!st.ok() && st.code() != Code::kIOError) spdlog::error("files:read failed mid-stream: {}", st.toString());
  return Status::OK();
}

}  // namespace

void addDownloadRoutes(Router& router, fs::FileSystemService& service, MemoryBudget& budget) {
  metrics::describe("strata_download_bytes_total", metrics::Type::kCounter,
                    "File and chunk bytes sent to clients.");
  router.add("GET", "/api/v1/fs/{fs}/content", "fs.content", Access::kRead, kNoBody,
             [&service, &budget](Call& call) { return contentRoute(service, budget, call); });
  router.add("POST", "/api/v1/fs/{fs}/files:read", "fs.files_read", Access::kRead, kJsonBodyLimit,
             [&service, &budget](Call& call) { return filesReadRoute(service, budget, call); });
  router.add("GET", "/api/v1/fs/{fs}/chunks/{id}", "fs.chunk_get", Access::kRead, kNoBody,
             [&service, &budget](Call& call) { return chunkGetRoute(service, budget, call); });
}

}  // namespace strata::server::http
