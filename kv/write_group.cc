#include "kv/write_group.h"

#include <algorithm>
#include <charconv>
#include <functional>

#include "common/bytes.h"
#include "common/clock.h"
#include "kv/records.h"

namespace strata::kv {
namespace {

constexpr char kValueVersion = 1;  // records.h: [u8 ver=1][i64 expire_at_ms][value]

void encodeValueInto(std::string& out, int64_t expire_at_ms, std::string_view value) {
  out.clear();
  out.push_back(kValueVersion);
  appendU64BE(out, static_cast<uint64_t>(expire_at_ms));
  out.append(value);
}

}  // namespace

size_t WriteGroup::addItem(NamespaceRef& ns, std::string_view key, std::string_view value) {
  items_.push_back({arena_.size(), key.size(), arena_.size() + key.size(), value.size(), &ns, 0});
  arena_.append(key);
  arena_.append(value);
  return items_.size() - 1;
}

size_t WriteGroup::set(NamespaceRef& ns, std::string_view key, std::string_view value, int64_t expire_at_ms) {
  Status s = checkKey(key);
  if (s.ok()) s = checkValue(value);
  if (s.ok() && expire_at_ms < 0) s = invalidArgument("invalid expire time");
  if (!s.ok()) return fail(std::move(s));
  size_t item = addItem(ns, key, value);
  ops_.push_back({Kind::kSet, &ns, item, 1, expire_at_ms, 0, {}});
  return ops_.size() - 1;
}

size_t WriteGroup::mset(NamespaceRef& ns, const std::string* pairs, size_t count) {
  if (count == 0 || count % 2 != 0) return fail(invalidArgument("MSET needs key value pairs"));
  for (size_t i = 0; i < count; i += 2) {
    Status s = checkKey(pairs[i]);
    if (s.ok()) s = checkValue(pairs[i + 1]);
    if (!s.ok()) return fail(std::move(s));
  }
  size_t first = items_.size();
  for (size_t i = 0; i < count; i += 2) addItem(ns, pairs[i], pairs[i + 1]);
  ops_.push_back({Kind::kSet, &ns, first, count / 2, 0, 0, {}});
  return ops_.size() - 1;
}

size_t WriteGroup::incrBy(NamespaceRef& ns, std::string_view key, int64_t delta) {
  Status s = checkKey(key);
  if (!s.ok()) return fail(std::move(s));
  size_t item = addItem(ns, key, {});
  ops_.push_back({Kind::kIncr, &ns, item, 1, 0, delta, {}});
  return ops_.size() - 1;
}

size_t WriteGroup::get(NamespaceRef& ns, std::string_view key) {
  Status s = checkKey(key);
  if (!s.ok()) return fail(std::move(s));
  size_t item = addItem(ns, key, {});
  ops_.push_back({Kind::kGet, &ns, item, 1, 0, 0, {}});
  ++reads_;
  return ops_.size() - 1;
}

size_t WriteGroup::fail(Status status) {
  ops_.push_back({Kind::kFailed, nullptr, 0, 0, 0, 0, {std::move(status), 0}});
  return ops_.size() - 1;
}

void WriteGroup::clear() {
  ops_.clear();
  items_.clear();
  arena_.clear();
  values_.clear();
  reads_ = 0;
  // Keep the buffers of a normal burst; drop those of an unusually large one.
  if (arena_.capacity() > (8u << 20)) arena_.shrink_to_fit();
  if (values_.capacity() > (8u << 20)) values_.shrink_to_fit();
}

void WriteGroup::checkNamespaces() {
  NamespaceRef* last_ok = nullptr;
  for (auto& op : ops_) {
    if (op.kind == Kind::kFailed || op.ns == last_ok) continue;
    Status s = kv_.refresh(*op.ns);
    if (s.ok()) {
      last_ok = op.ns;
    } else {
      op.kind = Kind::kFailed;
      op.outcome.status = std::move(s);
    }
  }
}

void WriteGroup::buildDataKeys() {
  if (data_keys_.size() < items_.size()) data_keys_.resize(items_.size());
  for (const auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
      std::string& k = data_keys_[i];
      k.assign(op.ns->data_prefix);
      k.append(keyOf(items_[i]));
    }
  }
}

