// The S3 endpoint in process: real server on 127.0.0.1, signed requests over real sockets.
#include <gtest/gtest.h>

#include "object/md5.h"
#include "object/records.h"
#include "common/base64.h"
#include <sys/stat.h>
#include "server/s3/request.h"
#include "server/s3/s3_test_env.h"

namespace strata::server::s3 {
namespace {

TEST_F(S3Test, SignedPutGetHeadDelete) {
  auto put = s3("PUT", "/private/dir/a.txt", "hello world",
                {{"content-type", "text/plain"}, {"x-amz-meta-color", "blue"}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.header("etag"), "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
  auto get = s3("GET", "/private/dir/a.txt");
  ASSERT_EQ(get.status, 200) << get.body;
  EXPECT_EQ(get.body, "hello world");
  EXPECT_EQ(get.header("content-type"), "text/plain");
  EXPECT_EQ(get.header("x-amz-meta-color"), "blue");
  EXPECT_FALSE(get.header("last-modified").empty());
  auto head = s3("HEAD", "/private/dir/a.txt");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), "11");
  EXPECT_EQ(s3("DELETE", "/private/dir/a.txt").status, 204);
  auto gone = s3("GET", "/private/dir/a.txt");
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(s3Code(gone), "NoSuchKey");
  EXPECT_EQ(s3Code(s3("GET", "/nobucket/x")), "NoSuchBucket");
}

TEST_F(S3Test, RangesAndConditions) {
  ASSERT_EQ(s3("PUT", "/private/r", "0123456789").status, 200);
  auto r = s3("GET", "/private/r", "", {{"range", "bytes=2-5"}});
  EXPECT_EQ(r.status, 206);
  EXPECT_EQ(r.body, "2345");
  EXPECT_EQ(r.header("content-range"), "bytes 2-5/10");
  EXPECT_EQ(s3("GET", "/private/r", "", {{"range", "bytes=-3"}}).body, "789");
  auto bad = s3("GET", "/private/r", "", {{"range", "bytes=10-20"}});
  EXPECT_EQ(bad.status, 416);
  EXPECT_EQ(s3Code(bad), "InvalidRange");
  const std::string etag = s3("HEAD", "/private/r").header("etag");
  EXPECT_EQ(s3("GET", "/private/r", "", {{"if-none-match", etag}}).status, 304);
  EXPECT_EQ(s3("GET", "/private/r", "", {{"if-match", "\"nope\""}}).status, 412);
  EXPECT_EQ(s3("GET", "/private/r", "", {{"if-match", etag}}).status, 200);
  EXPECT_EQ(s3("GET", "/private/r", "",
                {{"if-modified-since", httpDate(nowUnix() + 3600)}}).status, 304);
  EXPECT_EQ(s3("GET", "/private/r", "",
                {{"if-unmodified-since", "Sat, 01 Jan 2000 00:00:00 GMT"}}).status, 412);
}

TEST_F(S3Test, AuthFailuresChangeNothing) {
  ASSERT_EQ(s3("PUT", "/private/k", "old").status, 200);
  // A body that does not match x-amz-content-sha256.
  auto h = signedHeaders("PUT", "/private/k", "new", {});
  testing::TestClient c1(server_->port());
  auto mismatch = c1.request("PUT", "/private/k", "NEW", h);
  EXPECT_EQ(mismatch.status, 400);
  EXPECT_EQ(s3Code(mismatch), "XAmzContentSHA256Mismatch");
  // A tampered signature.
  h = signedHeaders("PUT", "/private/k", "new", {});
  h["authorization"].back() = h["authorization"].back() == '0' ? '1' : '0';
  testing::TestClient c2(server_->port());
  auto tampered = c2.request("PUT", "/private/k", "new", h);
  EXPECT_EQ(tampered.status, 403);
  EXPECT_EQ(s3Code(tampered), "SignatureDoesNotMatch");
  // A request signed an hour ago.
  h = signedHeaders("PUT", "/private/k", "new", {}, nowUnix() - 3600);
  testing::TestClient c3(server_->port());
  auto skewed = c3.request("PUT", "/private/k", "new", h);
  EXPECT_EQ(skewed.status, 403);
  EXPECT_EQ(s3Code(skewed), "RequestTimeTooSkewed");
  // An unknown access key.
  h = signedHeaders("GET", "/private/k", "", {});
  auto pos = h["authorization"].find(cred_.info.access_key_id);
  h["authorization"].replace(pos, cred_.info.access_key_id.size(), "SKUNKNOWNUNKNOWN0000");
  testing::TestClient c4(server_->port());
  EXPECT_EQ(s3Code(c4.request("GET", "/private/k", "", h)), "InvalidAccessKeyId");
  EXPECT_EQ(s3("GET", "/private/k").body, "old");
  // A revoked credential is refused at once.
  ASSERT_TRUE(creds_->revoke("default", cred_.info.access_key_id).ok());
  EXPECT_EQ(s3Code(s3("GET", "/private/k")), "InvalidAccessKeyId");
}

TEST_F(S3Test, AnonymousReadsOnlyPublicBuckets) {
  ASSERT_EQ(s3("PUT", "/public/p.txt", "pub").status, 200);
  ASSERT_EQ(s3("PUT", "/private/s.txt", "secret").status, 200);
  EXPECT_EQ(anon("GET", "/public/p.txt").body, "pub");
  EXPECT_EQ(anon("HEAD", "/public/p.txt").status, 200);
  EXPECT_EQ(anon("GET", "/public?list-type=2").status, 200);
  EXPECT_EQ(s3Code(anon("GET", "/private/s.txt")), "AccessDenied");
  EXPECT_EQ(s3Code(anon("GET", "/private/missing")), "AccessDenied");  // no existence oracle
  EXPECT_EQ(s3Code(anon("GET", "/private?list-type=2")), "AccessDenied");
  EXPECT_EQ(s3Code(anon("PUT", "/public/x", "x")), "AccessDenied");
  EXPECT_EQ(s3Code(anon("DELETE", "/public/p.txt")), "AccessDenied");
  EXPECT_EQ(s3Code(anon("GET", "/")), "AccessDenied");
  // A public-read object in a private bucket is readable; flipping the bucket works too.
  ASSERT_EQ(s3("PUT", "/private/s.txt?acl", "", {{"x-amz-acl", "public-read"}}).status, 200);
  EXPECT_EQ(anon("GET", "/private/s.txt").body, "secret");
  ASSERT_EQ(s3("PUT", "/public?acl", "", {{"x-amz-acl", "private"}}).status, 200);
  EXPECT_EQ(s3Code(anon("GET", "/public/p.txt")), "AccessDenied");
  auto acl = s3("GET", "/public?acl");
  EXPECT_EQ(acl.body.find("AllUsers"), std::string::npos);
}

TEST_F(S3Test, PresignedUrls) {
  ASSERT_EQ(s3("PUT", "/private/doc", "signed bytes").status, 200);
  auto ok = anon("GET", presign("/private/doc", 900), "", {{"host", host_}});
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.body, "signed bytes");
  auto expired = anon("GET", presign("/private/doc", 60, nowUnix() - 120), "", {{"host", host_}});
  EXPECT_EQ(expired.status, 403);
  EXPECT_EQ(s3Code(expired), "AccessDenied");
  std::string url = presign("/private/doc", 900);
  url.back() = url.back() == 'a' ? 'b' : 'a';
  EXPECT_EQ(s3Code(anon("GET", url, "", {{"host", host_}})), "SignatureDoesNotMatch");
  std::string other = presign("/private/doc", 900);
  other.replace(other.find("/private/doc"), 12, "/private/dox");
  EXPECT_EQ(s3Code(anon("GET", other, "", {{"host", host_}})), "SignatureDoesNotMatch");
  EXPECT_EQ(s3Code(anon("GET", presign("/private/doc", 604801), "", {{"host", host_}})),
            "AuthorizationQueryParametersError");
}

TEST_F(S3Test, VirtualHostAddressing) {
  ASSERT_EQ(s3("PUT", "/key/with/slash", "vh", {{"host", "private.s3.localhost"}}).status, 200);
  EXPECT_EQ(s3("GET", "/private/key/with/slash").body, "vh");
}

TEST_F(S3Test, SignedAwsChunkedUpload) {
  const std::string data = object::testBytes(200000, 7);
  std::map<std::string, std::string> extra = {
      {"x-amz-content-sha256", std::string(kStreamingPayload)},
      {"content-encoding", "aws-chunked"},
      {"x-amz-decoded-content-length", std::to_string(data.size())}};
  auto h = signedHeaders("PUT", "/private/chunked", "", extra);
  std::string prev = last_signature_;
  std::string body;
  auto addChunk = [&](std::string_view bytes) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + last_date_ + "\n" + last_scope_.scope() +
                      "\n" + prev + "\n" + std::string(kEmptySha256) + "\n" + sha256Hex(bytes);
    prev = signatureOf(last_signing_key_, sts);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx", bytes.size());
    body += std::string(size) + ";chunk-signature=" + prev + "\r\n";
    body.append(bytes);
    body += "\r\n";
  };
  addChunk(std::string_view(data).substr(0, 65536));
  addChunk(std::string_view(data).substr(65536, 65536));
  addChunk(std::string_view(data).substr(131072));
  addChunk("");
  testing::TestClient c(server_->port());
  auto put = c.request("PUT", "/private/chunked", body, h);
  ASSERT_EQ(put.status, 200) << put.body;
  auto get = s3("GET", "/private/chunked");
  EXPECT_EQ(get.body, data);
  EXPECT_EQ(get.header("content-encoding"), "");
  // The same body with one flipped byte in a chunk is refused and changes nothing.
  h = signedHeaders("PUT", "/private/chunked", "", extra);
  prev = last_signature_;
  body.clear();
  std::string evil = data;
  evil[65540] ^= 1;
  addChunk(std::string_view(data).substr(0, 65536));
  addChunk(std::string_view(data).substr(65536, 65536));
  body.replace(body.find(data.substr(65536, 100)), 100, evil.substr(65536, 100));
  addChunk(std::string_view(data).substr(131072));
  addChunk("");
  testing::TestClient c2(server_->port());
  auto bad = c2.request("PUT", "/private/chunked", body, h);
  EXPECT_EQ(s3Code(bad), "SignatureDoesNotMatch") << bad.status << bad.body;
  EXPECT_EQ(s3("GET", "/private/chunked").body, data);
}

