#include "client/object_calls.h"

#include <nlohmann/json.hpp>

#include "client/errors.h"

namespace strata::client {
namespace {

using nlohmann::json;

std::string bucketPath(std::string_view bucket) { return "/api/v1/object/" + urlEncode(bucket, false); }
std::string objectPath(std::string_view bucket, std::string_view key) {
  return bucketPath(bucket) + "/objects/" + urlEncode(key, false);
}

// A non-2xx answer as a Status; the object API's "no_such_key" is kNotFound here.
Status errorOf(const HttpResponse& resp) {
  json j = json::parse(resp.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].value("code", "") == "no_such_key") {
    return Status(Code::kNotFound, j["error"].value("message", "no such key"));
  }
  return statusFromResponse(resp.status, resp.body);
}

Result<HttpResponse> send(const Client& c, HttpRequest req) {
  ASSIGN_OR_RETURN(HttpResponse resp, c.http().send(req));
  if (resp.status < 200 || resp.status >= 300) return errorOf(resp);
  return resp;
}

Result<HttpResponse> send(const Client& c, std::string method, std::string target, bool idempotent,
                          std::string_view body = {}, std::string content_type = {}) {
  HttpRequest req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.idempotent = idempotent;
  req.body = body;
  req.content_type = std::move(content_type);
  return send(c, std::move(req));
}

Result<json> parse(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status(Code::kIOError, "the server sent malformed JSON");
  return j;
}

ObjectEntry entryOf(const json& o) {
  return {o.value("key", ""), o.value("size", uint64_t{0}), o.value("etag", ""),
          o.value("modified_unix", int64_t{0}), o.value("content_type", "")};
}

}  // namespace

Result<std::vector<ObjectBucket>> objectListBuckets(const Client& c) {
  ASSIGN_OR_RETURN(auto resp, send(c, "GET", "/api/v1/object", true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  std::vector<ObjectBucket> out;
  for (const auto& b : j.value("buckets", json::array())) {
    out.push_back({b.value("name", ""), b.value("public", false), b.value("created_unix", int64_t{0})});
  }
  return out;
}

Status objectCreateBucket(const Client& c, std::string_view bucket, bool is_public) {
  std::string body = json{{"name", std::string(bucket)}, {"public", is_public}}.dump();
  return send(c, "POST", "/api/v1/object", false, body, "application/json").status();
}

Status objectDeleteBucket(const Client& c, std::string_view bucket) {
  return send(c, "DELETE", bucketPath(bucket), false).status();
}

Result<ObjectEntry> objectPut(const Client& c, std::string_view bucket, std::string_view key,
                              std::string_view body, std::string_view content_type) {
  // A put replaces the whole object atomically, so repeating it is safe.
  ASSIGN_OR_RETURN(auto resp, send(c, "PUT", objectPath(bucket, key), true, body,
                                   content_type.empty() ? "application/octet-stream" : std::string(content_type)));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  return entryOf(j);
}

Status objectGet(const Client& c, std::string_view bucket, std::string_view key, const Sink& sink) {
  HttpRequest req;
  req.method = "GET";
  req.target = objectPath(bucket, key);
  req.idempotent = true;
  req.sink = sink;
  return send(c, std::move(req)).status();
}

Result<bool> objectDelete(const Client& c, std::string_view bucket, std::string_view key) {
  ASSIGN_OR_RETURN(auto resp, send(c, "DELETE", objectPath(bucket, key), true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  return j.value("deleted", false);
}

Result<ObjectPage> objectList(const Client& c, std::string_view bucket, std::string_view prefix,
                              std::string_view delimiter, std::string_view cursor, int limit) {
  std::string target = bucketPath(bucket) + "?limit=" + std::to_string(limit);
  if (!prefix.empty()) target += "&prefix=" + urlEncode(prefix, false);
  if (!delimiter.empty()) target += "&delimiter=" + urlEncode(delimiter, false);
  if (!cursor.empty()) target += "&cursor=" + urlEncode(cursor, false);
  ASSIGN_OR_RETURN(auto resp, send(c, "GET", target, true));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  ObjectPage page;
  for (const auto& o : j.value("objects", json::array())) page.objects.push_back(entryOf(o));
  for (const auto& p : j.value("common_prefixes", json::array())) {
    if (p.is_string()) page.common_prefixes.push_back(p.get<std::string>());
  }
  page.next_cursor = j.value("next_cursor", "");
  return page;
}

Result<ObjectUrl> objectTemporaryUrl(const Client& c, std::string_view bucket, std::string_view key,
                                     int64_t expires_seconds) {
  std::string body = json{{"key", std::string(key)}, {"expires_seconds", expires_seconds}}.dump();
  ASSIGN_OR_RETURN(auto resp, send(c, "POST", bucketPath(bucket) + "/url", false, body, "application/json"));
  ASSIGN_OR_RETURN(json j, parse(resp.body));
  ObjectUrl out;
  out.url = j.value("url", "");
  out.is_public = j.value("public", false);
  if (j.contains("expires_unix") && j["expires_unix"].is_number_integer()) out.expires_unix = j["expires_unix"].get<int64_t>();
  if (out.url.empty()) return Status(Code::kIOError, "the server sent no URL");
  return out;
}

}  // namespace strata::client
