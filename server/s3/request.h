// S3Request: one S3 request as the handlers see it (addressing, query, caller), and the
// helpers every handler shares: body sources that verify the payload signature, XML and
// error responses, HTTP dates. Internal to server/s3.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "object/object_service.h"
#include "server/http/exchange.h"
#include "server/s3/aws_chunked.h"
#include "server/s3/s3_server.h"

namespace strata::server::s3 {

struct S3Request {
  S3Request(http::Exchange& e, const S3ServerOptions& o, S3Deps d) : ex(e), options(o), deps(d) {}

  http::Exchange& ex;
  const S3ServerOptions& options;
  S3Deps deps;
  std::string request_id;
  std::string raw_path;   // as sent
  std::string raw_query;  // as sent
  std::map<std::string, std::string, std::less<>> query;  // decoded
  std::string bucket;  // "" for service-level requests
  std::string key;     // "" for bucket-level requests
  bool virtual_host = false;  // the bucket came from the Host header

  // Set by authenticate().
  bool anonymous = true;
  std::string workspace;
  bool read_only = false;
  std::string payload_hash;                  // x-amz-content-sha256 (or UNSIGNED-PAYLOAD)
  std::optional<ChunkSigning> chunk_signing;  // for signed aws-chunked bodies

  bool has(std::string_view param) const { return query.count(param) > 0; }
  std::optional<std::string> param(std::string_view name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  std::optional<std::string_view> header(std::string_view name) const { return ex.header(name); }
  std::string resource() const { return "/" + bucket + (key.empty() ? "" : "/" + key); }
};

// Verifies the signature of the request (header or presigned) and sets the caller fields.
// Anonymous requests pass (anonymous = true); handlers check what anonymous callers may do.
Status authenticate(S3Request& req);

// The request body for the object service: aws-chunked decoding with chunk signatures, or
// the raw body with x-amz-content-sha256 checked before commit. Sets expected_size and
// before_commit in `options` and checks Content-MD5.
Result<object::ByteSource> openBody(S3Request& req, object::PutOptions& options);
// A small body (XML) read whole and verified; "[MalformedXML]" / EntityTooLarge past `limit`.
Result<std::string> readSmallBody(S3Request& req, uint64_t limit);

// Sends 200 with an XML document.
Status sendXml(S3Request& req, const std::string& xml, int status = 200);
// Sends the S3 XML error for `error`.
void sendError(S3Request& req, const Status& error);

// RFC 7231 date ("Sun, 06 Nov 1994 08:49:37 GMT") and ISO 8601 ("2009-10-12T17:50:30.000Z").
std::string httpDate(int64_t unix_seconds);
std::string isoDate(int64_t unix_nanos);
// Parses an HTTP date (RFC 1123 form); nullopt when malformed.
std::optional<int64_t> parseHttpDate(std::string_view text);

// Metadata headers of a PUT / multipart create / copy with REPLACE, with the canned ACL.
Result<object::ObjectAttrs> attrsFromHeaders(const S3Request& req);
// x-amz-acl: "private" -> false, "public-read" -> true, absent -> nullopt; other canned ACLs
// are NotImplemented.
Result<std::optional<bool>> cannedAcl(const S3Request& req);

// "Denied" unless the caller may write (not anonymous, not read-only).
Status requireWrite(const S3Request& req);

}  // namespace strata::server::s3
