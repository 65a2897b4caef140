#include "object/chunk_writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>
#include <future>

#include "common/random.h"
#include "common/sha256.h"
#include "object/errors.h"

namespace strata::object {
namespace {

// One chunk in the pipeline. `md5` is shared because the next chunk's MD5 task waits for it.
// Destroying a piece waits for its tasks first, so its buffer never goes back to the pool
// while a task still reads it (also when launching the second task throws).
struct Piece {
  PooledBuffer buf;
  size_t len = 0;
  std::shared_future<void> md5;
  std::future<Result<Digest>> store;

  Piece() = default;
  Piece(Piece&&) = default;
  Piece& operator=(Piece&&) = default;
  ~Piece() { wait(); }

  void wait() {
    if (md5.valid()) md5.wait();
    if (store.valid()) store.wait();
  }
};

// The pieces in flight, oldest first. Destruction waits for every task, so no task outlives
// the buffers, the MD5 state or the writer it uses, whichever way write() returns.
struct Flight {
  std::deque<Piece> pieces;
  ~Flight() {
    for (auto& p : pieces) p.wait();
  }
};

}  // namespace

ChunkWriter::ChunkWriter(fs::ChunkManager& chunks, BufferPool& pool, std::string ws)
    : chunks_(chunks), pool_(pool), ws_(std::move(ws)) {}

Result<WrittenBody> ChunkWriter::write(const ByteSource& body, const PutOptions& options) {
  WrittenBody out;
  Md5 md5;
  std::shared_future<void> last_md5;
  Flight flight;  // declared last: destroyed (and waited for) first

  // Waits for the oldest chunk, records it, and hands back its buffer for reuse.
  auto settle = [&]() -> Result<PooledBuffer> {
    Piece p = std::move(flight.pieces.front());
    flight.pieces.pop_front();
    p.md5.wait();
    ASSIGN_OR_RETURN(Digest id, p.store.get());
    out.chunks.push_back(ChunkRec{id, static_cast<uint32_t>(p.len)});
    return std::move(p.buf);
  };

  for (;;) {
    // How much to read next: a chunk, or less when the declared size says the body is smaller
    // (a 10 KiB object takes a 10 KiB buffer, not 4 MiB).
    size_t want = kChunkSize;
    if (options.expected_size) {
      const uint64_t left = *options.expected_size > out.size ? *options.expected_size - out.size : 0;
      want = static_cast<size_t>(std::min<uint64_t>(want, left));
    }
    if (want == 0) {
      // The declared size arrived: the source must now report its end (an aws-chunked body
      // reads its final chunk and checks its signature here).
      char probe[1];
      ASSIGN_OR_RETURN(size_t n, body(probe, sizeof(probe)));
      if (n != 0) {
        return s3Error(Code::kInvalidArgument, "IncompleteBody", "body is longer than the ",
                       std::to_string(*options.expected_size), " bytes declared");
      }
      break;
    }
    // A buffer: the first one waits for the pool; later ones are taken only when the pool has
    // room and the put is under its in-flight cap, otherwise the oldest chunk is finished and
    // its buffer reused (so a put never waits for the pool while holding buffers).
    PooledBuffer buf;
    if (flight.pieces.empty()) {
      buf = pool_.acquire(want);
    } else if (flight.pieces.size() < kMaxChunksInFlight - 1) {
      buf = pool_.tryAcquire(want);
    }
    if (!buf) {
      ASSIGN_OR_RETURN(buf, settle());
    }
    want = std::min(want, buf.size());

    size_t filled = 0;
    bool ended = false;
    while (filled < want) {
      ASSIGN_OR_RETURN(size_t n, body(buf.data() + filled, want - filled));
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
      if (upload_id_.empty()) upload_id_ = "u-" + randomHex(16);
      const std::string_view data(buf.data(), filled);
      Piece p;
      p.len = filled;
      p.md5 = std::async(std::launch::async, [&md5, data, prev = last_md5] {
                if (prev.valid()) prev.wait();
                md5.update(data);
              }).share();
      last_md5 = p.md5;
      // Pin first, then store: a chunk is never in the store unprotected by us.
      p.store = std::async(std::launch::async, [this, data, upload_id = upload_id_]() -> Result<Digest> {
        const Digest id = Sha256::of(data);
        // One pin transaction of this put at a time: they all rewrite the upload's header
        // record, so running them together would only make them conflict and back off.
        std::unique_lock pin_lock(pin_mu_);
        // Buffered: the put is in this process, and its synced commit makes the pins durable.
        ASSIGN_OR_RETURN(fs::UploadTicket ticket,
                         chunks_.beginUpload(ws_, upload_id, {id}, db::Durability::kBuffered));
        pin_lock.unlock();
        // We hashed these very bytes just now: the store need not hash them again. Its
        // durability barrier is one for the whole put, at the end of write().
        if (!ticket.missing.empty()) {
          RETURN_IF_ERROR(chunks_.putChunk(ws_, id, data,
                                           {.id_verified = true, .defer_durability = true}));
        }
        return id;
      });
      p.buf = std::move(buf);
      flight.pieces.push_back(std::move(p));
      out.size += filled;
    }
    if (ended) break;
  }
  while (!flight.pieces.empty()) RETURN_IF_ERROR(settle().status());
  // The chunks were put with deferred durability: one shared barrier (directory fsyncs that
  // concurrent puts share) before the caller's synced commit references them.
  if (!out.chunks.empty()) RETURN_IF_ERROR(chunks_.syncChunksForCommit());

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
