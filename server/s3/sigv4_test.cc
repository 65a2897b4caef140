// SigV4 against the examples AWS publishes (the SigV4 test suite and the S3 API reference).
#include "server/s3/sigv4.h"

#include <gtest/gtest.h>

#include <map>

#include "server/http/url.h"

namespace strata::server::s3 {
namespace {

using HeaderMap = std::map<std::string, std::string>;

HeaderLookup lookupIn(const HeaderMap& headers) {
  return [&headers](std::string_view name) -> std::optional<std::string_view> {
    auto it = headers.find(std::string(name));
    if (it == headers.end()) return std::nullopt;
    return std::string_view(it->second);
  };
}

std::string sign(std::string_view secret, const CredentialScope& scope, std::string_view date,
                 std::string_view canonical) {
  return signatureOf(signingKey(secret, scope), stringToSign(date, scope, canonical));
}

constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

TEST(SigV4, GetVanillaFromTheTestSuite) {
  HeaderMap h = {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
  auto canonical =
      canonicalRequest("GET", "/", "", false, {"host", "x-amz-date"}, lookupIn(h), kEmptySha256);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(*canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CredentialScope scope{"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
  EXPECT_EQ(stringToSign("20150830T123600Z", scope, *canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(sign(kSuiteSecret, scope, "20150830T123600Z", *canonical),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4, QueryOrderFromTheTestSuite) {
  HeaderMap h = {{"host", "example.amazonaws.com"}, {"x-amz-date", "20150830T123600Z"}};
  auto canonical = canonicalRequest("GET", "/", "Param2=value2&Param1=value1", false,
                                    {"host", "x-amz-date"}, lookupIn(h), kEmptySha256);
  ASSERT_TRUE(canonical.ok());
  CredentialScope scope{"AKIDEXAMPLE", "20150830", "us-east-1", "service"};
  EXPECT_EQ(sign(kSuiteSecret, scope, "20150830T123600Z", *canonical),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4, S3GetObjectExample) {
  HeaderMap h = {{"host", "examplebucket.s3.amazonaws.com"},
                 {"range", "bytes=0-9"},
                 {"x-amz-content-sha256", std::string(kEmptySha256)},
                 {"x-amz-date", "20130524T000000Z"}};
  auto canonical =
      canonicalRequest("GET", "/test.txt", "", false,
                       {"host", "range", "x-amz-content-sha256", "x-amz-date"}, lookupIn(h),
                       kEmptySha256);
  ASSERT_TRUE(canonical.ok());
  CredentialScope scope{"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"};
  EXPECT_EQ(sign(kS3Secret, scope, "20130524T000000Z", *canonical),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4, S3PutObjectExampleWithEncodedPath) {
  HeaderMap h = {{"date", "Fri, 24 May 2013 00:00:00 GMT"},
                 {"host", "examplebucket.s3.amazonaws.com"},
                 {"x-amz-content-sha256",
                  "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"},
                 {"x-amz-date", "20130524T000000Z"},
                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  EXPECT_EQ(sha256Hex("Welcome to Amazon S3."), h["x-amz-content-sha256"]);
  // The client may send '$' raw or encoded; both canonicalize to %24.
  for (const char* path : {"/test%24file.text", "/test$file.text"}) {
    auto canonical = canonicalRequest(
        "PUT", path, "", false,
        {"date", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-storage-class"},
        lookupIn(h), h["x-amz-content-sha256"]);
    ASSERT_TRUE(canonical.ok());
    CredentialScope scope{"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3"};
    EXPECT_EQ(sign(kS3Secret, scope, "20130524T000000Z", *canonical),
              "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  }
}

TEST(SigV4, S3PresignedUrlExample) {
  const std::string query =
      "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
      "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
      "X-Amz-SignedHeaders=host&X-Amz-Signature="
      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
  auto decoded = http::parseQuery(query);
  ASSERT_TRUE(decoded.ok());
  auto claim = parsePresignedQuery(*decoded);
  ASSERT_TRUE(claim.ok()) << claim.status().toString();
  EXPECT_EQ(claim->expires_seconds, 86400);
  EXPECT_EQ(claim->credential.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  HeaderMap h = {{"host", "examplebucket.s3.amazonaws.com"}};
  auto canonical = canonicalRequest("GET", "/test.txt", query, true, claim->signed_headers,
                                    lookupIn(h), kUnsignedPayload);
  ASSERT_TRUE(canonical.ok());
  EXPECT_EQ(sign(kS3Secret, claim->credential, claim->amz_date, *canonical), claim->signature);
}

TEST(SigV4, ParsesAndRejectsAuthorizationHeaders) {
  auto claim = parseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, "
      "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  ASSERT_TRUE(claim.ok()) << claim.status().toString();
  EXPECT_EQ(claim->credential.region, "us-east-1");
  EXPECT_EQ(claim->signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
  for (const char* bad :
       {"AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00",
        "AWS AKID:sig",
        "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/s3/aws4_request, SignedHeaders=, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"}) {
    EXPECT_FALSE(parseAuthorizationHeader(bad).ok()) << bad;
  }
}

TEST(SigV4, PresignedExpiryBounds) {
  std::map<std::string, std::string, std::less<>> q = {
      {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
      {"X-Amz-Credential", "AKID/20130524/us-east-1/s3/aws4_request"},
      {"X-Amz-Date", "20130524T000000Z"},
      {"X-Amz-SignedHeaders", "host"},
      {"X-Amz-Signature", std::string(64, 'a')}};
  for (const char* bad : {"0", "604801", "-1", "abc", ""}) {
    q["X-Amz-Expires"] = bad;
    EXPECT_FALSE(parsePresignedQuery(q).ok()) << bad;
  }
  for (const char* good : {"1", "900", "604800"}) {
    q["X-Amz-Expires"] = good;
    EXPECT_TRUE(parsePresignedQuery(q).ok()) << good;
  }
}

TEST(SigV4, AmzDates) {
  auto t = parseAmzDate("20150830T123600Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1440938160);
  EXPECT_EQ(formatAmzDate(1440938160), "20150830T123600Z");
  EXPECT_FALSE(parseAmzDate("2015-08-30T12:36:00Z").ok());
  EXPECT_FALSE(parseAmzDate("20151330T123600Z").ok());
}

TEST(SigV4, CanonicalHeaderValuesAreTrimmedAndCollapsed) {
  EXPECT_EQ(canonicalHeaderValue("  a   b  c "), "a b c");
}

}  // namespace
}  // namespace strata::server::s3
