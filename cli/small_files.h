// Uploads small files through the batch write call (POST files:write, docs/api.md): each
// request carries many files with their bytes, expected chunk ids and attributes, and the
// server stores and commits them behind one durability barrier. That is one request per
// ~4 MiB of small files instead of begin + chunk batch + commit (+ pins) per batch, and no
// second read: a file is read once, hashed from the same buffer and sent.
//
// A file is read whole, then fstat'ed on the same descriptor: a file whose size or mtime no
// longer match the walk changed while it was read, and the upload stops with kBusy (run it
// again) rather than commit a mix of old and new bytes. A file the server refuses stops the
// upload with that file's error; every file committed before stays committed (the command
// resumes from there when run again), and nothing of the refused file changed.
//
// Thread-safety: one call at a time per pool; the tasks run on `pool`.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string>

#include "cli/progress.h"
#include "cli/task_pool.h"
#include "client/client.h"

namespace strata::cli {

// Files below this size travel through files:write; bigger ones in 4 MiB chunks with the
// begin/put/commit protocol, which skips chunks the server already holds.
constexpr uint64_t kSmallFileBytes = 1u << 20;

struct SmallUpload {
  std::string local_path;
  std::string remote_path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;  // as walked; also what the remote file gets
  uint32_t mode = 0644;
  // The remote file exists with the same size: the bytes may well be the same (a touched
  // file), so only the chunk id is sent first and the bytes only if the server lacks them.
  bool maybe_same = false;
};

// A touched file (same size and bytes, new mtime) sends no bytes: its id goes first and the
// bytes follow only for the files whose chunk the server lacks (a second request).
//
// Sends `files` (each smaller than kSmallFileBytes) in requests of about `request_bytes`,
// `pool`'s workers sending in parallel. Adds to `progress` and `files_done` as requests finish.
Status uploadSmallFiles(const client::Client& client, const std::string& fs, TaskPool& pool,
                        std::span<const SmallUpload> files, Progress& progress,
                        std::atomic<uint64_t>& files_done, size_t request_bytes = 4u << 20);

}  // namespace strata::cli
