#include "kv/kv_service.h"

#include <charconv>
#include <limits>

#include "common/bytes.h"
#include "common/clock.h"
#include "kv/records.h"

namespace strata::kv {
namespace {

using db::Transaction;

int64_t nowMs() { return nowNanos() / 1'000'000; }

bool isLive(const records::ValueRecord& r, int64_t now_ms) {
  return r.expire_at_ms == 0 || r.expire_at_ms > now_ms;
}

// The namespace's id inside a transaction (read-tracked, so deleting the namespace
// concurrently makes this transaction conflict instead of writing into a dead namespace).
Result<uint64_t> namespaceId(Transaction& txn, std::string_view ws, std::string_view name) {
  ASSIGN_OR_RETURN(auto raw, txn.get(records::namespaceKey(ws, name)));
  if (!raw) return notFound("no such key-value namespace: ", name);
  ASSIGN_OR_RETURN(auto rec, records::decodeNamespace(*raw));
  return rec.id;
}

Result<uint64_t> namespaceIdNow(db::Engine& engine, std::string_view ws, std::string_view name) {
  ASSIGN_OR_RETURN(auto raw, engine.get(records::namespaceKey(ws, name)));
  if (!raw) return notFound("no such key-value namespace: ", name);
  ASSIGN_OR_RETURN(auto rec, records::decodeNamespace(*raw));
  return rec.id;
}

// The live record of `key`, nullopt when absent or expired.
Result<std::optional<records::ValueRecord>> readLive(Transaction& txn, std::string_view ws,
                                                     uint64_t ns_id, std::string_view key) {
  ASSIGN_OR_RETURN(auto raw, txn.get(records::dataKey(ws, ns_id, key)));
  if (!raw) return std::optional<records::ValueRecord>();
  ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
  if (!isLive(rec, nowMs())) return std::optional<records::ValueRecord>();
  return std::optional<records::ValueRecord>(std::move(rec));
}

// Writes a value record and, when it expires, its expiry index entry. Stale index entries
// of earlier versions are left for purgeExpired, which checks them against the record.
Status writeValue(Transaction& txn, std::string_view ws, uint64_t ns_id, std::string_view key,
                  std::string_view value, int64_t expire_at_ms) {
  RETURN_IF_ERROR(txn.put(records::dataKey(ws, ns_id, key), records::encodeValue(expire_at_ms, value)));
  if (expire_at_ms != 0) {
    RETURN_IF_ERROR(txn.put(records::expiryKey(expire_at_ms, ws, ns_id, key), ""));
  }
  return Status::OK();
}

// The transaction a KvService mutation runs in: every key it writes is dropped from the read
// cache first (inside the caller's WriteScope, so no reader re-fills it until the write ends).
class InvalidatingTransaction final : public Transaction {
 public:
  InvalidatingTransaction(Transaction& txn, ReadCache& cache) : txn_(txn), cache_(cache) {}
  Result<std::optional<std::string>> get(std::string_view key) override { return txn_.get(key); }
  Result<std::optional<std::string>> getUntracked(std::string_view key) override { return txn_.getUntracked(key); }
  Status put(std::string_view key, std::string_view value) override {
    cache_.erase(key);
    return txn_.put(key, value);
  }
  Status putUntracked(std::string_view key, std::string_view value) override {
    cache_.erase(key);
    return txn_.putUntracked(key, value);
  }
  Status del(std::string_view key) override {
    cache_.erase(key);
    return txn_.del(key);
  }
  Status delUntracked(std::string_view key) override {
    cache_.erase(key);
    return txn_.delUntracked(key);
  }
  Result<std::vector<db::KeyValue>> scan(std::string_view begin, std::string_view end,
                                         db::ScanOptions options) override {
    return txn_.scan(begin, end, options);
  }
  Status commit() override { return txn_.commit(); }

