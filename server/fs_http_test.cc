// The file-system routes of docs/api.md against a real server: namespace operations, the
// upload protocol, downloads with ranges, and bad input that must change nothing.
#include <atomic>
#include <thread>

#include "server/server_test_env.h"

namespace strata::server::testing {
namespace {

using nlohmann::json;

class FsHttpTest : public ServerTest {};

TEST_F(FsHttpTest, FileSystemsListCreateUnknown) {
  auto c = admin();
  auto list = c->request("GET", "/api/v1/fs");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["filesystems"], json::parse(R"([{"name":"default"}])"));
  EXPECT_EQ(c->request("POST", "/api/v1/fs", R"({"name":"scratch"})").status, 201);
  EXPECT_EQ(c->request("POST", "/api/v1/fs", R"({"name":"scratch"})").status, 409);
  EXPECT_EQ(c->request("POST", "/api/v1/fs", R"({"name":"Bad/Name"})").status, 400);
  EXPECT_EQ(c->request("GET", "/api/v1/fs").json()["filesystems"].size(), 2u);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/scratch/mkdir", R"({"path":"/s"})").status, 201);
  auto unknown = c->request("GET", "/api/v1/fs/nope/stat?path=%2F");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.errorCode(), "not_found");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/NO%2F..%2Fx/list").status, 404);
  std::string writer = makeToken("w", false);
  EXPECT_EQ(client(writer)->request("POST", "/api/v1/fs", R"({"name":"x"})").status, 403);
}

TEST_F(FsHttpTest, MkdirStatListMoveDelete) {
  auto c = admin();
  auto mk = c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/a/b/c","parents":true,"mode":448})");
  ASSERT_EQ(mk.status, 201) << mk.body;
  EXPECT_EQ(mk.json()["type"], "dir");
  EXPECT_EQ(mk.json()["mode"], 448);
  auto again = c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/a/b/c"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.errorCode(), "already_exists");
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/a/b/c","parents":true})").status, 201);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/x/y"})").status, 404);

  auto stat = c->request("GET", "/api/v1/fs/default/stat?path=" + q("/a/b"));
  ASSERT_EQ(stat.status, 200);
  for (const char* field : {"ino", "type", "mode", "uid", "gid", "size", "nlink", "mtime_ns",
                            "ctime_ns", "atime_ns", "version"}) {
    EXPECT_TRUE(stat.json().contains(field)) << field;
  }

  ASSERT_EQ(upload(*c, "/a/f.txt", "hello").status, 200);
  auto mv = c->request("POST", "/api/v1/fs/default/move", R"({"from":"/a/f.txt","to":"/a/b/g.txt"})");
  ASSERT_EQ(mv.status, 200) << mv.body;
  EXPECT_EQ(mv.json()["size"], 5);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/a/f.txt")).status, 404);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/move", R"({"from":"/a","to":"/a/b/inside"})").status, 400);
  ASSERT_EQ(upload(*c, "/a/h.txt", "x").status, 200);
  auto nr = c->request("POST", "/api/v1/fs/default/move", R"({"from":"/a/h.txt","to":"/a/b/g.txt","no_replace":true})");
  EXPECT_EQ(nr.status, 409);

  // rm of a non-empty directory without recursive: 409 and nothing changed.
  auto rm = c->request("DELETE", "/api/v1/fs/default/files?path=" + q("/a"));
  EXPECT_EQ(rm.status, 409);
  EXPECT_EQ(rm.errorCode(), "not_empty");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/a/b/g.txt")).status, 200);
  EXPECT_EQ(c->request("DELETE", "/api/v1/fs/default/files?path=%2F&recursive=true").status, 400);
  EXPECT_EQ(c->request("DELETE", "/api/v1/fs/default/files?path=" + q("/a") + "&recursive=maybe").status, 400);
  auto rmr = c->request("DELETE", "/api/v1/fs/default/files?path=" + q("/a") + "&recursive=true");
  EXPECT_EQ(rmr.status, 200) << rmr.body;
  EXPECT_EQ(rmr.json()["deleted"], true);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/a")).status, 404);
  EXPECT_EQ(c->request("DELETE", "/api/v1/fs/default/files?path=" + q("/a")).status, 404);
}

