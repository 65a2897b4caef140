#include "client/kv_calls.h"

#include <nlohmann/json.hpp>

#include "client/errors.h"

namespace strata::client {
namespace {

using nlohmann::json;

std::string nsPath(std::string_view ns) { return "/api/v1/kv/" + urlEncode(ns, false); }

Result<HttpResponse> send(const Client& c, std::string method, std::string target, bool idempotent,
                          std::string_view body = {}, std::string content_type = {}) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.idempotent = idempotent;
  req.body = body;
  req.content_type = std::move(content_type);
  ASSIGN_OR_RETURN(HttpResponse resp, c.http().send(req));
  if (resp.status < 200 || resp.status >= 300) return statusFromResponse(resp.status, resp.body);
  return resp;
}

Result<json> parse(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kIOError, "the server sent malformed JSON");
  return j;
}

}  // namespace

Result<std::vector<KvNamespace>> kvListNamespaces(const Client& c) {
  ASSIGN_OR_RETURN(auto resp, send(c, "GET", "/api/v1/kv", true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  std::vector<KvNamespace> out;
  for (const auto& n : j.value("namespaces", json::array())) {
    out.push_back({n.value("name", ""), n.value("created_unix", int64_t{0})});
  }
  return out;
}

Status kvCreateNamespace(const Client& c, std::string_view name) {
  std::string body = json{{"name", std::string(name)}}.dump();
  return send(c, "POST", "/api/v1/kv", false, body, "application/json").status();
}

Status kvDeleteNamespace(const Client& c, std::string_view name) {
  return send(c, "DELETE", nsPath(name), false).status();
}

Status kvPut(const Client& c, std::string_view ns, std::string_view key, std::string_view value,
             std::optional<int64_t> ttl_seconds) {
  std::string target = nsPath(ns) + "/keys/" + urlEncode(key, false);
  if (ttl_seconds) target += "?ttl=" + std::to_string(*ttl_seconds);
  return send(c, "PUT", target, true, value, "application/octet-stream").status();
}

Result<std::optional<std::string>> kvGet(const Client& c, std::string_view ns, std::string_view key) {
  HttpRequest req;
  req.method = "GET";
  req.target = nsPath(ns) + "/keys/" + urlEncode(key, false);
  req.idempotent = true;
  ASSIGN_OR_RETURN(HttpResponse resp, c.http().send(req));
  if (resp.status == 404) {
    json j = json::parse(resp.body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].value("code", "") == "no_such_key") {
      return std::optional<std::string>();
    }
  }
  if (resp.status < 200 || resp.status >= 300) return statusFromResponse(resp.status, resp.body);
  return std::optional<std::string>(std::move(resp.body));
}

Result<bool> kvDelete(const Client& c, std::string_view ns, std::string_view key) {
  ASSIGN_OR_RETURN(auto resp, send(c, "DELETE", nsPath(ns) + "/keys/" + urlEncode(key, false), true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  return j.value("deleted", false);
}

Result<KvKeyPage> kvList(const Client& c, std::string_view ns, std::string_view prefix, std::string_view cursor,
                         int limit) {
  std::string target = nsPath(ns) + "/keys?limit=" + std::to_string(limit);
  if (!prefix.empty()) target += "&prefix=" + urlEncode(prefix, false);
  if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor, false);
  ASSIGN_OR_RETURN(auto resp, send(c, "GET", target, true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  KvKeyPage page;
  for (const auto& k : j.value("keys", json::array())) page.keys.push_back(k.get<std::string>());
  page.next_cursor = j.value("next_cursor", "");
  return page;
}

}  // namespace strata::client
