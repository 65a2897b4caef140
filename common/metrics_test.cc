#include "common/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace strata::metrics {
namespace {

// The registry is process-wide: each test uses its own metric names.

bool contains(const std::string& text, const std::string& line) {
  return text.find(line) != std::string::npos;
}

TEST(Metrics, CounterWithHelpTypeAndLabels) {
  describe("t_requests_total", Type::kCounter, "Requests served.");
  inc("t_requests_total", {{"verb", "GET"}, {"code", "200"}});
  inc("t_requests_total", {{"verb", "GET"}, {"code", "200"}}, 2);
  inc("t_requests_total", {{"verb", "PUT"}, {"code", "201"}});
  std::string out = render();
  EXPECT_TRUE(contains(out, "# HELP t_requests_total Requests served.\n"));
  EXPECT_TRUE(contains(out, "# TYPE t_requests_total counter\n"));
  EXPECT_TRUE(contains(out, "t_requests_total{verb=\"GET\",code=\"200\"} 3\n")) << out;
  EXPECT_TRUE(contains(out, "t_requests_total{verb=\"PUT\",code=\"201\"} 1\n")) << out;
}

TEST(Metrics, CounterWithoutLabelsAndRejectsNegative) {
  inc("t_plain_total");
  inc("t_plain_total", {}, 0.5);
  inc("t_plain_total", {}, -3);  // dropped: counters never go down
  EXPECT_TRUE(contains(render(), "\nt_plain_total 1.5\n"));
}

TEST(Metrics, Gauge) {
  describe("t_open_sessions", Type::kGauge, "Open sessions.");
  set("t_open_sessions", {}, 7);
  set("t_open_sessions", {}, 4);
  inc("t_open_sessions", {}, -1);  // a gauge may go down
  std::string out = render();
  EXPECT_TRUE(contains(out, "# TYPE t_open_sessions gauge\n"));
  EXPECT_TRUE(contains(out, "\nt_open_sessions 3\n")) << out;
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  describe("t_latency_seconds", Type::kHistogram, "Latency.");
  observe("t_latency_seconds", {{"op", "get"}}, 0.0001);  // first bucket
  observe("t_latency_seconds", {{"op", "get"}}, 0.003);   // le 0.005
  observe("t_latency_seconds", {{"op", "get"}}, 100);     // only +Inf
  std::string out = render();
  EXPECT_TRUE(contains(out, "# TYPE t_latency_seconds histogram\n"));
  EXPECT_TRUE(contains(out, "t_latency_seconds_bucket{op=\"get\",le=\"0.0005\"} 1\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_bucket{op=\"get\",le=\"0.0025\"} 1\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_bucket{op=\"get\",le=\"0.005\"} 2\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_bucket{op=\"get\",le=\"30\"} 2\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_bucket{op=\"get\",le=\"+Inf\"} 3\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_count{op=\"get\"} 3\n")) << out;
  EXPECT_TRUE(contains(out, "t_latency_seconds_sum{op=\"get\"} 100.0031\n")) << out;
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  describe("t_escape_total", Type::kCounter, "Help with \\ and\nnewline.");
  inc("t_escape_total", {{"v", "a\"b\\c\nd"}});
  std::string out = render();
  EXPECT_TRUE(contains(out, "# HELP t_escape_total Help with \\\\ and\\nnewline.\n")) << out;
  EXPECT_TRUE(contains(out, "t_escape_total{v=\"a\\\"b\\\\c\\nd\"} 1\n")) << out;
}

TEST(Metrics, MisuseIsDropped) {
  inc("bad name!");
  inc("t_bad_label_total", {{"0bad", "x"}});
  describe("t_typed_gauge", Type::kGauge, "g");
  observe("t_typed_gauge", {}, 1);  // wrong type: dropped
  set("t_typed_gauge", {}, 2);
  std::string out = render();
  EXPECT_FALSE(contains(out, "bad name!"));
  EXPECT_FALSE(contains(out, "0bad"));
  EXPECT_FALSE(contains(out, "t_typed_gauge_bucket"));
  EXPECT_TRUE(contains(out, "\nt_typed_gauge 2\n"));
}

TEST(Metrics, ConcurrentIncrementsAreExact) {
  constexpr int kThreads = 8, kPerThread = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([] {
      Labels labels = {{"k", "v"}};
      for (int i = 0; i < kPerThread; ++i) inc("t_concurrent_total", labels);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_TRUE(contains(render(), "t_concurrent_total{k=\"v\"} 160000\n"));
}

TEST(Metrics, OutputIsSortedByName) {
  inc("t_sort_b_total");
  inc("t_sort_a_total");
  std::string out = render();
  EXPECT_LT(out.find("t_sort_a_total"), out.find("t_sort_b_total"));
}

}  // namespace
}  // namespace strata::metrics
