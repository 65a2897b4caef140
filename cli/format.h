// Text formatting for the CLI's human output: sizes, rates, durations, `ls -l` mode strings and
// times, the progress line and the final transfer summary. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "fs/types.h"

namespace strata::cli {

// 1536 -> "1.5 KiB"; below 1 KiB the exact count: "512 B".
std::string humanBytes(uint64_t bytes);
// "1m05s", "2h03m", "45s"; negative -> "--".
std::string humanDuration(double seconds);
// "drwxr-xr-x" / "-rw-r--r--" / "lrwxrwxrwx", with setuid/setgid/sticky letters.
std::string modeString(fs::FileType type, uint32_t mode);
// Local time "2024-05-01 13:45" of a Unix time in nanoseconds.
std::string shortTime(int64_t unix_ns);

// A snapshot of a transfer, as the progress line and the summary show it.
struct TransferCounts {
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  uint64_t files_done = 0;
  uint64_t files_total = 0;
};

// "  1.2 GiB / 4.0 GiB  30%  210.5 MiB/s  ETA 14s  files 3/10"
std::string progressLine(const TransferCounts& c, double elapsed_s);

}  // namespace strata::cli
