#include "client/errors.h"

#include <nlohmann/json.hpp>

#include <string>

namespace strata::client {

Code codeFromName(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Code::kTimedOut); ++i) {
    const auto code = static_cast<Code>(i);
    if (codeName(code) == name) return code;
  }
  return Code::kInternal;
}

Code codeFromHttpStatus(int http_status) {
  switch (http_status) {
    case 400: return Code::kInvalidArgument;
    case 401: return Code::kUnauthenticated;
    case 403: return Code::kPermissionDenied;
    case 404: return Code::kNotFound;
    case 409: return Code::kConflict;
    case 413: return Code::kTooLarge;
    case 416: return Code::kRangeNotSatisfiable;
    case 501: return Code::kNotSupported;
    case 502:
    case 503: return Code::kUnavailable;
    case 504: return Code::kTimedOut;
    case 507: return Code::kNoSpace;
    default: return http_status >= 500 ? Code::kInternal : Code::kInvalidArgument;
  }
}

Status statusFromResponse(int http_status, std::string_view body) {
  auto j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    auto err = j.find("error");
    if (err != j.end() && err->is_object()) {
      Code code = codeFromHttpStatus(http_status);
      std::string message;
      if (auto c = err->find("code"); c != err->end() && c->is_string()) {
        const Code named = codeFromName(c->get<std::string>());
        // An unknown name from a newer server still keeps the meaning of its HTTP status.
        if (named != Code::kInternal || c->get<std::string>() == "internal") code = named;
      }
      if (auto m = err->find("message"); m != err->end() && m->is_string()) message = m->get<std::string>();
      if (message.empty()) message = std::string(codeName(code));
      if (code == Code::kOk) code = Code::kInternal;  // an error body never means success
      return Status(code, std::move(message));
    }
  }
  const Code code = codeFromHttpStatus(http_status);
  std::string message = "HTTP " + std::to_string(http_status);
  if (code == Code::kUnauthenticated) message = "unauthenticated: missing, wrong or revoked token";
  // A short plain-text body (from a proxy, say) still helps the reader.
  if (!body.empty() && body.size() < 200 && body.find('\0') == std::string_view::npos && !j.is_object()) {
    message += ": ";
    message += body;
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) message.pop_back();
  }
  return Status(code, std::move(message));
}

}  // namespace strata::client
