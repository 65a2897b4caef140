// Path helpers of the CLI: turning what a user typed into the absolute, slash-separated paths
// of the REST API, and joining relative tree paths onto local and remote roots. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::cli {

// "a/b", "/a/b/", "/a//b" -> "/a/b"; "" and "/" -> "/". "." and ".." are kept: the server
// rejects them with a clear error, and the CLI does not guess what they meant.
std::string normalizeRemote(std::string_view path);
// True when the user wrote a trailing '/' ("put it inside this directory").
bool endsWithSlash(std::string_view path);
// Joins a relative path ("x/y", may be empty) onto an absolute remote dir.
std::string joinRemote(std::string_view dir, std::string_view rel);
// Joins onto a local path (no normalization beyond avoiding a doubled '/').
std::string joinLocal(std::string_view dir, std::string_view rel);
// Last component: "/a/b" -> "b", "b/" -> "b", "/" -> "".
std::string baseName(std::string_view path);
// Whether `s` is valid UTF-8 (JSON paths must be).
bool isValidUtf8(std::string_view s);

}  // namespace strata::cli
