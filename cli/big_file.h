// Uploads one large file as a pipeline over the worker pool: chunks are read and hashed a
// window at a time, the server is asked which of the window's ids it lacks (POST /uploads,
// which also pins them), and those are sent (PUT /chunks/<id>) from the very buffer they were
// hashed from -- while the next window is being read and hashed (also during the begin
// request, whose answer waits for a synced pin on the server). So a first upload reads the
// file once and keeps the disk, the hashing and the network busy at the same time, and a
// re-upload sends only the chunks whose ids the server lacks (changed ones, or ones an
// interrupted run did not get to send: the rerun resumes).
//
// Memory: at most kMaxBufferedChunks chunk buffers (4 MiB each) exist at once.
// The server verifies every chunk against its id before storing it; the file's size and mtime
// are checked after the last chunk was read, so a file that changed during the upload is never
// committed (kBusy: run the command again).
//
// Thread-safety: one call at a time per pool (the tasks run on `pool`).
#pragma once

#include <string>
#include <vector>

#include "cli/progress.h"
#include "cli/task_pool.h"
#include "client/client.h"

namespace strata::cli {

// Files of at least this size take the pipeline; smaller multi-chunk files are hashed and sent
// in batches of many files (uploader.cc).
constexpr uint64_t kBigFileBytes = 64ull << 20;
constexpr size_t kMaxBufferedChunks = 24;

struct BigUpload {
  std::string local_path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // as walked
};

// Sends the chunks of `file` the server lacks under the upload `upload_id` (started when
// empty, then set) and returns the file's complete chunk map, ready to commit.
Result<std::vector<fs::ChunkRef>> uploadBigFile(const client::Client& client, const std::string& fs,
                                                TaskPool& pool, std::string& upload_id, const BigUpload& file,
                                                Progress& progress);

}  // namespace strata::cli
