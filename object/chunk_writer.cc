#include "object/chunk_writer.h"

#include <spdlog/spdlog.h>

#include <future>

#include "object/errors.h"

namespace strata::object {

Result<WrittenBody> ChunkWriter::write(const ByteSource& body, const PutOptions& options) {
  // Two buffers: while one chunk is hashed and stored on a helper thread, the next one is
  // read from the client, so a PUT runs at the speed of the slower of the two, not their sum.
  // At most one store is in flight, and it always uses the other buffer.
  WrittenBody out;
  Md5 md5;
  std::string bufs[2];
  int cur = 0;
  std::future<Status> pending;
  auto settle = [&]() -> Status {
    if (!pending.valid()) return Status::OK();
    return pending.get();
  };
  for (;;) {
    std::string& buf = bufs[cur];
    buf.resize(kChunkSize);
    // Fill one chunk (a source may hand out fewer bytes than asked).
    size_t filled = 0;
    bool ended = false;
    Status failed;
    while (filled < buf.size()) {
      auto n = body(buf.data() + filled, buf.size() - filled);
      if (!n.ok()) {
        failed = n.status();
        break;
      }
      if (*n == 0) {
        ended = true;
        break;
      }
      filled += *n;
      if (out.size + filled > options.max_size) {
        failed = s3Error(Code::kTooLarge, "EntityTooLarge", "body is over the limit of ",
                         std::to_string(options.max_size), " bytes");
        break;
      }
    }
    Status previous = settle();
    if (!failed.ok()) return failed;
    RETURN_IF_ERROR(previous);
    if (filled > 0) {
      std::string_view data(buf.data(), filled);
      md5.update(data);
      out.size += filled;
      pending = std::async(std::launch::async, [this, data, &out] { return storeChunk(data, out); });
      cur ^= 1;
    }
    if (ended) break;
  }
  RETURN_IF_ERROR(settle());
  if (options.expected_size && *options.expected_size != out.size) {
    return s3Error(Code::kInvalidArgument, "IncompleteBody", "body has ", std::to_string(out.size),
                   " bytes, Content-Length said ", std::to_string(*options.expected_size));
  }
  out.md5 = md5.finish();
  if (options.content_md5 && *options.content_md5 != md5Raw(out.md5)) {
    return s3Error(Code::kInvalidArgument, "BadDigest",
                   "the Content-MD5 you specified did not match what we received");
  }
  return out;
}

Status ChunkWriter::storeChunk(std::string_view data, WrittenBody& out) {
  const Digest id = Sha256::of(data);
  // Pin first, then store: a chunk is never in the store unprotected by us.
  ASSIGN_OR_RETURN(fs::UploadTicket ticket, chunks_.beginUpload(ws_, upload_id_, {id}));
  upload_id_ = ticket.upload_id;
  if (!ticket.missing.empty()) RETURN_IF_ERROR(chunks_.putChunk(ws_, id, data));
  out.chunks.push_back(ChunkRec{id, static_cast<uint32_t>(data.size())});
  return Status::OK();
}

void ChunkWriter::release() {
  if (upload_id_.empty()) return;
  Status st = chunks_.endUpload(ws_, upload_id_);
  if (!st.ok()) {
    // The pins expire by themselves; only the collector's work is delayed.
    spdlog::warn("object put: dropping chunk pins of {} failed: {}", upload_id_, st.toString());
  }
  upload_id_.clear();
}

}  // namespace strata::object
