#include "blob/store.h"

#include <algorithm>
#include <string>

namespace strata::blob {

Status checkNamespace(std::string_view ns) {
  bool ok = !ns.empty() && ns.size() <= 64 && std::all_of(ns.begin(), ns.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
  });
  if (!ok) return invalidArgument("invalid blob namespace '", ns, "': must match [A-Za-z0-9_-]{1,64}");
  return Status::OK();
}

Status checkChunk(std::string_view ns, const ChunkId& id, std::string_view data,
                  const ChunkPutOptions& options) {
  RETURN_IF_ERROR(checkNamespace(ns));
  if (data.size() > kMaxChunkSize) {
    return Status(Code::kTooLarge, "chunk of " + std::to_string(data.size()) + " bytes exceeds the " +
                                       std::to_string(kMaxChunkSize) + "-byte limit");
  }
  if (options.id_verified) return Status::OK();
  Digest actual = Sha256::of(data);
  if (actual != id) {
    return invalidArgument("chunk id ", id.hex(), " does not match its bytes (sha256 ", actual.hex(), ")");
  }
  return Status::OK();
}

Result<ChunkSlice> Store::getSlice(std::string_view ns, const ChunkId& id, uint64_t offset,
                                  uint64_t length) {
  ChunkSlice slice;
  ASSIGN_OR_RETURN(slice.bytes, getRange(ns, id, offset, length));
  slice.length = slice.bytes.size();
  return slice;
}

Status Store::putBatch(std::string_view ns, const std::vector<ChunkWrite>& chunks,
                       const ChunkPutOptions& options) {
  for (const auto& c : chunks) RETURN_IF_ERROR(checkChunk(ns, c.id, c.data, options));
  ChunkPutOptions verified = options;
  verified.id_verified = true;  // just checked
  for (const auto& c : chunks) RETURN_IF_ERROR(put(ns, c.id, c.data, verified));
  return Status::OK();
}

}  // namespace strata::blob