TEST_F(S3Test, ListObjectsV2AndV1) {
  for (const char* k : {"a", "b/1", "b/2", "c"}) ASSERT_EQ(s3("PUT", std::string("/private/") + k, k).status, 200);
  auto r = s3("GET", "/private?list-type=2&delimiter=%2F&max-keys=2");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<Key>a</Key>"), std::string::npos);
  EXPECT_NE(r.body.find("<CommonPrefixes><Prefix>b/</Prefix></CommonPrefixes>"), std::string::npos);
  EXPECT_NE(r.body.find("<IsTruncated>true</IsTruncated>"), std::string::npos);
  size_t a = r.body.find("<NextContinuationToken>") + 23;
  std::string token = r.body.substr(a, r.body.find("</NextContinuationToken>") - a);
  auto r2 = s3("GET", "/private?list-type=2&delimiter=%2F&continuation-token=" +
                          awsUriEncode(token, false));
  EXPECT_NE(r2.body.find("<Key>c</Key>"), std::string::npos);
  EXPECT_EQ(r2.body.find("<Key>a</Key>"), std::string::npos);
  auto v1 = s3("GET", "/private?prefix=b%2F&marker=b%2F1");
  EXPECT_NE(v1.body.find("<Key>b/2</Key>"), std::string::npos);
  EXPECT_EQ(v1.body.find("<Key>b/1</Key>"), std::string::npos);
  EXPECT_EQ(s3Code(s3("GET", "/private?list-type=2&max-keys=x")), "InvalidArgument");
}

