#include "queue/queue_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <unordered_map>

#include "common/bytes.h"
#include "common/clock.h"
#include "queue/records.h"

namespace strata::queue {
namespace {

using db::Transaction;
using records::MessageRecord;
using records::State;

constexpr uint8_t kCounterShards = 16;
constexpr size_t kRequeueBatch = 100;

int64_t nowMs() { return nowNanos() / 1'000'000; }

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

Result<uint64_t> parseHex64(std::string_view s) {
  if (s.size() != 16) return notFound("malformed receipt handle");
  uint64_t v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (d < 0) return notFound("malformed receipt handle");
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

uint64_t randomNonce() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Each thread updates its own counter shard, so concurrent senders and receivers rarely
// conflict on the length counters.
uint8_t counterShard() {
  thread_local uint8_t shard = static_cast<uint8_t>(randomNonce() % kCounterShards);
  return shard;
}

Status addCounters(Transaction& txn, std::string_view ws, uint64_t qid, int64_t visible, int64_t in_flight) {
  std::string key = records::counterKey(ws, qid, counterShard());
  ASSIGN_OR_RETURN(auto raw, txn.get(key));
  records::Counters c = raw ? records::decodeCounters(*raw) : records::Counters{};
  c.visible += visible;
  c.in_flight += in_flight;
  return txn.put(key, records::encodeCounters(c));
}

Result<records::QueueRecord> readQueue(Transaction& txn, std::string_view ws, std::string_view name) {
  ASSIGN_OR_RETURN(auto raw, txn.get(records::queueKey(ws, name)));
  if (!raw) return notFound("no such queue: ", name);
  return records::decodeQueue(*raw);
}

Status checkBody(std::string_view body) {
  if (body.size() > kMaxMessageBytes) {
    return Status(Code::kTooLarge, "message is " + std::to_string(body.size()) +
                                       " bytes; the limit is " + std::to_string(kMaxMessageBytes));
  }
  return Status::OK();
}

Status checkVisibility(int64_t ms) {
  if (ms < 0 || ms > kMaxVisibilityMs) return invalidArgument("visibility timeout must be 0 to 43200 seconds");
  return Status::OK();
}

struct Receipt {
  uint64_t seq = 0;
  uint64_t nonce = 0;
};

std::string formatReceipt(uint64_t seq, uint64_t nonce) { return hex64(seq) + hex64(nonce); }

Result<Receipt> parseReceipt(std::string_view r) {
  if (r.size() != 32) return notFound("malformed receipt handle");
  ASSIGN_OR_RETURN(uint64_t seq, parseHex64(r.substr(0, 16)));
  ASSIGN_OR_RETURN(uint64_t nonce, parseHex64(r.substr(16)));
  return Receipt{seq, nonce};
}

}  // namespace

Status checkQueueName(std::string_view name) {
  if (name.empty() || name.size() > 80) return invalidArgument("queue name must be 1 to 80 characters");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return invalidArgument("queue name may hold only letters, digits, '-' and '_'");
  }
  return Status::OK();
}

struct QueueService::Impl {
  Impl(db::Engine& e, db::Durability d) : engine(e), durability(d) {}

  db::Engine& engine;
  const db::Durability durability;

  Status write(const std::function<Status(Transaction&)>& body) {
    return engine.run(body, {.durability = durability});
  }

  // Wakes long-polling receivers when a message is sent or made visible in this process.
  // Receivers also re-check on a short timer for sends from other processes and timeouts.
  std::mutex wake_mu;
  std::condition_variable wake_cv;
  uint64_t wake_generation = 0;  // guarded by wake_mu

  std::mutex locks_mu;
  std::unordered_map<std::string, std::unique_ptr<std::mutex>> receive_locks;  // guarded by locks_mu

  std::atomic<uint64_t> last_seq{0};

