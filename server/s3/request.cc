// Shared helpers of the S3 handlers: request bodies, responses, dates, metadata headers.
#include <strings.h>

#include <cctype>
#include <ctime>
#include <memory>

#include "common/base64.h"
#include "common/sha256.h"
#include "object/errors.h"
#include "object/md5.h"
#include "server/s3/errors.h"
#include "server/s3/request.h"

namespace strata::server::s3 {
namespace {

constexpr uint64_t kNoLimit = ~0ull;

bool isHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

Status requireWrite(const S3Request& req) {
  if (req.anonymous) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied",
                           "anonymous requests may only read public buckets");
  }
  if (req.read_only) {
    return object::s3Error(Code::kPermissionDenied, "AccessDenied", "this credential is read-only");
  }
  return Status::OK();
}

Result<object::ByteSource> openBody(S3Request& req, object::PutOptions& options) {
  http::Exchange& ex = req.ex;
  auto raw = [&ex](char* dst, size_t size) { return ex.readSome(dst, size, kNoLimit); };

  if (auto md5 = req.header("content-md5")) {
    auto decoded = base64Decode(*md5);
    if (!decoded.ok() || decoded->size() != 16) {
      return object::s3Error(Code::kInvalidArgument, "InvalidDigest",
                             "the Content-MD5 you specified is not valid");
    }
    options.content_md5 = *decoded;
  }
  const std::string& hash = req.payload_hash;
  const bool streaming = hash == kStreamingPayload || hash == kStreamingPayloadTrailer ||
                         hash == kStreamingUnsignedTrailer;
  if (streaming) {
    auto decoded_len = req.header("x-amz-decoded-content-length");
    if (!decoded_len) {
      return object::s3Error(Code::kInvalidArgument, "MissingContentLength",
                             "aws-chunked uploads need x-amz-decoded-content-length");
    }
    uint64_t n = 0;
    try {
      n = std::stoull(std::string(*decoded_len));
    } catch (...) {
      return object::s3Error(Code::kInvalidArgument, "InvalidArgument",
                             "bad x-amz-decoded-content-length");
    }
    if (n > options.max_size) {
      return object::s3Error(Code::kTooLarge, "EntityTooLarge", "body of ", std::to_string(n),
                             " bytes is over the limit of ", std::to_string(options.max_size));
    }
    options.expected_size = n;
    std::optional<ChunkSigning> signing;
    if (hash != kStreamingUnsignedTrailer) {
      if (!req.chunk_signing) {
        return object::s3Error(Code::kPermissionDenied, "AccessDenied",
                               "signed aws-chunked bodies need a signed request");
      }
      signing = req.chunk_signing;
    }
    auto decoder = std::make_shared<AwsChunkedDecoder>(raw, signing,
                                                       hash != kStreamingPayload);
    return object::ByteSource([decoder](char* dst, size_t size) { return decoder->read(dst, size); });
  }

  if (auto len = ex.contentLength()) {
    if (*len > options.max_size) {
      return object::s3Error(Code::kTooLarge, "EntityTooLarge", "body of ", std::to_string(*len),
                             " bytes is over the limit of ", std::to_string(options.max_size));
    }
    options.expected_size = *len;
  }
  if (hash.empty() || hash == kUnsignedPayload) return object::ByteSource(raw);
  if (!isHex64(hash)) {
    return object::s3Error(Code::kInvalidArgument, "InvalidArgument",
                           "x-amz-content-sha256 must be a SHA-256 hex digest, UNSIGNED-PAYLOAD "
                           "or a STREAMING-* value");
  }
  // Hash as the bytes pass; compare before the commit.
  auto hasher = std::make_shared<Sha256>();
  auto digest = std::make_shared<std::string>();
  options.before_commit = [hasher, digest, hash]() -> Status {
    if (digest->empty()) *digest = hasher->finish().hex();
    if (*digest != hash) {
      return object::s3Error(Code::kInvalidArgument, "XAmzContentSHA256Mismatch",
                             "the provided x-amz-content-sha256 does not match what was computed");
    }
    return Status::OK();
  };
  return object::ByteSource([raw, hasher](char* dst, size_t size) -> Result<size_t> {
    ASSIGN_OR_RETURN(size_t n, raw(dst, size));
    hasher->update(dst, n);
    return n;
  });
}

