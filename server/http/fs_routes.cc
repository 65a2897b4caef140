// Namespace routes of a file system: list file systems, stat, list, mkdir, delete, move,
// usage, chunkmap. docs/api.md "File systems".
#include <vector>

#include "fs/filesystem.h"
#include "server/http/fs_common.h"
#include "server/http/json_io.h"
#include "server/http/routes.h"

namespace strata::server::http {
namespace {

using nlohmann::json;

constexpr size_t kDefaultListLimit = 1000;
constexpr size_t kMaxListLimit = 10000;
constexpr int kSnapshotAttempts = 8;

Result<size_t> listLimit(const Call& call) {
  auto text = call.query("limit");
  if (!text) return kDefaultListLimit;
  size_t value = 0;
  for (char c : *text) {
    if (c < '0' || c > '9' || value > kMaxListLimit) return invalidArgument("limit must be 1..10000");
    value = value * 10 + static_cast<size_t>(c - '0');
  }
  if (text->empty() || value < 1 || value > kMaxListLimit) return invalidArgument("limit must be 1..10000");
  return value;
}

std::string childPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out != "/") out += '/';
  out += name;
  return out;
}

Status statRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(std::string path, pathQuery(call, "/"));
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->stat(path));
  json out = attrJson(attr);
  if (attr.type == fs::FileType::kSymlink) {
    ASSIGN_OR_RETURN(std::string target, fsys->readlink(attr.ino));
    out["target"] = target;
  }
  return replyJson(call, 200, out);
}

Status listRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(std::string path, pathQuery(call, "/"));
  ASSIGN_OR_RETURN(size_t limit, listLimit(call));
  ASSIGN_OR_RETURN(bool recursive, queryBool(call, "recursive", false));
  if (recursive) return listTreeRoute(service, call, path, limit);
  std::string cursor = call.query("cursor").value_or("");
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->stat(path));
  json entries = json::array();
  if (attr.type != fs::FileType::kDirectory) {
    json e = attrJson(attr);
    e["name"] = baseName(path);
    entries.push_back(std::move(e));
    return replyJson(call, 200, {{"entries", entries}, {"next_cursor", ""}});
  }
  ASSIGN_OR_RETURN(fs::DirPage page, fsys->list(path, cursor, limit));
  for (const auto& entry : page.entries) {
    auto child = fsys->getattr(entry.ino);
    if (!child.ok()) {
      if (child.status().code() == Code::kNotFound) continue;  // removed while listing
      return child.status();
    }
    json e = attrJson(*child);
    e["name"] = entry.name;
    entries.push_back(std::move(e));
  }
  return replyJson(call, 200, {{"entries", entries}, {"next_cursor", page.next_cursor}});
}

Status mkdirRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string path, requiredString(req, "path"));
  RETURN_IF_ERROR(checkPath(path));
  ASSIGN_OR_RETURN(bool parents, optionalBool(req, "parents", false));
  ASSIGN_OR_RETURN(auto mode, optionalUint(req, "mode"));
  if (mode && *mode > 07777) return invalidArgument("mode must be permission bits (<= 07777)");
  fs::CreateOptions options;
  options.mode = mode ? static_cast<uint32_t>(*mode) : 0755;
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->mkdirs(path, parents, options));
  return replyJson(call, 201, attrJson(attr));
}

Status deleteRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(std::string path, pathQuery(call, std::nullopt));
  ASSIGN_OR_RETURN(bool recursive, queryBool(call, "recursive", false));
  if (path == "/") return invalidArgument("the root directory cannot be deleted");
  RETURN_IF_ERROR(fsys->remove(path, recursive));
  return replyJson(call, 200, {{"deleted", true}});
}

Status moveRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string from, requiredString(req, "from"));
  ASSIGN_OR_RETURN(std::string to, requiredString(req, "to"));
  ASSIGN_OR_RETURN(bool no_replace, optionalBool(req, "no_replace", false));
  RETURN_IF_ERROR(checkPath(from));
  RETURN_IF_ERROR(checkPath(to));
  if (from == "/" || to == "/") return invalidArgument("the root directory cannot be moved or replaced");
  RETURN_IF_ERROR(fsys->move(from, to, no_replace ? static_cast<uint32_t>(fs::kRenameNoReplace) : 0u));
  ASSIGN_OR_RETURN(fs::Attr attr, fsys->stat(to));
  return replyJson(call, 200, attrJson(attr));
}

