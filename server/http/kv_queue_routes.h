// REST routes of the key-value store and the queues (docs/api-kv-queue.md).
#pragma once

namespace strata::kv {
class KvService;
}
namespace strata::queue {
class QueueService;
}

namespace strata::server::http {

class Router;

// /api/v1/kv...
void addKvRoutes(Router& router, kv::KvService& kv);
// /api/v1/queues...
void addQueueRoutes(Router& router, queue::QueueService& queues);

}  // namespace strata::server::http
