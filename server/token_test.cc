#include <gtest/gtest.h>

#include <filesystem>

#include "db/rocksdb_engine.h"
#include "server/auth/token.h"
#include "server/auth/token_store.h"

namespace strata::server::auth {
namespace {

TEST(TokenTextTest, FormatAndParse) {
  TokenText t = generateToken();
  EXPECT_EQ(t.id.size(), kTokenIdChars);
  EXPECT_EQ(t.secret.size(), kTokenSecretChars);
  std::string text = formatToken(t);
  EXPECT_EQ(text.rfind("strata_", 0), 0u);
  auto parsed = parseToken(text);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->id, t.id);
  EXPECT_EQ(parsed->secret, t.secret);
}

TEST(TokenTextTest, RejectsMalformed) {
  std::string good = formatToken(generateToken());
  std::vector<std::string> bad = {"", "strata_", good + "x", good.substr(1), "Strata" + good.substr(6),
                                  good.substr(0, 7) + "ABCDEF0123456789" + good.substr(23)};
  std::string wrong_sep = good;
  wrong_sep[23] = '-';
  bad.push_back(wrong_sep);
  std::string bad_char = good;
  bad_char.back() = '=';
  bad.push_back(bad_char);
  for (const auto& text : bad) {
    auto r = parseToken(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), Code::kUnauthenticated);
    }
  }
}

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strata-token-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto engine = db::openRocksDbEngine(dir_.string());
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(engine).value();
    store_ = std::make_unique<TokenStore>(*engine_);
  }
  void TearDown() override {
    store_.reset();
    engine_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<TokenStore> store_;
};

TEST_F(TokenStoreTest, CreateAuthenticateRevoke) {
  auto made = store_->create("default", "ci", /*read_only=*/true, /*admin=*/false);
  ASSERT_TRUE(made.ok()) << made.status().toString();
  auto who = store_->authenticate(made->token);
  ASSERT_TRUE(who.ok()) << who.status().toString();
  EXPECT_EQ(who->workspace, "default");
  EXPECT_EQ(who->name, "ci");
  EXPECT_TRUE(who->read_only);
  EXPECT_FALSE(who->admin);

  auto header = store_->authenticateHeader("Bearer " + made->token);
  EXPECT_TRUE(header.ok());
  EXPECT_EQ(store_->authenticateHeader(std::nullopt).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(store_->authenticateHeader("Basic abc").status().code(), Code::kUnauthenticated);

  auto list = store_->list("default");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, made->info.id);
  EXPECT_TRUE(store_->list("other")->empty());

  // Another workspace cannot revoke it; its own can, and it stops working at once.
  EXPECT_EQ(store_->revoke("other", made->info.id).code(), Code::kNotFound);
  ASSERT_TRUE(store_->revoke("default", made->info.id).ok());
  EXPECT_EQ(store_->authenticate(made->token).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(store_->revoke("default", made->info.id).code(), Code::kNotFound);
}

TEST_F(TokenStoreTest, WrongSecretIsRejected) {
  auto made = store_->create("default", "ci", false, false);
  ASSERT_TRUE(made.ok());
  auto text = parseToken(made->token);
  TokenText forged{text->id, generateToken().secret};
  EXPECT_EQ(store_->authenticate(formatToken(forged)).status().code(), Code::kUnauthenticated);
}

TEST_F(TokenStoreTest, OnlyTheHashIsStored) {
  auto made = store_->create("default", "ci", false, false);
  ASSERT_TRUE(made.ok());
  std::string secret = parseToken(made->token)->secret;
  auto all = engine_->scan("", "", db::ScanOptions{.limit = 100});
  ASSERT_TRUE(all.ok());
  for (const auto& kv : *all) EXPECT_EQ(kv.value.find(secret), std::string::npos) << kv.key;
}

TEST_F(TokenStoreTest, BootstrapOnce) {
  EXPECT_FALSE(*store_->bootstrapped("default"));
  auto first = TokenStore::mint("default", "admin", false, true);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(store_->insertBootstrapAdmin(*first).ok());
  EXPECT_TRUE(*store_->bootstrapped("default"));
  auto second = TokenStore::mint("default", "admin", false, true);
  EXPECT_EQ(store_->insertBootstrapAdmin(*second).code(), Code::kAlreadyExists);
  EXPECT_FALSE(store_->authenticate(second->token).ok());
  EXPECT_TRUE(store_->authenticate(first->token)->admin);
}

TEST_F(TokenStoreTest, BadNames) {
  EXPECT_EQ(store_->create("default", "", false, false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->create("default", std::string(129, 'a'), false, false).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(store_->create("default", "a\nb", false, false).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(store_->create("default", "x", true, true).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace strata::server::auth
