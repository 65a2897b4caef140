#include "queue/queue_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/temp_dir.h"
#include "db/rocksdb_engine.h"

namespace strata::queue {
namespace {

class QueueServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    auto engine = db::openRocksDbEngine(dir_.sub("meta"), {.sync = false});
    ASSERT_TRUE(engine.ok()) << engine.status().toString();
    engine_ = std::move(*engine);
    q_ = std::make_unique<QueueService>(*engine_);
  }

  QueueLength len(std::string_view name) {
    auto l = q_->length("default", name);
    EXPECT_TRUE(l.ok()) << l.status().toString();
    return l.ok() ? *l : QueueLength{};
  }

  TempDir dir_;
  std::unique_ptr<db::Engine> engine_;
  std::unique_ptr<QueueService> q_;
};

TEST_F(QueueServiceTest, CreateIsIdempotentListRemove) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  EXPECT_EQ(q_->create("default", "bad/name").code(), Code::kInvalidArgument);
  auto list = q_->list("default");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "jobs");
  ASSERT_TRUE(q_->send("default", "jobs", "x").ok());
  ASSERT_TRUE(q_->remove("default", "jobs").ok());
  EXPECT_EQ(q_->send("default", "jobs", "x").status().code(), Code::kNotFound);
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  EXPECT_EQ(len("jobs").visible, 0u);
}

TEST_F(QueueServiceTest, FifoSendReceiveAck) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(q_->send("default", "jobs", "m" + std::to_string(i)).ok());
  EXPECT_EQ(len("jobs").visible, 5u);
  auto got = q_->receive("default", "jobs", 3, 30000, 0);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].body, "m0");
  EXPECT_EQ((*got)[2].body, "m2");
  EXPECT_EQ(len("jobs").visible, 2u);
  EXPECT_EQ(len("jobs").in_flight, 3u);
  for (auto& m : *got) ASSERT_TRUE(q_->ack("default", "jobs", m.receipt).ok());
  EXPECT_EQ(q_->ack("default", "jobs", (*got)[0].receipt).code(), Code::kNotFound);
  EXPECT_EQ(len("jobs").in_flight, 0u);
  auto pop = q_->receiveAndDelete("default", "jobs", 0);
  ASSERT_TRUE(pop.ok());
  EXPECT_EQ((*pop)->body, "m3");
  EXPECT_EQ(len("jobs").visible, 1u);
}

TEST_F(QueueServiceTest, UnackedMessageReappearsInPlaceAndOldReceiptIsStale) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->send("default", "jobs", "first").ok());
  ASSERT_TRUE(q_->send("default", "jobs", "second").ok());
  auto a = q_->receive("default", "jobs", 1, 100, 0);
  ASSERT_EQ(a->size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  auto b = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_EQ(b->size(), 1u);
  EXPECT_EQ((*b)[0].body, "first");
  EXPECT_EQ((*b)[0].receive_count, 2u);
  EXPECT_EQ(q_->ack("default", "jobs", (*a)[0].receipt).code(), Code::kNotFound);
  ASSERT_TRUE(q_->ack("default", "jobs", (*b)[0].receipt).ok());
}

TEST_F(QueueServiceTest, ChangeVisibilityAndLongPoll) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->send("default", "jobs", "x").ok());
  auto a = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_TRUE(q_->changeVisibility("default", "jobs", (*a)[0].receipt, 0).ok());
  EXPECT_EQ(len("jobs").visible, 1u);
  auto b = q_->receiveAndDelete("default", "jobs", 0);
  ASSERT_TRUE(b->has_value());
  // Long poll: a receive waiting for a message gets one sent a little later.
  std::thread sender([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(q_->send("default", "jobs", "late").ok());
  });
  auto c = q_->receive("default", "jobs", 1, 30000, 5000);
  sender.join();
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].body, "late");
  auto empty = q_->receive("default", "jobs", 1, 30000, 50);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_F(QueueServiceTest, DeadLetterAfterMaxReceives) {
  ASSERT_TRUE(q_->create("default", "dead").ok());
  EXPECT_EQ(q_->create("default", "jobs", {.max_receives = 2, .dead_letter_queue = "nope"}).code(), Code::kNotFound);
  ASSERT_TRUE(q_->create("default", "jobs", {.visibility_timeout_ms = 30000, .max_receives = 2, .dead_letter_queue = "dead"}).ok());
  ASSERT_TRUE(q_->send("default", "jobs", "poison").ok());
  for (int i = 0; i < 2; ++i) {
    auto got = q_->receive("default", "jobs", 1, 10, 0);
    ASSERT_EQ(got->size(), 1u);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  auto third = q_->receive("default", "jobs", 1, 10, 0);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->empty());
  auto dead = q_->receive("default", "dead", 1, 1000, 0);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].body, "poison");
}

