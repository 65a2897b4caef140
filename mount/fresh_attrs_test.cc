#include "mount/fresh_attrs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace strata::mount {
namespace {

fs::Attr dirAttr(fs::InodeId ino, uint64_t size) {
  fs::Attr a;
  a.ino = ino;
  a.type = fs::FileType::kDirectory;
  a.size = size;
  return a;
}

TEST(FreshAttrs, TakenOnce) {
  FreshAttrs fresh(5'000'000'000);
  fresh.put(dirAttr(7, 3));
  auto got = fresh.take(7);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->size, 3u);
  EXPECT_FALSE(fresh.take(7).has_value());  // one GETATTR only
  EXPECT_FALSE(fresh.take(8).has_value());
}

TEST(FreshAttrs, LaterPutWinsAndDropForgets) {
  FreshAttrs fresh(5'000'000'000);
  fresh.put(dirAttr(7, 3));
  fresh.put(dirAttr(7, 4));
  EXPECT_EQ(fresh.take(7)->size, 4u);
  fresh.put(dirAttr(9, 1));
  fresh.drop(9);  // another change to the directory made the kept attributes old
  EXPECT_FALSE(fresh.take(9).has_value());
}

TEST(FreshAttrs, ExpiresAfterTtl) {
  FreshAttrs fresh(1'000'000);  // 1 ms
  fresh.put(dirAttr(7, 3));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_FALSE(fresh.take(7).has_value());
}

TEST(FreshAttrs, ZeroTtlKeepsNothing) {
  FreshAttrs fresh(0);  // --attr-timeout 0: the kernel caches nothing, neither do we
  fresh.put(dirAttr(7, 3));
  EXPECT_FALSE(fresh.take(7).has_value());
}

TEST(FreshAttrs, BoundedTable) {
  FreshAttrs fresh(5'000'000'000);
  for (fs::InodeId i = 1; i <= 10000; ++i) fresh.put(dirAttr(i, i));
  EXPECT_TRUE(fresh.take(10000).has_value());  // the newest survives a reset
}

}  // namespace
}  // namespace strata::mount
