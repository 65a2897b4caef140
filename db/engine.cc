#include "db/engine.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>

#include "common/clock.h"
#include "common/metrics.h"

namespace strata::db {
namespace {

// Backoff between conflicting attempts: exponential from 50 us, capped at 20 ms, with "equal
// jitter" (a random point in [d/2, d]) so that threads that collided once do not collide again
// in lock step, while every thread still waits at least half the nominal delay.
constexpr auto kFirstBackoff = std::chrono::microseconds(50);
constexpr auto kMaxBackoff = std::chrono::microseconds(20'000);

std::chrono::microseconds jittered(std::chrono::microseconds nominal) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  std::uniform_int_distribution<int64_t> dist(nominal.count() / 2, nominal.count());
  return std::chrono::microseconds(dist(rng));
}

void describeMetrics() {
  static std::once_flag once;
  std::call_once(once, [] {
    metrics::describe("strata_db_transactions_total", metrics::Type::kCounter,
                      "Transactions run by db::Engine::run, by outcome: ok, conflict (gave up), aborted (the body or commit returned another error).");
    metrics::describe("strata_db_conflict_retries_total", metrics::Type::kCounter,
                      "Transaction attempts re-run because of a conflict.");
    metrics::describe("strata_db_transaction_seconds", metrics::Type::kHistogram,
                      "Time of db::Engine::run from first attempt to final outcome, retries included.");
  });
}

void record(const Status& s, int64_t started_ns) {
  static const metrics::Labels kOk = {{"outcome", "ok"}};
  static const metrics::Labels kConflict = {{"outcome", "conflict"}};
  static const metrics::Labels kAborted = {{"outcome", "aborted"}};
  metrics::inc("strata_db_transactions_total",
               s.ok() ? kOk : s.code() == Code::kConflict ? kConflict : kAborted);
  metrics::observe("strata_db_transaction_seconds", {}, (monotonicNanos() - started_ns) / 1e9);
}

}  // namespace

Status Engine::run(const std::function<Status(Transaction&)>& body, RunOptions options) {
  describeMetrics();
  const int64_t started = monotonicNanos();
  auto backoff = kFirstBackoff;
  Status last = conflict("transaction was never attempted (max_attempts <= 0)");
  for (int attempt = 1; attempt <= options.max_attempts; ++attempt) {
    std::unique_ptr<Transaction> txn = begin(TxnOptions{.durability = options.durability});
    Status s = body(*txn);
    if (s.ok()) s = txn->commit();
    // Any other outcome is final. On an error from body the transaction is destroyed without
    // commit, which discards its writes.
    if (s.code() != Code::kConflict) {
      record(s, started);
      return s;
    }
    last = std::move(s);
    txn.reset();
    if (attempt == options.max_attempts) break;
    metrics::inc("strata_db_conflict_retries_total");
    std::this_thread::sleep_for(jittered(backoff));
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  Status gave_up = conflict("transaction gave up after ", std::to_string(options.max_attempts),
                            " conflicting attempts: ", last.message());
  record(gave_up, started);
  return gave_up;
}

void WriteBatch::append(Op op, std::string_view key, std::string_view value) {
  rep_.reserve(rep_.size() + 9 + key.size() + value.size());
  rep_.push_back(static_cast<char>(op));
  for (uint32_t n : {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())}) {
    char b[4];
    std::memcpy(b, &n, 4);
    rep_.append(b, 4);
  }
  rep_.append(key);
  rep_.append(value);
  ++count_;
}

uint32_t WriteBatch::readU32(size_t at) const {
  uint32_t n;
  std::memcpy(&n, rep_.data() + at, 4);
  return n;
}

Status Engine::write(const WriteBatch& batch, Durability durability) {
  if (batch.empty()) return Status::OK();
  // A transaction that only writes conflicts only on its write set; retried by run().
  return run(
      [&](Transaction& txn) -> Status {
        Status s = Status::OK();
        batch.forEach([&](WriteBatch::Op op, std::string_view key, std::string_view value) {
          if (!s.ok()) return;
          s = op == WriteBatch::Op::kPut ? txn.put(key, value) : txn.del(key);
        });
        return s;
      },
      {.durability = durability});
}

std::string prefixEnd(std::string_view prefix) {
  // Drop trailing 0xff bytes (no key starting with the prefix can be bounded by incrementing
  // them), then increment the last remaining byte.
  std::string end(prefix);
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;
}

}  // namespace strata::db
