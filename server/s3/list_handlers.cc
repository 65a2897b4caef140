// ListObjects (V1), ListObjectsV2 and ListMultipartUploads.
#include <charconv>

#include "common/base64.h"
#include "object/errors.h"
#include "server/http/url.h"
#include "server/s3/handlers.h"
#include "server/s3/sigv4.h"
#include "server/s3/xml.h"

namespace strata::server::s3 {
namespace {

Result<size_t> maxParam(const S3Request& req, std::string_view name, size_t fallback) {
  auto v = req.param(name);
  if (!v) return fallback;
  size_t n = 0;
  auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (err != std::errc() || end != v->data() + v->size()) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument", name,
                           " must be a non-negative integer");
  }
  return std::min<size_t>(n, 1000);
}

}  // namespace

Status listObjects(S3Request& req) {
  if (req.anonymous) RETURN_IF_ERROR(checkAnonymousBucketRead(req));
  const bool v2 = req.param("list-type") == "2";
  object::ListOptions o;
  o.prefix = req.param("prefix").value_or("");
  o.delimiter = req.param("delimiter").value_or("");
  ASSIGN_OR_RETURN(o.max_keys, maxParam(req, "max-keys", 1000));
  const auto encoding = req.param("encoding-type");
  if (encoding && *encoding != "url") {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument", "invalid encoding-type");
  }
  const bool url = encoding.has_value();
  auto enc = [&](std::string_view s) { return url ? awsUriEncode(s, true) : std::string(s); };
  std::string token;
  if (v2) {
    if (auto t = req.param("continuation-token")) {
      token = *t;
      auto decoded = base64Decode(token);
      if (!decoded.ok()) {
        return object::s3Error(Code::kInvalidArgument, "InvalidArgument",
                               "the continuation token provided is incorrect");
      }
      o.start_after = *decoded;
    } else {
      o.start_after = req.param("start-after").value_or("");
    }
  } else {
    o.start_after = req.param("marker").value_or("");
  }
  ASSIGN_OR_RETURN(object::ListResult r, req.deps.objects.listObjects(req.workspace, req.bucket, o));

  XmlWriter w("ListBucketResult");
  w.leaf("Name", req.bucket);
  w.leaf("Prefix", enc(o.prefix));
  if (v2) {
    if (!token.empty()) w.leaf("ContinuationToken", token);
    if (auto sa = req.param("start-after")) w.leaf("StartAfter", enc(*sa));
    w.leaf("KeyCount", std::to_string(r.objects.size() + r.common_prefixes.size()));
    if (r.truncated) w.leaf("NextContinuationToken", base64Encode(r.next_after));
  } else {
    w.leaf("Marker", enc(o.start_after));
    if (r.truncated) w.leaf("NextMarker", enc(r.next_after));
  }
  w.leaf("MaxKeys", std::to_string(o.max_keys));
  if (!o.delimiter.empty()) w.leaf("Delimiter", enc(o.delimiter));
  if (url) w.leaf("EncodingType", "url");
  w.leaf("IsTruncated", r.truncated ? "true" : "false");
  for (const auto& obj : r.objects) {
    w.open("Contents");
    w.leaf("Key", enc(obj.key));
    w.leaf("LastModified", isoDate(obj.mtime_ns));
    w.leaf("ETag", "\"" + obj.etag + "\"");
    w.leaf("Size", std::to_string(obj.size));
    w.leaf("StorageClass", "STANDARD");
    if (!v2 || req.param("fetch-owner") == "true") {
      w.open("Owner");
      w.leaf("ID", req.workspace);
      w.leaf("DisplayName", req.workspace);
      w.close();
    }
    w.close();
  }
  for (const auto& cp : r.common_prefixes) {
    w.open("CommonPrefixes");
    w.leaf("Prefix", enc(cp));
    w.close();
  }
  return sendXml(req, w.finish());
}

Status listMultipartUploads(S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "needs a signed request");
  }
  ASSIGN_OR_RETURN(size_t max, maxParam(req, "max-uploads", 1000));
  const std::string prefix = req.param("prefix").value_or("");
  const std::string key_marker = req.param("key-marker").value_or("");
  const std::string id_marker = req.param("upload-id-marker").value_or("");
  ASSIGN_OR_RETURN(object::UploadList r, req.deps.objects.listUploads(req.workspace, req.bucket, prefix,
                                                                    key_marker, id_marker, max));
  XmlWriter w("ListMultipartUploadsResult");
  w.leaf("Bucket", req.bucket);
  w.leaf("KeyMarker", key_marker);
  w.leaf("UploadIdMarker", id_marker);
  w.leaf("NextKeyMarker", r.next_key_marker);
  w.leaf("NextUploadIdMarker", r.next_upload_id_marker);
  w.leaf("Prefix", prefix);
  w.leaf("MaxUploads", std::to_string(max));
  w.leaf("IsTruncated", r.truncated ? "true" : "false");
  for (const auto& u : r.uploads) {
    w.open("Upload");
    w.leaf("Key", u.key);
    w.leaf("UploadId", u.upload_id);
    w.leaf("Initiated", isoDate(u.initiated_ns));
    w.leaf("StorageClass", "STANDARD");
    w.close();
  }
  return sendXml(req, w.finish());
}

}  // namespace strata::server::s3
