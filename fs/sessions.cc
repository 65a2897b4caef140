#include "fs/sessions.h"

#include <chrono>
#include <optional>

#include "common/bytes.h"
#include "common/random.h"

namespace strata::fs {
namespace {

constexpr char kVersion = 0x01;

std::string encode(int64_t expiry_ms, int64_t lease_ms) {
  std::string out(1, kVersion);
  appendU64BE(out, static_cast<uint64_t>(expiry_ms));
  appendU32BE(out, static_cast<uint32_t>(lease_ms));
  return out;
}

struct Record {
  int64_t expiry_ms;
  int64_t lease_ms;
};

Result<Record> decode(std::string_view v) {
  if (v.size() != 13 || v[0] != kVersion) return corruption("bad session record");
  return Record{static_cast<int64_t>(readU64BE(v.substr(1))), static_cast<int64_t>(readU32BE(v.substr(9)))};
}

int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

bool isSessionId(std::string_view id) {
  if (id.size() != 34 || id.substr(0, 2) != "s-") return false;
  for (char c : id.substr(2)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string SessionTable::key(std::string_view ws, std::string_view id) {
  std::string k = "ses/";
  k.append(ws);
  k += '/';
  k.append(id);
  return k;
}

SessionTable::SessionTable(db::Engine& engine, NowMs now)
    : engine_(engine), now_(now ? std::move(now) : NowMs(systemNowMs)) {}

Result<SessionInfo> SessionTable::create(std::string_view ws, int64_t lease_ms) {
  if (lease_ms < kMinLeaseMs || lease_ms > kMaxLeaseMs) {
    return invalidArgument("lease must be 1..3600 seconds");
  }
  SessionInfo info;
  info.id = "s-" + randomHex(16);
  info.lease_ms = lease_ms;
  info.expiry_unix_ms = now_() + lease_ms;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) {
    return txn.put(key(ws, info.id), encode(info.expiry_unix_ms, lease_ms));
  }));
  return info;
}

Result<SessionInfo> SessionTable::heartbeat(std::string_view ws, std::string_view id) {
  if (!isSessionId(id)) return notFound("no such session: ", id);
  SessionInfo info;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    ASSIGN_OR_RETURN(auto value, txn.get(key(ws, id)));
    if (!value) return notFound("session expired or unknown: ", id);
    ASSIGN_OR_RETURN(Record rec, decode(*value));
    const int64_t now = now_();
    if (rec.expiry_ms <= now) {
      RETURN_IF_ERROR(txn.del(key(ws, id)));
      return Status::OK();  // committed below; reported as expired
    }
    info.id = std::string(id);
    info.lease_ms = rec.lease_ms;
    info.expiry_unix_ms = now + rec.lease_ms;
    return txn.put(key(ws, id), encode(info.expiry_unix_ms, rec.lease_ms));
  }));
  if (info.id.empty()) return notFound("session expired: ", id);
  return info;
}

Status SessionTable::end(std::string_view ws, std::string_view id) {
  if (!isSessionId(id)) return Status::OK();
  return engine_.run([&](db::Transaction& txn) { return txn.del(key(ws, id)); });
}

Result<bool> SessionTable::alive(db::Transaction& txn, std::string_view ws, std::string_view id) const {
  if (!isSessionId(id)) return false;
  ASSIGN_OR_RETURN(auto value, txn.get(key(ws, id)));
  if (!value) return false;
  ASSIGN_OR_RETURN(Record rec, decode(*value));
  return rec.expiry_ms > now_();
}

}  // namespace strata::fs
