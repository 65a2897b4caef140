// The streaming machinery of puts and gets: BufferPool, the ChunkWriter pipeline and the
// read-ahead of readObject, under generous and starved memory budgets.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "object/buffer_pool.h"
#include "object/md5.h"
#include "object/object_test_env.h"
#include "object/records.h"

namespace strata::object {
namespace {

TEST(BufferPool, ChargesRecyclesAndRefusesPastCapacity) {
  BufferPool pool(3 * 1024, 1024);
  PooledBuffer a = pool.acquire(1024);
  ASSERT_TRUE(a);
  const char* a_mem = a.data();
  PooledBuffer b = pool.tryAcquire(1024);
  PooledBuffer c = pool.tryReserve(1024);
  ASSERT_TRUE(b);
  ASSERT_TRUE(c);
  EXPECT_EQ(c.data(), nullptr);  // a reservation has no memory of its own
  EXPECT_EQ(pool.used(), 3u * 1024);
  EXPECT_FALSE(pool.tryAcquire(1));
  EXPECT_FALSE(pool.tryReserve(1));
  a.reset();
  EXPECT_EQ(pool.used(), 2u * 1024);
  PooledBuffer d = pool.tryAcquire(1024);
  ASSERT_TRUE(d);
  EXPECT_EQ(d.data(), a_mem);  // the full-size buffer came back from the free list
  PooledBuffer small = std::move(d);
  EXPECT_FALSE(d);
  EXPECT_EQ(small.size(), 1024u);
}

TEST(BufferPool, AcquireWaitsForRoomAndClipsToCapacity) {
  BufferPool pool(2048, 1024);
  PooledBuffer all = pool.acquire(1 << 20);  // clipped: runs alone
  EXPECT_EQ(all.size(), 2048u);
  std::atomic<bool> got{false};
  std::thread waiter([&] {
    PooledBuffer x = pool.acquire(1024);
    got = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(got.load());
  all.reset();
  waiter.join();
  EXPECT_TRUE(got.load());
  EXPECT_EQ(pool.used(), 0u);
}

// The object fixture with the service rebuilt under a chosen streaming budget.
class PipelineTest : public ObjectTest, public ::testing::WithParamInterface<uint64_t> {
 protected:
  void SetUp() override {
    ObjectTest::SetUp();
    objects_.reset();
    ObjectServiceOptions o;
    o.stream_memory = GetParam();
    objects_ = makeObjectService(*engine_, chunks(), o);
  }
};

TEST_P(PipelineTest, ManyChunksRoundTripWithRanges) {
  // More chunks than a put keeps in flight, with a short last one.
  const std::string data = testBytes(6 * kChunkSize + 777, 7);
  PutOptions o;
  o.expected_size = data.size();
  auto info = objects_->putObject("default", "private", "many", stringSource(data, 300000), o);
  ASSERT_OK(info);
  EXPECT_EQ(info->etag, md5Hex(Md5::of(data)));
  EXPECT_EQ(get("private", "many"), data);
  const uint64_t at = kChunkSize - 3;
  EXPECT_EQ(get("private", "many", at, 3 * kChunkSize + 10), data.substr(at, 3 * kChunkSize + 10));
  EXPECT_EQ(get("private", "many", 5 * kChunkSize, kChunkSize + 777), data.substr(5 * kChunkSize));
  // Unknown length (a chunked request body) takes the same path.
  auto again = objects_->putObject("default", "private", "many2", stringSource(data), {});
  ASSERT_OK(again);
  EXPECT_EQ(again->etag, info->etag);
  EXPECT_EQ(get("private", "many2"), data);
  expectFsckClean();
}

TEST_P(PipelineTest, DeclaredSizeMismatchesAreIncompleteBody) {
  const std::string data = testBytes(kChunkSize + 5, 8);
  PutOptions shorter;
  shorter.expected_size = data.size() + 1;
  EXPECT_S3(objects_->putObject("default", "private", "k", stringSource(data), shorter), "IncompleteBody");
  PutOptions longer;
  longer.expected_size = data.size() - 1;
  EXPECT_S3(objects_->putObject("default", "private", "k", stringSource(data), longer), "IncompleteBody");
  PutOptions limit;
  limit.max_size = kChunkSize + 1;
  EXPECT_S3(objects_->putObject("default", "private", "k", stringSource(data), limit), "EntityTooLarge");
  EXPECT_S3(objects_->headObject("default", "private", "k"), "NoSuchKey");
}

TEST_P(PipelineTest, SourceAndSinkFailuresMidStream) {
  const std::string data = testBytes(3 * kChunkSize, 9);
  auto pos = std::make_shared<size_t>(0);
  ByteSource failing = [&data, pos](char* dst, size_t size) -> Result<size_t> {
    if (*pos >= 2 * kChunkSize + 100) return ioError("client went away");
    size_t n = std::min({size, size_t{65536}, data.size() - *pos});
    std::copy_n(data.data() + *pos, n, dst);
    *pos += n;
    return n;
  };
  EXPECT_EQ(objects_->putObject("default", "private", "cut", failing, {}).status().code(), Code::kIOError);
  EXPECT_S3(objects_->headObject("default", "private", "cut"), "NoSuchKey");

  ASSERT_OK(put("private", "whole", data));
  auto info = objects_->headObject("default", "private", "whole");
  ASSERT_OK(info);
  int calls = 0;
  Status st = objects_->readObject("default", *info, 0, info->size, [&](std::string_view) {
    return ++calls == 2 ? ioError("socket closed") : Status::OK();
  });
  EXPECT_EQ(st.code(), Code::kIOError);
  EXPECT_EQ(calls, 2);
}

TEST_P(PipelineTest, ParallelPutsAndGetsShareTheBudget) {
  std::vector<std::string> bodies;
  for (int i = 0; i < 6; ++i) bodies.push_back(testBytes(2 * kChunkSize + 1000 * i, 20 + i));
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      const std::string key = "p" + std::to_string(i);
      if (!put("private", key, bodies[i]).ok()) ++failures;
      if (get("private", key) != bodies[i]) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  expectFsckClean();
}

// 128 MiB: every put pipelines 4 chunks and every get reads ahead; 1 byte: the budget is
// clipped to one chunk, so requests take turns and each runs its stages one after the other.
INSTANTIATE_TEST_SUITE_P(Budgets, PipelineTest, ::testing::Values(128ull << 20, 1ull));

}  // namespace
}  // namespace strata::object