Result<std::string> readSmallBody(S3Request& req, uint64_t limit) {
  object::PutOptions options;
  options.max_size = limit;
  ASSIGN_OR_RETURN(object::ByteSource source, openBody(req, options));
  std::string body;
  char piece[16 * 1024];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, source(piece, sizeof(piece)));
    if (n == 0) break;
    body.append(piece, n);
    if (body.size() > limit) {
      return object::s3Error(Code::kTooLarge, "EntityTooLarge", "request body is too large");
    }
  }
  if (options.expected_size && *options.expected_size != body.size()) {
    return object::s3Error(Code::kInvalidArgument, "IncompleteBody", "request body ended early");
  }
  if (options.before_commit) RETURN_IF_ERROR(options.before_commit());
  if (options.content_md5 && *options.content_md5 != object::md5Raw(object::Md5::of(body))) {
    return object::s3Error(Code::kInvalidArgument, "BadDigest",
                           "the Content-MD5 you specified did not match what we received");
  }
  return body;
}

Status sendXml(S3Request& req, const std::string& xml, int status) {
  return req.ex.send(status,
                     {{"Content-Type", "application/xml"}, {"x-amz-request-id", req.request_id}},
                     xml);
}

void sendError(S3Request& req, const Status& error) {
  if (req.ex.responded()) return;  // the head is out: only dropping the connection is left
  S3ErrorInfo info = s3ErrorOf(error);
  http::Headers headers = {{"x-amz-request-id", req.request_id}};
  if (info.http_status == 304) {
    req.ex.send(304, headers, "").ignoreError();
    return;
  }
  headers.emplace_back("Content-Type", "application/xml");
  req.ex.send(info.http_status, headers, errorXml(info, req.resource(), req.request_id))
      .ignoreError();
}

std::string httpDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string isoDate(int64_t unix_nanos) {
  std::time_t t = static_cast<std::time_t>(unix_nanos / 1'000'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char ms[8];
  std::snprintf(ms, sizeof(ms), ".%03dZ", static_cast<int>((unix_nanos / 1'000'000) % 1000));
  return std::string(buf) + ms;
}

std::optional<int64_t> parseHttpDate(std::string_view text) {
  std::tm tm{};
  std::string s(text);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

Result<std::optional<bool>> cannedAcl(const S3Request& req) {
  auto acl = req.header("x-amz-acl");
  if (!acl) return std::optional<bool>();
  if (*acl == "private") return std::optional<bool>(false);
  if (*acl == "public-read") return std::optional<bool>(true);
  return object::s3Error(Code::kNotSupported, "NotImplemented", "canned ACL '", *acl,
                         "' is not supported (use private or public-read)");
}

Result<object::ObjectAttrs> attrsFromHeaders(const S3Request& req) {
  object::ObjectAttrs a;
  auto set = [&](std::string_view header, std::string& field) {
    if (auto v = req.header(header)) field = std::string(*v);
  };
  set("content-type", a.content_type);
  set("content-encoding", a.content_encoding);
  set("content-disposition", a.content_disposition);
  set("cache-control", a.cache_control);
  set("content-language", a.content_language);
  set("expires", a.expires);
  // aws-chunked is a transfer detail of this request, not the object's encoding.
  if (a.content_encoding == "aws-chunked") a.content_encoding.clear();
  if (a.content_encoding.starts_with("aws-chunked,")) {
    a.content_encoding = a.content_encoding.substr(12);
    while (!a.content_encoding.empty() && a.content_encoding.front() == ' ') {
      a.content_encoding.erase(0, 1);
    }
  }
  for (const auto& [name, value] : req.ex.headers()) {
    if (name.size() > 11 && strncasecmp(name.c_str(), "x-amz-meta-", 11) == 0) {
      std::string n = name.substr(11);
      for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      a.user.emplace_back(std::move(n), value);
    }
  }
  ASSIGN_OR_RETURN(auto acl, cannedAcl(req));
  a.is_public = acl.value_or(false);
  return a;
}

}  // namespace strata::server::s3
