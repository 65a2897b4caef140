// Multipart uploads: create, upload part, complete, abort, list parts, list uploads.
//
// A stored part holds one reference per chunk (so the collector keeps it however long the
// upload stays open); complete moves them to the object in one transaction: +1 per chunk of
// the object, -1 per chunk of every stored part, so listed parts cost nothing and unlisted
// ones are released. A crash before that commit leaves the upload as it was (resumable,
// listable, abortable); after it, the object is complete. No partial object is ever visible.
#include <algorithm>
#include <map>

#include "common/bytes.h"
#include "common/clock.h"
#include "fs/keys.h"
#include "fs/scan.h"
#include "object/chunk_writer.h"
#include "object/errors.h"
#include "object/md5.h"
#include "object/names.h"
#include "object/service_impl.h"

namespace strata::object {
namespace {

std::string_view unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

Status checkNames(std::string_view ws, std::string_view bucket, std::string_view key) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  return validateKey(key);
}

}  // namespace

Result<std::string> ObjectServiceImpl::createMultipart(std::string_view ws, std::string_view bucket,
                                                       std::string_view key,
                                                       const ObjectAttrs& attrs) {
  RETURN_IF_ERROR(checkNames(ws, bucket, key));
  const ObjectKeys keys(ws);
  const std::string upload_id = newUploadId();
  UploadRec rec{nowNanos(), attrs};
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    return txn.put(keys.upload(b.id, key, upload_id), encodeUpload(rec));
  }));
  return upload_id;
}

Result<PartInfo> ObjectServiceImpl::uploadPart(std::string_view ws, std::string_view bucket,
                                               std::string_view key, std::string_view upload_id,
                                               int part_number, const ByteSource& body,
                                               const PutOptions& options) {
  RETURN_IF_ERROR(checkNames(ws, bucket, key));
  if (part_number < 1 || part_number > kMaxPartNumber) {
    return s3Error(Code::kInvalidArgument, "InvalidArgument",
                   "part number must be an integer between 1 and 10000");
  }
  const ObjectKeys keys(ws);
  // Refuse before reading the body when the upload does not exist.
  {
    ASSIGN_OR_RETURN(BucketRec b, peekBucket(keys, bucket));
    auto txn = engine_.begin();
    RETURN_IF_ERROR(getUpload(*txn, keys, b.id, key, upload_id).status());
  }
  PutOptions opts = options;
  opts.max_size = std::min(options.max_size, kMaxPartBytes);
  ChunkWriter writer(chunks_, pool_, std::string(ws));
  ASSIGN_OR_RETURN(WrittenBody written, writer.write(body, opts));
  if (options.before_commit) RETURN_IF_ERROR(options.before_commit());

  PartRec part;
  part.mtime_ns = nowNanos();
  part.size = written.size;
  part.md5 = written.md5;
  part.chunks = written.chunks;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    RETURN_IF_ERROR(getUpload(txn, keys, b.id, key, upload_id).status());
    const std::string part_key = keys.part(b.id, upload_id, static_cast<uint32_t>(part_number));
    std::vector<fs::RefChange> refs;
    ASSIGN_OR_RETURN(auto old_val, txn.get(part_key));
    if (old_val) {
      ASSIGN_OR_RETURN(PartRec old, decodePart(*old_val));
      for (const auto& c : old.chunks) refs.push_back(fs::RefChange{c.id, c.length, -1});
    }
    for (const auto& c : part.chunks) refs.push_back(fs::RefChange{c.id, c.length, +1});
    RETURN_IF_ERROR(txn.put(part_key, encodePart(part)));
    return chunks_.changeReferences(txn, ws, refs);
  }));
  // Off the request path: the references are committed, the pins protect nothing now.
  if (!writer.uploadId().empty()) releaser_.release(std::string(ws), writer.takeUploadId());
  return PartInfo{part_number, part.size, md5Hex(part.md5), part.mtime_ns};
}

