#include "kv/records.h"

#include "common/bytes.h"

namespace strata::kv::records {
namespace {
constexpr char kVersion = 1;

std::string wsPrefix(std::string_view ws) {
  std::string k = "w/";
  k.append(ws);
  k.push_back('/');
  return k;
}
}  // namespace

std::string namespacePrefix(std::string_view ws) { return wsPrefix(ws) + "kvn/"; }

std::string namespaceKey(std::string_view ws, std::string_view name) {
  std::string k = namespacePrefix(ws);
  k.append(name);
  return k;
}

std::string namespaceCounterKey(std::string_view ws) { return wsPrefix(ws) + "kvc"; }

std::string dataPrefix(std::string_view ws, uint64_t ns_id) {
  std::string k = wsPrefix(ws) + "kvd/";
  appendU64BE(k, ns_id);
  return k;
}

std::string dataKey(std::string_view ws, uint64_t ns_id, std::string_view key) {
  std::string k = dataPrefix(ws, ns_id);
  k.append(key);
  return k;
}

std::string purgeKey(std::string_view ws, uint64_t ns_id) {
  std::string k = wsPrefix(ws) + "kvp/";
  appendU64BE(k, ns_id);
  return k;
}

std::string expiryPrefix() { return "kvx/"; }

std::string expiryKey(int64_t expire_at_ms, std::string_view ws, uint64_t ns_id, std::string_view key) {
  std::string k = expiryPrefix();
  appendU64BE(k, static_cast<uint64_t>(expire_at_ms));
  k.append(ws);
  k.push_back('\0');
  appendU64BE(k, ns_id);
  k.append(key);
  return k;
}

std::string encodeNamespace(const NamespaceRecord& r) {
  std::string out(1, kVersion);
  appendU64BE(out, r.id);
  appendU64BE(out, static_cast<uint64_t>(r.created_unix));
  return out;
}

Result<NamespaceRecord> decodeNamespace(std::string_view bytes) {
  if (bytes.size() != 17 || bytes[0] != kVersion) return corruption("bad namespace record");
  return NamespaceRecord{readU64BE(bytes.substr(1)), static_cast<int64_t>(readU64BE(bytes.substr(9)))};
}

std::string encodeValue(int64_t expire_at_ms, std::string_view value) {
  std::string out;
  out.reserve(9 + value.size());
  out.push_back(kVersion);
  appendU64BE(out, static_cast<uint64_t>(expire_at_ms));
  out.append(value);
  return out;
}

Result<ValueRecord> decodeValue(std::string_view bytes) {
  if (bytes.size() < 9 || bytes[0] != kVersion) return corruption("bad value record");
  return ValueRecord{static_cast<int64_t>(readU64BE(bytes.substr(1))), std::string(bytes.substr(9))};
}

Result<ExpiryEntry> decodeExpiryKey(std::string_view k) {
  const std::string p = expiryPrefix();
  if (k.size() < p.size() + 8 || k.substr(0, p.size()) != p) return corruption("bad expiry key");
  k.remove_prefix(p.size());
  ExpiryEntry e;
  e.expire_at_ms = static_cast<int64_t>(readU64BE(k));
  k.remove_prefix(8);
  size_t nul = k.find('\0');
  if (nul == std::string_view::npos || k.size() < nul + 1 + 8) return corruption("bad expiry key");
  e.ws = std::string(k.substr(0, nul));
  k.remove_prefix(nul + 1);
  e.ns_id = readU64BE(k);
  e.key = std::string(k.substr(8));
  return e;
}

}  // namespace strata::kv::records
