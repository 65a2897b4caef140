// Maps REST error answers back to Status, so a caller of the client sees the same code and
// message the server's Status had (docs/api.md "Errors"). Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "common/status.h"

namespace strata::client {

// The Code whose codeName() is `name`; kInternal for an unknown name.
Code codeFromName(std::string_view name);

// The Code a bare HTTP status implies when the body carries none (a proxy's 502, ...).
Code codeFromHttpStatus(int http_status);

// The Status of a non-2xx answer: code and message from the JSON error body
// {"error":{"code":..,"message":..}} when there is one, else from the HTTP status alone.
Status statusFromResponse(int http_status, std::string_view body);

}  // namespace strata::client
