#include "client/errors.h"

#include <gtest/gtest.h>

namespace strata::client {
namespace {

TEST(ErrorsTest, CodeFromNameRoundTripsEveryCode) {
  for (int i = 1; i <= static_cast<int>(Code::kTimedOut); ++i) {
    const auto code = static_cast<Code>(i);
    EXPECT_EQ(codeFromName(codeName(code)), code) << codeName(code);
  }
  EXPECT_EQ(codeFromName("no_such_code"), Code::kInternal);
}

TEST(ErrorsTest, JsonBodyGivesServerCodeAndMessage) {
  Status st = statusFromResponse(404, R"({"error":{"code":"not_found","message":"no such file or directory: /a"}})");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "no such file or directory: /a");

  st = statusFromResponse(409, R"({"error":{"code":"not_empty","message":"directory not empty: /d"}})");
  EXPECT_EQ(st.code(), Code::kNotEmpty);
  st = statusFromResponse(403, R"({"error":{"code":"read_only","message":"token is read-only"}})");
  EXPECT_EQ(st.code(), Code::kReadOnly);
  st = statusFromResponse(400, R"({"error":{"code":"name_too_long","message":"x"}})");
  EXPECT_EQ(st.code(), Code::kNameTooLong);
}

TEST(ErrorsTest, UnknownCodeNameKeepsHttpMeaning) {
  Status st = statusFromResponse(404, R"({"error":{"code":"brand_new","message":"m"}})");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "m");
}

TEST(ErrorsTest, MissingMessageFallsBackToCodeName) {
  Status st = statusFromResponse(409, R"({"error":{"code":"already_exists"}})");
  EXPECT_EQ(st.code(), Code::kAlreadyExists);
  EXPECT_EQ(st.message(), "already_exists");
}

TEST(ErrorsTest, NonJsonBodiesMapByStatus) {
  EXPECT_EQ(statusFromResponse(401, "").code(), Code::kUnauthenticated);
  EXPECT_EQ(statusFromResponse(403, "").code(), Code::kPermissionDenied);
  EXPECT_EQ(statusFromResponse(416, "").code(), Code::kRangeNotSatisfiable);
  EXPECT_EQ(statusFromResponse(502, "Bad Gateway").code(), Code::kUnavailable);
  EXPECT_EQ(statusFromResponse(500, "<html>").code(), Code::kInternal);
  EXPECT_EQ(statusFromResponse(418, "").code(), Code::kInvalidArgument);
  Status st = statusFromResponse(502, "Bad Gateway\n");
  EXPECT_EQ(st.message(), "HTTP 502: Bad Gateway");
}

TEST(ErrorsTest, OkCodeInErrorBodyIsNeverSuccess) {
  Status st = statusFromResponse(500, R"({"error":{"code":"ok","message":"weird"}})");
  EXPECT_FALSE(st.ok());
}

}  // namespace
}  // namespace strata::client
