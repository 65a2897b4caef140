#include "client/queue_calls.h"

#include <nlohmann/json.hpp>

#include "client/errors.h"
#include "common/base64.h"

namespace strata::client {
namespace {

using nlohmann::json;

std::string qPath(std::string_view name) { return "/api/v1/queues/" + urlEncode(name, false); }

Result<json> sendJson(const Client& c, std::string method, std::string target, bool idempotent,
                      const std::optional<json>& body = std::nullopt) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.idempotent = idempotent;
  std::string text;
  if (body) {
    text = body->dump(-1, ' ', false, json::error_handler_t::strict);
    req.body = text;
    req.content_type = "application/json";
  }
  ASSIGN_OR_RETURN(HttpResponse resp, c.http().send(req));
  if (resp.status < 200 || resp.status >= 300) return statusFromResponse(resp.status, resp.body);
  json j = json::parse(resp.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kIOError, "the server sent malformed JSON");
  return j;
}

Result<QueueMessage> decodeMessage(const json& m) {
  QueueMessage out;
  out.id = m.value("id", "");
  out.receipt = m.value("receipt", "");
  out.receive_count = m.value("receive_count", 0u);
  out.sent_unix_ms = m.value("sent_unix_ms", int64_t{0});
  if (m.contains("body_base64")) {
    ASSIGN_OR_RETURN(out.body, base64Decode(m["body_base64"].get<std::string>()));
  } else {
    out.body = m.value("body", "");
  }
  return out;
}

json bodyJson(const std::string& body) {
  if (isValidUtf8(body)) return {{"body", body}};
  return {{"body_base64", base64Encode(body)}};
}

}  // namespace

Result<std::vector<QueueSummary>> queueList(const Client& c) {
  ASSIGN_OR_RETURN(json j, sendJson(c, "GET", "/api/v1/queues", true));
  std::vector<QueueSummary> out;
  for (const auto& q : j.value("queues", json::array())) {
    out.push_back({q.value("name", ""), q.value("created_unix", int64_t{0}),
                   q.value("visibility_timeout_seconds", int64_t{0}), q.value("max_receives", 0u),
                   q.value("dead_letter_queue", "")});
  }
  return out;
}

Status queueCreate(const Client& c, std::string_view name, const QueueCreateOptions& o) {
  json body = {{"name", std::string(name)},
               {"visibility_timeout_seconds", o.visibility_timeout_seconds},
               {"max_receives", o.max_receives},
               {"dead_letter_queue", o.dead_letter_queue}};
  return sendJson(c, "POST", "/api/v1/queues", true, body).status();
}

Status queueDelete(const Client& c, std::string_view name) {
  return sendJson(c, "DELETE", qPath(name), false).status();
}

Result<std::vector<std::string>> queueSend(const Client& c, std::string_view name,
                                           const std::vector<std::string>& bodies) {
  json list = json::array();
  for (const auto& b : bodies) list.push_back(bodyJson(b));
  ASSIGN_OR_RETURN(json j, sendJson(c, "POST", qPath(name) + "/messages", false, json{{"messages", list}}));
  std::vector<std::string> ids;
  for (const auto& id : j.value("ids", json::array())) ids.push_back(id.get<std::string>());
  return ids;
}

Result<std::vector<QueueMessage>> queueReceive(const Client& c, std::string_view name, int max,
                                               std::optional<int64_t> visibility_seconds, int64_t wait_seconds) {
  json body = {{"max", max}, {"wait_seconds", wait_seconds}};
  if (visibility_seconds) body["visibility_timeout_seconds"] = *visibility_seconds;
  ASSIGN_OR_RETURN(json j, sendJson(c, "POST", qPath(name) + "/receive", false, body));
  std::vector<QueueMessage> out;
  for (const auto& m : j.value("messages", json::array())) {
    ASSIGN_OR_RETURN(auto msg, decodeMessage(m));
    out.push_back(std::move(msg));
  }
  return out;
}

Status queueAck(const Client& c, std::string_view name, std::string_view receipt) {
  return sendJson(c, "DELETE", qPath(name) + "/messages/" + urlEncode(receipt, false), true).status();
}

Result<std::optional<QueueMessage>> queuePop(const Client& c, std::string_view name, int64_t wait_seconds) {
  ASSIGN_OR_RETURN(json j, sendJson(c, "POST", qPath(name) + "/pop", false, json{{"wait_seconds", wait_seconds}}));
  if (!j.contains("message") || j["message"].is_null()) return std::optional<QueueMessage>();
  ASSIGN_OR_RETURN(auto msg, decodeMessage(j["message"]));
  return std::optional<QueueMessage>(std::move(msg));
}

Result<QueueCounts> queueLength(const Client& c, std::string_view name) {
  ASSIGN_OR_RETURN(json j, sendJson(c, "GET", qPath(name) + "/length", true));
  return QueueCounts{j.value("visible", uint64_t{0}), j.value("in_flight", uint64_t{0})};
}

}  // namespace strata::client
