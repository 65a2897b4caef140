// Test fixture for object/: the fs fixture (real RocksDB engine, real local blob store, the
// file-system service and its chunk layer) plus the object service on the same chunk layer.
#pragma once

#include <memory>
#include <string>

#include "fs/fs_test_env.h"
#include "object/errors.h"
#include "object/object_service.h"

namespace strata::object {

using fs::statusOf;

// A ByteSource over a string, handing out at most `piece` bytes per call (like a socket).
inline ByteSource stringSource(const std::string& data, size_t piece = 65536) {
  auto pos = std::make_shared<size_t>(0);
  return [&data, pos, piece](char* dst, size_t size) -> Result<size_t> {
    size_t n = std::min({size, piece, data.size() - *pos});
    std::copy_n(data.data() + *pos, n, dst);
    *pos += n;
    return n;
  };
}

// Deterministic bytes that do not repeat within a chunk (no accidental dedup).
inline std::string testBytes(size_t n, uint32_t seed) {
  std::string out(n, '\0');
  uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<char>(x);
  }
  return out;
}

class ObjectTest : public fs::FsTest {
 protected:
  void SetUp() override {
    fs::FsTest::SetUp();
    objects_ = makeObjectService(*engine_, chunks());
    Status st = objects_->ensureWorkspace("default");
    ASSERT_TRUE(st.ok()) << st.toString();
  }
  void TearDown() override {
    objects_.reset();
    fs::FsTest::TearDown();
  }

  Result<ObjectInfo> put(std::string_view bucket, std::string_view key, const std::string& data,
                         PutOptions o = {}) {
    return objects_->putObject("default", bucket, key, stringSource(data), o);
  }

  // The whole object, or bytes [offset, offset+length).
  std::string get(std::string_view bucket, std::string_view key, uint64_t offset = 0,
                  uint64_t length = UINT64_MAX) {
    auto info = objects_->headObject("default", bucket, key);
    EXPECT_TRUE(info.ok()) << info.status().toString();
    if (!info.ok()) return {};
    if (length == UINT64_MAX) length = info->size - offset;
    std::string out;
    Status st = objects_->readObject("default", *info, offset, length, [&](std::string_view b) {
      out.append(b);
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.toString();
    return out;
  }

  std::unique_ptr<ObjectService> objects_;
};

#define EXPECT_S3(expr, tag)                                              \
  do {                                                                    \
    ::strata::Status _s = ::strata::fs::statusOf(expr);                   \
    EXPECT_EQ(::strata::object::s3CodeOf(_s), tag) << _s.toString();      \
  } while (0)

}  // namespace strata::object
