// Object operations: put (streaming), head, read (ranges), delete, copy, object ACL.
#include <algorithm>
#include <future>
#include <optional>

#include "common/bytes.h"
#include "common/clock.h"
#include "fs/keys.h"
#include "object/chunk_writer.h"
#include "object/errors.h"
#include "object/names.h"
#include "object/service_impl.h"

namespace strata::object {
namespace {

constexpr size_t kReadPage = 256;  // chunk records fetched per scan while reading

Status checkAttrs(const ObjectAttrs& a) {
  size_t user = 0;
  for (const auto& [name, value] : a.user) user += name.size() + value.size();
  if (user > kMaxUserMetadataBytes) {
    return s3Error(Code::kInvalidArgument, "MetadataTooLarge",
                   "user metadata is over the limit of 2 KB");
  }
  for (const std::string* s : {&a.content_type, &a.content_encoding, &a.content_disposition,
                                &a.cache_control, &a.content_language, &a.expires}) {
    if (s->size() > 4096) {
      return s3Error(Code::kInvalidArgument, "InvalidArgument", "a header value is too long");
    }
  }
  return Status::OK();
}

}  // namespace

Result<ObjectInfo> ObjectServiceImpl::putObject(std::string_view ws, std::string_view bucket,
                                                std::string_view key, const ByteSource& body,
                                                const PutOptions& options) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  RETURN_IF_ERROR(validateKey(key));
  RETURN_IF_ERROR(checkAttrs(options.attrs));
  const ObjectKeys keys(ws);
  // Refuse before reading a byte of the body when the bucket is missing.
  RETURN_IF_ERROR(peekBucket(keys, bucket).status());

  ChunkWriter writer(chunks_, pool_, std::string(ws));
  ASSIGN_OR_RETURN(WrittenBody written, writer.write(body, options));
  if (options.before_commit) RETURN_IF_ERROR(options.before_commit());

  ObjectInfo info;
  info.key = std::string(key);
  info.size = written.size;
  info.etag = md5Hex(written.md5);
  info.mtime_ns = nowNanos();
  info.attrs = options.attrs;
  info.version = newVersion();
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    info.bucket_id = b.id;
    std::vector<fs::RefChange> refs;
    RETURN_IF_ERROR(writeChunkList(txn, keys, b.id, info.version, written.chunks, refs));
    RETURN_IF_ERROR(replaceObject(txn, keys, b.id, key, info, refs));
    return chunks_.changeReferences(txn, ws, refs);
  }));
  // Off the request path: the references are committed, the pins protect nothing now.
  if (!writer.uploadId().empty()) releaser_.release(std::string(ws), writer.takeUploadId());
  return info;
}

Result<ObjectInfo> ObjectServiceImpl::headObject(std::string_view ws, std::string_view bucket,
                                                 std::string_view key) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  RETURN_IF_ERROR(validateKey(key));
  const ObjectKeys keys(ws);
  ASSIGN_OR_RETURN(BucketRec b, peekBucket(keys, bucket));
  ASSIGN_OR_RETURN(auto val, engine_.get(keys.object(b.id, key)));
  if (!val) return s3Error(Code::kNotFound, "NoSuchKey", "no such key: ", key);
  ASSIGN_OR_RETURN(ObjectInfo info, decodeObject(*val));
  info.key = std::string(key);
  info.bucket_id = b.id;
  return info;
}

