#include "server/http/router.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/metrics.h"
#include "server/http/url.h"

namespace strata::server::http {
namespace {

std::vector<std::string_view> splitSegments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t pos = 1;  // past the leading '/'
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

void recordMetrics(const std::string& route, Exchange& ex, int64_t start_ns) {
  std::string status = std::to_string(ex.responded() ? ex.responseStatus() : 0);
  spdlog::debug("{} {} -> {} ({} in, {} out, {:.3f} ms)", ex.method(), ex.target(), status,
                ex.bytesIn(), ex.bytesOut(), static_cast<double>(monotonicNanos() - start_ns) / 1e6);
  metrics::inc("strata_http_requests_total", {{"route", route}, {"status", status}});
  metrics::observe("strata_http_request_seconds", {{"route", route}},
                   static_cast<double>(monotonicNanos() - start_ns) / 1e9);
  if (ex.bytesIn() > 0) metrics::inc("strata_http_received_bytes_total", {}, ex.bytesIn());
  if (ex.bytesOut() > 0) metrics::inc("strata_http_sent_bytes_total", {}, ex.bytesOut());
}

}  // namespace

struct Router::Route {
  std::string method;
  std::vector<std::string> segments;  // "{x}" marks a parameter
  std::string name;
  Access access;
  uint64_t body_limit;
  Handler handler;

  // Fills `params` when `path` (split, still encoded) matches the pattern.
  bool match(const std::vector<std::string_view>& path,
             std::map<std::string, std::string, std::less<>>& params, Status& decode_error) const {
    if (path.size() != segments.size()) return false;
    std::map<std::string, std::string, std::less<>> found;
    for (size_t i = 0; i < path.size(); ++i) {
      const std::string& want = segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (path[i].empty()) return false;
        auto decoded = percentDecode(path[i], false);
        if (!decoded.ok()) {
          decode_error = decoded.status();
          return false;
        }
        found.emplace(want.substr(1, want.size() - 2), std::move(decoded).value());
      } else if (path[i] != want) {
        return false;
      }
    }
    params = std::move(found);
    return true;
  }
};

const std::string& Call::param(std::string_view name) const {
  static const std::string kEmpty;
  auto it = params_.find(name);
  return it == params_.end() ? kEmpty : it->second;
}

std::optional<std::string> Call::query(std::string_view name) const {
  auto it = query_.find(name);
  if (it == query_.end()) return std::nullopt;
  return it->second;
}

Router::Router(Authenticator authenticate) : authenticate_(std::move(authenticate)) {
  metrics::describe("strata_http_requests_total", metrics::Type::kCounter,
                    "HTTP requests served, by route and status.");
  metrics::describe("strata_http_request_seconds", metrics::Type::kHistogram,
                    "Time to serve an HTTP request, by route.");
  metrics::describe("strata_http_received_bytes_total", metrics::Type::kCounter,
                    "HTTP request body bytes received.");
  metrics::describe("strata_http_sent_bytes_total", metrics::Type::kCounter,
                    "HTTP response body bytes sent.");
}

Router::~Router() = default;

void Router::add(std::string_view method, std::string_view pattern, std::string name,
                 Access access, uint64_t body_limit, Handler handler) {
  auto route = std::make_unique<Route>();
  route->method = std::string(method);
  for (std::string_view seg : splitSegments(pattern)) route->segments.emplace_back(seg);
  route->name = std::move(name);
  route->access = access;
  route->body_limit = body_limit;
  route->handler = std::move(handler);
  routes_.push_back(std::move(route));
}

