// Incremental MD5 (OpenSSL EVP), for S3 ETags and Content-MD5 checks. Not a security
// primitive here: S3 defines its ETags and Content-MD5 with it. Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace strata::object {

using Md5Digest = std::array<uint8_t, 16>;

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(const Md5&) = delete;
  Md5& operator=(const Md5&) = delete;

  void update(std::string_view data);
  Md5Digest finish();  // the hasher may not be used afterwards
  static Md5Digest of(std::string_view data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

std::string_view md5Raw(const Md5Digest& d);

}  // namespace strata::object
