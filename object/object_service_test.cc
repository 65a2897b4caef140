#include <gtest/gtest.h>

#include "object/md5.h"
#include "object/object_test_env.h"
#include "object/records.h"

namespace strata::object {
namespace {

using ::testing::ElementsAre;

TEST_F(ObjectTest, WorkspaceStartsWithPublicAndPrivateBuckets) {
  auto buckets = objects_->listBuckets("default");
  ASSERT_OK(buckets);
  ASSERT_EQ(buckets->size(), 2u);
  EXPECT_EQ((*buckets)[0].name, "private");
  EXPECT_FALSE((*buckets)[0].is_public);
  EXPECT_EQ((*buckets)[1].name, "public");
  EXPECT_TRUE((*buckets)[1].is_public);
  ASSERT_OK(objects_->ensureWorkspace("default"));  // idempotent
  EXPECT_EQ(objects_->listBuckets("default")->size(), 2u);
}

TEST_F(ObjectTest, BucketLifecycleAndErrors) {
  ASSERT_OK(objects_->createBucket("default", "data-1", false));
  EXPECT_S3(objects_->createBucket("default", "data-1", false), "BucketAlreadyOwnedByYou");
  for (const char* bad : {"ab", "Upper", "-lead", "a..b", "192.168.1.1", "under_score",
                          "xn--punycode"}) {
    EXPECT_S3(objects_->createBucket("default", bad, false), "InvalidBucketName");
  }
  EXPECT_S3(objects_->headBucket("default", "nope"), "NoSuchBucket");
  ASSERT_OK(put("data-1", "k", "v"));
  EXPECT_S3(objects_->deleteBucket("default", "data-1"), "BucketNotEmpty");
  ASSERT_OK(objects_->deleteObject("default", "data-1", "k"));
  ASSERT_OK(objects_->deleteBucket("default", "data-1"));
  EXPECT_S3(objects_->headBucket("default", "data-1"), "NoSuchBucket");
  EXPECT_S3(put("data-1", "k", "v"), "NoSuchBucket");

  ASSERT_OK(objects_->setBucketPublic("default", "private", true));
  EXPECT_TRUE(objects_->headBucket("default", "private")->is_public);
}

TEST_F(ObjectTest, PutGetSmallAndEmptyWithMetadata) {
  PutOptions o;
  o.attrs.content_type = "text/plain";
  o.attrs.cache_control = "max-age=60";
  o.attrs.user = {{"color", "blue"}};
  auto info = put("private", "dir/hello.txt", "hello world", o);
  ASSERT_OK(info);
  EXPECT_EQ(info->etag, "5eb63bbbe01eeed093cb22bb8f5acdc3");  // md5("hello world")
  auto head = objects_->headObject("default", "private", "dir/hello.txt");
  ASSERT_OK(head);
  EXPECT_EQ(head->size, 11u);
  EXPECT_EQ(head->etag, info->etag);
  EXPECT_EQ(head->attrs.content_type, "text/plain");
  EXPECT_EQ(head->attrs.cache_control, "max-age=60");
  EXPECT_THAT(head->attrs.user, ElementsAre(std::pair<std::string, std::string>("color", "blue")));
  EXPECT_EQ(get("private", "dir/hello.txt"), "hello world");
  EXPECT_EQ(get("private", "dir/hello.txt", 6, 5), "world");

  auto empty = put("private", "empty", "");
  ASSERT_OK(empty);
  EXPECT_EQ(empty->etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(get("private", "empty"), "");
  EXPECT_S3(objects_->headObject("default", "private", "missing"), "NoSuchKey");
  expectFsckClean();
}

TEST_F(ObjectTest, LargeObjectIsChunkedAndRangesCrossChunks) {
  const std::string data = testBytes(9 * (1 << 20) + 12345, 1);
  auto info = put("private", "big", data);
  ASSERT_OK(info);
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(info->etag, md5Hex(Md5::of(data)));
  EXPECT_EQ(get("private", "big"), data);
  const uint64_t at = (4 << 20) - 10;
  EXPECT_EQ(get("private", "big", at, 5 << 20), data.substr(at, 5 << 20));
  EXPECT_EQ(get("private", "big", data.size() - 1, 1), data.substr(data.size() - 1));
  // Three chunks stored: 4 MiB, 4 MiB, and the rest.
  size_t blobs = 0;
  ASSERT_OK(store_->list("default", [&](const blob::ChunkInfo&) { return ++blobs, true; }));
  EXPECT_EQ(blobs, 3u);
  expectFsckClean();
}

TEST_F(ObjectTest, OverwriteAndDeleteReleaseChunksToTheCollector) {
  const std::string a = testBytes(5 << 20, 2);
  const std::string b = testBytes(100, 3);
  ASSERT_OK(put("private", "k", a));
  ASSERT_OK(put("private", "k", b));
  EXPECT_EQ(get("private", "k"), b);
  expectFsckClean();
  auto stats = chunks().collect(nowFar(), /*ignore_pins=*/false);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->chunks_deleted, 2u);  // both chunks of `a`
  EXPECT_EQ(get("private", "k"), b);     // the live object's chunk survives
  EXPECT_TRUE(blobExists(Sha256::of(b)));
  ASSERT_OK(objects_->deleteObject("default", "private", "k"));
  ASSERT_OK(objects_->deleteObject("default", "private", "k"));  // absent: still OK
  ASSERT_OK(chunks().collect(nowFar(), false));
  EXPECT_FALSE(blobExists(Sha256::of(b)));
  expectFsckClean();
}

TEST_F(ObjectTest, ChunksAreSharedWithFilesAndCollectorRespectsBoth) {
  const std::string data = testBytes(1000, 4);
  const Digest id = putChunk(data);
  fs::FileContent content;
  content.size = data.size();
  content.chunks = {fs::ChunkRef{0, id, static_cast<uint32_t>(data.size())}};
  ASSERT_OK(fs_->commitFile("/f", content, false));
  ASSERT_OK(put("private", "same", data));  // dedup: no second blob
  size_t blobs = 0;
  ASSERT_OK(store_->list("default", [&](const blob::ChunkInfo&) { return ++blobs, true; }));
  EXPECT_EQ(blobs, 1u);
  expectFsckClean();
  ASSERT_OK(fs_->remove("/f", false));
  ASSERT_OK(chunks().collect(nowFar(), false));
  EXPECT_TRUE(blobExists(id));  // the object still references it
  EXPECT_EQ(get("private", "same"), data);
  expectFsckClean();
}

TEST_F(ObjectTest, FailedPutChangesNothing) {
  ASSERT_OK(put("private", "k", "old"));
  PutOptions o;
  o.before_commit = [] { return invalidArgument("signature mismatch"); };
  EXPECT_CODE(put("private", "k", "new", o), kInvalidArgument);
  o = {};
  o.content_md5 = std::string(16, 'x');
  EXPECT_S3(put("private", "k", "new", o), "BadDigest");
  o = {};
  o.max_size = 2;
  EXPECT_S3(put("private", "k", "new", o), "EntityTooLarge");
  o = {};
  o.expected_size = 10;
  EXPECT_S3(put("private", "k", "new", o), "IncompleteBody");
  EXPECT_EQ(get("private", "k"), "old");
  EXPECT_S3(put("private", std::string(1025, 'k'), "x"), "KeyTooLongError");
  ASSERT_OK(put("private", std::string(1024, 'k'), "x"));
  expectFsckClean();
}

TEST_F(ObjectTest, ListWithPrefixDelimiterAndPages) {
  for (const char* k : {"a", "b/1", "b/2", "b/c/3", "c", "d/1"}) ASSERT_OK(put("private", k, k));
  ListOptions o;
  o.delimiter = "/";
  auto r = objects_->listObjects("default", "private", o);
  ASSERT_OK(r);
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].key, "a");
  EXPECT_EQ(r->objects[1].key, "c");
  EXPECT_THAT(r->common_prefixes, ElementsAre("b/", "d/"));
  EXPECT_FALSE(r->truncated);

