#include "server/http/fs_common.h"

namespace strata::server::http {

Result<std::shared_ptr<fs::FileSystem>> openFs(fs::FileSystemService& service, Call& call) {
  const std::string& name = call.param("fs");
  auto opened = service.open(call.workspace(), name);
  // A name that could never exist is just as unknown as one that does not.
  if (!opened.ok() && opened.status().code() == Code::kInvalidArgument) {
    return notFound("no such file system: ", name);
  }
  return opened;
}

Status checkPath(std::string_view path) {
  auto parts = fs::validatePath(path);
  return parts.ok() ? Status::OK() : parts.status();
}

Result<std::string> pathQuery(const Call& call, std::optional<std::string_view> fallback) {
  auto path = call.query("path");
  if (!path) {
    if (!fallback) return invalidArgument("missing query parameter 'path'");
    path = std::string(*fallback);
  }
  RETURN_IF_ERROR(checkPath(*path));
  return std::move(*path);
}

std::string_view typeName(fs::FileType type) {
  switch (type) {
    case fs::FileType::kDirectory: return "dir";
    case fs::FileType::kSymlink: return "symlink";
    case fs::FileType::kRegular: break;
  }
  return "file";
}

nlohmann::json attrJson(const fs::Attr& a) {
  return {{"ino", a.ino},           {"type", typeName(a.type)}, {"mode", a.mode},
          {"uid", a.uid},           {"gid", a.gid},             {"size", a.size},
          {"nlink", a.nlink},       {"mtime_ns", a.mtime_ns},   {"ctime_ns", a.ctime_ns},
          {"atime_ns", a.atime_ns}, {"version", a.version}};
}

std::string baseName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == path.size()) return "/";
  return std::string(path.substr(slash + 1));
}

}  // namespace strata::server::http
