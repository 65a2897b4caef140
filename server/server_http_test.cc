// The HTTP layer and access control of a real server: health, metrics, auth, tokens, unknown
// routes, keep-alive, pipelining, body limits, restart.
#include <sys/stat.h>

#include "server/server_test_env.h"

namespace strata::server::testing {
namespace {

TEST_F(ServerTest, HealthAndMetricsNeedNoToken) {
  auto c = client("");
  auto health = c->request("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.json()["status"], "ok");
  auto metrics = c->request("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.header("content-type").find("version=0.0.4"), std::string::npos);
  EXPECT_NE(metrics.body.find("strata_http_requests_total{route=\"healthz\",status=\"200\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("strata_http_request_seconds_bucket"), std::string::npos);
}

TEST_F(ServerTest, AdminTokenFile) {
  struct stat st {};
  ASSERT_EQ(::stat(server_->adminTokenPath().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(server_->createdAdminToken());
  EXPECT_EQ(admin_token_.rfind("strata_", 0), 0u);
  EXPECT_EQ(admin_token_.size(), 7u + 16 + 1 + 43);
  auto who = admin()->request("GET", "/api/v1/whoami");
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_EQ(who.json()["workspace"], "default");
  EXPECT_EQ(who.json()["admin"], true);

  // A restart keeps the token and does not make a new one.
  restartServer();
  EXPECT_FALSE(server_->createdAdminToken());
  EXPECT_EQ(admin()->request("GET", "/api/v1/whoami").status, 200);
}

TEST_F(ServerTest, MissingWrongAndMalformedTokensAre401) {
  auto none = client("")->request("GET", "/api/v1/fs");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.errorCode(), "unauthenticated");
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");

  std::string forged = admin_token_;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(client(forged)->request("GET", "/api/v1/fs").status, 401);
  EXPECT_EQ(client("strata_nonsense")->request("GET", "/api/v1/fs").status, 401);
  auto basic = client("")->request("GET", "/api/v1/fs", "", {{"Authorization", "Basic Zm9vOmJhcg=="}});
  EXPECT_EQ(basic.status, 401);
}

TEST_F(ServerTest, ReadOnlyTokenCannotChangeAnything) {
  std::string ro = makeToken("reader", /*read_only=*/true);
  auto c = client(ro);
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?path=%2F").status, 200);
  auto mk = c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/x"})");
  EXPECT_EQ(mk.status, 403);
  EXPECT_EQ(mk.errorCode(), "read_only");
  EXPECT_EQ(c->request("DELETE", "/api/v1/fs/default/files?path=%2Fx").status, 403);
  EXPECT_EQ(c->request("POST", "/api/v1/fs/default/uploads", R"({"chunks":[]})").status, 403);
  EXPECT_EQ(admin()->request("GET", "/api/v1/fs/default/stat?path=%2Fx").status, 404);
  // Token administration needs an admin token.
  EXPECT_EQ(c->request("GET", "/api/v1/tokens").status, 403);
  std::string rw = makeToken("writer", false);
  auto w = client(rw);
  EXPECT_EQ(w->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/x"})").status, 201);
  auto tokens = w->request("POST", "/api/v1/tokens", R"({"name":"sneaky","admin":true})");
  EXPECT_EQ(tokens.status, 403);
  EXPECT_EQ(tokens.errorCode(), "permission_denied");
}

TEST_F(ServerTest, TokenListAndRevokeTakesEffectAtOnce) {
  std::string tok = makeToken("ci", false);
  auto c = client(tok);  // one keep-alive connection across the revoke
  EXPECT_EQ(c->request("GET", "/api/v1/whoami").json()["name"], "ci");

  auto list = admin()->request("GET", "/api/v1/tokens");
  ASSERT_EQ(list.status, 200);
  std::string id;
  const nlohmann::json tokens = list.json();
  for (const auto& t : tokens["tokens"]) {
    EXPECT_FALSE(t.contains("token"));
    EXPECT_FALSE(t.contains("hash"));
    if (t["name"] == "ci") id = t["id"].get<std::string>();
  }
  ASSERT_EQ(id.size(), 16u) << list.body;
  EXPECT_EQ(admin()->request("DELETE", "/api/v1/tokens/" + id).status, 200);
  EXPECT_EQ(c->request("GET", "/api/v1/whoami").status, 401);
  EXPECT_EQ(admin()->request("DELETE", "/api/v1/tokens/" + id).status, 404);

  auto bad = admin()->request("POST", "/api/v1/tokens", R"({"name":""})");
  EXPECT_EQ(bad.status, 400);
}

TEST_F(ServerTest, UnknownRouteAndWrongMethodAreJson) {
  auto c = admin();
  auto missing = c->request("GET", "/api/v1/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.errorCode(), "not_found");
  auto wrong = c->request("PUT", "/api/v1/fs/default/stat");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.errorCode(), "method_not_allowed");
  EXPECT_NE(wrong.header("allow").find("GET"), std::string::npos);
}

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto c = admin();
  for (int i = 0; i < 20; ++i) {
    auto res = c->request("POST", "/api/v1/fs/default/mkdir",
                          nlohmann::json{{"path", "/d" + std::to_string(i)}}.dump());
    ASSERT_EQ(res.status, 201) << res.body;
    EXPECT_TRUE(res.keep_alive);
    // Error responses keep the connection too.
    EXPECT_EQ(c->request("GET", "/api/v1/fs/default/stat?path=%2Fnope").status, 404);
  }
  EXPECT_EQ(c->request("GET", "/api/v1/fs/default/list?path=%2F").json()["entries"].size(), 20u);
  // A body on a route that takes none is read past, and the connection stays usable.
  EXPECT_EQ(c->request("GET", "/healthz", std::string(100000, 'x')).status, 200);
  EXPECT_EQ(c->request("GET", "/healthz").status, 200);
}

TEST_F(ServerTest, PipelinedRequestsAnswerInOrder) {
  auto c = admin();
  std::string auth = "Authorization: Bearer " + admin_token_ + "\r\n";
  std::string body = R"({"path":"/p"})";
  c->writeRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "POST /api/v1/fs/default/mkdir HTTP/1.1\r\nHost: x\r\n" + auth +
              "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n\r\n" + body +
              "GET /api/v1/fs/default/stat?path=%2Fp HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n"
              "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(c->readResponse().status, 200);
  EXPECT_EQ(c->readResponse().status, 201);
  auto stat = c->readResponse();
  EXPECT_EQ(stat.status, 200);
  EXPECT_EQ(stat.json()["type"], "dir");
  EXPECT_EQ(c->readResponse().status, 404);
}

TEST_F(ServerTest, OversizedBodiesAre413BeforeBeingRead) {
  auto c = admin();
  // Announce 100 MiB and send none of it: the answer comes at once.
  c->writeRaw("PUT /api/v1/fs/default/chunks/" + std::string(64, 'a') +
              " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin_token_ +
              "\r\nContent-Length: 104857600\r\n\r\n");
  auto res = c->readResponse();
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.errorCode(), "too_large");
  EXPECT_FALSE(res.keep_alive);

  auto json = admin()->request("POST", "/api/v1/fs/default/mkdir", std::string(2 << 20, ' '));
  EXPECT_EQ(json.status, 413);
}

TEST_F(ServerTest, ExpectContinueIsHonoured) {
  auto c = admin();
  std::string body = R"({"path":"/ec"})";
  c->writeRaw("POST /api/v1/fs/default/mkdir HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              admin_token_ + "\r\nExpect: 100-continue\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n");
  auto interim = c->readResponse();
  EXPECT_EQ(interim.status, 100);
  c->writeRaw(body);
  EXPECT_EQ(c->readResponse().status, 201);
}

TEST_F(ServerTest, MalformedRequestGets400AndClose) {
  auto c = admin();
  c->writeRaw("THIS IS NOT HTTP\r\n\r\n");
  auto res = c->readResponse();
  EXPECT_EQ(res.status, 400);
  EXPECT_TRUE(c->closedByServer());
}

TEST_F(ServerTest, StopFinishesAndRestartKeepsData) {
  auto c = admin();
  ASSERT_EQ(c->request("POST", "/api/v1/fs/default/mkdir", R"({"path":"/keep"})").status, 201);
  restartServer();
  EXPECT_TRUE(c->closedByServer());  // the idle keep-alive connection was closed by stop()
  auto after = admin()->request("GET", "/api/v1/fs/default/stat?path=%2Fkeep");
  EXPECT_EQ(after.status, 200) << after.body;
}

}  // namespace
}  // namespace strata::server::testing
