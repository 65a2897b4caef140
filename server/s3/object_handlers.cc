// Object operations: GetObject / HeadObject (ranges, conditions), PutObject, CopyObject,
// DeleteObject.
#include <algorithm>

#include "object/errors.h"
#include "server/http/range.h"
#include "server/http/url.h"
#include "server/s3/handlers.h"
#include "server/s3/xml.h"

namespace strata::server::s3 {
namespace {

// Whether an If-Match / If-None-Match list ("*" or comma-separated quoted ETags) names `etag`.
bool etagListMatches(std::string_view list, std::string_view etag) {
  size_t start = 0;
  while (start < list.size()) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? comma : comma - start);
    start = comma == std::string_view::npos ? list.size() : comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (item == "*" || item == etag) return true;
  }
  return false;
}

Status preconditionFailed() {
  return object::s3Error(Code::kInvalidArgument, "PreconditionFailed",
                         "at least one of the preconditions you specified did not hold");
}

Status notModified() {
  return object::s3Error(Code::kInvalidArgument, "NotModified", "not modified");
}

// RFC 9110 section 13.2.2 order, as S3 applies it: If-Match, then If-Unmodified-Since (only
// without If-Match), then If-None-Match, then If-Modified-Since (only without If-None-Match).
Status checkConditions(const S3Request& req, const object::ObjectInfo& info, bool is_get) {
  const int64_t mtime = info.mtime_ns / 1'000'000'000;
  auto if_match = req.header("if-match");
  if (if_match && !etagListMatches(*if_match, info.etag)) return preconditionFailed();
  if (!if_match) {
    if (auto since = req.header("if-unmodified-since")) {
      auto t = parseHttpDate(*since);
      if (t && mtime > *t) return preconditionFailed();
    }
  }
  auto if_none = req.header("if-none-match");
  if (if_none && etagListMatches(*if_none, info.etag)) {
    return is_get ? notModified() : preconditionFailed();
  }
  if (!if_none && is_get) {
    if (auto since = req.header("if-modified-since")) {
      auto t = parseHttpDate(*since);
      if (t && mtime <= *t) return notModified();
    }
  }
  return Status::OK();
}