  // Where claims start scanning a queue's ready index. Acked and claimed messages leave
  // tombstones at the head of the index that an LSM store must step over on every scan from
  // the start until compaction drops them; scanning from a remembered head keeps a claim
  // O(batch) instead of O(messages ever claimed). The head only moves past seqs that can no
  // longer become ready unseen:
  // - a send registers its first seq (allocated under mu) until its commit is done, and a
  //   claim never advances past a pending send, nor past the last seq allocated when it
  //   started (anything allocated later is larger than every entry it saw);
  // - a message made ready again at its old place (timeout, visibility 0, dead-letter move)
  //   lowers the head after its commit and bumps `lowered`; a claim that overlapped a lowering
  //   does not advance.
  // In-memory and per process (a restart starts from 0: one full scan). If a scan from the
  // head finds nothing, the claim also looks from the start, so a writer this process does
  // not know of can only delay a message, never lose it.
  struct Head {
    std::mutex mu;
    uint64_t head = 0;                 // guarded by mu
    uint64_t lowered = 0;              // guarded by mu
    std::multiset<uint64_t> pending;   // guarded by mu: first seq of sends not yet done
  };
  std::mutex heads_mu;
  std::unordered_map<uint64_t, std::unique_ptr<Head>> heads;  // by queue id; guarded by heads_mu

  Head& headOf(uint64_t qid) {
    std::lock_guard lock(heads_mu);
    auto& slot = heads[qid];
    if (!slot) slot = std::make_unique<Head>();
    return *slot;
  }

  void lowerHead(uint64_t qid, uint64_t seq) {
    Head& h = headOf(qid);
    std::lock_guard lock(h.mu);
    h.head = std::min(h.head, seq);
    ++h.lowered;
  }

  // Unique, increasing in this process: microseconds since the epoch, bumped past the last.
  uint64_t nextSeq() {
    uint64_t candidate = static_cast<uint64_t>(nowNanos() / 1000) << 4;
    uint64_t last = last_seq.load();
    while (true) {
      uint64_t next = std::max(candidate, last + 1);
      if (last_seq.compare_exchange_weak(last, next)) return next;
    }
  }

  void wake() {
    {
      std::lock_guard lock(wake_mu);
      ++wake_generation;
    }
    wake_cv.notify_all();
  }

  std::mutex& receiveLock(std::string_view ws, std::string_view name) {
    std::string key = std::string(ws) + '/' + std::string(name);
    std::lock_guard lock(locks_mu);
    auto& slot = receive_locks[key];
    if (!slot) slot = std::make_unique<std::mutex>();
    return *slot;
  }

  Status putNewMessage(Transaction& txn, std::string_view ws, uint64_t qid, std::string_view body,
                       uint64_t seq) {
    MessageRecord m;
    m.state = State::kReady;
    m.sent_ms = nowMs();
    m.body = std::string(body);
    RETURN_IF_ERROR(txn.put(records::messageKey(ws, qid, seq), records::encodeMessage(m)));
    return txn.put(records::readyKey(ws, qid, seq), "");
  }

