// POST files:write (many small files in one request) and GET list?recursive=true against a
// real server: per-file results, bad files that change nothing, malformed bodies, paging.
#include <set>

#include "common/bytes.h"
#include "common/sha256.h"
#include "server/server_test_env.h"

namespace strata::server::testing {
namespace {

using nlohmann::json;

// One record of the files:write body; `header` overrides/extends the computed fields.
std::string record(const std::string& path, const std::string& data, json extra = json::object()) {
  json h = {{"path", path}, {"size", data.size()}, {"mtime_ns", 1'700'000'000'000'000'000}, {"mode", 0640}};
  if (!data.empty()) h["id"] = Sha256::of(data).hex();
  for (auto& [k, v] : extra.items()) h[k] = v;
  std::string text = h.dump();
  std::string out;
  appendU32BE(out, static_cast<uint32_t>(text.size()));
  return out + text + data;
}

class FilesWriteTest : public ServerTest {
 protected:
  HttpResponse write(TestClient& c, const std::string& body, const std::string& query = "") {
    return c.request("POST", "/api/v1/fs/default/files:write" + query, body,
                     {{"Content-Type", "application/octet-stream"}});
  }
  std::string content(TestClient& c, const std::string& path) {
    auto r = c.request("GET", "/api/v1/fs/default/content?path=" + q(path));
    return r.status == 200 ? r.body : "<" + std::to_string(r.status) + ">";
  }
};

TEST_F(FilesWriteTest, WritesManyFilesWithAttributes) {
  auto c = admin();
  std::string body = record("/a/b/one.txt", "first") + record("/a/two.txt", std::string(70000, 'x')) +
                     record("/a/empty", "") + record("/top.bin", "top");
  auto r = write(*c, body);
  ASSERT_EQ(r.status, 200) << r.body;
  json j = r.json();
  EXPECT_EQ(j["committed"], 4);
  EXPECT_EQ(j["failed"], 0);
  ASSERT_EQ(j["files"].size(), 4u);
  EXPECT_EQ(j["files"][0]["path"], "/a/b/one.txt");
  EXPECT_EQ(j["files"][0]["size"], 5);
  EXPECT_EQ(j["files"][0]["mode"], 0640);
  EXPECT_EQ(j["files"][0]["mtime_ns"], 1'700'000'000'000'000'000);
  EXPECT_EQ(content(*c, "/a/b/one.txt"), "first");
  EXPECT_EQ(content(*c, "/a/two.txt"), std::string(70000, 'x'));
  EXPECT_EQ(content(*c, "/a/empty"), "");
  EXPECT_EQ(content(*c, "/top.bin"), "top");
  // Replacing keeps the inode and moves the version on, like the chunked commit.
  const auto ino = j["files"][3]["ino"];
  auto again = write(*c, record("/top.bin", "new top"));
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["files"][0]["ino"], ino);
  EXPECT_EQ(content(*c, "/top.bin"), "new top");
}

TEST_F(FilesWriteTest, BadFileFailsAloneAndChangesNothing) {
  auto c = admin();
  ASSERT_EQ(write(*c, record("/keep.txt", "old")).status, 200);
  ASSERT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/dir"})").status, 201);
  std::string wrong_id = record("/keep.txt", "tampered", {{"id", Sha256::of("something else").hex()}});
  std::string body = record("/ok1.txt", "one") + wrong_id + record("/dir", "onto a directory") +
                     record("/bad/../x", "traversal") + record("/ok2.txt", "two") + record("/ok1.txt", "twice") +
                     record("/badmode", "m", {{"mode", 070000}});
  auto r = write(*c, body);
  ASSERT_EQ(r.status, 200) << r.body;
  json files = r.json()["files"];
  ASSERT_EQ(files.size(), 7u);
  EXPECT_FALSE(files[0].contains("error"));
  EXPECT_EQ(files[1]["error"]["code"], "invalid_argument");
  EXPECT_NE(files[1]["error"]["message"].get<std::string>().find("does not match"), std::string::npos);
  EXPECT_EQ(files[2]["error"]["code"], "is_directory");
  EXPECT_EQ(files[3]["error"]["code"], "invalid_argument");
  EXPECT_FALSE(files[4].contains("error"));
  EXPECT_EQ(files[5]["error"]["code"], "invalid_argument");  // path listed twice
  EXPECT_EQ(files[6]["error"]["code"], "invalid_argument");
  EXPECT_EQ(r.json()["committed"], 2);
  EXPECT_EQ(r.json()["failed"], 5);
  EXPECT_EQ(content(*c, "/keep.txt"), "old");  // nothing of the bad file changed
  EXPECT_EQ(content(*c, "/ok1.txt"), "one");
  EXPECT_EQ(content(*c, "/ok2.txt"), "two");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/dir")).json()["type"], "dir");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/badmode")).status, 404);
  // A file where a parent should be: not_directory for that file only.
  auto nd = write(*c, record("/ok1.txt/inner", "x") + record("/ok3.txt", "three"));
  ASSERT_EQ(nd.status, 200) << nd.body;
  EXPECT_EQ(nd.json()["files"][0]["error"]["code"], "not_directory");
  EXPECT_EQ(content(*c, "/ok3.txt"), "three");
}

