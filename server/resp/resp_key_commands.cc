// Key commands: the Redis string commands Strata serves, on kv::KvService.
#include <algorithm>
#include <strings.h>

#include "common/clock.h"
#include "server/resp/glob.h"
#include "server/resp/resp_commands.h"

namespace strata::server::resp {
namespace {

int64_t nowMs() { return nowNanos() / 1'000'000; }

bool eq(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

kv::KvService& kvOf(CommandContext& c) { return c.deps.kv; }
const std::string& ws(CommandContext& c) { return c.session.principal->workspace; }
const std::string& ns(CommandContext& c) { return c.session.ns; }

std::vector<std::string> tail(const Command& args, size_t from, size_t step = 1) {
  std::vector<std::string> out;
  for (size_t i = from; i < args.size(); i += step) out.push_back(args[i]);
  return out;
}

void cmdGet(CommandContext& c) {
  auto r = kvOf(c).get(c.session.nsref, c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  if (!*r) return c.reply.null();
  c.reply.bulk((*r)->value);
}

// GET joins the round's group: it sees the writes queued before it, and one read serves
// every GET of a key in the round.
bool queueGet(CommandContext& c) {
  c.group->get(c.session.nsref, c.args[1]);
  return true;
}

void cmdSet(CommandContext& c) {
  kv::SetOptions o;
  bool has_expire = false;
  for (size_t i = 3; i < c.args.size(); ++i) {
    const std::string& a = c.args[i];
    bool has_next = i + 1 < c.args.size();
    if (eq(a, "NX") && o.condition == kv::SetCondition::kAlways) {
      o.condition = kv::SetCondition::kIfAbsent;
    } else if (eq(a, "XX") && o.condition == kv::SetCondition::kAlways) {
      o.condition = kv::SetCondition::kIfPresent;
    } else if (eq(a, "GET")) {
      o.return_old = true;
    } else if (eq(a, "KEEPTTL") && !has_expire) {
      o.keep_ttl = true;
    } else if ((eq(a, "EX") || eq(a, "PX") || eq(a, "EXAT") || eq(a, "PXAT")) && has_next && !has_expire &&
               !o.keep_ttl) {
      int64_t v = 0;
      if (!parseInt(c.args[i + 1], v)) return c.reply.error("ERR value is not an integer or out of range");
      if (v <= 0) return c.reply.error("ERR invalid expire time in 'set' command");
      int64_t at;
      if (eq(a, "EX")) {
        if (v > INT64_MAX / 1000 - nowMs() / 1000) return c.reply.error("ERR invalid expire time in 'set' command");
        at = nowMs() + v * 1000;
      } else if (eq(a, "PX")) {
        if (v > INT64_MAX - nowMs()) return c.reply.error("ERR invalid expire time in 'set' command");
        at = nowMs() + v;
      } else if (eq(a, "EXAT")) {
        if (v > INT64_MAX / 1000) return c.reply.error("ERR invalid expire time in 'set' command");
        at = v * 1000;
      } else {
        at = v;
      }
      o.expire_at_ms = at;
      has_expire = true;
      ++i;
    } else {
      return c.reply.error("ERR syntax error");
    }
  }
  auto r = kvOf(c).set(ws(c), ns(c), c.args[1], c.args[2], o);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  if (o.return_old) return r->old_value ? c.reply.bulk(*r->old_value) : c.reply.null();
  if (!r->written) return c.reply.null();
  c.reply.simple("OK");
}

// Plain SET (no options) is a blind write: grouped. Every option needs the old value or
// extra parsing and runs alone.
bool queueSet(CommandContext& c) {
  if (c.args.size() != 3) return false;
  c.group->set(c.session.nsref, c.args[1], c.args[2]);
  return true;
}

void cmdSetnx(CommandContext& c) {
  auto r = kvOf(c).set(ws(c), ns(c), c.args[1], c.args[2], {.condition = kv::SetCondition::kIfAbsent});
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(r->written ? 1 : 0);
}

void cmdDel(CommandContext& c) {
  auto r = kvOf(c).del(ws(c), ns(c), tail(c.args, 1));
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(static_cast<int64_t>(*r));
}

void cmdExists(CommandContext& c) {
  auto r = kvOf(c).exists(ws(c), ns(c), tail(c.args, 1));
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(static_cast<int64_t>(*r));
}

void cmdMget(CommandContext& c) {
  auto r = kvOf(c).mget(ws(c), ns(c), tail(c.args, 1));
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.arrayHeader(r->size());
  for (const auto& v : *r) v ? c.reply.bulk(*v) : c.reply.null();
}

void msetImpl(CommandContext& c, bool nx) {
  if (c.args.size() % 2 == 0) {
    return c.reply.error(std::string("ERR wrong number of arguments for '") + (nx ? "msetnx" : "mset") + "' command");
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 1; i + 1 < c.args.size(); i += 2) pairs.push_back({c.args[i], c.args[i + 1]});
  auto r = kvOf(c).mset(ws(c), ns(c), pairs, nx);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  if (nx) return c.reply.integer(*r ? 1 : 0);
  c.reply.simple("OK");
}
void cmdMset(CommandContext& c) { msetImpl(c, false); }
bool queueMset(CommandContext& c) {
  if (c.args.size() % 2 == 0) return false;  // odd pairs: the error path replies
  c.group->mset(c.session.nsref, c.args.data() + 1, c.args.size() - 1);
  return true;
}
void cmdMsetnx(CommandContext& c) { msetImpl(c, true); }

void cmdGetdel(CommandContext& c) {
  auto r = kvOf(c).getdel(ws(c), ns(c), c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  *r ? c.reply.bulk(**r) : c.reply.null();
}

void incrImpl(CommandContext& c, int64_t delta) {
  auto r = kvOf(c).incrBy(ws(c), ns(c), c.args[1], delta);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(*r);
}
void cmdIncr(CommandContext& c) { incrImpl(c, 1); }
void cmdDecr(CommandContext& c) { incrImpl(c, -1); }
void cmdIncrby(CommandContext& c) {
  int64_t d;
  if (!parseInt(c.args[2], d)) return c.reply.error("ERR value is not an integer or out of range");
  incrImpl(c, d);
}
bool queueIncr(CommandContext& c) {
  c.group->incrBy(c.session.nsref, c.args[1], 1);
  return true;
}
bool queueDecr(CommandContext& c) {
  c.group->incrBy(c.session.nsref, c.args[1], -1);
  return true;
}
bool queueIncrby(CommandContext& c) {
  int64_t d;
  if (!parseInt(c.args[2], d)) return false;
  c.group->incrBy(c.session.nsref, c.args[1], d);
  return true;
}
bool queueDecrby(CommandContext& c) {
  int64_t d;
  if (!parseInt(c.args[2], d) || d == INT64_MIN) return false;
  c.group->incrBy(c.session.nsref, c.args[1], -d);
  return true;
}
void cmdDecrby(CommandContext& c) {
  int64_t d;
  if (!parseInt(c.args[2], d) || d == INT64_MIN) return c.reply.error("ERR value is not an integer or out of range");
  incrImpl(c, -d);
}

void cmdAppend(CommandContext& c) {
  auto r = kvOf(c).append(ws(c), ns(c), c.args[1], c.args[2]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(static_cast<int64_t>(*r));
}

void cmdStrlen(CommandContext& c) {
  auto r = kvOf(c).get(ws(c), ns(c), c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(*r ? static_cast<int64_t>((*r)->value.size()) : 0);
}

void expireImpl(CommandContext& c, int64_t unit_ms, bool absolute) {
  int64_t v;
  if (!parseInt(c.args[2], v)) return c.reply.error("ERR value is not an integer or out of range");
  // Optional NX | XX | GT | LT (Redis 7).
  std::string_view flag = c.args.size() > 3 ? std::string_view(c.args[3]) : std::string_view();
  if (c.args.size() > 4 || (!flag.empty() && !eq(flag, "NX") && !eq(flag, "XX") && !eq(flag, "GT") && !eq(flag, "LT"))) {
    return c.reply.error("ERR Unsupported option " + std::string(flag));
  }
  if (unit_ms == 1000 && (v > INT64_MAX / 1000 || v < INT64_MIN / 1000)) {
    return c.reply.error("ERR invalid expire time in '" + c.args[0] + "' command");
  }
  int64_t at = absolute ? v * unit_ms : nowMs() + v * unit_ms;
  if (!flag.empty()) {
    auto ttl = kvOf(c).get(ws(c), ns(c), c.args[1]);
    if (!ttl.ok()) return replyStatus(c.reply, ttl.status());
    if (!*ttl) return c.reply.integer(0);
    int64_t cur = (*ttl)->expire_at_ms;  // 0 = persistent (infinite for GT/LT)
    bool ok = eq(flag, "NX") ? cur == 0
              : eq(flag, "XX") ? cur != 0
              : eq(flag, "GT") ? (cur != 0 && at > cur)
                               : (cur == 0 || at < cur);
    if (!ok) return c.reply.integer(0);
  }
  auto r = kvOf(c).expireAt(ws(c), ns(c), c.args[1], at);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(*r ? 1 : 0);
}
void cmdExpire(CommandContext& c) { expireImpl(c, 1000, false); }
void cmdPexpire(CommandContext& c) { expireImpl(c, 1, false); }
void cmdExpireat(CommandContext& c) { expireImpl(c, 1000, true); }
void cmdPexpireat(CommandContext& c) { expireImpl(c, 1, true); }

void ttlImpl(CommandContext& c, bool millis) {
  auto r = kvOf(c).ttlMs(ws(c), ns(c), c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  if (*r < 0) return c.reply.integer(*r);
  c.reply.integer(millis ? *r : (*r + 500) / 1000);
}
void cmdTtl(CommandContext& c) { ttlImpl(c, false); }
void cmdPttl(CommandContext& c) { ttlImpl(c, true); }

void cmdPersist(CommandContext& c) {
  auto r = kvOf(c).persist(ws(c), ns(c), c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(*r ? 1 : 0);
}

void cmdType(CommandContext& c) {
  auto r = kvOf(c).get(ws(c), ns(c), c.args[1]);
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.simple(*r ? "string" : "none");
}

void cmdScan(CommandContext& c) {
  uint64_t cursor_id = 0;
  {
    int64_t v;
    if (!parseInt(c.args[1], v) || v < 0) return c.reply.error("ERR invalid cursor");
    cursor_id = static_cast<uint64_t>(v);
  }
  std::string pattern;
  int64_t count = 10;
  for (size_t i = 2; i < c.args.size(); i += 2) {
    if (i + 1 >= c.args.size()) return c.reply.error("ERR syntax error");
    if (eq(c.args[i], "MATCH")) {
      pattern = c.args[i + 1];
    } else if (eq(c.args[i], "COUNT")) {
      if (!parseInt(c.args[i + 1], count)) return c.reply.error("ERR value is not an integer or out of range");
      if (count < 1) return c.reply.error("ERR syntax error");
    } else if (eq(c.args[i], "TYPE")) {
      if (!eq(c.args[i + 1], "string")) {  // every Strata key is a string
        c.reply.arrayHeader(2);
        c.reply.bulk("0");
        c.reply.arrayHeader(0);
        return;
      }
    } else {
      return c.reply.error("ERR syntax error");
    }
  }
  std::string after;
  if (cursor_id != 0) {
    auto it = c.session.scan_cursors.find(cursor_id);
    if (it == c.session.scan_cursors.end()) return c.reply.error("ERR invalid cursor");
    after = it->second;
    c.session.scan_cursors.erase(it);
  }
  std::string prefix = pattern.empty() ? std::string() : globLiteralPrefix(pattern);
  auto page = kvOf(c).scan(ws(c), ns(c), prefix, after, static_cast<size_t>(std::min<int64_t>(count, 10000)));
  if (!page.ok()) return replyStatus(c.reply, page.status());
  std::vector<std::string> keys;
  for (auto& k : page->keys) {
    if (pattern.empty() || globMatch(pattern, k)) keys.push_back(std::move(k));
  }
  uint64_t next = 0;
  if (!page->next_cursor.empty()) {
    // Cursors are per connection; keep a bounded number so abandoned scans cost nothing.
    if (c.session.scan_cursors.size() >= 1024) c.session.scan_cursors.erase(c.session.scan_cursors.begin());
    next = c.session.next_cursor_id++;
    c.session.scan_cursors[next] = page->next_cursor;
  }
  c.reply.arrayHeader(2);
  c.reply.bulk(std::to_string(next));
  c.reply.arrayHeader(keys.size());
  for (const auto& k : keys) c.reply.bulk(k);
}

void cmdKeys(CommandContext& c) {
  const std::string& pattern = c.args[1];
  std::string prefix = globLiteralPrefix(pattern);
  std::vector<std::string> keys;
  std::string cursor;
  while (true) {
    auto page = kvOf(c).scan(ws(c), ns(c), prefix, cursor, 10000);
    if (!page.ok()) return replyStatus(c.reply, page.status());
    for (auto& k : page->keys) {
      if (globMatch(pattern, k)) keys.push_back(std::move(k));
    }
    if (page->next_cursor.empty()) break;
    cursor = page->next_cursor;
  }
  c.reply.arrayHeader(keys.size());
  for (const auto& k : keys) c.reply.bulk(k);
}

void cmdDbsize(CommandContext& c) {
  auto r = kvOf(c).count(ws(c), ns(c));
  if (!r.ok()) return replyStatus(c.reply, r.status());
  c.reply.integer(static_cast<int64_t>(*r));
}

}  // namespace

const std::vector<CommandSpec>& keyCommands() {
  static const std::vector<CommandSpec> specs = {
      {"get", 2, false, true, cmdGet, queueGet},
      {"set", -3, true, true, cmdSet, queueSet},
      {"setnx", 3, true, true, cmdSetnx},
      {"del", -2, true, true, cmdDel},
      {"unlink", -2, true, true, cmdDel},
      {"exists", -2, false, true, cmdExists},
      {"mget", -2, false, true, cmdMget},
      {"mset", -3, true, true, cmdMset, queueMset},
      {"msetnx", -3, true, true, cmdMsetnx},
      {"getdel", 2, true, true, cmdGetdel},
      {"incr", 2, true, true, cmdIncr, queueIncr},
      {"decr", 2, true, true, cmdDecr, queueDecr},
      {"incrby", 3, true, true, cmdIncrby, queueIncrby},
      {"decrby", 3, true, true, cmdDecrby, queueDecrby},
      {"append", 3, true, true, cmdAppend},
      {"strlen", 2, false, true, cmdStrlen},
      {"expire", -3, true, true, cmdExpire},
      {"pexpire", -3, true, true, cmdPexpire},
      {"expireat", -3, true, true, cmdExpireat},
      {"pexpireat", -3, true, true, cmdPexpireat},
      {"ttl", 2, false, true, cmdTtl},
      {"pttl", 2, false, true, cmdPttl},
      {"persist", 2, true, true, cmdPersist},
      {"type", 2, false, true, cmdType},
      {"scan", -2, false, true, cmdScan},
      {"keys", 2, false, true, cmdKeys},
      {"dbsize", 1, false, true, cmdDbsize},
  };
  return specs;
}

}  // namespace strata::server::resp
