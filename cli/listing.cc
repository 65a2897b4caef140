#include "cli/listing.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/format.h"
#include "client/json_codec.h"

namespace strata::cli {

std::string shortListing(const client::Entry& e) { return e.isDir() ? e.name + "/" : e.name; }

std::string longListing(const client::Entry& e) {
  char size[32];
  std::snprintf(size, sizeof(size), "%12llu", static_cast<unsigned long long>(e.attr.size));
  std::string line = modeString(e.attr.type, e.attr.mode) + " " + size + "  " + shortTime(e.attr.mtime_ns) + "  " +
                     shortListing(e);
  if (e.isSymlink()) line += " -> " + e.target;
  return line;
}

nlohmann::json entryJson(const client::Entry& e) {
  nlohmann::json j = {{"name", e.name},
                      {"type", std::string(client::json::fileTypeName(e.attr.type))},
                      {"size", e.attr.size},
                      {"mode", e.attr.mode},
                      {"mtime_ns", e.attr.mtime_ns},
                      {"ino", e.attr.ino},
                      {"version", e.attr.version}};
  if (e.isSymlink()) j["target"] = e.target;
  return j;
}

}  // namespace strata::cli
