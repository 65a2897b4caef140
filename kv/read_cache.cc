#include "kv/read_cache.h"

#include <cstring>
#include <functional>
#include <new>

namespace strata::kv {
namespace {

constexpr size_t kInitialSlots = 64;
// The low bits of a key's hash pick its shard; the bits above them its slot.
constexpr int kShardBits = 4;
static_assert((size_t{1} << kShardBits) == ReadCache::kShards);

size_t homeOf(size_t hash, size_t mask) { return (hash >> kShardBits) & mask; }

}  // namespace

ReadCache::ReadCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), shards_(std::make_unique<Shard[]>(kShards)) {}

ReadCache::Shard::~Shard() {
  for (Slot& slot : slots) ::operator delete(slot.node);
}

size_t ReadCache::hashOf(std::string_view key) { return std::hash<std::string_view>()(key); }

size_t ReadCache::findLocked(const Shard& s, std::string_view key, size_t h) {
  // Never full (grown at half load), so the probe always ends at an empty slot.
  const size_t mask = s.slots.size() - 1;
  for (size_t i = homeOf(h, mask);; i = (i + 1) & mask) {
    const Slot& slot = s.slots[i];
    if (slot.node == nullptr || (slot.hash == h && slot.node->key() == key)) return i;
  }
}

ReadCache::Hit ReadCache::lookup(std::string_view key, std::string& record, Ticket& ticket) {
  ticket = {};
  if (!enabled()) return Hit::kMiss;
  const size_t h = hashOf(key);
  ticket.shard = h % kShards;
  Shard& s = shards_[ticket.shard];
  std::lock_guard lock(s.mu);
  if (!s.slots.empty()) {
    if (Node* node = s.slots[findLocked(s, key, h)].node) {
      node->referenced = true;
      if (!node->present) return Hit::kAbsent;
      record.assign(node->record());
      return Hit::kPresent;
    }
  }
  ticket.version = s.version;
  ticket.fillable = s.writers == 0;
  return Hit::kMiss;
}

void ReadCache::fill(std::string_view key, const std::optional<std::string>& record, const Ticket& ticket) {
  if (!enabled() || !ticket.fillable) return;
  Shard& s = shards_[ticket.shard];
  std::lock_guard lock(s.mu);
  // A write began or ended since the engine read: what was read may be stale.
  if (s.writers != 0 || s.version != ticket.version) return;
  insertLocked(s, key, hashOf(key), record);
}

void ReadCache::store(const WriteScope& scope, std::string_view key, const std::optional<std::string>& record) {
  if (!enabled() || scope.cache_ != this) return;
  const size_t h = hashOf(key);
  const size_t i = h % kShards;
  if ((scope.mask_ & (1u << i)) == 0) return;
  Shard& s = shards_[i];
  std::lock_guard lock(s.mu);
  if (s.writers != 1 || s.version != scope.versions_[i]) return;  // not the only writer
  if (!s.slots.empty()) {
    const size_t at = findLocked(s, key, h);
    if (s.slots[at].node != nullptr) removeAtLocked(s, at);
  }
  insertLocked(s, key, h, record);
}

void ReadCache::insertLocked(Shard& s, std::string_view key, size_t h, const std::optional<std::string>& record) {
  const size_t record_len = record ? record->size() : 0;
  const size_t cost = charge(key.size(), record_len);
  if (cost > capacity_ / kShards / 8) return;  // a few huge values would only evict everything else
  if (s.slots.empty()) s.slots.resize(kInitialSlots);
  if (s.slots[findLocked(s, key, h)].node != nullptr) return;  // another reader filled it from the same state
  if ((s.used + 1) * 2 > s.slots.size()) {
    std::vector<Slot> old(s.slots.size() * 2);
    old.swap(s.slots);
    for (const Slot& slot : old) {
      if (slot.node != nullptr) s.slots[findLocked(s, slot.node->key(), slot.hash)] = slot;
    }
    s.hand = 0;
  }
  auto* node = static_cast<Node*>(::operator new(sizeof(Node) + key.size() + record_len));
  node->key_len = static_cast<uint32_t>(key.size());
  node->record_len = static_cast<uint32_t>(record_len);
  node->present = record.has_value();
  node->referenced = true;  // a full turn of the hand before it can go
  std::memcpy(node->bytes(), key.data(), key.size());
  if (record_len > 0) std::memcpy(node->bytes() + key.size(), record->data(), record_len);
  s.slots[findLocked(s, key, h)] = {h, node};
  ++s.used;
  s.bytes += cost;
  evictLocked(s);
}

void ReadCache::removeAtLocked(Shard& s, size_t at) {
  Node* node = s.slots[at].node;
  s.bytes -= charge(node->key_len, node->record_len);
  ::operator delete(node);
  s.slots[at] = {};
  --s.used;
  // Backward shift: a later slot of the probe run whose home is not between the hole and
  // itself moves into the hole, so every key stays reachable from its home without tombstones.
  const size_t mask = s.slots.size() - 1;
  size_t hole = at;
  for (size_t i = (at + 1) & mask; s.slots[i].node != nullptr; i = (i + 1) & mask) {
    const size_t home = homeOf(s.slots[i].hash, mask);
    const bool reachable = hole <= i ? (hole < home && home <= i) : (hole < home || home <= i);
    if (reachable) continue;
    s.slots[hole] = s.slots[i];
    s.slots[i] = {};
    hole = i;
  }
}

void ReadCache::evictLocked(Shard& s) {
  const size_t share = capacity_ / kShards;
  const size_t mask = s.slots.size() - 1;
  while (s.bytes > share && s.used > 0) {
    Slot& slot = s.slots[s.hand];
    if (slot.node != nullptr && !slot.node->referenced) {
      removeAtLocked(s, s.hand);  // a later slot may have moved here: look at it next
      continue;
    }
    if (slot.node != nullptr) slot.node->referenced = false;
    s.hand = (s.hand + 1) & mask;
  }
}

void ReadCache::erase(std::string_view key) {
  if (!enabled()) return;
  const size_t h = hashOf(key);
  Shard& s = shards_[h % kShards];
  std::lock_guard lock(s.mu);
  if (s.slots.empty()) return;
  const size_t at = findLocked(s, key, h);
  if (s.slots[at].node != nullptr) removeAtLocked(s, at);
}

ReadCache::WriteScope ReadCache::writeAll() { return writeShards((1u << kShards) - 1); }

ReadCache::WriteScope ReadCache::writeShards(uint32_t mask) {
  if (!enabled() || mask == 0) return {};
  WriteScope scope(this, mask);
  for (size_t i = 0; i < kShards; ++i) {
    if ((mask & (1u << i)) == 0) continue;
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    ++s.writers;
    scope.versions_[i] = ++s.version;
  }
  return scope;
}

void ReadCache::endWrite(uint32_t mask) {
  for (size_t i = 0; i < kShards; ++i) {
    if ((mask & (1u << i)) == 0) continue;
    Shard& s = shards_[i];
    std::lock_guard lock(s.mu);
    --s.writers;
    ++s.version;
  }
}

ReadCache::WriteScope::~WriteScope() {
  if (cache_ != nullptr) cache_->endWrite(mask_);
}

ReadCache::WriteScope& ReadCache::WriteScope::operator=(WriteScope&& other) noexcept {
  if (this != &other) {
    if (cache_ != nullptr) cache_->endWrite(mask_);
    cache_ = other.cache_;
    mask_ = other.mask_;
    for (size_t i = 0; i < kShards; ++i) versions_[i] = other.versions_[i];
    other.cache_ = nullptr;
  }
  return *this;
}

}  // namespace strata::kv
