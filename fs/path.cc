#include <string>
#include <vector>

#include "fs/filesystem.h"
#include "fs/names.h"

namespace strata::fs {

Status validateName(std::string_view name) {
  if (name.empty()) return invalidArgument("empty name");
  if (name == "." || name == "..") return invalidArgument("'", name, "' is not allowed as a name");
  if (name.size() > kMaxNameBytes) {
    return nameTooLong("name of ", std::to_string(name.size()), " bytes is over the limit of ",
                       std::to_string(kMaxNameBytes));
  }
  for (char c : name) {
    if (c == '/' || c == '\0') return invalidArgument("a name may not contain '/' or NUL");
  }
  return Status::OK();
}

Result<std::vector<std::string>> validatePath(std::string_view path) {
  if (path.empty() || path[0] != '/') return invalidArgument("path must be absolute: '", path, "'");
  if (path.size() > kMaxPathBytes) {
    return nameTooLong("path of ", std::to_string(path.size()), " bytes is over the limit of ",
                       std::to_string(kMaxPathBytes));
  }
  if (path.find('\0') != std::string_view::npos) return invalidArgument("path contains NUL");
  std::vector<std::string> parts;
  if (path == "/") return parts;
  size_t pos = 1;
  for (;;) {
    size_t slash = path.find('/', pos);
    std::string_view comp = path.substr(pos, slash == std::string_view::npos ? path.npos : slash - pos);
    if (comp.empty()) return invalidArgument("empty component in path '", path, "'");
    if (comp == "." || comp == "..") {
      return invalidArgument("'", comp, "' component in path '", path, "'");
    }
    if (comp.size() > kMaxNameBytes) {
      return nameTooLong("component of ", std::to_string(comp.size()),
                         " bytes is over the limit of ", std::to_string(kMaxNameBytes));
    }
    parts.emplace_back(comp);
    if (slash == std::string_view::npos) break;
    pos = slash + 1;
  }
  return parts;
}

}  // namespace strata::fs
