// Queue routes (docs/api-kv-queue.md): create/list/delete, send, receive, ack, visibility,
// receive-and-delete, length.
#include "common/base64.h"
#include "queue/queue_service.h"
#include "server/http/json_io.h"
#include "server/http/kv_queue_routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

// A batch of 100 messages of 256 KiB, base64-inflated, plus JSON framing.
constexpr uint64_t kSendBodyLimit = 40ull << 20;

Result<std::string> messageBody(const json& obj) {
  ASSIGN_OR_RETURN(auto text, optionalString(obj, "body"));
  ASSIGN_OR_RETURN(auto b64, optionalString(obj, "body_base64"));
  if (text && b64) return invalidArgument("give either body or body_base64, not both");
  if (text) return *text;
  if (b64) return base64Decode(*b64);
  return invalidArgument("a message needs a body (or body_base64)");
}

json messageJson(const queue::Message& m) {
  json out = {{"id", m.id}, {"receive_count", m.receive_count}, {"sent_unix_ms", m.sent_ms}};
  if (!m.receipt.empty()) out["receipt"] = m.receipt;
  if (isValidUtf8(m.body)) {
    out["body"] = m.body;
  } else {
    out["body_base64"] = base64Encode(m.body);
  }
  return out;
}

json queueJson(const queue::QueueInfo& q) {
  return {{"name", q.name},
          {"created_unix", q.created_unix},
          {"visibility_timeout_seconds", q.config.visibility_timeout_ms / 1000},
          {"max_receives", q.config.max_receives},
          {"dead_letter_queue", q.config.dead_letter_queue}};
}

// Seconds field -> milliseconds, within [0, max_seconds]; `fallback` (already ms) when absent.
Result<int64_t> secondsField(const json& obj, std::string_view field, int64_t max_seconds, int64_t fallback_ms) {
  ASSIGN_OR_RETURN(auto v, optionalInt(obj, field));
  if (!v) return fallback_ms;
  if (*v < 0 || *v > max_seconds) {
    return invalidArgument(std::string(field), " must be 0 to ", std::to_string(max_seconds));
  }
  return *v * 1000;
}

}  // namespace

