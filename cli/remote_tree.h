// Lists a remote directory tree, for upload quick-checks and for download. Thread-safety: a
// free function; uses the thread-safe Client.
#pragma once

#include <map>
#include <string>

#include "client/client.h"

namespace strata::cli {

// rel path ("a/b", '/'-separated, relative to the listed root) -> entry; the root itself is not
// included. A std::map so iteration is in path order (parents before children).
using RemoteTree = std::map<std::string, client::Entry>;

// Lists every entry below the directory `root` with the recursive listing (pages of 10,000
// entries: a tree of 20,000 files is 2-3 requests, whatever its number of directories).
// kNotFound when root does not exist, kNotDirectory when it is not a directory.
Result<RemoteTree> listRemoteTree(const client::Client& client, const std::string& fs, const std::string& root);

}  // namespace strata::cli