 private:
  Transaction& txn_;
  ReadCache& cache_;
};

Status checkKeys(const std::vector<std::string>& keys) {
  for (const auto& k : keys) RETURN_IF_ERROR(checkKey(k));
  return Status::OK();
}

}  // namespace

Status checkKey(std::string_view key) {
  if (key.empty()) return invalidArgument("key must not be empty");
  if (key.size() > kMaxKeyBytes) {
    return Status(Code::kTooLarge, "key is " + std::to_string(key.size()) + " bytes; the limit is " +
                                       std::to_string(kMaxKeyBytes));
  }
  return Status::OK();
}

Status checkValue(std::string_view value) {
  if (value.size() > kMaxValueBytes) {
    return Status(Code::kTooLarge, "value is " + std::to_string(value.size()) +
                                       " bytes; the limit is " + std::to_string(kMaxValueBytes));
  }
  return Status::OK();
}

Status checkNamespaceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNamespaceNameBytes) {
    return invalidArgument("namespace name must be 1 to 128 characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.';
    if (!ok) return invalidArgument("namespace name may hold only letters, digits, '-', '_' and '.'");
  }
  return Status::OK();
}

KvService::KvService(db::Engine& engine, KvOptions options)
    : engine_(engine), options_(options), cache_(options.read_cache_bytes) {}

Status KvService::write(const std::function<Status(Transaction&)>& body) {
  // Fills of every shard wait until this write is over (REST and the non-grouped RESP
  // commands are not the hot path; their keys are known only inside the transaction).
  ReadCache::WriteScope scope = cache_.writeAll();
  return engine_.run(
      [&](Transaction& txn) {
        InvalidatingTransaction invalidating(txn, cache_);
        return body(invalidating);
      },
      {.durability = options_.durability});
}

Status KvService::createNamespace(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkNamespaceName(name));
  return write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto existing, txn.get(records::namespaceKey(ws, name)));
    if (existing) return alreadyExists("key-value namespace exists: ", name);
    // The counter key is read and written by every create, so concurrent creates serialise
    // on it; that also makes the count below exact.
    ASSIGN_OR_RETURN(auto counter, txn.get(records::namespaceCounterKey(ws)));
    uint64_t next = counter ? std::stoull(*counter) : 1;
    std::string prefix = records::namespacePrefix(ws);
    ASSIGN_OR_RETURN(auto all, txn.scan(prefix, db::prefixEnd(prefix),
                                        {.limit = options_.max_namespaces_per_workspace + 1}));
    if (all.size() >= options_.max_namespaces_per_workspace) {
      return Status(Code::kNoSpace, "this workspace already has " + std::to_string(all.size()) +
                                        " key-value namespaces (the limit)");
    }
    RETURN_IF_ERROR(txn.put(records::namespaceCounterKey(ws), std::to_string(next + 1)));
    return txn.put(records::namespaceKey(ws, name),
                   records::encodeNamespace({next, nowUnix()}));
  });
}

Result<std::vector<NamespaceInfo>> KvService::listNamespaces(std::string_view ws) {
  std::string prefix = records::namespacePrefix(ws);
  std::vector<NamespaceInfo> out;
  std::string begin = prefix;
  const std::string end = db::prefixEnd(prefix);
  while (true) {
    ASSIGN_OR_RETURN(auto page, engine_.scan(begin, end, {.limit = 1000}));
    for (auto& kv : page) {
      ASSIGN_OR_RETURN(auto rec, records::decodeNamespace(kv.value));
      out.push_back({kv.key.substr(prefix.size()), rec.created_unix});
    }
    if (page.size() < 1000) break;
    begin = page.back().key + '\0';
  }
  return out;
}

Status KvService::namespaceExists(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkNamespaceName(name));
  return namespaceIdNow(engine_, ws, name).status();
}

