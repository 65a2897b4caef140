// The server master key: 32 random bytes in DATA_DIR/master-key (mode 0600, created on first
// start), used to encrypt secrets the server must be able to read back (S3 secret keys, which
// SigV4 needs in clear to verify a signature). AES-256-GCM with a random 96-bit nonce per
// message; associated data binds a ciphertext to its record (it cannot be moved to another).
//
// Thread-safe (immutable after loading).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata::server::s3 {

class MasterKey {
 public:
  // Loads `path`, creating it (0600, fsynced) when absent. kPermissionDenied when the file
  // is readable by group or others; kCorruption when it is not 32 bytes.
  static Result<MasterKey> loadOrCreate(const std::string& path);
  // A key held only in memory (tests).
  static MasterKey fromBytes(std::string_view key32);

  // nonce(12) | ciphertext | tag(16).
  Result<std::string> seal(std::string_view plaintext, std::string_view associated) const;
  // kCorruption when the tag does not verify (wrong key, tampered record, other record's data).
  Result<std::string> open(std::string_view sealed, std::string_view associated) const;

 private:
  explicit MasterKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace strata::server::s3