TEST_F(FsHttpTest, ListPagesAndSingleFile) {
  auto c = admin();
  ASSERT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/d"})").status, 201);
  for (const char* name : {"c", "a", "e", "b", "d"}) {
    ASSERT_EQ(upload(*c, std::string("/d/") + name, name).status, 200);
  }
  std::vector<std::string> names;
  std::string cursor;
  int pages = 0;
  do {
    auto page = c->request("GET", "/api/v1/fs/default/list?path=" + q("/d") + "&limit=2&cursor=" + q(cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    const json body = page.json();
    for (const auto& e : body["entries"]) {
      names.push_back(e["name"]);
      EXPECT_EQ(e["type"], "file");
      EXPECT_EQ(e["size"], 1);
    }
    cursor = body["next_cursor"].get<std::string>();
    ++pages;
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_GE(pages, 3);

  auto one = c->request("GET", "/api/v1/fs/default/list?path=" + q("/d/b"));
  ASSERT_EQ(one.status, 200);
  ASSERT_EQ(one.json()["entries"].size(), 1u);
  EXPECT_EQ(one.json()["entries"][0]["name"], "b");
  EXPECT_EQ(one.json()["next_cursor"], "");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?path=%2F&limit=0").status, 400);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?path=%2F&limit=10001").status, 400);

  auto usage = c->request("GET", "/api/v1/fs/default/usage");
  ASSERT_EQ(usage.status, 200);
  EXPECT_EQ(usage.json()["files"], 5);
  EXPECT_EQ(usage.json()["bytes"], 5);
  auto sub = c->request("GET", "/api/v1/fs/default/usage?path=" + q("/d"));
  ASSERT_EQ(sub.status, 200);
  EXPECT_EQ(sub.json()["files"], 5);
  EXPECT_EQ(sub.json()["bytes"], 5);
  EXPECT_EQ(sub.json()["directories"], 0);
  auto whole = c->request("GET", "/api/v1/fs/default/usage?path=%2F");
  EXPECT_EQ(whole.json(), usage.json());
  EXPECT_EQ(whole.json()["directories"], 1);
}

TEST_F(FsHttpTest, BadPathsAndJsonAre400AndChangeNothing) {
  auto c = admin();
  std::string long_name(256, 'n');
  std::string long_path;
  while (long_path.size() <= 4096) long_path += "/" + std::string(200, 'p');
  struct Case {
    std::string path;
    std::string code;
  };
  std::vector<Case> cases = {{"/a/../b", "invalid_argument"}, {"/a//b", "invalid_argument"},
                             {"/./a", "invalid_argument"},    {"relative", "invalid_argument"},
                             {"/a/..", "invalid_argument"},   {std::string("/a\0b", 4), "invalid_argument"},
                             {"/" + long_name, "name_too_long"}, {long_path, "name_too_long"}};
  for (const auto& tc : cases) {
    auto mk = c->request("POST", "/api/v1/fs/default/mkdir", json{{"path", tc.path}}.dump());
    EXPECT_EQ(mk.status, 400) << tc.path.substr(0, 20);
    EXPECT_EQ(mk.errorCode(), tc.code) << tc.path.substr(0, 20);
    auto st = c->request("GET", "/api/v1/fs/default/stat?path=" + q(tc.path));
    EXPECT_EQ(st.status, 400) << tc.path.substr(0, 20);
  }
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fa%2").status, 400);
  for (const char* body : {"{", "[]", "\"x\"", R"({"path":5})", R"({"path":"/m","parents":"yes"})",
                           R"({"path":"/m","mode":-1})", R"({"path":"/m","mode":99999})", ""}) {
    auto res = c->request("POST", "/api/v1/fs/default/mkdir", body);
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_EQ(res.errorCode(), "invalid_argument") << body;
  }
  auto root = c->request("GET", "/api/v1/fs/default/list?path=%2F");
  EXPECT_TRUE(root.json()["entries"].empty()) << root.body;
}

