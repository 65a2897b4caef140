// POST /api/v1/fs/{fs}/files:read (docs/api.md "Download"): many whole files in one answer,
// framed per file as [u32 BE header length][header JSON][chunk bytes], and bad requests that
// fail before anything streams.
#include "common/bytes.h"
#include "server/server_test_env.h"

namespace strata::server::testing {
namespace {

using nlohmann::json;

class FilesReadTest : public ServerTest {};

struct Record {
  json header;
  std::string bytes;
};

// Splits a files:read body into its records; fails the test on a malformed frame.
std::vector<Record> parseRecords(std::string_view body) {
  std::vector<Record> out;
  while (!body.empty()) {
    EXPECT_GE(body.size(), 4u);
    if (body.size() < 4) break;
    const uint32_t n = readU32BE(body.substr(0, 4));
    body.remove_prefix(4);
    Record r;
    r.header = json::parse(body.substr(0, n));
    body.remove_prefix(n);
    uint64_t need = 0;
    for (const auto& c : r.header["chunks"]) need += c["length"].get<uint64_t>();
    EXPECT_GE(body.size(), need);
    r.bytes = std::string(body.substr(0, need));
    body.remove_prefix(std::min<uint64_t>(need, body.size()));
    out.push_back(std::move(r));
  }
  return out;
}

TEST_F(FilesReadTest, ManyFilesInOneAnswerInRequestOrder) {
  auto c = admin();
  const std::string a = "first file";
  const std::string b(5 << 20, 'b');  // two chunks
  ASSERT_EQ(upload(*c, "/d/a.txt", a).status, 200);
  ASSERT_EQ(upload(*c, "/d/b.bin", b).status, 200);
  ASSERT_EQ(upload(*c, "/d/empty", "").status, 200);

  auto res = c->request("POST", "/api/v1/fs/default/files:read",
                        R"({"paths":["/d/b.bin","/d/empty","/d/a.txt"]})");
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.header("content-type"), "application/octet-stream");
  auto records = parseRecords(res.body);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].header["path"], "/d/b.bin");
  EXPECT_EQ(records[0].header["size"], b.size());
  EXPECT_EQ(records[0].header["chunks"].size(), 2u);
  EXPECT_EQ(records[0].bytes, b);
  EXPECT_EQ(records[0].header["chunks"][0]["id"], Sha256::of(b.substr(0, 4 << 20)).hex());
  EXPECT_EQ(records[1].header["size"], 0);
  EXPECT_TRUE(records[1].bytes.empty());
  EXPECT_EQ(records[2].bytes, a);
  EXPECT_TRUE(records[2].header.contains("mtime_ns"));
  EXPECT_TRUE(records[2].header.contains("mode"));
}

TEST_F(FilesReadTest, BadRequestsFailBeforeStreaming) {
  auto c = admin();
  ASSERT_EQ(upload(*c, "/d/a.txt", "x").status, 200);
  auto missing = c->request("POST", "/api/v1/fs/default/files:read", R"({"paths":["/d/a.txt","/d/none"]})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.errorCode(), "not_found");
  auto dir = c->request("POST", "/api/v1/fs/default/files:read", R"({"paths":["/d"]})");
  EXPECT_EQ(dir.status, 409);
  EXPECT_EQ(dir.errorCode(), "is_directory");
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/files:read", R"({"paths":[]})").status, 400);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/files:read", R"({"paths":[7]})").status, 400);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/files:read", R"({"paths":["../x"]})").status, 400);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/files:read", "not json").status, 400);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/nope/files:read", R"({"paths":["/d/a.txt"]})").status, 404);
  json many = {{"paths", json::array()}};
  for (int i = 0; i < 1001; ++i) many["paths"].push_back("/d/a.txt");
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/files:read", many.dump()).status, 400);
}

}  // namespace
}  // namespace strata::server::testing