void WriteGroup::buildSlots(bool& writes, bool& incrs) {
  // Items with the same data key share a slot, found through an open-addressing table of
  // slot numbers by the key's hash: one hash and, for repeats, one key compare per item.
  // Allocation-free once the vectors are warm.
  size_t live_items = 0;
  for (const auto& op : ops_) {
    if (op.kind != Kind::kFailed) live_items += op.items;
  }
  size_t cap = 16;
  while (cap < 2 * live_items) cap *= 2;
  if (slot_table_.size() < cap) slot_table_.resize(cap);
  std::fill(slot_table_.begin(), slot_table_.begin() + static_cast<std::ptrdiff_t>(cap), 0u);
  const size_t mask = cap - 1;
  std::hash<std::string_view> hash;
  slot_count_ = 0;
  for (const auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    for (size_t item = op.first_item; item < op.first_item + op.items; ++item) {
      const std::string& key = data_keys_[item];
      const size_t h = hash(key);
      size_t at = h & mask;
      size_t slot = SIZE_MAX;
      for (; slot_table_[at] != 0; at = (at + 1) & mask) {
        const size_t s = slot_table_[at] - 1;
        if (slots_[s].hash == h && data_keys_[slots_[s].first_item] == key) {
          slot = s;
          break;
        }
      }
      if (slot == SIZE_MAX) {
        slot = slot_count_++;
        slot_table_[at] = static_cast<uint32_t>(slot + 1);
        if (slots_.size() < slot_count_) slots_.resize(slot_count_);
        Slot& fresh = slots_[slot];
        fresh.first_item = item;
        fresh.hash = h;
        fresh.incremented = fresh.written = fresh.loaded = fresh.exists = fresh.dirty = false;
        fresh.expiry_from_set = false;
        fresh.expire_at_ms = 0;
        fresh.copy_at = std::string::npos;
        fresh.copy_len = 0;
      }
      items_[item].slot = slot;
    }
  }
  writes = incrs = false;
  for (const auto& op : ops_) {
    if (op.kind == Kind::kFailed || op.kind == Kind::kGet) continue;
    writes = true;
    incrs |= op.kind == Kind::kIncr;
    for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
      Slot& slot = slots_[items_[i].slot];
      slot.written = true;
      slot.incremented |= op.kind == Kind::kIncr;
    }
  }
}

void WriteGroup::lockKeys() {
  stripes_.clear();
  for (size_t s = 0; s < slot_count_; ++s) {
    if (slots_[s].written) stripes_.push_back(slots_[s].hash % KvService::kKeyLockStripes);
  }
  // One global order (ascending stripe) makes concurrent groups deadlock-free.
  std::sort(stripes_.begin(), stripes_.end());
  stripes_.erase(std::unique(stripes_.begin(), stripes_.end()), stripes_.end());
  for (size_t s : stripes_) kv_.keyLock(s).lock();
}

void WriteGroup::unlockKeys() {
  for (auto it = stripes_.rbegin(); it != stripes_.rend(); ++it) kv_.keyLock(*it).unlock();
  stripes_.clear();
}

Status WriteGroup::load(Slot& slot, db::Transaction* txn) {
  const std::string& key = data_keys_[slot.first_item];
  std::optional<std::string> raw;
  if (txn != nullptr && slot.incremented) {
    // Tracked: a writer outside the group that changes it makes the transaction retry.
    ASSIGN_OR_RETURN(raw, txn->get(key));
  } else {
    // Read-only here, or blindly overwritten: the latest committed value is a valid answer,
    // from the read cache when it has it.
    ReadCache::Ticket ticket;
    switch (kv_.cache_.lookup(key, cache_record_, ticket)) {
      case ReadCache::Hit::kPresent:
        raw = std::move(cache_record_);
        break;
      case ReadCache::Hit::kAbsent:
        break;
      case ReadCache::Hit::kMiss:
        ASSIGN_OR_RETURN(raw, kv_.engine_.get(key));
        kv_.cache_.fill(key, raw, ticket);
        break;
    }
  }
  slot.loaded = true;
  slot.exists = false;
  slot.expire_at_ms = 0;
  slot.copy_at = std::string::npos;
  if (!raw) return Status::OK();
  ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
  slot.exists = true;
  slot.expire_at_ms = rec.expire_at_ms;
  slot.value = std::move(rec.value);
  return Status::OK();
}

