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

// The current integer and expiry of a value record read in the transaction; absent or
// expired reads as 0 without expiry.
Status parseCounter(const std::optional<std::string>& raw, int64_t& value, int64_t& expire_at_ms) {
  value = 0;
  expire_at_ms = 0;
  if (!raw) return Status::OK();
  ASSIGN_OR_RETURN(auto rec, records::decodeValue(*raw));
  if (rec.expire_at_ms != 0 && rec.expire_at_ms <= nowNanos() / 1'000'000) return Status::OK();
  const std::string& v = rec.value;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || (v.size() > 1 && v[0] == '+')) {
    return invalidArgument("value is not an integer or out of range");
  }
  expire_at_ms = rec.expire_at_ms;
  return Status::OK();
}

}  // namespace

size_t WriteGroup::addItem(std::string_view key, std::string_view value) {
  items_.push_back({arena_.size(), key.size(), arena_.size() + key.size(), value.size()});
  arena_.append(key);
  arena_.append(value);
  return items_.size() - 1;
}

size_t WriteGroup::set(NamespaceRef& ns, std::string_view key, std::string_view value, int64_t expire_at_ms) {
  Status s = checkKey(key);
  if (s.ok()) s = checkValue(value);
  if (s.ok() && expire_at_ms < 0) s = invalidArgument("invalid expire time");
  if (!s.ok()) return fail(std::move(s));
  size_t item = addItem(key, value);
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
  for (size_t i = 0; i < count; i += 2) addItem(pairs[i], pairs[i + 1]);
  ops_.push_back({Kind::kSet, &ns, first, count / 2, 0, 0, {}});
  return ops_.size() - 1;
}

size_t WriteGroup::incrBy(NamespaceRef& ns, std::string_view key, int64_t delta) {
  Status s = checkKey(key);
  if (!s.ok()) return fail(std::move(s));
  size_t item = addItem(key, {});
  ops_.push_back({Kind::kIncr, &ns, item, 1, 0, delta, {}});
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
  // Keep the buffers of a normal burst; drop those of an unusually large one.
  if (arena_.capacity() > (8u << 20)) arena_.shrink_to_fit();
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

void WriteGroup::lockKeys() {
  stripes_.clear();
  std::hash<std::string_view> hash;
  for (const auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
      stripes_.push_back(hash(data_keys_[i]) % KvService::kKeyLockStripes);
    }
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

Status WriteGroup::commitBatch() {
  batch_.clear();
  for (const auto& op : ops_) {
    if (op.kind != Kind::kSet) continue;
    for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
      encodeValueInto(value_buf_, op.expire_at_ms, valueOf(items_[i]));
      batch_.put(data_keys_[i], value_buf_);
      if (op.expire_at_ms != 0) {
        batch_.put(records::expiryKey(op.expire_at_ms, op.ns->ws, op.ns->id, keyOf(items_[i])), "");
      }
    }
  }
  return kv_.engine_.write(batch_, kv_.options_.durability);
}

Status WriteGroup::runTransaction(db::Transaction& txn) {
  for (auto& op : ops_) {
    if (op.kind == Kind::kFailed) continue;
    op.outcome = {};
    if (op.kind == Kind::kSet) {
      for (size_t i = op.first_item; i < op.first_item + op.items; ++i) {
        encodeValueInto(value_buf_, op.expire_at_ms, valueOf(items_[i]));
        RETURN_IF_ERROR(txn.put(data_keys_[i], value_buf_));
        if (op.expire_at_ms != 0) {
          RETURN_IF_ERROR(txn.put(records::expiryKey(op.expire_at_ms, op.ns->ws, op.ns->id, keyOf(items_[i])), ""));
        }
      }
      continue;
    }
    // kIncr: read through the transaction, so an earlier op of this group on the key counts.
    const std::string& key = data_keys_[op.first_item];
    ASSIGN_OR_RETURN(auto raw, txn.get(key));
    int64_t current = 0, expire = 0;
    Status s = parseCounter(raw, current, expire);
    if (s.ok() && __builtin_add_overflow(current, op.delta, &op.outcome.integer)) {
      s = invalidArgument("increment or decrement would overflow");
    }
    if (!s.ok()) {
      // Only this operation fails (as a Redis INCR of a non-integer does); the group goes on.
      if (s.code() != Code::kInvalidArgument) return s;
      op.outcome.status = std::move(s);
      continue;
    }
    char digits[24];
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), op.outcome.integer);
    encodeValueInto(value_buf_, expire, std::string_view(digits, static_cast<size_t>(end - digits)));
    RETURN_IF_ERROR(txn.put(key, value_buf_));
  }
  return Status::OK();
}

void WriteGroup::commit() {
  if (ops_.empty()) return;
  // Shared: a namespace deletion waits until this group is committed, and none can commit
  // between the namespace check below and the write.
  std::shared_lock ns_lock(kv_.delete_mu_);
  checkNamespaces();
  bool any = false, reads = false;
  for (const auto& op : ops_) {
    any |= op.kind != Kind::kFailed;
    reads |= op.kind == Kind::kIncr;
  }
  if (!any) return;
  buildDataKeys();
  lockKeys();
  Status s = reads ? kv_.engine_.run([this](db::Transaction& txn) { return runTransaction(txn); },
                                     {.durability = kv_.options_.durability})
                   : commitBatch();
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
