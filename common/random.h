// Cryptographically strong random bytes (OpenSSL's CSPRNG) and their text encodings, for
// tokens, secrets, upload ids and temp-file names. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strata {

// `n` random bytes. Aborts the process if the CSPRNG fails: a predictable token is worse
// than a crash, and OpenSSL only fails when the system has no entropy source at all.
std::string randomBytes(size_t n);
// `nbytes` random bytes as 2*nbytes lowercase hex characters.
std::string randomHex(size_t nbytes);
// RFC 4648 section 5 base64url ('-' and '_'), without '=' padding.
std::string base64url(std::string_view data);

}  // namespace strata
