#include "common/sha256.h"

#include <gtest/gtest.h>

namespace strata {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::of("").hex(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::of("abc").hex(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  Sha256 h;
  h.update("a");
  h.update("bc");
  EXPECT_EQ(h.finish(), Sha256::of("abc"));
}

TEST(Digest, HexRoundTripAndErrors) {
  Digest d = Sha256::of("x");
  auto back = Digest::fromHex(d.hex());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, d);
  EXPECT_FALSE(Digest::fromHex("zz").ok());
  EXPECT_EQ(Digest::fromHex(std::string(64, 'g')).status().code(), Code::kInvalidArgument);
}

TEST(Status, TableMapsCodes) {
  EXPECT_EQ(toHttpStatus(Code::kNotFound), 404);
  EXPECT_EQ(toErrno(Code::kNotEmpty), ENOTEMPTY);
  EXPECT_EQ(codeName(Code::kIsDirectory), "is_directory");
  Status s = notFound("no such file: ", "/a");
  EXPECT_EQ(s.toString(), "not_found: no such file: /a");
}

}  // namespace
}  // namespace strata
