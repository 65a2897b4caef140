#include "server/resp/resp_protocol.h"

#include <gtest/gtest.h>

#include "server/resp/glob.h"

namespace strata::server::resp {
namespace {

TEST(RequestParser, ArraysArriveInPiecesAndPipelined) {
  RequestParser p;
  using namespace std::string_literals;
  const std::string wire = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\0lue\r\n*1\r\n$4\r\nPING\r\n"s;
  // Byte by byte: nothing until the first command is complete.
  std::vector<Command> got;
  for (char c : wire) {
    p.feed(std::string_view(&c, 1));
    while (auto cmd = p.next()) got.push_back(*cmd);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], (Command{"SET", "k", std::string("v\0lue", 5)}));
  EXPECT_EQ(got[1], (Command{"PING"}));
  EXPECT_TRUE(p.error().empty());
}

TEST(RequestParser, InlineCommandsWithQuotes) {
  RequestParser p;
  p.feed("set \"a b\" 'c d'\r\nPING\n");
  auto a = p.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (Command{"set", "a b", "c d"}));
  auto b = p.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (Command{"PING"}));
  p.feed("get \"unclosed\r\n");
  EXPECT_FALSE(p.next());
  EXPECT_FALSE(p.error().empty());
}

TEST(RequestParser, BadLengthsAreProtocolErrors) {
  RequestParser p;
  p.feed("*1\r\n$-5\r\n");
  EXPECT_FALSE(p.next());
  EXPECT_NE(p.error().find("Protocol error"), std::string::npos);
  RequestParser q;
  q.feed("*1\r\n$999999999999\r\n");
  EXPECT_FALSE(q.next());
  EXPECT_FALSE(q.error().empty());
}

TEST(ReplyWriter, Resp2AndResp3Forms) {
  std::string out;
  ReplyWriter w(out);
  w.null();
  w.mapHeader(1);
  w.boolean(true);
  EXPECT_EQ(out, "$-1\r\n*2\r\n:1\r\n");
  out.clear();
  w.setProtocol(3);
  w.null();
  w.mapHeader(1);
  w.boolean(true);
  EXPECT_EQ(out, "_\r\n%1\r\n#t\r\n");
  out.clear();
  w.error("ERR bad\r\nthing");
  EXPECT_EQ(out, "-ERR bad  thing\r\n");
}

TEST(Glob, RedisPatterns) {
  EXPECT_TRUE(globMatch("*", ""));
  EXPECT_TRUE(globMatch("user:*", "user:42"));
  EXPECT_FALSE(globMatch("user:*", "users"));
  EXPECT_TRUE(globMatch("h?llo", "hello"));
  EXPECT_TRUE(globMatch("h[ae]llo", "hallo"));
  EXPECT_FALSE(globMatch("h[^e]llo", "hello"));
  EXPECT_TRUE(globMatch("h[a-c]llo", "hbllo"));
  EXPECT_TRUE(globMatch("a\\*b", "a*b"));
  EXPECT_FALSE(globMatch("a\\*b", "axb"));
  EXPECT_TRUE(globMatch("*a*b*", "xxaxxbxx"));
  EXPECT_EQ(globLiteralPrefix("user:*:name"), "user:");
  EXPECT_EQ(globLiteralPrefix("a\\*b?"), "a*b");
}

}  // namespace
}  // namespace strata::server::resp
