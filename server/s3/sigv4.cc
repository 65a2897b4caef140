#include "server/s3/sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "common/sha256.h"
#include "server/http/url.h"

namespace strata::server::s3 {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool isLowerHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<CredentialScope> parseCredential(std::string_view text) {
  // AKID/YYYYMMDD/region/service/aws4_request; the access key id itself holds no '/'.
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    size_t slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 5 || parts[0].empty() || parts[1].size() != 8 || parts[2].empty() ||
      parts[3].empty() || parts[4] != "aws4_request") {
    return invalidArgument("malformed credential scope: ", text);
  }
  return CredentialScope{parts[0], parts[1], parts[2], parts[3]};
}

Result<std::vector<std::string>> parseSignedHeaders(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t semi = text.find(';', start);
    std::string_view name = text.substr(start, semi == std::string_view::npos ? semi : semi - start);
    if (name.empty()) return invalidArgument("malformed SignedHeaders: ", text);
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    out.push_back(std::move(lower));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  return out;
}

}  // namespace

Result<SignatureClaim> parseAuthorizationHeader(std::string_view value) {
  if (!value.starts_with(kAlgorithm) || value.size() == kAlgorithm.size() ||
      value[kAlgorithm.size()] != ' ') {
    return invalidArgument("unsupported authorization type (use AWS4-HMAC-SHA256)");
  }
  std::string_view rest = value.substr(kAlgorithm.size() + 1);
  SignatureClaim claim;
  bool have_cred = false, have_headers = false, have_sig = false;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) return invalidArgument("malformed Authorization header");
    std::string_view name = item.substr(0, eq);
    std::string_view val = item.substr(eq + 1);
    if (name == "Credential") {
      ASSIGN_OR_RETURN(claim.credential, parseCredential(val));
      have_cred = true;
    } else if (name == "SignedHeaders") {
      ASSIGN_OR_RETURN(claim.signed_headers, parseSignedHeaders(val));
      have_headers = true;
    } else if (name == "Signature") {
      claim.signature = std::string(val);
      have_sig = true;
    }
  }
  if (!have_cred || !have_headers || !have_sig || claim.signature.size() != 64 ||
      !isLowerHex(claim.signature)) {
    return invalidArgument("malformed Authorization header");
  }
  return claim;
}

Result<SignatureClaim> parsePresignedQuery(
    const std::map<std::string, std::string, std::less<>>& query) {
  auto get = [&](std::string_view name) -> Result<std::string> {
    auto it = query.find(name);
    if (it == query.end()) return invalidArgument("presigned URL lacks ", name);
    return it->second;
  };
  ASSIGN_OR_RETURN(std::string algorithm, get("X-Amz-Algorithm"));
  if (algorithm != kAlgorithm) return invalidArgument("unsupported X-Amz-Algorithm: ", algorithm);
  SignatureClaim claim;
  claim.presigned = true;
  ASSIGN_OR_RETURN(std::string cred, get("X-Amz-Credential"));
  ASSIGN_OR_RETURN(claim.credential, parseCredential(cred));
  ASSIGN_OR_RETURN(claim.amz_date, get("X-Amz-Date"));
  ASSIGN_OR_RETURN(std::string headers, get("X-Amz-SignedHeaders"));
  ASSIGN_OR_RETURN(claim.signed_headers, parseSignedHeaders(headers));
  ASSIGN_OR_RETURN(claim.signature, get("X-Amz-Signature"));
  if (claim.signature.size() != 64 || !isLowerHex(claim.signature)) {
    return invalidArgument("malformed X-Amz-Signature");
  }
  ASSIGN_OR_RETURN(std::string expires, get("X-Amz-Expires"));
  int64_t e = 0;
  auto [end, err] = std::from_chars(expires.data(), expires.data() + expires.size(), e);
  if (err != std::errc() || end != expires.data() + expires.size() || e < 1 || e > 604800) {
    return invalidArgument(
        "X-Amz-Expires must be a number of seconds between 1 and 604800 (7 days)");
  }
  claim.expires_seconds = e;
  return claim;
}

