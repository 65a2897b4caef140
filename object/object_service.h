// ObjectService: buckets and objects of every workspace, on db::Engine (metadata) and the
// fs::ChunkManager (chunk bytes, pins, reference counts, collector), so objects and files
// share one chunk layer: identical 4 MiB chunks are stored once, and the collector deletes a
// chunk only when neither a file nor an object references it. Key layout and record formats:
// docs/object-formats.md.
//
// Semantics are S3's (the wire protocol in server/s3 maps them one to one):
// - A bucket is public (canned ACL public-read: anonymous GET/HEAD/list) or private. Every
//   workspace has `public` and `private` from ensureWorkspace on.
// - An object is a list of chunks plus metadata; putObject and uploadPart stream: bytes are
//   hashed and stored chunk by chunk as they arrive, never the whole body in memory, and the
//   key (or part) is committed atomically at the end. A put that fails or is killed midway
//   leaves nothing visible; its chunks are collected later.
// - Multipart parts hold real chunk references until completeMultipart moves them to the
//   object (one transaction) or abortMultipart drops them; a crash never loses a completed
//   object and never shows a partial one.
//
// Errors: the S3 condition is in the Status message as a tag (object/errors.h), e.g.
// kNotFound "[NoSuchBucket] ...", so protocol layers can name it exactly.
//
// Thread-safe: any number of callers and server processes on one engine.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "fs/chunk_manager.h"

namespace strata::object {

constexpr uint64_t kChunkSize = 4ull << 20;
constexpr size_t kMaxKeyBytes = 1024;
constexpr uint64_t kMaxSinglePutBytes = 5ull << 30;  // S3's PutObject limit
constexpr uint64_t kMaxPartBytes = 5ull << 30;
constexpr uint64_t kMinPartBytes = 5ull << 20;      // every part but the last
constexpr int kMaxPartNumber = 10000;
constexpr size_t kMaxUserMetadataBytes = 2048;      // x-amz-meta-* names + values, as S3

struct BucketInfo {
  std::string name;
  int64_t created_ns = 0;
  bool is_public = false;
};

// Metadata a client sets on an object (and gets back with it).
struct ObjectAttrs {
  std::string content_type;
  std::string content_encoding;
  std::string content_disposition;
  std::string cache_control;
  std::string content_language;
  std::string expires;
  // x-amz-meta-* without the prefix, names lowercase, in the order given.
  std::vector<std::pair<std::string, std::string>> user;
  bool is_public = false;  // object ACL public-read
};

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // without quotes: MD5 hex, or "<md5 of part md5s>-<parts>"
  int64_t mtime_ns = 0;
  uint32_t parts = 0;  // 0 for a single put
  ObjectAttrs attrs;
  // Internal: which stored chunk list holds the bytes (readObject needs it).
  uint64_t bucket_id = 0;
  std::string version;
};

// Body bytes of a put: reads up to `size` bytes into `dst`; 0 means the body ended.
using ByteSource = std::function<Result<size_t>(char* dst, size_t size)>;
// Where readObject sends bytes, piece by piece (at most one chunk at a time).
using ByteSink = std::function<Status(std::string_view bytes)>;
// Where readObject may send a piece that is a range of an open chunk file (already verified)
// instead of its bytes, so a server can pass it to sendfile(2): no copy through user space.
using FileSink = std::function<Status(int fd, uint64_t offset, uint64_t length)>;

struct PutOptions {
  ObjectAttrs attrs;
  uint64_t max_size = kMaxSinglePutBytes;  // kTooLarge "[EntityTooLarge]" past it
  // The body must have exactly this many bytes when set ("[IncompleteBody]" otherwise).
  std::optional<uint64_t> expected_size;
  // The body's MD5 (16 raw bytes, from Content-MD5) must match: "[BadDigest]" otherwise.
  std::optional<std::string> content_md5;
  // Runs after the whole body was read, before the commit: a non-OK Status aborts the put
  // with nothing changed (the S3 layer checks x-amz-content-sha256 here).
  std::function<Status()> before_commit;
};

struct ListOptions {
  std::string prefix;
  std::string delimiter;    // "" = none
  std::string start_after;  // exclusive; also V1 marker and the decoded continuation token
  size_t max_keys = 1000;   // 0..1000
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_after;  // the last key or common prefix returned when truncated
};

struct PartInfo {
  int number = 0;
  uint64_t size = 0;
  std::string etag;  // MD5 hex, no quotes
  int64_t mtime_ns = 0;
};

struct CompletedPart {
  int number = 0;
  std::string etag;  // quotes allowed (stripped)
};

struct UploadInfo {
  std::string key;
  std::string upload_id;
  int64_t initiated_ns = 0;
};

struct PartList {
  std::vector<PartInfo> parts;
  bool truncated = false;
  int next_marker = 0;
};

struct UploadList {
  std::vector<UploadInfo> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

class ObjectService {
 public:
  virtual ~ObjectService() = default;

  // Creates the `public` (public) and `private` buckets of `workspace` when missing.
  virtual Status ensureWorkspace(std::string_view ws) = 0;