Status KvService::deleteNamespace(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkNamespaceName(name));
  uint64_t id = 0;
  {
    // Exclusive: no grouped write is between its namespace check and its commit now, and
    // every later one sees the new epoch and checks the namespace again.
    std::unique_lock lock(delete_mu_);
    RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
      ASSIGN_OR_RETURN(id, namespaceId(txn, ws, name));
      RETURN_IF_ERROR(txn.del(records::namespaceKey(ws, name)));
      // Remembered until every key is gone, so a crash mid-purge is finished by purgeExpired.
      return txn.put(records::purgeKey(ws, id), "");
    }));
    epoch_.fetch_add(1, std::memory_order_acq_rel);
  }
  const std::string prefix = records::dataPrefix(ws, id);
  const std::string end = db::prefixEnd(prefix);
  while (true) {
    bool done = false;
    RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
      ASSIGN_OR_RETURN(auto batch, txn.scan(prefix, end, {.limit = 1000}));
      for (auto& kv : batch) RETURN_IF_ERROR(txn.del(kv.key));
      done = batch.size() < 1000;
      if (done) RETURN_IF_ERROR(txn.del(records::purgeKey(ws, id)));
      return Status::OK();
    }));
    if (done) return Status::OK();
  }
}

Result<std::optional<Entry>> KvService::get(std::string_view ws, std::string_view ns, std::string_view key) {
  RETURN_IF_ERROR(checkKey(key));
  ASSIGN_OR_RETURN(uint64_t id, namespaceIdNow(engine_, ws, ns));
  ASSIGN_OR_RETURN(auto raw, engine_.get(records::dataKey(ws, id, key)));
  if (!raw) return std::optional<Entry>();
  ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
  if (!isLive(rec, nowMs())) return std::optional<Entry>();
  return std::optional<Entry>(Entry{std::move(rec.value), rec.expire_at_ms});
}

Result<NamespaceRef> KvService::resolveNamespace(std::string_view ws, std::string_view name) {
  RETURN_IF_ERROR(checkNamespaceName(name));
  NamespaceRef ref;
  ref.ws = std::string(ws);
  ref.name = std::string(name);
  ref.epoch = 0;  // forces the first refresh
  RETURN_IF_ERROR(refresh(ref));
  return ref;
}

Status KvService::refresh(NamespaceRef& ns) {
  const uint64_t epoch = epoch_.load(std::memory_order_acquire);
  if (ns.epoch == epoch) return Status::OK();
  // Read after loading the epoch: a deletion after this point bumps it again.
  ASSIGN_OR_RETURN(uint64_t id, namespaceIdNow(engine_, ns.ws, ns.name));
  if (id != ns.id || ns.data_prefix.empty()) {
    ns.id = id;
    ns.data_prefix = records::dataPrefix(ns.ws, id);
  }
  ns.epoch = epoch;
  return Status::OK();
}

Result<std::optional<Entry>> KvService::get(NamespaceRef& ns, std::string_view key) {
  RETURN_IF_ERROR(checkKey(key));
  RETURN_IF_ERROR(refresh(ns));
  thread_local std::string data_key;
  data_key.assign(ns.data_prefix);
  data_key.append(key);
  ASSIGN_OR_RETURN(auto raw, engine_.get(data_key));
  if (!raw) return std::optional<Entry>();
  ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
  if (!isLive(rec, nowMs())) return std::optional<Entry>();
  return std::optional<Entry>(Entry{std::move(rec.value), rec.expire_at_ms});
}

Result<std::vector<std::optional<std::string>>> KvService::mget(std::string_view ws, std::string_view ns,
                                                                 const std::vector<std::string>& keys) {
  RETURN_IF_ERROR(checkKeys(keys));
  // One transaction: the values come from one snapshot.
  std::vector<std::optional<std::string>> out;
  auto txn = engine_.begin();
  ASSIGN_OR_RETURN(uint64_t id, namespaceId(*txn, ws, ns));
  for (const auto& k : keys) {
    ASSIGN_OR_RETURN(auto rec, readLive(*txn, ws, id, k));
    out.push_back(rec ? std::optional<std::string>(std::move(rec->value)) : std::nullopt);
  }
  return out;
}

