#include "kv/read_cache.h"

#include <functional>

namespace strata::kv {

ReadCache::ReadCache(size_t capacity_bytes)
    : capacity_(capacity_bytes), shards_(std::make_unique<Shard[]>(kShards)) {}

size_t ReadCache::shardOf(std::string_view key) const { return std::hash<std::string_view>()(key) % kShards; }

ReadCache::Hit ReadCache::lookup(std::string_view key, std::string& record, Ticket& ticket) {
  ticket = {};
  if (!enabled()) return Hit::kMiss;
  ticket.shard = shardOf(key);
  Shard& s = shards_[ticket.shard];
  std::lock_guard lock(s.mu);
  auto it = s.map.find(std::string(key));
  if (it != s.map.end()) {
    s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
    if (!it->second.record) return Hit::kAbsent;
    record.assign(*it->second.record);
    return Hit::kPresent;
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
  insertLocked(s, key, record);
}

void ReadCache::store(const WriteScope& scope, std::string_view key, const std::optional<std::string>& record) {
  if (!enabled() || scope.cache_ != this) return;
  const size_t i = shardOf(key);
  if ((scope.mask_ & (1u << i)) == 0) return;
  Shard& s = shards_[i];
  std::lock_guard lock(s.mu);
  if (s.writers != 1 || s.version != scope.versions_[i]) return;  // not the only writer
  auto it = s.map.find(std::string(key));
  if (it != s.map.end()) {
    s.bytes -= charge(it->first, it->second.record);
    s.lru.erase(it->second.lru);
    s.map.erase(it);
  }
  insertLocked(s, key, record);
}

void ReadCache::insertLocked(Shard& s, std::string_view key, const std::optional<std::string>& record) {
  const size_t cost = charge(key, record);
  const size_t share = capacity_ / kShards;
  if (cost > share / 8) return;  // a few huge values would only evict everything else
  std::string k(key);
  if (s.map.count(k) != 0) return;  // another reader filled it from the same state
  s.lru.push_front(k);
  s.map.emplace(std::move(k), Entry{record, s.lru.begin()});
  s.bytes += cost;
  while (s.bytes > share && !s.lru.empty()) {
    auto victim = s.map.find(s.lru.back());
    s.bytes -= charge(victim->first, victim->second.record);
    s.map.erase(victim);
    s.lru.pop_back();
  }
}

void ReadCache::erase(std::string_view key) {
  if (!enabled()) return;
  Shard& s = shards_[shardOf(key)];
  std::lock_guard lock(s.mu);
  auto it = s.map.find(std::string(key));
  if (it == s.map.end()) return;
  s.bytes -= charge(it->first, it->second.record);
  s.lru.erase(it->second.lru);
  s.map.erase(it);
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
