// Multipart uploads: Create, UploadPart, Complete, Abort, ListParts.
#include <charconv>

#include "object/errors.h"
#include "server/s3/handlers.h"
#include "server/s3/xml.h"

namespace strata::server::s3 {
namespace {

constexpr uint64_t kCompleteBodyLimit = 4ull << 20;  // 10,000 parts fit comfortably

Result<int> intParam(const S3Request& req, std::string_view name, int fallback) {
  auto v = req.param(name);
  if (!v) return fallback;
  int n = 0;
  auto [end, err] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (err != std::errc() || end != v->data() + v->size() || n < 0) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument", name,
                           " must be a non-negative integer");
  }
  return n;
}

Result<std::string> uploadIdParam(const S3Request& req) {
  auto id = req.param("uploadId");
  if (!id || id->empty()) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument", "uploadId is required");
  }
  return *id;
}

}  // namespace

Status createMultipartUpload(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  ASSIGN_OR_RETURN(object::ObjectAttrs attrs, attrsFromHeaders(req));
  ASSIGN_OR_RETURN(std::string id,
                   req.deps.objects.createMultipart(req.workspace, req.bucket, req.key, attrs));
  XmlWriter w("InitiateMultipartUploadResult");
  w.leaf("Bucket", req.bucket);
  w.leaf("Key", req.key);
  w.leaf("UploadId", id);
  return sendXml(req, w.finish());
}

Status uploadPart(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  ASSIGN_OR_RETURN(std::string id, uploadIdParam(req));
  if (!req.has("partNumber")) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument", "partNumber is required");
  }
  ASSIGN_OR_RETURN(int number, intParam(req, "partNumber", 0));
  object::PutOptions options;
  options.max_size = object::kMaxPartBytes;
  ASSIGN_OR_RETURN(object::ByteSource body, openBody(req, options));
  ASSIGN_OR_RETURN(object::PartInfo part, req.deps.objects.uploadPart(req.workspace, req.bucket,
                                                                      req.key, id, number, body,
                                                                      options));
  return req.ex.send(200, {{"ETag", "\"" + part.etag + "\""}, {"x-amz-request-id", req.request_id}},
                     "");
}

Status completeMultipartUpload(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  ASSIGN_OR_RETURN(std::string id, uploadIdParam(req));
  ASSIGN_OR_RETURN(std::string body, readSmallBody(req, kCompleteBodyLimit));
  ASSIGN_OR_RETURN(XmlElement doc, parseXml(body));
  if (doc.name != "CompleteMultipartUpload") {
    return object::s3Error(Code::kInvalidArgument, "MalformedXML",
                           "expected <CompleteMultipartUpload>");
  }
  std::vector<object::CompletedPart> parts;
  for (const XmlElement* p : doc.childrenNamed("Part")) {
    const XmlElement* number = p->child("PartNumber");
    const XmlElement* etag = p->child("ETag");
    int n = 0;
    if (number == nullptr || etag == nullptr) {
      return object::s3Error(Code::kInvalidArgument, "MalformedXML",
                             "every <Part> needs <PartNumber> and <ETag>");
    }
    auto [end, err] = std::from_chars(number->text.data(), number->text.data() + number->text.size(), n);
    if (err != std::errc() || end != number->text.data() + number->text.size()) {
      return object::s3Error(Code::kInvalidArgument, "MalformedXML", "bad <PartNumber>");
    }
    parts.push_back(object::CompletedPart{n, etag->text});
  }
  ASSIGN_OR_RETURN(object::ObjectInfo info, req.deps.objects.completeMultipart(
                                                req.workspace, req.bucket, req.key, id, parts));
  XmlWriter w("CompleteMultipartUploadResult");
  w.leaf("Location", "/" + req.bucket + "/" + req.key);
  w.leaf("Bucket", req.bucket);
  w.leaf("Key", req.key);
  w.leaf("ETag", "\"" + info.etag + "\"");
  return sendXml(req, w.finish());
}

Status abortMultipartUpload(S3Request& req) {
  RETURN_IF_ERROR(requireWrite(req));
  ASSIGN_OR_RETURN(std::string id, uploadIdParam(req));
  RETURN_IF_ERROR(req.deps.objects.abortMultipart(req.workspace, req.bucket, req.key, id));
  return req.ex.send(204, {{"x-amz-request-id", req.request_id}}, "");
}

Status listParts(S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "needs a signed request");
  }
  ASSIGN_OR_RETURN(std::string id, uploadIdParam(req));
  ASSIGN_OR_RETURN(int marker, intParam(req, "part-number-marker", 0));
  ASSIGN_OR_RETURN(int max, intParam(req, "max-parts", 1000));
  ASSIGN_OR_RETURN(object::PartList r,
                   req.deps.objects.listParts(req.workspace, req.bucket, req.key, id, marker,
                                              static_cast<size_t>(max)));
  XmlWriter w("ListPartsResult");
  w.leaf("Bucket", req.bucket);
  w.leaf("Key", req.key);
  w.leaf("UploadId", id);
  w.leaf("PartNumberMarker", std::to_string(marker));
  w.leaf("NextPartNumberMarker", std::to_string(r.next_marker));
  w.leaf("MaxParts", std::to_string(std::min(max, 1000)));
  w.leaf("IsTruncated", r.truncated ? "true" : "false");
  w.leaf("StorageClass", "STANDARD");
  for (const auto& p : r.parts) {
    w.open("Part");
    w.leaf("PartNumber", std::to_string(p.number));
    w.leaf("LastModified", isoDate(p.mtime_ns));
    w.leaf("ETag", "\"" + p.etag + "\"");
    w.leaf("Size", std::to_string(p.size));
    w.close();
  }
  return sendXml(req, w.finish());
}

}  // namespace strata::server::s3
