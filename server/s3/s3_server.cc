// The S3 endpoint: addressing, authentication, and routing to the handlers.
#include "server/s3/s3_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "common/random.h"
#include "object/errors.h"
#include "server/http/url.h"
#include "server/s3/handlers.h"
#include "server/s3/request.h"

namespace strata::server::s3 {
namespace {

// Host without port, lowercase.
std::string hostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    host = host.substr(0, close == std::string_view::npos ? host.size() : close + 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  std::string out(host);
  std::transform(out.begin(), out.end(), out.begin(), ::tolower);
  return out;
}

// Fills bucket and key from the Host header and the path.
Status address(S3Request& req) {
  ASSIGN_OR_RETURN(std::string path, http::percentDecode(req.raw_path, false));
  if (path.empty() || path.front() != '/') {
    return object::s3Error(Code::kInvalidArgument, "InvalidRequest", "bad request path");
  }
  const std::string host = hostName(req.header("host").value_or(""));
  for (const auto& suffix : req.options.virtual_host_suffixes) {
    if (host.size() > suffix.size() + 1 && host.ends_with(suffix) &&
        host[host.size() - suffix.size() - 1] == '.') {
      req.bucket = host.substr(0, host.size() - suffix.size() - 1);
      req.key = path.substr(1);
      req.virtual_host = true;
      return Status::OK();
    }
  }
  size_t slash = path.find('/', 1);
  req.bucket = path.substr(1, slash == std::string::npos ? std::string::npos : slash - 1);
  req.key = slash == std::string::npos ? std::string() : path.substr(slash + 1);
  return Status::OK();
}

Status methodNotAllowed() {
  return object::s3Error(Code::kInvalidArgument, "MethodNotAllowed",
                         "the specified method is not allowed against this resource");
}

Status notImplemented(std::string_view what) {
  return object::s3Error(Code::kNotSupported, "NotImplemented", what, " is not implemented");
}

// Bucket subresources clients probe that Strata does not keep.
bool unsupportedBucketSubresource(const S3Request& req) {
  for (const char* sub : {"policy", "cors", "lifecycle", "tagging", "encryption", "website",
                          "replication", "logging", "notification", "object-lock", "accelerate",
                          "requestPayment", "inventory", "analytics", "metrics", "ownershipControls",
                          "publicAccessBlock", "versions"}) {
    if (req.has(sub)) return true;
  }
  return false;
}

Status route(S3Request& req) {
  const std::string_view m = req.ex.method();
  if (req.bucket.empty()) {
    if (m == "GET" || m == "HEAD") return listBuckets(req);
    return methodNotAllowed();
  }
  if (req.key.empty()) {
    if (unsupportedBucketSubresource(req)) return notImplemented("this bucket subresource");
    if (m == "PUT") return req.has("acl") ? putBucketAcl(req) : createBucket(req);
    if (m == "HEAD") return headBucket(req);
    if (m == "DELETE") return deleteBucket(req);
    if (m == "GET") {
      if (req.has("acl")) return getBucketAcl(req);
      if (req.has("location")) return getBucketLocation(req);
      if (req.has("versioning")) return getBucketVersioning(req);
      if (req.has("uploads")) return listMultipartUploads(req);
      return listObjects(req);
    }
    if (m == "POST") {
      if (req.has("delete")) return deleteObjects(req);
      return notImplemented("this POST on a bucket");
    }
    return methodNotAllowed();
  }
  if (req.has("tagging") || req.has("retention") || req.has("legal-hold") ||
      req.has("torrent") || req.has("restore") || req.has("select")) {
    return notImplemented("this object subresource");
  }
  if (m == "GET" || m == "HEAD") {
    if (m == "GET" && req.has("uploadId")) return listParts(req);
    if (req.has("acl")) return getObjectAcl(req);
    return getObject(req);
  }
  if (m == "PUT") {
    if (req.has("uploadId") || req.has("partNumber")) {
      if (req.header("x-amz-copy-source")) return notImplemented("UploadPartCopy");
      return uploadPart(req);
    }
    if (req.has("acl")) return putObjectAcl(req);
    if (req.header("x-amz-copy-source")) return copyObject(req);
    return putObject(req);
  }
  if (m == "DELETE") {
    return req.has("uploadId") ? abortMultipartUpload(req) : deleteObject(req);
  }
  if (m == "POST") {
    if (req.has("uploads")) return createMultipartUpload(req);
    if (req.has("uploadId")) return completeMultipartUpload(req);
    return notImplemented("this POST on an object");
  }
  return methodNotAllowed();
}

class S3ServerImpl final : public S3Server {
 public:
  S3ServerImpl(S3ServerOptions options, S3Deps deps) : options_(std::move(options)), deps_(deps) {}
  Status start() {
    ASSIGN_OR_RETURN(listener_, http::Listener::start(options_.listen, [this](http::Exchange& ex) {
                       serveS3Request(options_, deps_, ex);
                     }));
    return Status::OK();
  }
  uint16_t port() const override { return listener_->port(); }
  void stop() override {
    if (listener_) listener_->stop();
  }
  ~S3ServerImpl() override { stop(); }

 private:
  const S3ServerOptions options_;
  S3Deps deps_;
  std::unique_ptr<http::Listener> listener_;
};

}  // namespace

void serveS3Request(const S3ServerOptions& options, S3Deps deps, http::Exchange& ex) {
  S3Request req(ex, options, deps);
  req.request_id = randomHex(8);
  auto target = http::splitTarget(ex.target());
  req.raw_path = std::string(target.path);
  req.raw_query = std::string(target.query);
  Status st;
  try {
    auto query = http::parseQuery(target.query);
    if (!query.ok()) {
      st = object::s3Error(Code::kInvalidArgument, "InvalidArgument", query.status().message());
    } else {
      req.query = std::move(query).value();
      st = address(req);
      if (st.ok()) st = authenticate(req);
      if (st.ok()) st = route(req);
    }
  } catch (const std::exception& e) {
    spdlog::error("s3: {} {}: unexpected exception: {}", ex.method(), ex.target(), e.what());
    st = internalError(e.what());
  }
  if (!st.ok()) {
    if (st.code() == Code::kInternal || st.code() == Code::kIOError ||
        st.code() == Code::kCorruption) {
      spdlog::error("s3: {} {}: {}", ex.method(), req.resource(), st.toString());
    }
    sendError(req, st);
  }
}

Result<std::unique_ptr<S3Server>> startS3Server(const S3ServerOptions& options, S3Deps deps) {
  auto server = std::make_unique<S3ServerImpl>(options, deps);
  RETURN_IF_ERROR(server->start());
  return std::unique_ptr<S3Server>(std::move(server));
}

}  // namespace strata::server::s3
