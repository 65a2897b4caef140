// SHA-256 digests (OpenSSL, which uses SHA-NI where the CPU has it).
//
// A Digest is the identity of a chunk: chunk id == SHA-256 of its bytes. Its text form is
// 64 lowercase hex characters. Sha256 is an incremental hasher; not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace strata {

struct Digest {
  std::array<uint8_t, 32> bytes{};

  std::string hex() const;
  // Parses 64 hex characters (either case); kInvalidArgument otherwise.
  static Result<Digest> fromHex(std::string_view hex);
  std::string_view raw() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
  static Digest fromRaw(std::string_view raw);  // REQUIRES: raw.size() == 32

  auto operator<=>(const Digest&) const = default;
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  void update(const void* data, size_t size);
  Digest finish();  // the hasher may not be used afterwards

  static Digest of(std::string_view data);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace strata

template <>
struct std::hash<strata::Digest> {
  size_t operator()(const strata::Digest& d) const noexcept {
    size_t h;
    static_assert(sizeof(h) <= sizeof(d.bytes));
    __builtin_memcpy(&h, d.bytes.data(), sizeof(h));
    return h;
  }
};
