#include "client/chunking.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>

#include "client/client.h"
#include "common/bytes.h"
#include "common/sha256.h"

namespace strata::client {
namespace {

class TempFile {
 public:
  TempFile() {
    char name[] = "/tmp/strata-chunking-XXXXXX";
    fd_ = ::mkstemp(name);
    path_ = name;
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed;
  for (auto& c : s) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

TEST(ChunkingTest, CountsAndLengths) {
  EXPECT_EQ(chunkCount(0), 0u);
  EXPECT_EQ(chunkCount(1), 1u);
  EXPECT_EQ(chunkCount(fs::kChunkSize), 1u);
  EXPECT_EQ(chunkCount(fs::kChunkSize + 1), 2u);
  EXPECT_EQ(chunkLength(fs::kChunkSize + 1, 0), fs::kChunkSize);
  EXPECT_EQ(chunkLength(fs::kChunkSize + 1, 1), 1u);
  // Files over 4 GiB: offsets do not wrap.
  const uint64_t big = (5ull << 30) + 7;
  EXPECT_EQ(chunkCount(big), 1281u);
  EXPECT_EQ(chunkLength(big, 1280), 7u);
}

TEST(ChunkingTest, HashesEachFixedChunk) {
  TempFile f;
  const std::string data = pattern(2 * fs::kChunkSize + 12345, 7);
  ASSERT_TRUE(writeExact(f.fd(), 0, data, f.path()).ok());
  std::string buffer;
  auto refs = hashChunks(f.fd(), data.size(), buffer, f.path());
  ASSERT_TRUE(refs.ok()) << refs.status().toString();
  ASSERT_EQ(refs->size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) {
    const std::string_view piece = std::string_view(data).substr(i * fs::kChunkSize, fs::kChunkSize);
    EXPECT_EQ((*refs)[i].index, i);
    EXPECT_EQ((*refs)[i].length, piece.size());
    EXPECT_EQ((*refs)[i].id, Sha256::of(piece));
  }
  EXPECT_LE(buffer.capacity(), fs::kChunkSize + 64);  // never more than one chunk in memory
}

TEST(ChunkingTest, ChangingOneByteChangesOnlyItsChunk) {
  TempFile f;
  std::string data = pattern(3 * fs::kChunkSize, 1);
  ASSERT_TRUE(writeExact(f.fd(), 0, data, f.path()).ok());
  std::string buffer;
  auto before = hashChunks(f.fd(), data.size(), buffer, f.path());
  ASSERT_TRUE(writeExact(f.fd(), fs::kChunkSize + 10, "Z", f.path()).ok());
  auto after = hashChunks(f.fd(), data.size(), buffer, f.path());
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ((*before)[0].id, (*after)[0].id);
  EXPECT_NE((*before)[1].id, (*after)[1].id);
  EXPECT_EQ((*before)[2].id, (*after)[2].id);
}

TEST(ChunkingTest, ShortFileIsAnError) {
  TempFile f;
  ASSERT_TRUE(writeExact(f.fd(), 0, "abc", f.path()).ok());
  std::string buffer;
  auto refs = hashChunks(f.fd(), 10, buffer, f.path());
  EXPECT_EQ(refs.status().code(), Code::kIOError);
}

TEST(ChunkingTest, BatchBodyLayout) {
  const std::string a = "hello", b = "";
  ChunkBody bodies[] = {{Sha256::of(a), a}, {Sha256::of(b), b}};
  const std::string body = encodeChunkBatch(bodies);
  ASSERT_EQ(body.size(), 36u + 5 + 36u);
  EXPECT_EQ(body.substr(0, 32), Sha256::of(a).raw());
  EXPECT_EQ(readU32BE(std::string_view(body).substr(32)), 5u);
  EXPECT_EQ(body.substr(36, 5), "hello");
  EXPECT_EQ(body.substr(41, 32), Sha256::of(b).raw());
  EXPECT_EQ(readU32BE(std::string_view(body).substr(73)), 0u);
}

}  // namespace
}  // namespace strata::client
