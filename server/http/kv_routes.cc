// Key-value store routes (docs/api-kv-queue.md): namespaces, and keys with raw-byte values.
#include <limits>

#include "common/clock.h"
#include "kv/kv_service.h"
#include "server/http/json_io.h"
#include "server/http/kv_queue_routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

// Values travel as raw bodies; the limit is the value limit plus nothing.
constexpr uint64_t kValueBodyLimit = kv::kMaxValueBytes;

std::string jsonSafe(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

Status replyMissingKey(Call& call, std::string_view key) {
  std::string body = "{\"error\":{\"code\":\"no_such_key\",\"message\":" +
                     jsonSafe("no such key: " + std::string(key.substr(0, 200))) + "}}";
  return call.ex().send(404, {{"Content-Type", "application/json"}}, body);
}

}  // namespace

void addKvRoutes(Router& router, kv::KvService& kv) {
  router.add("GET", "/api/v1/kv", "kv.namespaces.list", Access::kRead, kNoBody, [&kv](Call& call) -> Status {
    ASSIGN_OR_RETURN(auto all, kv.listNamespaces(call.workspace()));
    json list = json::array();
    for (const auto& ns : all) list.push_back({{"name", ns.name}, {"created_unix", ns.created_unix}});
    return replyJson(call, 200, {{"namespaces", list}});
  });
  router.add("POST", "/api/v1/kv", "kv.namespaces.create", Access::kWrite, kJsonBodyLimit,
             [&kv](Call& call) -> Status {
               ASSIGN_OR_RETURN(json req, readJsonObject(call));
               ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
               RETURN_IF_ERROR(kv.createNamespace(call.workspace(), name));
               return replyJson(call, 201, {{"name", name}});
             });
  router.add("DELETE", "/api/v1/kv/{ns}", "kv.namespaces.delete", Access::kWrite, kNoBody,
             [&kv](Call& call) -> Status {
               RETURN_IF_ERROR(kv.deleteNamespace(call.workspace(), call.param("ns")));
               return replyJson(call, 200, {{"deleted", true}});
             });
  router.add("PUT", "/api/v1/kv/{ns}/keys/{key}", "kv.keys.put", Access::kWrite, kValueBodyLimit,
             [&kv](Call& call) -> Status {
               const std::string& key = call.param("key");
               RETURN_IF_ERROR(kv::checkKey(key));
               kv::SetOptions options;
               if (auto ttl = call.query("ttl")) {
                 int64_t seconds = 0;
                 try {
                   size_t used = 0;
                   seconds = std::stoll(*ttl, &used);
                   if (used != ttl->size()) seconds = -1;
                 } catch (...) {
                   seconds = -1;
                 }
                 if (seconds < 1 || seconds > std::numeric_limits<int32_t>::max()) {
                   return invalidArgument("ttl must be a whole number of seconds from 1 to 2147483647");
                 }
                 options.expire_at_ms = nowNanos() / 1'000'000 + seconds * 1000;
               }
               auto body = call.readBody();
               if (!body.ok() && body.status().code() == Code::kTooLarge) {
                 return Status(Code::kTooLarge, "value is larger than the limit of " +
                                                    std::to_string(kv::kMaxValueBytes) + " bytes");
               }
               if (!body.ok()) return body.status();
               ASSIGN_OR_RETURN(auto outcome, kv.set(call.workspace(), call.param("ns"), key, *body, options));
               (void)outcome;
               return replyJson(call, 200, {{"ok", true}});
             });
  router.add("GET", "/api/v1/kv/{ns}/keys/{key}", "kv.keys.get", Access::kRead, kNoBody,
             [&kv](Call& call) -> Status {
               const std::string& key = call.param("key");
               ASSIGN_OR_RETURN(auto entry, kv.get(call.workspace(), call.param("ns"), key));
               if (!entry) return replyMissingKey(call, key);
               Headers headers = {{"Content-Type", "application/octet-stream"}};
               if (entry->expire_at_ms != 0) {
                 headers.push_back({"X-Strata-Expires-At-Ms", std::to_string(entry->expire_at_ms)});
               }
               return call.ex().send(200, headers, entry->value);
             });
  router.add("DELETE", "/api/v1/kv/{ns}/keys/{key}", "kv.keys.delete", Access::kWrite, kNoBody,
             [&kv](Call& call) -> Status {
               ASSIGN_OR_RETURN(uint64_t n, kv.del(call.workspace(), call.param("ns"), {call.param("key")}));
               return replyJson(call, 200, {{"deleted", n > 0}});
             });
  router.add("GET", "/api/v1/kv/{ns}/keys", "kv.keys.list", Access::kRead, kNoBody, [&kv](Call& call) -> Status {
    uint64_t limit = 1000;
    if (auto l = call.query("limit")) {
      try {
        limit = std::stoull(*l);
      } catch (...) {
        limit = 0;
      }
      if (limit < 1 || limit > 10000) return invalidArgument("limit must be 1 to 10000");
    }
    ASSIGN_OR_RETURN(auto page, kv.scan(call.workspace(), call.param("ns"), call.query("prefix").value_or(""),
                                        call.query("cursor").value_or(""), limit));
    json keys = json::array();
    for (const auto& k : page.keys) keys.push_back(k);
    json out = {{"keys", keys}, {"next_cursor", page.next_cursor}};
    return call.ex().send(200, {{"Content-Type", "application/json"}},
                          out.dump(-1, ' ', false, json::error_handler_t::replace));
  });
}

}  // namespace strata::server::http
