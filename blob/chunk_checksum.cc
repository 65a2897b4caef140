#include "blob/chunk_checksum.h"

#include <sys/xattr.h>

#include "common/crc32c.h"

namespace strata::blob {
namespace {

constexpr const char* kStampName = "user.strata.crc32c";

}  // namespace

uint32_t chunkChecksum(const ChunkId& id, std::string_view data) {
  return crc32c(crc32c(0, id.raw()), data);
}

uint32_t extendChecksum(uint32_t sum, std::string_view data) { return crc32c(sum, data); }

void writeChecksumStamp(int fd, uint32_t sum) {
  unsigned char le[4] = {static_cast<unsigned char>(sum), static_cast<unsigned char>(sum >> 8),
                         static_cast<unsigned char>(sum >> 16), static_cast<unsigned char>(sum >> 24)};
  (void)::fsetxattr(fd, kStampName, le, sizeof(le), 0);
}

std::optional<uint32_t> readChecksumStamp(int fd) {
  unsigned char le[4];
  if (::fgetxattr(fd, kStampName, le, sizeof(le)) != static_cast<ssize_t>(sizeof(le))) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(le[0]) | static_cast<uint32_t>(le[1]) << 8 |
         static_cast<uint32_t>(le[2]) << 16 | static_cast<uint32_t>(le[3]) << 24;
}

}  // namespace strata::blob