TEST_F(FsHttpTest, UploadProtocolAndDownload) {
  auto c = admin();
  const std::string data = patternBytes(2 * kChunk + 12345, 7);
  std::vector<std::string> pieces = {data.substr(0, kChunk), data.substr(kChunk, kChunk),
                                     data.substr(2 * kChunk)};
  std::vector<std::string> ids;
  for (const auto& p : pieces) ids.push_back(Sha256::of(p).hex());

  auto begin = c->request("POST", "/api/v1/fs/default/uploads", json{{"chunks", ids}}.dump());
  ASSERT_EQ(begin.status, 200) << begin.body;
  std::string upload_id = begin.json()["upload_id"];
  EXPECT_EQ(begin.json()["missing"].size(), 3u);

  // A body that does not hash to its id is refused and stores nothing.
  auto bad = c->request("PUT", "/api/v1/fs/default/chunks/" + ids[0] + "?upload_id=" + upload_id, pieces[1]);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/chunks/" + ids[0]).status, 404);
  EXPECT_EQ(c->request("PUT", "/api/v1/fs/default/chunks/xyz?upload_id=" + upload_id, "x").status, 400);

  std::vector<json> chunk_refs;
  for (size_t i = 0; i < pieces.size(); ++i) {
    auto put = c->request("PUT", "/api/v1/fs/default/chunks/" + ids[i] + "?upload_id=" + upload_id, pieces[i],
                          {{"Content-Type", "application/octet-stream"}});
    ASSERT_EQ(put.status, 201) << put.body;
    chunk_refs.push_back({{"index", i}, {"id", ids[i]}, {"length", pieces[i].size()}});
  }
  auto again = c->request("POST", "/api/v1/fs/default/uploads",
                          json{{"chunks", ids}, {"upload_id", upload_id}}.dump());
  ASSERT_EQ(again.status, 200);
  EXPECT_TRUE(again.json()["missing"].empty());  // dedup: nothing needs to travel again

  // Bad chunk maps are refused before anything is committed.
  json file = {{"path", "/models/big.bin"}, {"size", data.size()}, {"chunks", chunk_refs}, {"mode", 416}};
  json wrong_size = file;
  wrong_size["size"] = data.size() + 1;
  json gap = file;
  gap["chunks"][1]["index"] = 5;
  for (const auto& f : {wrong_size, gap}) {
    auto res = c->request("POST", "/api/v1/fs/default/uploads/" + upload_id + "/commit",
                          json{{"files", {f}}}.dump());
    EXPECT_EQ(res.status, 400) << res.body;
  }
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=" + q("/models/big.bin")).status, 404);

  auto commit = c->request("POST", "/api/v1/fs/default/uploads/" + upload_id + "/commit",
                           json{{"files", {file}}, {"parents", true}}.dump());
  ASSERT_EQ(commit.status, 200) << commit.body;
  EXPECT_EQ(commit.json()["files"][0]["size"], data.size());
  EXPECT_EQ(commit.json()["files"][0]["mode"], 416);
  EXPECT_EQ(c->request("DELETE", "/api/v1/fs/default/uploads/" + upload_id).status, 200);

  auto full = c->request("GET", "/api/v1/fs/default/content?path=" + q("/models/big.bin"));
  ASSERT_EQ(full.status, 200);
  EXPECT_TRUE(full.body == data);
  EXPECT_EQ(full.header("accept-ranges"), "bytes");
  EXPECT_FALSE(full.header("etag").empty());
  EXPECT_FALSE(full.header("last-modified").empty());

  const std::string target = "/api/v1/fs/default/content?path=" + q("/models/big.bin");
  auto mid = c->request("GET", target, "", {{"Range", "bytes=4194000-4194999"}});  // across chunks
  ASSERT_EQ(mid.status, 206);
  EXPECT_TRUE(mid.body == data.substr(4194000, 1000));
  EXPECT_EQ(mid.header("content-range"), "bytes 4194000-4194999/" + std::to_string(data.size()));
  auto tail = c->request("GET", target, "", {{"Range", "bytes=-100"}});
  ASSERT_EQ(tail.status, 206);
  EXPECT_TRUE(tail.body == data.substr(data.size() - 100));
  auto from = c->request("GET", target, "", {{"Range", "bytes=8388608-"}});
  ASSERT_EQ(from.status, 206);
  EXPECT_TRUE(from.body == data.substr(8388608));
  auto past = c->request("GET", target, "", {{"Range", "bytes=999999999-"}});
  EXPECT_EQ(past.status, 416);
  EXPECT_EQ(past.header("content-range"), "bytes */" + std::to_string(data.size()));
  EXPECT_EQ(c->request("GET", target, "", {{"Range", "bytes=5-1"}}).status, 400);
  EXPECT_EQ(c->request("GET", target, "", {{"Range", "lines=1-2"}}).status, 400);
  auto head = c->request("HEAD", target);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(data.size()));
  EXPECT_TRUE(head.body.empty());

  auto map = c->request("GET", "/api/v1/fs/default/chunkmap?path=" + q("/models/big.bin"));
  ASSERT_EQ(map.status, 200);
  EXPECT_EQ(map.json()["size"], data.size());
  ASSERT_EQ(map.json()["chunks"].size(), 3u);
  EXPECT_EQ(map.json()["chunks"][2]["id"], ids[2]);
  auto chunk = c->request("GET", "/api/v1/fs/default/chunks/" + ids[2]);
  ASSERT_EQ(chunk.status, 200);
  EXPECT_TRUE(chunk.body == pieces[2]);

  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/content?path=%2Fmodels").status, 409);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/chunkmap?path=%2Fmodels").status, 409);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/content?path=%2Fnope").status, 404);
}