  // Makes in-flight messages whose visibility timeout ended visible again, in their old place.
  Status requeueExpired(std::string_view ws, uint64_t qid) {
    const int64_t now = nowMs();
    const std::string prefix = records::inflightPrefix(ws, qid);
    std::string end = prefix;
    appendU64BE(end, static_cast<uint64_t>(now + 1));
    ASSIGN_OR_RETURN(auto due, engine.scan(prefix, end, {.limit = kRequeueBatch}));
    if (due.empty()) return Status::OK();
    uint64_t lowest = UINT64_MAX;
    RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
      int64_t moved = 0;
      lowest = UINT64_MAX;
      for (const auto& entry : due) {
        ASSIGN_OR_RETURN(auto still, txn.get(entry.key));
        if (!still) continue;  // acked or requeued meanwhile
        uint64_t seq = records::trailingU64(entry.key);
        std::string mkey = records::messageKey(ws, qid, seq);
        ASSIGN_OR_RETURN(auto raw, txn.get(mkey));
        RETURN_IF_ERROR(txn.del(entry.key));
        if (!raw) continue;
        ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
        m.state = State::kReady;
        m.visible_at_ms = 0;
        RETURN_IF_ERROR(txn.put(mkey, records::encodeMessage(m)));
        RETURN_IF_ERROR(txn.put(records::readyKey(ws, qid, seq), ""));
        ++moved;
        lowest = std::min(lowest, seq);
      }
      if (moved == 0) return Status::OK();
      return addCounters(txn, ws, qid, moved, -moved);
    }));
    if (lowest != UINT64_MAX) lowerHead(qid, lowest);
    return Status::OK();
  }

  // Claims up to `max` visible messages. With `delete_now` they are removed at once
  // (receive-and-delete); else they go in flight for `visibility_ms`.
  Result<std::vector<Message>> claim(std::string_view ws, std::string_view name, uint64_t qid, size_t max,
                                     int64_t visibility_ms, bool delete_now) {
    std::vector<Message> out;
    bool moved_to_dlq = false;
    // Read before the transaction's snapshot (see Head).
    Head& h = headOf(qid);
    uint64_t start, lowered, limit;
    {
      std::lock_guard lock(h.mu);
      start = h.head;
      lowered = h.lowered;
      limit = last_seq.load() + 1;
      if (!h.pending.empty()) limit = std::min(limit, *h.pending.begin());
    }
    uint64_t examined_end = 0;  // one past the last ready entry this claim removed
    std::vector<std::pair<uint64_t, uint64_t>> dlq_moves;  // (dead-letter queue id, seq)
    RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
      out.clear();
      dlq_moves.clear();
      examined_end = 0;
      ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
      if (q.id != qid) return conflict("queue was replaced");
      if (visibility_ms < 0) visibility_ms = q.config.visibility_timeout_ms;
      const std::string prefix = records::readyPrefix(ws, q.id);
      const std::string end = db::prefixEnd(prefix);
      // Read a little more than asked: messages bound for the dead-letter queue are skipped.
      ASSIGN_OR_RETURN(auto ready, txn.scan(records::readyKey(ws, q.id, start), end, {.limit = max + 16}));
      if (ready.empty() && start > 0) {
        ASSIGN_OR_RETURN(ready, txn.scan(prefix, end, {.limit = max + 16}));
      }
      const int64_t now = nowMs();
      int64_t visible_delta = 0, inflight_delta = 0;
      std::optional<records::QueueRecord> dlq;
      for (const auto& entry : ready) {
        if (out.size() >= max) break;
        uint64_t seq = records::trailingU64(entry.key);
        examined_end = std::max(examined_end, seq + 1);
        ASSIGN_OR_RETURN(auto still, txn.get(entry.key));  // tracked: two claimers conflict
        if (!still) continue;
        std::string mkey = records::messageKey(ws, q.id, seq);
        ASSIGN_OR_RETURN(auto raw, txn.get(mkey));
        RETURN_IF_ERROR(txn.del(entry.key));
        --visible_delta;
        if (!raw) continue;
        ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
        if (q.config.max_receives > 0 && m.receive_count >= q.config.max_receives) {
          if (!dlq) {
            auto d = readQueue(txn, ws, q.config.dead_letter_queue);
            if (!d.ok()) return d.status();
            dlq = std::move(d).value();
          }
          RETURN_IF_ERROR(txn.del(mkey));
          uint64_t dlq_seq = nextSeq();
          dlq_moves.emplace_back(dlq->id, dlq_seq);
          RETURN_IF_ERROR(putNewMessage(txn, ws, dlq->id, m.body, dlq_seq));
          RETURN_IF_ERROR(addCounters(txn, ws, dlq->id, 1, 0));
          moved_to_dlq = true;
          continue;
        }
        Message msg;
        msg.id = hex64(q.id) + hex64(seq);
        msg.receive_count = m.receive_count + 1;
        msg.sent_ms = m.sent_ms;
        if (delete_now) {
          RETURN_IF_ERROR(txn.del(mkey));
          msg.body = std::move(m.body);
        } else {
          m.state = State::kInFlight;
          m.receive_count += 1;
          m.nonce = randomNonce();
          m.visible_at_ms = now + visibility_ms;
          RETURN_IF_ERROR(txn.put(mkey, records::encodeMessage(m)));
          RETURN_IF_ERROR(txn.put(records::inflightKey(ws, q.id, m.visible_at_ms, seq), ""));
          ++inflight_delta;
          msg.receipt = formatReceipt(seq, m.nonce);
          msg.body = std::move(m.body);
        }
        out.push_back(std::move(msg));
      }
      if (visible_delta == 0 && inflight_delta == 0) return Status::OK();
      return addCounters(txn, ws, q.id, visible_delta, inflight_delta);
    }));
    for (auto [dlq_id, dlq_seq] : dlq_moves) lowerHead(dlq_id, dlq_seq);
    if (examined_end > 0) {
      std::lock_guard lock(h.mu);
      if (h.lowered == lowered) h.head = std::max(h.head, std::min(examined_end, limit));
    }
    if (moved_to_dlq) wake();
    return out;
  }

  // A send's registration as pending with its queue's Head (see Head).
  struct PendingSend {
    uint64_t qid = 0;
    uint64_t first = 0;  // 0 = none
  };

  // Allocates increasing seqs for a send to queue `qid` and registers the first as pending
  // until releaseSend() (a retried attempt replaces the earlier registration).
  void allocateSend(uint64_t qid, std::vector<uint64_t>& seqs, PendingSend& reg) {
    releaseSend(reg);
    Head& h = headOf(qid);
    std::lock_guard lock(h.mu);
    for (auto& seq : seqs) seq = nextSeq();
    h.pending.insert(seqs.front());
    reg = {qid, seqs.front()};
  }

  void releaseSend(PendingSend& reg) {
    if (reg.first == 0) return;
    Head& h = headOf(reg.qid);
    std::lock_guard lock(h.mu);
    h.pending.erase(h.pending.find(reg.first));
    reg.first = 0;
  }

  Result<std::vector<Message>> receiveLoop(std::string_view ws, std::string_view name, size_t max,
                                           int64_t visibility_ms, int64_t wait_ms, bool delete_now) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (true) {
      uint64_t generation;
      {
        std::lock_guard lock(wake_mu);
        generation = wake_generation;
      }
      {
        std::lock_guard lock(receiveLock(ws, name));
        uint64_t qid;
        {
          ASSIGN_OR_RETURN(auto raw, engine.get(records::queueKey(ws, name)));
          if (!raw) return notFound("no such queue: ", name);
          ASSIGN_OR_RETURN(auto q, records::decodeQueue(*raw));
          qid = q.id;
        }
        RETURN_IF_ERROR(requeueExpired(ws, qid));
        ASSIGN_OR_RETURN(auto got, claim(ws, name, qid, max, visibility_ms, delete_now));
        if (!got.empty()) return got;
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::vector<Message>();
      // Wait for a send in this process, or re-check soon for other writers and timeouts.
      std::unique_lock lock(wake_mu);
      wake_cv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(200)),
                         [&] { return wake_generation != generation; });
    }
  }

  Status purge(std::string_view ws, uint64_t qid) {
    for (auto make : {records::messagePrefix, records::readyPrefix, records::inflightPrefix, records::counterPrefix}) {
      const std::string prefix = make(ws, qid);
      const std::string end = db::prefixEnd(prefix);
      while (true) {
        bool done = false;
        RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
          ASSIGN_OR_RETURN(auto batch, txn.scan(prefix, end, {.limit = 1000}));
          for (const auto& kv : batch) RETURN_IF_ERROR(txn.del(kv.key));
          done = batch.size() < 1000;
          return Status::OK();
        }));
        if (done) break;
      }
    }
    return write([&](Transaction& txn) { return txn.del(records::purgeKey(ws, qid)); });
  }
};

