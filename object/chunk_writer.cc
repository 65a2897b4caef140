#include "object/chunk_writer.h"

#include <spdlog/spdlog.h>

#include "object/errors.h"

namespace strata::object {

Result<WrittenBody> ChunkWriter::write(const ByteSource& body, const PutOptions& options) {
  WrittenBody out;
  Md5 md5;
  std::string buf;
  buf.resize(kChunkSize);
  for (;;) {
    // Fill one chunk (a source may hand out fewer bytes than asked).
    size_t filled = 0;
    bool ended = false;
    while (filled < buf.size()) {
      ASSIGN_OR_RETURN(size_t n, body(buf.data() + filled, buf.size() - filled));
      if (n == 0) {
        ended = true;
        break;
      }
      filled += n;
      if (out.size + filled > options.max_size) {
        return s3Error(Code::kTooLarge, "EntityTooLarge", "body is over the limit of ",
                       std::to_string(options.max_size), " bytes");
      }
    }
    if (filled > 0) {
      std::string_view data(buf.data(), filled);
      md5.update(data);
      RETURN_IF_ERROR(storeChunk(data, out));
      out.size += filled;
    }
    if (ended) break;
  }
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
