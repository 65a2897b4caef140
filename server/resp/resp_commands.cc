#include "server/resp/resp_commands.h"

#include <charconv>
#include <cstdint>
#include <unordered_map>

namespace strata::server::resp {
namespace {

// Longer than every command name: anything longer is unknown without a lookup.
constexpr size_t kMaxNameBytes = 32;

const std::unordered_map<std::string_view, const CommandSpec*>& table() {
  static const auto* t = [] {
    // Keys view the specs' static names.
    auto* m = new std::unordered_map<std::string_view, const CommandSpec*>();
    for (const auto* list : {&keyCommands(), &connectionCommands()}) {
      for (const auto& spec : *list) (*m)[spec.name] = &spec;
    }
    return m;
  }();
  return *t;
}

const CommandSpec* lookup(std::string_view name);

bool arityOk(const CommandSpec& spec, size_t args) {
  const int n = static_cast<int>(args);
  return !((spec.arity > 0 && n != spec.arity) || (spec.arity < 0 && n < -spec.arity));
}

void unknownCommand(const Command& args, ReplyWriter& reply) {
  // Redis's exact wording, so clients and users recognise it.
  std::string msg = "ERR unknown command '" + args[0] + "', with args beginning with: ";
  for (size_t i = 1; i < args.size() && i <= 8; ++i) msg += "'" + args[i].substr(0, 128) + "' ";
  reply.error(msg);
}

}  // namespace

bool parseInt(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  if (s[0] == '+') return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

void replyStatus(ReplyWriter& reply, const Status& status) {
  switch (status.code()) {
    case Code::kUnauthenticated:
      reply.error("NOAUTH " + status.message());
      return;
    case Code::kPermissionDenied:
    case Code::kReadOnly:
      reply.error("NOPERM " + status.message());
      return;
    default:
      reply.error("ERR " + status.message());
  }
}

const CommandSpec* findCommand(std::string_view name) {
  // The hot commands of a pipeline (GET, SET, INCR, any case) skip the hash of the table.
  static const CommandSpec* const get = lookup("get");
  static const CommandSpec* const set = lookup("set");
  static const CommandSpec* const incr = lookup("incr");
  if (name.size() == 3 || name.size() == 4) {
    uint32_t word = 0;
    // c | 0x20 equals a lower-case letter only for that letter and its upper case.
    for (char c : name) word = (word << 8) | static_cast<unsigned char>(c | 0x20);
    if (name.size() == 3 && word == 0x676574u) return get;   // "get"
    if (name.size() == 3 && word == 0x736574u) return set;   // "set"
    if (name.size() == 4 && word == 0x696e6372u) return incr;  // "incr"
  }
  return lookup(name);
}

namespace {

const CommandSpec* lookup(std::string_view name) {
  if (name.size() > kMaxNameBytes) return nullptr;
  char buf[kMaxNameBytes];
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  const auto& t = table();
  auto it = t.find(std::string_view(buf, name.size()));
  return it == t.end() ? nullptr : it->second;
}

}  // namespace

bool tryQueue(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply,
              kv::WriteGroup& group) {
  const CommandSpec* spec = findCommand(args[0]);
  if (spec == nullptr || spec->queue == nullptr || !arityOk(*spec, args.size())) return false;
  if (spec->needs_auth && !session.principal) return false;
  if (spec->write && session.principal && session.principal->read_only) return false;
  CommandContext ctx{deps, session, args, reply, &group};
  return spec->queue(ctx);
}

void replyQueued(ReplyWriter& reply, const kv::WriteGroup& group, size_t i) {
  const auto& outcome = group.outcome(i);
  if (!outcome.status.ok()) return replyStatus(reply, outcome.status);
  if (group.kind(i) == kv::WriteGroup::Kind::kIncr) return reply.integer(outcome.integer);
  if (group.kind(i) == kv::WriteGroup::Kind::kGet) return outcome.found ? reply.bulk(group.value(i)) : reply.null();
  reply.simple("OK");
}

void execute(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply) {
  const CommandSpec* found = findCommand(args[0]);
  if (found == nullptr) {
    unknownCommand(args, reply);
    return;
  }
  const CommandSpec& spec = *found;
  if (!arityOk(spec, args.size())) {
    reply.error("ERR wrong number of arguments for '" + std::string(spec.name) + "' command");
    return;
  }
  if (spec.needs_auth && !session.principal) {
    reply.error("NOAUTH Authentication required.");
    return;
  }
  if (spec.write && session.principal && session.principal->read_only) {
    reply.error("NOPERM this token is read-only; '" + std::string(spec.name) + "' changes data");
    return;
  }
  CommandContext ctx{deps, session, args, reply};
  spec.fn(ctx);
}

}  // namespace strata::server::resp