void addQueueRoutes(Router& router, queue::QueueService& queues) {
  router.add("GET", "/api/v1/queues", "queues.list", Access::kRead, kNoBody, [&queues](Call& call) -> Status {
    ASSIGN_OR_RETURN(auto all, queues.list(call.workspace()));
    json list = json::array();
    for (const auto& q : all) list.push_back(queueJson(q));
    return replyJson(call, 200, {{"queues", list}});
  });
  router.add("POST", "/api/v1/queues", "queues.create", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
               queue::QueueConfig config;
               ASSIGN_OR_RETURN(config.visibility_timeout_ms,
                                secondsField(req, "visibility_timeout_seconds", 43200, 30'000));
               ASSIGN_OR_RETURN(auto max_receives, optionalUint(req, "max_receives"));
               if (max_receives && *max_receives > 1000) return invalidArgument("max_receives must be 0 to 1000");
               config.max_receives = static_cast<uint32_t>(max_receives.value_or(0));
               ASSIGN_OR_RETURN(auto dlq, optionalString(req, "dead_letter_queue"));
               config.dead_letter_queue = dlq.value_or("");
               if (config.max_receives > 0 && config.dead_letter_queue.empty()) {
                 return invalidArgument("max_receives needs a dead_letter_queue");
               }
               bool existed = false;
               {
                 auto all = queues.list(call.workspace());
                 if (all.ok()) {
                   for (const auto& q : *all) existed |= q.name == name;
                 }
               }
               RETURN_IF_ERROR(queues.create(call.workspace(), name, config));
               return replyJson(call, existed ? 200 : 201, {{"name", name}, {"created", !existed}});
             });
  router.add("DELETE", "/api/v1/queues/{q}", "queues.delete", Access::kWrite, kNoBody,
             [&queues](Call& call) -> Status {
               RETURN_IF_ERROR(queues.remove(call.workspace(), call.param("q")));
               return replyJson(call, 200, {{"deleted", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/messages", "queues.send", Access::kWrite, kSendBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               std::vector<std::string> bodies;
               if (req.contains("messages")) {
                 const json& list = req["messages"];
                 if (!list.is_array()) return invalidArgument("messages must be an array");
                 for (const auto& m : list) {
                   if (!m.is_object()) return invalidArgument("each message must be an object");
                   ASSIGN_OR_RETURN(std::string body, messageBody(m));
                   bodies.push_back(std::move(body));
                 }
               } else {
                 ASSIGN_OR_RETURN(std::string body, messageBody(req));
                 bodies.push_back(std::move(body));
               }
               ASSIGN_OR_RETURN(auto ids, queues.sendBatch(call.workspace(), call.param("q"), bodies));
               return replyJson(call, 201, {{"ids", ids}});
             });
  router.add("POST", "/api/v1/queues/{q}/receive", "queues.receive", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(auto max, optionalUint(req, "max"));
               ASSIGN_OR_RETURN(int64_t visibility, secondsField(req, "visibility_timeout_seconds", 43200, -1));
               ASSIGN_OR_RETURN(int64_t wait, secondsField(req, "wait_seconds", 20, 0));
               ASSIGN_OR_RETURN(auto got, queues.receive(call.workspace(), call.param("q"), max.value_or(1),
                                                         visibility, wait));
               json list = json::array();
               for (const auto& m : got) list.push_back(messageJson(m));
               return replyJson(call, 200, {{"messages", list}});
             });
  router.add("DELETE", "/api/v1/queues/{q}/messages/{receipt}", "queues.ack", Access::kWrite, kNoBody,
             [&queues](Call& call) -> Status {
               RETURN_IF_ERROR(queues.ack(call.workspace(), call.param("q"), call.param("receipt")));
               return replyJson(call, 200, {{"acked", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/ack", "queues.ack_batch", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               if (!req.contains("receipts") || !req["receipts"].is_array()) {
                 return invalidArgument("receipts must be an array of receipt handles");
               }
               std::vector<std::string> receipts;
               for (const auto& r : req["receipts"]) {
                 if (!r.is_string()) return invalidArgument("each receipt must be a string");
                 receipts.push_back(r.get<std::string>());
               }
               ASSIGN_OR_RETURN(auto results, queues.ackBatch(call.workspace(), call.param("q"), receipts));
               json failed = json::array();
               size_t acked = 0;
               for (size_t i = 0; i < results.size(); ++i) {
                 if (results[i].ok()) {
                   ++acked;
                 } else {
                   failed.push_back({{"receipt", receipts[i]}, {"error", results[i].message()}});
                 }
               }
               return replyJson(call, 200, {{"acked", acked}, {"failed", failed}});
             });
  router.add("POST", "/api/v1/queues/{q}/visibility", "queues.visibility", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string receipt, requiredString(req, "receipt"));
               ASSIGN_OR_RETURN(int64_t visibility, secondsField(req, "visibility_timeout_seconds", 43200, -1));
               if (visibility < 0) return invalidArgument("visibility_timeout_seconds is required");
               RETURN_IF_ERROR(queues.changeVisibility(call.workspace(), call.param("q"), receipt, visibility));
               return replyJson(call, 200, {{"ok", true}});
             });
  router.add("POST", "/api/v1/queues/{q}/pop", "queues.pop", Access::kWrite, kJsonBodyLimit,
             [&queues](Call& call) -> Status {
               json req = json::object();
               if (call.ex().contentLength().value_or(1) > 0) {
                 ASSIGN_OR_RETURN(req, readJsonObject(call));
               }
               ASSIGN_OR_RETURN(int64_t wait, secondsField(req, "wait_seconds", 20, 0));
               ASSIGN_OR_RETURN(auto got, queues.receiveAndDelete(call.workspace(), call.param("q"), wait));
               return replyJson(call, 200, {{"message", got ? messageJson(*got) : json(nullptr)}});
             });
  router.add("GET", "/api/v1/queues/{q}/length", "queues.length", Access::kRead, kNoBody,
             [&queues](Call& call) -> Status {
               ASSIGN_OR_RETURN(auto len, queues.length(call.workspace(), call.param("q")));
               return replyJson(call, 200,
                                {{"visible", len.visible}, {"in_flight", len.in_flight},
                                 {"total", len.visible + len.in_flight}});
             });
}

}  // namespace strata::server::http