Result<ObjectInfo> ObjectServiceImpl::completeMultipart(std::string_view ws,
                                                        std::string_view bucket,
                                                        std::string_view key,
                                                        std::string_view upload_id,
                                                        const std::vector<CompletedPart>& parts) {
  RETURN_IF_ERROR(checkNames(ws, bucket, key));
  if (parts.empty()) {
    return s3Error(Code::kInvalidArgument, "MalformedXML",
                   "you must specify at least one part");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].number <= parts[i - 1].number) {
      return s3Error(Code::kInvalidArgument, "InvalidPartOrder",
                     "the list of parts was not in ascending order");
    }
  }
  const ObjectKeys keys(ws);
  ObjectInfo info;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    ASSIGN_OR_RETURN(UploadRec upload, getUpload(txn, keys, b.id, key, upload_id));
    ASSIGN_OR_RETURN(auto stored, readParts(txn, keys, b.id, upload_id));
    std::map<uint32_t, const PartRec*> by_number;
    for (const auto& [n, p] : stored) by_number[n] = &p;

    std::vector<ChunkRec> chunks;
    Md5 etag_md5;
    uint64_t size = 0;
    // Every listed part must exist before sizes matter (S3 reports InvalidPart first).
    std::vector<const PartRec*> chosen;
    for (const auto& want : parts) {
      auto it = by_number.find(static_cast<uint32_t>(want.number));
      if (it == by_number.end() || md5Hex(it->second->md5) != unquote(want.etag)) {
        return s3Error(Code::kInvalidArgument, "InvalidPart", "part ",
                       std::to_string(want.number),
                       " was not uploaded or its ETag does not match");
      }
      chosen.push_back(it->second);
    }
    for (size_t i = 0; i < parts.size(); ++i) {
      const auto& want = parts[i];
      const PartRec& p = *chosen[i];
      if (i + 1 < parts.size() && p.size < kMinPartBytes) {
        return s3Error(Code::kInvalidArgument, "EntityTooSmall", "part ",
                       std::to_string(want.number), " has ", std::to_string(p.size),
                       " bytes; every part but the last needs at least 5 MiB");
      }
      etag_md5.update(md5Raw(p.md5));
      chunks.insert(chunks.end(), p.chunks.begin(), p.chunks.end());
      size += p.size;
    }
    info = ObjectInfo{};
    info.key = std::string(key);
    info.size = size;
    info.etag = md5Hex(etag_md5.finish()) + "-" + std::to_string(parts.size());
    info.mtime_ns = nowNanos();
    info.parts = static_cast<uint32_t>(parts.size());
    info.attrs = upload.attrs;
    info.bucket_id = b.id;
    info.version = newVersion();

    std::vector<fs::RefChange> refs;
    RETURN_IF_ERROR(writeChunkList(txn, keys, b.id, info.version, chunks, refs));
    for (const auto& [n, p] : stored) {
      for (const auto& c : p.chunks) refs.push_back(fs::RefChange{c.id, c.length, -1});
      RETURN_IF_ERROR(txn.del(keys.part(b.id, upload_id, n)));
    }
    RETURN_IF_ERROR(txn.del(keys.upload(b.id, key, upload_id)));
    RETURN_IF_ERROR(replaceObject(txn, keys, b.id, key, info, refs));
    return chunks_.changeReferences(txn, ws, refs);
  }));
  return info;
}

Status ObjectServiceImpl::abortMultipart(std::string_view ws, std::string_view bucket,
                                         std::string_view key, std::string_view upload_id) {
  RETURN_IF_ERROR(checkNames(ws, bucket, key));
  const ObjectKeys keys(ws);
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec b, getBucket(txn, keys, bucket));
    RETURN_IF_ERROR(getUpload(txn, keys, b.id, key, upload_id).status());
    ASSIGN_OR_RETURN(auto stored, readParts(txn, keys, b.id, upload_id));
    std::vector<fs::RefChange> refs;
    for (const auto& [n, p] : stored) {
      for (const auto& c : p.chunks) refs.push_back(fs::RefChange{c.id, c.length, -1});
      RETURN_IF_ERROR(txn.del(keys.part(b.id, upload_id, n)));
    }
    RETURN_IF_ERROR(txn.del(keys.upload(b.id, key, upload_id)));
    return chunks_.changeReferences(txn, ws, refs);
  });
}