QueueService::QueueService(db::Engine& engine, db::Durability durability)
    : impl_(std::make_unique<Impl>(engine, durability)) {}
QueueService::~QueueService() = default;

Status QueueService::create(std::string_view ws, std::string_view name, const QueueConfig& config) {
  RETURN_IF_ERROR(checkQueueName(name));
  RETURN_IF_ERROR(checkVisibility(config.visibility_timeout_ms));
  if (config.max_receives > 0) {
    RETURN_IF_ERROR(checkQueueName(config.dead_letter_queue));
    if (config.dead_letter_queue == name) return invalidArgument("a queue cannot be its own dead-letter queue");
  }
  return impl_->write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto existing, txn.get(records::queueKey(ws, name)));
    if (existing) return Status::OK();
    if (config.max_receives > 0) {
      ASSIGN_OR_RETURN(auto dlq, txn.get(records::queueKey(ws, config.dead_letter_queue)));
      if (!dlq) return notFound("dead-letter queue does not exist: ", config.dead_letter_queue);
    }
    ASSIGN_OR_RETURN(auto counter, txn.get(records::queueCounterKey(ws)));
    uint64_t id = counter ? std::stoull(*counter) : 1;
    RETURN_IF_ERROR(txn.put(records::queueCounterKey(ws), std::to_string(id + 1)));
    return txn.put(records::queueKey(ws, name), records::encodeQueue({id, nowUnix(), config}));
  });
}

