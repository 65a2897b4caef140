// The state of one RESP connection and what its commands run against.
// Not thread-safe: a Session belongs to its connection's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "kv/kv_service.h"
#include "server/auth/principal.h"

namespace strata::server::resp {

// Checks a token's text; kUnauthenticated when it is wrong or revoked.
using TokenAuthenticator = std::function<Result<auth::Principal>(std::string_view token)>;

struct RespDeps {
  kv::KvService& kv;
  TokenAuthenticator authenticate;
};

struct Session {
  int64_t id = 0;
  int protocol = 2;
  std::optional<auth::Principal> principal;  // set by AUTH / HELLO ... AUTH
  std::string ns;                            // the namespace AUTH bound this connection to
  kv::NamespaceRef nsref;                    // ns, resolved at AUTH for the hot commands
  std::string client_name;
  bool quit = false;  // close after the reply
  // SCAN cursors handed out on this connection: id -> last key returned.
  std::map<uint64_t, std::string> scan_cursors;
  uint64_t next_cursor_id = 1;
};

}  // namespace strata::server::resp
