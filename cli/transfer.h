// What `strata storage upload|download` report when they finish, shared by both engines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::cli {

struct TransferOptions {
  std::string fs = "default";
  bool recursive = false;
  int workers = 8;  // parallel requests
};

struct TransferResult {
  uint64_t files_total = 0;        // regular files considered
  uint64_t files_transferred = 0;  // sent / fetched
  uint64_t files_skipped = 0;      // unchanged by the quick-check
  uint64_t dirs_created = 0;
  uint64_t bytes_total = 0;        // size of all files considered
  uint64_t bytes_changed = 0;      // size of the files transferred
  uint64_t wire_bytes = 0;         // chunk bytes that crossed the network
  std::vector<std::string> skipped_local;  // entries left out (symlinks, special files)
  double seconds = 0;
};

// "uploaded 3 files, skipped 10 unchanged; sent 12.0 MiB of 1.2 GiB in 2s (6.0 MiB/s)"
std::string summaryLine(const char* verb, const char* wire_verb, const TransferResult& r);
// The same as one JSON object.
std::string summaryJson(const TransferResult& r);

}  // namespace strata::cli
