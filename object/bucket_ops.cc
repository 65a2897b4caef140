// Bucket operations: ensureWorkspace, create, list, head, delete, public flag.
#include "common/clock.h"
#include "fs/keys.h"
#include "fs/records.h"
#include "fs/scan.h"
#include "object/errors.h"
#include "object/names.h"
#include "object/service_impl.h"

namespace strata::object {
namespace {

// Creates `bucket` in `txn` unless it exists; returns whether it created it.
Result<bool> createInTxn(db::Transaction& txn, const ObjectKeys& keys, std::string_view bucket,
                         bool is_public, int64_t now_ns) {
  ASSIGN_OR_RETURN(auto existing, txn.get(keys.bucket(bucket)));
  if (existing) return false;
  // Ids come from a per-workspace counter read with get(): two creates conflict.
  ASSIGN_OR_RETURN(auto counter, txn.get(keys.bucketCounter()));
  uint64_t id = 1;
  if (counter) {
    ASSIGN_OR_RETURN(id, fs::decodeCounter("bucket counter", *counter));
  }
  RETURN_IF_ERROR(txn.put(keys.bucketCounter(), fs::encodeCounter(id + 1)));
  RETURN_IF_ERROR(txn.put(keys.bucket(bucket), encodeBucket(BucketRec{id, now_ns, is_public})));
  return true;
}

}  // namespace

Status ObjectServiceImpl::ensureWorkspace(std::string_view ws) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  const ObjectKeys keys(ws);
  const int64_t now = nowNanos();
  return engine_.run([&](db::Transaction& txn) -> Status {
    RETURN_IF_ERROR(chunks_.registerWorkspace(txn, ws));
    RETURN_IF_ERROR(createInTxn(txn, keys, "public", true, now).status());
    return createInTxn(txn, keys, "private", false, now).status();
  });
}

Status ObjectServiceImpl::createBucket(std::string_view ws, std::string_view bucket,
                                       bool is_public) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  const ObjectKeys keys(ws);
  const int64_t now = nowNanos();
  return engine_.run([&](db::Transaction& txn) -> Status {
    RETURN_IF_ERROR(chunks_.registerWorkspace(txn, ws));
    ASSIGN_OR_RETURN(bool created, createInTxn(txn, keys, bucket, is_public, now));
    if (!created) {
      return s3Error(Code::kAlreadyExists, "BucketAlreadyOwnedByYou", "bucket exists: ", bucket);
    }
    return Status::OK();
  });
}

Result<std::vector<BucketInfo>> ObjectServiceImpl::listBuckets(std::string_view ws) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  const ObjectKeys keys(ws);
  const std::string prefix = keys.bucketPrefix();
  std::vector<BucketInfo> out;
  RETURN_IF_ERROR(fs::scanPrefix(engine_, prefix, [&](const db::KeyValue& kv) -> Result<bool> {
    ASSIGN_OR_RETURN(BucketRec r, decodeBucket(kv.value));
    out.push_back(BucketInfo{kv.key.substr(prefix.size()), r.created_ns, r.is_public});
    return true;
  }));
  return out;
}

Result<BucketInfo> ObjectServiceImpl::headBucket(std::string_view ws, std::string_view bucket) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  ASSIGN_OR_RETURN(BucketRec r, peekBucket(ObjectKeys(ws), bucket));
  return BucketInfo{std::string(bucket), r.created_ns, r.is_public};
}

Status ObjectServiceImpl::deleteBucket(std::string_view ws, std::string_view bucket) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  const ObjectKeys keys(ws);
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec r, getBucket(txn, keys, bucket));
    db::ScanOptions one;
    one.limit = 1;
    const std::string objects = keys.objectPrefix(r.id);
    ASSIGN_OR_RETURN(auto obj, txn.scan(objects, db::prefixEnd(objects), one));
    if (!obj.empty()) {
      return s3Error(Code::kNotEmpty, "BucketNotEmpty", "bucket ", bucket, " is not empty");
    }
    const std::string uploads = keys.uploadPrefix(r.id);
    ASSIGN_OR_RETURN(auto up, txn.scan(uploads, db::prefixEnd(uploads), one));
    if (!up.empty()) {
      return s3Error(Code::kNotEmpty, "BucketNotEmpty", "bucket ", bucket,
                     " has multipart uploads in progress: abort them first");
    }
    // Deleting the record we read with get() makes a concurrent put (which reads it too)
    // conflict, so no object can slip in between the check and the delete.
    return txn.del(keys.bucket(bucket));
  });
}

Status ObjectServiceImpl::setBucketPublic(std::string_view ws, std::string_view bucket,
                                          bool is_public) {
  RETURN_IF_ERROR(fs::validateSpaceName("workspace", ws));
  RETURN_IF_ERROR(validateBucketName(bucket));
  const ObjectKeys keys(ws);
  return engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(BucketRec r, getBucket(txn, keys, bucket));
    r.is_public = is_public;
    return txn.put(keys.bucket(bucket), encodeBucket(r));
  });
}

}  // namespace strata::object