TEST_F(S3Test, BucketsAndDeleteObjectsAndCopy) {
  EXPECT_EQ(s3("PUT", "/new-bucket").status, 200);
  EXPECT_EQ(s3Code(s3("PUT", "/new-bucket")), "BucketAlreadyOwnedByYou");
  EXPECT_EQ(s3Code(s3("PUT", "/Bad_Name")), "InvalidBucketName");
  auto list = s3("GET", "/");
  EXPECT_NE(list.body.find("<Name>new-bucket</Name>"), std::string::npos);
  EXPECT_EQ(s3("HEAD", "/new-bucket").status, 200);
  EXPECT_EQ(s3("HEAD", "/no-bucket").status, 404);
  EXPECT_NE(s3("GET", "/new-bucket?location").body.find("LocationConstraint"), std::string::npos);
  ASSERT_EQ(s3("PUT", "/new-bucket/x", "1").status, 200);
  ASSERT_EQ(s3("PUT", "/new-bucket/y", "2").status, 200);
  EXPECT_EQ(s3Code(s3("DELETE", "/new-bucket")), "BucketNotEmpty");

  auto copy = s3("PUT", "/new-bucket/z", "", {{"x-amz-copy-source", "/new-bucket/x"}});
  ASSERT_EQ(copy.status, 200) << copy.body;
  EXPECT_NE(copy.body.find("<CopyObjectResult"), std::string::npos);
  EXPECT_EQ(s3("GET", "/new-bucket/z").body, "1");

  const std::string del =
      "<Delete><Object><Key>x</Key></Object><Object><Key>y</Key></Object>"
      "<Object><Key>z</Key></Object></Delete>";
  const std::string md5 = base64Encode(object::md5Raw(object::Md5::of(del)));
  EXPECT_EQ(s3Code(s3("POST", "/new-bucket?delete", del, {{"content-md5", base64Encode(std::string(16, 'x'))}})),
            "BadDigest");
  auto d = s3("POST", "/new-bucket?delete", del, {{"content-md5", md5}});
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_NE(d.body.find("<Deleted><Key>y</Key></Deleted>"), std::string::npos);
  EXPECT_EQ(s3Code(s3("POST", "/new-bucket?delete", "<Delete><Object>")), "MalformedXML");
  EXPECT_EQ(s3("DELETE", "/new-bucket").status, 204);
  EXPECT_EQ(s3Code(s3("GET", "/private/" + std::string(1025, 'k'))), "KeyTooLongError");
  EXPECT_EQ(s3Code(s3("PATCH", "/private/k")), "MethodNotAllowed");
  expectFsckClean();
}

