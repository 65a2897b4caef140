// GET /api/v1/fs/{fs}/list?path=P&recursive=true -- a whole subtree in a few pages
// (docs/api.md "File systems"). A client comparing a local tree with the remote one (the
// upload quick-check, recursive download) gets every entry below P with its attributes in
// ceil(entries / limit) requests instead of one request (or more) per directory.
//
// Order: depth first, names bytewise within a directory, a directory right before its
// children. `next_cursor` is the relative path of the last entry returned; the next page
// resumes after it: it walks down the cursor's components (finishing the subtree of each)
// and continues after them. Stable under concurrent changes like the one-directory listing:
// an entry present for the whole walk is returned exactly once; entries created or removed
// meanwhile may or may not appear; a directory removed mid-walk just ends its part.
#include <span>
#include <string>
#include <vector>

#include "fs/filesystem.h"
#include "server/http/fs_common.h"
#include "server/http/json_io.h"

namespace strata::server::http {
namespace {

constexpr size_t kDirPage = 1000;  // entries read from the engine per readdir call

std::string joinRel(const std::string& rel, std::string_view name) {
  return rel.empty() ? std::string(name) : rel + "/" + std::string(name);
}

bool gone(const Status& s) { return s.code() == Code::kNotFound || s.code() == Code::kNotDirectory; }

// Walks one page of a subtree, appending entries as JSON text (no JSON tree of the whole
// page is built: a page of 10,000 entries stays a few MB of text).
class TreePage {
 public:
  TreePage(fs::FileSystem& fsys, size_t limit) : fsys_(fsys), limit_(limit) {}

  // Entries of directory `dir` (relative path `rel`) in order; `resume` holds the cursor's
  // components still to walk down at this level (empty: start from the first name).
  Status walk(fs::InodeId dir, const std::string& rel, std::span<const std::string> resume) {
    std::string cursor;
    if (!resume.empty()) {
      // resume[0] was returned already; if it is a directory, the rest of its subtree first.
      auto e = fsys_.lookup(dir, resume[0]);
      if (e.ok() && e->type == fs::FileType::kDirectory) {
        RETURN_IF_ERROR(walk(e->ino, joinRel(rel, resume[0]), resume.subspan(1)));
        if (full()) return Status::OK();
      } else if (!e.ok() && !gone(e.status())) {
        return e.status();
      }
      cursor = resume[0];
    }
    do {
      auto page = fsys_.readdir(dir, cursor, kDirPage);
      if (!page.ok()) return gone(page.status()) ? Status::OK() : page.status();
      for (const auto& entry : page->entries) {
        auto attr = fsys_.getattr(entry.ino);
        if (!attr.ok()) {
          if (attr.status().code() == Code::kNotFound) continue;  // removed while listing
          return attr.status();
        }
        std::string child = joinRel(rel, entry.name);
        emit(child, *attr);
        if (full()) return Status::OK();
        if (attr->type == fs::FileType::kDirectory) {
          RETURN_IF_ERROR(walk(attr->ino, child, {}));
          if (full()) return Status::OK();
        }
      }
      cursor = std::move(page->next_cursor);
    } while (!cursor.empty());
    return Status::OK();
  }

  bool full() const { return count_ >= limit_; }

  std::string finish() {
    std::string out = "{\"entries\":[";
    out += body_;
    out += "],\"next_cursor\":";
    out += nlohmann::json(full() ? last_ : std::string()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    out += "}\n";
    return out;
  }

 private:
  // The same fields as attrJson (keys in its order), written directly: building a JSON object
  // per entry was most of the cost of a page.
  void emit(const std::string& rel, const fs::Attr& a) {
    if (count_ > 0) body_ += ',';
    body_ += "{\"atime_ns\":" + std::to_string(a.atime_ns) + ",\"ctime_ns\":" + std::to_string(a.ctime_ns) +
             ",\"gid\":" + std::to_string(a.gid) + ",\"ino\":" + std::to_string(a.ino) +
             ",\"mode\":" + std::to_string(a.mode) + ",\"mtime_ns\":" + std::to_string(a.mtime_ns) +
             ",\"nlink\":" + std::to_string(a.nlink) + ",\"path\":";
    body_ += nlohmann::json(rel).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    body_ += ",\"size\":" + std::to_string(a.size) + ",\"type\":\"" + std::string(typeName(a.type)) +
             "\",\"uid\":" + std::to_string(a.uid) + ",\"version\":" + std::to_string(a.version) + "}";
    ++count_;
    last_ = rel;
  }

  fs::FileSystem& fsys_;
  const size_t limit_;
  size_t count_ = 0;
  std::string body_;
  std::string last_;
};

}  // namespace

Status listTreeRoute(fs::FileSystemService& service, Call& call, const std::string& path, size_t limit) {
  ASSIGN_OR_RETURN(auto fsys, openFs(service, call));
  ASSIGN_OR_RETURN(fs::Attr top, fsys->stat(path));
  if (top.type != fs::FileType::kDirectory) return notDirectory("not a directory: ", path);
  std::vector<std::string> resume;
  if (auto cursor = call.query("cursor"); cursor && !cursor->empty()) {
    // The cursor is a relative path below `path`; it must be one that could exist.
    auto parts = fs::validatePath("/" + *cursor);
    if (!parts.ok()) return invalidArgument("bad cursor: ", parts.status().message());
    resume = std::move(*parts);
  }
  TreePage page(*fsys, limit);
  RETURN_IF_ERROR(page.walk(top.ino, "", resume));
  return call.ex().send(200, {{"Content-Type", "application/json"}}, page.finish());
}

}  // namespace strata::server::http
