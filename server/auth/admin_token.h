// The first admin token of a data directory. On the first start of a server on DIR, a token
// is created for the workspace, only its hash is stored, and its text is written to
// DIR/admin-token (mode 0600) for the operator to read.
//
// Crash safety: the text goes to DIR/admin-token.tmp (0600, fsynced) before the token is
// committed, and is renamed to DIR/admin-token after; a crash in between leaves the .tmp file,
// which the next start recognises (its token authenticates) and renames.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "server/auth/token_store.h"

namespace strata::server::auth {

struct AdminToken {
  std::string path;      // DIR/admin-token
  bool created = false;  // made by this call (first start)
};

Result<AdminToken> ensureAdminToken(TokenStore& tokens, const std::string& data_dir,
                                    std::string_view workspace);

}  // namespace strata::server::auth