TEST_F(S3Test, MultipartOverHttp) {
  auto init = s3("POST", "/private/mp?uploads", "", {{"content-type", "application/x-test"}});
  ASSERT_EQ(init.status, 200) << init.body;
  size_t a = init.body.find("<UploadId>") + 10;
  std::string id = init.body.substr(a, init.body.find("</UploadId>") - a);
  const std::string p1 = object::testBytes(5 << 20, 1), p2 = object::testBytes(1234, 2);
  auto r1 = s3("PUT", "/private/mp?partNumber=1&uploadId=" + id, p1);
  auto r2 = s3("PUT", "/private/mp?partNumber=2&uploadId=" + id, p2);
  ASSERT_EQ(r1.status, 200) << r1.body;
  ASSERT_EQ(r2.status, 200) << r2.body;
  auto parts = s3("GET", "/private/mp?uploadId=" + id);
  EXPECT_NE(parts.body.find("<PartNumber>2</PartNumber>"), std::string::npos);
  auto uploads = s3("GET", "/private?uploads");
  EXPECT_NE(uploads.body.find(id), std::string::npos);
  std::string wrong_order = "<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>" +
                            r2.header("etag") + "</ETag></Part><Part><PartNumber>1</PartNumber><ETag>" +
                            r1.header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  EXPECT_EQ(s3Code(s3("POST", "/private/mp?uploadId=" + id, wrong_order)), "InvalidPartOrder");
  std::string doc = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                    r1.header("etag") + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" +
                    r2.header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  auto done = s3("POST", "/private/mp?uploadId=" + id, doc);
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_NE(done.body.find("-2&quot;</ETag>"), std::string::npos);
  auto get = s3("GET", "/private/mp");
  EXPECT_EQ(get.body, p1 + p2);
  EXPECT_EQ(get.header("content-type"), "application/x-test");
  EXPECT_EQ(s3Code(s3("POST", "/private/mp?uploadId=" + id, doc)), "NoSuchUpload");

  auto init2 = s3("POST", "/private/mp2?uploads");
  a = init2.body.find("<UploadId>") + 10;
  std::string id2 = init2.body.substr(a, init2.body.find("</UploadId>") - a);
  auto s1 = s3("PUT", "/private/mp2?partNumber=1&uploadId=" + id2, "tiny");
  auto s2 = s3("PUT", "/private/mp2?partNumber=2&uploadId=" + id2, "tail");
  std::string small = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>" +
                      s1.header("etag") + "</ETag></Part><Part><PartNumber>2</PartNumber><ETag>" +
                      s2.header("etag") + "</ETag></Part></CompleteMultipartUpload>";
  EXPECT_EQ(s3Code(s3("POST", "/private/mp2?uploadId=" + id2, small)), "EntityTooSmall");
  EXPECT_EQ(s3("DELETE", "/private/mp2?uploadId=" + id2).status, 204);
  EXPECT_EQ(s3Code(s3("DELETE", "/private/mp2?uploadId=" + id2)), "NoSuchUpload");
  expectFsckClean();
}