TEST_F(FsHttpTest, UploadOntoDirectoryAndMissingChunksChangeNothing) {
  auto c = admin();
  ASSERT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/dir"})").status, 201);
  auto onto = upload(*c, "/dir", "data");
  EXPECT_EQ(onto.status, 409);
  EXPECT_EQ(onto.errorCode(), "is_directory");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fdir").json()["type"], "dir");

  // Two files in one commit, the second onto a directory: the first is not committed either.
  std::string id = Sha256::of("abc").hex();
  auto begin = c->request("POST", "/api/v1/fs/default/uploads", json{{"chunks", {id}}}.dump());
  ASSERT_EQ(begin.status, 200);
  std::string u = begin.json()["upload_id"];
  ASSERT_EQ(c->request("PUT", "/api/v1/fs/default/chunks/" + id + "?upload_id=" + u, "abc").status, 201);
  json chunks = json::array({{{"index", 0}, {"id", id}, {"length", 3}}});
  auto both = c->request("POST", "/api/v1/fs/default/uploads/" + u + "/commit",
                         json{{"files", {{{"path", "/ok.txt"}, {"size", 3}, {"chunks", chunks}},
                                         {{"path", "/dir"}, {"size", 3}, {"chunks", chunks}}}}}.dump());
  EXPECT_EQ(both.status, 409);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fok.txt").status, 404);

  // A chunk the server never received: 400 naming it, nothing visible.
  std::string ghost = Sha256::of("never sent").hex();
  auto missing = c->request("POST", "/api/v1/fs/default/uploads/" + u + "/commit",
                            json{{"files", {{{"path", "/ghost.txt"}, {"size", 10},
                                             {"chunks", {{{"index", 0}, {"id", ghost}, {"length", 10}}}}}}}}.dump());
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find(ghost), std::string::npos) << missing.body;
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fghost.txt").status, 404);
  // ... also when it is the second file of a commit: the first is not committed.
  auto second = c->request("POST", "/api/v1/fs/default/uploads/" + u + "/commit",
                           json{{"files", {{{"path", "/ok.txt"}, {"size", 3}, {"chunks", chunks}},
                                           {{"path", "/ghost.txt"}, {"size", 10},
                                            {"chunks", {{{"index", 0}, {"id", ghost}, {"length", 10}}}}}}}}.dump());
  EXPECT_EQ(second.status, 400) << second.body;
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fok.txt").status, 404);
  auto fine = c->request("POST", "/api/v1/fs/default/uploads/" + u + "/commit",
                         json{{"files", {{{"path", "/ok.txt"}, {"size", 3}, {"chunks", chunks}}}}}.dump());
  EXPECT_EQ(fine.status, 200) << fine.body;
}

TEST_F(FsHttpTest, ReplaceAndEmptyFiles) {
  auto c = admin();
  auto first = upload(*c, "/f", "first version");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(upload(*c, "/f", "second").status, 200);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/content?path=%2Ff").body, "second");
  ASSERT_EQ(upload(*c, "/empty", "").status, 200);
  auto empty = c->request("GET", "/api/v1/fs/default/content?path=%2Fempty");
  EXPECT_EQ(empty.status, 200);
  EXPECT_EQ(empty.body, "");
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/content?path=%2Fempty", "", {{"Range", "bytes=0-"}}).status, 416);
}

TEST_F(FsHttpTest, BatchChunkUpload) {
  auto c = admin();
  std::vector<std::string> small = {"one", "two", patternBytes(70000, 3)};
  std::string body;
  std::vector<std::string> ids;
  for (const auto& s : small) {
    Digest d = Sha256::of(s);
    ids.push_back(d.hex());
    body += std::string(d.raw());
    uint32_t n = static_cast<uint32_t>(s.size());
    body += std::string{static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                        static_cast<char>(n)};
    body += s;
  }
  auto begin = c->request("POST", "/api/v1/fs/default/uploads", json{{"chunks", ids}}.dump());
  std::string u = begin.json()["upload_id"];
  // One corrupted record: the whole batch is refused and nothing is stored.
  std::string corrupt = body;
  corrupt.back() ^= 1;
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/chunks?upload_id=" + u, corrupt).status, 400);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/chunks/" + ids[0]).status, 404);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/chunks?upload_id=" + u, body.substr(0, 40)).status, 400);
  auto ok = c->request("POST", "/api/v1/fs/default/chunks?upload_id=" + u, body);
  ASSERT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(ok.json()["stored"], 3);
  for (size_t i = 0; i < small.size(); ++i) {
    EXPECT_TRUE(c->request("GET", "/api/v1/fs/default/chunks/" + ids[i]).body == small[i]);
  }
}

TEST_F(FsHttpTest, ParallelClientsUploadAndDownload) {
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = admin();
      // Every file shares its first chunk with the others (dedup under concurrency).
      std::string data = patternBytes(kChunk, 99) + patternBytes(kChunk / 2 + t, t);
      std::string path = "/par/f" + std::to_string(t);
      if (upload(*c, path, data).status != 200) return;
      auto back = c->request("GET", "/api/v1/fs/default/content?path=" + q(path));
      if (back.status == 200 && back.body == data) ++good;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads);
  auto usage = admin()->request("GET", "/api/v1/fs/default/usage");
  EXPECT_EQ(usage.json()["files"], kThreads);
}

}  // namespace
}  // namespace strata::server::testing