Status ObjectServiceImpl::readObject(std::string_view ws, const ObjectInfo& info, uint64_t offset,
                                     uint64_t length, const ByteSink& sink,
                                     const FileSink& file_sink) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  if (offset > info.size || length > info.size - offset) {
    return Status(Code::kRangeNotSatisfiable, "read past the end of the object");
  }
  if (length == 0) return Status::OK();
  const ObjectKeys keys(ws);
  const std::string prefix = keys.chunkPrefix(info.bucket_id, info.version);
  const std::string end = db::prefixEnd(prefix);
  auto gone = [&] {
    return notFound("object ", info.key, " was replaced or deleted while being read");
  };

  // The pieces to send, one per chunk touched, produced lazily from pages of the chunk list
  // (an object may have millions of chunks).
  struct Piece {
    Digest id;
    uint64_t offset = 0;  // within the chunk
    uint64_t length = 0;
  };
  std::vector<Piece> page_pieces;
  size_t next_index = 0;
  std::string from;
  uint64_t pos = offset;  // object offset of the next piece to produce
  const uint64_t stop = offset + length;
  // The chunk holding `offset` is the one with the largest start <= offset.
  {
    db::ScanOptions back;
    back.limit = 1;
    back.reverse = true;
    ASSIGN_OR_RETURN(auto first, engine_.scan(prefix, keys.chunk(info.bucket_id, info.version, offset + 1), back));
    if (first.empty()) return gone();
    from = first.front().key;
  }
  auto next = [&]() -> Result<std::optional<Piece>> {
    while (next_index == page_pieces.size()) {
      if (pos >= stop) return std::optional<Piece>();
      db::ScanOptions page;
      page.limit = kReadPage;
      ASSIGN_OR_RETURN(auto recs, engine_.scan(from, end, page));
      if (recs.empty()) return gone();
      page_pieces.clear();
      next_index = 0;
      uint64_t at = pos;
      for (const auto& kv : recs) {
        const uint64_t start = readU64BE(std::string_view(kv.key).substr(prefix.size()));
        ASSIGN_OR_RETURN(ChunkRec c, decodeChunk(kv.value));
        if (start > at) return corruption("object ", info.key, " has a hole in its chunk list");
        const uint64_t chunk_end = start + c.length;
        if (chunk_end <= at) continue;
        const uint64_t n = std::min(chunk_end, stop) - at;
        page_pieces.push_back(Piece{c.id, at - start, n});
        at += n;
        if (at >= stop) break;
      }
      pos = at;
      from = recs.back().key;
      from.push_back('\0');
    }
    return std::optional<Piece>(page_pieces[next_index++]);
  };
  // Reads one piece: the store verifies a whole chunk against its id before returning it.
  // With a file sink, a piece in a chunk file stays there (an open file and a range).
  auto read = [this, ws, &info, &file_sink](const Piece& p) -> Result<blob::ChunkSlice> {
    blob::ChunkSlice slice;
    if (file_sink) {
      ASSIGN_OR_RETURN(slice, chunks_.readSlice(ws, p.id, p.offset, p.length));
    } else {
      ASSIGN_OR_RETURN(slice.bytes, chunks_.read(ws, p.id, p.offset, p.length));
      slice.length = slice.bytes.size();
    }
    if (slice.length != p.length) {
      return corruption("chunk ", p.id.hex(), " of object ", info.key, " is shorter than its reference");
    }
    return slice;
  };
  auto send = [&](const blob::ChunkSlice& slice) {
    return slice.file ? file_sink(slice.file.get(), slice.offset, slice.length) : sink(slice.bytes);
  };
  // Memory a piece holds while it waits to be sent: none when it stays in its file (a file
  // sink takes chunk-file pieces; only small-tier chunks come as bytes, at most 64 KiB).
  auto charge = [&](const Piece& p, bool wait) {
    if (file_sink) return PooledBuffer();
    return wait ? pool_.reserve(p.length) : pool_.tryReserve(p.length);
  };

  // Read-ahead: while piece N goes to the sink (the client's socket), piece N+1 is read and
  // verified on a reader thread, when the pool has room for it; otherwise the request's own
  // thread reads it after sending (so a one-chunk object costs no thread hand-off). Each
  // piece in memory is charged to the pool.
  ASSIGN_OR_RETURN(std::optional<Piece> cur_piece, next());
  PooledBuffer cur_charge = charge(*cur_piece, true);
  ASSIGN_OR_RETURN(blob::ChunkSlice cur, read(*cur_piece));
  for (;;) {
    ASSIGN_OR_RETURN(std::optional<Piece> ahead_piece, next());
    PooledBuffer ahead_charge;
    std::future<Result<blob::ChunkSlice>> ahead;
    if (ahead_piece) {
      ahead_charge = charge(*ahead_piece, false);
      if (ahead_charge || file_sink) {
        ahead = readers_.submit([&read, p = *ahead_piece] { return read(p); });
      }
    }
    Status sent = send(cur);
    cur = blob::ChunkSlice();
    cur_charge.reset();
    if (!sent.ok()) {
      if (ahead.valid()) ahead.wait();  // it uses `read`, which lives in this frame
      return sent;
    }
    if (!ahead_piece) break;
    if (ahead.valid()) {
      ASSIGN_OR_RETURN(cur, ahead.get());
      cur_charge = std::move(ahead_charge);
    } else {
      cur_charge = charge(*ahead_piece, true);
      ASSIGN_OR_RETURN(cur, read(*ahead_piece));
    }
  }
  return Status::OK();
}