TEST_F(S3Test, CredentialStoreSealsSecrets) {
  auto got = creds_->lookup(cred_.info.access_key_id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->secret, cred_.secret);
  EXPECT_EQ(got->info.workspace, "default");
  auto raw = engine_->get("s3c/" + cred_.info.access_key_id);
  ASSERT_TRUE(raw.ok() && raw->has_value());
  EXPECT_EQ(raw->value().find(cred_.secret), std::string::npos);  // never in clear
  // Another master key cannot open it.
  CredentialStore other(*engine_, MasterKey::fromBytes(std::string(32, 'o')));
  EXPECT_EQ(other.lookup(cred_.info.access_key_id).status().code(), Code::kCorruption);
  auto named = creds_->create("default", "tok-123", "", true);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(creds_->create("default", "tok-123", "", true).status().code(), Code::kAlreadyExists);
  EXPECT_EQ(creds_->list("default")->size(), 2u);
  EXPECT_EQ(creds_->revoke("other", "tok-123").code(), Code::kNotFound);
}

TEST_F(S3Test, MasterKeyFile) {
  const std::string path = dir_ + "/master-key";
  auto k1 = MasterKey::loadOrCreate(path);
  ASSERT_TRUE(k1.ok()) << k1.status().toString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto sealed = k1->seal("secret", "ad");
  ASSERT_TRUE(sealed.ok());
  auto k2 = MasterKey::loadOrCreate(path);
  ASSERT_TRUE(k2.ok());
  EXPECT_EQ(*k2->open(*sealed, "ad"), "secret");
  EXPECT_FALSE(k2->open(*sealed, "other").ok());
  ::chmod(path.c_str(), 0644);
  EXPECT_EQ(MasterKey::loadOrCreate(path).status().code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace strata::server::s3
