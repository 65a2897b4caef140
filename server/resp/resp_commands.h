// The RESP command table: one entry per Redis command Strata serves, each a function of
// (deps, session, args, reply). Key commands (resp_key_commands.cc) run on kv::KvService
// in the namespace the connection authenticated to; connection commands
// (resp_connection_commands.cc) handle AUTH, HELLO, CLIENT, INFO, COMMAND and friends.
// Anything else gets Redis's unknown-command error.
#pragma once

#include <string_view>
#include <vector>

#include "server/resp/resp_protocol.h"
#include "server/resp/resp_session.h"

namespace strata::server::resp {

struct CommandContext {
  const RespDeps& deps;
  Session& session;
  const Command& args;  // args[0] is the command name as sent
  ReplyWriter& reply;
};

using CommandFn = void (*)(CommandContext&);

struct CommandSpec {
  std::string_view name;  // lower case
  int arity;              // as Redis: N = exactly N args incl. the name, -N = at least N
  bool write;             // refused for read-only tokens
  bool needs_auth;
  CommandFn fn;
};

// Runs one command and appends its reply.
void execute(const RespDeps& deps, Session& session, const Command& args, ReplyWriter& reply);

// The command tables, joined by execute().
const std::vector<CommandSpec>& keyCommands();
const std::vector<CommandSpec>& connectionCommands();

// Replies with the Redis error for a Status from the KV service.
void replyStatus(ReplyWriter& reply, const Status& status);
// Parses a decimal 64-bit integer argument as Redis does.
bool parseInt(std::string_view s, int64_t& out);

}  // namespace strata::server::resp