Result<std::vector<QueueInfo>> QueueService::list(std::string_view ws) {
  const std::string prefix = records::queuePrefix(ws);
  const std::string end = db::prefixEnd(prefix);
  std::vector<QueueInfo> out;
  std::string begin = prefix;
  while (true) {
    ASSIGN_OR_RETURN(auto page, impl_->engine.scan(begin, end, {.limit = 1000}));
    for (const auto& kv : page) {
      ASSIGN_OR_RETURN(auto q, records::decodeQueue(kv.value));
      out.push_back({kv.key.substr(prefix.size()), q.created_unix, q.config});
    }
    if (page.size() < 1000) return out;
    begin = page.back().key + '\0';
  }
}

Status QueueService::remove(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkQueueName(name));
  uint64_t qid = 0;
  RETURN_IF_ERROR(impl_->write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
    qid = q.id;
    RETURN_IF_ERROR(txn.del(records::queueKey(ws, name)));
    return txn.put(records::purgeKey(ws, qid), "");
  }));
  return impl_->purge(ws, qid);
}

Result<std::string> QueueService::send(std::string_view ws, std::string_view name, std::string_view body) {
  ASSIGN_OR_RETURN(auto ids, sendBatch(ws, name, {std::string(body)}));
  return ids.front();
}

Result<std::vector<std::string>> QueueService::sendBatch(std::string_view ws, std::string_view name,
                                                         const std::vector<std::string>& bodies) {
  if (bodies.empty() || bodies.size() > kMaxBatch) return invalidArgument("a batch holds 1 to 100 messages");
  for (const auto& b : bodies) RETURN_IF_ERROR(checkBody(b));
  std::vector<std::string> ids;
  std::vector<uint64_t> seqs(bodies.size());
  Impl::PendingSend reg;
  Status s = impl_->write([&](Transaction& txn) -> Status {
    ids.clear();
    ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
    impl_->allocateSend(q.id, seqs, reg);
    for (size_t i = 0; i < bodies.size(); ++i) {
      RETURN_IF_ERROR(impl_->putNewMessage(txn, ws, q.id, bodies[i], seqs[i]));
      ids.push_back(hex64(q.id) + hex64(seqs[i]));
    }
    return addCounters(txn, ws, q.id, static_cast<int64_t>(bodies.size()), 0);
  });
  impl_->releaseSend(reg);  // committed (visible to later claims) or abandoned
  RETURN_IF_ERROR(s);
  impl_->wake();
  return ids;
}

Result<std::vector<Message>> QueueService::receive(std::string_view ws, std::string_view name, size_t max,
                                                   int64_t visibility_ms, int64_t wait_ms) {
  RETURN_IF_ERROR(checkQueueName(name));
  if (max == 0 || max > kMaxBatch) return invalidArgument("max messages must be 1 to 100");
  if (wait_ms < 0 || wait_ms > kMaxWaitMs) return invalidArgument("wait must be 0 to 20 seconds");
  if (visibility_ms >= 0) RETURN_IF_ERROR(checkVisibility(visibility_ms));
  return impl_->receiveLoop(ws, name, max, visibility_ms, wait_ms, false);
}

Result<std::optional<Message>> QueueService::receiveAndDelete(std::string_view ws, std::string_view name,
                                                              int64_t wait_ms) {
  RETURN_IF_ERROR(checkQueueName(name));
  if (wait_ms < 0 || wait_ms > kMaxWaitMs) return invalidArgument("wait must be 0 to 20 seconds");
  ASSIGN_OR_RETURN(auto got, impl_->receiveLoop(ws, name, 1, 0, wait_ms, true));
  if (got.empty()) return std::optional<Message>();
  return std::optional<Message>(std::move(got.front()));
}

Status QueueService::ack(std::string_view ws, std::string_view name, std::string_view receipt) {
  ASSIGN_OR_RETURN(auto r, parseReceipt(receipt));
  return impl_->write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
    std::string mkey = records::messageKey(ws, q.id, r.seq);
    ASSIGN_OR_RETURN(auto raw, txn.get(mkey));
    if (!raw) return notFound("receipt handle is stale or unknown");
    ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
    if (m.state != State::kInFlight || m.nonce != r.nonce) return notFound("receipt handle is stale or unknown");
    RETURN_IF_ERROR(txn.del(mkey));
    RETURN_IF_ERROR(txn.del(records::inflightKey(ws, q.id, m.visible_at_ms, r.seq)));
    return addCounters(txn, ws, q.id, 0, -1);
  });
}

