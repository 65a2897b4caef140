// Principal: who is making a request, as established from its bearer token.
#pragma once

#include <string>

namespace strata::server::auth {

struct Principal {
  std::string token_id;   // 16 hex
  std::string name;       // the token's name ("admin", "ci", ...)
  std::string workspace;  // every request acts inside exactly one workspace
  bool read_only = false;
  bool admin = false;
};

}  // namespace strata::server::auth
