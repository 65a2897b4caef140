#include "queue/queue_service.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "common/bytes.h"
#include "common/clock.h"
#include "queue/records.h"
#include "queue/write_combiner.h"

// Design (docs/kv-queue-formats.md, "queues"):
//
// A message is written once by send (one put) and deleted once by ack (one delete), each in a
// WriteBatch without a transaction. Delivery state -- which messages are ready, which are in
// flight until when, the receipt nonce of each delivery -- lives only in memory, in one
// QueueState per queue, because this service is the single writer of its queues' keys: the
// server process owns the engine (RocksDB locks its directory) and builds one QueueService on
// it, as the KV read cache relies on too. Nothing else may write w/<ws>/q* keys while a
// QueueService is running on the engine.
//
// What must survive a restart is on disk: every sent and not yet acked message (qm/), and the
// receive counts that decide dead-lettering (qd/). On the first use of a queue after start its
// messages are scanned back into memory, all of them ready, in seq (send) order: a delivery that
// was in flight when the server stopped is visible again at once (its visibility timeout does
// not survive a restart, which at-least-once delivery allows) and its receipt is stale.
//
// Receive counts: a queue with a dead-letter queue persists the count of every delivery (a
// qd/ put in the claim's batch, before the message is handed out), so a restart can never
// grant a message more deliveries than max_receives. Without a dead-letter queue the count
// only informs the consumer; it is persisted from the second delivery on (redeliveries are
// rare), so after a restart it may be one lower than the true count.
namespace strata::queue {
namespace {

constexpr size_t kScanPage = 1000;
// Bodies up to this size are kept in memory from send (or recovery) to ack, up to
// kBodyCacheBytes in all; others are read back from the engine when delivered.
constexpr size_t kCacheBodyMax = 64 * 1024;
constexpr size_t kBodyCacheBytes = 256 * 1024 * 1024;
// Long polls re-check at least this often (timeouts of in-flight messages wake them sooner).
constexpr auto kMaxPollSlice = std::chrono::milliseconds(1000);

int64_t nowMs() { return nowNanos() / 1'000'000; }

std::string hex64(uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kHex[v & 15];
  return out;
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

Status staleReceipt() { return notFound("receipt handle is stale or unknown"); }

// One stored, not yet acked message of a queue.
struct Entry {
  enum class State : uint8_t {
    kReady,     // in QueueState::ready
    kInFlight,  // in QueueState::inflight until visible_at
    kBusy,      // being acked, popped or dead-lettered: its engine write is under way
  };
  State state = State::kReady;
  uint32_t receive_count = 0;  // deliveries so far
  bool count_on_disk = false;  // a qd/ record exists (deleted with the message)
  uint64_t nonce = 0;          // of the current delivery (in flight)
  int64_t visible_at = 0;      // in flight until then (ms since the epoch)
  int64_t sent_ms = 0;
  // Cached bytes holding the body from offset body_at (the encoded record as sent, so a send
  // copies a body once less), or null: read the record from the engine.
  std::shared_ptr<const std::string> cached;
  uint32_t body_at = 0;
};

// The in-memory state of one queue. Lock order: life (shared) before mu; never two queues' mu
// at once.
struct QueueState {
  std::string ws, name;
  uint64_t qid = 0;
  QueueConfig config;

  // Held shared by every operation while it writes this queue's keys, exclusively by remove()
  // before it purges them, so no write lands after the purge.
  std::shared_mutex life;

  std::mutex mu;
  std::condition_variable cv;  // signalled when messages become ready or the queue is removed
  bool loaded = false;         // guarded by mu: recovered from the engine
  bool deleted = false;        // guarded by mu
  uint64_t generation = 0;     // guarded by mu: bumped whenever messages become ready
  std::map<uint64_t, Entry> entries;                  // guarded by mu: by seq
  std::set<uint64_t> ready;                           // guarded by mu: FIFO by seq
  std::set<std::pair<int64_t, uint64_t>> inflight;    // guarded by mu: (visible_at, seq)

  void makeReady(uint64_t seq, Entry& e) {
    e.state = Entry::State::kReady;
    ready.insert(seq);
  }
  // Wakes one long-polling receiver: it takes up to a whole batch, and a receiver that leaves
  // messages ready wakes the next (claim()), so a send does not wake every waiter for nothing.
  void notifyReady() {
    ++generation;
    cv.notify_one();
  }
  // Makes in-flight messages whose visibility timeout ended visible again, in their old place.
  void requeueExpired(int64_t now) {
    bool any = false;
    while (!inflight.empty() && inflight.begin()->first <= now) {
      uint64_t seq = inflight.begin()->second;
      inflight.erase(inflight.begin());
      makeReady(seq, entries.at(seq));
      any = true;
    }
    if (any) notifyReady();
  }
};

using StatePtr = std::shared_ptr<QueueState>;

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
  Impl(db::Engine& e, db::Durability d) : engine(e), durability(d), combiner(e, d) {}

  db::Engine& engine;
  const db::Durability durability;
  WriteCombiner combiner;  // every engine write of the hot path goes through it

  std::mutex states_mu;
  std::unordered_map<std::string, StatePtr> states;  // guarded by states_mu; by ws '\0' name

  std::mutex seq_mu;
  uint64_t last_seq = 0;  // guarded by seq_mu

  std::atomic<size_t> cached_bytes{0};

  Status write(const db::WriteBatch& batch) { return combiner.write(batch); }

  // Unique and increasing: microseconds since the epoch (<< 4), bumped past the last seq
  // handed out or found on disk.
  uint64_t nextSeq() {
    uint64_t candidate = static_cast<uint64_t>(nowNanos() / 1000) << 4;
    std::lock_guard lock(seq_mu);
    last_seq = std::max(candidate, last_seq + 1);
    return last_seq;
  }
  void seenSeq(uint64_t seq) {
    std::lock_guard lock(seq_mu);
    last_seq = std::max(last_seq, seq);
  }

  // Keeps `bytes` (a body from offset body_at) in e while the cache has room.
  void cache(Entry& e, std::string&& bytes, size_t body_at) {
    if (bytes.size() - body_at > kCacheBodyMax) return;
    if (cached_bytes.fetch_add(bytes.size()) + bytes.size() > kBodyCacheBytes) {
      cached_bytes.fetch_sub(bytes.size());
      return;
    }
    e.cached = std::make_shared<const std::string>(std::move(bytes));
    e.body_at = static_cast<uint32_t>(body_at);
  }
  void forget(QueueState& st, std::map<uint64_t, Entry>::iterator it) {
    if (it->second.cached) cached_bytes.fetch_sub(it->second.cached->size());
    st.entries.erase(it);
  }

  static std::string stateKey(std::string_view ws, std::string_view name) {
    std::string k(ws);
    k.push_back('\0');
    k.append(name);
    return k;
  }

  // The loaded state of a queue; kNotFound when it does not exist.
  Result<StatePtr> state(std::string_view ws, std::string_view name) {
    StatePtr st;
    {
      std::lock_guard lock(states_mu);
      auto it = states.find(stateKey(ws, name));
      if (it != states.end()) {
        st = it->second;
      } else {
        // Read under states_mu: remove() drops the entry after deleting the record, so a
        // state inserted here is never one of a queue already removed.
        ASSIGN_OR_RETURN(auto raw, engine.get(records::queueKey(ws, name)));
        if (!raw) return notFound("no such queue: ", name);
        ASSIGN_OR_RETURN(auto q, records::decodeQueue(*raw));
        st = std::make_shared<QueueState>();
        st->ws = std::string(ws);
        st->name = std::string(name);
        st->qid = q.id;
        st->config = q.config;
        states.emplace(stateKey(ws, name), st);
      }
    }
    std::lock_guard lock(st->mu);
    if (!st->loaded) RETURN_IF_ERROR(load(*st));
    return st;
  }

  // Rebuilds a queue's in-memory state from the engine (st.mu held): every stored message is
  // ready, in seq order, with its persisted receive count. Deletes the keys of the older
  // format that held delivery state on disk (see records.h).
  Status load(QueueState& st) {
    for (auto it = st.entries.begin(); it != st.entries.end();) forget(st, it++);
    st.ready.clear();
    st.inflight.clear();
    const std::string& ws = st.ws;
    auto scanAll = [&](const std::string& prefix, const std::function<Status(const db::KeyValue&)>& fn) -> Status {
      const std::string end = db::prefixEnd(prefix);
      std::string begin = prefix;
      while (true) {
        ASSIGN_OR_RETURN(auto page, engine.scan(begin, end, {.limit = kScanPage}));
        for (const auto& kv : page) RETURN_IF_ERROR(fn(kv));
        if (page.size() < kScanPage) return Status::OK();
        begin = page.back().key + '\0';
      }
    };
    RETURN_IF_ERROR(scanAll(records::messagePrefix(ws, st.qid), [&](const db::KeyValue& kv) -> Status {
      ASSIGN_OR_RETURN(auto m, records::decodeMessage(kv.value));
      uint64_t seq = records::trailingU64(kv.key);
      Entry e;
      e.receive_count = m.receive_count;
      e.sent_ms = m.sent_ms;
      cache(e, std::move(m.body), 0);
      st.entries.emplace(seq, std::move(e));
      st.ready.insert(seq);
      seenSeq(seq);
      return Status::OK();
    }));
    db::WriteBatch cleanup;
    auto flush = [&]() -> Status {
      if (cleanup.count() < kScanPage) return Status::OK();
      RETURN_IF_ERROR(write(cleanup));
      cleanup.clear();
      return Status::OK();
    };
    RETURN_IF_ERROR(scanAll(records::countPrefix(ws, st.qid), [&](const db::KeyValue& kv) -> Status {
      auto it = st.entries.find(records::trailingU64(kv.key));
      if (it == st.entries.end()) {  // its message was acked before the count was deleted
        cleanup.del(kv.key);
        return flush();
      }
      it->second.receive_count = std::max(it->second.receive_count, records::decodeCount(kv.value));
      it->second.count_on_disk = true;
      return Status::OK();
    }));
    for (const auto& prefix : {records::legacyReadyPrefix(ws, st.qid), records::legacyInflightPrefix(ws, st.qid),
                               records::legacyCounterPrefix(ws, st.qid)}) {
      RETURN_IF_ERROR(scanAll(prefix, [&](const db::KeyValue& kv) -> Status {
        cleanup.del(kv.key);
        return flush();
      }));
    }
    if (!cleanup.empty()) RETURN_IF_ERROR(write(cleanup));
    st.loaded = true;
    return Status::OK();
  }

  Result<std::string> readBody(const QueueState& st, uint64_t seq, const Entry& e) {
    if (e.cached) return e.cached->substr(e.body_at);
    ASSIGN_OR_RETURN(auto raw, engine.get(records::messageKey(st.ws, st.qid, seq)));
    if (!raw) return corruption("queue message missing from the engine");
    ASSIGN_OR_RETURN(auto m, records::decodeMessage(*raw));
    return std::move(m.body);
  }

  // Moves message `seq` of `src` (state kBusy, taken off the ready list by the caller) to the
  // dead-letter queue: one batch puts it there and deletes it here. On failure it is ready again.
  Status deadLetter(QueueState& src, uint64_t seq) {
    auto fail = [&](Status s) {
      std::lock_guard lock(src.mu);
      auto it = src.entries.find(seq);
      if (it != src.entries.end() && !src.deleted) {
        src.makeReady(seq, it->second);
        src.notifyReady();
      }
      return s;
    };
    std::string body;
    int64_t sent_ms = 0;
    bool count_on_disk = false;
    {
      std::lock_guard lock(src.mu);
      const Entry& e = src.entries.at(seq);
      auto b = readBody(src, seq, e);
      if (!b.ok()) return fail(b.status());
      body = std::move(b).value();
      sent_ms = e.sent_ms;
      count_on_disk = e.count_on_disk;
    }
    auto dst = state(src.ws, src.config.dead_letter_queue);
    if (!dst.ok()) return fail(dst.status());
    QueueState& d = **dst;
    std::shared_lock life(d.life);
    uint64_t dseq;
    {
      std::lock_guard lock(d.mu);
      if (d.deleted) return fail(notFound("no such queue: ", d.name));
      dseq = nextSeq();
    }
    db::WriteBatch batch;
    std::string record = records::encodeMessage(sent_ms, body);
    batch.put(records::messageKey(d.ws, d.qid, dseq), record);
    batch.del(records::messageKey(src.ws, src.qid, seq));
    if (count_on_disk) batch.del(records::countKey(src.ws, src.qid, seq));
    Status s = write(batch);
    if (!s.ok()) return fail(s);
    {
      std::lock_guard lock(d.mu);
      Entry e;
      e.sent_ms = sent_ms;
      cache(e, std::move(record), records::kMessageBodyOffset);
      d.entries.emplace(dseq, std::move(e));
      d.makeReady(dseq, d.entries.at(dseq));
      d.notifyReady();
    }
    std::lock_guard lock(src.mu);
    auto it = src.entries.find(seq);
    if (it != src.entries.end()) forget(src, it);
    return Status::OK();
  }

  // One attempt to claim up to `max` ready messages (st.life held shared by the caller). With
  // `delete_now` they are deleted at once (receive-and-delete); else they go in flight for
  // `visibility_ms`. `generation` returns the queue's generation seen, for the long poll.
  Result<std::vector<Message>> claim(QueueState& st, size_t max, int64_t visibility_ms, bool delete_now,
                                     uint64_t& generation) {
    std::vector<Message> out;
    std::vector<uint64_t> seqs;       // claimed, in order
    std::vector<uint64_t> nonces;     // of each claimed delivery (0 with delete_now)
    std::vector<uint64_t> dead;       // bound for the dead-letter queue
    db::WriteBatch batch;
    {
      std::lock_guard lock(st.mu);
      if (st.deleted) return notFound("no such queue: ", st.name);
      const int64_t now = nowMs();
      st.requeueExpired(now);
      generation = st.generation;
      if (visibility_ms < 0) visibility_ms = st.config.visibility_timeout_ms;
      const uint32_t max_receives = st.config.max_receives;
      while (out.size() < max && !st.ready.empty()) {
        uint64_t seq = *st.ready.begin();
        st.ready.erase(st.ready.begin());
        Entry& e = st.entries.at(seq);
        if (max_receives > 0 && e.receive_count >= max_receives) {
          e.state = Entry::State::kBusy;
          dead.push_back(seq);
          continue;
        }
        auto body = readBody(st, seq, e);
        if (!body.ok()) {  // leave it ready; hand out what was claimed so far
          st.makeReady(seq, e);
          if (out.empty()) return body.status();
          break;
        }
        Message msg;
        msg.id = hex64(st.qid) + hex64(seq);
        msg.receive_count = e.receive_count + 1;
        msg.sent_ms = e.sent_ms;
        msg.body = std::move(body).value();
        if (delete_now) {
          e.state = Entry::State::kBusy;
          batch.del(records::messageKey(st.ws, st.qid, seq));
          if (e.count_on_disk) batch.del(records::countKey(st.ws, st.qid, seq));
        } else {
          e.receive_count += 1;
          e.state = Entry::State::kInFlight;
          e.nonce = randomNonce();
          e.visible_at = now + visibility_ms;
          st.inflight.emplace(e.visible_at, seq);
          if (max_receives > 0 || e.receive_count >= 2) {
            batch.put(records::countKey(st.ws, st.qid, seq), records::encodeCount(e.receive_count));
            e.count_on_disk = true;
          }
          msg.receipt = formatReceipt(seq, e.nonce);
        }
        seqs.push_back(seq);
        nonces.push_back(delete_now ? 0 : e.nonce);
        out.push_back(std::move(msg));
      }
      if (!st.ready.empty()) st.cv.notify_one();  // more for the next waiter (notifyReady)
    }
    Status s = batch.empty() ? Status::OK() : write(batch);
    {
      std::lock_guard lock(st.mu);
      if (!s.ok()) {
        // Not delivered after all (the batch wrote nothing): ready again. count_on_disk may
        // stay set without a record, which only costs a needless delete at ack.
        for (size_t i = 0; i < seqs.size(); ++i) {
          uint64_t seq = seqs[i];
          auto it = st.entries.find(seq);
          if (it == st.entries.end()) continue;
          Entry& e = it->second;
          if (e.state == Entry::State::kReady) continue;  // its timeout ended meanwhile
          if (e.state == Entry::State::kInFlight) {
            if (e.nonce != nonces[i]) continue;  // timed out and delivered again meanwhile
            st.inflight.erase({e.visible_at, seq});
            e.receive_count -= 1;
          }
          st.makeReady(seq, e);
        }
        if (!seqs.empty()) st.notifyReady();
        out.clear();
      } else if (delete_now) {
        for (uint64_t seq : seqs) {
          auto it = st.entries.find(seq);
          if (it != st.entries.end()) forget(st, it);
        }
      }
    }
    // Dead-letter moves run after the claim released the queue (they lock the other queue).
    Status moved = Status::OK();
    for (uint64_t seq : dead) {
      Status m = deadLetter(st, seq);
      if (!m.ok() && moved.ok()) moved = m;
    }
    RETURN_IF_ERROR(s);
    if (out.empty() && !moved.ok()) return moved;
    return out;
  }

  Result<std::vector<Message>> receiveLoop(std::string_view ws, std::string_view name, size_t max,
                                           int64_t visibility_ms, int64_t wait_ms, bool delete_now) {
    ASSIGN_OR_RETURN(StatePtr st, state(ws, name));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    while (true) {
      uint64_t generation = 0;
      {
        std::shared_lock life(st->life);
        ASSIGN_OR_RETURN(auto got, claim(*st, max, visibility_ms, delete_now, generation));
        if (!got.empty()) return got;
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::vector<Message>();
      std::unique_lock lock(st->mu);
      if (st->deleted) return notFound("no such queue: ", name);
      // Wake for a send, a message made visible, or the next visibility timeout.
      auto until = std::min(deadline, now + kMaxPollSlice);
      if (!st->inflight.empty()) {
        auto due = now + std::chrono::milliseconds(std::max<int64_t>(0, st->inflight.begin()->first - nowMs()) + 1);
        until = std::min(until, due);
      }
      st->cv.wait_until(lock, until, [&] { return st->generation != generation || st->deleted; });
    }
  }

  // Deletes every key of a removed queue (no writer can touch them any more).
  Status purge(std::string_view ws, uint64_t qid) {
    for (const auto& prefix : {records::messagePrefix(ws, qid), records::countPrefix(ws, qid),
                               records::legacyReadyPrefix(ws, qid), records::legacyInflightPrefix(ws, qid),
                               records::legacyCounterPrefix(ws, qid)}) {
      const std::string end = db::prefixEnd(prefix);
      while (true) {
        ASSIGN_OR_RETURN(auto page, engine.scan(prefix, end, {.limit = kScanPage}));
        if (page.empty()) break;
        db::WriteBatch batch;
        for (const auto& kv : page) batch.del(kv.key);
        RETURN_IF_ERROR(write(batch));
        if (page.size() < kScanPage) break;
      }
    }
    return engine.run([&](db::Transaction& txn) { return txn.del(records::purgeKey(ws, qid)); },
                      {.durability = durability});
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
  return impl_->engine.run(
      [&](db::Transaction& txn) -> Status {
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
      },
      {.durability = impl_->durability});
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
  RETURN_IF_ERROR(impl_->engine.run(
      [&](db::Transaction& txn) -> Status {
        ASSIGN_OR_RETURN(auto raw, txn.get(records::queueKey(ws, name)));
        if (!raw) return notFound("no such queue: ", name);
        ASSIGN_OR_RETURN(auto q, records::decodeQueue(*raw));
        qid = q.id;
        RETURN_IF_ERROR(txn.del(records::queueKey(ws, name)));
        return txn.put(records::purgeKey(ws, qid), "");
      },
      {.durability = impl_->durability}));
  StatePtr st;
  {
    std::lock_guard lock(impl_->states_mu);
    auto it = impl_->states.find(Impl::stateKey(ws, name));
    if (it != impl_->states.end()) {
      st = it->second;
      impl_->states.erase(it);
    }
  }
  if (st) {
    std::unique_lock life(st->life);  // waits for writes under way
    std::lock_guard lock(st->mu);
    st->deleted = true;
    for (auto it = st->entries.begin(); it != st->entries.end();) impl_->forget(*st, it++);
    st->ready.clear();
    st->inflight.clear();
    st->cv.notify_all();
  }
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
  ASSIGN_OR_RETURN(StatePtr st, impl_->state(ws, name));
  std::shared_lock life(st->life);
  std::vector<uint64_t> seqs(bodies.size());
  {
    std::lock_guard lock(st->mu);
    if (st->deleted) return notFound("no such queue: ", name);
    for (auto& seq : seqs) seq = impl_->nextSeq();
  }
  const int64_t sent_ms = nowMs();
  db::WriteBatch batch;
  std::vector<std::string> ids;
  std::vector<std::string> encoded;
  ids.reserve(bodies.size());
  encoded.reserve(bodies.size());
  for (size_t i = 0; i < bodies.size(); ++i) {
    encoded.push_back(records::encodeMessage(sent_ms, bodies[i]));
    batch.put(records::messageKey(ws, st->qid, seqs[i]), encoded.back());
    ids.push_back(hex64(st->qid) + hex64(seqs[i]));
  }
  // The engine write is outside the queue's mutex so concurrent senders share the log's group
  // commit. A message becomes receivable only once its write is done; concurrent sends may thus
  // become ready out of seq order, which no caller can observe as a FIFO violation (neither
  // send had returned), and a send that returned is ready before any later send.
  RETURN_IF_ERROR(impl_->write(batch));
  std::lock_guard lock(st->mu);
  for (size_t i = 0; i < bodies.size(); ++i) {
    Entry e;
    e.sent_ms = sent_ms;
    impl_->cache(e, std::move(encoded[i]), records::kMessageBodyOffset);
    auto [it, inserted] = st->entries.emplace(seqs[i], std::move(e));
    st->makeReady(seqs[i], it->second);
  }
  st->notifyReady();
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
  ASSIGN_OR_RETURN(auto results, ackBatch(ws, name, {std::string(receipt)}));
  return results.front();
}

Result<std::vector<Status>> QueueService::ackBatch(std::string_view ws, std::string_view name,
                                                   const std::vector<std::string>& receipts) {
  if (receipts.empty() || receipts.size() > kMaxBatch) return invalidArgument("a batch holds 1 to 100 receipts");
  ASSIGN_OR_RETURN(StatePtr st, impl_->state(ws, name));
  std::shared_lock life(st->life);
  std::vector<Status> results(receipts.size(), Status::OK());
  std::vector<uint64_t> acked;
  db::WriteBatch batch;
  {
    std::lock_guard lock(st->mu);
    if (st->deleted) return notFound("no such queue: ", name);
    for (size_t i = 0; i < receipts.size(); ++i) {
      auto r = parseReceipt(receipts[i]);
      if (!r.ok()) {
        results[i] = r.status();
        continue;
      }
      auto it = st->entries.find(r->seq);
      // A receipt given twice in one batch finds the message busy the second time.
      if (it == st->entries.end() || it->second.state != Entry::State::kInFlight || it->second.nonce != r->nonce) {
        results[i] = staleReceipt();
        continue;
      }
      Entry& e = it->second;
      st->inflight.erase({e.visible_at, r->seq});
      e.state = Entry::State::kBusy;
      batch.del(records::messageKey(ws, st->qid, r->seq));
      if (e.count_on_disk) batch.del(records::countKey(ws, st->qid, r->seq));
      acked.push_back(r->seq);
    }
  }
  if (acked.empty()) return results;
  Status s = impl_->write(batch);
  std::lock_guard lock(st->mu);
  for (uint64_t seq : acked) {
    auto it = st->entries.find(seq);
    if (it == st->entries.end()) continue;
    if (s.ok()) {
      impl_->forget(*st, it);
    } else {  // still in flight, as before the ack
      it->second.state = Entry::State::kInFlight;
      st->inflight.emplace(it->second.visible_at, seq);
    }
  }
  RETURN_IF_ERROR(s);
  return results;
}

Status QueueService::changeVisibility(std::string_view ws, std::string_view name, std::string_view receipt,
                                      int64_t visibility_ms) {
  RETURN_IF_ERROR(checkVisibility(visibility_ms));
  ASSIGN_OR_RETURN(auto r, parseReceipt(receipt));
  ASSIGN_OR_RETURN(StatePtr st, impl_->state(ws, name));
  std::lock_guard lock(st->mu);
  if (st->deleted) return notFound("no such queue: ", name);
  auto it = st->entries.find(r.seq);
  if (it == st->entries.end() || it->second.state != Entry::State::kInFlight || it->second.nonce != r.nonce) {
    return staleReceipt();
  }
  Entry& e = it->second;
  st->inflight.erase({e.visible_at, r.seq});
  if (visibility_ms == 0) {
    st->makeReady(r.seq, e);  // at its old place in the order
    st->notifyReady();
  } else {
    e.visible_at = nowMs() + visibility_ms;
    st->inflight.emplace(e.visible_at, r.seq);
  }
  return Status::OK();
}

Result<QueueLength> QueueService::length(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkQueueName(name));
  ASSIGN_OR_RETURN(StatePtr st, impl_->state(ws, name));
  std::lock_guard lock(st->mu);
  if (st->deleted) return notFound("no such queue: ", name);
  // Messages whose timeout ended count as visible, as a receive would see them. Messages being
  // acked or popped count as in flight until their delete is written.
  st->requeueExpired(nowMs());
  return QueueLength{st->ready.size(), st->entries.size() - st->ready.size()};
}

}  // namespace strata::queue
