#include "server/auth/token.h"

#include <openssl/crypto.h>

#include "common/random.h"

namespace strata::server::auth {
namespace {

constexpr std::string_view kPrefix = "strata_";

bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool isBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

TokenText generateToken() {
  return TokenText{randomHex(kTokenIdChars / 2), base64url(randomBytes(32))};
}

std::string formatToken(const TokenText& token) {
  return std::string(kPrefix) + token.id + "_" + token.secret;
}

Result<TokenText> parseToken(std::string_view text) {
  const Status bad = unauthenticated("malformed token (expected strata_<id>_<secret>)");
  if (text.size() != kPrefix.size() + kTokenIdChars + 1 + kTokenSecretChars) return bad;
  if (text.substr(0, kPrefix.size()) != kPrefix) return bad;
  std::string_view id = text.substr(kPrefix.size(), kTokenIdChars);
  if (text[kPrefix.size() + kTokenIdChars] != '_') return bad;
  std::string_view secret = text.substr(kPrefix.size() + kTokenIdChars + 1);
  for (char c : id) {
    if (!isLowerHex(c)) return bad;
  }
  for (char c : secret) {
    if (!isBase64Url(c)) return bad;
  }
  return TokenText{std::string(id), std::string(secret)};
}

Digest hashSecret(std::string_view secret) { return Sha256::of(secret); }

bool digestsEqual(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
}

}  // namespace strata::server::auth
