#include "server/http/json_io.h"

namespace strata::server::http {

using nlohmann::json;

Result<json> readJsonObject(Call& call) {
  ASSIGN_OR_RETURN(std::string body, call.readBody());
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return invalidArgument("request body is not valid JSON");
  if (!j.is_object()) return invalidArgument("request body must be a JSON object");
  return j;
}

namespace {

const json* field(const json& obj, std::string_view name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Status wrongType(std::string_view name, std::string_view want) {
  return invalidArgument("field '", name, "' must be ", want);
}

}  // namespace

Result<std::string> requiredString(const json& obj, std::string_view name) {
  const json* v = field(obj, name);
  if (v == nullptr) return invalidArgument("missing field '", name, "'");
  if (!v->is_string()) return wrongType(name, "a string");
  return v->get<std::string>();
}

Result<std::optional<std::string>> optionalString(const json& obj, std::string_view name) {
  const json* v = field(obj, name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return wrongType(name, "a string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<bool> optionalBool(const json& obj, std::string_view name, bool fallback) {
  const json* v = field(obj, name);
  if (v == nullptr) return fallback;
  if (!v->is_boolean()) return wrongType(name, "true or false");
  return v->get<bool>();
}

Result<std::optional<uint64_t>> optionalUint(const json& obj, std::string_view name) {
  const json* v = field(obj, name);
  if (v == nullptr) return std::optional<uint64_t>();
  if (!v->is_number_unsigned()) {
    if (v->is_number_integer() && v->get<int64_t>() >= 0) return std::optional<uint64_t>(v->get<int64_t>());
    return wrongType(name, "a non-negative integer");
  }
  return std::optional<uint64_t>(v->get<uint64_t>());
}

Result<std::optional<int64_t>> optionalInt(const json& obj, std::string_view name) {
  const json* v = field(obj, name);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) return wrongType(name, "an integer");
    return std::optional<int64_t>(static_cast<int64_t>(v->get<uint64_t>()));
  }
  if (!v->is_number_integer()) return wrongType(name, "an integer");
  return std::optional<int64_t>(v->get<int64_t>());
}

Result<bool> queryBool(const Call& call, std::string_view name, bool fallback) {
  auto v = call.query(name);
  if (!v) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  return invalidArgument("query parameter '", name, "' must be true or false");
}

Status replyJson(Call& call, int status, const json& body) {
  return call.ex().send(status, {{"Content-Type", "application/json"}},
                        body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace strata::server::http
