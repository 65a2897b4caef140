#include "server/resp/resp_protocol.h"

#include <gtest/gtest.h>

#include "server/resp/glob.h"
#include "server/resp/resp_commands.h"

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

TEST(RequestParser, LengthLinesEdgeCases) {
  // Not a number, a sign alone, digits past 18, a stray byte before CRLF: protocol errors.
  for (const char* wire : {"*x\r\n", "*-\r\n", "*1\r\n$1234567890123456789\r\n", "*1\r\n$3x\r\nabc\r\n",
                           "*+1\r\n$1\r\na\r\n", "*1\r\n$\r\n"}) {
    RequestParser p;
    p.feed(wire);
    EXPECT_FALSE(p.next()) << wire;
    EXPECT_FALSE(p.error().empty()) << wire;
  }
  // A length line cut anywhere (even between CR and LF) waits for more bytes.
  RequestParser p;
  p.feed("*2\r");
  EXPECT_FALSE(p.next());
  EXPECT_TRUE(p.error().empty());
  p.feed("\n$3\r");
  EXPECT_FALSE(p.next());
  EXPECT_TRUE(p.error().empty());
  p.feed("\nGET\r\n$1\r\nk\r\n*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n");
  auto a = p.next();
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (Command{"GET", "k"}));
  auto b = p.next();  // "*0" and "*-1" are skipped, as Redis does
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, (Command{"PING"}));
  // An unterminated length line longer than any real one is an error, not a wait.
  RequestParser q;
  q.feed("*1\r\n$" + std::string(80, '1'));
  EXPECT_FALSE(q.next());
  EXPECT_FALSE(q.error().empty());
}

TEST(ReplyWriter, IntegersAndBulkStrings) {
  std::string out;
  ReplyWriter w(out);
  w.integer(INT64_MIN);
  w.integer(0);
  w.bulk("");
  w.bulk(std::string(300, 'v'));
  EXPECT_EQ(out, ":-9223372036854775808\r\n:0\r\n$0\r\n\r\n$300\r\n" + std::string(300, 'v') + "\r\n");
}

TEST(CommandTable, HotNamesInAnyCaseAndLookalikes) {
  for (const char* name : {"get", "GET", "gEt", "set", "SeT", "incr", "INCR", "iNcR"}) {
    const CommandSpec* spec = findCommand(name);
    ASSERT_NE(spec, nullptr) << name;
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(c | 0x20);
    EXPECT_EQ(spec->name, lower);
  }
  // Bytes that fold onto letters only under `| 0x20` must not match ('G' ^ 0x20 is 'g', but
  // '\x07' | 0x20 is not).
  EXPECT_EQ(findCommand(std::string_view("\x07et", 3)), nullptr);
  EXPECT_EQ(findCommand("ge"), nullptr);
  EXPECT_EQ(findCommand("getx"), nullptr);
  EXPECT_NE(findCommand("MGET"), nullptr);
  EXPECT_NE(findCommand("Ping"), nullptr);
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