  // --- buckets ---
  // "[BucketAlreadyOwnedByYou]" kAlreadyExists when it exists; "[InvalidBucketName]".
  virtual Status createBucket(std::string_view ws, std::string_view bucket, bool is_public) = 0;
  virtual Result<std::vector<BucketInfo>> listBuckets(std::string_view ws) = 0;
  // "[NoSuchBucket]" kNotFound.
  virtual Result<BucketInfo> headBucket(std::string_view ws, std::string_view bucket) = 0;
  // "[BucketNotEmpty]" kNotEmpty while it holds objects or multipart uploads.
  virtual Status deleteBucket(std::string_view ws, std::string_view bucket) = 0;
  virtual Status setBucketPublic(std::string_view ws, std::string_view bucket, bool is_public) = 0;

  // --- objects ---
  virtual Result<ObjectInfo> putObject(std::string_view ws, std::string_view bucket,
                                       std::string_view key, const ByteSource& body,
                                       const PutOptions& options) = 0;
  // "[NoSuchKey]" kNotFound.
  virtual Result<ObjectInfo> headObject(std::string_view ws, std::string_view bucket,
                                        std::string_view key) = 0;
  // Streams bytes [offset, offset+length) of the object `info` (from headObject) to `sink`.
  // REQUIRES: offset + length <= info.size. Fails with kNotFound when the object was
  // replaced or deleted meanwhile and its chunk list is gone.
  // With a `file_sink`, pieces the chunk store holds in files go there, the rest to `sink`.
  virtual Status readObject(std::string_view ws, const ObjectInfo& info, uint64_t offset,
                            uint64_t length, const ByteSink& sink, const FileSink& file_sink) = 0;
  Status readObject(std::string_view ws, const ObjectInfo& info, uint64_t offset,
                    uint64_t length, const ByteSink& sink) {
    return readObject(ws, info, offset, length, sink, FileSink());
  }
  // Deleting an absent key is not an error (S3). "[NoSuchBucket]" when the bucket is.
  virtual Status deleteObject(std::string_view ws, std::string_view bucket,
                              std::string_view key) = 0;
  // Copies without moving bytes: the new object references the same chunks. `attrs` replaces
  // the metadata (REPLACE directive) when set; otherwise it is copied.
  virtual Result<ObjectInfo> copyObject(std::string_view ws, std::string_view src_bucket,
                                        std::string_view src_key, std::string_view dst_bucket,
                                        std::string_view dst_key,
                                        const std::optional<ObjectAttrs>& attrs) = 0;
  virtual Status setObjectPublic(std::string_view ws, std::string_view bucket,
                                 std::string_view key, bool is_public) = 0;
  virtual Result<ListResult> listObjects(std::string_view ws, std::string_view bucket,
                                         const ListOptions& options) = 0;

  // --- multipart uploads ---
  virtual Result<std::string> createMultipart(std::string_view ws, std::string_view bucket,
                                              std::string_view key, const ObjectAttrs& attrs) = 0;
  // "[NoSuchUpload]" kNotFound; part numbers 1..10000. Re-uploading a number replaces it.
  virtual Result<PartInfo> uploadPart(std::string_view ws, std::string_view bucket,
                                      std::string_view key, std::string_view upload_id,
                                      int part_number, const ByteSource& body,
                                      const PutOptions& options) = 0;
  // Parts must be listed in ascending order ("[InvalidPartOrder]"), exist with the given
  // ETags ("[InvalidPart]"), and all but the last be >= 5 MiB ("[EntityTooSmall]").
  virtual Result<ObjectInfo> completeMultipart(std::string_view ws, std::string_view bucket,
                                               std::string_view key, std::string_view upload_id,
                                               const std::vector<CompletedPart>& parts) = 0;
  virtual Status abortMultipart(std::string_view ws, std::string_view bucket,
                                std::string_view key, std::string_view upload_id) = 0;
  virtual Result<PartList> listParts(std::string_view ws, std::string_view bucket,
                                     std::string_view key, std::string_view upload_id,
                                     int part_number_marker, size_t max_parts) = 0;
  virtual Result<UploadList> listUploads(std::string_view ws, std::string_view bucket,
                                         std::string_view prefix, std::string_view key_marker,
                                         std::string_view upload_id_marker,
                                         size_t max_uploads) = 0;
};

struct ObjectServiceOptions {
  // Bytes that streaming may hold at once across all requests: put bodies being hashed and
  // stored (up to 4 chunks = 16 MiB per put) and get chunks read ahead (up to 2 per get).
  // Requests past it still run, with one chunk each, waiting their turn for it.
  uint64_t stream_memory = 96ull << 20;
  // Threads that read ahead for gets: a get's next chunk is read and verified on one of them
  // while its current one is sent (the current one is read on the request's own thread).
  int read_threads = 8;
};

// The service registers itself with `chunks` as a reference source (fsck counts object
// references) and unregisters when destroyed. `engine` and `chunks` must outlive it.
std::unique_ptr<ObjectService> makeObjectService(db::Engine& engine, fs::ChunkManager& chunks,
                                                 ObjectServiceOptions options = {});

}  // namespace strata::object
