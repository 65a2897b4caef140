// AWS Signature Version 4 for S3 (header and presigned-URL forms): canonical requests, the
// string to sign, the signing key, and parsing of the Authorization header and the X-Amz-*
// query parameters. Pure functions over strings; thread-safe.
//
// Reference: "Authenticating Requests (AWS Signature Version 4)" in the S3 API reference.
// The verifier rebuilds the canonical request from what arrived on the wire:
// - the URI is the request path decoded and re-encoded with AWS's rules (each byte but the
//   unreserved ones as %XX, '/' kept), so either encoding a client chose verifies;
// - the query is every parameter (X-Amz-Signature excluded for presigned URLs), names and
//   values encoded the same way, sorted by name then value;
// - headers are the SignedHeaders, values trimmed and inner runs of spaces collapsed.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata::server::s3 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kStreamingPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// "<date>/<region>/<service>/aws4_request" and its parts.
struct CredentialScope {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

// What a signature claims, from the Authorization header or the presigned query.
struct SignatureClaim {
  CredentialScope credential;
  std::vector<std::string> signed_headers;  // lowercase, in the order given
  std::string signature;                    // 64 lowercase hex
  std::string amz_date;                     // YYYYMMDDTHHMMSSZ
  bool presigned = false;
  int64_t expires_seconds = 0;  // presigned only
};

// Parses "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request,
// SignedHeaders=host;x-amz-date, Signature=...". kInvalidArgument when malformed.
Result<SignatureClaim> parseAuthorizationHeader(std::string_view value);
// Parses X-Amz-Algorithm/Credential/Date/Expires/SignedHeaders/Signature from a decoded query.
// Expires must be 1..604800 (kInvalidArgument otherwise).
Result<SignatureClaim> parsePresignedQuery(
    const std::map<std::string, std::string, std::less<>>& query);

// URI-encodes like AWS (RFC 3986 unreserved kept, uppercase %XX); `keep_slash` for paths.
std::string awsUriEncode(std::string_view in, bool keep_slash);
// The canonical URI of a raw (still percent-encoded) request path. kInvalidArgument for a
// bad escape.
Result<std::string> canonicalUri(std::string_view raw_path);
// The canonical query string of a raw query; drops X-Amz-Signature when `presigned`.
Result<std::string> canonicalQuery(std::string_view raw_query, bool presigned);
// Trims a header value and collapses inner runs of spaces to one.
std::string canonicalHeaderValue(std::string_view value);

// Looks up a request header by lowercase name (nullopt when absent).
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view)>;

// The canonical request. kInvalidArgument when a signed header is missing.
Result<std::string> canonicalRequest(std::string_view method, std::string_view raw_path,
                                     std::string_view raw_query, bool presigned,
                                     const std::vector<std::string>& signed_headers,
                                     const HeaderLookup& header, std::string_view payload_hash);

std::string stringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);
// HMAC chain: "AWS4"+secret -> date -> region -> service -> "aws4_request" (32 raw bytes).
std::string signingKey(std::string_view secret, const CredentialScope& scope);
// Lowercase hex HMAC-SHA256 of `string_to_sign` under `signing_key`.
std::string signatureOf(std::string_view signing_key, std::string_view string_to_sign);

// Raw HMAC-SHA256 and lowercase hex SHA-256 helpers.
std::string hmacSha256(std::string_view key, std::string_view data);
std::string sha256Hex(std::string_view data);

// Constant-time comparison of two signatures.
bool signaturesEqual(std::string_view a, std::string_view b);

// "20150830T123600Z" -> Unix seconds; kInvalidArgument when malformed.
Result<int64_t> parseAmzDate(std::string_view amz_date);
// Unix seconds -> "20150830T123600Z".
std::string formatAmzDate(int64_t unix_seconds);

}  // namespace strata::server::s3
