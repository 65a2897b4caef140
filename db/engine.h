// db::Engine: the transactional, ordered key-value interface every Strata service is written
// against (fs/, object/, kv/, queue/, auth). Backends: RocksDB (embedded default, rocksdb_engine.h);
// PostgreSQL later. Nothing of a backend leaks into this header.
//
// Promises every backend keeps (checked by db/engine_conformance.h, a typed test suite):
// - Keys and values are arbitrary bytes; keys are ordered bytewise (memcmp, shorter first).
// - A Transaction reads a consistent snapshot taken when it began, plus its own writes.
// - Optimistic concurrency: every key read with Transaction::get() is in the transaction's
//   read set. commit() fails with Code::kConflict when another transaction committed a write to
//   a key of the read set (or of the write set) after this one began. Scans are NOT in the read
//   set (no phantom protection): a caller that must see a stable range reads a guard key that
//   every writer of the range also writes (fs/ uses the parent directory's inode record).
// - A committed transaction is durable: it survives kill -9 of the process (and, with
//   Options::sync, a machine crash).
// - Engine::write() applies a WriteBatch atomically without a transaction (no snapshot, no read
//   set, never kConflict). A transaction that read or wrote one of the batch's keys and commits
//   after the batch fails with kConflict, exactly as if the batch were a committed transaction.
// - Engine and Transaction objects: Engine is thread-safe; one Transaction is used by one
//   thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace strata::db {

struct KeyValue {
  std::string key;
  std::string value;
};

struct ScanOptions {
  size_t limit = 1000;   // at most this many pairs
  bool reverse = false;  // descending from just below `end`
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  // The value, std::nullopt when absent. Adds `key` to the read set.
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Status put(std::string_view key, std::string_view value) = 0;
  virtual Status del(std::string_view key) = 0;
  // As get()/put()/del(), without adding `key` to the set validated at commit: for keys that
  // no other transaction can change meanwhile (fresh unique keys), or whose conflicts this
  // transaction already detects through a key it read. Other transactions still see these
  // writes as conflicting commits. Backends without the distinction track them anyway.
  virtual Result<std::optional<std::string>> getUntracked(std::string_view key) { return get(key); }
  virtual Status putUntracked(std::string_view key, std::string_view value) { return put(key, value); }
  virtual Status delUntracked(std::string_view key) { return del(key); }
  // Pairs with begin <= key < end (an empty `end` means "to the end of the key space").
  virtual Result<std::vector<KeyValue>> scan(std::string_view begin, std::string_view end,
                                             ScanOptions options = {}) = 0;
  // Makes the writes visible atomically. kConflict when the read/write set was changed by a
  // transaction that committed first; the transaction is then spent either way.
  virtual Status commit() = 0;
};

// How durable a commit is when commit() returns.
enum class Durability {
  // On stable storage: survives kill -9 and a machine crash (the log is fsynced).
  kSync,
  // In the operating system: survives kill -9 of the process at once, and a machine crash
  // once the engine's background sync has run (within about a second) -- the guarantee of
  // Redis with `appendfsync everysec`. For small, hot writes (KV, queues) where an fsync per
  // commit would cap throughput at the disk's sync rate.
  kBuffered,
};

// Puts and deletes to apply together with Engine::write(): "blind" writes whose values do not
// depend on anything read, so they need no snapshot and no conflict check. Later operations on
// a key win over earlier ones. The operations are kept in one flat buffer, so a batch that is
// clear()ed and refilled allocates nothing once warm.
// Not thread-safe: one owner at a time.
class WriteBatch {
 public:
  enum class Op : uint8_t { kPut = 1, kDelete = 2 };

  void put(std::string_view key, std::string_view value) { append(Op::kPut, key, value); }
  void del(std::string_view key) { append(Op::kDelete, key, {}); }
  void clear() {
    rep_.clear();
    count_ = 0;
  }
  bool empty() const { return count_ == 0; }
  size_t count() const { return count_; }
  size_t bytes() const { return rep_.size(); }

  // Calls fn(op, key, value) for every operation, in the order they were added.
  template <class Fn>
  void forEach(Fn&& fn) const {
    size_t at = 0;
    while (at < rep_.size()) {
      Op op = static_cast<Op>(rep_[at]);
      uint32_t klen = readU32(at + 1);
      uint32_t vlen = readU32(at + 5);
      at += 9;
      std::string_view key(rep_.data() + at, klen);
      std::string_view value(rep_.data() + at + klen, vlen);
      at += klen + vlen;
      fn(op, key, value);
    }
  }

 private:
  void append(Op op, std::string_view key, std::string_view value);
  uint32_t readU32(size_t at) const;

  std::string rep_;  // [u8 op][u32 key len][u32 value len][key][value] ...
  size_t count_ = 0;
};

struct TxnOptions {
  Durability durability = Durability::kSync;
};

struct RunOptions {
  int max_attempts = 64;  // conflicts retried before giving up with kConflict
  Durability durability = Durability::kSync;
};

class Engine {
 public:
  virtual ~Engine() = default;

  virtual std::unique_ptr<Transaction> begin(TxnOptions options) = 0;
  std::unique_ptr<Transaction> begin() { return begin(TxnOptions{}); }

  // Makes every commit so far durable against a machine crash (fsyncs the write-ahead log).
  // Lets a caller commit many kBuffered transactions and pay for one sync before it
  // acknowledges them all (group commit).
  virtual Status syncWal() = 0;

  // Non-transactional reads of the latest committed state (for hot read paths).
  virtual Result<std::optional<std::string>> get(std::string_view key) = 0;
  virtual Result<std::vector<KeyValue>> scan(std::string_view begin, std::string_view end,
                                             ScanOptions options = {}) = 0;

  // Applies every operation of `batch` atomically (all or nothing) with the given durability,
  // without a transaction: no snapshot, no read set, never kConflict. Concurrent transactions
  // that tracked one of the batch's keys see it as a conflicting commit. An empty batch is a
  // no-op. The default runs the batch as one transaction; backends override it with their
  // native batch write.
  virtual Status write(const WriteBatch& batch, Durability durability = Durability::kSync);

  // Runs `body` in a fresh transaction and commits it. When `body` or commit() returns
  // kConflict the whole thing is re-run (with jittered backoff) up to max_attempts times.
  // `body` must therefore have no side effects outside the transaction that a re-run breaks.
  // Any other error from `body` aborts without committing and is returned.
  Status run(const std::function<Status(Transaction&)>& body, RunOptions options = {});
};

// Smallest key greater than every key that starts with `prefix` ("" when none exists);
// use as `end` to scan a prefix.
std::string prefixEnd(std::string_view prefix);

}  // namespace strata::db
