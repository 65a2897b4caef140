// TokenStore: API tokens of every workspace, kept in db::Engine (key layout: docs/tokens.md).
//
// Only SHA-256(secret) is stored. authenticate() reads the engine's latest committed state on
// every call, with no cache, so a revoked token is refused by the very next request (on this
// and on any other server process sharing the engine).
//
// Thread-safe (the engine is).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "server/auth/principal.h"
#include "server/auth/token.h"

namespace strata::server::auth {

struct TokenInfo {
  std::string id;
  std::string name;
  std::string workspace;
  bool read_only = false;
  bool admin = false;
  int64_t created_unix = 0;
};

// A token just made: its description and its full text (shown to the user once, never again).
struct NewToken {
  TokenInfo info;
  std::string token;
};

class TokenStore {
 public:
  explicit TokenStore(db::Engine& engine) : engine_(engine) {}

  // Generates and stores a token. `name`: 1..128 bytes without control characters.
  Result<NewToken> create(std::string_view workspace, std::string_view name, bool read_only,
                          bool admin);
  // A token not yet stored (see insertBootstrapAdmin).
  static Result<NewToken> mint(std::string_view workspace, std::string_view name, bool read_only,
                               bool admin);
  // Stores `token` as the workspace's first admin token, together with the workspace's
  // bootstrap marker; kAlreadyExists (storing nothing) when the marker is already there.
  Status insertBootstrapAdmin(const NewToken& token);
  // Whether the workspace's bootstrap admin token has been created.
  Result<bool> bootstrapped(std::string_view workspace);

  // Tokens of one workspace, ordered by id.
  Result<std::vector<TokenInfo>> list(std::string_view workspace);
  // kNotFound when `id` is not a token of `workspace`.
  Status revoke(std::string_view workspace, std::string_view id);

  // The principal of an "Authorization" header value ("Bearer <token>"); kUnauthenticated for
  // a missing, malformed, unknown, wrong or revoked token (one message for all: no oracle).
  Result<Principal> authenticateHeader(std::optional<std::string_view> header);
  Result<Principal> authenticate(std::string_view token_text);

 private:
  Status insert(db::Transaction& txn, const NewToken& token);

  db::Engine& engine_;
};

}  // namespace strata::server::auth
