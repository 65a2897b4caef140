#include "cli/format.h"

#include <ctime>

#include <cmath>
#include <cstdio>

namespace strata::cli {

std::string humanBytes(uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1024 && unit < 6) {
    v /= 1024;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f %s", v, kUnits[unit]);
  return buf;
}

std::string humanDuration(double seconds) {
  if (seconds < 0 || !std::isfinite(seconds)) return "--";
  const auto s = static_cast<uint64_t>(std::llround(seconds));
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof(buf), "%llus", static_cast<unsigned long long>(s));
  } else if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof(buf), "%lluh%02llum", static_cast<unsigned long long>(s / 3600),
                  static_cast<unsigned long long>(s / 60 % 60));
  }
  return buf;
}

std::string modeString(fs::FileType type, uint32_t mode) {
  std::string s(10, '-');
  s[0] = type == fs::FileType::kDirectory ? 'd' : type == fs::FileType::kSymlink ? 'l' : '-';
  static constexpr char kRwx[] = "rwx";
  for (int i = 0; i < 9; ++i) {
    if (mode & (1u << (8 - i))) s[1 + i] = kRwx[i % 3];
  }
  auto special = [&](uint32_t bit, int pos, char with_x, char without_x) {
    if (mode & bit) s[pos] = s[pos] == 'x' ? with_x : without_x;
  };
  special(04000, 3, 's', 'S');
  special(02000, 6, 's', 'S');
  special(01000, 9, 't', 'T');
  return s;
}

std::string shortTime(int64_t unix_ns) {
  const time_t t = static_cast<time_t>(unix_ns / 1'000'000'000);
  tm local{};
  localtime_r(&t, &local);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &local);
  return buf;
}

std::string progressLine(const TransferCounts& c, double elapsed_s) {
  const double rate = elapsed_s > 0 ? static_cast<double>(c.bytes_done) / elapsed_s : 0;
  const int pct = c.bytes_total == 0 ? 100 : static_cast<int>(100.0 * c.bytes_done / c.bytes_total);
  std::string eta = "--";
  if (c.bytes_done >= c.bytes_total) {
    eta = "0s";
  } else if (rate > 0) {
    eta = humanDuration(static_cast<double>(c.bytes_total - c.bytes_done) / rate);
  }
  std::string line = humanBytes(c.bytes_done) + " / " + humanBytes(c.bytes_total) + "  " + std::to_string(pct) +
                     "%  " + humanBytes(static_cast<uint64_t>(rate)) + "/s  ETA " + eta + "  files " +
                     std::to_string(c.files_done) + "/" + std::to_string(c.files_total);
  return line;
}

}  // namespace strata::cli