  o.prefix = "b/";
  r = objects_->listObjects("default", "private", o);
  ASSERT_OK(r);
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_THAT(r->common_prefixes, ElementsAre("b/c/"));

  // Pages of two, resuming after next_after, visit every entry exactly once.
  ListOptions p;
  p.delimiter = "/";
  p.max_keys = 2;
  std::vector<std::string> seen;
  for (int i = 0; i < 10; ++i) {
    auto page = objects_->listObjects("default", "private", p);
    ASSERT_OK(page);
    for (auto& obj : page->objects) seen.push_back(obj.key);
    for (auto& cp : page->common_prefixes) seen.push_back(cp);
    if (!page->truncated) break;
    p.start_after = page->next_after;
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_THAT(seen, ElementsAre("a", "b/", "c", "d/"));

  ListOptions all;
  all.start_after = "b/2";
  r = objects_->listObjects("default", "private", all);
  ASSERT_OK(r);
  ASSERT_EQ(r->objects.size(), 3u);
  EXPECT_EQ(r->objects[0].key, "b/c/3");
}

TEST_F(ObjectTest, CopySharesChunksAndReplacesMetadata) {
  PutOptions o;
  o.attrs.content_type = "a/b";
  ASSERT_OK(put("private", "src", "payload", o));
  auto c = objects_->copyObject("default", "private", "src", "public", "dst", std::nullopt);
  ASSERT_OK(c);
  EXPECT_EQ(get("public", "dst"), "payload");
  EXPECT_EQ(objects_->headObject("default", "public", "dst")->attrs.content_type, "a/b");
  EXPECT_S3(objects_->copyObject("default", "private", "src", "private", "src", std::nullopt),
            "InvalidRequest");
  ObjectAttrs replaced;
  replaced.content_type = "x/y";
  ASSERT_OK(objects_->copyObject("default", "private", "src", "private", "src", replaced));
  EXPECT_EQ(objects_->headObject("default", "private", "src")->attrs.content_type, "x/y");
  EXPECT_S3(objects_->copyObject("default", "private", "nope", "public", "x", std::nullopt),
            "NoSuchKey");
  expectFsckClean();
}

TEST_F(ObjectTest, MultipartUploadWithUnevenChunkBoundaries) {
  ASSERT_OK(objects_->createBucket("default", "mpu", false));
  auto id = objects_->createMultipart("default", "mpu", "big", ObjectAttrs{.content_type = "z/z"});
  ASSERT_OK(id);
  const std::string p1 = testBytes((5 << 20) + 7, 10);  // chunks 4 MiB + 1 MiB+7
  const std::string p2 = testBytes((5 << 20) + 3, 11);
  const std::string p3 = testBytes(1000, 12);
  PutOptions o;
  auto r1 = objects_->uploadPart("default", "mpu", "big", *id, 1, stringSource(p1), o);
  auto r2 = objects_->uploadPart("default", "mpu", "big", *id, 2, stringSource(p3), o);  // replaced
  ASSERT_OK(r1);
  ASSERT_OK(r2);
  r2 = objects_->uploadPart("default", "mpu", "big", *id, 2, stringSource(p2), o);
  auto r3 = objects_->uploadPart("default", "mpu", "big", *id, 3, stringSource(p3), o);
  ASSERT_OK(r2);
  ASSERT_OK(r3);
  EXPECT_S3(objects_->uploadPart("default", "mpu", "big", *id, 10001, stringSource(p3), o),
            "InvalidArgument");
  EXPECT_S3(objects_->uploadPart("default", "mpu", "big", std::string(32, 'f'), 1,
                                 stringSource(p3), o),
            "NoSuchUpload");
  expectFsckClean();  // part references are counted while the upload is open

  auto parts = objects_->listParts("default", "mpu", "big", *id, 0, 2);
  ASSERT_OK(parts);
  ASSERT_EQ(parts->parts.size(), 2u);
  EXPECT_TRUE(parts->truncated);
  EXPECT_EQ(parts->parts[1].etag, r2->etag);
  auto uploads = objects_->listUploads("default", "mpu", "", "", "", 100);
  ASSERT_OK(uploads);
  ASSERT_EQ(uploads->uploads.size(), 1u);
  EXPECT_EQ(uploads->uploads[0].upload_id, *id);

  // Validation: order, unknown part, ETag mismatch, too small a middle part.
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id,
                                        {{2, r2->etag}, {1, r1->etag}}),
            "InvalidPartOrder");
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id, {{1, r1->etag}, {4, "x"}}),
            "InvalidPart");
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id, {{1, r2->etag}}),
            "InvalidPart");
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id,
                                        {{3, r3->etag}, {4, r3->etag}}),
            "InvalidPart");
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id, {}), "MalformedXML");
  EXPECT_S3(objects_->headObject("default", "mpu", "big"), "NoSuchKey");

  auto done = objects_->completeMultipart(
      "default", "mpu", "big", *id, {{1, "\"" + r1->etag + "\""}, {2, r2->etag}, {3, r3->etag}});
  ASSERT_OK(done);
  Md5 m;
  for (const auto& e : {Md5::of(p1), Md5::of(p2), Md5::of(p3)}) m.update(md5Raw(e));
  EXPECT_EQ(done->etag, md5Hex(m.finish()) + "-3");
  EXPECT_EQ(done->attrs.content_type, "z/z");
  const std::string all = p1 + p2 + p3;
  EXPECT_EQ(get("mpu", "big"), all);
  // A range across the uneven boundary between part 1 and part 2.
  const uint64_t at = p1.size() - 100;
  EXPECT_EQ(get("mpu", "big", at, 300), all.substr(at, 300));
  EXPECT_S3(objects_->completeMultipart("default", "mpu", "big", *id, {{1, r1->etag}}),
            "NoSuchUpload");
  EXPECT_TRUE(objects_->listUploads("default", "mpu", "", "", "", 100)->uploads.empty());
  expectFsckClean();
}

