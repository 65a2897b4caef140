// authenticate(): SigV4 verification of header-signed and presigned requests.
#include <cstdlib>

#include "common/clock.h"
#include "object/errors.h"
#include "server/s3/credential_store.h"
#include "server/s3/request.h"
#include "server/s3/sigv2.h"
#include "server/s3/sigv4.h"

namespace strata::server::s3 {
namespace {

Status denied(std::string_view code, std::string_view message) {
  return object::s3Error(Code::kUnauthenticated, code, message);
}

// A SigV2 presigned URL (AWSAccessKeyId, Expires, Signature in the query).
Status authenticateV2Query(S3Request& req) {
  const std::string id = req.param("AWSAccessKeyId").value_or("");
  const std::string expires = req.param("Expires").value_or("");
  const std::string signature = req.param("Signature").value_or("");
  int64_t at = 0;
  try {
    size_t used = 0;
    at = std::stoll(expires, &used);
    if (used != expires.size()) throw std::invalid_argument("trailing");
  } catch (...) {
    return object::s3Error(Code::kInvalidArgument, "AuthorizationQueryParametersError",
                           "Expires must be a Unix time");
  }
  const int64_t now = nowUnix();
  if (now > at) return denied("AccessDenied", "request has expired");
  if (at - now > 604800) {
    return object::s3Error(Code::kInvalidArgument, "AuthorizationQueryParametersError",
                           "Expires must be within 7 days (604800 seconds)");
  }
  auto cred = req.deps.credentials.lookup(id);
  if (!cred.ok()) {
    if (cred.status().code() == Code::kNotFound) {
      return object::s3Error(Code::kUnauthenticated, "InvalidAccessKeyId",
                             "the access key id you provided does not exist in our records");
    }
    return cred.status();
  }
  // The resource is "/bucket/key" whatever the addressing style.
  std::string path = req.raw_path;
  if (req.virtual_host) path = "/" + req.bucket + path;
  const std::string sts = sigV2StringToSign(
      req.ex.method(), req.header("content-md5").value_or(""),
      req.header("content-type").value_or(""), expires, sigV2Resource(path, req.query));
  if (!signaturesEqual(sigV2Signature(cred->secret, sts), signature)) {
    return denied("SignatureDoesNotMatch",
                  "the request signature we calculated does not match the signature you provided");
  }
  req.anonymous = false;
  req.workspace = cred->info.workspace;
  req.read_only = cred->info.read_only;
  req.payload_hash = std::string(kUnsignedPayload);
  return Status::OK();
}

}  // namespace

Status authenticate(S3Request& req) {
  auto auth_header = req.header("authorization");
  if (!auth_header && req.has("AWSAccessKeyId") && req.has("Signature")) {
    return authenticateV2Query(req);
  }
  const bool presigned = !auth_header && req.has("X-Amz-Algorithm");
  if (!auth_header && !presigned) {
    req.anonymous = true;
    req.workspace = req.options.anonymous_workspace;
    req.payload_hash = std::string(req.header("x-amz-content-sha256").value_or(kUnsignedPayload));
    return Status::OK();
  }

  SignatureClaim claim;
  if (auth_header) {
    if (!auth_header->starts_with(kAlgorithm)) {
      return object::s3Error(Code::kInvalidArgument, "InvalidRequest",
                             "unsupported authorization type: sign requests with AWS4-HMAC-SHA256");
    }
    auto parsed = parseAuthorizationHeader(*auth_header);
    if (!parsed.ok()) {
      return object::s3Error(Code::kInvalidArgument, "AuthorizationHeaderMalformed",
                             parsed.status().message());
    }
    claim = std::move(parsed).value();
    auto date = req.header("x-amz-date");
    if (!date) {
      return denied("AccessDenied", "AWS authentication requires a valid x-amz-date header");
    }
    claim.amz_date = std::string(*date);
    auto hash = req.header("x-amz-content-sha256");
    if (!hash) {
      return object::s3Error(Code::kInvalidArgument, "InvalidRequest",
                             "missing required header for this request: x-amz-content-sha256");
    }
    req.payload_hash = std::string(*hash);
  } else {
    auto parsed = parsePresignedQuery(req.query);
    if (!parsed.ok()) {
      return object::s3Error(Code::kInvalidArgument, "AuthorizationQueryParametersError",
                             parsed.status().message());
    }
    claim = std::move(parsed).value();
    req.payload_hash = std::string(kUnsignedPayload);
  }

  auto signed_at = parseAmzDate(claim.amz_date);
  if (!signed_at.ok()) return denied("AccessDenied", signed_at.status().message());
  if (claim.credential.date != claim.amz_date.substr(0, 8)) {
    return object::s3Error(Code::kInvalidArgument,
                           presigned ? "AuthorizationQueryParametersError"
                                     : "AuthorizationHeaderMalformed",
                           "the credential date does not match X-Amz-Date");
  }
  if (claim.credential.service != "s3") {
    return object::s3Error(Code::kInvalidArgument, "AuthorizationHeaderMalformed",
                           "the credential scope must name service 's3'");
  }
  const int64_t now = nowUnix();
  const int64_t skew = req.options.max_clock_skew_seconds;
  if (presigned) {
    if (*signed_at > now + skew) return denied("AccessDenied", "request is not yet valid");
    if (now > *signed_at + claim.expires_seconds) return denied("AccessDenied", "request has expired");
  } else if (std::llabs(now - *signed_at) > skew) {
    return object::s3Error(Code::kPermissionDenied, "RequestTimeTooSkewed",
                           "the difference between the request time and the server's time is "
                           "too large");
  }
  bool host_signed = false;
  for (const auto& h : claim.signed_headers) host_signed = host_signed || h == "host";
  if (!host_signed) {
    return object::s3Error(Code::kInvalidArgument, "AuthorizationHeaderMalformed",
                           "the host header must be signed");
  }

  auto cred = req.deps.credentials.lookup(claim.credential.access_key_id);
  if (!cred.ok()) {
    if (cred.status().code() == Code::kNotFound) {
      return object::s3Error(Code::kUnauthenticated, "InvalidAccessKeyId",
                             "the access key id you provided does not exist in our records");
    }
    return cred.status();
  }
  auto canonical = canonicalRequest(
      req.ex.method(), req.raw_path, req.raw_query, presigned, claim.signed_headers,
      [&](std::string_view name) { return req.header(name); }, req.payload_hash);
  if (!canonical.ok()) return denied("SignatureDoesNotMatch", canonical.status().message());
  const std::string key = signingKey(cred->secret, claim.credential);
  const std::string expected =
      signatureOf(key, stringToSign(claim.amz_date, claim.credential, *canonical));
  if (!signaturesEqual(expected, claim.signature)) {
    return denied("SignatureDoesNotMatch",
                  "the request signature we calculated does not match the signature you provided");
  }

  req.anonymous = false;
  req.workspace = cred->info.workspace;
  req.read_only = cred->info.read_only;
  if (req.payload_hash == kStreamingPayload || req.payload_hash == kStreamingPayloadTrailer) {
    req.chunk_signing = ChunkSigning{key, claim.amz_date, claim.credential, claim.signature};
  }
  return Status::OK();
}

}  // namespace strata::server::s3