TEST_F(FilesWriteTest, MalformedBodyChangesNothing) {
  auto c = admin();
  std::string good = record("/m1.txt", "fine");
  std::string cut = good + record("/m2.txt", "cut short");
  cut.resize(cut.size() - 3);
  std::string not_json = good;
  appendU32BE(not_json, 5);
  not_json += "{bad}";
  std::string huge_len = good;
  appendU32BE(huge_len, 0xffffffffu);
  std::string no_size = good;
  std::string h = R"({"path":"/m3"})";
  appendU32BE(no_size, static_cast<uint32_t>(h.size()));
  no_size += h;
  for (const std::string& body : {cut, not_json, huge_len, no_size, std::string("\x00\x00", 2)}) {
    auto r = write(*c, body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.errorCode(), "invalid_argument");
  }
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/m1.txt")).status, 404);
  EXPECT_EQ(write(*c, good, "?parents=maybe").status, 400);
  // Without parents a missing directory is per file.
  auto np = write(*c, record("/no/such/dir.txt", "x"), "?parents=false");
  ASSERT_EQ(np.status, 200);
  EXPECT_EQ(np.json()["files"][0]["error"]["code"], "not_found");
  // A file over 4 MiB belongs to the chunked protocol.
  auto big = write(*c, record("/big", std::string((4 << 20) + 1, 'b')));
  ASSERT_EQ(big.status, 200);
  EXPECT_EQ(big.json()["files"][0]["error"]["code"], "too_large");
  // A read-only token may not write.
  EXPECT_EQ(write(*client(makeToken("ro", true)), good).status, 403);
}

TEST_F(FilesWriteTest, RecursiveListingPagesThroughTheTree) {
  auto c = admin();
  std::string body;
  std::set<std::string> want;
  for (const char* p : {"/t/a/1", "/t/a/2", "/t/a/deep/x", "/t/b", "/t/c/1", "/t/c/2", "/t/c/3", "/t/d"}) {
    body += record(p, p);
  }
  ASSERT_EQ(write(*c, body).status, 200);
  ASSERT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/t/empty"})").status, 201);
  const std::vector<std::string> order = {"a", "a/1", "a/2", "a/deep", "a/deep/x", "b", "c", "c/1",
                                          "c/2", "c/3", "d", "empty"};
  auto full = c->request("GET", "/api/v1/fs/default/list?recursive=true&path=" + q("/t"));
  ASSERT_EQ(full.status, 200) << full.body;
  const json all = full.json();
  std::vector<std::string> got;
  for (const auto& e : all["entries"]) got.push_back(e["path"]);
  EXPECT_EQ(got, order) << full.body;
  EXPECT_EQ(all["next_cursor"], "");
  EXPECT_EQ(all["entries"][3]["type"], "dir");
  EXPECT_EQ(all["entries"][4]["size"], 11);  // "/t/a/deep/x"

  for (int limit : {1, 2, 3, 5}) {
    std::vector<std::string> paged;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
      auto r = c->request("GET", "/api/v1/fs/default/list?recursive=true&limit=" + std::to_string(limit) +
                                     "&path=" + q("/t") + (cursor.empty() ? "" : "&cursor=" + q(cursor)));
      ASSERT_EQ(r.status, 200) << r.body;
      const json page = r.json();
      EXPECT_LE(page["entries"].size(), static_cast<size_t>(limit));
      for (const auto& e : page["entries"]) paged.push_back(e["path"]);
      cursor = page["next_cursor"];
      if (cursor.empty()) break;
      // A change between pages: entries before the cursor do not come back.
      if (pages == 1) ASSERT_EQ(write(*c, record("/t/0first", "new")).status, 200);
    }
    EXPECT_EQ(paged, order) << "limit " << limit;
    ASSERT_EQ(c->request("DELETE", "/api/v1/fs/default/files?path=" + q("/t/0first")).status, 200);
  }
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?recursive=true&path=" + q("/t/b")).status, 409);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?recursive=true&path=" + q("/nope")).status, 404);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?recursive=true&path=" + q("/t") + "&cursor=" + q("a/../b")).status, 400);
  // A cursor whose directory vanished resumes after it.
  auto after = c->request("GET", "/api/v1/fs/default/list?recursive=true&path=" + q("/t") + "&cursor=" + q("bb/x/y"));
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.json()["entries"][0]["path"], "c");
}

TEST_F(FilesWriteTest, ByIdWithoutDataReferencesStoredChunks) {
  auto c = admin();
  ASSERT_EQ(write(*c, record("/have.txt", "stored bytes")).status, 200);
  // Header only ("data": false): the same bytes under a new name, and bytes never sent.
  auto byId = [](const std::string& path, const std::string& data) {
    json h = {{"path", path}, {"size", data.size()}, {"id", Sha256::of(data).hex()}, {"data", false}};
    std::string text = h.dump(), out;
    appendU32BE(out, static_cast<uint32_t>(text.size()));
    return out + text;
  };
  auto r = write(*c, byId("/copy.txt", "stored bytes") + byId("/absent.txt", "never sent") + record("/x", "x"));
  ASSERT_EQ(r.status, 200) << r.body;
  json files = r.json()["files"];
  EXPECT_FALSE(files[0].contains("error"));
  EXPECT_EQ(files[1]["error"]["code"], "not_found");
  EXPECT_EQ(files[1]["missing"], true);
  EXPECT_FALSE(files[2].contains("error"));
  EXPECT_EQ(content(*c, "/copy.txt"), "stored bytes");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/absent.txt")).status, 404);
}

}  // namespace
}  // namespace strata::server::testing
