#include "common/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace strata {
namespace {

constexpr uint32_t kPolyReflected = 0x82F63B78u;

constexpr std::array<uint32_t, 256> makeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPolyReflected : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kTable = makeTable();

uint32_t crcTable(uint32_t crc, const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) crc = kTable[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__)
// Three independent crc32 chains over three thirds of each block hide the instruction's
// 3-cycle latency (one chain alone runs at a third of the unit's throughput); the thirds
// are joined by shifting the earlier CRCs over the bytes that follow them (shiftCrc).
constexpr size_t kLane = 4096;  // bytes per chain per block

// Multiplication in GF(2) modulo the CRC polynomial, on reflected values.
uint32_t gfMultiply(uint32_t a, uint32_t b) {
  uint32_t product = 0;
  for (int i = 0; i < 32; ++i) {
    if (a & 0x80000000u) product ^= b;
    a <<= 1;
    b = (b & 1) ? (b >> 1) ^ kPolyReflected : b >> 1;
  }
  return product;
}

// x^(8 * kLane) mod P, reflected: multiplying a CRC by it appends kLane zero bytes.
uint32_t laneShiftConstant() {
  uint32_t x = 0x40000000u;  // x^1, reflected
  uint32_t result = 0x80000000u;  // x^0
  // x^(8*kLane) by repeated squaring.
  for (uint64_t e = 8 * kLane; e != 0; e >>= 1) {
    if (e & 1) result = gfMultiply(result, x);
    x = gfMultiply(x, x);
  }
  return result;
}

__attribute__((target("sse4.2"))) uint32_t crcHardware(uint32_t crc, const unsigned char* p,
                                                        size_t n) {
  static const uint32_t shift = laneShiftConstant();
  uint64_t c0 = crc;
  while (n >= 3 * kLane) {
    uint64_t c1 = 0;
    uint64_t c2 = 0;
    const unsigned char* a = p;
    const unsigned char* b = p + kLane;
    const unsigned char* c = p + 2 * kLane;
    for (size_t i = 0; i < kLane; i += 8) {
      uint64_t va, vb, vc;
      std::memcpy(&va, a + i, 8);
      std::memcpy(&vb, b + i, 8);
      std::memcpy(&vc, c + i, 8);
      c0 = _mm_crc32_u64(c0, va);
      c1 = _mm_crc32_u64(c1, vb);
      c2 = _mm_crc32_u64(c2, vc);
    }
    // crc(A B C) = shift(shift(crc(A)) ^ crc(B)) ^ crc(C), with crc(B), crc(C) started at 0.
    c0 = gfMultiply(static_cast<uint32_t>(c0), shift) ^ static_cast<uint32_t>(c1);
    c0 = gfMultiply(static_cast<uint32_t>(c0), shift) ^ static_cast<uint32_t>(c2);
    p += 3 * kLane;
    n -= 3 * kLane;
  }
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    c0 = _mm_crc32_u64(c0, v);
  }
  uint32_t c32 = static_cast<uint32_t>(c0);
  for (; n > 0; ++p, --n) c32 = _mm_crc32_u8(c32, *p);
  return c32;
}

const bool kHaveSse42 = __builtin_cpu_supports("sse4.2");
#endif

}  // namespace

uint32_t crc32c(uint32_t crc, const void* data, size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  crc = ~crc;
#if defined(__x86_64__)
  if (kHaveSse42) return ~crcHardware(crc, p, size);
#endif
  return ~crcTable(crc, p, size);
}

}  // namespace strata
