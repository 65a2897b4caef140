#include "server/s3/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "common/base64.h"

namespace strata::server::s3 {

std::string sigV2Resource(std::string_view bucket_path,
                          const std::map<std::string, std::string, std::less<>>& query) {
  // The sub-resources V2 includes in the signature (botocore's list).
  static constexpr std::array<std::string_view, 24> kSigned = {
      "acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
      "partNumber", "policy", "requestPayment", "response-cache-control",
      "response-content-disposition", "response-content-encoding", "response-content-language",
      "response-content-type", "response-expires", "tagging", "torrent", "uploadId", "uploads",
      "versionId", "versioning", "versions", "website"};
  std::string out(bucket_path);
  char sep = '?';
  for (const auto& [name, value] : query) {  // std::map: already sorted by name
    bool is_signed = false;
    for (auto s : kSigned) is_signed = is_signed || s == name;
    if (!is_signed) continue;
    out.push_back(sep);
    sep = '&';
    out += name;
    if (!value.empty()) out += "=" + value;
  }
  return out;
}

std::string sigV2StringToSign(std::string_view method, std::string_view content_md5,
                              std::string_view content_type, std::string_view expires,
                              std::string_view resource) {
  std::string out(method);
  out += "\n";
  out += content_md5;
  out += "\n";
  out += content_type;
  out += "\n";
  out += expires;
  out += "\n";
  out += resource;
  return out;
}

std::string sigV2Signature(std::string_view secret, std::string_view string_to_sign) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(), mac,
       &len);
  return base64Encode(std::string_view(reinterpret_cast<char*>(mac), len));
}

}  // namespace strata::server::s3
