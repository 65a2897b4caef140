#include "client/json_codec.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace strata::client::json {
namespace {

const std::string kHexA(64, 'a');

TEST(JsonCodecTest, DecodesEntryWithAllAttributes) {
  auto e = decodeEntry(R"({"ino":12,"type":"file","mode":420,"uid":1,"gid":2,"size":1048576,"nlink":1,
      "mtime_ns":1700000000000000001,"ctime_ns":5,"atime_ns":6,"version":3})");
  ASSERT_TRUE(e.ok()) << e.status().toString();
  EXPECT_EQ(e->attr.ino, 12u);
  EXPECT_TRUE(e->isFile());
  EXPECT_EQ(e->attr.mode, 420u);
  EXPECT_EQ(e->attr.size, 1048576u);
  EXPECT_EQ(e->attr.mtime_ns, 1700000000000000001);
  EXPECT_EQ(e->attr.version, 3u);
}

TEST(JsonCodecTest, RejectsWrongShapes) {
  EXPECT_FALSE(decodeEntry("not json").ok());
  EXPECT_FALSE(decodeEntry(R"({"type":"socket"})").ok());
  EXPECT_FALSE(decodeEntry(R"({"type":"file","size":"big"})").ok());
  EXPECT_FALSE(decodeListPage(R"({"next_cursor":""})").ok());
  EXPECT_EQ(decodeEntry("[]").status().code(), Code::kInvalidArgument);
}

TEST(JsonCodecTest, DecodesListPageWithSymlinkTarget) {
  auto page = decodeListPage(R"({"entries":[{"name":"d","type":"dir","mode":493},
      {"name":"l","type":"symlink","target":"../x","size":4}],"next_cursor":"l"})");
  ASSERT_TRUE(page.ok()) << page.status().toString();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_TRUE(page->entries[0].isDir());
  EXPECT_EQ(page->entries[1].target, "../x");
  EXPECT_EQ(page->next_cursor, "l");
}

TEST(JsonCodecTest, ChunkMapMustFitTheFileSize) {
  const std::string ok = R"({"size":5000000,"version":2,"mtime_ns":7,"chunks":[{"index":0,"id":")" + kHexA +
                         R"(","length":4194304},{"index":1,"id":")" + kHexA + R"(","length":805696}]})";
  auto map = decodeChunkMap(ok);
  ASSERT_TRUE(map.ok()) << map.status().toString();
  EXPECT_EQ(map->chunks.size(), 2u);
  EXPECT_EQ(map->chunks[1].index, 1u);
  EXPECT_EQ(map->chunks[1].length, 805696u);
  EXPECT_EQ(map->chunks[0].id.hex(), kHexA);

  // A chunk that ends past the size, and indexes out of order, are refused.
  EXPECT_FALSE(decodeChunkMap(R"({"size":10,"chunks":[{"index":0,"id":")" + kHexA + R"(","length":11}]})").ok());
  EXPECT_FALSE(decodeChunkMap(R"({"size":9000000,"chunks":[{"index":1,"id":")" + kHexA +
                              R"(","length":10},{"index":0,"id":")" + kHexA + R"(","length":10}]})")
                   .ok());
  EXPECT_FALSE(decodeChunkMap(R"({"size":10,"chunks":[{"index":0,"id":"zz","length":10}]})").ok());
}

TEST(JsonCodecTest, UploadBatchAndTokens) {
  auto b = decodeUploadBatch(R"({"upload_id":"u-1","missing":[")" + kHexA + R"("]})");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->upload_id, "u-1");
  ASSERT_EQ(b->missing.size(), 1u);
  EXPECT_FALSE(decodeUploadBatch(R"({"missing":[]})").ok());

  auto t = decodeToken(R"({"id":"0123456789abcdef","token":"strata_x_y","name":"ci","read_only":true,"admin":false,"created_unix":9})");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token, "strata_x_y");
  EXPECT_TRUE(t->read_only);
  auto list = decodeTokens(R"({"tokens":[{"id":"a","name":"n"},{"id":"b"}]})");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 2u);
}