Result<SetOutcome> KvService::set(std::string_view ws, std::string_view ns, std::string_view key,
                                  std::string_view value, const SetOptions& options) {
  RETURN_IF_ERROR(checkKey(key));
  RETURN_IF_ERROR(checkValue(value));
  if (options.expire_at_ms && *options.expire_at_ms <= 0) return invalidArgument("invalid expire time");
  SetOutcome outcome;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    outcome = {};
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    bool needs_old = options.condition != SetCondition::kAlways || options.keep_ttl || options.return_old;
    std::optional<records::ValueRecord> old;
    if (needs_old) {
      ASSIGN_OR_RETURN(old, readLive(txn, ws, id, key));
    }
    if (options.return_old && old) outcome.old_value = old->value;
    if (options.condition == SetCondition::kIfAbsent && old) return Status::OK();
    if (options.condition == SetCondition::kIfPresent && !old) return Status::OK();
    int64_t expire = options.expire_at_ms.value_or(0);
    if (options.keep_ttl && old) expire = old->expire_at_ms;
    outcome.written = true;
    return writeValue(txn, ws, id, key, value, expire);
  }));
  return outcome;
}

Result<bool> KvService::mset(std::string_view ws, std::string_view ns,
                             const std::vector<std::pair<std::string, std::string>>& pairs,
                             bool only_if_none_exist) {
  for (const auto& [k, v] : pairs) {
    RETURN_IF_ERROR(checkKey(k));
    RETURN_IF_ERROR(checkValue(v));
  }
  bool written = false;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    written = false;
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    if (only_if_none_exist) {
      for (const auto& [k, v] : pairs) {
        ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, k));
        if (old) return Status::OK();
      }
    }
    for (const auto& [k, v] : pairs) RETURN_IF_ERROR(writeValue(txn, ws, id, k, v, 0));
    written = true;
    return Status::OK();
  }));
  return written;
}

Result<uint64_t> KvService::del(std::string_view ws, std::string_view ns, const std::vector<std::string>& keys) {
  RETURN_IF_ERROR(checkKeys(keys));
  uint64_t deleted = 0;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    deleted = 0;
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    for (const auto& k : keys) {
      ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, k));
      if (old) ++deleted;
      RETURN_IF_ERROR(txn.del(records::dataKey(ws, id, k)));
    }
    return Status::OK();
  }));
  return deleted;
}

Result<std::optional<std::string>> KvService::getdel(std::string_view ws, std::string_view ns,
                                                     std::string_view key) {
  RETURN_IF_ERROR(checkKey(key));
  std::optional<std::string> value;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    value.reset();
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, key));
    if (!old) return Status::OK();
    value = std::move(old->value);
    return txn.del(records::dataKey(ws, id, key));
  }));
  return value;
}

Result<uint64_t> KvService::exists(std::string_view ws, std::string_view ns, const std::vector<std::string>& keys) {
  RETURN_IF_ERROR(checkKeys(keys));
  uint64_t n = 0;
  auto txn = engine_.begin();
  ASSIGN_OR_RETURN(uint64_t id, namespaceId(*txn, ws, ns));
  for (const auto& k : keys) {
    ASSIGN_OR_RETURN(auto rec, readLive(*txn, ws, id, k));
    if (rec) ++n;
  }
  return n;
}

Result<int64_t> KvService::incrBy(std::string_view ws, std::string_view ns, std::string_view key, int64_t delta) {
  RETURN_IF_ERROR(checkKey(key));
  int64_t result = 0;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, key));
    int64_t current = 0;
    int64_t expire = 0;
    if (old) {
      const std::string& v = old->value;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), current);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size() || (v.size() > 1 && v[0] == '+')) {
        return invalidArgument("value is not an integer or out of range");
      }
      expire = old->expire_at_ms;
    }
    if (__builtin_add_overflow(current, delta, &result)) {
      return invalidArgument("increment or decrement would overflow");
    }
    return writeValue(txn, ws, id, key, std::to_string(result), expire);
  }));
  return result;
}

Result<uint64_t> KvService::append(std::string_view ws, std::string_view ns, std::string_view key,
                                   std::string_view suffix) {
  RETURN_IF_ERROR(checkKey(key));
  uint64_t length = 0;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, key));
    std::string value = old ? std::move(old->value) : std::string();
    value.append(suffix);
    RETURN_IF_ERROR(checkValue(value));
    length = value.size();
    return writeValue(txn, ws, id, key, value, old ? old->expire_at_ms : 0);
  }));
  return length;
}

