#include "cli/remote_tree.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "cli/paths.h"

namespace strata::cli {

Result<RemoteTree> listRemoteTree(const client::Client& client, const std::string& fs, const std::string& root,
                                  int parallel) {
  // Directories are listed by `parallel` threads at once: a tree of many small directories
  // costs one round trip per directory, which done one after another dominated re-uploads and
  // downloads of such trees.
  RemoteTree tree;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::string> pending{""};  // guarded by mu
  size_t busy = 0;                      // directories being listed; guarded by mu
  Status failed;                        // first error; guarded by mu

  auto listOne = [&](const std::string& rel) -> Status {
    const std::string path = joinRemote(root, rel);
    std::string cursor;
    do {
      ASSIGN_OR_RETURN(client::ListPage page, client.list(fs, path, cursor, 10000));
      std::lock_guard lock(mu);
      for (auto& e : page.entries) {
        std::string child = rel.empty() ? e.name : rel + "/" + e.name;
        if (e.isDir()) pending.push_back(child);
        tree.emplace(std::move(child), std::move(e));
      }
      cursor = std::move(page.next_cursor);
      cv.notify_all();
    } while (!cursor.empty());
    return Status::OK();
  };
  auto worker = [&]() {
    std::unique_lock lock(mu);
    for (;;) {
      cv.wait(lock, [&] { return !pending.empty() || busy == 0 || !failed.ok(); });
      if (!failed.ok() || (pending.empty() && busy == 0)) break;
      std::string rel = std::move(pending.front());
      pending.pop_front();
      ++busy;
      lock.unlock();
      Status st = listOne(rel);
      lock.lock();
      --busy;
      if (!st.ok() && failed.ok()) failed = std::move(st);
      cv.notify_all();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, parallel); ++i) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (!failed.ok()) return failed;
  return tree;
}

}  // namespace strata::cli
