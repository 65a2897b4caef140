// Lists a remote directory tree through the paged list call, for upload quick-checks and for
// download. Thread-safety: a free function; uses the thread-safe Client.
#pragma once

#include <map>
#include <string>

#include "client/client.h"

namespace strata::cli {

// rel path ("a/b", '/'-separated, relative to the listed root) -> entry; the root itself is not
// included. A std::map so iteration is in path order (parents before children).
using RemoteTree = std::map<std::string, client::Entry>;

// Lists every entry below the directory `root`, up to `parallel` directories at once.
// kNotFound when root does not exist.
Result<RemoteTree> listRemoteTree(const client::Client& client, const std::string& fs, const std::string& root,
                                  int parallel = 8);

}  // namespace strata::cli
