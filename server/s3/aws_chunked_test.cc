// aws-chunked decoding against the example in the S3 API reference ("Signature calculation:
// transferring payload in multiple chunks"): 65536 + 1024 bytes of 'a' in two signed chunks.
#include "server/s3/aws_chunked.h"

#include <gtest/gtest.h>

#include "object/errors.h"

namespace strata::server::s3 {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
constexpr std::string_view kSig1 = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
constexpr std::string_view kSig2 = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
constexpr std::string_view kSig3 = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

ChunkSigning exampleSigning() {
  CredentialScope scope{"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"};
  return ChunkSigning{signingKey(kSecret, scope), "20130524T000000Z", scope, std::string(kSeed)};
}

std::string exampleBody(std::string_view sig1 = kSig1) {
  std::string body = "10000;chunk-signature=" + std::string(sig1) + "\r\n";
  body += std::string(65536, 'a') + "\r\n";
  body += "400;chunk-signature=" + std::string(kSig2) + "\r\n";
  body += std::string(1024, 'a') + "\r\n";
  body += "0;chunk-signature=" + std::string(kSig3) + "\r\n\r\n";
  return body;
}

// Feeds `encoded` in pieces of `piece` bytes and decodes it all.
Result<std::string> decodeAll(const std::string& encoded, std::optional<ChunkSigning> signing,
                              bool trailer, size_t piece = 1000) {
  size_t pos = 0;
  AwsChunkedDecoder d(
      [&](char* dst, size_t size) -> Result<size_t> {
        size_t n = std::min({size, piece, encoded.size() - pos});
        std::copy_n(encoded.data() + pos, n, dst);
        pos += n;
        return n;
      },
      std::move(signing), trailer);
  std::string out;
  char buf[4096];
  for (;;) {
    ASSIGN_OR_RETURN(size_t n, d.read(buf, sizeof(buf)));
    if (n == 0) return out;
    out.append(buf, n);
  }
}

TEST(AwsChunked, DecodesAndVerifiesTheAwsExample) {
  std::string body = exampleBody();
  EXPECT_EQ(body.size(), 66824u);  // the example's Content-Length
  for (size_t piece : {1ul, 7ul, 1000ul, 100000ul}) {
    auto out = decodeAll(body, exampleSigning(), false, piece);
    ASSERT_TRUE(out.ok()) << out.status().toString();
    EXPECT_EQ(*out, std::string(66560, 'a'));
  }
}

TEST(AwsChunked, RejectsATamperedChunkOrSignature) {
  auto out = decodeAll(exampleBody(kSig2), exampleSigning(), false);
  EXPECT_EQ(object::s3CodeOf(out.status()), "SignatureDoesNotMatch");
  std::string body = exampleBody();
  body[200] = 'b';
  out = decodeAll(body, exampleSigning(), false);
  EXPECT_EQ(object::s3CodeOf(out.status()), "SignatureDoesNotMatch");
}

TEST(AwsChunked, RejectsBrokenFraming) {
  std::string body = exampleBody();
  EXPECT_FALSE(decodeAll(body.substr(0, 60000), exampleSigning(), false).ok());
  EXPECT_FALSE(decodeAll("zz;chunk-signature=" + std::string(kSig1) + "\r\n", exampleSigning(), false).ok());
  EXPECT_FALSE(decodeAll("5\r\nhelloXX0\r\n\r\n", std::nullopt, true).ok());
}

TEST(AwsChunked, UnsignedWithTrailer) {
  auto out = decodeAll("5\r\nhello\r\n3\r\n!!!\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
                       std::nullopt, true, 3);
  ASSERT_TRUE(out.ok()) << out.status().toString();
  EXPECT_EQ(*out, "hello!!!");
}

}  // namespace
}  // namespace strata::server::s3
