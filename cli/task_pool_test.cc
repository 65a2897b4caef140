#include "cli/task_pool.h"

#include <gtest/gtest.h>

#include <atomic>

namespace strata::cli {
namespace {

TEST(TaskPoolTest, RunsEveryTask) {
  TaskPool pool(4, 8);
  std::atomic<int> sum{0};
  for (int i = 1; i <= 1000; ++i) {
    pool.submit([&sum, i] {
      sum += i;
      return Status::OK();
    });
  }
  EXPECT_TRUE(pool.wait().ok());
  EXPECT_EQ(sum.load(), 500500);
}

TEST(TaskPoolTest, FirstErrorStopsTheRestAndPoolIsReusable) {
  TaskPool pool(1, 100000);
  std::atomic<int> ran{0};
  pool.submit([] { return ioError("disk on fire"); });
  for (int i = 0; i < 1000; ++i) {
    pool.submit([&ran] {
      ++ran;
      return Status::OK();
    });
  }
  Status st = pool.wait();
  EXPECT_EQ(st.code(), Code::kIOError);
  EXPECT_EQ(st.message(), "disk on fire");
  EXPECT_LT(ran.load(), 1000);

  pool.submit([] { return Status::OK(); });
  EXPECT_TRUE(pool.wait().ok());
}

}  // namespace
}  // namespace strata::cli
