// Test fixture: a real Server on 127.0.0.1:0 with a fresh data directory, plus helpers that
// speak the REST API with TestClient. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "server/http/url.h"
#include "server/server.h"
#include "server/test_http_client.h"

namespace strata::server::testing {

constexpr size_t kChunk = 4u << 20;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata-server-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    startServer();
  }

  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(dir_);
  }

  void startServer() {
    ServerOptions options;
    options.data_dir = dir_ + "/data";
    options.listen = "127.0.0.1:0";
    options.gc_interval_seconds = 0;
    options.shutdown_grace_ms = 2000;
    auto server = Server::start(options);
    ASSERT_TRUE(server.ok()) << server.status().toString();
    server_ = std::move(server).value();
    std::ifstream in(server_->adminTokenPath());
    std::getline(in, admin_token_);
    ASSERT_FALSE(admin_token_.empty());
  }

  void restartServer() {
    server_.reset();
    startServer();
  }

  std::unique_ptr<TestClient> client(const std::string& token) {
    auto c = std::make_unique<TestClient>(server_->port());
    c->setToken(token);
    return c;
  }
  std::unique_ptr<TestClient> admin() { return client(admin_token_); }

  static std::string q(const std::string& path) { return http::percentEncode(path, false); }

  // A token made through the API.
  std::string makeToken(const std::string& name, bool read_only, bool is_admin = false) {
    auto res = admin()->request("POST", "/api/v1/tokens",
                                nlohmann::json{{"name", name}, {"read_only", read_only}, {"admin", is_admin}}.dump());
    EXPECT_EQ(res.status, 201) << res.body;
    return res.json().value("token", "");
  }

  // The whole upload protocol for one file; returns the commit response.
  HttpResponse upload(TestClient& c, const std::string& path, const std::string& data,
                      const std::string& fs = "default") {
    std::vector<std::string> ids;
    nlohmann::json chunks = nlohmann::json::array();
    for (size_t off = 0, i = 0; off < data.size(); off += kChunk, ++i) {
      std::string piece = data.substr(off, kChunk);
      ids.push_back(Sha256::of(piece).hex());
      chunks.push_back({{"index", i}, {"id", ids.back()}, {"length", piece.size()}});
    }
    auto begin = c.request("POST", "/api/v1/fs/" + fs + "/uploads", nlohmann::json{{"chunks", ids}}.dump());
    if (begin.status != 200) return begin;
    const nlohmann::json ticket = begin.json();
    std::string upload_id = ticket["upload_id"];
    for (const auto& missing : ticket["missing"]) {
      for (size_t off = 0; off < data.size(); off += kChunk) {
        std::string piece = data.substr(off, kChunk);
        if (Sha256::of(piece).hex() != missing.get<std::string>()) continue;
        auto put = c.request("PUT", "/api/v1/fs/" + fs + "/chunks/" + missing.get<std::string>() +
                                        "?upload_id=" + upload_id,
                             piece, {{"Content-Type", "application/octet-stream"}});
        EXPECT_EQ(put.status, 201) << put.body;
        break;
      }
    }
    nlohmann::json file = {{"path", path}, {"size", data.size()}, {"chunks", chunks}};
    auto commit = c.request("POST", "/api/v1/fs/" + fs + "/uploads/" + upload_id + "/commit",
                            nlohmann::json{{"files", {file}}, {"parents", true}}.dump());
    auto end = c.request("DELETE", "/api/v1/fs/" + fs + "/uploads/" + upload_id);
    EXPECT_EQ(end.status, 200) << end.body;
    return commit;
  }

  std::string dir_;
  std::unique_ptr<Server> server_;
  std::string admin_token_;
};

// Deterministic bytes that differ per seed.
inline std::string patternBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    out[i] = static_cast<char>(x);
  }
  return out;
}

}  // namespace strata::server::testing
