#include "client/chunking.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sha256.h"

namespace strata::client {

Status readExact(int fd, uint64_t offset, uint32_t length, std::string& buffer, const std::string& path) {
  buffer.resize(length);
  size_t done = 0;
  while (done < length) {
    const ssize_t n = ::pread(fd, buffer.data() + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("cannot read ", path, ": ", std::strerror(errno));
    }
    if (n == 0) return ioError("cannot read ", path, ": file shrank while being read");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

Result<std::vector<fs::ChunkRef>> hashChunks(int fd, uint64_t size, std::string& buffer, const std::string& path) {
  std::vector<fs::ChunkRef> refs;
  const uint64_t n = chunkCount(size);
  refs.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    const uint32_t len = chunkLength(size, i);
    RETURN_IF_ERROR(readExact(fd, i * fs::kChunkSize, len, buffer, path));
    refs.push_back(fs::ChunkRef{i, Sha256::of(buffer), len});
  }
  return refs;
}

Status writeExact(int fd, uint64_t offset, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ioError("cannot write ", path, ": ", std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

}  // namespace strata::client
