// JSON in and out of route handlers (nlohmann). Included only by route .cc files, so
// nlohmann stays out of widely included headers.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "server/http/router.h"

namespace strata::server::http {

// The request body as a JSON object; kInvalidArgument for malformed JSON or a non-object.
Result<nlohmann::json> readJsonObject(Call& call);

// Typed fields of a JSON object: kInvalidArgument when present with the wrong type, or
// missing when required (the optional variants return nullopt when absent or null).
Result<std::string> requiredString(const nlohmann::json& obj, std::string_view field);
Result<std::optional<std::string>> optionalString(const nlohmann::json& obj, std::string_view field);
Result<bool> optionalBool(const nlohmann::json& obj, std::string_view field, bool fallback);
Result<std::optional<uint64_t>> optionalUint(const nlohmann::json& obj, std::string_view field);
Result<std::optional<int64_t>> optionalInt(const nlohmann::json& obj, std::string_view field);

// A query parameter that must be "true"/"false" (or "1"/"0"); `fallback` when absent.
Result<bool> queryBool(const Call& call, std::string_view name, bool fallback);

// Sends `body` as application/json.
Status replyJson(Call& call, int status, const nlohmann::json& body);

}  // namespace strata::server::http
