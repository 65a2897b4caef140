#include "blob/store.h"

namespace strata::blob {

Status Store::putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks) {
  for (const auto& c : chunks) {
    if (c.data.size() > kMaxChunkSize) return Status(Code::kTooLarge, "chunk over 4 MiB");
    if (Sha256::of(c.data) != c.id) return invalidArgument("chunk id ", c.id.hex(), " does not match its bytes");
  }
  for (const auto& c : chunks) RETURN_IF_ERROR(put(ns, c.id, c.data));
  return Status::OK();
}

}  // namespace strata::blob
