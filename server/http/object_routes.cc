// Object storage routes (docs/api-object.md): the same buckets and objects as the S3 endpoint,
// behind Strata tokens. Bodies stream both ways: a PUT hands the connection's body to
// ObjectService::putObject piece by piece and a GET sends the chunks readObject yields, so
// neither ever holds a whole object in memory.
#include "server/http/object_routes.h"

#include <cctype>
#include <utility>

#include "common/clock.h"
#include "object/errors.h"
#include "object/object_service.h"
#include "server/http/json_io.h"
#include "server/http/listener.h"
#include "server/http/range.h"
#include "server/s3/credential_store.h"
#include "server/s3/request.h"
#include "server/s3/sigv4.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultUrlExpiry = 900;
constexpr int64_t kMaxUrlExpiry = 604800;  // SigV4's limit: 7 days
// Presigned URLs are signed for this region; the S3 endpoint accepts any.
constexpr std::string_view kRegion = "us-east-1";

std::string dumpSafe(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

Status replyErrorCode(Call& call, int http_status, std::string_view code, std::string_view message) {
  json body = {{"error", {{"code", std::string(code)}, {"message", std::string(message)}}}};
  return call.ex().send(http_status, {{"Content-Type", "application/json"}}, dumpSafe(body));
}

// Object-service errors carry an S3 tag ("[NoSuchKey] ..."); REST clients get the plain
// message with the error table's code, except a missing key, which has its own code (as in
// the key-value API) so clients can tell it from a missing bucket.
Handler restErrors(Handler inner) {
  return [inner = std::move(inner)](Call& call) -> Status {
    Status st = inner(call);
    if (st.ok() || call.ex().responded()) return st;
    std::string_view tag = object::s3CodeOf(st);
    if (tag.empty()) return st;
    std::string message(object::messageOf(st));
    if (tag == "NoSuchKey") return replyErrorCode(call, 404, "no_such_key", message);
    return Status(st.code(), std::move(message));
  };
}

std::string formatHttpDate(int64_t mtime_ns) { return s3::httpDate(mtime_ns / 1'000'000'000); }

json objectJson(const object::ObjectInfo& info) {
  return {{"key", info.key},
          {"size", info.size},
          {"etag", info.etag},
          {"modified_unix", info.mtime_ns / 1'000'000'000},
          {"content_type", info.attrs.content_type}};
}

Result<uint64_t> queryLimit(const Call& call) {
  auto text = call.query("limit");
  if (!text) return uint64_t{1000};
  uint64_t limit = 0;
  bool ok = !text->empty() && text->size() <= 5;
  for (char c : *text) ok = ok && std::isdigit(static_cast<unsigned char>(c));
  if (ok) limit = std::stoull(*text);
  if (!ok || limit < 1 || limit > 1000) return invalidArgument("limit must be a whole number from 1 to 1000");
  return limit;
}

// --- temporary URLs ---

// The id of the workspace's internal URL-signing credential. Token ids are 16 hex and
// generated S3 ids start with "SK", so this prefix cannot collide with either.
std::string urlCredentialId(std::string_view ws) {
  bool plain = ws.size() <= 100;
  for (char c : ws) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
  return "strata-url-" + (plain ? std::string(ws) : s3::sha256Hex(ws).substr(0, 40));
}

// The credential that signs `ws`'s presigned URLs: made on first use, read-only (a URL only
// ever GETs), reused afterwards. Revoking it invalidates every URL it signed; the next URL
// request makes a new one.
Result<s3::S3Credential> urlCredential(s3::CredentialStore& store, std::string_view ws) {
  const std::string id = urlCredentialId(ws);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto found = store.lookup(id);
    if (found.ok()) {
      if (found->info.workspace != ws) return internalError("URL credential ", id, " belongs to another workspace");
      return found;
    }
    if (found.status().code() != Code::kNotFound) return found.status();
    auto made = store.create(ws, id, "temporary URLs (internal)", /*read_only=*/true);
    if (made.ok() || made.status().code() != Code::kAlreadyExists) return made;
    // Another request made it at the same moment: read theirs.
  }
  return internalError("cannot create the URL credential ", id);
}

// "host:port" of the S3 endpoint as a client must address it. A wildcard listen address
// names no host, so the host the caller reached the REST API by is used instead.
Result<std::string> s3Authority(const S3Endpoint& ep, Call& call) {
  ListenerOptions listen;
  RETURN_IF_ERROR(parseListenAddress(ep.listen, listen));
  std::string host = listen.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    std::string_view h = call.ex().header("host").value_or("127.0.0.1");
    if (!h.empty() && h.front() == '[') {
      host = std::string(h.substr(1, h.find(']') - 1));
    } else {
      host = std::string(h.substr(0, h.find(':')));
    }
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port);
}

Result<std::string> presignGet(const s3::S3Credential& cred, const std::string& authority,
                               const std::string& path, int64_t expires) {
  const std::string date = s3::formatAmzDate(nowNanos() / 1'000'000'000);
  s3::CredentialScope scope{cred.info.access_key_id, date.substr(0, 8), std::string(kRegion), "s3"};
  std::string query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" +
                      s3::awsUriEncode(cred.info.access_key_id + "/" + scope.scope(), false) +
                      "&X-Amz-Date=" + date + "&X-Amz-Expires=" + std::to_string(expires) +
                      "&X-Amz-SignedHeaders=host";
  ASSIGN_OR_RETURN(std::string canonical,
                   s3::canonicalRequest("GET", path, query, true, {"host"},
                                        [&](std::string_view name) -> std::optional<std::string_view> {
                                          if (name == "host") return authority;
                                          return std::nullopt;
                                        },
                                        s3::kUnsignedPayload));
  std::string signature =
      s3::signatureOf(s3::signingKey(cred.secret, scope), s3::stringToSign(date, scope, canonical));
  return "http://" + authority + path + "?" + query + "&X-Amz-Signature=" + signature;
}

}  // namespace

void addObjectRoutes(Router& router, object::ObjectService& objects, s3::CredentialStore& credentials,
                     std::function<S3Endpoint()> s3_endpoint) {
  object::ObjectService* svc = &objects;

  router.add("GET", "/api/v1/object", "object.buckets.list", Access::kRead, kNoBody,
             restErrors([svc](Call& call) -> Status {
               ASSIGN_OR_RETURN(auto buckets, svc->listBuckets(call.workspace()));
               json list = json::array();
               for (const auto& b : buckets) {
                 list.push_back({{"name", b.name}, {"public", b.is_public}, {"created_unix", b.created_ns / 1'000'000'000}});
               }
               return replyJson(call, 200, {{"buckets", list}});
             }));
  router.add("POST", "/api/v1/object", "object.buckets.create", Access::kWrite, kJsonBodyLimit,
             restErrors([svc](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
               ASSIGN_OR_RETURN(bool is_public, optionalBool(req, "public", false));
               RETURN_IF_ERROR(svc->createBucket(call.workspace(), name, is_public));
               return replyJson(call, 201, {{"name", name}, {"public", is_public}});
             }));
  router.add("DELETE", "/api/v1/object/{bucket}", "object.buckets.delete", Access::kWrite, kNoBody,
             restErrors([svc](Call& call) -> Status {
               RETURN_IF_ERROR(svc->deleteBucket(call.workspace(), call.param("bucket")));
               return replyJson(call, 200, {{"deleted", true}});
             }));

  router.add("GET", "/api/v1/object/{bucket}", "object.objects.list", Access::kRead, kNoBody,
             restErrors([svc](Call& call) -> Status {
               object::ListOptions options;
               options.prefix = call.query("prefix").value_or("");
               options.delimiter = call.query("delimiter").value_or("");
               options.start_after = call.query("cursor").value_or("");
               ASSIGN_OR_RETURN(options.max_keys, queryLimit(call));
               ASSIGN_OR_RETURN(auto page, svc->listObjects(call.workspace(), call.param("bucket"), options));
               json list = json::array();
               for (const auto& o : page.objects) list.push_back(objectJson(o));
               json prefixes = json::array();
               for (const auto& p : page.common_prefixes) prefixes.push_back(p);
               json out = {{"objects", list},
                           {"common_prefixes", prefixes},
                           {"next_cursor", page.truncated ? page.next_after : std::string()}};
               return call.ex().send(200, {{"Content-Type", "application/json"}}, dumpSafe(out));
             }));

  router.add("PUT", "/api/v1/object/{bucket}/objects/{key}", "object.objects.put", Access::kWrite,
             object::kMaxSinglePutBytes, restErrors([svc](Call& call) -> Status {
               object::PutOptions options;
               options.attrs.content_type = std::string(call.ex().header("content-type").value_or(""));
               options.expected_size = call.ex().contentLength();
               const uint64_t limit = call.bodyLimit();
               Exchange& ex = call.ex();
               object::ByteSource body = [&ex, limit](char* dst, size_t size) { return ex.readSome(dst, size, limit); };
               ASSIGN_OR_RETURN(auto info, svc->putObject(call.workspace(), call.param("bucket"), call.param("key"),
                                                          body, options));
               return replyJson(call, 200, {{"key", info.key}, {"size", info.size}, {"etag", info.etag}});
             }));
  router.add("GET", "/api/v1/object/{bucket}/objects/{key}", "object.objects.get", Access::kRead, kNoBody,
             restErrors([svc](Call& call) -> Status {
               ASSIGN_OR_RETURN(auto info, svc->headObject(call.workspace(), call.param("bucket"), call.param("key")));
               Headers headers = {
                   {"Content-Type", info.attrs.content_type.empty() ? "application/octet-stream" : info.attrs.content_type},
                   {"ETag", "\"" + info.etag + "\""},
                   {"Last-Modified", formatHttpDate(info.mtime_ns)},
                   {"Accept-Ranges", "bytes"}};
               uint64_t first = 0;
               uint64_t length = info.size;
               int status = 200;
               if (auto range = call.ex().header("range")) {
                 ASSIGN_OR_RETURN(ByteRange r, parseRange(*range, info.size));
                 first = r.first;
                 length = r.length;
                 status = 206;
                 headers.emplace_back("Content-Range", contentRange(r, info.size));
               }
               RETURN_IF_ERROR(call.ex().startStream(status, headers, length));
               if (call.ex().method() == "HEAD" || length == 0) return Status::OK();
               Status st = svc->readObject(
                   call.workspace(), info, first, length,
                   [&call](std::string_view bytes) { return call.ex().write(bytes); },
                   [&call](int fd, uint64_t offset, uint64_t n) { return call.ex().sendFile(fd, offset, n); });
               // The head is out: an error now can only cut the body short, which the client
               // sees as fewer bytes than Content-Length.
               return st;
             }));
  router.add("DELETE", "/api/v1/object/{bucket}/objects/{key}", "object.objects.delete", Access::kWrite,
             kNoBody, restErrors([svc](Call& call) -> Status {
               const std::string& bucket = call.param("bucket");
               const std::string& key = call.param("key");
               auto existing = svc->headObject(call.workspace(), bucket, key);
               if (!existing.ok() && object::s3CodeOf(existing.status()) != "NoSuchKey") return existing.status();
               RETURN_IF_ERROR(svc->deleteObject(call.workspace(), bucket, key));
               return replyJson(call, 200, {{"deleted", existing.ok()}});
             }));

  router.add("POST", "/api/v1/object/{bucket}/url", "object.url", Access::kRead, kJsonBodyLimit,
             restErrors([svc, &credentials, s3_endpoint = std::move(s3_endpoint)](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string key, requiredString(req, "key"));
               ASSIGN_OR_RETURN(auto expires_opt, optionalInt(req, "expires_seconds"));
               const int64_t expires = expires_opt.value_or(kDefaultUrlExpiry);
               if (expires < 1 || expires > kMaxUrlExpiry) {
                 return invalidArgument("expires_seconds must be from 1 to ", std::to_string(kMaxUrlExpiry),
                                        " (7 days)");
               }
               const S3Endpoint ep = s3_endpoint();
               if (ep.port == 0) {
                 return replyErrorCode(call, 409, "s3_not_enabled",
                                       "temporary URLs are served by the S3 endpoint, which is not enabled "
                                       "on this server (start it with --s3-listen HOST:PORT)");
               }
               const std::string& bucket = call.param("bucket");
               ASSIGN_OR_RETURN(auto bucket_info, svc->headBucket(call.workspace(), bucket));
               ASSIGN_OR_RETURN(auto info, svc->headObject(call.workspace(), bucket, key));
               ASSIGN_OR_RETURN(std::string authority, s3Authority(ep, call));
               const std::string path = "/" + s3::awsUriEncode(bucket, false) + "/" + s3::awsUriEncode(key, true);
               if (bucket_info.is_public || info.attrs.is_public) {
                 // Anonymous reads are allowed: the plain URL never expires.
                 return replyJson(call, 200, {{"url", "http://" + authority + path}, {"public", true}, {"expires_unix", nullptr}});
               }
               ASSIGN_OR_RETURN(s3::S3Credential cred, urlCredential(credentials, call.workspace()));
               ASSIGN_OR_RETURN(std::string url, presignGet(cred, authority, path, expires));
               return replyJson(call, 200,
                                {{"url", url}, {"public", false}, {"expires_unix", nowNanos() / 1'000'000'000 + expires}});
             }));
}

}  // namespace strata::server::http
