#include "fs/locks.h"

#include <map>

#include "common/bytes.h"

namespace strata::fs {
namespace {

constexpr char kVersion = 0x01;
constexpr size_t kMaxLocksPerInode = 4096;

bool overlaps(const LockEntry& a, const LockEntry& b) { return a.start <= b.end && b.start <= a.end; }
bool sameOwner(const LockEntry& a, const LockEntry& b) {
  return a.owner == b.owner && a.session == b.session;
}
bool blocks(const LockEntry& held, const LockEntry& req) {
  return held.kind == req.kind && !sameOwner(held, req) && overlaps(held, req) &&
         (held.type == LockType::kWrite || req.type == LockType::kWrite);
}

// Removes [req.start, req.end] from the owner's ranges of req.kind, splitting where needed.
void cut(std::vector<LockEntry>& locks, const LockEntry& req) {
  std::vector<LockEntry> out;
  out.reserve(locks.size() + 1);
  for (auto& l : locks) {
    if (l.kind != req.kind || !sameOwner(l, req) || !overlaps(l, req)) {
      out.push_back(std::move(l));
      continue;
    }
    if (l.start < req.start) {
      LockEntry left = l;
      left.end = req.start - 1;
      out.push_back(std::move(left));
    }
    if (l.end > req.end) {
      LockEntry right = l;
      right.start = req.end + 1;
      out.push_back(std::move(right));
    }
  }
  locks = std::move(out);
}

// Drops entries of sessions that are no longer alive; true when something was dropped.
Result<bool> dropDead(db::Transaction& txn, SessionTable& sessions, std::string_view ws,
                      std::vector<LockEntry>& locks) {
  std::map<std::string, bool, std::less<>> alive;
  std::vector<LockEntry> out;
  for (auto& l : locks) {
    auto it = alive.find(l.session);
    if (it == alive.end()) {
      ASSIGN_OR_RETURN(bool ok, sessions.alive(txn, ws, l.session));
      it = alive.emplace(l.session, ok).first;
    }
    if (it->second) out.push_back(std::move(l));
  }
  bool dropped = out.size() != locks.size();
  locks = std::move(out);
  return dropped;
}

Result<std::vector<LockEntry>> load(db::Transaction& txn, const std::string& key) {
  ASSIGN_OR_RETURN(auto value, txn.get(key));
  if (!value) return std::vector<LockEntry>{};
  return decodeLocks(*value);
}

Status store(db::Transaction& txn, const std::string& key, const std::vector<LockEntry>& locks) {
  if (locks.empty()) return txn.del(key);
  return txn.put(key, encodeLocks(locks));
}

Status checkRequest(const LockEntry& req) {
  if (req.start > req.end) return invalidArgument("lock range start is past its end");
  if (req.kind != LockKind::kFlock && req.kind != LockKind::kPosix) return invalidArgument("bad lock kind");
  return Status::OK();
}

}  // namespace

std::string encodeLocks(const std::vector<LockEntry>& locks) {
  std::string out(1, kVersion);
  appendU32BE(out, static_cast<uint32_t>(locks.size()));
  for (const auto& l : locks) {
    out += static_cast<char>(l.kind);
    out += static_cast<char>(l.type);
    appendU64BE(out, l.start);
    appendU64BE(out, l.end);
    appendU32BE(out, l.pid);
    appendU64BE(out, l.owner);
    out += static_cast<char>(l.session.size());
    out += l.session;
  }
  return out;
}

Result<std::vector<LockEntry>> decodeLocks(std::string_view v) {
  if (v.size() < 5 || v[0] != kVersion) return corruption("bad lock record");
  uint32_t n = readU32BE(v.substr(1));
  v.remove_prefix(5);
  std::vector<LockEntry> out;
  for (uint32_t i = 0; i < n; ++i) {
    if (v.size() < 31) return corruption("truncated lock record");
    LockEntry l;
    l.kind = static_cast<LockKind>(v[0]);
    l.type = static_cast<LockType>(v[1]);
    l.start = readU64BE(v.substr(2));
    l.end = readU64BE(v.substr(10));
    l.pid = readU32BE(v.substr(18));
    l.owner = readU64BE(v.substr(22));
    size_t len = static_cast<unsigned char>(v[30]);
    v.remove_prefix(31);
    if (v.size() < len) return corruption("truncated lock record");
    l.session = std::string(v.substr(0, len));
    v.remove_prefix(len);
    out.push_back(std::move(l));
  }
  if (!v.empty()) return corruption("trailing bytes in lock record");
  return out;
}

std::string LockTable::key(std::string_view ws, std::string_view fs, InodeId ino) {
  std::string k = "lk/";
  k.append(ws);
  k += '/';
  k.append(fs);
  k += '/';
  appendU64BE(k, ino);
  return k;
}

LockTable::LockTable(db::Engine& engine, SessionTable& sessions) : engine_(engine), sessions_(sessions) {}

Result<std::optional<LockEntry>> LockTable::apply(std::string_view ws, std::string_view fs,
                                                  InodeId ino, const LockEntry& req) {
  RETURN_IF_ERROR(checkRequest(req));
  const std::string k = key(ws, fs, ino);
  std::optional<LockEntry> conflict;
  RETURN_IF_ERROR(engine_.run([&](db::Transaction& txn) -> Status {
    conflict.reset();
    ASSIGN_OR_RETURN(auto locks, load(txn, k));
    ASSIGN_OR_RETURN(bool dropped, dropDead(txn, sessions_, ws, locks));
    if (req.type == LockType::kUnlock) {
      cut(locks, req);
      return store(txn, k, locks);
    }
    ASSIGN_OR_RETURN(bool me_alive, sessions_.alive(txn, ws, req.session));
    if (!me_alive) return notFound("session expired or unknown: ", req.session);
    for (const auto& l : locks) {
      if (blocks(l, req)) {
        conflict = l;
        return dropped ? store(txn, k, locks) : Status::OK();
      }
    }
    cut(locks, req);
    if (locks.size() >= kMaxLocksPerInode) return Status(Code::kNoSpace, "too many locks on one file");
    locks.push_back(req);
    return store(txn, k, locks);
  }));
  return conflict;
}

Result<std::optional<LockEntry>> LockTable::test(std::string_view ws, std::string_view fs,
                                                 InodeId ino, const LockEntry& req) {
  RETURN_IF_ERROR(checkRequest(req));
  const std::string k = key(ws, fs, ino);
  std::optional<LockEntry> conflict;
  auto txn = engine_.begin();
  ASSIGN_OR_RETURN(auto locks, load(*txn, k));
  ASSIGN_OR_RETURN(bool dropped, dropDead(*txn, sessions_, ws, locks));
  (void)dropped;
  for (const auto& l : locks) {
    if (blocks(l, req)) return std::optional<LockEntry>(l);
  }
  return std::optional<LockEntry>();
}

Result<std::vector<LockEntry>> LockTable::list(std::string_view ws, std::string_view fs, InodeId ino) {
  auto txn = engine_.begin();
  ASSIGN_OR_RETURN(auto locks, load(*txn, key(ws, fs, ino)));
  ASSIGN_OR_RETURN(bool dropped, dropDead(*txn, sessions_, ws, locks));
  (void)dropped;
  return locks;
}

}  // namespace strata::fs
