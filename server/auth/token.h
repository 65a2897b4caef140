// The text form of an API token: "strata_<id>_<secret>", id = 16 lowercase hex characters
// (public, names the token in lists and logs), secret = 43 base64url characters (32 random
// bytes; never stored, only its SHA-256). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace strata::server::auth {

constexpr size_t kTokenIdChars = 16;
constexpr size_t kTokenSecretChars = 43;

struct TokenText {
  std::string id;
  std::string secret;
};

// A fresh random token.
TokenText generateToken();
std::string formatToken(const TokenText& token);
// Strict parse; kUnauthenticated (never echoing the text) when it is not a well-formed token.
Result<TokenText> parseToken(std::string_view text);
// What the server keeps: SHA-256 of the secret's text.
Digest hashSecret(std::string_view secret);
// Constant-time comparison of two digests (no early exit that leaks how many bytes matched).
bool digestsEqual(const Digest& a, const Digest& b);

}  // namespace strata::server::auth
