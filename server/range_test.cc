#include "server/http/range.h"

#include <gtest/gtest.h>

namespace strata::server::http {
namespace {

void expectRange(std::string_view header, uint64_t size, uint64_t first, uint64_t length) {
  auto r = parseRange(header, size);
  ASSERT_TRUE(r.ok()) << header << ": " << r.status().toString();
  EXPECT_EQ(r->first, first) << header;
  EXPECT_EQ(r->length, length) << header;
}

void expectCode(std::string_view header, uint64_t size, Code code) {
  auto r = parseRange(header, size);
  ASSERT_FALSE(r.ok()) << header;
  EXPECT_EQ(r.status().code(), code) << header;
}

TEST(RangeTest, FirstLast) {
  expectRange("bytes=0-0", 10, 0, 1);
  expectRange("bytes=2-5", 10, 2, 4);
  expectRange("bytes=2-100", 10, 2, 8);  // clipped to the end
  expectRange("bytes=9-9", 10, 9, 1);
}

TEST(RangeTest, OpenEndedAndSuffix) {
  expectRange("bytes=3-", 10, 3, 7);
  expectRange("bytes=-3", 10, 7, 3);
  expectRange("bytes=-100", 10, 0, 10);
  expectRange(" bytes=1-2 ", 10, 1, 2);
}

TEST(RangeTest, Unsatisfiable) {
  expectCode("bytes=10-", 10, Code::kRangeNotSatisfiable);
  expectCode("bytes=10-20", 10, Code::kRangeNotSatisfiable);
  expectCode("bytes=-0", 10, Code::kRangeNotSatisfiable);
  expectCode("bytes=0-", 0, Code::kRangeNotSatisfiable);
  expectCode("bytes=-5", 0, Code::kRangeNotSatisfiable);
}

TEST(RangeTest, Malformed) {
  for (const char* h : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-2", "items=0-1",
                        "bytes=0-1,3-4", "bytes=1", "bytes=--1", "bytes=+1-2",
                        "bytes=99999999999999999999-"}) {
    expectCode(h, 10, Code::kInvalidArgument);
  }
}

TEST(RangeTest, ContentRange) {
  EXPECT_EQ(contentRange(ByteRange{2, 4}, 10), "bytes 2-5/10");
}

}  // namespace
}  // namespace strata::server::http
