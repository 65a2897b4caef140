#include "cli/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

namespace strata::cli {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata-config-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    vars_["HOME"] = dir_;
  }
  void TearDown() override { std::system(("rm -rf '" + dir_ + "'").c_str()); }
  EnvLookup env() {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = vars_.find(name);
      return it == vars_.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
  }
  std::string dir_;
  std::map<std::string, std::string> vars_;
};

TEST_F(ConfigTest, DefaultsWithoutFileOrEnv) {
  auto c = resolveConfig(env());
  ASSERT_TRUE(c.ok()) << c.status().toString();
  EXPECT_EQ(c->url, "http://127.0.0.1:7070");
  EXPECT_TRUE(c->token.empty());
}

TEST_F(ConfigTest, WritesPrivateFileAndReadsItBack) {
  auto path = configPath(env());
  ASSERT_TRUE(path.ok());
  EXPECT_EQ(*path, dir_ + "/.config/strata/config.json");
  ASSERT_TRUE(writeConfigFile(*path, Config{"http://h:1", "strata_a_b"}).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path->c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto c = resolveConfig(env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://h:1");
  EXPECT_EQ(c->token, "strata_a_b");
  // Overwriting keeps the mode and replaces the content.
  ASSERT_TRUE(writeConfigFile(*path, Config{"http://h:2", "t2"}).ok());
  EXPECT_EQ(resolveConfig(env())->url, "http://h:2");
}

TEST_F(ConfigTest, EnvironmentOverridesFile) {
  ASSERT_TRUE(writeConfigFile(*configPath(env()), Config{"http://file:1", "file-token"}).ok());
  vars_["STRATA_URL"] = "http://env:2/";
  vars_["STRATA_TOKEN"] = "env-token";
  auto c = resolveConfig(env());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->url, "http://env:2");
  EXPECT_EQ(c->token, "env-token");
}

TEST_F(ConfigTest, XdgConfigHomeWins) {
  vars_["XDG_CONFIG_HOME"] = dir_ + "/xdg";
  EXPECT_EQ(*configPath(env()), dir_ + "/xdg/strata/config.json");
}

TEST_F(ConfigTest, BadFileAndBadUrlAreClearErrors) {
  const std::string path = *configPath(env());
  ASSERT_TRUE(writeConfigFile(path, Config{"http://x", "t"}).ok());
  std::ofstream(path) << "{not json";
  auto c = resolveConfig(env());
  EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
  EXPECT_NE(c.status().message().find(path), std::string::npos);

  EXPECT_FALSE(normalizeServerUrl("127.0.0.1:7070").ok());
  EXPECT_FALSE(normalizeServerUrl("http://").ok());
  EXPECT_EQ(*normalizeServerUrl("https://s.example/"), "https://s.example");
}

}  // namespace
}  // namespace strata::cli