TEST(JsonCodecTest, EncodesCommitAsDocumented) {
  CommitFile f;
  f.path = "/m/a.bin";
  f.size = 3;
  f.chunks.push_back(fs::ChunkRef{0, Sha256::of("abc"), 3});
  f.mtime_ns = 42;
  f.mode = 0600;
  const auto j = nlohmann::json::parse(encodeCommit(std::span<const CommitFile>(&f, 1), true));
  EXPECT_EQ(j["parents"], true);
  EXPECT_EQ(j["files"][0]["path"], "/m/a.bin");
  EXPECT_EQ(j["files"][0]["size"], 3);
  EXPECT_EQ(j["files"][0]["mtime_ns"], 42);
  EXPECT_EQ(j["files"][0]["mode"], 0600);
  EXPECT_EQ(j["files"][0]["chunks"][0]["id"], Sha256::of("abc").hex());
  EXPECT_EQ(j["files"][0]["chunks"][0]["length"], 3);

  const Digest d = Sha256::of("x");
  const auto b = nlohmann::json::parse(encodeUploadBegin(std::span<const Digest>(&d, 1), "u-9"));
  EXPECT_EQ(b["upload_id"], "u-9");
  EXPECT_EQ(b["chunks"][0], d.hex());
  EXPECT_FALSE(nlohmann::json::parse(encodeUploadBegin({}, "")).contains("upload_id"));
}

TEST(JsonCodec, WriteFilesBodyAndResults) {
  SmallFile files[2];
  files[0].path = "/a/x.txt";
  files[0].data = "hello";
  files[0].id = Sha256::of("hello");
  files[0].mtime_ns = 7;
  files[0].mode = 0600;
  files[1].path = "/a/empty";
  const std::string body = encodeWriteFiles(files);
  // [u32 BE length][header][data] per file
  size_t at = 0;
  for (int i = 0; i < 2; ++i) {
    const uint32_t n = (uint8_t(body[at]) << 24) | (uint8_t(body[at + 1]) << 16) | (uint8_t(body[at + 2]) << 8) |
                       uint8_t(body[at + 3]);
    const auto h = nlohmann::json::parse(body.substr(at + 4, n));
    EXPECT_EQ(h["path"], files[i].path);
    EXPECT_EQ(h["size"], files[i].data.size());
    EXPECT_EQ(h.contains("id"), i == 0);
    at += 4 + n;
    EXPECT_EQ(body.substr(at, files[i].data.size()), files[i].data);
    at += files[i].data.size();
  }
  EXPECT_EQ(at, body.size());

  auto results = decodeWriteResults(
      R"({"files":[{"path":"/a/x.txt","type":"file","size":5,"mode":384},)"
      R"({"path":"/a/empty","error":{"code":"is_directory","message":"is a directory: /a/empty"}}],"committed":1,"failed":1})",
      2);
  ASSERT_TRUE(results.ok()) << results.status().toString();
  EXPECT_TRUE((*results)[0].status.ok());
  EXPECT_EQ((*results)[0].entry.attr.size, 5u);
  EXPECT_EQ((*results)[1].status.code(), Code::kIsDirectory);
  EXPECT_EQ((*results)[1].path, "/a/empty");
  EXPECT_FALSE(decodeWriteResults(R"({"files":[]})", 2).ok());  // another number of files
  EXPECT_FALSE(decodeWriteResults(R"({"nope":1})", 0).ok());
}

TEST(JsonCodec, TreePageNamesAreRelativePaths) {
  auto page = decodeTreePage(R"({"entries":[{"path":"d","type":"dir"},{"path":"d/f","type":"file","size":3}],"next_cursor":"d/f"})");
  ASSERT_TRUE(page.ok()) << page.status().toString();
  ASSERT_EQ(page->entries.size(), 2u);
  EXPECT_EQ(page->entries[1].name, "d/f");
  EXPECT_EQ(page->next_cursor, "d/f");
  EXPECT_FALSE(decodeTreePage(R"({"entries":[{"type":"file"}],"next_cursor":""})").ok());  // no path
}

}  // namespace
}  // namespace strata::client::json