Status sendError(Exchange& ex, const Status& error) {
  nlohmann::json body = {
      {"error", {{"code", std::string(codeName(error.code()))}, {"message", error.message()}}}};
  Headers headers = {{"Content-Type", "application/json"}};
  if (error.code() == Code::kUnauthenticated) headers.emplace_back("WWW-Authenticate", "Bearer");
  // Invalid UTF-8 in a message (a client's bad path echoed back) must not throw.
  return ex.send(toHttpStatus(error.code()), headers,
                 body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

void Router::dispatch(Exchange& ex) const {
  const int64_t start = monotonicNanos();
  std::string route_name = "unmatched";
  auto fail = [&](const Status& st) {
    if (!ex.responded()) sendError(ex, st).ignoreError();
  };

  try {
    Target target = splitTarget(ex.target());
    if (target.path.empty() || target.path.front() != '/') {
      fail(invalidArgument("request target must be an absolute path"));
      recordMetrics(route_name, ex, start);
      return;
    }
    std::vector<std::string_view> segments = splitSegments(target.path);
    std::string_view method = ex.method();
    std::string_view lookup_method = method == "HEAD" ? "GET" : method;

    const Route* chosen = nullptr;
    std::map<std::string, std::string, std::less<>> params;
    std::string allowed;
    Status decode_error;
    for (const auto& route : routes_) {
      std::map<std::string, std::string, std::less<>> p;
      if (!route->match(segments, p, decode_error)) continue;
      if (route->method == lookup_method) {
        chosen = route.get();
        params = std::move(p);
        break;
      }
      if (!allowed.empty()) allowed += ", ";
      allowed += route->method;
      if (route->method == "GET") allowed += ", HEAD";
    }
    if (chosen == nullptr) {
      if (!decode_error.ok()) {
        fail(decode_error);
      } else if (!allowed.empty()) {
        Status st(Code::kNotSupported, std::string("method ") + std::string(method) +
                                           " not allowed here; allowed: " + allowed);
        nlohmann::json body = {{"error", {{"code", "method_not_allowed"}, {"message", st.message()}}}};
        ex.send(405, {{"Content-Type", "application/json"}, {"Allow", allowed}}, body.dump() + "\n")
            .ignoreError();
      } else {
        fail(notFound("no such route: ", method, " ", target.path));
      }
      recordMetrics(route_name, ex, start);
      return;
    }
    route_name = chosen->name;

    auto query = parseQuery(target.query);
    if (!query.ok()) {
      fail(query.status());
      recordMetrics(route_name, ex, start);
      return;
    }

    auth::Principal principal;
    if (chosen->access != Access::kPublic) {
      auto who = authenticate_(ex.header("Authorization"));
      if (!who.ok()) {
        fail(who.status());
        recordMetrics(route_name, ex, start);
        return;
      }
      principal = std::move(who).value();
      Status denied;
      if (chosen->access == Access::kWrite && principal.read_only) {
        denied = Status(Code::kReadOnly, "this token is read-only");
      } else if (chosen->access == Access::kAdmin && !principal.admin) {
        denied = permissionDenied("this route needs an admin token");
      }
      if (!denied.ok()) {
        fail(denied);
        recordMetrics(route_name, ex, start);
        return;
      }
    }

    // A body on a route that takes none is ignored (drained or the connection closed).
    if (auto length = ex.contentLength();
        length && chosen->body_limit != kNoBody && *length > chosen->body_limit) {
      fail(Status(Code::kTooLarge, "request body of " + std::to_string(*length) +
                                       " bytes is over this route's limit of " +
                                       std::to_string(chosen->body_limit)));
      recordMetrics(route_name, ex, start);
      return;
    }

    Call call(ex, std::move(params), std::move(query).value(), std::move(principal),
              chosen->body_limit);
    Status st = chosen->handler(call);
    if (!st.ok()) {
      if (toHttpStatus(st.code()) >= 500) {
        spdlog::warn("{} {}: {}", method, target.path, st.toString());
      }
      fail(st);
    } else if (!ex.responded()) {
      fail(internalError("handler for ", route_name, " sent no response"));
    }
  } catch (const std::exception& e) {
    spdlog::error("{} {}: unexpected exception: {}", ex.method(), ex.target(), e.what());
    fail(internalError("unexpected server error"));
  }
  recordMetrics(route_name, ex, start);
}

}  // namespace strata::server::http
