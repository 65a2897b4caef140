#include "cli/remote_tree.h"

#include <deque>

#include "cli/paths.h"

namespace strata::cli {

Result<RemoteTree> listRemoteTree(const client::Client& client, const std::string& fs, const std::string& root) {
  RemoteTree tree;
  std::deque<std::string> pending{""};
  while (!pending.empty()) {
    const std::string rel = std::move(pending.front());
    pending.pop_front();
    const std::string path = joinRemote(root, rel);
    std::string cursor;
    do {
      ASSIGN_OR_RETURN(client::ListPage page, client.list(fs, path, cursor, 10000));
      for (auto& e : page.entries) {
        std::string child = rel.empty() ? e.name : rel + "/" + e.name;
        if (e.isDir()) pending.push_back(child);
        tree.emplace(std::move(child), std::move(e));
      }
      cursor = std::move(page.next_cursor);
    } while (!cursor.empty());
  }
  return tree;
}

}  // namespace strata::cli
