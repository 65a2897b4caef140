// How `strata storage ls` shows entries: plain names (directories with a trailing '/'), the
// `-l` long form, and the JSON object scripts read. Pure functions; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "client/types.h"

namespace strata::cli {

// "name", "dir/", "link -> target" (plain form: no target).
std::string shortListing(const client::Entry& e);
// "-rw-r--r--  1048576  2024-05-01 13:45  name"
std::string longListing(const client::Entry& e);
// {"name","type","size","mode","mtime_ns","ino","version"[,"target"]}
nlohmann::json entryJson(const client::Entry& e);

}  // namespace strata::cli