Status WriteGroup::evaluate(db::Transaction* txn) {
  for (size_t s = 0; s < slot_count_; ++s) {
    Slot& slot = slots_[s];
    slot.loaded = slot.exists = slot.dirty = slot.expiry_from_set = false;
    slot.copy_at = std::string::npos;
  }
  values_.clear();
  const int64_t now_ms = nowNanos() / 1'000'000;
  auto live = [now_ms](const Slot& slot) {
    return slot.exists && (slot.expire_at_ms == 0 || slot.expire_at_ms > now_ms);
  };
  for (auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    op.outcome = {};
    if (op.kind == Kind::kSet) {
      for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
        Slot& slot = slots_[items_[i].slot];
        slot.value.assign(valueOf(items_[i]));
        slot.loaded = slot.exists = slot.dirty = true;
        slot.expire_at_ms = op.expire_at_ms;
        slot.expiry_from_set = op.expire_at_ms != 0;
        slot.copy_at = std::string::npos;
      }
      continue;
    }
    Slot& slot = slots_[items_[op.first_item].slot];
    if (!slot.loaded) RETURN_IF_ERROR(load(slot, txn));
    if (op.kind == Kind::kGet) {
      if (!live(slot)) continue;
      if (slot.copy_at == std::string::npos) {  // one copy per state, however many GETs
        slot.copy_at = values_.size();
        slot.copy_len = slot.value.size();
        values_.append(slot.value);
      }
      op.outcome.found = true;
      op.outcome.value_at = slot.copy_at;
      op.outcome.value_len = slot.copy_len;
      continue;
    }
    // kIncr: absent or expired counts as 0 without expiry; the expiry is kept otherwise.
    int64_t current = 0;
    Status s;
    if (live(slot)) {
      const std::string& v = slot.value;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), current);
      if (v.empty() || ec != std::errc() || end != v.data() + v.size() || (v.size() > 1 && v[0] == '+')) {
        s = invalidArgument("value is not an integer or out of range");
      }
    } else {
      slot.expire_at_ms = 0;
      slot.expiry_from_set = false;
    }
    if (s.ok() && __builtin_add_overflow(current, op.delta, &op.outcome.integer)) {
      s = invalidArgument("increment or decrement would overflow");
    }
    if (!s.ok()) {
      // Only this operation fails (as a Redis INCR of a non-integer does); the group goes on.
      op.outcome.status = std::move(s);
      continue;
    }
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), op.outcome.integer);
    slot.value.assign(digits, static_cast<size_t>(end - digits));
    slot.exists = slot.dirty = true;
    slot.copy_at = std::string::npos;
  }
  // Stage the final state of every changed key: one write per key.
  batch_.clear();
  for (size_t s = 0; s < slot_count_; ++s) {
    const Slot& slot = slots_[s];
    if (!slot.dirty) continue;
    const std::string& key = data_keys_[slot.first_item];
    encodeValueInto(value_buf_, slot.expire_at_ms, slot.value);
    std::string expiry;
    if (slot.expiry_from_set) {
      const Item& it = items_[slot.first_item];
      expiry = records::expiryKey(slot.expire_at_ms, it.ns->ws, it.ns->id, keyOf(it));
    }
    if (txn != nullptr) {
      RETURN_IF_ERROR(txn->put(key, value_buf_));
      if (!expiry.empty()) RETURN_IF_ERROR(txn->put(expiry, ""));
    } else {
      batch_.put(key, value_buf_);
      if (!expiry.empty()) batch_.put(expiry, "");
    }
  }
  return Status::OK();
}

Status WriteGroup::commitBatch() {
  RETURN_IF_ERROR(evaluate(nullptr));
  return kv_.engine_.write(batch_, kv_.options_.durability);
}

void WriteGroup::commit() {
  if (ops_.empty()) return;
  // Shared: a namespace deletion waits until this group is committed, and none can commit
  // between the namespace check below and the write.
  std::shared_lock ns_lock(kv_.delete_mu_);
  checkNamespaces();
  bool any = false;
  for (const auto& op : ops_) any |= op.kind != Kind::kFailed;
  if (!any) return;
  buildDataKeys();
  bool writes = false, incrs = false;
  buildSlots(writes, incrs);
  // The keys this group writes leave the read cache before the commit; no reader re-fills
  // their shards until it is over (kv/read_cache.h).
  ReadCache::WriteScope cache_scope;
  if (writes) {
    lockKeys();
    uint32_t mask = 0;
    for (size_t i = 0; i < slot_count_; ++i) {
      if (!slots_[i].written) continue;
      const std::string& key = data_keys_[slots_[i].first_item];
      mask |= kv_.cache_.shardMask(key);
    }
    cache_scope = kv_.cache_.writeShards(mask);
    for (size_t i = 0; i < slot_count_; ++i) {
      if (slots_[i].written) kv_.cache_.erase(data_keys_[slots_[i].first_item]);
    }
  }
  Status s = incrs ? kv_.engine_.run([this](db::Transaction& txn) { return evaluate(&txn); },
                                     {.durability = kv_.options_.durability})
                   : commitBatch();
  if (s.ok() && writes) {
    // Write-through: the keys just written are the likeliest to be read next.
    for (size_t i = 0; i < slot_count_; ++i) {
      const Slot& slot = slots_[i];
      if (!slot.dirty) continue;
      encodeValueInto(value_buf_, slot.expire_at_ms, slot.value);
      kv_.cache_.store(cache_scope, data_keys_[slot.first_item], value_buf_);
    }
  }
  cache_scope = {};
  unlockKeys();
  if (s.ok()) return;
  // Nothing of the group was written: every operation still pending gets the error.
  for (auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    op.kind = Kind::kFailed;
    op.outcome = {s, 0};
  }
}

}  // namespace strata::kv
