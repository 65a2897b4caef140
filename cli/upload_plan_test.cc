#include "cli/upload_plan.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

client::Entry remoteFile(uint64_t size, int64_t mtime) {
  client::Entry e;
  e.attr.type = fs::FileType::kRegular;
  e.attr.size = size;
  e.attr.mtime_ns = mtime;
  return e;
}

client::Entry remoteDir() {
  client::Entry e;
  e.attr.type = fs::FileType::kDirectory;
  return e;
}

TEST(UploadPlanTest, QuickCheckSkipsSameSizeAndMtime) {
  LocalTree local;
  local.files = {{"a", 10, 100, 0644}, {"b", 10, 100, 0644}, {"c", 10, 100, 0644}, {"d", 5, 1, 0644}};
  RemoteTree remote;
  remote["a"] = remoteFile(10, 100);  // unchanged
  remote["b"] = remoteFile(10, 999);  // touched
  remote["c"] = remoteFile(11, 100);  // resized
  auto plan = planUpload(local, remote, "/r");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->skip, (std::vector<size_t>{0}));
  EXPECT_EQ(plan->upload, (std::vector<size_t>{1, 2, 3}));
  EXPECT_EQ(plan->upload_bytes, 25u);
  EXPECT_EQ(plan->total_bytes, 35u);
}

TEST(UploadPlanTest, OnePercentChangedSendsOnlyThose) {
  LocalTree local;
  RemoteTree remote;
  for (int i = 0; i < 1000; ++i) {
    const std::string name = "f" + std::to_string(i);
    local.files.push_back({name, 16384, 1000 + (i % 100 == 0 ? 1 : 0), 0644});
    remote[name] = remoteFile(16384, 1000);
  }
  auto plan = planUpload(local, remote, "/r");
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->upload.size(), 10u);
  EXPECT_EQ(plan->skip.size(), 990u);
}

TEST(UploadPlanTest, OnlyEmptyMissingDirsAreCreated) {
  LocalTree local;
  local.dirs = {{"a", 0755}, {"a/b", 0755}, {"a/b/empty", 0700}, {"c", 0755}, {"e", 0755}};
  local.files = {{"c/file", 1, 1, 0644}};
  RemoteTree remote;
  remote["e"] = remoteDir();
  auto plan = planUpload(local, remote, "/r");
  ASSERT_TRUE(plan.ok());
  // "a" and "a/b" come with "a/b/empty"; "c" comes with its file's commit; "e" exists.
  ASSERT_EQ(plan->mkdirs.size(), 1u);
  EXPECT_EQ(plan->mkdirs[0].rel, "a/b/empty");
  EXPECT_EQ(plan->mkdirs[0].mode, 0700u);
}

TEST(UploadPlanTest, TypeConflictsAreRefusedUpFront) {
  LocalTree local;
  local.files = {{"x", 1, 1, 0644}};
  RemoteTree remote;
  remote["x"] = remoteDir();
  auto plan = planUpload(local, remote, "/r");
  EXPECT_EQ(plan.status().code(), Code::kIsDirectory);
  EXPECT_NE(plan.status().message().find("/r/x"), std::string::npos);

  LocalTree local2;
  local2.dirs = {{"y", 0755}};
  RemoteTree remote2;
  remote2["y"] = remoteFile(1, 1);
  EXPECT_EQ(planUpload(local2, remote2, "/r").status().code(), Code::kNotDirectory);
}

}  // namespace
}  // namespace strata::cli
