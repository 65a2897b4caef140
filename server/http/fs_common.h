// Helpers shared by the file-system route groups (fs_routes, upload_routes, download_routes).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "fs/filesystem.h"
#include "fs/types.h"
#include "server/http/router.h"

namespace strata::server::http {

// The file system named by the route's {fs} in the caller's workspace; kNotFound when unknown.
Result<std::shared_ptr<fs::FileSystem>> openFs(fs::FileSystemService& service, Call& call);

// The validated "path" query parameter; `fallback` when absent (nullopt: required).
Result<std::string> pathQuery(const Call& call, std::optional<std::string_view> fallback);
// A validated path taken from JSON or elsewhere (see fs::validatePath).
Status checkPath(std::string_view path);

std::string_view typeName(fs::FileType type);
// The JSON of fs::Attr (docs/api.md "Attributes").
nlohmann::json attrJson(const fs::Attr& attr);

// GET list?recursive=true (tree_list_route.cc): a page of every entry below the directory
// `path`, depth first, with relative paths; `limit` entries at most.
Status listTreeRoute(fs::FileSystemService& service, Call& call, const std::string& path, size_t limit);

// The last component of a path ("/" for the root).
std::string baseName(std::string_view path);

}  // namespace strata::server::http