Result<PartList> ObjectServiceImpl::listParts(std::string_view ws, std::string_view bucket,
                                              std::string_view key, std::string_view upload_id,
                                              int part_number_marker, size_t max_parts) {
  RETURN_IF_ERROR(checkNames(ws, bucket, key));
  const ObjectKeys keys(ws);
  ASSIGN_OR_RETURN(BucketRec b, peekBucket(keys, bucket));
  {
    auto txn = engine_.begin();
    RETURN_IF_ERROR(getUpload(*txn, keys, b.id, key, upload_id).status());
  }
  PartList out;
  max_parts = std::min<size_t>(max_parts, 1000);
  const std::string prefix = keys.partPrefix(b.id, upload_id);
  const std::string from =
      keys.part(b.id, upload_id, static_cast<uint32_t>(std::max(part_number_marker, 0)) + 1);
  db::ScanOptions opts;
  opts.limit = max_parts + 1;
  ASSIGN_OR_RETURN(auto recs, engine_.scan(from, db::prefixEnd(prefix), opts));
  for (const auto& kv : recs) {
    if (out.parts.size() == max_parts) {
      out.truncated = true;
      break;
    }
    ASSIGN_OR_RETURN(PartRec p, decodePart(kv.value));
    const int n = static_cast<int>(readU32BE(std::string_view(kv.key).substr(prefix.size())));
    out.parts.push_back(PartInfo{n, p.size, md5Hex(p.md5), p.mtime_ns});
  }
  if (out.truncated && !out.parts.empty()) out.next_marker = out.parts.back().number;
  return out;
}

Result<UploadList> ObjectServiceImpl::listUploads(std::string_view ws, std::string_view bucket,
                                                  std::string_view prefix,
                                                  std::string_view key_marker,
                                                  std::string_view upload_id_marker,
                                                  size_t max_uploads) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  const ObjectKeys keys(ws);
  ASSIGN_OR_RETURN(BucketRec b, peekBucket(keys, bucket));
  UploadList out;
  max_uploads = std::min<size_t>(max_uploads, 1000);
  const std::string base = keys.uploadPrefix(b.id);
  std::string from = base + std::string(prefix);
  if (!key_marker.empty()) {
    // Entries are "<key>\0<upload id>": after the marker key's uploads (or after one of them).
    std::string resume = base + std::string(key_marker);
    if (upload_id_marker.empty()) {
      resume.push_back('\x01');
    } else {
      resume.push_back('\0');
      resume.append(upload_id_marker);
      resume.push_back('\0');
    }
    from = std::max(from, resume);
  }
  db::ScanOptions opts;
  opts.limit = max_uploads + 1;
  ASSIGN_OR_RETURN(auto recs, engine_.scan(from, db::prefixEnd(base + std::string(prefix)), opts));
  for (const auto& kv : recs) {
    if (out.uploads.size() == max_uploads) {
      out.truncated = true;
      break;
    }
    std::string_view rest = std::string_view(kv.key).substr(base.size());
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return corruption("malformed multipart upload key");
    ASSIGN_OR_RETURN(UploadRec u, decodeUpload(kv.value));
    out.uploads.push_back(
        UploadInfo{std::string(rest.substr(0, nul)), std::string(rest.substr(nul + 1)), u.initiated_ns});
  }
  if (out.truncated && !out.uploads.empty()) {
    out.next_key_marker = out.uploads.back().key;
    out.next_upload_id_marker = out.uploads.back().upload_id;
  }
  return out;
}

}  // namespace strata::object
