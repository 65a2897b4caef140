// DirSyncGroup: group commit of directory fsyncs, for LocalStore's deferred puts.
//
// A chunk file is made machine-crash durable by fsyncing its bytes (before it is renamed into
// place) and then the directory that holds its name. The second fsync is what deferred puts
// (ChunkPutOptions::defer_durability) leave to the store's sync(): a put records the
// directories it changed here, and sync() fsyncs every recorded directory once, for all the
// puts that came before it. Concurrent sync() calls share a round: one caller (the leader)
// fsyncs, the others wait for its round and return with it.
//
// Why tickets: sync() must cover every change that another thread could have observed before
// the call (a stat() that found a freshly renamed chunk, say). A change takes a ticket before
// it touches the directory (begin) and records the directory after (end); a round covers
// every ticket issued before its sync() was called, and first waits for those still open. So
// whatever was visible before sync() was called is in the round.
//
// Failure: a failed fsync fails every caller whose changes the round covered, and the
// directories stay recorded, so the next sync() tries them again.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "common/status.h"

namespace strata::blob {

class DirSyncGroup {
 public:
  // Call right before changing an entry of a directory (rename into it, mkdir in it).
  uint64_t begin();
  // Call after the change with the directory changed ("" when nothing changed, e.g. the
  // rename failed). Every begin() needs exactly one end().
  void end(uint64_t ticket, const std::string& dir);
  // Records that `dir` holds an entry the caller relies on but did not itself create (a chunk
  // found already present): the next sync() covers it too. begin() + end() in one.
  void touch(const std::string& dir) { end(begin(), dir); }

  // When it returns OK, every directory recorded by a change that began before the call is
  // durable (fsynced). Returns at once when nothing is pending.
  Status sync();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t issued_ = 0;          // last ticket handed out
  uint64_t synced_ = 0;          // every ticket <= synced_ is durable
  std::set<uint64_t> open_;      // tickets begun and not yet ended
  std::set<std::string> dirty_;  // directories to fsync in the next round
  bool running_ = false;         // a leader is fsyncing
  uint64_t rounds_ = 0;          // rounds finished
  // The last failed round: which round, the tickets it covered, its error.
  uint64_t failed_round_ = 0;
  uint64_t failed_through_ = 0;
  Status failed_;
};

}  // namespace strata::blob
