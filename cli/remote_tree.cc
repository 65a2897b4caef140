#include "cli/remote_tree.h"

namespace strata::cli {

Result<RemoteTree> listRemoteTree(const client::Client& client, const std::string& fs, const std::string& root) {
  RemoteTree tree;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(client::ListPage page, client.listTree(fs, root, cursor));
    for (auto& e : page.entries) {
      std::string rel = std::move(e.name);
      e.name = rel.substr(rel.rfind('/') + 1);  // as a one-directory listing names it
      tree.insert_or_assign(std::move(rel), std::move(e));
    }
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  return tree;
}

}  // namespace strata::cli