TEST_F(ObjectTest, MultipartSmallMiddlePartIsRefusedAndAbortReleasesChunks) {
  auto id = objects_->createMultipart("default", "private", "k", {});
  ASSERT_OK(id);
  auto r1 = objects_->uploadPart("default", "private", "k", *id, 1, stringSource("small"), {});
  auto r2 = objects_->uploadPart("default", "private", "k", *id, 2, stringSource("tail"), {});
  ASSERT_OK(r1);
  ASSERT_OK(r2);
  EXPECT_S3(objects_->completeMultipart("default", "private", "k", *id,
                                        {{1, r1->etag}, {2, r2->etag}}),
            "EntityTooSmall");
  EXPECT_S3(objects_->deleteBucket("default", "private"), "BucketNotEmpty");
  ASSERT_OK(objects_->abortMultipart("default", "private", "k", *id));
  EXPECT_S3(objects_->abortMultipart("default", "private", "k", *id), "NoSuchUpload");
  expectFsckClean();
  auto stats = chunks().collect(nowFar(), false);
  ASSERT_OK(stats);
  EXPECT_EQ(stats->chunks_deleted, 2u);
  ASSERT_OK(objects_->deleteBucket("default", "private"));
}

TEST_F(ObjectTest, RecordsRejectCorruption) {
  ObjectInfo info;
  info.version = std::string(16, 'v');
  info.etag = "e";
  info.attrs.user = {{"a", "b"}};
  std::string v = encodeObject(info);
  ASSERT_OK(decodeObject(v));
  EXPECT_CODE(decodeObject(v.substr(0, v.size() - 1)), kCorruption);
  EXPECT_CODE(decodeObject(v + "x"), kCorruption);
  v[0] = 9;
  EXPECT_CODE(decodeObject(v), kCorruption);
  EXPECT_CODE(decodePart(std::string("\x01", 1)), kCorruption);
}

}  // namespace
}  // namespace strata::object
