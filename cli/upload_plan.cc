#include "cli/upload_plan.h"

#include <unordered_set>

#include "cli/paths.h"

namespace strata::cli {
namespace {

// Adds every proper ancestor of `rel` ("a/b/c" -> "a/b", "a").
void addAncestors(std::string_view rel, std::unordered_set<std::string>& out) {
  for (auto pos = rel.rfind('/'); pos != std::string_view::npos; pos = rel.rfind('/', pos - 1)) {
    if (!out.emplace(rel.substr(0, pos)).second) break;  // its ancestors are in already
    if (pos == 0) break;
  }
}

}  // namespace

Result<UploadPlan> planUpload(const LocalTree& local, const RemoteTree& remote, const std::string& root) {
  UploadPlan plan;
  std::unordered_set<std::string> covered;  // dirs that a commit with parents=true will create
  for (size_t i = 0; i < local.files.size(); ++i) {
    const LocalFile& f = local.files[i];
    plan.total_bytes += f.size;
    auto it = remote.find(f.rel);
    if (it != remote.end()) {
      const client::Entry& r = it->second;
      if (r.isDir()) {
        return Status(Code::kIsDirectory,
                      "cannot overwrite directory " + joinRemote(root, f.rel) + " with a file");
      }
      if (r.isFile() && r.attr.size == f.size && r.attr.mtime_ns == f.mtime_ns) {
        plan.skip.push_back(i);
        continue;
      }
    }
    plan.upload.push_back(i);
    plan.upload_bytes += f.size;
    addAncestors(f.rel, covered);
  }
  std::vector<const LocalDir*> missing;
  for (const LocalDir& d : local.dirs) {
    auto it = remote.find(d.rel);
    if (it == remote.end()) {
      missing.push_back(&d);
      addAncestors(d.rel, covered);
    } else if (!it->second.isDir()) {
      return Status(Code::kNotDirectory,
                    "cannot upload directory " + d.rel + ": " + joinRemote(root, d.rel) + " is not a directory");
    }
  }
  for (const LocalDir* d : missing) {
    if (!covered.count(d->rel)) plan.mkdirs.push_back(*d);
  }
  return plan;
}

}  // namespace strata::cli