std::string awsUriEncode(std::string_view in, bool keep_slash) {
  return http::percentEncode(in, keep_slash);
}

Result<std::string> canonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return std::string("/");
  ASSIGN_OR_RETURN(std::string decoded, http::percentDecode(raw_path, false));
  return awsUriEncode(decoded, /*keep_slash=*/true);
}

Result<std::string> canonicalQuery(std::string_view raw_query, bool presigned) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t start = 0;
  while (start < raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    std::string_view item =
        raw_query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    start = amp == std::string_view::npos ? raw_query.size() : amp + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    ASSIGN_OR_RETURN(std::string name, http::percentDecode(item.substr(0, eq), false));
    std::string value;
    if (eq != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, http::percentDecode(item.substr(eq + 1), false));
    }
    if (presigned && name == "X-Amz-Signature") continue;
    pairs.emplace_back(awsUriEncode(name, false), awsUriEncode(value, false));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [n, v] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += n;
    out.push_back('=');
    out += v;
  }
  return out;
}

std::string canonicalHeaderValue(std::string_view value) {
  value = trim(value);
  std::string out;
  out.reserve(value.size());
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

Result<std::string> canonicalRequest(std::string_view method, std::string_view raw_path,
                                     std::string_view raw_query, bool presigned,
                                     const std::vector<std::string>& signed_headers,
                                     const HeaderLookup& header, std::string_view payload_hash) {
  ASSIGN_OR_RETURN(std::string uri, canonicalUri(raw_path));
  ASSIGN_OR_RETURN(std::string query, canonicalQuery(raw_query, presigned));
  std::string out;
  out.reserve(512);
  out.append(method).push_back('\n');
  out.append(uri).push_back('\n');
  out.append(query).push_back('\n');
  std::string names;
  for (const auto& name : signed_headers) {
    auto value = header(name);
    if (!value) return invalidArgument("signed header '", name, "' is not in the request");
    out.append(name).push_back(':');
    out.append(canonicalHeaderValue(*value)).push_back('\n');
    if (!names.empty()) names.push_back(';');
    names += name;
  }
  out.push_back('\n');
  out.append(names).push_back('\n');
  out.append(payload_hash);
  return out;
}

std::string stringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date).push_back('\n');
  out.append(scope.scope()).push_back('\n');
  out.append(sha256Hex(canonical_request));
  return out;
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string sha256Hex(std::string_view data) { return Sha256::of(data).hex(); }

std::string signingKey(std::string_view secret, const CredentialScope& scope) {
  std::string k = hmacSha256("AWS4" + std::string(secret), scope.date);
  k = hmacSha256(k, scope.region);
  k = hmacSha256(k, scope.service);
  return hmacSha256(k, "aws4_request");
}

std::string signatureOf(std::string_view signing_key, std::string_view string_to_sign) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string mac = hmacSha256(signing_key, string_to_sign);
  std::string out;
  out.reserve(64);
  for (unsigned char c : mac) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

bool signaturesEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<int64_t> parseAmzDate(std::string_view s) {
  auto bad = [&] { return invalidArgument("malformed X-Amz-Date (want YYYYMMDDTHHMMSSZ): ", s); };
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return bad();
  auto num = [&](size_t pos, size_t len, int& out) {
    auto [end, err] = std::from_chars(s.data() + pos, s.data() + pos + len, out);
    return err == std::errc() && end == s.data() + pos + len;
  };
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!num(0, 4, year) || !num(4, 2, mon) || !num(6, 2, day) || !num(9, 2, hour) ||
      !num(11, 2, min) || !num(13, 2, sec) || mon < 1 || mon > 12 || day < 1 || day > 31 ||
      hour > 23 || min > 59 || sec > 60) {
    return bad();
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

std::string formatAmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

}  // namespace strata::server::s3