void addObjectHeaders(const S3Request& req, const object::ObjectInfo& info, http::Headers& h) {
  const auto& a = info.attrs;
  auto pick = [&](std::string_view override_param, const std::string& stored) {
    auto o = req.anonymous ? std::nullopt : req.param(override_param);
    return o ? *o : stored;
  };
  std::string type = pick("response-content-type", a.content_type);
  h.emplace_back("Content-Type", type.empty() ? "binary/octet-stream" : type);
  auto add = [&](const char* name, std::string value) {
    if (!value.empty()) h.emplace_back(name, std::move(value));
  };
  add("Content-Encoding", pick("response-content-encoding", a.content_encoding));
  add("Content-Disposition", pick("response-content-disposition", a.content_disposition));
  add("Cache-Control", pick("response-cache-control", a.cache_control));
  add("Content-Language", pick("response-content-language", a.content_language));
  add("Expires", pick("response-expires", a.expires));
  for (const auto& [name, value] : a.user) h.emplace_back("x-amz-meta-" + name, value);
  h.emplace_back("ETag", "\"" + info.etag + "\"");
  h.emplace_back("Last-Modified", httpDate(info.mtime_ns / 1'000'000'000));
  h.emplace_back("Accept-Ranges", "bytes");
  h.emplace_back("x-amz-request-id", req.request_id);
  if (info.parts > 0 && req.has("partNumber")) {
    h.emplace_back("x-amz-mp-parts-count", std::to_string(info.parts));
  }
}

}  // namespace

Status getObject(S3Request& req) {
  auto found = req.deps.objects.headObject(req.workspace, req.bucket, req.key);
  // Anonymous callers learn nothing about private buckets, not even whether a key exists.
  if (req.anonymous && (!found.ok() || !found->attrs.is_public)) {
    RETURN_IF_ERROR(checkAnonymousBucketRead(req));
  }
  if (!found.ok()) return found.status();
  const object::ObjectInfo& info = *found;
  RETURN_IF_ERROR(checkConditions(req, info, /*is_get=*/true));

  uint64_t first = 0;
  uint64_t length = info.size;
  int status = 200;
  http::Headers headers;
  addObjectHeaders(req, info, headers);
  if (auto range = req.header("range")) {
    auto r = http::parseRange(*range, info.size);
    if (r.ok()) {
      first = r->first;
      length = r->length;
      status = 206;
      headers.emplace_back("Content-Range", http::contentRange(*r, info.size));
    } else if (r.status().code() == Code::kRangeNotSatisfiable) {
      return object::s3Error(Code::kRangeNotSatisfiable, "InvalidRange",
                             "the requested range is not satisfiable");
    }
    // A malformed Range is ignored, as S3 does: the whole object is sent.
  }
  RETURN_IF_ERROR(req.ex.startStream(status, headers, length));
  if (req.ex.method() == "HEAD" || length == 0) return Status::OK();
  Status st = req.deps.objects.readObject(
      req.workspace, info, first, length, [&](std::string_view bytes) { return req.ex.write(bytes); },
      [&](int fd, uint64_t offset, uint64_t n) { return req.ex.sendFile(fd, offset, n); });
  // The head is out: an error now can only cut the response short (the client sees fewer
  // bytes than Content-Length and retries).
  if (!st.ok() && st.code() != Code::kIOError) {
    return internalError("reading ", req.resource(), " failed mid-response: ", st.toString());
  }
  return Status::OK();
}

Status putObject(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  object::PutOptions options;
  ASSIGN_OR_RETURN(options.attrs, attrsFromHeaders(req));
  ASSIGN_OR_RETURN(object::ByteSource body, openBody(req, options));
  ASSIGN_OR_RETURN(object::ObjectInfo info,
                   req.deps.objects.putObject(req.workspace, req.bucket, req.key, body, options));
  return req.ex.send(200, {{"ETag", "\"" + info.etag + "\""}, {"x-amz-request-id", req.request_id}},
                     "");
}

Status copyObject(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  std::string_view source = *req.header("x-amz-copy-source");
  if (size_t q = source.find('?'); q != std::string_view::npos) source = source.substr(0, q);
  if (!source.empty() && source.front() == '/') source.remove_prefix(1);
  ASSIGN_OR_RETURN(const std::string src, http::percentDecode(source, false));
  const size_t slash = src.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == src.size()) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument",
                           "x-amz-copy-source must be bucket/key");
  }
  const std::string src_bucket = src.substr(0, slash);
  const std::string src_key = src.substr(slash + 1);
  ASSIGN_OR_RETURN(object::ObjectInfo src_info,
                   req.deps.objects.headObject(req.workspace, src_bucket, src_key));
  // x-amz-copy-source-if-* conditions.
  if (auto m = req.header("x-amz-copy-source-if-match"); m && !etagListMatches(*m, src_info.etag)) {
    return preconditionFailed();
  }
  if (auto m = req.header("x-amz-copy-source-if-none-match"); m && etagListMatches(*m, src_info.etag)) {
    return preconditionFailed();
  }
  const auto directive = req.header("x-amz-metadata-directive").value_or("COPY");
  std::optional<object::ObjectAttrs> attrs;
  if (directive == "REPLACE") {
    ASSIGN_OR_RETURN(attrs, attrsFromHeaders(req));
  } else if (directive != "COPY") {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument",
                           "unknown metadata directive: ", directive);
  } else {
    ASSIGN_OR_RETURN(auto acl, cannedAcl(req));
    if (acl) {
      attrs = src_info.attrs;
      attrs->is_public = *acl;
    }
  }
  ASSIGN_OR_RETURN(object::ObjectInfo info,
                   req.deps.objects.copyObject(req.workspace, src_bucket, src_key, req.bucket,
                                               req.key, attrs));
  XmlWriter w("CopyObjectResult");
  w.leaf("LastModified", isoDate(info.mtime_ns));
  w.leaf("ETag", "\"" + info.etag + "\"");
  return sendXml(req, w.finish());
}

Status deleteObject(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  RETURN_IF_ERROR(req.deps.objects.deleteObject(req.workspace, req.bucket, req.key));
  return req.ex.send(204, {{"x-amz-request-id", req.request_id}}, "");
}

}  // namespace strata::server::s3