Status ObjectServiceImpl::deleteObject(std::string_view ws, std::string_view bucket,
                                       std::string_view key) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  RETURN_IF_ERROR(validateKey(key));
  const ObjectKeys keys(ws);
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    const std::string obj_key = keys.object(b.id, key);
    ASSIGN_OR_RETURN(auto val, txn.get(obj_key));
    if (!val) return Status::OK();
    ASSIGN_OR_RETURN(ObjectInfo old, decodeObject(*val));
    std::vector<fs::RefChange> refs;
    RETURN_IF_ERROR(dropChunkList(txn, keys, b.id, old.version, refs));
    RETURN_IF_ERROR(txn.del(obj_key));
    return chunks_.changeReferences(txn, ws, refs);
  });
}

Result<ObjectInfo> ObjectServiceImpl::copyObject(std::string_view ws, std::string_view src_bucket,
                                                 std::string_view src_key,
                                                 std::string_view dst_bucket,
                                                 std::string_view dst_key,
                                                 const std::optional<ObjectAttrs>& attrs) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(src_bucket));
  RETURN_IF_ERROR(validateBucketName(dst_bucket));
  RETURN_IF_ERROR(validateKey(src_key));
  RETURN_IF_ERROR(validateKey(dst_key));
  if (attrs) RETURN_IF_ERROR(checkAttrs(*attrs));
  if (src_bucket == dst_bucket && src_key == dst_key && !attrs) {
    return s3Error(Code::kInvalidArgument, "InvalidRequest",
                   "copying an object onto itself requires the REPLACE metadata directive");
  }
  const ObjectKeys keys(ws);
  ObjectInfo info;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec sb, getBucket(txn, keys, src_bucket));
    ASSIGN_OR_RETURN(BucketRec db_rec, getBucket(txn, keys, dst_bucket));
    ASSIGN_OR_RETURN(auto val, txn.get(keys.object(sb.id, src_key)));
    if (!val) return s3Error(Code::kNotFound, "NoSuchKey", "no such key: ", src_key);
    ASSIGN_OR_RETURN(ObjectInfo src, decodeObject(*val));
    ASSIGN_OR_RETURN(auto chunks, readChunkList(txn, keys, sb.id, src.version));
    info = src;
    info.key = std::string(dst_key);
    info.bucket_id = db_rec.id;
    info.mtime_ns = nowNanos();
    info.version = newVersion();
    if (attrs) info.attrs = *attrs;
    std::vector<fs::RefChange> refs;
    RETURN_IF_ERROR(writeChunkList(txn, keys, db_rec.id, info.version, chunks, refs));
    RETURN_IF_ERROR(replaceObject(txn, keys, db_rec.id, dst_key, info, refs));
    return chunks_.changeReferences(txn, ws, refs);
  }));
  return info;
}

Status ObjectServiceImpl::setObjectPublic(std::string_view ws, std::string_view bucket,
                                          std::string_view key, bool is_public) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  RETURN_IF_ERROR(validateKey(key));
  const ObjectKeys keys(ws);
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    const std::string obj_key = keys.object(b.id, key);
    ASSIGN_OR_RETURN(auto val, txn.get(obj_key));
    if (!val) return s3Error(Code::kNotFound, "NoSuchKey", "no such key: ", key);
    ASSIGN_OR_RETURN(ObjectInfo info, decodeObject(*val));
    info.attrs.is_public = is_public;
    return txn.put(obj_key, encodeObject(info));
  });
}

}  // namespace strata::object
