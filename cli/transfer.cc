#include "cli/transfer.h"

#include <nlohmann/json.hpp>

#include "cli/format.h"

namespace strata::cli {

std::string summaryLine(const char* verb, const char* wire_verb, const TransferResult& r) {
  std::string s = std::string(verb) + " " + std::to_string(r.files_transferred) +
                  (r.files_transferred == 1 ? " file" : " files") + ", skipped " + std::to_string(r.files_skipped) +
                  " unchanged";
  if (r.dirs_created) s += ", created " + std::to_string(r.dirs_created) + " empty dirs";
  s += "; " + std::string(wire_verb) + " " + humanBytes(r.wire_bytes) + " of " + humanBytes(r.bytes_total);
  s += " in " + humanDuration(r.seconds);
  if (r.seconds > 0) s += " (" + humanBytes(static_cast<uint64_t>(r.wire_bytes / r.seconds)) + "/s)";
  return s;
}

std::string summaryJson(const TransferResult& r) {
  nlohmann::json j = {{"files_total", r.files_total},     {"files_transferred", r.files_transferred},
                      {"files_skipped", r.files_skipped}, {"dirs_created", r.dirs_created},
                      {"bytes_total", r.bytes_total},     {"bytes_changed", r.bytes_changed},
                      {"wire_bytes", r.wire_bytes},       {"seconds", r.seconds},
                      {"skipped_local", r.skipped_local}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace strata::cli
