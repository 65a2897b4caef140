// Client sessions of the mount: a lease that a mount keeps alive by heartbeats. Locks
// (fs/locks.h) belong to a session; when its lease lapses (the mount died or lost the network)
// every lock it held stops counting, so a dead node never blocks the others for longer than
// one lease.
//
// Stored in db::Engine as "ses/<ws>/<session id>" -> 01 | i64 expiry_unix_ms | BE32 lease_ms
// (docs/api-mount.md "Storage"). A session that has expired or was ended is gone: heartbeat
// answers kNotFound and the client must start a new one (its old locks are lost).
//
// Thread-safe: all state lives in the engine.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "db/engine.h"

namespace strata::fs {

struct SessionInfo {
  std::string id;           // "s-" + 32 hex
  int64_t lease_ms = 0;
  int64_t expiry_unix_ms = 0;
};

constexpr int64_t kMinLeaseMs = 1000;
constexpr int64_t kMaxLeaseMs = 3600 * 1000;

class SessionTable {
 public:
  using NowMs = std::function<int64_t()>;  // wall clock in unix milliseconds (tests move it)
  explicit SessionTable(db::Engine& engine, NowMs now = {});

  // kInvalidArgument when lease_ms is outside [kMinLeaseMs, kMaxLeaseMs].
  Result<SessionInfo> create(std::string_view ws, int64_t lease_ms);
  // Extends the lease by its length from now; kNotFound when expired or unknown.
  Result<SessionInfo> heartbeat(std::string_view ws, std::string_view id);
  // Ends a session at once (its locks stop counting). Unknown ids are fine.
  Status end(std::string_view ws, std::string_view id);

  // Inside a transaction: whether `id` is alive now. Reads the record with get(), so a
  // concurrent heartbeat/end conflicts with the caller's transaction.
  Result<bool> alive(db::Transaction& txn, std::string_view ws, std::string_view id) const;

  int64_t nowMs() const { return now_(); }
  static std::string key(std::string_view ws, std::string_view id);

 private:
  db::Engine& engine_;
  NowMs now_;
};

// "s-" followed by 32 lowercase hex characters (what create() hands out).
bool isSessionId(std::string_view id);

}  // namespace strata::fs
