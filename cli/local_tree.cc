#include "cli/local_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "cli/paths.h"

namespace strata::cli {
namespace {

int64_t mtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

Status walk(const std::string& root, const std::string& rel, LocalTree& tree) {
  const std::string dir_path = joinLocal(root, rel);
  DIR* dir = ::opendir(dir_path.c_str());
  if (dir == nullptr) return ioError("cannot open directory ", dir_path, ": ", std::strerror(errno));
  std::vector<std::string> names;
  errno = 0;
  while (dirent* d = ::readdir(dir)) {
    const std::string_view name = d->d_name;
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  const int read_errno = errno;
  ::closedir(dir);
  if (read_errno != 0) return ioError("cannot read directory ", dir_path, ": ", std::strerror(read_errno));
  std::sort(names.begin(), names.end());

  for (const auto& name : names) {
    const std::string child_rel = rel.empty() ? name : rel + "/" + name;
    const std::string child_path = joinLocal(root, child_rel);
    struct stat st {};
    if (::lstat(child_path.c_str(), &st) != 0) {
      if (errno == ENOENT) continue;  // deleted while we walked
      return ioError("cannot stat ", child_path, ": ", std::strerror(errno));
    }
    if (!isValidUtf8(name)) {
      tree.skipped.push_back(child_rel);
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      tree.dirs.push_back(LocalDir{child_rel, static_cast<uint32_t>(st.st_mode & 07777)});
      RETURN_IF_ERROR(walk(root, child_rel, tree));
    } else if (S_ISREG(st.st_mode)) {
      tree.files.push_back(LocalFile{child_rel, static_cast<uint64_t>(st.st_size), mtimeNs(st),
                                     static_cast<uint32_t>(st.st_mode & 07777)});
    } else {
      tree.skipped.push_back(child_rel);
    }
  }
  return Status::OK();
}

}  // namespace

Result<LocalTree> walkLocalTree(const std::string& root) {
  LocalTree tree;
  RETURN_IF_ERROR(walk(root, "", tree));
  // Children were appended after their parent in name order per level; a global sort keeps
  // parents first ("a" < "a/b") and gives a stable, bytewise order.
  std::sort(tree.files.begin(), tree.files.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
  std::sort(tree.dirs.begin(), tree.dirs.end(), [](const auto& a, const auto& b) { return a.rel < b.rel; });
  return tree;
}

Result<LocalTree> singleFileTree(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ioError("cannot stat ", path, ": ", std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return invalidArgument(path, " is not a regular file");
  LocalTree tree;
  tree.files.push_back(
      LocalFile{"", static_cast<uint64_t>(st.st_size), mtimeNs(st), static_cast<uint32_t>(st.st_mode & 07777)});
  return tree;
}

}  // namespace strata::cli
