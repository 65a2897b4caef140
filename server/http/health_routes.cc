// GET /healthz and GET /metrics: no token, so load balancers and Prometheus can reach them.
#include "common/metrics.h"
#include "server/http/json_io.h"
#include "server/http/routes.h"

namespace strata::server::http {

void addHealthRoutes(Router& router, std::function<void()> before_metrics) {
  router.add("GET", "/healthz", "healthz", Access::kPublic, kNoBody, [](Call& call) {
    return replyJson(call, 200, {{"status", "ok"}});
  });
  router.add("GET", "/metrics", "metrics", Access::kPublic, kNoBody, [before_metrics](Call& call) {
    if (before_metrics) before_metrics();
    return call.ex().send(200, {{"Content-Type", "text/plain; version=0.0.4; charset=utf-8"}},
                          metrics::render());
  });
}

}  // namespace strata::server::http