// Sums a subtree by walking it (bounded memory: a stack of directory paths still to visit).
Result<fs::Usage> walkUsage(fs::FileSystem& fsys, const std::string& root) {
  fs::Usage usage;
  ASSIGN_OR_RETURN(fs::Attr top, fsys.stat(root));
  if (top.type != fs::FileType::kDirectory) {
    if (top.type == fs::FileType::kSymlink) {
      usage.symlinks = 1;
    } else {
      usage.files = 1;
      usage.bytes = top.size;
    }
    return usage;
  }
  // Like the whole-file-system counters, the directory itself is not counted (usage of "/"
  // equals the counters).
  std::vector<std::string> pending{root};
  while (!pending.empty()) {
    std::string dir = std::move(pending.back());
    pending.pop_back();
    std::string cursor;
    do {
      auto page = fsys.list(dir, cursor, kMaxListLimit);
      if (!page.ok()) {
        if (page.status().code() == Code::kNotFound) break;  // removed during the walk
        return page.status();
      }
      for (const auto& e : page->entries) {
        switch (e.type) {
          case fs::FileType::kDirectory:
            ++usage.directories;
            pending.push_back(childPath(dir, e.name));
            break;
          case fs::FileType::kSymlink:
            ++usage.symlinks;
            break;
          case fs::FileType::kRegular: {
            auto attr = fsys.getattr(e.ino);
            if (!attr.ok()) {
              if (attr.status().code() == Code::kNotFound) break;
              return attr.status();
            }
            ++usage.files;
            usage.bytes += attr->size;
            break;
          }
        }
      }
      cursor = page->next_cursor;
    } while (!cursor.empty());
  }
  return usage;
}

Status usageRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  fs::Usage usage;
  if (call.query("path")) {
    ASSIGN_OR_RETURN(std::string path, pathQuery(call, std::nullopt));
    ASSIGN_OR_RETURN(usage, walkUsage(*fsys, path));
  } else {
    ASSIGN_OR_RETURN(usage, fsys->usage());
  }
  return replyJson(call, 200,
                   {{"bytes", usage.bytes}, {"files", usage.files},
                    {"directories", usage.directories}, {"symlinks", usage.symlinks}});
}

Status chunkmapRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(std::string path, pathQuery(call, std::nullopt));
  // The map and the attributes must describe one version: re-stat and retry if a commit
  // slipped in between.
  for (int attempt = 0; attempt < kSnapshotAttempts; ++attempt) {
    ASSIGN_OR_RETURN(fs::Attr before, fsys->stat(path));
    if (before.type == fs::FileType::kDirectory) return isDirectory("is a directory: ", path);
    if (before.type != fs::FileType::kRegular) return invalidArgument("not a regular file: ", path);
    uint64_t count = (before.size + fs::kChunkSize - 1) / fs::kChunkSize;
    ASSIGN_OR_RETURN(auto refs, fsys->chunks(before.ino, 0, count));
    ASSIGN_OR_RETURN(fs::Attr after, fsys->stat(path));
    if (after.ino != before.ino || after.version != before.version) continue;
    json chunks = json::array();
    for (const auto& r : refs) {
      chunks.push_back({{"index", r.index}, {"id", r.id.hex()}, {"length", r.length}});
    }
    return replyJson(call, 200, {{"size", before.size}, {"version", before.version},
                                 {"mtime_ns", before.mtime_ns}, {"chunks", chunks}});
  }
  return busy("file keeps changing: ", path);
}

Status listFsRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(auto names, service.list(call.workspace()));
  json list = json::array();
  for (const auto& n : names) list.push_back({{"name", n}});
  return replyJson(call, 200, {{"filesystems", list}});
}

Status createFsRoute(fs::FileSystemService& service, Call& call) {
  ASSIGN_OR_RETURN(json req, readJsonObject(call));
  ASSIGN_OR_RETURN(std::string name, requiredString(req, "name"));
  RETURN_IF_ERROR(service.create(call.workspace(), name));
  return replyJson(call, 201, {{"name", name}});
}

}  // namespace

void addFsRoutes(Router& router, fs::FileSystemService& service) {
  auto bind = [&service](Status (*fn)(fs::FileSystemService&, Call&)) {
    return [&service, fn](Call& call) { return fn(service, call); };
  };
  router.add("GET", "/api/v1/fs", "fs.list_fs", Access::kRead, kNoBody, bind(listFsRoute));
  router.add("POST", "/api/v1/fs", "fs.create_fs", Access::kAdmin, kJsonBodyLimit, bind(createFsRoute));
  router.add("GET", "/api/v1/fs/{fs}/stat", "fs.stat", Access::kRead, kNoBody, bind(statRoute));
  router.add("GET", "/api/v1/fs/{fs}/list", "fs.list", Access::kRead, kNoBody, bind(listRoute));
  router.add("POST", "/api/v1/fs/{fs}/mkdir", "fs.mkdir", Access::kWrite, kJsonBodyLimit, bind(mkdirRoute));
  router.add("DELETE", "/api/v1/fs/{fs}/files", "fs.delete", Access::kWrite, kNoBody, bind(deleteRoute));
  router.add("POST", "/api/v1/fs/{fs}/move", "fs.move", Access::kWrite, kJsonBodyLimit, bind(moveRoute));
  router.add("GET", "/api/v1/fs/{fs}/usage", "fs.usage", Access::kRead, kNoBody, bind(usageRoute));
  router.add("GET", "/api/v1/fs/{fs}/chunkmap", "fs.chunkmap", Access::kRead, kNoBody, bind(chunkmapRoute));
}

}  // namespace strata::server::http