Result<bool> KvService::expireAt(std::string_view ws, std::string_view ns, std::string_view key, int64_t at_ms) {
  RETURN_IF_ERROR(checkKey(key));
  bool found = false;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, key));
    found = old.has_value();
    if (!found) return Status::OK();
    if (at_ms <= nowMs()) return txn.del(records::dataKey(ws, id, key));
    return writeValue(txn, ws, id, key, old->value, at_ms);
  }));
  return found;
}

Result<bool> KvService::persist(std::string_view ws, std::string_view ns, std::string_view key) {
  RETURN_IF_ERROR(checkKey(key));
  bool changed = false;
  RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(uint64_t id, namespaceId(txn, ws, ns));
    ASSIGN_OR_RETURN(auto old, readLive(txn, ws, id, key));
    changed = old && old->expire_at_ms != 0;
    if (!changed) return Status::OK();
    return writeValue(txn, ws, id, key, old->value, 0);
  }));
  return changed;
}

Result<int64_t> KvService::ttlMs(std::string_view ws, std::string_view ns, std::string_view key) {
  ASSIGN_OR_RETURN(auto entry, get(ws, ns, key));
  if (!entry) return kTtlMissing;
  if (entry->expire_at_ms == 0) return kTtlNone;
  return std::max<int64_t>(0, entry->expire_at_ms - nowMs());
}

Result<KeyPage> KvService::scan(std::string_view ws, std::string_view ns, std::string_view prefix,
                                std::string_view cursor, size_t limit) {
  if (limit == 0 || limit > 10000) return invalidArgument("limit must be 1 to 10000");
  ASSIGN_OR_RETURN(uint64_t id, namespaceIdNow(engine_, ws, ns));
  const std::string base = records::dataPrefix(ws, id);
  std::string begin = base + std::string(prefix);
  if (!cursor.empty()) {
    std::string after = base + std::string(cursor) + '\0';
    if (after > begin) begin = std::move(after);
  }
  const std::string end = db::prefixEnd(base + std::string(prefix));
  KeyPage page;
  const int64_t now = nowMs();
  // Expired records are skipped, so keep scanning until the page is full or the range ends.
  while (page.keys.size() < limit) {
    const size_t want = limit - page.keys.size();
    ASSIGN_OR_RETURN(auto batch, engine_.scan(begin, end, {.limit = want}));
    for (auto& kv : batch) {
      ASSIGN_OR_RETURN(auto rec, records::decodeValue(kv.value));
      if (isLive(rec, now)) page.keys.push_back(kv.key.substr(base.size()));
    }
    if (batch.size() < want) return page;  // the range is exhausted
    begin = batch.back().key + '\0';
  }
  page.next_cursor = page.keys.back();
  return page;
}

Result<uint64_t> KvService::count(std::string_view ws, std::string_view ns) {
  uint64_t n = 0;
  std::string cursor;
  while (true) {
    ASSIGN_OR_RETURN(auto page, scan(ws, ns, "", cursor, 10000));
    n += page.keys.size();
    if (page.next_cursor.empty()) return n;
    cursor = page.next_cursor;
  }
}

Result<uint64_t> KvService::purgeExpired(int64_t now_ms, size_t limit) {
  const std::string prefix = records::expiryPrefix();
  std::string end = prefix;
  appendU64BE(end, static_cast<uint64_t>(now_ms));
  ASSIGN_OR_RETURN(auto due, engine_.scan(prefix, end, {.limit = limit}));
  uint64_t purged = 0;
  for (const auto& idx : due) {
    ASSIGN_OR_RETURN(auto e, records::decodeExpiryKey(idx.key));
    RETURN_IF_ERROR(write([&](Transaction& txn) -> Status {
      std::string data_key = records::dataKey(e.ws, e.ns_id, e.key);
      ASSIGN_OR_RETURN(auto raw, txn.get(data_key));
      if (raw) {
        ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
        // Only the version this index entry was written for, and only once it has expired.
        if (rec.expire_at_ms == e.expire_at_ms && !isLive(rec, now_ms)) {
          RETURN_IF_ERROR(txn.del(data_key));
          ++purged;
        }
      }
      return txn.del(idx.key);
    }));
  }
  return purged;
}

}  // namespace strata::kv
