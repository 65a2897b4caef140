// AWS Signature Version 2, query-string form only (presigned URLs with AWSAccessKeyId,
// Expires and Signature), because boto3's generate_presigned_url and older tools still make
// them by default. Header-signed V2 requests are refused (sign those with SigV4).
// Pure functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace strata::server::s3 {

// "/bucket/key" (as sent, still encoded) plus the sub-resources of the query that V2 signs,
// sorted: "/b/k?response-content-type=text/plain&uploadId=x".
std::string sigV2Resource(std::string_view bucket_path,
                          const std::map<std::string, std::string, std::less<>>& query);
// "<METHOD>\n<Content-MD5>\n<Content-Type>\n<Expires>\n<resource>" (no x-amz-* headers: a
// presigned GET carries none).
std::string sigV2StringToSign(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view expires,
                              std::string_view resource);
// base64(HMAC-SHA1(secret, string_to_sign)).
std::string sigV2Signature(std::string_view secret, std::string_view string_to_sign);

}  // namespace strata::server::s3