Result<std::vector<Status>> QueueService::ackBatch(std::string_view ws, std::string_view name,
                                                   const std::vector<std::string>& receipts) {
  if (receipts.empty() || receipts.size() > kMaxBatch) return invalidArgument("a batch holds 1 to 100 receipts");
  std::vector<Status> results;
  RETURN_IF_ERROR(impl_->write([&](Transaction& txn) -> Status {
    results.assign(receipts.size(), Status::OK());
    ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
    int64_t acked = 0;
    for (size_t i = 0; i < receipts.size(); ++i) {
      auto r = parseReceipt(receipts[i]);
      if (!r.ok()) {
        results[i] = r.status();
        continue;
      }
      std::string mkey = records::messageKey(ws, q.id, r->seq);
      ASSIGN_OR_RETURN(auto raw, txn.get(mkey));
      if (!raw) {
        results[i] = notFound("receipt handle is stale or unknown");
        continue;
      }
      ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
      if (m.state != State::kInFlight || m.nonce != r->nonce) {
        results[i] = notFound("receipt handle is stale or unknown");
        continue;
      }
      // Deleted within this transaction: a receipt given twice in one batch fails the second time.
      RETURN_IF_ERROR(txn.del(mkey));
      RETURN_IF_ERROR(txn.del(records::inflightKey(ws, q.id, m.visible_at_ms, r->seq)));
      ++acked;
    }
    if (acked == 0) return Status::OK();
    return addCounters(txn, ws, q.id, 0, -acked);
  }));
  return results;
}

Status QueueService::changeVisibility(std::string_view ws, std::string_view name, std::string_view receipt,
                                      int64_t visibility_ms) {
  RETURN_IF_ERROR(checkVisibility(visibility_ms));
  ASSIGN_OR_RETURN(auto r, parseReceipt(receipt));
  uint64_t qid = 0;
  RETURN_IF_ERROR(impl_->write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto q, readQueue(txn, ws, name));
    qid = q.id;
    std::string mkey = records::messageKey(ws, q.id, r.seq);
    ASSIGN_OR_RETURN(auto raw, txn.get(mkey));
    if (!raw) return notFound("receipt handle is stale or unknown");
    ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
    if (m.state != State::kInFlight || m.nonce != r.nonce) return notFound("receipt handle is stale or unknown");
    RETURN_IF_ERROR(txn.del(records::inflightKey(ws, q.id, m.visible_at_ms, r.seq)));
    if (visibility_ms == 0) {
      m.state = State::kReady;
      m.visible_at_ms = 0;
      RETURN_IF_ERROR(txn.put(records::readyKey(ws, q.id, r.seq), ""));
      RETURN_IF_ERROR(addCounters(txn, ws, q.id, 1, -1));
    } else {
      m.visible_at_ms = nowMs() + visibility_ms;
      RETURN_IF_ERROR(txn.put(records::inflightKey(ws, q.id, m.visible_at_ms, r.seq), ""));
    }
    return txn.put(mkey, records::encodeMessage(m));
  }));
  if (visibility_ms == 0) {
    impl_->lowerHead(qid, r.seq);  // ready again at its old place, maybe below the head
    impl_->wake();
  }
  return Status::OK();
}

Result<QueueLength> QueueService::length(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkQueueName(name));
  // Messages whose timeout ended count as visible, as a receive would see them.
  {
    ASSIGN_OR_RETURN(auto raw, impl_->engine.get(records::queueKey(ws, name)));
    if (!raw) return notFound("no such queue: ", name);
    ASSIGN_OR_RETURN(auto q, records::decodeQueue(*raw));
    RETURN_IF_ERROR(impl_->requeueExpired(ws, q.id));
  }
  auto txn = impl_->engine.begin();
  ASSIGN_OR_RETURN(auto q, readQueue(*txn, ws, name));
  const std::string prefix = records::counterPrefix(ws, q.id);
  ASSIGN_OR_RETURN(auto shards, txn->scan(prefix, db::prefixEnd(prefix), {.limit = 256}));
  int64_t visible = 0, in_flight = 0;
  for (const auto& kv : shards) {
    auto c = records::decodeCounters(kv.value);
    visible += c.visible;
    in_flight += c.in_flight;
  }
  return QueueLength{static_cast<uint64_t>(std::max<int64_t>(0, visible)),
                     static_cast<uint64_t>(std::max<int64_t>(0, in_flight))};
}

}  // namespace strata::queue
