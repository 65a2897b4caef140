// Advisory locks of the mount, held in the metadata engine so they work across machines:
// flock (whole file, shared/exclusive) and POSIX fcntl byte-range locks (read/write), owned by
// (session, owner). The two kinds never conflict with each other, as on Linux.
//
// A lock counts only while its session (fs/sessions.h) is alive: entries of expired sessions
// are dropped by the next transaction that touches the file's locks, so a dead mount's locks
// vanish one lease after its last heartbeat without any sweeper.
//
// Storage: one record per locked inode, "lk/<ws>/<fs>/BE64(ino)" (docs/api-mount.md
// "Storage"). Every change of an inode's locks is one transaction that reads that record with
// get(), so two racing acquisitions conflict and re-run: exactly one wins.
//
// Thread-safe: all state lives in the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "db/engine.h"
#include "fs/sessions.h"
#include "fs/types.h"

namespace strata::fs {

enum class LockKind : uint8_t { kFlock = 1, kPosix = 2 };
enum class LockType : uint8_t { kUnlock = 0, kRead = 1, kWrite = 2 };
constexpr uint64_t kLockToEnd = UINT64_MAX;

// One held lock, or a request. Ranges are inclusive [start, end]; flock uses [0, kLockToEnd].
struct LockEntry {
  LockKind kind = LockKind::kPosix;
  LockType type = LockType::kRead;
  uint64_t start = 0;
  uint64_t end = kLockToEnd;
  uint32_t pid = 0;   // reported by F_GETLK; informational
  uint64_t owner = 0; // the kernel's lock owner (open file description / files_struct)
  std::string session;
};

class LockTable {
 public:
  LockTable(db::Engine& engine, SessionTable& sessions);

  // Applies `req` (lock or unlock) for (req.session, req.owner). Returns nullopt when done, or
  // the first conflicting lock of another owner (then nothing changed: the caller answers
  // EAGAIN, or retries for a blocking request). kNotFound when req.session is not alive.
  // Taking a lock replaces the owner's overlapping ranges of the same kind (POSIX upgrade,
  // downgrade and split); unlocking cuts them.
  Result<std::optional<LockEntry>> apply(std::string_view ws, std::string_view fs, InodeId ino,
                                         const LockEntry& req);
  // F_GETLK: the first lock of another owner that would block `req`, nullopt when none.
  Result<std::optional<LockEntry>> test(std::string_view ws, std::string_view fs, InodeId ino,
                                        const LockEntry& req);
  // Every lock of the inode held now (live sessions only); for tests and debugging.
  Result<std::vector<LockEntry>> list(std::string_view ws, std::string_view fs, InodeId ino);

  static std::string key(std::string_view ws, std::string_view fs, InodeId ino);

 private:
  db::Engine& engine_;
  SessionTable& sessions_;
};

// Record codec (exposed for tests).
std::string encodeLocks(const std::vector<LockEntry>& locks);
Result<std::vector<LockEntry>> decodeLocks(std::string_view value);

}  // namespace strata::fs
