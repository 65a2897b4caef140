// Client of the Strata REST API (docs/api.md): one typed call per route, each returning a
// Result/Status that carries the server's error code and message unchanged. Used by the CLI, the
// FUSE mount and `strata run`, so it knows nothing of terminals or local trees.
//
// Paths are absolute file-system paths ("/a/b"); the client URL-encodes them. Which calls are
// retried (connection errors, 5xx): the reads, chunk uploads (content-addressed, so sending one
// twice stores it once), upload begin, and commit (committing the same chunk list twice leaves the
// same file). mkdir, delete, move and token calls are not retried: their second attempt could
// answer differently than the first.
//
// Thread-safety: a Client is thread-safe and meant to be shared; connections are pooled and kept
// alive (client/http.h).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client/http.h"
#include "client/types.h"
#include "common/status.h"

namespace strata::client {

class Client {
 public:
  struct Options {
    std::string url = "http://127.0.0.1:7070";
    std::string token;
    int max_attempts = 5;  // for retried calls
  };

  explicit Client(Options options);
  ~Client();

  const std::string& url() const { return http_->baseUrl(); }
  // The underlying HTTP client, for the calls of other services (client/kv_calls.h, ...).
  const HttpClient& http() const { return *http_; }

  // --- identity and file systems
  Result<WhoAmI> whoami() const;
  Result<std::vector<std::string>> listFileSystems() const;
  Status createFileSystem(std::string_view name) const;

  // --- namespace
  Result<Entry> stat(std::string_view fs, std::string_view path) const;
  // One page of a directory (or the single entry of a file); limit 1..10000.
  Result<ListPage> list(std::string_view fs, std::string_view path, std::string_view cursor = {},
                        int limit = 1000) const;
  // One page of every entry below the directory `path` (GET list?recursive=true): depth first,
  // `Entry::name` = the path relative to `path`. Pass the page's next_cursor to get the next
  // one; "" means done. limit 1..10000.
  Result<ListPage> listTree(std::string_view fs, std::string_view path, std::string_view cursor = {},
                            int limit = 10000) const;
  Result<Entry> mkdir(std::string_view fs, std::string_view path, bool parents, uint32_t mode = 0755) const;
  Status remove(std::string_view fs, std::string_view path, bool recursive) const;
  Result<Entry> move(std::string_view fs, std::string_view from, std::string_view to, bool no_replace = false) const;
  // Whole file system without `path`; a walk of the subtree with it.
  Result<fs::Usage> usage(std::string_view fs, std::optional<std::string_view> path = std::nullopt) const;
  Result<ChunkMap> chunkMap(std::string_view fs, std::string_view path) const;

  // --- upload (begin -> put missing chunks -> commit)
  // Pins `chunks` for the upload (a new one when `upload_id` is empty) and returns those the
  // server lacks.
  Result<UploadBatch> beginUpload(std::string_view fs, std::span<const Digest> chunks,
                                  std::string_view upload_id = {}) const;
  // REQUIRES: Sha256::of(bytes) == id, bytes.size() <= fs::kChunkSize.
  Status putChunk(std::string_view fs, std::string_view upload_id, const Digest& id, std::string_view bytes) const;
  // Many small chunks in one request (the batch endpoint).
  Status putChunks(std::string_view fs, std::string_view upload_id, std::span<const ChunkBody> chunks) const;
  Result<std::vector<Entry>> commitUpload(std::string_view fs, std::string_view upload_id,
                                          std::span<const CommitFile> files, bool parents = true) const;
  Status abortUpload(std::string_view fs, std::string_view upload_id) const;
  // Many small files (each at most 4 MiB, the whole body at most 64 MiB, at most 10,000 files)
  // in one request (POST files:write): the server verifies, stores and commits each file
  // atomically, all behind one durability barrier. Returns one result per file, in order; a
  // file that failed has its error in WriteResult::status and nothing of it changed. Retried
  // (sending the same files again leaves the same result).
  Result<std::vector<WriteResult>> writeFiles(std::string_view fs, std::span<const SmallFile> files,
                                              bool parents = true) const;

  // --- download
  // Streams a file's bytes (or one range of them) into `sink`, never holding the whole file.
  // Retried only until the first byte reached the sink.
  Status readContent(std::string_view fs, std::string_view path, const Sink& sink,
                     std::optional<ByteRange> range = std::nullopt) const;
  // One chunk's bytes (at most 4 MiB), verified against its id (kCorruption on a mismatch).
  Result<std::string> readChunk(std::string_view fs, const Digest& id) const;
  // Many whole files in one request (POST files:read; at most 1000 paths whose sizes add up to
  // at most 64 MiB), for downloads of many small files. `visit(i, map, bytes)` is called once
  // per file in the order of `paths`, with the file's chunk map and its whole content (holes
  // as zeros); every chunk was verified against its id first. One file is held in memory at a
  // time. A path that is not a regular file fails the whole call before any visit.
  using FileVisitor = std::function<Status(size_t index, ChunkMap& map, std::string& bytes)>;
  Status readFiles(std::string_view fs, std::span<const std::string> paths, const FileVisitor& visit) const;

  // --- tokens (admin)
  // With `s3`, the server also makes an S3 credential (access key id = token id).
  Result<Token> createToken(std::string_view name, bool read_only, bool admin, bool s3 = false) const;
  Result<std::vector<Token>> listTokens() const;
  Status revokeToken(std::string_view id) const;

 private:
  // Sends and maps a non-2xx answer to its Status.
  Result<HttpResponse> call(HttpRequest req) const;
  std::string fsPrefix(std::string_view fs) const;

  std::unique_ptr<HttpClient> http_;
};

// The batch endpoint's body: per chunk [32 raw id bytes][u32 big-endian length][bytes].
std::string encodeChunkBatch(std::span<const ChunkBody> chunks);

}  // namespace strata::client
