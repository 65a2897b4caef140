#include "server/resp/resp_commands.h"

#include <algorithm>
#include <charconv>
#include <unordered_map>

namespace strata::server::resp {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

const std::unordered_map<std::string, const CommandSpec*>& table() {
  static const auto* t = [] {
    auto* m = new std::unordered_map<std::string, const CommandSpec*>();
    for (const auto* list : {&keyCommands(), &connectionCommands()}) {
      for (const auto& spec : *list) (*m)[std::string(spec.name)] = &spec;
    }
    return m;
  }();
  return *t;
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

void execute(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply) {
  const auto& t = table();
  auto it = t.find(lower(args[0]));
  if (it == t.end()) {
    unknownCommand(args, reply);
    return;
  }
  const CommandSpec& spec = *it->second;
  const int n = static_cast<int>(args.size());
  if ((spec.arity > 0 && n != spec.arity) || (spec.arity < 0 && n < -spec.arity)) {
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
