#include "cli/format.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/listing.h"
#include "cli/transfer.h"

namespace strata::cli {
namespace {

TEST(FormatTest, HumanBytes) {
  EXPECT_EQ(humanBytes(0), "0 B");
  EXPECT_EQ(humanBytes(1023), "1023 B");
  EXPECT_EQ(humanBytes(1536), "1.5 KiB");
  EXPECT_EQ(humanBytes(4ull << 30), "4.0 GiB");
}

TEST(FormatTest, HumanDuration) {
  EXPECT_EQ(humanDuration(0), "0s");
  EXPECT_EQ(humanDuration(45.2), "45s");
  EXPECT_EQ(humanDuration(65), "1m05s");
  EXPECT_EQ(humanDuration(7380), "2h03m");
  EXPECT_EQ(humanDuration(-1), "--");
}

TEST(FormatTest, ModeStrings) {
  EXPECT_EQ(modeString(fs::FileType::kDirectory, 0755), "drwxr-xr-x");
  EXPECT_EQ(modeString(fs::FileType::kRegular, 0644), "-rw-r--r--");
  EXPECT_EQ(modeString(fs::FileType::kSymlink, 0777), "lrwxrwxrwx");
  EXPECT_EQ(modeString(fs::FileType::kRegular, 04755), "-rwsr-xr-x");
  EXPECT_EQ(modeString(fs::FileType::kDirectory, 01777), "drwxrwxrwt");
}

TEST(FormatTest, ProgressLineShowsBytesRateEtaAndFiles) {
  TransferCounts c{1ull << 30, 4ull << 30, 3, 10};
  // 1 GiB in 2 s: 512 MiB/s, 3 GiB left: 6 s.
  EXPECT_EQ(progressLine(c, 2.0), "1.0 GiB / 4.0 GiB  25%  512.0 MiB/s  ETA 6s  files 3/10");
  TransferCounts none{0, 100, 0, 1};
  EXPECT_EQ(progressLine(none, 0), "0 B / 100 B  0%  0 B/s  ETA --  files 0/1");
  TransferCounts empty{0, 0, 0, 0};
  EXPECT_EQ(progressLine(empty, 1), "0 B / 0 B  100%  0 B/s  ETA 0s  files 0/0");
}

TEST(FormatTest, SummaryLine) {
  TransferResult r;
  r.files_transferred = 2;
  r.files_skipped = 98;
  r.bytes_total = 100 << 20;
  r.wire_bytes = 2 << 20;
  r.seconds = 2;
  EXPECT_EQ(summaryLine("uploaded", "sent", r),
            "uploaded 2 files, skipped 98 unchanged; sent 2.0 MiB of 100.0 MiB in 2s (1.0 MiB/s)");
}

TEST(FormatTest, Listings) {
  client::Entry e;
  e.name = "d";
  e.attr.type = fs::FileType::kDirectory;
  e.attr.mode = 0755;
  EXPECT_EQ(shortListing(e), "d/");
  client::Entry l;
  l.name = "l";
  l.attr.type = fs::FileType::kSymlink;
  l.attr.mode = 0777;
  l.attr.size = 3;
  l.target = "../x";
  const std::string line = longListing(l);
  EXPECT_EQ(line.substr(0, 10), "lrwxrwxrwx");
  EXPECT_NE(line.find("l -> ../x"), std::string::npos);
  EXPECT_EQ(entryJson(l)["target"], "../x");
  EXPECT_EQ(entryJson(e)["type"], "dir");
}

}  // namespace
}  // namespace strata::cli
