// Router: method + path pattern -> handler, with the cross-cutting rules applied once for
// every route: authentication and access level, the request body limit (413 before a byte of
// the body is read), JSON errors with the status of the error table, 404/405 for unknown
// routes and methods, and request metrics.
//
// Patterns are literal segments and "{name}" segments that match one non-empty segment, e.g.
// "/api/v1/fs/{fs}/chunks/{id}". Routes are added at startup, then dispatch() is called from
// many connection threads at once: add() is not thread-safe, dispatch() is.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "server/auth/principal.h"
#include "server/http/exchange.h"

namespace strata::server::http {

enum class Access {
  kPublic,  // no token (health, metrics)
  kRead,    // any valid token
  kWrite,   // a token that is not read-only (403 read_only otherwise)
  kAdmin,   // an admin token (403 permission_denied otherwise)
};

// Body limits of the routes (docs/api.md).
constexpr uint64_t kJsonBodyLimit = 1ull << 20;
constexpr uint64_t kNoBody = 0;  // the route reads no body; one that is sent is ignored

// What a handler gets: the exchange, decoded path parameters and query, and the caller.
class Call {
 public:
  Call(Exchange& ex, std::map<std::string, std::string, std::less<>> params,
       std::map<std::string, std::string, std::less<>> query, auth::Principal principal,
       uint64_t body_limit)
      : ex_(ex), params_(std::move(params)), query_(std::move(query)),
        principal_(std::move(principal)), body_limit_(body_limit) {}

  Exchange& ex() { return ex_; }
  // A "{name}" segment of the route pattern (percent-decoded). REQUIRES: the pattern has it.
  const std::string& param(std::string_view name) const;
  // A query parameter, nullopt when absent.
  std::optional<std::string> query(std::string_view name) const;
  const auth::Principal& principal() const { return principal_; }
  const std::string& workspace() const { return principal_.workspace; }
  uint64_t bodyLimit() const { return body_limit_; }
  Result<std::string> readBody() { return ex_.readBody(body_limit_); }

 private:
  Exchange& ex_;
  std::map<std::string, std::string, std::less<>> params_;
  std::map<std::string, std::string, std::less<>> query_;
  auth::Principal principal_;
  uint64_t body_limit_;
};

// A handler sends its response through call.ex() and returns OK, or returns an error Status
// before responding, which the router turns into the JSON error response.
using Handler = std::function<Status(Call&)>;

// Maps an Authorization header value (nullopt when absent) to a principal or kUnauthenticated.
using Authenticator = std::function<Result<auth::Principal>(std::optional<std::string_view>)>;

class Router {
 public:
  explicit Router(Authenticator authenticate);
  ~Router();

  // `name` labels the route in metrics ("fs.content"). A GET route also answers HEAD.
  void add(std::string_view method, std::string_view pattern, std::string name, Access access,
           uint64_t body_limit, Handler handler);

  // Serves one request completely. Never throws.
  void dispatch(Exchange& ex) const;

 private:
  struct Route;
  std::vector<std::unique_ptr<Route>> routes_;
  Authenticator authenticate_;
};

// Sends {"error":{"code":..., "message":...}} with the status of the error table.
Status sendError(Exchange& ex, const Status& error);

}  // namespace strata::server::http
