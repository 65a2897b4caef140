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
  // After a restart every unacked message is visible again, in send order.
  q_.reset();
  engine_.reset();
  open();
  EXPECT_EQ(q_->changeVisibility("default", "jobs", (*again)[0].receipt, 0).code(), Code::kNotFound);
  auto after = q_->receive("default", "jobs", 10, 30000, 0);
  ASSERT_TRUE(after.ok());
  bodies.clear();
  for (const auto& m : *after) bodies.push_back(m.body);
  EXPECT_EQ(bodies, (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m5"}));
}

TEST_F(QueueServiceTest, RestartMakesInFlightMessagesVisibleAgainWithOrderAndCountsKept) {
  ASSERT_TRUE(q_->create("default", "dead").ok());
  ASSERT_TRUE(q_->create("default", "jobs", {.max_receives = 5, .dead_letter_queue = "dead"}).ok());
  ASSERT_TRUE(q_->sendBatch("default", "jobs", {"m0", "m1", "m2", "m3"}).ok());
  auto first = q_->receive("default", "jobs", 2, 30000, 0);  // m0, m1 in flight
  ASSERT_EQ(first->size(), 2u);
  auto m2 = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_TRUE(q_->ack("default", "jobs", (*m2)[0].receipt).ok());
  EXPECT_EQ(len("jobs").in_flight, 2u);
  q_.reset();
  engine_.reset();
  open();
  EXPECT_EQ(len("jobs").visible, 3u);
  EXPECT_EQ(len("jobs").in_flight, 0u);
  EXPECT_EQ(q_->ack("default", "jobs", (*first)[0].receipt).code(), Code::kNotFound);  // stale now
  auto got = q_->receive("default", "jobs", 10, 30000, 0);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].body, "m0");
  EXPECT_EQ((*got)[0].receive_count, 2u);
  EXPECT_EQ((*got)[1].body, "m1");
  EXPECT_EQ((*got)[1].receive_count, 2u);
  EXPECT_EQ((*got)[2].body, "m3");
  EXPECT_EQ((*got)[2].receive_count, 1u);
  // New sends after a restart still come after the recovered ones.
  ASSERT_TRUE(q_->send("default", "jobs", "m4").ok());
  for (auto& m : *got) ASSERT_TRUE(q_->changeVisibility("default", "jobs", m.receipt, 0).ok());
  auto all = q_->receive("default", "jobs", 10, 30000, 0);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].body, "m0");
  EXPECT_EQ((*all)[3].body, "m4");
  for (auto& m : *all) ASSERT_TRUE(q_->ack("default", "jobs", m.receipt).ok());
  q_.reset();
  engine_.reset();
  open();
  EXPECT_EQ(len("jobs").visible, 0u);
  EXPECT_EQ(len("jobs").in_flight, 0u);
}

TEST_F(QueueServiceTest, RestartsNeverGrantMoreThanMaxReceives) {
  ASSERT_TRUE(q_->create("default", "dead").ok());
  ASSERT_TRUE(q_->create("default", "jobs", {.max_receives = 2, .dead_letter_queue = "dead"}).ok());
  ASSERT_TRUE(q_->send("default", "jobs", "poison").ok());
  for (uint32_t i = 1; i <= 2; ++i) {
    auto got = q_->receive("default", "jobs", 1, 30000, 0);
    ASSERT_EQ(got->size(), 1u);
    EXPECT_EQ((*got)[0].receive_count, i);
    q_.reset();  // the consumer's delivery dies with the server
    engine_.reset();
    open();
  }
  auto third = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_TRUE(third.ok());
  EXPECT_TRUE(third->empty());
  EXPECT_EQ(len("jobs").visible, 0u);
  q_.reset();
  engine_.reset();
  open();
  auto dead = q_->receive("default", "dead", 1, 30000, 0);
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].body, "poison");
  EXPECT_EQ(len("jobs").visible, 0u);
}

TEST_F(QueueServiceTest, RedeliveryCountsSurviveARestartWithoutDeadLetterQueue) {
  ASSERT_TRUE(q_->create("default", "jobs").ok());
  ASSERT_TRUE(q_->send("default", "jobs", "x").ok());
  ASSERT_EQ(q_->receive("default", "jobs", 1, 10, 0)->size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  auto second = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].receive_count, 2u);
  q_.reset();
  engine_.reset();
  open();
  auto third = q_->receive("default", "jobs", 1, 30000, 0);
  ASSERT_EQ(third->size(), 1u);
  EXPECT_EQ((*third)[0].receive_count, 3u);
}

TEST_F(QueueServiceTest, OpensQueuesOfTheOlderFormat) {
  // A data dir written by the transactional queue (message record ver=1 with state, ready and
  // in-flight index entries, length counters): its messages are received, in order, with their
  // counts, and the old index keys are deleted on first use.
  ASSERT_TRUE(q_->create("default", "old").ok());
  q_.reset();
  auto u64 = [](uint64_t v) {
    std::string s;
    for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(v >> (i * 8)));
    return s;
  };
  auto u32 = [](uint32_t v) {
    std::string s;
    for (int i = 3; i >= 0; --i) s.push_back(static_cast<char>(v >> (i * 8)));
    return s;
  };
  auto v1 = [&](uint8_t state, uint32_t count, std::string_view body) {
    return std::string(1, 1) + std::string(1, static_cast<char>(state)) + u64(0) + u32(count) + u64(1000) +
           u64(7) + std::string(body);
  };
  const std::string base = "w/default/";
  db::WriteBatch b;
  b.put(base + "qm/" + u64(1) + u64(100), v1(2, 1, "in-flight"));
  b.put(base + "qi/" + u64(1) + u64(5) + u64(100), "");
  b.put(base + "qm/" + u64(1) + u64(200), v1(1, 0, "ready"));
  b.put(base + "qr/" + u64(1) + u64(200), "");
  b.put(base + "qk/" + u64(1) + std::string(1, 3), u64(1) + u64(1));
  ASSERT_TRUE(engine_->write(b).ok());
  q_ = std::make_unique<QueueService>(*engine_);
  EXPECT_EQ(len("old").visible, 2u);
  auto got = q_->receive("default", "old", 10, 30000, 0);
  ASSERT_TRUE(got.ok()) << got.status().toString();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].body, "in-flight");
  EXPECT_EQ((*got)[0].receive_count, 2u);
  EXPECT_EQ((*got)[1].body, "ready");
  EXPECT_EQ((*got)[1].receive_count, 1u);
  for (const char* kind : {"qr/", "qi/", "qk/"}) {
    auto left = engine_->scan(base + kind, db::prefixEnd(base + kind));
    ASSERT_TRUE(left.ok());
    EXPECT_TRUE(left->empty()) << kind;
  }
  for (auto& m : *got) ASSERT_TRUE(q_->ack("default", "old", m.receipt).ok());
  auto rest = engine_->scan(base + "q", db::prefixEnd(base + "q"));
  ASSERT_TRUE(rest.ok());
  for (const auto& kv : *rest) EXPECT_TRUE(kv.key.starts_with(base + "qn/") || kv.key == base + "qc") << kv.key;
}

}  // namespace
}  // namespace strata::queue