TEST_F(QueueServiceTest, LimitsAndBadInputChangeNothing) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  EXPECT_EQ(q_->send("default", "jobs", std::string(kMaxMessageBytes + 1, 'x')).status().code(), Code::kTooLarge);
  EXPECT_EQ(q_->sendBatch("default", "jobs", {"ok", std::string(kMaxMessageBytes + 1, 'x')}).status().code(),
            Code::kTooLarge);
  EXPECT_EQ(len("jobs").visible, 0u);
  EXPECT_EQ(q_->receive("default", "jobs", 0, 1000, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(q_->receive("default", "jobs", 1, 1000, 20001).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(q_->ack("default", "jobs", "garbage").code(), Code::kNotFound);
  EXPECT_EQ(q_->receive("default", "missing", 1, 1000, 0).status().code(), Code::kNotFound);
}

TEST_F(QueueServiceTest, ManyProducersAndConsumersEveryMessageOnce) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  constexpr int kProducers = 4, kEach = 250;
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) ASSERT_TRUE(q_->send("default", "jobs", std::to_string(p * kEach + i)).ok());
    });
  }
  std::mutex mu;
  std::multiset<std::string> seen;
  std::atomic<int> total{0};
  for (int c = 0; c < 4; ++c) {
    threads.emplace_back([&] {
      while (total < kProducers * kEach) {
        auto got = q_->receive("default", "jobs", 10, 30000, 100);
        ASSERT_TRUE(got.ok()) << got.status().toString();
        for (auto& m : *got) {
          ASSERT_TRUE(q_->ack("default", "jobs", m.receipt).ok());
          std::lock_guard lock(mu);
          seen.insert(m.body);
          ++total;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(seen.size(), size_t(kProducers * kEach));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), size_t(kProducers * kEach));
  EXPECT_EQ(len("jobs").visible, 0u);
  EXPECT_EQ(len("jobs").in_flight, 0u);
}

TEST_F(QueueServiceTest, SentMessagesSurviveReopen) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->send("default", "jobs", "durable").ok());
  q_.reset();
  engine_.reset();
  open();
  auto got = q_->receiveAndDelete("default", "jobs", 0);
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ((*got)->body, "durable");
}

TEST_F(QueueServiceTest, AckBatchAcksValidReceiptsAndReportsStaleOnes) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->sendBatch("default", "jobs", {"a", "b", "c", "d"}).ok());
  auto got = q_->receive("default", "jobs", 3, 30000, 0);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  // a: acked; b: acked twice in one batch (the second fails); stale and malformed receipts fail
  // alone; c stays in flight.
  std::vector<std::string> receipts = {(*got)[0].receipt, (*got)[1].receipt, (*got)[1].receipt,
                                       std::string(32, '0'), "not-a-receipt"};
  auto results = q_->ackBatch("default", "jobs", receipts);
  ASSERT_TRUE(results.ok()) << results.status().toString();
  ASSERT_EQ(results->size(), 5u);
  EXPECT_TRUE((*results)[0].ok());
  EXPECT_TRUE((*results)[1].ok());
  EXPECT_EQ((*results)[2].code(), Code::kNotFound);
  EXPECT_EQ((*results)[3].code(), Code::kNotFound);
  EXPECT_EQ((*results)[4].code(), Code::kNotFound);
  EXPECT_EQ(len("jobs").visible, 1u);
  EXPECT_EQ(len("jobs").in_flight, 1u);
  // The remaining receipt still acks; limits and unknown queues are refused whole.
  EXPECT_TRUE((*q_->ackBatch("default", "jobs", {(*got)[2].receipt}))[0].ok());
  EXPECT_EQ(len("jobs").in_flight, 0u);
  EXPECT_EQ(q_->ackBatch("default", "jobs", {}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(q_->ackBatch("default", "jobs", std::vector<std::string>(101, "x")).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(q_->ackBatch("default", "nope", {"x"}).status().code(), Code::kNotFound);
}

TEST_F(QueueServiceTest, MessagesReadyAgainBelowTheHeadAreStillReceivedInOrder) {
  // Claims remember where the ready messages start; messages made visible again at their old
  // place (visibility 0, timeout) sit below that point and must still come out first.
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->sendBatch("default", "jobs", {"m0", "m1", "m2", "m3", "m4", "m5"}).ok());
  auto first = q_->receive("default", "jobs", 2, 30000, 0);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 2u);
  auto short_lived = q_->receive("default", "jobs", 1, 50, 0);  // m2, times out
  ASSERT_TRUE(short_lived.ok());
  auto next = q_->receive("default", "jobs", 1, 30000, 0);  // m3; the head is past m3 now
  ASSERT_TRUE(next.ok());
  EXPECT_EQ((*next)[0].body, "m3");
  ASSERT_TRUE(q_->changeVisibility("default", "jobs", (*first)[1].receipt, 0).ok());  // m1 back
  std::this_thread::sleep_for(std::chrono::milliseconds(80));                          // m2 back
  auto again = q_->receive("default", "jobs", 10, 30000, 0);
  ASSERT_TRUE(again.ok());
  std::vector<std::string> bodies;
  for (const auto& m : *again) bodies.push_back(m.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"m1", "m2", "m4", "m5"}));
  // A reopened service (a restart) starts from the beginning again and loses nothing.
  q_.reset();
  engine_.reset();
  open();
  ASSERT_TRUE(q_->changeVisibility("default", "jobs", (*again)[0].receipt, 0).ok());
  auto after = q_->receive("default", "jobs", 10, 30000, 0);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ((*after)[0].body, "m1");
}

}  // namespace
}  // namespace strata::queue
